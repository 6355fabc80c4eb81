"""The CSV templates (lookdown.contract), and exports with their own column names mapped onto one.

What the format is: a delimited text file (or an XLSX workbook's first sheet) with a header line,
one row per record, in the columns of a template (README: "Your data: the CSV contract"), or in
the LMS's or HR system's own columns with a mapping onto one.

What it cannot see: columns outside the template (ignored, with a notice), and anything the
export leaves out; a mapping is only as right as the person who confirmed it.

A file whose headers are a template's columns is read as that template. A file with other
headers is read through a column mapping: given with the file, saved for files with the same
headers, or suggested when the user names the table. A file no mapping fits asks for one
(NeedsMapping), with the closest template and its columns suggested.
"""
from __future__ import annotations

from lookdown.contract import TEMPLATES
from lookdown.ingest.mapping import (
    Suggestion,
    best_suggestion,
    exact_template,
    saved_mapping,
    suggest_mapping,
    template_mapping,
)
from lookdown.ingest.readers.base import Look, ReadContext, Reader
from lookdown.ingest.stage import ImportProblem, Staged, stage_template_csv


class NeedsMapping(ImportProblem):
    """An export with its own headers: the user must confirm a mapping onto a template."""

    def __init__(self, headers: list[str], suggestion: Suggestion):
        self.headers = headers
        self.suggestion = suggestion
        missing = f" (missing: {', '.join(suggestion.missing_required)})" if suggestion.missing_required else ""
        super().__init__(
            f"The columns do not match a template. The closest is '{suggestion.table}'{missing}: "
            "confirm a column mapping to import it."
        )


def _forced_table(context: ReadContext) -> str | None:
    return context.as_kind if context.as_kind in TEMPLATES else None


class TemplateReader(Reader):
    """Headers that are exactly a template's columns (in any order and case)."""

    kind = "template"
    label = "CSV template"
    containers = frozenset({"table"})

    def recognises(self, look: Look) -> bool:
        return exact_template(look.headers) is not None

    def stage(self, look: Look, context: ReadContext) -> Staged:
        table = exact_template(look.headers)
        forced = _forced_table(context)
        if table is None or forced not in (None, table):
            return MappedReader().stage(look, context)
        return stage_template_csv(context.scratch, look.csv, table, template_mapping(look.headers, table),
                                  tz=context.tz, today=context.today)



class MappedReader(Reader):
    """Any other delimited file or workbook: read through a column mapping onto a template. Last
    in the list of readers, as it takes every table-shaped file the others left."""

    kind = "mapped"
    label = "your own columns (saved mapping)"
    containers = frozenset({"table"})

    def recognises(self, look: Look) -> bool:
        return True

    def stage(self, look: Look, context: ReadContext) -> Staged:
        csv, headers, forced = look.csv, look.headers, _forced_table(context)

        def staged(table: str, columns: dict[str, str]) -> Staged:
            return stage_template_csv(context.scratch, csv, table, columns, tz=context.tz, today=context.today,
                                      file_kind=self.kind)

        if context.mapping is not None:
            return staged(*context.mapping)
        saved = saved_mapping(context.db, headers)
        if saved is not None and forced in (None, saved[0]):
            return staged(*saved)
        if forced is not None:
            columns = {h: c for h, c in suggest_mapping(headers, forced).items() if c}
            try:
                return staged(forced, columns)
            except ImportProblem as problem:
                raise ImportProblem(f"{problem} Map the columns first.") from problem
        raise NeedsMapping(headers, best_suggestion(headers))
