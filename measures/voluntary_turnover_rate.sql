-- name: voluntary_turnover_rate
-- label: Voluntary turnover rate
-- description: People who chose to leave in the period, as a share of the average headcount (the
--   mean of the people employed on the period's first and last day). Unlike a plain count it can
--   be compared between large and small teams.
-- pillar: cost
-- unit: share of headcount
-- format: .1%
-- direction: down
-- sources: people
-- fill: none
-- paired_with: reactions_and_kudos

with observed_periods as (
    -- A partial first or last period is measured over the days inside the chosen range.
    select
        pr.period,
        greatest(pr.period, $start::date) as first_day,
        least((pr.period_end - interval 1 day)::date, $end::date) as last_day
    from periods($grain, $start, $end) as pr
),

employment as (
    select
        op.period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        p.person_key,
        coalesce(p.hire_date <= op.first_day, true)
            and coalesce(p.termination_date >= op.first_day, true) as employed_on_first_day,
        coalesce(p.hire_date <= op.last_day, true)
            and coalesce(p.termination_date >= op.last_day, true) as employed_on_last_day,
        coalesce(p.termination_date between op.first_day and op.last_day, false)
            and p.termination_type = 'voluntary' as left_voluntarily
    from observed_periods as op
    join people as p
      on coalesce(p.hire_date <= op.last_day, true)
     and coalesce(p.termination_date >= op.first_day, true)
    left join person_segments($by) as ps on ps.person_key = p.person_key
),

final as (
    select
        period,
        segment,
        count(*) filter (where left_voluntarily)
            / nullif((count(*) filter (where employed_on_first_day)
                      + count(*) filter (where employed_on_last_day)) / 2, 0) as value,
        count(*) as people
    from employment
    group by period, segment
)

select * from final
