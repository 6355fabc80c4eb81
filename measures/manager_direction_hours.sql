-- name: manager_direction_hours
-- label: Hours managers spend directing
-- description: Hours managers reported spending telling people what to do and how. When peers
--   guide each other, managers get that time back for coaching and planning.
-- pillar: cost
-- unit: hours
-- format: ,.0f
-- direction: down
-- sources: manager_time
-- fill: zero
-- paired_with: peer_answer_share

with direction as (
    select
        date_trunc($grain, mt.period_start)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        mt.manager_key,
        mt.direction_hours
    from manager_time as mt
    left join person_segments($by) as ps on ps.person_key = mt.manager_key
    where mt.period_start between $start and $end
),

final as (
    select
        period,
        segment,
        sum(direction_hours) as value,
        count(distinct manager_key) as people
    from direction
    group by period, segment
)

select * from final
