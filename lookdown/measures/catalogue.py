"""The measure catalogue: SQL files with a metadata header, loaded strictly.

A measure is one file `measures/<name>.sql`: a comment header of `-- key: value` lines, then one
SELECT returning `period, segment, value, people` (people = distinct people seen in the cell).
A catalogue with any problem (unknown or missing keys, unknown parameters, SQL that does not run
or returns other columns) does not load, and every problem is reported together.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from lookdown.contract import CANONICAL_TABLES, TABLE_LABELS
from lookdown.measures.sandbox import SandboxError, check_statement
from lookdown.store import empty_schema

MEASURES_DIR = Path(__file__).resolve().parents[2] / "measures"
CUSTOM_FOLDER = "custom"  # the organisation's own measures, inside the measures folder


def custom_dir() -> Path:
    """Where the organisation's own measures live: `LOOKDOWN_CUSTOM_MEASURES`, else measures/custom/."""
    return Path(os.environ.get("LOOKDOWN_CUSTOM_MEASURES") or MEASURES_DIR / CUSTOM_FOLDER)


PILLARS = ("collaboration", "engagement", "learning", "cost")


DIRECTIONS = ("down", "up", "neutral")


PARAMETERS = frozenset({"start", "end", "grain", "by"})


REQUIRED_KEYS = ("name", "label", "description", "pillar", "unit", "format", "direction", "sources")


OPTIONAL_KEYS = {"fill": "none", "segments": "any", "paired_with": ""}


OUTPUT_COLUMNS = ["period", "segment", "value", "people"]


_HEADER_LINE = re.compile(r"^-- ?([a-z_]+)\s*:\s*(.*)$")  # indented lines continue a value


_D3_FORMAT = re.compile(r"^[^{}]*?[,]?(\.\d+)?[%dfegsr~]?$")




class CatalogueError(ValueError):
    """Every problem found in the measure files, reported together."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Problems in the measure catalogue:\n" + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    description: str
    pillar: str
    unit: str
    format: str
    direction: str
    sources: tuple[str, ...]
    sql: str
    parameters: frozenset[str]
    fill: str = "none"
    segments: str = "any"
    paired_with: str = ""
    path: Path | None = field(default=None, compare=False)
    custom: bool = False  # written by the organisation (measures/custom/): runs in the sandbox

    @property
    def segmentable(self) -> bool:
        return self.segments == "any"

    def sources_text(self) -> str:
        """Where the numbers come from, in words: 'training records'."""
        return ", ".join(TABLE_LABELS.get(s, s) for s in self.sources) or "no table"

    def missing_data(self, empty_tables) -> str:
        """Why the measure has no figures when a table it reads is empty, else ''.

        Counting measures fill empty periods with 0, so without this check an empty table would
        read as a real zero (no marketing spend at all) rather than as data not loaded yet.
        """
        missing = [TABLE_LABELS.get(t, t) for t in self.sources if t in set(empty_tables)]
        if not missing:
            return ""
        return f"No data yet: nothing loaded in the {' and '.join(missing)}."

    def metadata(self) -> dict:
        """The header as a plain dict (for the CLI's JSON and the pages)."""
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "pillar": self.pillar,
            "unit": self.unit,
            "format": self.format,
            "direction": self.direction,
            "sources": list(self.sources),
            "fill": self.fill,
            "segments": self.segments,
            "paired_with": self.paired_with or None,
        }


def parse_measure(path: Path, *, custom: bool = False) -> tuple[Measure | None, list[str]]:
    """Read one measure file; return it, or None and the list of its problems."""
    return parse_measure_text(path.read_text(encoding="utf-8"), path.name, path=path, custom=custom)


def parse_measure_text(text: str, file_name: str, *, path: Path | None = None,
                       custom: bool = False) -> tuple[Measure | None, list[str]]:
    """A measure from the text of its file (named `file_name`: the name must be its stem), as
    the files are read and as the editor checks a draft; or None and the list of its problems."""
    problems: list[str] = []
    where = file_name
    stem = Path(file_name).stem
    header: dict[str, str] = {}
    body_lines: list[str] = []
    last_key = None
    in_header = True
    for lineno, line in enumerate(text.splitlines(), start=1):
        if in_header and line.startswith("--"):
            match = _HEADER_LINE.match(line)
            if match:
                key, value = match.group(1), match.group(2).strip()
                if key in header:
                    problems.append(f"{where}:{lineno}: '{key}' is given twice")
                header[key] = value
                last_key = key
            elif last_key and line[2:].strip():
                # An indented continuation line extends the previous value.
                header[last_key] = (header[last_key] + " " + line[2:].strip()).strip()
            continue
        if in_header and not line.strip() and not header:
            continue  # blank lines before the header
        in_header = False  # the header is the first block of comment lines; a blank line ends it
        body_lines.append(line)

    for key in header:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            problems.append(f"{where}: unknown header key '{key}'")
    for key in REQUIRED_KEYS:
        if not header.get(key):
            problems.append(f"{where}: missing header key '{key}'")
    values = {**OPTIONAL_KEYS, **header}

    if values.get("name") and values["name"] != stem:
        problems.append(f"{where}: name '{values['name']}' must equal the file name '{stem}'")
    for key, allowed in (("pillar", PILLARS), ("direction", DIRECTIONS),
                         ("fill", ("zero", "none")), ("segments", ("any", "none"))):
        if values.get(key) and values[key] not in allowed:
            problems.append(f"{where}: {key} '{values[key]}' is not one of {', '.join(allowed)}")
    if values.get("format") and not _D3_FORMAT.match(values["format"]):
        problems.append(f"{where}: format '{values['format']}' is not a d3 number format such as ',.0f' or '.1%'")
    sources = tuple(s.strip() for s in values.get("sources", "").split(",") if s.strip())
    for source in sources:
        if source not in CANONICAL_TABLES:
            problems.append(f"{where}: source '{source}' is not one of {', '.join(CANONICAL_TABLES)}")

    sql = "\n".join(body_lines).strip().rstrip(";").strip()
    parameters: frozenset[str] = frozenset()
    if not sql:
        problems.append(f"{where}: no SQL after the header")
    else:
        try:  # DuckDB's own parser judges the statement: one read-only SELECT, known parameters
            parameters = check_statement(sql, PARAMETERS)
        except SandboxError as refused:
            problems.append(f"{where}: {refused}")
    if problems:
        return None, problems
    return Measure(
        name=values["name"], label=values["label"], description=values["description"],
        pillar=values["pillar"], unit=values["unit"], format=values["format"],
        direction=values["direction"], sources=sources, sql=sql, parameters=parameters,
        fill=values["fill"], segments=values["segments"], paired_with=values["paired_with"],
        path=path, custom=custom,
    ), []


class Catalogue:
    """All measures, validated together. The built-in ones load strictly: a catalogue with any
    problem in them does not load. The organisation's own (measures/custom/) are checked the same
    way one by one; one with a problem is left out and listed in `rejected`, so an analyst's
    draft never takes the pages down."""

    def __init__(self, measures: dict[str, Measure], rejected: dict[str, list[str]] | None = None):
        self._measures = dict(sorted(measures.items()))
        self.rejected = dict(rejected or {})  # custom file name -> its problems

    @classmethod
    def load(cls, directory: Path = MEASURES_DIR, *, custom: Path | None = None, check_sql: bool = True) -> Catalogue:
        measures: dict[str, Measure] = {}
        problems: list[str] = []
        paths = sorted(Path(directory).glob("*.sql"))
        if not paths:
            problems.append(f"no measure files in {directory}")
        for path in paths:
            measure, found = parse_measure(path)
            problems.extend(found)
            if measure:
                measures[measure.name] = measure
        for measure in measures.values():
            if measure.paired_with and measure.paired_with not in measures:
                problems.append(f"{measure.name}.sql: paired_with '{measure.paired_with}' is not a measure")
        if check_sql and not problems:
            problems.extend(_check_sql(measures.values()))
        if problems:
            raise CatalogueError(problems)
        rejected: dict[str, list[str]] = {}
        if custom is None:
            custom = custom_dir() if Path(directory) == MEASURES_DIR else Path(directory) / CUSTOM_FOLDER
        for path in sorted(Path(custom).glob("*.sql")):
            measure, found = check_custom(path.read_text(encoding="utf-8"), path.name, measures, path=path,
                                          check_sql=check_sql)
            if measure is None:
                rejected[path.name] = found
            else:
                measures[measure.name] = measure
        return cls(measures, rejected)

    def __getitem__(self, name: str) -> Measure:
        try:
            return self._measures[name]
        except KeyError:
            raise KeyError(f"No measure named '{name}'. Known measures: {', '.join(self._measures)}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._measures

    def __iter__(self):
        return iter(self._measures.values())

    def __len__(self) -> int:
        return len(self._measures)

    def by_pillar(self, pillar: str) -> list[Measure]:
        return [m for m in self if m.pillar == pillar]


def check_custom(text: str, file_name: str, built_in: Mapping[str, Measure], *, path: Path | None = None,
                 check_sql: bool = True) -> tuple[Measure | None, list[str]]:
    """A measure the organisation wrote, checked as strictly as the built-in ones (its header,
    one read-only SELECT judged by DuckDB's parser, known parameters, SQL that compiles to
    `period, segment, value, people`), and not taking a built-in measure's name."""
    measure, problems = parse_measure_text(text, file_name, path=path, custom=True)
    if measure is None:
        return None, problems
    if measure.name in built_in and not built_in[measure.name].custom:
        return None, [f"{file_name}: '{measure.name}' is a built-in measure: give yours another name"]
    if measure.paired_with and measure.paired_with not in built_in:
        return None, [f"{file_name}: paired_with '{measure.paired_with}' is not a measure"]
    problems = _check_sql([measure]) if check_sql else []
    return (None, problems) if problems else (measure, [])


def _check_sql(measures) -> list[str]:
    """Compile every measure against an empty database and check its output columns."""
    problems = []
    cur = empty_schema()
    try:
        for measure in measures:
            sql = f"select * from ({measure.sql}) limit 0"
            params = _bind(measure.parameters, grain="month", by="none",
                           start=date(2000, 1, 1), end=date(2000, 12, 31))
            try:
                cur.execute(sql, params)
            except duckdb.Error as exc:
                problems.append(f"{measure.name}.sql: the SQL does not run: {str(exc).splitlines()[0]}")
                continue
            columns = [d[0] for d in cur.description]
            if columns != OUTPUT_COLUMNS:
                problems.append(
                    f"{measure.name}.sql: returns columns {columns}; it must return {OUTPUT_COLUMNS}"
                )
    finally:
        cur.close()
    return problems


def _bind(used: frozenset[str], **values) -> dict:
    """Only the parameters a statement uses: DuckDB rejects unused ones."""
    return {name: values[name] for name in used}
