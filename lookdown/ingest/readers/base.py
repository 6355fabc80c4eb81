"""What every reader implements: how it recognises a file, and how it stages it.

A reader is one module in this folder with a class that has a `kind` (its name in FILE_KINDS),
a `label` (how the Upload page names the format), the `containers` it reads ("zip", "xml" or
"table": a delimited text file or a workbook), `recognises(look)` and `stage(look, context)`.
Readers that come in two files (Viva Engage's Messages.csv with Users.csv, Stack Exchange's
Posts.xml with Users.xml) also say which `role` a file plays, so the two can be paired.
Built-in readers are listed once, in `lookdown.ingest.readers.BUILT_IN_READERS`; a new export
format is a new module and one entry there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from lookdown.ingest.sources import (
    CsvText,
    Source,
    Workspace,
    csv_text,
    decode,
    first_record,
    parse_header,
    sniff_delimiter,
    xml_root,
    zip_members,
)
from lookdown.ingest.stage import Scratch, Staged

if TYPE_CHECKING:
    from lookdown.store import Database

MAIN = "main"            # a file a reader imports (Messages.csv, Posts.xml)
COMPANION = "companion"  # a file read only beside its main one (Users.csv, Users.xml)


@dataclass
class Look:
    """One file, looked at once and shared by every reader's `recognises`: what container it is,
    and (lazily, so a ZIP is never read as text) its ZIP members, XML root or header line."""

    source: Source
    workspace: Workspace | None = None  # where a workbook is converted; None: a quick look
    companion: Source | None = None     # the file paired with this one, if any

    @cached_property
    def container(self) -> str | None:
        """'zip', 'xml', 'table' (delimited text or a workbook), or None: a format no reader takes."""
        if self.source.is_zip and not self.source.is_xlsx:
            return "zip"
        if self.source.is_xml:
            return "xml"
        if self.source.suffix in (".json", ".pdf", ".docx", ".pptx", ".zip"):
            return None
        return "table"

    @cached_property
    def members(self) -> list[str]:
        """The file names inside a ZIP."""
        return zip_members(self.source) if self.container == "zip" else []

    @cached_property
    def xml_root(self) -> str | None:
        """The root element's name ('posts', 'users', ...), read from the first tags only."""
        return xml_root(self.source) if self.container == "xml" else None

    @cached_property
    def csv(self) -> CsvText:
        """The file as delimited text (a workbook's first sheet converted into the workspace)."""
        if self.workspace is None:
            raise ValueError("A quick look cannot read the whole file.")
        return csv_text(self.source, self.workspace)

    @cached_property
    def headers(self) -> list[str]:
        """The header line's names: from the whole file when staging, from its first 64 KB on a
        quick look (pairing companions, where a workbook is not converted)."""
        if self.container != "table":
            return []
        if self.workspace is not None:
            return self.csv.headers
        if self.source.is_xlsx:
            return []
        text, _ = decode(self.source.head(65536))
        header = first_record(text)
        return parse_header(header, sniff_delimiter(header))


@dataclass
class ReadContext:
    """What staging needs besides the file: where to read, the settings, and the user's choices."""

    scratch: Scratch
    tz: str
    today: date
    db: Database | None = None  # saved column mappings; None for a preview without a database
    as_kind: str | None = None  # a FILE_KINDS value or a table name the user chose
    mapping: tuple[str, dict[str, str]] | None = None  # (table, {header: column}) given for this file


class Reader:
    """The interface of every reader: a subclass sets kind, label and containers and implements
    recognises and stage; only readers of two-file formats override role."""

    kind: str
    label: str
    containers: frozenset[str]

    def recognises(self, look: Look) -> bool:
        """Whether this is the reader for the file (cheap: from the container, members or header)."""
        raise NotImplementedError

    def stage(self, look: Look, context: ReadContext) -> Staged:
        """Read and check the file into a Staged; ImportProblem with a reason the user can act on."""
        raise NotImplementedError

    def role(self, look: Look) -> str | None:
        """MAIN or COMPANION for formats that come in two files; None otherwise."""
        return None
