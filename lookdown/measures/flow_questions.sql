-- Questions asked in a date range that someone other than the asker answered, per department
-- of the asker: how many, how many had at least one answer from another department, and how
-- many cannot be classified (no answer is known to cross a department line, and the asker or
-- an answerer is missing from the people table).
-- Parameters: $start, $end (dates, both included).

with asked as (
    select q.thread_id, q.asker_key, q.asked_at, p.department as asker_department
    from questions as q
    left join people as p on p.person_key = q.asker_key
    where q.asked_at::date between $start and $end
      and q.answers_by_others > 0
),

answerers as (
    select distinct q.thread_id, p.department
    from asked as q
    join activity as a on a.thread_id = q.thread_id
    left join people as p on p.person_key = a.person_key
    where a.kind = 'answer'
      and a.person_key <> q.asker_key
      and a.occurred_at >= q.asked_at
),

per_question as (
    select
        q.thread_id,
        coalesce(q.asker_department, 'Unknown') as asker_department,
        bool_or(q.asker_department is not null and an.department is not null
                and an.department <> q.asker_department) as across,
        bool_or(q.asker_department is null or an.department is null) as some_unknown
    from asked as q
    join answerers as an on an.thread_id = q.thread_id
    group by q.thread_id, q.asker_department
)

select
    asker_department,
    count(*)::bigint as answered,
    count(*) filter (where across)::bigint as answered_across,
    count(*) filter (where not across and some_unknown)::bigint as undetermined
from per_question
group by asker_department
order by asker_department
