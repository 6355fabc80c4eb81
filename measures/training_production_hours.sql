-- name: training_production_hours
-- label: Hours spent producing training
-- description: Hours the L&D team spent building or delivering the training that was requested,
--   including requests cancelled later, since that work was already done. Resources colleagues
--   share with each other need no production time.
-- pillar: cost
-- unit: hours
-- format: ,.0f
-- direction: down
-- sources: training
-- fill: zero
-- paired_with: resources_shared

with produced_requests as (
    select
        date_trunc($grain, t.requested_on)::date as period,
        coalesce(ps.segment, ds.segment, unknown_segment($by)) as segment,
        t.person_key,
        t.production_hours
    from training as t
    left join person_segments($by) as ps on ps.person_key = t.person_key
    left join department_segments($by) as ds on ds.department = t.department and t.person_key is null
    where t.requested_on between $start and $end
      and t.production_hours is not null
),

final as (
    select
        period,
        segment,
        sum(production_hours) as value,
        count(distinct person_key) as people
    from produced_requests
    group by period, segment
)

select * from final
