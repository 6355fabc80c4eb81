-- name: peer_answer_share
-- label: Answers from peers
-- description: Of all answers to colleagues' questions, the share written by people who manage
--   nobody: peers guiding peers instead of waiting for a manager. People missing from the people
--   file count as peers, since nobody is recorded as reporting to them.
-- pillar: learning
-- unit: share of answers
-- format: .1%
-- direction: up
-- sources: activity, people
-- fill: none

with managers as (
    select distinct p.manager_key as person_key
    from people as p
    where p.manager_key is not null
),

answers as (
    select
        date_trunc($grain, ad.day)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        ad.person_key,
        ad.events,
        m.person_key is null as by_peer
    from activity_daily as ad
    left join managers as m on m.person_key = ad.person_key
    left join person_segments($by) as ps on ps.person_key = ad.person_key
    where ad.day between $start and $end
      and ad.kind = 'answer'
),

final as (
    select
        period,
        segment,
        coalesce(sum(events) filter (where by_peer), 0) / sum(events) as value,
        count(distinct person_key) as people
    from answers
    group by period, segment
)

select * from final
