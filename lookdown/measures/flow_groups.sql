-- The size of each department over a date range: people employed at any time in it. People
-- who asked, answered or replied but are missing from the people table form the group
-- 'Unknown', sized by how many distinct such people there are.
-- Parameters: $start, $end (dates, both included).

with employed as (
    select department, count(*)::bigint as people
    from people
    where (hire_date is null or hire_date <= $end)
      and (termination_date is null or termination_date >= $start)
    group by department
),

active as (
    select person_key
    from activity
    where occurred_at::date between $start and $end
      and kind in ('question', 'answer', 'reply')
    union
    select target_person_key
    from activity
    where occurred_at::date between $start and $end
      and kind in ('answer', 'reply')
),

unknown as (
    select 'Unknown' as department, count(*)::bigint as people
    from active
    where person_key is not null
      and person_key not in (select person_key from people)
)

select department, people from employed
union all
select department, people from unknown where people > 0
order by department
