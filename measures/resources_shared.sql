-- name: resources_shared
-- label: Resources shared
-- description: Links, documents and how-tos people shared with colleagues. Each one is learning
--   material that nobody had to buy or build.
-- pillar: learning
-- unit: resources
-- format: ,.0f
-- direction: up
-- sources: activity
-- fill: zero

with shares as (
    select
        date_trunc($grain, ad.day)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        ad.person_key,
        ad.events
    from activity_daily as ad
    left join person_segments($by) as ps on ps.person_key = ad.person_key
    where ad.day between $start and $end
      and ad.kind = 'share'
),

final as (
    select
        period,
        segment,
        sum(events) as value,
        count(distinct person_key) as people
    from shares
    group by period, segment
)

select * from final
