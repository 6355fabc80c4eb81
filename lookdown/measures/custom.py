"""The organisation's own measures (measures/custom/*.sql): their SQL runs only in the sandbox,
and the privacy guard does not take its word for who a cell describes.

A custom query could claim `5 as people` while listing one person per row, or name a person as
its segment. So its cells keep only the segments the segmentation knows (departments, cohorts,
locations, job levels, 'All', 'Rest', 'Unknown'), lose the `people` column, and go through the
engine's own frame (frame.sql), where the size of each group is the engine's headcount; then the
same guard as every built-in measure, complementary suppression included.
"""
from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from lookdown.measures.catalogue import OUTPUT_COLUMNS, PARAMETERS, Measure
from lookdown.measures.sandbox import Sandbox, SandboxError
from lookdown.store import Database, audit

# The segments a segmentation knows, as the engine's cursor sees them (the groups the privacy
# guard shows, when it shows some segments together).
KNOWN_SEGMENTS_SQL = (
    "select segment from person_segments($by) "
    "union select segment from department_segments($by) "
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


def custom_cells(db: Database, cur: duckdb.DuckDBPyConnection, measure: Measure, *, grain: str, by: str,
                 start: date, end: date, prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None
                 ) -> tuple[pd.DataFrame, int]:
    """The custom measure's cells of the segments `cur` knows, without a `people` column of its
    own, and how many rows named a segment it does not know (left out). `prepare` readies the
    sandbox's cursor as the engine's (the groups the guard shows) before the query runs."""
    rows = sandbox_for(db).run(measure.sql, {"grain": grain, "by": by, "start": start, "end": end},
                               allowed_parameters=PARAMETERS, prepare=prepare)
    if rows.columns != OUTPUT_COLUMNS:
        raise SandboxError(f"returns the columns {rows.columns}; a measure returns {OUTPUT_COLUMNS}")
    if rows.truncated:
        raise SandboxError(f"returns more than {len(rows.rows):,} rows: a measure gives one row per period and "
                           "segment")
    cells = pd.DataFrame(rows.rows, columns=OUTPUT_COLUMNS).drop(columns="people")
    known = {segment for (segment,) in cur.execute(KNOWN_SEGMENTS_SQL, {"by": by}).fetchall()}
    keep = cells["segment"].astype(str).isin(known)
    cells = cells[keep].assign(segment=lambda frame: frame["segment"].astype(str))
    try:
        cells = cells.assign(period=pd.to_datetime(cells["period"]).dt.date,
                             value=pd.to_numeric(cells["value"], errors="raise").astype(float))
    except (ValueError, TypeError) as error:
        raise SandboxError(f"its period must be a date and its value a number ({error})") from None
    return cells.reset_index(drop=True), int((~keep).sum())




# -- writing one: a template, a copy, saving it, and a value test to go with it -----------------

_NAME = re.compile(r"^[a-z][a-z0-9_]{2,60}$")

TEMPLATE = """-- name: {name}
-- label: What it counts, in a few words
-- description: One or two sentences an L&D leader understands: what is counted, and why it
--   should shrink (or grow) when colleagues learn from each other.
-- pillar: cost
-- unit: requests
-- format: ,.0f
-- direction: down
-- sources: training
-- fill: zero

with counted as (
    select
        date_trunc($grain, t.requested_on)::date as period,
        coalesce(ps.segment, ds.segment, unknown_segment($by)) as segment,
        t.person_key
    from training as t
    left join person_segments($by) as ps on ps.person_key = t.person_key
    left join department_segments($by) as ds on ds.department = t.department and t.person_key is null
    where t.requested_on between $start and $end
),

final as (
    select period, segment, count(*) as value, count(distinct person_key) as people
    from counted
    group by period, segment
)

select * from final
"""


def check_name(name: str) -> str:
    """A measure's name is its file's name: lower-case letters, digits and underscores."""
    if not _NAME.match(name or ""):
        raise ValueError("A measure's name is 3 to 61 lower-case letters, digits or underscores, starting with a "
                         f"letter (it becomes the file name): '{name}' is not.")
    return name


def blank_measure(name: str) -> str:
    """The text of a new measure: a header to fill in and a query that runs as it is."""
    return TEMPLATE.format(name=check_name(name))


def copy_of(measure: Measure, name: str) -> str:
    """The text of a built-in (or custom) measure under a new name, to change."""
    text = measure.path.read_text(encoding="utf-8") if measure.path else ""
    return text.replace(f"-- name: {measure.name}", f"-- name: {check_name(name)}", 1)


def save_custom(db: Database, folder: Path, name: str, text: str, *, catalogue) -> Path:
    """Write a checked custom measure into `folder` (measures/custom/ by default), where it
    appears everywhere measures appear and can be reviewed in version control. Editors only;
    the audit trail names the file. Refused (ValueError, with every problem) when it does not
    pass the catalogue's checks."""
    from lookdown.measures.catalogue import check_custom

    file_name = f"{check_name(name)}.sql"
    measure, problems = check_custom(text, file_name, {m.name: m for m in catalogue})
    if measure is None:
        raise ValueError("Not saved: " + "; ".join(problems))
    with db.change("save custom measures") as cur:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / file_name
        existed = target.exists()
        target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        audit.record(cur, "measure", f"{'changed' if existed else 'added'} measures/custom/{file_name} "
                                     f"({measure.label})")
    return target


def value_test_skeleton(measure: Measure) -> str:
    """A hand-worked value test to write beside a new measure (as the built-in ones have in
    tests/measures/cases.py): a few rows in, the exact cells out."""
    return f'''"""A value test for the custom measure {measure.name}: a few rows in, the cells worked out by hand."""
from datetime import date

import pandas as pd

from lookdown.ingest.write import load_frames
from lookdown.measures import Catalogue, run_measure


def test_{measure.name}_counts_what_it_says(db):
    load_frames(db, {{
        "people": pd.DataFrame([{{"person_id": "ann@example.com", "department": "Sales", "hire_date": "2023-01-01"}}]),
        # ... rows of {", ".join(measure.sources) or "the tables it reads"}, as in the CSV templates
    }}, kind="test", source="test")
    measure = Catalogue.load()["{measure.name}"]
    result = run_measure(db, measure, grain="month", by="none", start=date(2024, 1, 1), end=date(2024, 2, 29),
                         min_group_size=3)
    cells = list(result.frame[["period", "segment", "value"]].itertuples(index=False, name=None))
    assert cells == [
        # (pd.Timestamp("2024-01-01"), "All", 1.0),  <- the values you worked out by hand
    ]
'''


__all__ = ["KNOWN_SEGMENTS_SQL", "TEMPLATE", "blank_measure", "check_name", "copy_of", "custom_cells", "sandbox_for",
           "save_custom", "value_test_skeleton"]
