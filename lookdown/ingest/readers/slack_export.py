"""Slack workspace export (ZIP): channels, users and one JSON file per channel and day.

What the format is: the ZIP an admin downloads from Slack (Settings > Import/Export data), with
channels.json (and groups.json, mpims.json, dms.json when private conversations are included),
users.json (org_users.json for Enterprise Grid) and a folder per conversation holding one JSON
list of messages per day (general/2024-03-01.json).

What it cannot see: who read a message, reactions beyond the users Slack lists (`count` is
trusted when the list is cut short), messages in conversations the export leaves out (an export
of public channels only has no private ones), edits and deletions before the export, and calls.
Without e-mail addresses in users.json people are known only by their Slack user id.

Rules (see the export format notes):
- a human message has no subtype, or thread_broadcast / file_share / me_message, and no truthy
  bot_id; system subtypes (joins, topics, tombstones, ...) and bots are not participation;
- dates come from `ts` (never the file name), as local time in the organisation's time zone;
- a top-level message that asks something (a '?' outside links, code and mentions) is a question;
  a reply in its thread by someone else is an answer, any other reply a reply;
- reactions become one row per reactor (`count` is trusted when `users` is truncated); shared
  files and links become 'share' rows;
- message text is read in memory to find questions and links, and never leaves this module:
  each message is kept as the few facts these rules need (Message), not as Slack wrote it.

The JSON files are streamed (ijson), a message at a time, from ZIP members checked against the
limits of lookdown.ingest.limits.
"""
from __future__ import annotations

import codecs
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import ijson

from lookdown.ingest import limits
from lookdown.ingest.limits import ImportProblem, OverLimit, size_text
from lookdown.ingest.readers.base import Look, ReadContext, Reader
from lookdown.ingest.sources import Source, open_member, open_zip
from lookdown.ingest.stage import ACTIVITY_COLUMNS, Problem, Scratch, Staged, activity_period, in_file_order

HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}
UNKNOWN_REACTOR = "slack:unknown-reactor"
_LINK = re.compile(r"<(https?://[^>|]+)(?:\|[^>]*)?>")
_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_ANGLE = re.compile(r"<[^>]*>")
_BARE_URL = re.compile(r"https?://\S+")
_DAY_FILE = re.compile(r"^([^/]+)/(\d{4}-\d{2}-\d{2})\.json$")
_CONVERSATION_LISTINGS = (("channels.json", "channel"), ("groups.json", "private"), ("mpims.json", "group"),
                          ("dms.json", "dm"))


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


# -- Reading the export's members -------------------------------------------------------------


class Reaction(NamedTuple):
    name: str | None
    users: tuple[str, ...]
    count: int


class Message(NamedTuple):
    """What the rules need of one message (its text is reduced to `asks` and its links)."""

    ts: str
    space: str
    user: str | None
    thread_ts: str | None
    subtype: str | None
    bot: bool
    asks: bool
    links: int  # distinct links in the text
    files: tuple[str | int, ...]  # each shared file's id (its position when it has none)
    reactions: tuple[Reaction, ...]
    team: str | None


class User(NamedTuple):
    email: str | None
    bot: bool
    team: str | None


@dataclass
class Export:
    """A Slack export as read: its users, its messages by (conversation id, ts), and the day
    files that could not be read."""

    users: dict[str, User] = field(default_factory=dict)
    messages: dict[tuple[str, str], Message] = field(default_factory=dict)
    day_files: int = 0
    problems: list[Problem] = field(default_factory=list)


def _json_items(name: str, archive: zipfile.ZipFile, member: str) -> Iterator[dict]:
    """The objects of the JSON list in one member, a message at a time: at most MAX_JSON_BYTES
    are read (a member bigger than that is refused before it is inflated)."""
    info = archive.getinfo(member)
    if info.file_size > limits.MAX_JSON_BYTES:
        raise OverLimit(f"{name}: {member} would inflate to {size_text(info.file_size)}; Lookdown reads JSON "
                        f"files of up to {size_text(limits.MAX_JSON_BYTES)} (a Slack day file is rarely over "
                        "a few megabytes).")
    with open_member(name, archive, member) as stream:
        if stream.peek(3)[:3] == codecs.BOM_UTF8:
            stream.read(3)
        for item in ijson.items(stream, "item", use_float=True):
            if isinstance(item, dict):
                yield item


def _listing(name: str, archive: zipfile.ZipFile, member: str) -> list[dict]:
    """users.json or a conversation listing, whole (they are small): a broken one is refused."""
    try:
        return list(_json_items(name, archive, member))
    except ijson.JSONError as error:
        raise ImportProblem(f"{name}: {member} is not valid JSON, so the export cannot be read.") from error


def _read_users(name: str, archive: zipfile.ZipFile, root: str, members: set[str]) -> dict[str, User]:
    users_file = root + ("users.json" if root + "users.json" in members else "org_users.json")
    users = {}
    for u in _listing(name, archive, users_file):
        email = (u.get("profile") or {}).get("email")
        users[u.get("id")] = User(email.strip().lower() if isinstance(email, str) and email.strip() else None,
                                  bool(u.get("is_bot")) or u.get("id") == "USLACKBOT", u.get("team_id"))
    return users


def _read_folders(name: str, archive: zipfile.ZipFile, root: str, members: set[str]) -> dict[str, tuple[str, str]]:
    """Each conversation folder -> (conversation id, the space its messages count in)."""
    folders: dict[str, tuple[str, str]] = {}
    for listing, kind in _CONVERSATION_LISTINGS:
        if root + listing not in members:
            continue
        for conv in _listing(name, archive, root + listing):
            cid = conv.get("id")
            folder = conv.get("name") or cid
            space = folder if kind in ("channel", "private") else "direct messages"
            folders[folder] = (cid, space)
            if cid:
                folders.setdefault(cid, (cid, space))
    return folders


def _message(m: dict, space: str) -> Message:
    text = m.get("text") if isinstance(m.get("text"), str) else None
    files = [f for f in (m.get("files") or []) if isinstance(f, dict) and f.get("mode") != "tombstone"]
    if isinstance(m.get("file"), dict):
        files.append(m["file"])
    reactions = tuple(
        Reaction(r.get("name"), tuple(r.get("users") or []), int(r.get("count") or 0))
        for r in (m.get("reactions") or []) if isinstance(r, dict)
    )
    thread_ts = m.get("thread_ts")
    return Message(
        ts=str(m["ts"]), space=space, user=m.get("user"), thread_ts=str(thread_ts) if thread_ts else None,
        subtype=m.get("subtype"), bot=bool(m.get("bot_id")), asks=asks(text),
        links=len(dict.fromkeys(_LINK.findall(text or ""))),
        files=tuple(f.get("id") or i for i, f in enumerate(files)), reactions=reactions, team=m.get("team"),
    )


def read_export(scratch: Scratch, source: Source) -> Export:
    """Users, conversations and every message of the day files, streamed from the ZIP. A day
    file that is not valid JSON is a problem of its own; the rest of the export is read."""
    export = Export()
    with open_zip(source) as archive:
        members = [m for m in archive.namelist() if not m.endswith("/")]
        root = export_root(members)
        if root is None:
            raise ImportProblem("This ZIP has no channels.json and users.json: it is not a Slack export.")
        names = set(members)
        export.users = _read_users(source.name, archive, root, names)
        folders = _read_folders(source.name, archive, root, names)
        days = {m: _DAY_FILE.match(m[len(root):]) for m in members if m.startswith(root)}
        days = {member: match.group(1) for member, match in days.items() if match}
        size = sum(archive.getinfo(m).file_size for m in days)
        done = 0
        for member, folder in days.items():
            cid, space = folders.get(folder, (folder, folder))
            try:
                day = [m for m in _json_items(source.name, archive, member) if m.get("ts")]
            except ijson.JSONError:
                export.problems.append(Problem(None, member, None, "the day file is not valid JSON"))
            else:
                export.day_files += 1
                for m in day:
                    # (channel, ts) is unique; a broadcast reply seen twice is one message.
                    export.messages.setdefault((cid, str(m["ts"])), _message(m, space))
            finally:
                done += archive.getinfo(member).file_size
                scratch.read_share(done, size)  # the import's progress: the day files are most of it
            if len(export.messages) > limits.MAX_SLACK_MESSAGES:
                raise OverLimit(f"{source.name} holds more than {limits.MAX_SLACK_MESSAGES:,} messages, the most "
                                "Lookdown reads from one Slack export. Export a shorter period at a time.")
    if export.day_files == 0:
        raise ImportProblem("This Slack export has no channel day files (folder/YYYY-MM-DD.json).")
    return export


# -- Classifying messages -----------------------------------------------------------------------

# One activity row as built here, before DuckDB turns `ts` into a local time.
_ROW_COLUMNS = ["ts", "person_id", "person_id_alt", "kind", "space", "thread_id", "target_person_id",
                "target_person_id_alt", "event_id"]


class _People:
    """Who a Slack user id is: a bot, or a person known by e-mail (else by the id)."""

    def __init__(self, users: dict[str, User]):
        self.users = users

    def is_bot(self, uid: str | None) -> bool:
        user = self.users.get(uid)
        return (user is not None and user.bot) or uid == "USLACKBOT"

    def ident(self, uid: str | None) -> tuple[str | None, str | None]:
        """(person id, alternative id): the e-mail when known, and 'slack:<id>'."""
        if not uid:
            return None, None
        user = self.users.get(uid)
        alt = "slack:" + uid
        return (user.email if user is not None and user.email else alt), alt

    def human(self, m: Message) -> bool:
        return m.subtype in HUMAN_SUBTYPES and not m.bot and bool(m.user) and not self.is_bot(m.user)


def _message_kind(m: Message, messages: dict[tuple[str, str], Message], cid: str, people: _People
                  ) -> tuple[str, str | None]:
    """A human message's kind (question, post, answer, reply) and whom it answers or replies to."""
    thread_ts = m.thread_ts or m.ts
    if thread_ts == m.ts:
        if m.subtype == "thread_broadcast":
            return "reply", None
        return ("question" if m.asks else "post"), None
    parent = messages.get((cid, thread_ts))
    parent_user = parent.user if parent is not None and people.human(parent) else None
    is_answer = (parent is not None and parent_user is not None and parent_user != m.user
                 and (parent.thread_ts or parent.ts) == thread_ts and parent.asks)
    target = parent.user if parent is not None and parent.user and not people.is_bot(parent.user) else None
    return ("answer" if is_answer else "reply"), target


def classify_messages(export: Export, team: str | None) -> tuple[list[tuple], Counter]:
    """Every message as activity rows (its own, its shared files and links, its reactions), in
    time order, and the facts the Upload page shows (messages, questions, ..., people)."""
    people = _People(export.users)
    messages = export.messages
    rows: list[tuple] = []
    facts: Counter = Counter()
    posters = set()
    for (cid, ts), m in sorted(messages.items(), key=lambda item: float(item[0][1])):
        thread_id = f"{cid}:{m.thread_ts or ts}"
        base = f"{team}|{cid}|{ts}"
        if people.human(m):
            facts["messages"] += 1
            posters.add(m.user)
            person, alt = people.ident(m.user)
            kind, target_user = _message_kind(m, messages, cid, people)
            target, target_alt = people.ident(target_user)
            facts[kind + "s"] += 1
            rows.append((ts, person, alt, kind, m.space, thread_id, target, target_alt, "msg|" + base))
            for file_id in m.files:
                facts["shares"] += 1
                rows.append((ts, person, alt, "share", m.space, thread_id, None, None, f"file|{base}|{file_id}"))
            if m.subtype != "file_share":
                for i in range(m.links):
                    facts["shares"] += 1
                    rows.append((ts, person, alt, "share", m.space, thread_id, None, None, f"link|{base}|{i}"))
        else:
            facts["not_participation"] += 1
        reacted_author = m.user if m.user and not people.is_bot(m.user) else None
        target, target_alt = people.ident(reacted_author)
        for reaction in m.reactions:
            for i in range(max(reaction.count, len(reaction.users))):
                uid = reaction.users[i] if i < len(reaction.users) else None
                if uid and people.is_bot(uid):
                    continue
                person, alt = people.ident(uid) if uid else (UNKNOWN_REACTOR, None)
                facts["reactions"] += 1
                rows.append((ts, person, alt, "reaction", m.space, thread_id, target, target_alt,
                             f"reaction|{base}|{reaction.name}|{uid or i}"))
    facts["people"] = len(posters)
    facts["threads"] = len({(c, m.thread_ts) for (c, _), m in messages.items()
                            if m.thread_ts and m.thread_ts != m.ts})
    return rows, facts


# -- Staging the rows ---------------------------------------------------------------------------


def stage_rows(scratch: Scratch, rows: list[tuple], *, tz: str):
    """The rows as the activity template's columns (an Arrow table), `ts` as local time in `tz`."""
    import pandas as pd  # only for the exports that need it: it takes a while to import

    frame = pd.DataFrame(rows, columns=_ROW_COLUMNS)
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
    return staged


def stage_slack_zip(scratch: Scratch, source: Source, *, tz: str) -> Staged:
    """Read the export's members, classify its messages, stage the rows."""
    export = read_export(scratch, source)
    users, messages = export.users, export.messages
    team = next((u.team for u in users.values() if u.team), None) or next(
        (m.team for m in messages.values() if m.team), None)
    rows, facts = classify_messages(export, team)
    staged = stage_rows(scratch, rows, tz=tz)
    notices = []
    if users and not any(u.email for u in users.values()):
        notices.append("This export has no e-mail addresses: people are identified by their Slack user id. "
                       "Import an identity map to join them to HR data.")
    if facts["not_participation"]:
        notices.append(f"{facts['not_participation']:,} system or bot messages were not counted as participation.")
    return Staged(
        file_kind="slack_zip",
        table="activity",
        rows=staged,
        problems=in_file_order(export.problems),
        rows_read=len(messages),
        rejected=len(export.problems),
        period=activity_period(staged),
        source_key="slack:" + (team or source.name),
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
