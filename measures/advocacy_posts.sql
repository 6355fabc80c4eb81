-- name: advocacy_posts
-- label: Advocacy posts
-- description: Posts in which employees spoke for the organisation outside it, on professional
--   or social networks. People who are proud of where they work say so in public.
-- pillar: engagement
-- unit: posts
-- format: ,.0f
-- direction: up
-- sources: activity
-- fill: zero

with advocacy as (
    select
        date_trunc($grain, ad.day)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        ad.person_key,
        ad.events
    from activity_daily as ad
    left join person_segments($by) as ps on ps.person_key = ad.person_key
    where ad.day between $start and $end
      and ad.kind = 'advocacy'
),

final as (
    select
        period,
        segment,
        sum(events) as value,
        count(distinct person_key) as people
    from advocacy
    group by period, segment
)

select * from final
