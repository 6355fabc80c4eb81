"""Periodic usage reports: Microsoft Teams user activity and Slack member analytics.

Both give, per person, message counts over a period (7/30/90/180 days, or the window in the file
name), not events. Each counted message becomes one activity row, spread evenly over the days of
the period, so weekly and monthly charts see the right totals. A newer report of the same source
replaces the period it covers instead of adding to it.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from lookdown.ingest.mapping import normalise
from lookdown.ingest.sources import CsvText
from lookdown.ingest.stage import ACTIVITY_COLUMNS, ImportProblem, Scratch, Staged, in_file_order

# -- Microsoft Teams user activity (user detail) ------------------------------------------------

TEAMS_COLUMNS = {
    "report refresh date": "refresh",
    "tenant display name": "tenant",
    "user id": "user_id",
    "user principal name": "upn",
    "last activity date": "last_activity",
    "is deleted": "is_deleted",
    "team chat message count": "team_chat",
    "private chat message count": "private_chat",
    "post messages": "post_messages",
    "reply messages": "reply_messages",
    "call count": "calls",
    "meeting count": "meetings",
    "report period": "report_period",
}
_HEX32 = "^[0-9A-Fa-f]{32}$"


def is_teams_user_activity(headers: list[str]) -> bool:
    names = {normalise(h) for h in headers}
    return {"report refresh date", "user principal name", "team chat message count"} <= names


def is_teams_device_usage(headers: list[str]) -> bool:
    names = {normalise(h) for h in headers}
    return "report refresh date" in names and "used web" in names


def _names(csv: CsvText, allowlist: dict[str, str]) -> tuple[list[str], set[str]]:
    names, found = [], set()
    for i, header in enumerate(csv.headers):
        internal = allowlist.get(normalise(header))
        if internal and internal not in found:
            names.append(internal)
            found.add(internal)
        else:
            names.append(f"extra_{i}")
    return names, found


def _column(found: set[str], name: str) -> str:
    """raw.<name> when the file has the column, else NULL (names from the allowlists above)."""
    return f"raw.{name}" if name in found else "null::varchar"


def _problems_and_rows(scratch: Scratch, checks: list[tuple[str, str, str]], expand_sql: str, params: dict):
    """Shared tail: checks on ld_base -> problems with file lines; expand good rows to events."""
    con = scratch.con
    scratch.number_lines()
    selects = [
        f"select b.rec, '{column}' as column_name, {value} as value, '{reason}' as reason "
        f"from ld_base as b where {condition}"
        for column, condition, reason, value in checks
    ]
    con.execute("create or replace temp table ld_problems as " + " union all ".join(selects)).fetchall()
    problems = con.execute(
        "select l.line, p.column_name, p.value, p.reason from ld_problems as p "
        "join ld_lines as l on l.rec = p.rec order by l.line"
    ).fetchall()
    problems = in_file_order(scratch.csv_problems(set()) + problems)
    rows = con.sql(expand_sql, params=params).to_arrow_table()
    ((read,),) = con.execute("select count(*) from ld_raw").fetchall()
    ((bad,),) = con.execute("select count(distinct rec) from ld_problems").fetchall()
    ((bad_lines,),) = con.execute("select count(distinct line) from ld_rejects").fetchall()
    return rows, problems, read + bad_lines, bad + bad_lines


def stage_teams(scratch: Scratch, csv: CsvText, *, tz: str, today: date) -> Staged:
    names, found = _names(csv, TEAMS_COLUMNS)
    for needed in ("refresh", "upn", "team_chat"):
        if needed not in found:
            raise ImportProblem("This Teams report has no '" + needed + "' column.")
    scratch.read_csv(csv, names)
    con = scratch.con
    has_split = "post_messages" in found or "reply_messages" in found
    sql = (
        "create or replace temp table ld_base as select raw.rowid as rec, "
        f"ld_date(raw.refresh, false, 'UTC') as refresh_date, raw.refresh as refresh_raw, "
        f"coalesce(ld_amount({_column(found, 'report_period')}, false), 7)::integer as days, "
        f"ld_clean(raw.upn) as upn, ld_clean({_column(found, 'tenant')}) as tenant, "
        f"ld_amount(raw.team_chat, false) as team_chat, raw.team_chat as team_chat_raw, "
        f"ld_amount({_column(found, 'private_chat')}, false) as private_chat, "
        f"ld_amount({_column(found, 'post_messages')}, false) as posts, "
        f"ld_amount({_column(found, 'reply_messages')}, false) as replies, $today::date as today_ "
        "from ld_raw as raw"
    )
    con.execute(
        sql,
        {"today": today},
    ).fetchall()
    checks = [
        ("report_refresh_date", "b.refresh_date is null", "not a date", "left(b.refresh_raw, 200)"),
        ("report_refresh_date", "b.refresh_date > b.today_", "date in the future", "left(b.refresh_raw, 200)"),
        ("user_principal_name", "b.upn is null", "missing required value", "null"),
        ("team_chat_message_count", "ld_clean(b.team_chat_raw) is not null and b.team_chat is null",
         "not a number", "left(b.team_chat_raw, 200)"),
    ]
    posts = "coalesce(b.posts, b.team_chat)" if not has_split else "b.posts"
    expand = (
        "with good as (select * from ld_base as b where b.rec not in (select rec from ld_problems)),\n"
        "counts as (\n"
        f"  select rec, upn, tenant, refresh_date, days, 'post' as kind, 'Teams channels' as space, "
        f"{posts} as n from good as b\n"
        "  union all select rec, upn, tenant, refresh_date, days, 'reply', 'Teams channels', replies from good\n"
        "  union all select rec, upn, tenant, refresh_date, days, 'post', 'Teams chats', private_chat from good\n"
        "),\n"
        "events as (select *, unnest(range(n::bigint)) as j from counts where n > 0)\n"
        "select row_number() over (order by rec, kind, space, j) - 1 as rec, null::bigint as line,\n"
        "  (refresh_date - (days - 1) + floor(j * days / n)::integer)::timestamp as occurred_at,\n"
        "  case when regexp_matches(upn, '" + _HEX32 + "') then 'teams:' || lower(upn) else lower(upn) end as person_id,\n"
        "  null::varchar as person_id_alt, kind, space, null::varchar as space_type, null::varchar as thread_id,\n"
        "  null::varchar as target_person_id, null::varchar as target_person_id_alt, 'teams' as platform,\n"
        "  concat_ws('|', 'teams', coalesce(tenant, ''), lower(upn), refresh_date, days, kind, space, j) as event_id\n"
        "from events order by rec, kind, space, j"
    )
    rows, problems, read, rejected = _problems_and_rows(scratch, checks, expand, {})
    assert rows.column_names == ACTIVITY_COLUMNS
    (users, concealed, tenant, start, end, messages) = con.execute(
        "select count(distinct upn), count(distinct upn) filter (where regexp_matches(upn, '" + _HEX32 + "')), "
        "min(tenant), min(refresh_date - (days - 1)), max(refresh_date), "
        "sum(coalesce(" + ("posts, 0) + coalesce(replies, 0)" if has_split else "team_chat, 0)") + " + "
        "coalesce(private_chat, 0)) "
        "from ld_base as b where b.rec not in (select rec from ld_problems)"
    ).fetchone()
    notices = list(csv.notices)
    if concealed:
        notices.append(
            f"Teams user names are concealed (32-hex hashes) for {concealed:,} of {users:,} users: "
            "these rows cannot be joined to HR data. Turn off 'Display concealed user, group, and site "
            "names' in the Microsoft 365 admin center and export again to join them."
        )
    if not has_split:
        notices.append("This is the older Teams report without Post/Reply columns: channel messages count as posts.")
    notices.append("Teams reports give totals per period: each person's messages are spread evenly over "
                   "the days of the report period. Calls and meetings are not counted.")
    period = None
    if start is not None:
        period = (datetime.combine(start, datetime.min.time()),
                  datetime.combine(end, datetime.min.time()) + timedelta(days=1) - timedelta(microseconds=1))
    for temp in ("ld_base", "ld_problems", "ld_raw"):
        con.execute("drop table if exists " + temp)
    return Staged(
        file_kind="teams_user_activity", table="activity", rows=rows, problems=problems, rows_read=read,
        rejected=rejected, period=period, source_key="teams", replace_period=True,
        notices=notices, facts={"users": users or 0, "concealed_users": concealed or 0,
                                "messages": int(messages or 0)},
    )


# -- Slack member analytics -------------------------------------------------------------------

SLACK_ANALYTICS_COLUMNS = {
    "name": "name",
    "user id": "user_id",
    "username": "username",
    "email": "email",
    "account type": "account_type",
    "messages posted": "messages",
    "reactions added": "reactions",
    "days active": "days_active",
}
_MONTH_DAY_YEAR = r"([A-Z][a-z]{2,8}\.? \d{1,2}, \d{4})"
_PRIOR = re.compile(r"Prior (\d+) Days? - " + _MONTH_DAY_YEAR)
_RANGE = re.compile(_MONTH_DAY_YEAR + r" - " + _MONTH_DAY_YEAR)


def is_slack_member_analytics(headers: list[str]) -> bool:
    names = {normalise(h) for h in headers}
    return {"user id", "messages posted"} <= names and bool({"days active", "account type"} & names)


def _parse_day(text: str) -> date:
    text = text.replace(".", "")
    for fmt in ("%b %d, %Y", "%B %d, %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def analytics_window(file_name: str) -> tuple[date, date] | None:
    """The analysis window, which Slack writes only in the file name."""
    try:
        if match := _PRIOR.search(file_name):
            end = _parse_day(match.group(2))
            return end - timedelta(days=int(match.group(1)) - 1), end
        if match := _RANGE.search(file_name):
            return _parse_day(match.group(1)), _parse_day(match.group(2))
    except ValueError:
        return None
    return None


def stage_slack_member_analytics(scratch: Scratch, csv: CsvText, *, tz: str, today: date) -> Staged:
    window = analytics_window(csv.source.name)
    if window is None:
        raise ImportProblem(
            "Slack writes the analysis window only in the file name, and this name has none. Keep the "
            "name Slack gave the file, e.g. 'Acme Member Analytics Prior 30 Days - Apr 17, 2026.csv'."
        )
    start, end = window
    if end > today:
        raise ImportProblem(f"The analysis window in the file name ends in the future ({end}).")
    names, found = _names(csv, SLACK_ANALYTICS_COLUMNS)
    scratch.read_csv(csv, names)
    con = scratch.con
    sql = (
        "create or replace temp table ld_base as select raw.rowid as rec, ld_clean(raw.user_id) as user_id, "
        f"lower(ld_clean({_column(found, 'email')})) as email, "
        f"ld_amount(raw.messages, false) as messages, raw.messages as messages_raw, "
        f"ld_amount({_column(found, 'reactions')}, false) as reactions, "
        f"{_column(found, 'reactions')} as reactions_raw "
        "from ld_raw as raw"
    )
    con.execute(sql).fetchall()
    checks = [
        ("user_id", "b.user_id is null", "missing required value", "null"),
        ("messages_posted", "ld_clean(b.messages_raw) is not null and b.messages is null", "not a number",
         "left(b.messages_raw, 200)"),
        ("reactions_added", "ld_clean(b.reactions_raw) is not null and b.reactions is null", "not a number",
         "left(b.reactions_raw, 200)"),
        ("messages_posted", "b.messages < 0 or b.reactions < 0", "negative value", "null"),
    ]
    days = (end - start).days + 1
    expand = (
        "with good as (select * from ld_base as b where b.rec not in (select rec from ld_problems)),\n"
        "counts as (\n"
        "  select rec, user_id, email, 'post' as kind, messages as n from good\n"
        "  union all select rec, user_id, email, 'reaction', reactions from good\n"
        "),\n"
        "events as (select *, unnest(range(n::bigint)) as j from counts where n > 0)\n"
        "select row_number() over (order by rec, kind, j) - 1 as rec, null::bigint as line,\n"
        "  ($start::date + floor(j * $days / n)::integer)::timestamp as occurred_at,\n"
        "  coalesce(email, 'slack:' || user_id) as person_id, 'slack:' || user_id as person_id_alt, kind,\n"
        "  null::varchar as space, null::varchar as space_type, null::varchar as thread_id,\n"
        "  null::varchar as target_person_id, null::varchar as target_person_id_alt, 'slack' as platform,\n"
        "  concat_ws('|', 'slack-analytics', user_id, $start::date, $end::date, kind, j) as event_id\n"
        "from events order by rec, kind, j"
    )
    rows, problems, read, rejected = _problems_and_rows(
        scratch, checks, expand, {"start": start, "end": end, "days": days}
    )
    assert rows.column_names == ACTIVITY_COLUMNS
    (members, with_email) = con.execute(
        "select count(distinct user_id), count(email) from ld_base as b "
        "where b.rec not in (select rec from ld_problems)"
    ).fetchone()
    workspace = csv.source.name.split(" Member Analytics")[0].strip() or "workspace"
    notices = list(csv.notices) + [
        f"Slack member analytics give totals for {start:%b %d, %Y} - {end:%b %d, %Y} (from the file name): "
        "each member's messages and reactions are spread evenly over those days."
    ]
    if not with_email:
        notices.append("This export has no Email column: members are identified by their Slack user id.")
    for temp in ("ld_base", "ld_problems", "ld_raw"):
        con.execute("drop table if exists " + temp)
    return Staged(
        file_kind="slack_member_analytics", table="activity", rows=rows, problems=problems, rows_read=read,
        rejected=rejected,
        period=(datetime.combine(start, datetime.min.time()),
                datetime.combine(end, datetime.min.time()) + timedelta(days=1) - timedelta(microseconds=1)),
        source_key="slack-analytics:" + workspace.lower(), replace_period=True, notices=notices,
        facts={"members": members or 0},
    )
