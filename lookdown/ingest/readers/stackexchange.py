"""Stack Exchange data dump: Posts.xml (+ optional Users.xml).

What the format is: the XML files of a site's data dump (archive.org's Stack Exchange dumps, or
the export of Stack Overflow for Teams), one <row> element per post or user, its fields as
attributes.

What it cannot see: comments, votes and edits (other files of the dump, not read), views, and
people's e-mail addresses: users are known by their site id, so an identity map joins them to HR
data. The post bodies are not read.

The files are streamed a row at a time; each post is kept as the few attributes below.

Questions (PostTypeId 1) and answers (2) become activity; tag wikis and other post types are not
Q&A. An answer's thread is its question, and it is addressed to the asker. Posts of the Community
user (-1) are the site's bot. Posts whose owner was deleted carry OwnerDisplayName instead of
OwnerUserId: they are kept under that name. Dates are UTC without a marker.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from lookdown.ingest.readers.base import COMPANION, MAIN, Look, ReadContext, Reader
from lookdown.ingest.sources import Source
from lookdown.ingest.stage import ACTIVITY_COLUMNS, ImportProblem, Scratch, Staged, activity_period, in_file_order

COMMUNITY_USER = "-1"
# The attributes of a post that the rules below read (a post's Body, the bulk of the file, is not).
POST_ATTRIBUTES = ("Id", "PostTypeId", "ParentId", "OwnerUserId", "OwnerDisplayName", "Tags", "AcceptedAnswerId",
                   "CreationDate")


def _rows(source: Source, attributes: tuple[str, ...], read: Callable[[int], None] = lambda position: None):
    """The `attributes` of each <row>, streamed from the file; read(bytes parsed so far) every
    thousand rows (which also checks the import's budget)."""
    size = source.size
    with source.open() as stream:
        try:
            for number, (_, element) in enumerate(ET.iterparse(stream, events=("end",)), start=1):
                if element.tag == "row":
                    yield {name: element.attrib[name] for name in attributes if name in element.attrib}
                    element.clear()
                if number % 1000 == 0:
                    read(stream.tell())
            read(size)
        except ET.ParseError as error:
            raise ImportProblem(f"{source.name} is not valid XML ({error}).") from error


def site_name(posts: Source) -> str:
    """The site a dump is of: its folder's name, else the file's (unless it is just 'Posts')."""
    if posts.path is not None and posts.path.parent.name:
        return posts.path.parent.name.lower()
    stem = Path(posts.name).stem.lower()
    return stem if stem not in ("posts", "upload") else "stackexchange"


def stage_stackexchange(scratch: Scratch, posts: Source, users: Source | None, *, tz: str,
                        site: str) -> Staged:
    known_users: set[str] | None = None
    # The import's progress: the bytes of both files parsed.
    users_size = users.size if users is not None else 0
    size = users_size + posts.size
    if users is not None:
        known_users = {r["Id"] for r in _rows(users, ("Id",), lambda at: scratch.read_share(at, size)) if "Id" in r}
    questions: dict[str, dict] = {}
    answers: list[dict] = []
    facts: Counter = Counter()
    problems = []
    for row in _rows(posts, POST_ATTRIBUTES, lambda at: scratch.read_share(users_size + at, size)):
        kind = row.get("PostTypeId")
        if kind == "1":
            questions[row.get("Id")] = row
        elif kind == "2":
            answers.append(row)
        else:
            facts["not_q_and_a"] += 1

    def owner(row: dict) -> tuple[str | None, str]:
        uid = row.get("OwnerUserId")
        if uid == COMMUNITY_USER:
            return None, "bot"
        if uid:
            if known_users is not None and uid not in known_users:
                facts["deleted_owner_posts"] += 1
            return "stackexchange:" + uid, "user"
        name = row.get("OwnerDisplayName")
        if name:
            facts["deleted_owner_posts"] += 1
            return "stackexchange-name:" + name, "deleted"
        return None, "none"

    out = []
    answered: set[str] = set()
    answer_ids = {a.get("Id") for a in answers}
    for qid, q in questions.items():
        person, status = owner(q)
        if person is None:
            facts["bot_posts" if status == "bot" else "posts_without_owner"] += 1
            continue
        tags = (q.get("Tags") or "").replace("|", "<").replace(">", "<")
        tag = next((t for t in tags.split("<") if t), None)
        out.append((q.get("CreationDate"), person, "question", tag, f"{site}:{qid}", None, f"q|{qid}"))
        facts["questions"] += 1
        if q.get("AcceptedAnswerId") and q.get("AcceptedAnswerId") in answer_ids:
            facts["accepted_answers"] += 1
    for a in answers:
        person, status = owner(a)
        if person is None:
            facts["bot_posts" if status == "bot" else "posts_without_owner"] += 1
            continue
        parent = questions.get(a.get("ParentId"))
        if parent is None:
            problems.append((None, "ParentId", None, "an answer whose question is not in Posts.xml"))
            continue
        asker, _ = owner(parent)
        tags = (parent.get("Tags") or "").replace("|", "<").replace(">", "<")
        tag = next((t for t in tags.split("<") if t), None)
        out.append((a.get("CreationDate"), person, "answer", tag, f"{site}:{a.get('ParentId')}", asker,
                    f"a|{a.get('Id')}"))
        facts["answers"] += 1
        answered.add(a.get("ParentId"))
    facts["answered_questions"] = len(answered & set(questions))
    facts["unanswered_questions"] = facts["questions"] - facts["answered_questions"]
    if not questions and not answers:
        raise ImportProblem(f"{posts.name} has no questions or answers.")
    import pandas as pd  # only for the exports that need it: it takes a while to import

    frame = pd.DataFrame(out, columns=["created", "person_id", "kind", "space", "thread_id",
                                       "target_person_id", "event_id"])
    frame.insert(0, "rec", range(len(frame)))
    con = scratch.con
    con.register("ld_se", frame)
    try:
        rows = con.sql(
            "select rec, null::bigint as line, timezone($tz, ld_timestamp(created, false, 'UTC')::timestamptz) "
            "as occurred_at, person_id, null::varchar as person_id_alt, kind, space, null::varchar as space_type, "
            "'se:' || thread_id as thread_id, target_person_id, null::varchar as target_person_id_alt, "
            "'stackexchange' as platform, $site || '|' || event_id as event_id from ld_se "
            "where ld_timestamp(created, false, 'UTC') is not null order by rec",
            params={"tz": tz, "site": site},
        ).to_arrow_table()
        ((undated,),) = con.execute(
            "select count(*) from ld_se where ld_timestamp(created, false, 'UTC') is null"
        ).fetchall()
    finally:
        con.unregister("ld_se")
    assert rows.column_names == ACTIVITY_COLUMNS
    orphans = len(problems)
    if undated:
        problems.append((None, "CreationDate", None, f"{undated} post(s) without a readable CreationDate"))
    notices = []
    if facts["not_q_and_a"]:
        notices.append(f"{facts['not_q_and_a']:,} tag wiki and other non-Q&A post(s) were left out.")
    if facts["bot_posts"]:
        notices.append(f"{facts['bot_posts']:,} post(s) by the Community bot were left out.")
    if facts["deleted_owner_posts"]:
        notices.append(f"{facts['deleted_owner_posts']:,} post(s) belong to deleted users; they are kept, "
                       "under the name shown on the post.")
    return Staged(
        file_kind="stackexchange_xml", table="activity", rows=rows,
        problems=in_file_order(problems),
        rows_read=len(questions) + len(answers), rejected=orphans + undated, period=activity_period(rows),
        source_key="stackexchange:" + site, replace_period=True, notices=notices, facts=dict(facts),
    )


class StackExchangeReader(Reader):
    """Posts.xml, with the site's Users.xml beside it when there is one."""

    kind = "stackexchange_xml"
    label = "Stack Exchange data dump"
    containers = frozenset({"xml"})

    def recognises(self, look: Look) -> bool:
        return self.role(look) is not None

    def stage(self, look: Look, context: ReadContext) -> Staged:
        if self.role(look) == COMPANION:
            raise ImportProblem("Users.xml only describes the users of a Stack Exchange site: "
                                "import it together with Posts.xml.")
        return stage_stackexchange(context.scratch, look.source, look.companion, tz=context.tz,
                                   site=site_name(look.source))

    def role(self, look: Look) -> str | None:
        return {"posts": MAIN, "users": COMPANION}.get(look.xml_root or "")
