-- Answers and replies over a date range, by the department of the person who answered or
-- replied (from) and of the person they answered (to). An answer in a question thread goes to
-- the thread's asker (the same rule as the questions rollup); an answer outside a known
-- question thread, and a reply, go to their target person. Answers to oneself are left out.
-- People missing from the people table count as the department 'Unknown'.
-- Parameters: $start, $end (dates, both included).

with thread_answers as (
    select a.person_key as from_key, q.asker_key as to_key, 1::bigint as events
    from activity as a
    join questions as q on q.thread_id = a.thread_id
    where a.kind = 'answer'
      and a.occurred_at::date between $start and $end
      and a.occurred_at >= q.asked_at
),

other_answers as (
    select a.person_key as from_key, a.target_person_key as to_key, 1::bigint as events
    from activity as a
    where a.kind = 'answer'
      and a.occurred_at::date between $start and $end
      and a.target_person_key is not null
      and (a.thread_id is null or a.thread_id not in (select thread_id from questions))
),

replies as (
    select person_key as from_key, target_person_key as to_key, events
    from interactions_daily
    where kind = 'reply'
      and day between $start and $end
),

flows as (
    select * from thread_answers
    union all
    select * from other_answers
    union all
    select * from replies
)

select
    coalesce(fp.department, 'Unknown') as from_department,
    coalesce(tp.department, 'Unknown') as to_department,
    sum(f.events)::bigint as events
from flows as f
left join people as fp on fp.person_key = f.from_key
left join people as tp on tp.person_key = f.to_key
where f.from_key <> f.to_key
group by all
order by all
