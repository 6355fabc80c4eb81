"""The measure engine: binds `$start`, `$end`, `$grain` and `$by`, completes the period x segment
grid with headcounts (frame.sql), and passes every result through the privacy guard before it
leaves this module: nothing outside it sees a cell the guard has not seen.
"""
from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from lookdown.contract import SEGMENTATIONS
from lookdown.measures.catalogue import OUTPUT_COLUMNS, Measure
from lookdown.measures.custom import custom_cells
from lookdown.measures.guard import check_min_group_size, guard
from lookdown.periods import GRAINS
from lookdown.store import Database

FRAME_SQL = Path(__file__).with_name("frame.sql").read_text()
# A custom measure's cells as frame.sql reads a measure: the group sizes come from the headcount.
CUSTOM_CELLS_SQL = ("select period::date as period, segment::varchar as segment, value::double as value, "
                    "null::bigint as people from ld_custom_cells")

# Segmentations by person attribute; each is offered only when some person has a value for it.
ALWAYS_OFFERED = ("none", "department", "cohort")
PEOPLE_ATTRIBUTES = tuple(s for s in SEGMENTATIONS if s not in ALWAYS_OFFERED)
# One scan telling which person attributes have values; names from the constant allowlist.
_ATTRIBUTES_PRESENT_SQL = "select " + ", ".join(f"count({a}) > 0" for a in PEOPLE_ATTRIBUTES) + " from people"


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
    min_size = check_min_group_size(min_group_size if min_group_size is not None else db.min_group_size)

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
    params = {"grain": grain, "by": by, "start": start, "end": end,
              "zero_fill": measure.fill == "zero", "fill_from": fill_from, "fill_to": fill_to}
    cur = db.cursor()
    if measure.custom:
        # The organisation's own SQL ran in the sandbox; here its cells are data, and each
        # group's size is the engine's headcount, never the query's word (lookdown.measures.custom).
        cells, _ = custom_cells(db, measure, grain=grain, by=by, start=start, end=end)
        cur.register("ld_custom_cells", cells)
        sql = FRAME_SQL.replace("/* measure */", CUSTOM_CELLS_SQL)
    else:
        sql = FRAME_SQL.replace("/* measure */", measure.sql)
    frame = cur.execute(sql, params).df()
    frame["people"] = frame["people"].astype("Int64")
    frame["period"] = pd.to_datetime(frame["period"])
    return frame, start, end, min_size


