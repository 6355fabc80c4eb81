-- Rollups the measures read instead of raw events. Refreshed inside every load's transaction
-- (lookdown.store.refresh_rollups), so they are never out of date with the canonical tables.
--
-- Only what a load changed is rebuilt. lookdown.store.refresh_rollups fills two temp tables first:
--   ld_rollup_scope (lo, hi, all_threads): the days whose activity changed (every day, from
--     0001-01-01 to 9999-12-31, for a full rebuild), and whether every question thread is rebuilt;
--   ld_rollup_threads (thread_id): the threads whose activity changed.
-- A day's rows in activity_daily and interactions_daily depend only on that day's events and a
-- question only on its thread, so deleting and re-inserting those gives exactly what a full
-- rebuild gives
-- (tests/unit/test_rollups_incremental.py checks it).

delete from activity_daily
where day between (select lo from ld_rollup_scope) and (select hi from ld_rollup_scope);
insert into activity_daily
select occurred_at::date as day, person_key, kind, space_type, count(*) as events
from activity
where occurred_at >= (select lo from ld_rollup_scope)
  and occurred_at < (select hi from ld_rollup_scope) + 1
group by all;

-- A question's answers are 'answer' rows in its thread written by someone other than the asker.
delete from questions
where (select all_threads from ld_rollup_scope) or thread_id in (select thread_id from ld_rollup_threads);
insert into questions
with thread_rows as (
    select thread_id, kind, person_key, occurred_at
    from activity
    where thread_id is not null
      and kind in ('question', 'answer')
      and ((select all_threads from ld_rollup_scope) or thread_id in (select thread_id from ld_rollup_threads))
),

asked as (
    select thread_id, arg_min(person_key, occurred_at) as asker_key, min(occurred_at) as asked_at
    from thread_rows
    where kind = 'question'
    group by thread_id
),

answers as (
    select a.thread_id, a.occurred_at
    from thread_rows as a
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

delete from interactions_daily
where day between (select lo from ld_rollup_scope) and (select hi from ld_rollup_scope);
insert into interactions_daily
select occurred_at::date as day, person_key, target_person_key, kind, count(*) as events
from activity
where target_person_key is not null and target_person_key <> person_key
  and occurred_at >= (select lo from ld_rollup_scope)
  and occurred_at < (select hi from ld_rollup_scope) + 1
group by all;

-- The segment maps and headcounts, one per segmentation and grain, are refreshed by
-- lookdown.store.refresh_rollups() right after these statements, with bound parameters.
