-- Questions asked in a date range that someone other than the asker answered, counted by the
-- department of the asker and the departments of everyone who answered (a sorted list), so that
-- lookdown.measures.flow can tell, for the department groups the privacy guard shows, which were
-- answered from another group. People missing from the people table count as 'Unknown'.
-- Parameters: $start, $end (dates, both included).

with asked as (
    select q.thread_id, q.asker_key, q.asked_at, coalesce(p.department, 'Unknown') as asker_department
    from questions as q
    left join people as p on p.person_key = q.asker_key
    where q.asked_at::date between $start and $end
      and q.answers_by_others > 0
),

answerers as (
    select distinct q.thread_id, coalesce(p.department, 'Unknown') as department
    from asked as q
    join activity as a on a.thread_id = q.thread_id
    left join people as p on p.person_key = a.person_key
    where a.kind = 'answer'
      and a.person_key <> q.asker_key
      and a.occurred_at >= q.asked_at
),

per_question as (
    select q.thread_id, q.asker_department, list(an.department order by an.department) as answerer_departments
    from asked as q
    join answerers as an on an.thread_id = q.thread_id
    group by q.thread_id, q.asker_department
)

select asker_department, answerer_departments, count(*)::bigint as questions
from per_question
group by all
order by all
