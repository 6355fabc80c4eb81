-- Completes a measure's rows into the full period x segment grid.
-- Every period of the range appears for every segment (from the headcount, or seen by the
-- measure), so a period in which nobody asked a question shows 0 (for counts) rather than
-- disappearing; but only between $fill_from and $fill_to, the dates the measure's own tables
-- cover, since outside them nothing is known. Every cell carries the size of the group it describes: the segment's headcount
-- where people are loaded; else the distinct people the measure saw in it; else, for an empty
-- period, the most people the measure saw in that segment in any period (a lower bound, so the
-- privacy guard errs on the side of hiding). The measure's own SQL replaces the marker.
with measure as (
/* measure */
),

grid_periods as (
    select period
    from periods($grain, $start, $end)
),

staff as (
    select period, segment, people
    from headcount($grain, $start, $end, $by)
),

segments as (
    select segment from staff
    union
    select segment from measure
),

staffed as (
    select count(*) > 0 as any_staff
    from staff
),

seen as (
    select segment, max(people) as most_people
    from measure
    group by segment
),

final as (
    select
        g.period,
        s.segment,
        case
            when m.period is null and $zero_fill
                and g.period between date_trunc($grain, $fill_from::date) and $fill_to::date then 0
            else m.value
        end::double as value,
        coalesce(h.people, m.people, seen.most_people)::bigint as people
    from grid_periods as g
    cross join segments as s
    left join measure as m on m.period = g.period and m.segment = s.segment
    left join staff as h on h.period = g.period and h.segment = s.segment
    left join seen on seen.segment = s.segment
    cross join staffed
    -- Where people are loaded, a segment with neither staff nor data in a period (a department
    -- not yet founded) is no cell; without people, counts are filled in for every period.
    where m.period is not null
       or h.period is not null
       or ($zero_fill and not staffed.any_staff and g.period between date_trunc($grain, $fill_from::date) and $fill_to::date)
)

select *
from final
order by period, segment
