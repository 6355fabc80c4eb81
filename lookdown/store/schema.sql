-- Lookdown's canonical data model.
--
-- Three layers, all in one DuckDB file:
--   1. canonical tables, one per CSV template (people, activity, training, manager_time,
--      marketing_spend, initiatives, cohorts). Person identifiers are stored only as keyed
--      hashes (`*_key` columns); message text is never stored.
--   2. rollups (activity_daily, questions, interactions_daily, segment maps,
--      headcounts), refreshed by lookdown.store.refresh_rollups() for the days a load touched,
--      inside the same transaction as the load, so measures read small pre-aggregated tables
--      instead of every event.
--   3. table macros shared by the measures: the period grid, the segment of each person and
--      the headcount of each segment in each period.
-- Every statement is idempotent: the schema is applied each time a database is opened.

create sequence if not exists upload_id_seq start 1;

create table if not exists uploads (
    upload_id    integer primary key,
    kind         varchar not null,          -- which reader produced it (demo, template, slack, ...)
    source       varchar not null,          -- file name or 'demo'
    loaded_at    timestamp not null default current_timestamp,
    rows_loaded  bigint not null default 0,
    rows_rejected bigint not null default 0
);

create table if not exists settings (
    key   varchar primary key,
    value varchar not null
);

create table if not exists people (
    person_key       ubigint primary key,
    department       varchar not null,
    manager_key      ubigint,
    hire_date        date,
    termination_date date,
    termination_type varchar check (termination_type in ('voluntary', 'involuntary', 'retirement', 'other')),
    regretted        boolean,
    annual_salary    decimal(14, 2) check (annual_salary >= 0),
    location         varchar,
    job_level        varchar,
    upload_id        integer,
    check (termination_date is null or hire_date is null or termination_date >= hire_date),
    check (termination_type is null or termination_date is not null)
);

create table if not exists activity (
    event_key         uhugeint,             -- md5 of a platform's event id; NULL: the event is its content
    occurred_at       timestamp not null,   -- local time in the organisation's time zone
    person_key        ubigint not null,
    kind              varchar not null check (kind in
        ('post', 'question', 'answer', 'reply', 'reaction', 'kudos', 'share', 'feedback', 'advocacy')),
    space             varchar,
    space_type        varchar check (space_type in ('work', 'social')),
    thread_id         varchar,              -- a question and its answers share one thread_id
    target_person_key ubigint,              -- whom a reply, answer, reaction or kudos was for
    platform          varchar,
    upload_id         integer
);

create table if not exists training (
    requested_on     date not null,
    person_key       ubigint,
    department       varchar,
    course           varchar,
    status           varchar check (status in ('requested', 'approved', 'completed', 'cancelled')),
    cost             decimal(14, 2) check (cost >= 0),
    seat_hours       double check (seat_hours >= 0),
    production_hours double check (production_hours >= 0),
    format           varchar,
    upload_id        integer,
    check (person_key is not null or department is not null)
);

create table if not exists manager_time (
    period_start    date not null,
    manager_key     ubigint not null,
    direction_hours double not null check (direction_hours >= 0),
    direct_reports  integer check (direct_reports >= 0),
    upload_id       integer
);

create table if not exists marketing_spend (
    month     date not null,                -- first day of the month
    channel   varchar,
    amount    decimal(14, 2) not null check (amount >= 0),
    upload_id integer
);

create table if not exists initiatives (
    initiative_id varchar not null,
    department    varchar,
    started_on    date not null,
    ended_on      date,
    outcome       varchar not null check (outcome in ('launched', 'stopped', 'ongoing')),
    stage_at_end  varchar check (stage_at_end in ('idea', 'design', 'build', 'launch')),
    spend         decimal(14, 2) check (spend >= 0),
    contributors  integer check (contributors >= 0),
    upload_id     integer,
    check (ended_on is null or ended_on >= started_on)
);

create table if not exists cohorts (
    cohort     varchar not null,
    department varchar,
    person_key ubigint,
    started_on date not null,
    upload_id  integer,
    check (department is not null or person_key is not null)
);

-- Rollups -------------------------------------------------------------------------------------

create table if not exists activity_daily (
    day        date not null,
    person_key ubigint not null,
    kind       varchar not null,
    space_type varchar,
    events     bigint not null
);

-- One row per question thread: who asked, when, and how it was answered by other people.
create table if not exists questions (
    thread_id          varchar not null,
    asker_key          ubigint not null,
    asked_at           timestamp not null,
    answers_by_others  bigint not null,
    first_answer_at    timestamp
);

-- Databases made by earlier versions kept pairs per period; reciprocity reads interactions_daily.
drop table if exists interaction_pairs;

-- The segment of every person and every department under each allowlisted segmentation,
-- rebuilt with the other rollups so measures join a small table instead of re-deriving cohorts.
create table if not exists person_segment_map (
    by_key     varchar not null,
    person_key ubigint not null,
    segment    varchar not null
);

-- Headcount per period and segment for every grain and segmentation, over the loaded range.
create table if not exists headcount_rollup (
    grain   varchar not null,
    by_key  varchar not null,
    period  date not null,
    segment varchar not null,
    people  bigint not null
);

create table if not exists department_segment_map (
    by_key     varchar not null,
    department varchar not null,
    segment    varchar not null
);

-- Directed person-to-person interactions (answers, replies, reactions, kudos, feedback).
create table if not exists interactions_daily (
    day               date not null,
    person_key        ubigint not null,
    target_person_key ubigint not null,
    kind              varchar not null,
    events            bigint not null
);

-- Macros shared by the measures ---------------------------------------------------------------
-- Parameters: grain_ is 'week' | 'month' | 'quarter'; by_ is one of the allowlisted
-- segmentations ('none', 'department', 'cohort', 'location', 'job_level'); start_/end_ are dates.

-- The segment given to a person who is not in the people table.
create or replace macro unknown_segment(by_) as
    case by_ when 'none' then 'All' when 'cohort' then 'Rest' else 'Unknown' end;

-- Each person's pilot cohort: the earliest one that names them or their department.
create or replace macro person_cohorts() as table
    select person_key, arg_min(cohort, started_on) as cohort, min(started_on) as started_on
    from (
        select p.person_key, c.cohort, c.started_on
        from cohorts as c
        join people as p on p.department = c.department
        union all
        select c.person_key, c.cohort, c.started_on
        from cohorts as c
        where c.person_key is not null
    )
    group by person_key;

-- The segment of every known person (people table or named in a cohort), derived; rollups.sql
-- stores it in person_segment_map, which person_segments() reads.
create or replace macro derive_person_segments(by_) as table
    with known as (
        select person_key, department, location, job_level from people
        union all
        select distinct c.person_key, null, null, null
        from cohorts as c
        where c.person_key is not null
          and c.person_key not in (select person_key from people)
    )
    select
        k.person_key,
        coalesce(
            case by_
                when 'none' then 'All'
                when 'department' then k.department
                when 'cohort' then pc.cohort
                when 'location' then k.location
                when 'job_level' then k.job_level
            end,
            unknown_segment(by_)
        ) as segment
    from known as k
    left join person_cohorts() as pc on pc.person_key = k.person_key;

-- The segment of a department, for rows that name a department but no person, derived; stored
-- in department_segment_map, which department_segments() reads.
create or replace macro derive_department_segments(by_) as table
    with departments as (
        select distinct department from people
        union select distinct department from training where department is not null
        union select distinct department from initiatives where department is not null
        union select distinct department from cohorts where department is not null
    ),
    department_cohorts as (
        select department, arg_min(cohort, started_on) as cohort
        from cohorts
        where department is not null
        group by department
    )
    select
        d.department,
        coalesce(
            case by_
                when 'none' then 'All'
                when 'department' then d.department
                when 'cohort' then dc.cohort
            end,
            unknown_segment(by_)
        ) as segment
    from departments as d
    left join department_cohorts as dc on dc.department = d.department;

-- What measures join to: the stored segment maps.
create or replace macro person_segments(by_) as table
    select person_key, segment from person_segment_map where by_key = by_;

create or replace macro department_segments(by_) as table
    select department, segment from department_segment_map where by_key = by_;

-- The periods between two dates; period_end is exclusive.
create or replace macro periods(grain_, start_, end_) as table
    select
        p::date as period,
        (p + ('1 ' || grain_)::interval)::date as period_end
    from generate_series(
        date_trunc(grain_, start_::date)::timestamp,
        end_::date::timestamp,
        ('1 ' || grain_)::interval
    ) as t(p);

-- People employed at any time during each period, per segment: the size of the group a cell
-- describes. Derived here; store.refresh_rollups() keeps it in headcount_rollup, which
-- headcount() reads. Empty when no people are loaded. Someone is employed during a period when
-- hired before it ends and not gone before it starts; since nobody leaves before being hired, that is
-- (hired before the period ends) - (left before the period starts): two running counts looked
-- up with ASOF joins, instead of testing every person against every period.
create or replace macro derive_headcount(grain_, start_, end_, by_) as table
    with staff as (
        select s.segment, coalesce(p.hire_date, date '1900-01-01') as hired, p.termination_date as left_on
        from people as p
        join person_segments(by_) as s on s.person_key = p.person_key
    ),
    hired as (
        select segment, hired as day, sum(count(*)) over (partition by segment order by hired) as running
        from staff
        group by segment, hired
    ),
    gone as (
        select segment, left_on as day, sum(count(*)) over (partition by segment order by left_on) as running
        from staff
        where left_on is not null
        group by segment, left_on
    ),
    cells as (
        select pr.period, pr.period_end, sg.segment
        from periods(grain_, start_, end_) as pr
        cross join (select distinct segment from staff) as sg
    )
    select c.period, c.segment, (coalesce(h.running, 0) - coalesce(g.running, 0))::bigint as people
    from cells as c
    asof left join hired as h on h.segment = c.segment and c.period_end > h.day
    asof left join gone as g on g.segment = c.segment and c.period > g.day
    where coalesce(h.running, 0) - coalesce(g.running, 0) > 0;

-- The headcount of every period and segment of the loaded range, as stored by the rollups.
create or replace macro headcount(grain_, start_, end_, by_) as table
    select period, segment, people
    from headcount_rollup
    where grain = grain_
      and by_key = by_
      and period between date_trunc(grain_, start_::date) and end_::date;

-- Imports -------------------------------------------------------------------------------------
-- Written by lookdown.ingest. Nothing here holds a person identifier in clear or message text:
-- identifiers are keyed hashes, and rejected identifier values are never copied to quarantine.

-- Every rejected row or value of an upload, with the reason, so users can fix their export.
create table if not exists quarantine (
    upload_id   integer not null,
    file        varchar not null,
    line        bigint,                     -- line in the file, counting the header as line 1
    column_name varchar,
    value       varchar,                    -- the rejected text; null for person identifiers
    reason      varchar not null
);

-- What an upload was, beyond the `uploads` row: which export (source_key) and which period it
-- covered, so a newer export of the same source replaces that period instead of adding to it.
create table if not exists upload_details (
    upload_id      integer primary key,
    file_kind      varchar not null,        -- template, slack_zip, teams_user_activity, ...
    target_table   varchar,
    source_key     varchar,
    file_sha256    varchar,
    period_start   timestamp,
    period_end     timestamp,
    rows_duplicate bigint not null default 0,
    rows_updated   bigint not null default 0,
    rows_replaced  bigint not null default 0
);

-- Column mappings users confirmed for exports with their own headers, reused for the next file
-- with the same headers (signature = hash of the normalised header list).
create table if not exists column_mappings (
    signature    varchar primary key,
    target_table varchar not null,
    mapping      varchar not null,          -- JSON object {header: template column}
    headers      varchar not null,          -- JSON list of the headers, as exported
    saved_at     timestamp not null default current_timestamp
);

-- Identity map: a platform user id or e-mail (alias) -> the person, both as keyed hashes.
create table if not exists identity_map (
    alias_key  ubigint primary key,
    person_key ubigint not null,
    platform   varchar,
    upload_id  integer
);

-- The audit trail: who changed what, and when. Uploads, removals, mappings, settings and
-- assumptions write a line here in the same transaction as the change. It never holds a value
-- from an uploaded file: file and table names, counts, setting names and their values.
create sequence if not exists audit_id_seq start 1;
create table if not exists audit_log (
    audit_id  bigint primary key default nextval('audit_id_seq'),
    changed_at timestamp not null default current_timestamp,
    actor     varchar not null,             -- the signed-in person's e-mail, or 'this computer'
    role      varchar,                      -- editor, viewer
    action    varchar not null,             -- upload, remove upload, mapping, setting, ...
    detail    varchar not null
);
