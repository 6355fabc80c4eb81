-- name: answer_rate
-- label: Share of questions answered
-- description: Of the questions asked in a period, the share that a colleague other than the
--   asker answered (at any time since). A high share means people can count on each other.
-- pillar: collaboration
-- unit: share of questions
-- format: .1%
-- direction: up
-- sources: activity
-- fill: none

with asked as (
    select
        date_trunc($grain, q.asked_at)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        q.asker_key,
        q.answers_by_others > 0 as answered
    from questions as q
    left join person_segments($by) as ps on ps.person_key = q.asker_key
    where q.asked_at::date between $start and $end
),

final as (
    select
        period,
        segment,
        count(*) filter (where answered) / count(*) as value,
        count(distinct asker_key) as people
    from asked
    group by period, segment
)

select * from final
