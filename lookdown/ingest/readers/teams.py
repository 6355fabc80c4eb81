"""The Microsoft Teams user activity report (user detail, CSV from the Microsoft 365 admin centre).

What the format is: one row per user and report period, with message counts. It gives, per
person, message counts over a period (7, 30, 90 or 180 days), not events: each counted message
becomes one activity row, spread evenly over the days of the period, so weekly and monthly
charts see the right totals. A newer report replaces the period it covers instead of adding to
it. It cannot see who answered whom, threads or spaces; with the admin centre's default
concealment on, user names are hashes that never join the people file.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from lookdown.ingest.mapping import normalise
from lookdown.ingest.readers.base import Look, ReadContext, Reader
from lookdown.ingest.sources import CsvText
from lookdown.ingest.stage import (
    ACTIVITY_COLUMNS,
    ImportProblem,
    Scratch,
    Staged,
    column_or_null,
    problems_and_rows,
    report_columns,
)

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


def stage_teams(scratch: Scratch, csv: CsvText, *, tz: str, today: date) -> Staged:
    names, found = report_columns(csv, TEAMS_COLUMNS)
    for needed in ("refresh", "upn", "team_chat"):
        if needed not in found:
            raise ImportProblem("This Teams report has no '" + needed + "' column.")
    scratch.read_csv(csv, names)
    con = scratch.con
    has_split = "post_messages" in found or "reply_messages" in found
    sql = (
        "create or replace temp table ld_base as select raw.rowid as rec, "
        f"ld_date(raw.refresh, false, 'UTC') as refresh_date, raw.refresh as refresh_raw, "
        f"coalesce(ld_amount({column_or_null(found, 'report_period')}, false), 7)::integer as days, "
        f"ld_clean(raw.upn) as upn, ld_clean({column_or_null(found, 'tenant')}) as tenant, "
        f"ld_amount(raw.team_chat, false) as team_chat, raw.team_chat as team_chat_raw, "
        f"ld_amount({column_or_null(found, 'private_chat')}, false) as private_chat, "
        f"ld_amount({column_or_null(found, 'post_messages')}, false) as posts, "
        f"ld_amount({column_or_null(found, 'reply_messages')}, false) as replies, $today::date as today_ "
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
        "  case when regexp_matches(upn, '" + _HEX32 + "') then 'teams:' || lower(upn) else lower(upn) end\n"
        "    as person_id,\n"
        "  null::varchar as person_id_alt, kind, space, null::varchar as space_type, null::varchar as thread_id,\n"
        "  null::varchar as target_person_id, null::varchar as target_person_id_alt, 'teams' as platform,\n"
        "  concat_ws('|', 'teams', coalesce(tenant, ''), lower(upn), refresh_date, days, kind, space, j) as event_id\n"
        "from events order by rec, kind, space, j"
    )
    rows, problems, read, rejected = problems_and_rows(scratch, checks, expand, {})
    assert rows.column_names == ACTIVITY_COLUMNS
    (users, concealed, _tenant, start, end, messages) = con.execute(
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


class TeamsReader(Reader):
    """Recognises the device usage report too, to say which Teams report to export instead."""

    kind = "teams_user_activity"
    label = "Teams user activity report"
    containers = frozenset({"table"})

    def recognises(self, look: Look) -> bool:
        return is_teams_user_activity(look.headers) or is_teams_device_usage(look.headers)

    def stage(self, look: Look, context: ReadContext) -> Staged:
        if context.as_kind != self.kind and not is_teams_user_activity(look.headers):
            raise ImportProblem("This is the Teams device usage report. Lookdown reads the Teams user activity "
                                "report (Reports > Usage > Teams user activity > Export).")
        return stage_teams(context.scratch, look.csv, tz=context.tz, today=context.today)
