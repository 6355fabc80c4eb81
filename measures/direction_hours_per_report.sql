-- name: direction_hours_per_report
-- label: Direction hours per direct report
-- description: Hours managers spent directing, divided by the number of people reporting to them,
--   so that teams of different sizes compare fairly. Managers with no reports recorded are left out.
-- pillar: cost
-- unit: hours per report
-- format: ,.1f
-- direction: down
-- sources: manager_time
-- fill: none
-- paired_with: peer_answer_share

with direction as (
    select
        date_trunc($grain, mt.period_start)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        mt.manager_key,
        mt.direction_hours,
        mt.direct_reports
    from manager_time as mt
    left join person_segments($by) as ps on ps.person_key = mt.manager_key
    where mt.period_start between $start and $end
      and mt.direct_reports > 0
),

final as (
    select
        period,
        segment,
        sum(direction_hours) / sum(direct_reports) as value,
        count(distinct manager_key) as people
    from direction
    group by period, segment
)

select * from final
