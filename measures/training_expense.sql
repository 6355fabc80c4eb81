-- name: training_expense
-- label: Training spend
-- description: What training requests cost, cancelled ones left out. When colleagues share what
--   they know, less of it has to be bought as courses.
-- pillar: cost
-- unit: currency
-- format: ,.0f
-- direction: down
-- sources: training
-- fill: zero
-- paired_with: resources_shared

with costed_requests as (
    select
        date_trunc($grain, t.requested_on)::date as period,
        coalesce(ps.segment, ds.segment, unknown_segment($by)) as segment,
        t.person_key,
        t.cost
    from training as t
    left join person_segments($by) as ps on ps.person_key = t.person_key
    left join department_segments($by) as ds on ds.department = t.department and t.person_key is null
    where t.requested_on between $start and $end
      and coalesce(t.status, 'requested') <> 'cancelled'
      and t.cost is not null
),

final as (
    select
        period,
        segment,
        sum(cost) as value,
        count(distinct person_key) as people
    from costed_requests
    group by period, segment
)

select * from final
