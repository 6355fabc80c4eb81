"""The organisation's own measures (measures/custom/*.sql): their SQL runs only in the sandbox,
and the privacy guard does not take its word for who a cell describes.

A custom query could claim `5 as people` while listing one person per row, or name a person as
its segment. So its cells keep only the segments the segmentation knows (departments, cohorts,
locations, job levels, 'All', 'Rest', 'Unknown'), lose the `people` column, and go through the
engine's own frame (frame.sql), where the size of each group is the engine's headcount; then the
same guard as every built-in measure, complementary suppression included.
"""
from __future__ import annotations

import threading
import weakref
from datetime import date

import pandas as pd

from lookdown.measures.catalogue import OUTPUT_COLUMNS, PARAMETERS, Measure
from lookdown.measures.sandbox import Sandbox, SandboxError
from lookdown.store import Database

# The segments a segmentation knows, from the engine's own maps and headcounts.
KNOWN_SEGMENTS_SQL = (
    "select segment from person_segment_map where by_key = $by "
    "union select segment from department_segment_map where by_key = $by "
    "union select segment from headcount_rollup where by_key = $by "
    "union select unknown_segment($by)"
)

_sandboxes: weakref.WeakKeyDictionary[Database, Sandbox] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def sandbox_for(db: Database) -> Sandbox:
    """One sandbox per open database, refreshed as its data changes."""
    with _lock:
        if db not in _sandboxes:
            box = _sandboxes[db] = Sandbox(db)
            weakref.finalize(db, box.close)  # its snapshot goes when the database object does
        return _sandboxes[db]


def custom_cells(db: Database, measure: Measure, *, grain: str, by: str, start: date, end: date
                 ) -> tuple[pd.DataFrame, int]:
    """The custom measure's cells of known segments, without a `people` column of its own, and
    how many rows named a segment the segmentation does not know (left out)."""
    rows = sandbox_for(db).run(measure.sql, {"grain": grain, "by": by, "start": start, "end": end},
                               allowed_parameters=PARAMETERS)
    if rows.columns != OUTPUT_COLUMNS:
        raise SandboxError(f"returns the columns {rows.columns}; a measure returns {OUTPUT_COLUMNS}")
    if rows.truncated:
        raise SandboxError(f"returns more than {len(rows.rows):,} rows: a measure gives one row per period and "
                           "segment")
    cells = pd.DataFrame(rows.rows, columns=OUTPUT_COLUMNS).drop(columns="people")
    known = {segment for (segment,) in db.cursor().execute(KNOWN_SEGMENTS_SQL, {"by": by}).fetchall()}
    keep = cells["segment"].astype(str).isin(known)
    cells = cells[keep].assign(segment=lambda frame: frame["segment"].astype(str))
    try:
        cells = cells.assign(period=pd.to_datetime(cells["period"]).dt.date,
                             value=pd.to_numeric(cells["value"], errors="raise").astype(float))
    except (ValueError, TypeError) as error:
        raise SandboxError(f"its period must be a date and its value a number ({error})") from None
    return cells.reset_index(drop=True), int((~keep).sum())


__all__ = ["KNOWN_SEGMENTS_SQL", "custom_cells", "sandbox_for"]
