-- name: active_contributors
-- label: Active contributors
-- description: People who posted, asked, answered, replied, shared a resource or gave feedback at
--   least once in the period. Reacting, giving kudos or posting outside the company alone does not
--   count: a contributor adds something colleagues can learn from.
-- pillar: collaboration
-- unit: people
-- format: ,.0f
-- direction: up
-- sources: activity
-- fill: zero

with contributions as (
    select
        date_trunc($grain, ad.day)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        ad.person_key
    from activity_daily as ad
    left join person_segments($by) as ps on ps.person_key = ad.person_key
    where ad.day between $start and $end
      and ad.kind in ('post', 'question', 'answer', 'reply', 'share', 'feedback')
),

final as (
    select
        period,
        segment,
        count(distinct person_key) as value,
        count(distinct person_key) as people
    from contributions
    group by period, segment
)

select * from final
