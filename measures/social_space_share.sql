-- name: social_space_share
-- label: Share of activity in social spaces
-- description: Of all activity in spaces marked work or social, the share that happened in social
--   spaces (hobbies, pets, celebrations). Neither end is good: all work and no social looks like a
--   bot, all social and no work looks like nobody is there to do the job.
-- pillar: engagement
-- unit: share of events
-- format: .1%
-- direction: neutral
-- sources: activity
-- fill: none

with typed_events as (
    select
        date_trunc($grain, ad.day)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        ad.person_key,
        ad.space_type,
        ad.events
    from activity_daily as ad
    left join person_segments($by) as ps on ps.person_key = ad.person_key
    where ad.day between $start and $end
      and ad.space_type is not null
),

final as (
    select
        period,
        segment,
        coalesce(sum(events) filter (where space_type = 'social'), 0) / sum(events) as value,
        count(distinct person_key) as people
    from typed_events
    group by period, segment
)

select * from final
