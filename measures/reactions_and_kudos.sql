-- name: reactions_and_kudos
-- label: Reactions and kudos
-- description: Reactions and kudos people gave to colleagues' messages. Small signs of
--   recognition are how people feel noticed at work.
-- pillar: engagement
-- unit: reactions
-- format: ,.0f
-- direction: up
-- sources: activity
-- fill: zero

with recognition as (
    select
        date_trunc($grain, ad.day)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        ad.person_key,
        ad.events
    from activity_daily as ad
    left join person_segments($by) as ps on ps.person_key = ad.person_key
    where ad.day between $start and $end
      and ad.kind in ('reaction', 'kudos')
),

final as (
    select
        period,
        segment,
        sum(events) as value,
        count(distinct person_key) as people
    from recognition
    group by period, segment
)

select * from final
