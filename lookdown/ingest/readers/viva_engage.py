"""Viva Engage (Yammer) network data export: Messages.csv (+ Users.csv), alone or in the ZIP.

What the format is: the network data export a Viva Engage admin downloads (Network admin >
Export data): a ZIP with Messages.csv, Users.csv, Groups.csv and more, one row per message.

What it cannot see: reactions (likes) and who read a message, which the export leaves out; files
beyond the messages that share them; and people's departments, which come from the people file.

A thread starter has thread_id == id; a reply has another thread_id and replied_to_id. A starter
that asks something is a question, and a reply in its thread by someone else an answer. Deleted
messages stay in the export with deleted_at set: they are left out. Bodies (with their line
breaks and quotes) are read by DuckDB's CSV reader and used only to spot questions.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from lookdown.ingest.mapping import normalise
from lookdown.ingest.readers.base import COMPANION, MAIN, Look, ReadContext, Reader
from lookdown.ingest.sources import Source, Workspace, csv_text, extract_member
from lookdown.ingest.stage import (
    ACTIVITY_COLUMNS,
    ImportProblem,
    Scratch,
    Staged,
    activity_period,
    column_or_null,
    problems_and_rows,
    report_columns,
)

MESSAGE_COLUMNS = {
    "id": "id",
    "replied to id": "replied_to_id",
    "thread id": "thread_id",
    "group id": "group_id",
    "group name": "group_name",
    "in private conversation": "in_private_conversation",
    "sender id": "sender_id",
    "sender type": "sender_type",
    "sender email": "sender_email",
    "body": "body",
    "deleted by id": "deleted_by_id",
    "created at": "created_at",
    "deleted at": "deleted_at",
}
USER_COLUMNS = {"id": "id", "email": "email", "state": "state", "deleted at": "deleted_at"}


def is_viva_messages(headers: list[str]) -> bool:
    names = {normalise(h) for h in headers}
    return {"id", "thread id", "sender id", "body", "created at"} <= names and "replied to id" in names


def is_viva_users(headers: list[str]) -> bool:
    names = {normalise(h) for h in headers}
    return {"id", "name", "email", "job title", "joined at"} <= names


def viva_zip_members(members: list[str]) -> tuple[str | None, str | None]:
    """Messages.csv and Users.csv inside a Viva Engage export ZIP (first network folder)."""
    messages = sorted((m for m in members if PurePosixPath(m).name.lower() == "messages.csv"), key=len)
    if not messages:
        return None, None
    folder = str(PurePosixPath(messages[0]).parent)
    users = [m for m in members if PurePosixPath(m).name.lower() == "users.csv"
             and str(PurePosixPath(m).parent) == folder]
    return messages[0], users[0] if users else None


def sources_from_zip(source: Source, members: list[str], workspace: Workspace) -> tuple[Source, Source | None]:
    """Messages.csv and Users.csv, inflated from the export ZIP into the workspace."""
    messages, users = viva_zip_members(members)
    if messages is None:
        raise ImportProblem("This ZIP has no Messages.csv: it is not a Viva Engage export.")
    return (extract_member(source, messages, workspace, f"{source.name}/Messages.csv"),
            extract_member(source, users, workspace, f"{source.name}/Users.csv") if users else None)


def stage_viva(scratch: Scratch, workspace: Workspace, messages: Source, users: Source | None, *,
               tz: str, today) -> Staged:
    con = scratch.con
    con.execute("create or replace temp table ld_viva_users (id varchar, email varchar)").fetchall()
    if users is not None:
        users_csv = csv_text(users, workspace)
        names, found = report_columns(users_csv, USER_COLUMNS)
        scratch.read_csv(users_csv, names)
        sql = (
            "create or replace temp table ld_viva_users as select distinct on (ld_clean(raw.id)) "
            f"ld_clean(raw.id) as id, lower(ld_clean({column_or_null(found, 'email')})) as email from ld_raw as raw"
        )
        con.execute(sql).fetchall()
    csv = csv_text(messages, workspace)
    names, found = report_columns(csv, MESSAGE_COLUMNS)
    missing = [c for c in ("id", "thread_id", "sender_id", "created_at") if c not in found]
    if missing:
        raise ImportProblem("Messages.csv has no column(s) " + ", ".join(missing))
    scratch.read_csv(csv, names)
    sql = (
        "create or replace temp table ld_base as select raw.rowid as rec, ld_clean(raw.id) as id, "
        f"ld_clean({column_or_null(found, 'replied_to_id')}) as replied_to_id, "
        "coalesce(ld_clean(raw.thread_id), ld_clean(raw.id)) as thread_id, "
        f"ld_clean({column_or_null(found, 'group_name')}) as group_name, "
        f"coalesce(ld_bool({column_or_null(found, 'in_private_conversation')}), false) as private, "
        "ld_clean(raw.sender_id) as sender_id, "
        f"lower(coalesce(ld_clean({column_or_null(found, 'sender_type')}), 'user')) as sender_type, "
        f"coalesce(lower(ld_clean({column_or_null(found, 'sender_email')})), "
        "(select u.email from ld_viva_users as u where u.id = ld_clean(raw.sender_id))) as email, "
        f"ld_asks({column_or_null(found, 'body')}) as asks, "
        "ld_timestamp(raw.created_at, false, $tz) as created, raw.created_at as created_raw, "
        f"ld_clean({column_or_null(found, 'deleted_at')}) is not null "
        f"or ld_clean({column_or_null(found, 'deleted_by_id')}) is not null as deleted, $today::date as today_ "
        "from ld_raw as raw"
    )
    con.execute(
        sql,
        {"tz": tz, "today": today},
    ).fetchall()
    checks = [
        ("id", "b.id is null", "missing required value", "null"),
        ("sender_id", "b.sender_id is null", "missing required value", "null"),
        ("created_at", "b.created is null", "not a date", "left(b.created_raw, 200)"),
        ("created_at", "b.created::date > b.today_", "date in the future", "left(b.created_raw, 200)"),
    ]
    expand = (
        "with good as (select * from ld_base as b where b.rec not in (select rec from ld_problems)),\n"
        "live as (select * from good where not deleted and sender_type = 'user'),\n"
        "starters as (select id, sender_id, asks from live where thread_id = id)\n"
        "select m.rec, null::bigint as line, m.created as occurred_at,\n"
        "  coalesce(m.email, 'viva:' || m.sender_id) as person_id, 'viva:' || m.sender_id as person_id_alt,\n"
        "  case when m.thread_id = m.id then case when m.asks then 'question' else 'post' end\n"
        "       when s.asks and s.sender_id <> m.sender_id then 'answer' else 'reply' end as kind,\n"
        "  case when m.private then 'private conversations' else coalesce(m.group_name, 'All company') end as space,\n"
        "  null::varchar as space_type, 'viva:' || m.thread_id as thread_id,\n"
        "  case when m.thread_id <> m.id then coalesce(t.email, 'viva:' || t.sender_id) end as target_person_id,\n"
        "  case when m.thread_id <> m.id and t.sender_id is not null then 'viva:' || t.sender_id end\n"
        "    as target_person_id_alt,\n"
        "  'viva_engage' as platform, 'viva|' || m.id as event_id\n"
        "from live as m\n"
        "left join starters as s on s.id = m.thread_id\n"
        "left join good as t on t.id = coalesce(m.replied_to_id, m.thread_id)\n"
        "order by m.rec"
    )
    rows, problems, read, rejected = problems_and_rows(scratch, checks, expand, {})
    assert rows.column_names == ACTIVITY_COLUMNS
    (deleted, non_users, threads, answered) = con.execute(
        "with good as (select * from ld_base as b where b.rec not in (select rec from ld_problems)), "
        "live as (select * from good where not deleted and sender_type = 'user') "
        "select (select count(*) from good where deleted), "
        "(select count(*) from good where not deleted and sender_type <> 'user'), "
        "(select count(*) from live where thread_id = id), "
        "(select count(*) from live as s where s.thread_id = s.id and s.asks and exists "
        "  (select 1 from live as r where r.thread_id = s.id and r.id <> s.id and r.sender_id <> s.sender_id))"
    ).fetchone()
    notices = list(csv.notices)
    if deleted:
        notices.append(f"{deleted:,} deleted message(s) were left out.")
    if non_users:
        notices.append(f"{non_users:,} message(s) not sent by a user (bots, systems) were left out.")
    if users is None:
        notices.append("No Users.csv: people without sender_email are identified by their Viva Engage id.")
    for temp in ("ld_base", "ld_problems", "ld_raw", "ld_viva_users"):
        con.execute("drop table if exists " + temp)
    return Staged(
        file_kind="viva_engage", table="activity", rows=rows, problems=problems, rows_read=read,
        rejected=rejected, period=activity_period(rows), source_key="viva-engage", replace_period=True,
        notices=notices,
        facts={"messages": rows.num_rows, "deleted": deleted, "threads": threads, "answered_questions": answered},
    )


class VivaEngageReader(Reader):
    """The export ZIP, or Messages.csv with its Users.csv beside it."""

    kind = "viva_engage"
    label = "Viva Engage export"
    containers = frozenset({"zip", "table"})

    def recognises(self, look: Look) -> bool:
        if look.container == "zip":
            return viva_zip_members(look.members)[0] is not None
        return self.role(look) is not None

    def stage(self, look: Look, context: ReadContext) -> Staged:
        if look.container == "zip":
            messages, users = sources_from_zip(look.source, look.members, look.workspace)
            return stage_viva(context.scratch, look.workspace, messages, users, tz=context.tz, today=context.today)
        if context.as_kind != self.kind and self.role(look) == COMPANION:
            raise ImportProblem("Users.csv of a Viva Engage export only describes users: import it together "
                                "with Messages.csv (or upload the whole export ZIP).")
        return stage_viva(context.scratch, look.workspace, look.source, look.companion, tz=context.tz,
                          today=context.today)

    def role(self, look: Look) -> str | None:
        if look.container != "table":
            return None
        if is_viva_messages(look.headers):
            return MAIN
        return COMPANION if is_viva_users(look.headers) else None
