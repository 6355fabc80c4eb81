-- name: training_requests
-- label: Training requests
-- description: How many training requests were made. When colleagues answer each other's
--   questions, fewer people need a course to find out how to do their work.
-- pillar: cost
-- unit: requests
-- format: ,.0f
-- direction: down
-- sources: training
-- fill: zero
-- paired_with: questions_answered

with requests as (
    select
        date_trunc($grain, t.requested_on)::date as period,
        coalesce(ps.segment, ds.segment, unknown_segment($by)) as segment,
        t.person_key
    from training as t
    left join person_segments($by) as ps on ps.person_key = t.person_key
    left join department_segments($by) as ds on ds.department = t.department and t.person_key is null
    where t.requested_on between $start and $end
      and coalesce(t.status, 'requested') <> 'cancelled'
),

final as (
    select
        period,
        segment,
        count(*) as value,
        count(distinct person_key) as people
    from requests
    group by period, segment
)

select * from final
