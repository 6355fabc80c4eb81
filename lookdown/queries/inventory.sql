-- What is loaded: the queries behind lookdown/inventory.py. Each query starts with a
-- `-- name:` line; the ones with parameters bind them ($upload).

-- name: upload_rows
-- The rows each upload still holds in each table (a newer export may have replaced some), with
-- the dates they cover.
select upload_id, 'people' as table_name, count(*) as rows,
       min(hire_date)::date as first_day, max(hire_date)::date as last_day
from people group by upload_id
union all
select upload_id, 'activity', count(*), min(occurred_at)::date, max(occurred_at)::date
from activity group by upload_id
union all
select upload_id, 'training', count(*), min(requested_on), max(requested_on)
from training group by upload_id
union all
select upload_id, 'manager_time', count(*), min(period_start), max(period_start)
from manager_time group by upload_id
union all
select upload_id, 'marketing_spend', count(*), min(month), max(month)
from marketing_spend group by upload_id
union all
select upload_id, 'initiatives', count(*), min(started_on), max(started_on)
from initiatives group by upload_id
union all
select upload_id, 'cohorts', count(*), min(started_on), max(started_on)
from cohorts group by upload_id
union all
select upload_id, 'identity_map', count(*), null::date, null::date
from identity_map group by upload_id;

-- name: uploads
-- Every upload, newest first, with what its import reported.
select
    u.upload_id,
    u.source as file,
    coalesce(d.file_kind, u.kind) as kind,
    d.target_table,
    u.loaded_at,
    u.rows_loaded,
    u.rows_rejected,
    coalesce(d.rows_duplicate, 0) as rows_duplicate,
    coalesce(d.rows_updated, 0) as rows_updated,
    coalesce(d.rows_replaced, 0) as rows_replaced
from uploads as u
left join upload_details as d using (upload_id)
order by u.upload_id desc;

-- name: monthly
-- Rows per month of every table that records events over time. People and cohorts are lists
-- (their dates are hire and start dates), so they have no months to cover.
select 'activity' as table_name, date_trunc('month', occurred_at)::date as month, count(*) as rows
from activity group by all
union all
select 'training', date_trunc('month', requested_on)::date, count(*)
from training group by all
union all
select 'manager_time', date_trunc('month', period_start)::date, count(*)
from manager_time group by all
union all
select 'marketing_spend', date_trunc('month', month)::date, count(*)
from marketing_spend group by all
union all
select 'initiatives', date_trunc('month', started_on)::date, count(*)
from initiatives group by all;

-- name: identity
-- Activity whose person is in the people table (and so has a department), per platform and in
-- total (the row whose platform_total is true).
with events as (
    select coalesce(a.platform, '') as platform, a.person_key, p.person_key is not null as joined
    from activity as a
    left join people as p on p.person_key = a.person_key
)
select
    grouping(platform) = 1 as platform_total,
    platform,
    count(*) as events,
    count(*) filter (where joined) as joined_events,
    count(distinct person_key) as people,
    count(distinct person_key) filter (where joined) as joined_people
from events
group by grouping sets ((platform), ())
order by platform_total desc, events desc, platform;

-- name: people_count
select count(*) from people;

-- name: quarantine_rows
-- Rejected rows of one upload ($upload) or of all uploads ($upload null), in file order.
select upload_id, file, line, column_name as "column", value, reason
from quarantine
where $upload is null or upload_id = $upload
order by upload_id desc, line nulls first, column_name;

-- name: quarantine_count
-- Rows, not problems: a row that failed two checks has two entries (one without a line is a row).
select count(distinct line) + count(*) filter (where line is null) from quarantine where upload_id = $upload;

-- name: mapping_saved_on
select saved_at from column_mappings where signature = $signature;

-- name: mappings_stamp
select count(*), max(saved_at) from column_mappings;
