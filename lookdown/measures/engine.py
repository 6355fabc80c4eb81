"""The measure engine: binds `$start`, `$end`, `$grain` and `$by`, completes the period x segment
grid with headcounts (frame.sql), and passes every result through the privacy guard before it
leaves this module: nothing outside it sees a cell the guard has not seen.

A segmented measure runs for the groups the guard's disclosure plan shows (guard.py): where the
plan shows segments together, the measure's SQL sees them as one group (shown_groups.sql), so it
is computed for them together, rates and medians included, and no figure for one of them alone
is ever computed.
"""
from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from lookdown.contract import SEGMENTATIONS
from lookdown.measures.catalogue import OUTPUT_COLUMNS, Measure
from lookdown.measures.custom import custom_cells
from lookdown.measures.guard import Grouping, check_min_group_size, disclosure_plan, guard
from lookdown.periods import GRAINS, next_period, period_start
from lookdown.store import Database

FRAME_SQL = Path(__file__).with_name("frame.sql").read_text()
SHOWN_GROUPS_SQL = Path(__file__).with_name("shown_groups.sql").read_text()
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
    grouping: Grouping | None = None  # how the guard showed the segments (None: not segmented)

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
    _check_segmentation(db, measure, by)
    min_size = check_min_group_size(min_group_size if min_group_size is not None else db.min_group_size)
    if not measure.segmentable:  # an organisation-wide figure (marketing spend): about no group of people
        frame, start, end = _compute(db, measure, grain, by, start, end, None)
        guarded = guard(frame, min_size, organisation_wide=True)
        return MeasureResult(measure, guarded, grain, by, start, end, min_size)
    plan = disclosure_plan(db, min_size)
    grouping = plan.grouping(by)
    frame, start, end = _compute(db, measure, grain, by, start, end, grouping)
    guarded = guard(frame, min_size, sizes=plan.group_sizes(by, grain) if grouping else None,
                    unsafe=plan.unsafe(by, grain))
    return MeasureResult(measure, guarded, grain, by, start, end, min_size, grouping)


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
    """A count or sum for groups made of the department groups the guard shows (`groups` maps a
    department group, such as 'Sales' or 'Smaller departments', to its group; every other one,
    and people of unknown department, form `others`), guarded as groups.

    The guard shows departments only as groups of at least the minimum size in every period, so
    any groups made of them differ from one another by at least that many people: no pilot with
    and without a small department can be subtracted. Rates and medians cannot be added up, so
    they are refused.
    """
    if measure.fill != "zero" or not measure.segmentable:
        raise ValueError(f"{measure.label} is not a count or a sum, so departments cannot be added up.")
    _check_segmentation(db, measure, "department")
    min_size = check_min_group_size(min_group_size if min_group_size is not None else db.min_group_size)
    plan = disclosure_plan(db, min_size)
    grouping = plan.grouping("department")
    outside = sorted(set(groups) - set(grouping.groups))
    if outside:
        raise ValueError(f"Not a department group shown: {', '.join(outside)}. "
                         f"Department groups: {', '.join(grouping.groups)}")
    frame, start, end = _compute(db, measure, grain, "department", start, end, grouping)
    named = {group: groups.get(group, others) for group in plan.group_sizes("department", grain).columns}
    frame["segment"] = frame["segment"].map(named).fillna(others)
    grouped = frame.groupby(["period", "segment"], as_index=False).agg(
        value=("value", lambda v: v.sum(min_count=1)),
        people=("people", lambda p: p.sum(min_count=1)),
    )
    grouped["people"] = grouped["people"].astype("Int64")
    grouped = grouped.sort_values(["period", "segment"]).reset_index(drop=True)
    sizes = plan.group_sizes("department", grain).T.groupby(named).sum().T
    guarded = guard(grouped, min_size, sizes=sizes, unsafe=plan.unsafe("department", grain, named))
    return MeasureResult(measure, guarded, grain, "cohort", start, end, min_size)


def _compute(db: Database, measure: Measure, grain: str, by: str, start: date | None, end: date | None,
             grouping: Grouping | None) -> tuple[pd.DataFrame, date | None, date | None]:
    """The measure's cells for the plan's groups, before the privacy guard; private to this module
    so nothing skips it."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not '{grain}'")

    coverage = db.coverage()
    start = start or coverage.start
    end = end or coverage.end
    if grouping is not None and start is not None and end is not None:
        # Groups are judged whole periods at a time: a few days cut out of a period could hold
        # fewer of a group's people than the period does.
        start = period_start(start, grain)
        end = next_period(period_start(end, grain), grain) - timedelta(days=1)
    if start is None or end is None:  # nothing loaded at all
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                              zip(OUTPUT_COLUMNS, ["datetime64[ns]", "str", "float", "Int64"])})
        return empty, start, end

    # Counts are 0 only where the measure's own tables have data: a gap in the training records
    # is missing data, not a month without training requests.
    fill_from, fill_to = coverage.range_of(measure.sources) or (coverage.start, coverage.end)
    params = {"grain": grain, "by": by, "start": start, "end": end,
              "zero_fill": measure.fill == "zero", "fill_from": fill_from, "fill_to": fill_to}
    cur = db.cursor()
    shown = grouping is not None and grouping.merged
    if shown:
        _show_groups(cur, grouping)
    if measure.custom:
        # The organisation's own SQL runs in the sandbox, seeing the groups shown as this cursor
        # does; here its cells are data, and each group's size is the engine's headcount, never
        # the query's word (lookdown.measures.custom).
        cells, _ = custom_cells(db, cur, measure, grain=grain, by=by, start=start, end=end,
                                prepare=(lambda sandboxed: _show_groups(sandboxed, grouping)) if shown else None)
        cur.register("ld_custom_cells", cells)
        sql = FRAME_SQL.replace("/* measure */", CUSTOM_CELLS_SQL)
    else:
        sql = FRAME_SQL.replace("/* measure */", measure.sql)
    frame = cur.execute(sql, params).df()
    frame["people"] = frame["people"].astype("Int64")
    frame["period"] = pd.to_datetime(frame["period"])
    return frame, start, end


def _check_segmentation(db: Database, measure: Measure, by: str) -> None:
    allowed = segmentations(db)
    if by not in allowed:
        raise ValueError(f"Cannot segment by '{by}'. Choose one of: {', '.join(allowed)}")
    if by != "none" and not measure.segmentable:
        raise ValueError(f"{measure.label} is an organisation-wide figure and cannot be split by {by}.")


def _show_groups(cur, grouping: Grouping) -> None:
    """Make the measure on this cursor see the segments of `grouping.by` as the groups shown."""
    unknown = cur.execute("select b, unknown_segment(b) from unnest($b::varchar[]) as t(b)",
                          {"b": list(SEGMENTATIONS)}).fetchall()
    cur.execute(SHOWN_GROUPS_SQL)
    segments = list(grouping.shown)
    cur.execute("insert into ld_shown_groups select $by, unnest($s::varchar[]), unnest($g::varchar[])",
                {"by": grouping.by, "s": segments, "g": [grouping.shown[s] for s in segments]})
    cur.execute("insert into ld_unknown_groups select unnest($b::varchar[]), unnest($g::varchar[])",
                {"b": [b for b, _ in unknown],
                 "g": [grouping.group_of(u) if b == grouping.by else u for b, u in unknown]})


