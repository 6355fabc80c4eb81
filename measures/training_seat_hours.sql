-- name: training_seat_hours
-- label: Hours out of work in training
-- description: Hours people spent sitting in training instead of working, cancelled requests left
--   out. An answer from a colleague takes minutes; a course takes a day away from the job.
-- pillar: cost
-- unit: hours
-- format: ,.0f
-- direction: down
-- sources: training
-- fill: zero
-- paired_with: questions_answered

with seated_requests as (
    select
        date_trunc($grain, t.requested_on)::date as period,
        coalesce(ps.segment, ds.segment, unknown_segment($by)) as segment,
        t.person_key,
        t.seat_hours
    from training as t
    left join person_segments($by) as ps on ps.person_key = t.person_key
    left join department_segments($by) as ds on ds.department = t.department and t.person_key is null
    where t.requested_on between $start and $end
      and coalesce(t.status, 'requested') <> 'cancelled'
      and t.seat_hours is not null
),

final as (
    select
        period,
        segment,
        sum(seat_hours) as value,
        count(distinct person_key) as people
    from seated_requests
    group by period, segment
)

select * from final
