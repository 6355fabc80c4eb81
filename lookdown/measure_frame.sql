-- Completes a measure's rows into the full period x segment grid.
-- The grid comes from the headcount (people employed in each segment in each period), so a
-- period in which nobody asked a question shows 0 (for counts) rather than disappearing, and
-- every cell carries the size of the group it describes: the headcount where people are loaded,
-- else the distinct people the measure saw in it. The measure's own SQL replaces the marker.
with measure as (
/* measure */
),

grid as (
    select period, segment, people
    from headcount($grain, $start, $end, $by)
),

final as (
    select
        coalesce(g.period, m.period)::date as period,
        coalesce(g.segment, m.segment) as segment,
        case when m.period is null and $zero_fill then 0 else m.value end::double as value,
        coalesce(g.people, m.people)::bigint as people
    from grid as g
    full join measure as m on m.period = g.period and m.segment = g.segment
)

select *
from final
where period between date_trunc($grain, $start::date) and $end::date
order by period, segment
