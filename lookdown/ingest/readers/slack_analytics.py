"""Slack member analytics (Admin > Analytics > Members, exported as CSV).

What the format is: one row per member with counts for the analysis window. Per member, messages
posted and reactions added over an analysis window that Slack writes only in the file name
("Prior 30 Days - Apr 17, 2026"). Each counted message or reaction becomes one activity row
spread evenly over the window; a newer export of the same workspace replaces the window it
covers. It cannot see threads, answers, spaces or whom a reaction was for.
"""
from __future__ import annotations

import re
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
    names, found = report_columns(csv, SLACK_ANALYTICS_COLUMNS)
    scratch.read_csv(csv, names)
    con = scratch.con
    sql = (
        "create or replace temp table ld_base as select raw.rowid as rec, ld_clean(raw.user_id) as user_id, "
        f"lower(ld_clean({column_or_null(found, 'email')})) as email, "
        f"ld_amount(raw.messages, false) as messages, raw.messages as messages_raw, "
        f"ld_amount({column_or_null(found, 'reactions')}, false) as reactions, "
        f"{column_or_null(found, 'reactions')} as reactions_raw "
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
    rows, problems, read, rejected = problems_and_rows(
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


class SlackAnalyticsReader(Reader):
    kind = "slack_member_analytics"
    label = "Slack member analytics"
    containers = frozenset({"table"})

    def recognises(self, look: Look) -> bool:
        return is_slack_member_analytics(look.headers)

    def stage(self, look: Look, context: ReadContext) -> Staged:
        return stage_slack_member_analytics(context.scratch, look.csv, tz=context.tz, today=context.today)
