-- name: late_stop_spend
-- label: Money sunk in initiatives stopped late
-- description: What was spent on initiatives that were stopped only once they were being built or
--   launched, counted when they stopped. Feedback heard early stops weak ideas before the money
--   is spent.
-- pillar: cost
-- unit: currency
-- format: ,.0f
-- direction: down
-- sources: initiatives
-- fill: zero
-- paired_with: feedback_given

with late_stops as (
    select
        date_trunc($grain, i.ended_on)::date as period,
        coalesce(ds.segment, unknown_segment($by)) as segment,
        i.spend,
        i.contributors
    from initiatives as i
    left join department_segments($by) as ds on ds.department = i.department
    where i.ended_on between $start and $end
      and i.outcome = 'stopped'
      and i.stage_at_end in ('build', 'launch')
),

final as (
    select
        period,
        segment,
        sum(spend) as value,
        sum(contributors) as people
    from late_stops
    group by period, segment
)

select * from final
