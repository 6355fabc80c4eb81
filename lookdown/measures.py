"""The measure catalogue (SQL files with a metadata header), the engine and the privacy guard.

A measure is one file `measures/<name>.sql`: a comment header of `-- key: value` lines, then one
SELECT returning `period, segment, value, people` (people = distinct people seen in the cell).
The engine binds `$start`, `$end`, `$grain` and `$by`, completes the period x segment grid with
headcounts, and passes every result through the privacy guard before it leaves this module.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from lookdown.store import (
    CANONICAL_TABLES, GRAINS, SEGMENTATIONS, SMALLEST_ALLOWED_GROUP_SIZE, Database, empty_schema,
)

MEASURES_DIR = Path(__file__).resolve().parent.parent / "measures"
FRAME_SQL = Path(__file__).with_name("measure_frame.sql").read_text()

PILLARS = ("collaboration", "engagement", "learning", "cost")
DIRECTIONS = ("down", "up", "neutral")
PARAMETERS = frozenset({"start", "end", "grain", "by"})
REQUIRED_KEYS = ("name", "label", "description", "pillar", "unit", "format", "direction", "sources")
OPTIONAL_KEYS = {"fill": "none", "segments": "any", "paired_with": ""}
OUTPUT_COLUMNS = ["period", "segment", "value", "people"]
# Segmentations by person attribute; each is offered only when some person has a value for it.
ALWAYS_OFFERED = ("none", "department", "cohort")
PEOPLE_ATTRIBUTES = tuple(s for s in SEGMENTATIONS if s not in ALWAYS_OFFERED)
# One scan telling which person attributes have values; names from the constant allowlist.
_ATTRIBUTES_PRESENT_SQL = "select " + ", ".join(f"count({a}) > 0" for a in PEOPLE_ATTRIBUTES) + " from people"

_HEADER_LINE = re.compile(r"^-- ?([a-z_]+)\s*:\s*(.*)$")  # indented lines continue a value
_D3_FORMAT = re.compile(r"^[^{}]*?[,]?(\.\d+)?[%dfegsr~]?$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


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

    @property
    def segmentable(self) -> bool:
        return self.segments == "any"

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


def _strip_comments_and_strings(sql: str) -> str:
    sql = re.sub(r"--[^\n]*", " ", sql)
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def parse_measure(path: Path) -> tuple[Measure | None, list[str]]:
    """Read one measure file; return it, or None and the list of its problems."""
    problems: list[str] = []
    where = path.name
    header: dict[str, str] = {}
    body_lines: list[str] = []
    last_key = None
    in_header = True
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
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

    if values.get("name") and values["name"] != path.stem:
        problems.append(f"{where}: name '{values['name']}' must equal the file name '{path.stem}'")
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
    bare = _strip_comments_and_strings(sql)
    if not sql:
        problems.append(f"{where}: no SQL after the header")
    elif ";" in bare:
        problems.append(f"{where}: must hold exactly one SELECT statement")
    elif not re.match(r"^\s*(with|select|from)\b", bare, re.I):
        problems.append(f"{where}: the SQL must be a query (start with WITH, SELECT or FROM)")
    parameters = frozenset(_PARAM.findall(bare))
    unknown = parameters - PARAMETERS
    if unknown:
        problems.append(
            f"{where}: unknown parameter(s) {', '.join('$' + p for p in sorted(unknown))}; "
            f"allowed: {', '.join('$' + p for p in sorted(PARAMETERS))}"
        )
    if problems:
        return None, problems
    return Measure(
        name=values["name"], label=values["label"], description=values["description"],
        pillar=values["pillar"], unit=values["unit"], format=values["format"],
        direction=values["direction"], sources=sources, sql=sql, parameters=parameters,
        fill=values["fill"], segments=values["segments"], paired_with=values["paired_with"],
        path=path,
    ), []


class Catalogue:
    """All measures, validated together: a catalogue with any problem does not load."""

    def __init__(self, measures: dict[str, Measure]):
        self._measures = dict(sorted(measures.items()))

    @classmethod
    def load(cls, directory: Path = MEASURES_DIR, *, check_sql: bool = True) -> "Catalogue":
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
        return cls(measures)

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


# -- the engine ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureResult:
    """A guarded measure result: one row per period and segment."""

    measure: Measure
    frame: pd.DataFrame  # period, segment, value, people, suppressed
    grain: str
    by: str
    start: date | None
    end: date | None
    min_group_size: int

    @property
    def suppressed_cells(self) -> int:
        return int(self.frame["suppressed"].sum())


def segmentations(db: Database) -> list[str]:
    """The allowlist of segmentations for this database: fixed ones plus person attributes present."""
    present = db.cursor().execute(_ATTRIBUTES_PRESENT_SQL).fetchone()
    options = list(ALWAYS_OFFERED) + [a for a, here in zip(PEOPLE_ATTRIBUTES, present) if here]
    return options


def run_measure(
    db: Database,
    measure: Measure,
    *,
    grain: str = "month",
    by: str = "none",
    start: date | None = None,
    end: date | None = None,
    min_group_size: int | None = None,
) -> MeasureResult:
    """Compute a measure for a period range, grain and segmentation, then apply the privacy guard.

    With no range, the whole loaded range is used.
    """
    frame, start, end, min_size = _compute(db, measure, grain, by, start, end, min_group_size)
    guarded = guard(frame, min_size, segmented=by != "none", additive=measure.fill == "zero",
                    organisation_wide=not measure.segmentable)
    return MeasureResult(measure, guarded, grain, by, start, end, min_size)


def run_measures(
    db: Database,
    measures: list[Measure],
    *,
    workers: int = 4,
    **options,
) -> list[MeasureResult]:
    """`run_measure` for several measures with the same options, side by side: each runs on its
    own cursor and DuckDB works without holding Python's lock, so a page that shows a dozen
    measures waits for roughly the slowest few instead of all of them in turn."""
    if len(measures) < 2:
        return [run_measure(db, measure, **options) for measure in measures]
    with ThreadPoolExecutor(max_workers=min(workers, len(measures))) as pool:
        return list(pool.map(lambda measure: run_measure(db, measure, **options), measures))


def run_grouped(
    db: Database,
    measure: Measure,
    groups: Mapping[str, str],
    *,
    others: str = "Rest",
    grain: str = "month",
    start: date | None = None,
    end: date | None = None,
    min_group_size: int | None = None,
) -> MeasureResult:
    """A count or sum for groups of departments (`groups` maps a department to its group; every
    other department, and people of unknown department, form `others`), guarded as groups.

    The departments are added up before the guard runs, so a small department inside a large
    group counts in full, yet no figure about fewer people than the minimum leaves the engine.
    Rates and medians cannot be added up, so they are refused.
    """
    if measure.fill != "zero" or not measure.segmentable:
        raise ValueError(f"{measure.label} is not a count or a sum, so departments cannot be added up.")
    frame, start, end, min_size = _compute(db, measure, grain, "department", start, end, min_group_size)
    frame["segment"] = frame["segment"].map(groups).fillna(others)
    grouped = frame.groupby(["period", "segment"], as_index=False).agg(
        value=("value", lambda v: v.sum(min_count=1)),
        people=("people", lambda p: p.sum(min_count=1)),
    )
    grouped["people"] = grouped["people"].astype("Int64")
    grouped = grouped.sort_values(["period", "segment"]).reset_index(drop=True)
    guarded = guard(grouped, min_size, segmented=True, additive=True)
    return MeasureResult(measure, guarded, grain, "cohort", start, end, min_size)


def _compute(db: Database, measure: Measure, grain: str, by: str, start: date | None, end: date | None,
             min_group_size: int | None) -> tuple[pd.DataFrame, date | None, date | None, int]:
    """The measure's cells before the privacy guard; private to this module so nothing skips it."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not '{grain}'")
    allowed = segmentations(db)
    if by not in allowed:
        raise ValueError(f"Cannot segment by '{by}'. Choose one of: {', '.join(allowed)}")
    if by != "none" and not measure.segmentable:
        raise ValueError(f"{measure.label} is an organisation-wide figure and cannot be split by {by}.")
    min_size = min_group_size if min_group_size is not None else db.min_group_size
    if min_size < SMALLEST_ALLOWED_GROUP_SIZE:
        raise ValueError(f"The minimum group size cannot be below {SMALLEST_ALLOWED_GROUP_SIZE}.")

    coverage = db.coverage()
    start = start or coverage.start
    end = end or coverage.end
    if start is None or end is None:  # nothing loaded at all
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                              zip(OUTPUT_COLUMNS, ["datetime64[ns]", "str", "float", "Int64"])})
        return empty, start, end, min_size

    # Counts are 0 only where the measure's own tables have data: a gap in the training records
    # is missing data, not a month without training requests.
    fill_from, fill_to = coverage.range_of(measure.sources) or (coverage.start, coverage.end)
    sql = FRAME_SQL.replace("/* measure */", measure.sql)
    params = {"grain": grain, "by": by, "start": start, "end": end,
              "zero_fill": measure.fill == "zero", "fill_from": fill_from, "fill_to": fill_to}
    frame = db.cursor().execute(sql, params).df()
    frame["people"] = frame["people"].astype("Int64")
    frame["period"] = pd.to_datetime(frame["period"])
    return frame, start, end, min_size


def guard(frame: pd.DataFrame, min_group_size: int, *, segmented: bool, additive: bool = True,
          organisation_wide: bool = False) -> pd.DataFrame:
    """Suppress every cell describing fewer than `min_group_size` people.

    A cell whose group size is unknown is suppressed too, unless the measure is an
    organisation-wide figure (marketing spend) that describes no group of people.
    In a segmented result of an additive measure (a count or sum) the segments add up to the
    organisation's total, which anyone can ask for; so when a period has exactly one hidden cell,
    the next smallest is hidden too, and the hidden value cannot be recomputed by subtraction.
    Rates and medians cannot be recomputed that way, and their parts are themselves guarded counts.
    """
    out = frame.copy()
    people = out["people"]
    unknown = people.isna() & (not organisation_wide)
    small = (people.notna() & (people < min_group_size)).fillna(False) | unknown
    out["suppressed"] = small.astype(bool)
    if segmented and additive and len(out):
        informative = out["value"].notna()
        hidden = (out["suppressed"] & informative).groupby(out["period"]).transform("sum")
        candidates = out[~out["suppressed"] & informative & (hidden == 1)]
        # Per period, the candidate describing the fewest people (ties: by segment name).
        smallest = candidates.sort_values(["period", "people", "segment"]).drop_duplicates("period").index
        out.loc[smallest, "suppressed"] = True
    out.loc[out["suppressed"], "value"] = float("nan")
    return out.reset_index(drop=True)
