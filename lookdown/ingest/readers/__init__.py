"""The readers, one module per export format, and choosing the one a file needs.

Every reader implements the same small interface (lookdown.ingest.readers.base.Reader) and is
listed once in BUILT_IN_READERS, in the order they are asked: the first that recognises a file
reads it. Adding an export format means adding one module here and one entry below.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lookdown.contract import TEMPLATES
from lookdown.ingest.readers.base import MAIN, Look, ReadContext, Reader
from lookdown.ingest.readers.identity_map import IdentityMapReader
from lookdown.ingest.readers.slack_analytics import SlackAnalyticsReader
from lookdown.ingest.readers.slack_export import SlackExportReader
from lookdown.ingest.readers.stackexchange import StackExchangeReader
from lookdown.ingest.readers.teams import TeamsReader
from lookdown.ingest.readers.templates import MappedReader, NeedsMapping, TemplateReader
from lookdown.ingest.readers.viva_engage import VivaEngageReader
from lookdown.ingest.sources import Source, Workspace
from lookdown.ingest.stage import ImportProblem, Scratch, Staged
from lookdown.store import Database

# Asked in this order. Templates first (an exact match is never a platform export); the mapped
# reader last, as it takes every table-shaped file the others left.
BUILT_IN_READERS: tuple[Reader, ...] = (
    TemplateReader(),
    SlackExportReader(),
    TeamsReader(),
    SlackAnalyticsReader(),
    VivaEngageReader(),
    StackExchangeReader(),
    IdentityMapReader(),
    MappedReader(),
)
_BY_KIND = {reader.kind: reader for reader in BUILT_IN_READERS}
# What an import can report a file as: a reader's kind, or why no reader took it.
FILE_KINDS = (*_BY_KIND, "needs_mapping", "unknown")
READER_LABELS = {reader.kind: reader.label for reader in BUILT_IN_READERS}

# Why no reader took a file, by its container.
_UNRECOGNISED = {
    "zip": "This ZIP is neither a Slack workspace export nor a Viva Engage export.",
    "xml": "This XML file is not a Stack Exchange data dump (Posts.xml).",
}


@dataclass
class Item:
    """One upload to be: a file, and the companion file some exports come with (Users.csv/.xml)."""

    source: Source
    companion: Source | None = None


def _paired_role(look: Look) -> tuple[str, str] | None:
    """(reader kind, MAIN or COMPANION) for a file of a two-file format, else None."""
    for reader in BUILT_IN_READERS:
        if look.container in reader.containers:
            role = reader.role(look)
            if role is not None:
                return reader.kind, role
    return None


def pair(sources: list[Source]) -> list[Item]:
    """Pair each companion (Users.csv, Users.xml) with a main file of the same format from the
    same folder (or the same batch of uploads); a companion left alone stays an item of its own."""
    roles = [_paired_role(Look(source)) for source in sources]
    used: set[int] = set()
    items: list[Item] = []
    for i, source in enumerate(sources):
        companion = None
        if roles[i] is not None and roles[i][1] == MAIN:
            for j, other in enumerate(sources):
                same_folder = source.path is None or other.path is None or source.path.parent == other.path.parent
                if j not in used and j != i and roles[j] is not None and roles[j][0] == roles[i][0] \
                        and roles[j][1] != MAIN and same_folder:
                    companion = other
                    used.add(j)
                    break
        items.append(Item(source, companion))
    return [item for i, item in enumerate(items) if i not in used]


def reader_for(look: Look, context: ReadContext) -> Reader:
    """The reader a file needs: the one the user chose, or the first that recognises it."""
    source = look.source
    if look.container is None:
        raise ImportProblem(f"Lookdown cannot read {source.suffix} files here. For Slack, upload the whole "
                            "export ZIP.")
    if look.container == "table":
        headers = look.headers
        if not any(h.strip() for h in headers):
            raise ImportProblem("The file has no header line.")
        if "\x00" in "".join(headers) or sum(len(h) for h in headers) > 20000:
            raise ImportProblem("This does not look like a CSV or Excel file.")
        if context.mapping is not None:
            return _BY_KIND["mapped"]
    if context.as_kind is not None:
        chosen = _BY_KIND.get(context.as_kind)
        if context.as_kind in TEMPLATES:
            chosen = _BY_KIND["template"]
        if chosen is not None and look.container in chosen.containers:
            return chosen
        if look.container == "table":
            return _BY_KIND["mapped"]
        raise ImportProblem(_UNRECOGNISED[look.container])
    for reader in BUILT_IN_READERS:
        if look.container in reader.containers and reader.recognises(look):
            return reader
    raise ImportProblem(_UNRECOGNISED[look.container])


def stage_item(
    scratch: Scratch,
    workspace: Workspace,
    item: Item,
    *,
    db: Database | None,
    tz: str,
    today: date,
    as_kind: str | None = None,
    mapping: tuple[str, dict[str, str]] | None = None,
) -> Staged:
    """Read one file (and its companion) as the reader its content, or the user, calls for."""
    if as_kind is not None and as_kind not in FILE_KINDS and as_kind not in TEMPLATES:
        raise ImportProblem(f"Unknown kind '{as_kind}'. Kinds: {', '.join(FILE_KINDS[:-2])} or a table name.")
    if item.source.is_blank():
        raise ImportProblem("The file is empty.")
    look = Look(item.source, workspace, item.companion)
    context = ReadContext(scratch, tz, today, db=db, as_kind=as_kind, mapping=mapping)
    return reader_for(look, context).stage(look, context)


__all__ = ["BUILT_IN_READERS", "FILE_KINDS", "READER_LABELS", "Item", "NeedsMapping", "pair", "reader_for",
           "stage_item"]
