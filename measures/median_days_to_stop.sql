-- name: median_days_to_stop
-- label: Days before a stopped initiative is stopped (median)
-- description: For initiatives that were stopped, how many days they ran before they were stopped;
--   half were stopped sooner. Feedback heard early lets teams stop a weak idea in days, not months.
-- pillar: cost
-- unit: days
-- format: ,.0f
-- direction: down
-- sources: initiatives
-- fill: none
-- paired_with: feedback_given

with stops as (
    select
        date_trunc($grain, i.ended_on)::date as period,
        coalesce(ds.segment, unknown_segment($by)) as segment,
        date_diff('day', i.started_on, i.ended_on) as days_to_stop,
        i.contributors
    from initiatives as i
    left join department_segments($by) as ds on ds.department = i.department
    where i.ended_on between $start and $end
      and i.outcome = 'stopped'
),

final as (
    select
        period,
        segment,
        median(days_to_stop) as value,
        sum(contributors) as people
    from stops
    group by period, segment
)

select * from final
