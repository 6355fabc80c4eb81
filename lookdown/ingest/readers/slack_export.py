"""Slack workspace export (ZIP): channels, users and one JSON file per channel and day.

Rules (see the export format notes):
- a human message has no subtype, or thread_broadcast / file_share / me_message, and no truthy
  bot_id; system subtypes (joins, topics, tombstones, ...) and bots are not participation;
- dates come from `ts` (never the file name), as local time in the organisation's time zone;
- a top-level message that asks something (a '?' outside links, code and mentions) is a question;
  a reply in its thread by someone else is an answer, any other reply a reply;
- reactions become one row per reactor (`count` is trusted when `users` is truncated); shared
  files and links become 'share' rows;
- message text is read in memory to find questions and links, and never leaves this module.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter

from lookdown.ingest.readers.base import Look, ReadContext, Reader
from lookdown.ingest.sources import Source
from lookdown.ingest.stage import ACTIVITY_COLUMNS, ImportProblem, Scratch, Staged, activity_period, in_file_order

HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}
UNKNOWN_REACTOR = "slack:unknown-reactor"
_LINK = re.compile(r"<(https?://[^>|]+)(?:\|[^>]*)?>")
_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_ANGLE = re.compile(r"<[^>]*>")
_BARE_URL = re.compile(r"https?://\S+")
_DAY_FILE = re.compile(r"^([^/]+)/(\d{4}-\d{2}-\d{2})\.json$")


def asks(text: str | None) -> bool:
    """A question mark outside links, mentions, code and bare URLs."""
    if not text:
        return False
    text = _CODE.sub(" ", text)
    text = _ANGLE.sub(" ", text)
    text = _BARE_URL.sub(" ", text)
    return "?" in text


def export_root(members: list[str]) -> str | None:
    """The folder holding channels.json and users.json ('' at the ZIP root), or None."""
    for member in members:
        for name in ("channels.json", "users.json", "org_users.json"):
            if member == name or member.endswith("/" + name):
                root = member[: -len(name)]
                if any(m in (root + "channels.json",) for m in members) and any(
                    m in (root + "users.json", root + "org_users.json") for m in members
                ):
                    return root
    return None


def is_slack_zip(members: list[str]) -> bool:
    return export_root(members) is not None


def _load(archive: zipfile.ZipFile, member: str):
    return json.loads(archive.read(member).decode("utf-8-sig"))


def stage_slack_zip(scratch: Scratch, source: Source, *, tz: str) -> Staged:
    with zipfile.ZipFile(io.BytesIO(source.data)) as archive:
        members = [m for m in archive.namelist() if not m.endswith("/")]
        root = export_root(members)
        if root is None:
            raise ImportProblem("This ZIP has no channels.json and users.json: it is not a Slack export.")
        users_file = root + ("users.json" if root + "users.json" in members else "org_users.json")
        users = {u.get("id"): u for u in _load(archive, users_file) if isinstance(u, dict)}
        folders: dict[str, tuple[str, str]] = {}  # folder -> (conversation id, space name)
        for listing, kind in (("channels.json", "channel"), ("groups.json", "private"),
                              ("mpims.json", "group"), ("dms.json", "dm")):
            if root + listing not in members:
                continue
            for conv in _load(archive, root + listing) or []:
                cid = conv.get("id")
                name = conv.get("name") or cid
                space = name if kind in ("channel", "private") else "direct messages"
                folders[name] = (cid, space)
                if cid:
                    folders.setdefault(cid, (cid, space))
        messages: dict[tuple[str, str], dict] = {}
        problems = []
        days = {m: _DAY_FILE.match(m[len(root):]) for m in members if m.startswith(root)}
        days = {member: match.group(1) for member, match in days.items() if match}
        size = sum(archive.getinfo(m).file_size for m in days)
        done = day_files = 0
        for member, folder in days.items():
            cid, space = folders.get(folder, (folder, folder))
            try:
                day = _load(archive, member)
            except (ValueError, UnicodeDecodeError):
                problems.append((None, member, None, "the day file is not valid JSON"))
                continue
            finally:
                done += archive.getinfo(member).file_size
                scratch.read_share(done, size)  # the import's progress: the day files are most of it
            day_files += 1
            for m in day if isinstance(day, list) else []:
                if isinstance(m, dict) and m.get("ts"):
                    # (channel, ts) is unique; a broadcast reply seen twice is one message.
                    messages.setdefault((cid, str(m["ts"])), {**m, "_space": space})

    team = next((u.get("team_id") for u in users.values() if u.get("team_id")), None) or next(
        (m.get("team") for m in messages.values() if m.get("team")), None
    )
    source_key = "slack:" + (team or source.name)
    with_email = sum(1 for u in users.values() if (u.get("profile") or {}).get("email"))

    def is_bot_user(uid: str | None) -> bool:
        u = users.get(uid) or {}
        return bool(u.get("is_bot")) or uid == "USLACKBOT"

    def ident(uid: str | None) -> tuple[str | None, str | None]:
        if not uid:
            return None, None
        email = ((users.get(uid) or {}).get("profile") or {}).get("email")
        alt = "slack:" + uid
        return (email.strip().lower() if email else alt), alt

    def human(m: dict) -> bool:
        return m.get("subtype") in HUMAN_SUBTYPES and not m.get("bot_id") and bool(m.get("user")) \
            and not is_bot_user(m.get("user"))

    rows = []
    facts: Counter = Counter()
    posters = set()
    for (cid, ts), m in sorted(messages.items(), key=lambda item: float(item[0][1])):
        space = m["_space"]
        thread_ts = str(m.get("thread_ts") or ts)
        thread_id = f"{cid}:{thread_ts}"
        base = f"{team}|{cid}|{ts}"
        author = m.get("user") if human(m) else None
        if human(m):
            facts["messages"] += 1
            posters.add(author)
            person, alt = ident(author)
            target = target_alt = None
            if thread_ts != ts:
                parent = messages.get((cid, thread_ts))
                parent_user = parent.get("user") if parent and human(parent) else None
                is_answer = (
                    parent is not None and parent_user is not None and parent_user != author
                    and str(parent.get("thread_ts") or parent.get("ts")) == thread_ts
                    and asks(parent.get("text"))
                )
                kind = "answer" if is_answer else "reply"
                if parent is not None and parent.get("user") and not is_bot_user(parent.get("user")):
                    target, target_alt = ident(parent.get("user"))
            else:
                kind = "question" if asks(m.get("text")) else "post"
                if m.get("subtype") == "thread_broadcast":
                    kind = "reply"
            facts[kind + "s"] += 1
            rows.append((ts, person, alt, kind, space, thread_id, target, target_alt, "msg|" + base))
            files = [f for f in (m.get("files") or []) if isinstance(f, dict) and f.get("mode") != "tombstone"]
            if isinstance(m.get("file"), dict):
                files.append(m["file"])
            for i, f in enumerate(files):
                facts["shares"] += 1
                rows.append((ts, person, alt, "share", space, thread_id, None, None,
                             f"file|{base}|{f.get('id') or i}"))
            if m.get("subtype") != "file_share":
                for i, _url in enumerate(dict.fromkeys(_LINK.findall(m.get("text") or ""))):
                    facts["shares"] += 1
                    rows.append((ts, person, alt, "share", space, thread_id, None, None, f"link|{base}|{i}"))
        else:
            facts["not_participation"] += 1
        reacted_author = m.get("user") if m.get("user") and not is_bot_user(m.get("user")) else None
        for reaction in m.get("reactions") or []:
            reactors = list(reaction.get("users") or [])
            count = max(int(reaction.get("count") or 0), len(reactors))
            for i in range(count):
                uid = reactors[i] if i < len(reactors) else None
                if uid and is_bot_user(uid):
                    continue
                person, alt = ident(uid) if uid else (UNKNOWN_REACTOR, None)
                target, target_alt = ident(reacted_author)
                facts["reactions"] += 1
                rows.append((ts, person, alt, "reaction", space, thread_id, target, target_alt,
                             f"reaction|{base}|{reaction.get('name')}|{uid or i}"))
    facts["people"] = len(posters)
    facts["threads"] = len({(c, str(m.get("thread_ts"))) for (c, _), m in messages.items()
                            if m.get("thread_ts") and str(m.get("thread_ts")) != str(m.get("ts"))})

    import pandas as pd  # only for the exports that need it: it takes a while to import

    frame = pd.DataFrame(rows, columns=["ts", "person_id", "person_id_alt", "kind", "space", "thread_id",
                                        "target_person_id", "target_person_id_alt", "event_id"])
    frame.insert(0, "rec", range(len(frame)))
    con = scratch.con
    con.register("ld_slack", frame)
    try:
        staged = con.sql(
            "select rec, null::bigint as line, timezone($tz, to_timestamp(ts::double)) as occurred_at, "
            "person_id, person_id_alt, kind, space, null::varchar as space_type, thread_id, "
            "target_person_id, target_person_id_alt, 'slack' as platform, event_id from ld_slack order by rec",
            params={"tz": tz},
        ).to_arrow_table()
    finally:
        con.unregister("ld_slack")
    assert staged.column_names == ACTIVITY_COLUMNS
    notices = []
    if users and not with_email:
        notices.append("This export has no e-mail addresses: people are identified by their Slack user id. "
                       "Import an identity map to join them to HR data.")
    if facts["not_participation"]:
        notices.append(f"{facts['not_participation']:,} system or bot messages were not counted as participation.")
    if day_files == 0:
        raise ImportProblem("This Slack export has no channel day files (folder/YYYY-MM-DD.json).")
    return Staged(
        file_kind="slack_zip",
        table="activity",
        rows=staged,
        problems=in_file_order(problems),
        rows_read=len(messages),
        rejected=len(problems),
        period=activity_period(staged),
        source_key=source_key,
        replace_period=True,
        notices=notices,
        facts=dict(facts),
    )


class SlackExportReader(Reader):
    kind = "slack_zip"
    label = "Slack workspace export"
    containers = frozenset({"zip"})

    def recognises(self, look: Look) -> bool:
        return is_slack_zip(look.members)

    def stage(self, look: Look, context: ReadContext) -> Staged:
        return stage_slack_zip(context.scratch, look.source, tz=context.tz)
