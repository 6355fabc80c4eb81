-- Rollups the measures read instead of raw events. Rebuilt inside every load's transaction
-- (lookdown.store.refresh_rollups), so they are never out of date with the canonical tables.

delete from activity_daily;
insert into activity_daily
select occurred_at::date as day, person_key, kind, space_type, count(*) as events
from activity
group by all;

-- A question's answers are 'answer' rows in its thread written by someone other than the asker.
delete from questions;
insert into questions
with asked as (
    select thread_id, arg_min(person_key, occurred_at) as asker_key, min(occurred_at) as asked_at
    from activity
    where kind = 'question' and thread_id is not null
    group by thread_id
),

answers as (
    select a.thread_id, a.occurred_at
    from activity as a
    join asked as q on q.thread_id = a.thread_id
    where a.kind = 'answer'
      and a.person_key <> q.asker_key
      and a.occurred_at >= q.asked_at
)

select
    q.thread_id,
    q.asker_key,
    q.asked_at,
    count(ans.thread_id) as answers_by_others,
    min(ans.occurred_at) as first_answer_at
from asked as q
left join answers as ans on ans.thread_id = q.thread_id
group by q.thread_id, q.asker_key, q.asked_at;

delete from interactions_daily;
insert into interactions_daily
select occurred_at::date as day, person_key, target_person_key, kind, count(*) as events
from activity
where target_person_key is not null and target_person_key <> person_key
group by all;

delete from interaction_pairs;
insert into interaction_pairs
with daily_pairs as (
    select
        day,
        least(person_key, target_person_key) as first_key,
        greatest(person_key, target_person_key) as second_key,
        bool_or(person_key < target_person_key) as first_to_second,
        bool_or(person_key > target_person_key) as second_to_first
    from interactions_daily
    group by all
)

select 'week', date_trunc('week', day)::date, first_key, second_key, bool_or(first_to_second), bool_or(second_to_first)
from daily_pairs
group by all
union all
select 'month', date_trunc('month', day)::date, first_key, second_key, bool_or(first_to_second), bool_or(second_to_first)
from daily_pairs
group by all
union all
select 'quarter', date_trunc('quarter', day)::date, first_key, second_key, bool_or(first_to_second), bool_or(second_to_first)
from daily_pairs
group by all;

-- The segment maps and headcounts, one per segmentation and grain, are refreshed by
-- lookdown.store.refresh_rollups() right after these statements, with bound parameters.
