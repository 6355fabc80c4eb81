"""The rollups measures read, refreshed inside every load's transaction for what it changed.

A load records what it writes (note_table_changes, note_activity_changes); refresh_rollups then
rebuilds the activity rollups for the days and threads it touched, and the segment maps and
headcounts only when their sources or the span of the facts changed.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from lookdown.contract import SEGMENTATIONS
from lookdown.periods import GRAINS
from lookdown.store.coverage import read_coverage

ROLLUPS_FILE = Path(__file__).with_name("rollups.sql")

# Where a transaction records the activity it changed (temp tables live in one cursor's session,
# and every transaction has its own cursor).
_CHANGED_DAYS = "ld_rollup_days"
_CHANGED_THREADS = "ld_changed_threads"
_EVERY_DAY = (date(1, 1, 1), date(9999, 12, 31))
# ... and the tables it wrote to, and the tables the segment maps and headcounts derive from
# (schema.sql: derive_person_segments, derive_department_segments, derive_headcount).
_CHANGED_TABLES = "ld_changed_tables"
SEGMENT_SOURCES = frozenset({"people", "cohorts", "training", "initiatives"})


def note_table_changes(cur: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> None:
    """Record, inside a load's transaction, the tables it writes to or deletes from, so that
    refresh_rollups rebuilds the segment maps and headcounts only when their sources changed, or
    the span of the facts did (they cost a quarter of a second on the demo: a small activity
    file took 0.6 s). A transaction that records no table rebuilds them."""
    cur.execute("create temp table if not exists " + _CHANGED_TABLES + " (table_name varchar)").fetchall()
    cur.execute("insert into " + _CHANGED_TABLES + " select unnest($t::varchar[])", {"t": list(tables)}).fetchall()


def _recorded(cur: duckdb.DuckDBPyConnection, temp_table: str) -> bool:
    """Did this transaction record anything in `temp_table` (it exists once something did)?"""
    ((exists,),) = cur.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = $t", {"t": temp_table}
    ).fetchall()
    return bool(exists)


def _changed_tables(cur: duckdb.DuckDBPyConnection) -> set[str] | None:
    """The tables the transaction recorded (note_table_changes); None when it recorded none."""
    if not _recorded(cur, _CHANGED_TABLES):
        return None
    return {name for (name,) in cur.execute("select distinct table_name from " + _CHANGED_TABLES).fetchall()}


def note_activity_changes(cur: duckdb.DuckDBPyConnection, rows_sql: str, params: dict | None = None) -> None:
    """Record, inside a load's transaction, the activity rows it inserts or deletes (a constant
    query returning their occurred_at and thread_id), so refresh_rollups rebuilds only their days
    and threads. Call it with no rows for a load that leaves activity alone. A transaction that
    records nothing gets a full rebuild: every writer of activity records its rows (write_rows,
    remove_upload) or rebuilds everything (the identity map, which re-keys loaded events)."""
    cur.execute("create temp table if not exists " + _CHANGED_DAYS + " (lo date, hi date)").fetchall()
    cur.execute("create temp table if not exists " + _CHANGED_THREADS + " (thread_id varchar)").fetchall()
    if not rows_sql:
        return
    cur.execute(
        "insert into " + _CHANGED_DAYS + " select min(occurred_at)::date, max(occurred_at)::date "
        "from (" + rows_sql + ") having count(*) > 0",
        params or {},
    ).fetchall()
    cur.execute(
        "insert into " + _CHANGED_THREADS + " select distinct thread_id from (" + rows_sql + ") "
        "where thread_id is not null",
        params or {},
    ).fetchall()


def _changed_activity(cur: duckdb.DuckDBPyConnection) -> tuple[date, date, bool] | None:
    """(first day, last day, every thread) of the activity rollups to rebuild; None: nothing."""
    if not _recorded(cur, _CHANGED_DAYS):
        return (*_EVERY_DAY, True)
    ((lo, hi),) = cur.execute("select min(lo), max(hi) from " + _CHANGED_DAYS).fetchall()
    ((threads,),) = cur.execute("select count(*) from " + _CHANGED_THREADS).fetchall()
    if lo is None and not threads:
        return None
    lo, hi = (lo, hi) if lo is not None else (_EVERY_DAY[1], _EVERY_DAY[1])  # threads only: no day
    return lo, hi, False


def refresh_rollups(cur: duckdb.DuckDBPyConnection, *, full: bool = False) -> None:
    """Refresh the rollups the measures read. Runs inside every load's transaction. The activity
    rollups are rebuilt for the days and threads the transaction recorded (note_activity_changes),
    or entirely when it recorded nothing or `full` is set. The segment maps are rebuilt when
    their sources changed (note_table_changes), the headcounts then too or when the span of the
    facts changed. The result is the same as a full rebuild either way."""
    scope = (*_EVERY_DAY, True) if full else _changed_activity(cur)
    if scope is not None:
        # The threads as recorded (rollups.sql only asks whether a thread is among them).
        threads = ("select null::varchar as thread_id where false" if scope[2]
                   else "select thread_id from " + _CHANGED_THREADS)
        cur.execute("create or replace temp view ld_rollup_threads as " + threads).fetchall()
        cur.execute(
            "create or replace temp table ld_rollup_scope as "
            "select $lo::date as lo, $hi::date as hi, $all::boolean as all_threads",
            {"lo": scope[0], "hi": scope[1], "all": scope[2]},
        ).fetchall()
        cur.execute(ROLLUPS_FILE.read_text())
        cur.execute("drop table ld_rollup_scope")
        cur.execute("drop view ld_rollup_threads")
    tables = None if full else _changed_tables(cur)
    for temp in (_CHANGED_DAYS, _CHANGED_THREADS, _CHANGED_TABLES):
        cur.execute("drop table if exists " + temp)  # names are constants
    _refresh_segments_and_headcounts(cur, tables)


def _refresh_segments_and_headcounts(cur: duckdb.DuckDBPyConnection, tables: set[str] | None) -> None:
    """The segment maps when their sources are among the changed `tables` (None: any may have
    changed), the headcounts then too or when the span of the facts moved."""
    # What the stored maps and headcounts were built for (this version's segmentations and grains
    # are part of it: a version that adds one rebuilds them).
    built = dict(cur.execute(
        "select key, value from settings where key in ('segments_for', 'headcount_for')").fetchall())
    segments_for = "by " + ", ".join(SEGMENTATIONS)
    segments_stale = tables is None or bool(tables & SEGMENT_SOURCES) or built.get("segments_for") != segments_for
    bys = {f"by{i}": by for i, by in enumerate(SEGMENTATIONS)}
    if segments_stale:
        # One statement per table, a branch per segmentation (and grain): statements cost more
        # than these small queries.
        for table in ("person_segment_map", "department_segment_map"):
            cur.execute("delete from " + table)  # names from this constant list
        cur.execute("insert into person_segment_map " + " union all ".join(
            f"select ${b}, person_key, segment from derive_person_segments(${b})" for b in bys), bys)
        cur.execute("insert into department_segment_map " + " union all ".join(
            f"select ${b}, department, segment from derive_department_segments(${b})" for b in bys), bys)
        cur.execute("insert or replace into settings values ('segments_for', $s)", {"s": segments_for})
    # Headcounts cover the range of the facts: no measure has a value outside it.
    span = read_coverage(cur)
    headcount_for = f"{segments_for}, per {', '.join(GRAINS)}, from {span.start} to {span.end}"
    if not segments_stale and built.get("headcount_for") == headcount_for:
        return
    cur.execute("delete from headcount_rollup")
    cur.execute("insert or replace into settings values ('headcount_for', $s)", {"s": headcount_for})
    if span.start is None:
        return
    grains = {f"grain{i}": grain for i, grain in enumerate(GRAINS)}
    cur.execute("insert into headcount_rollup " + " union all ".join(
        f"select ${g}, ${b}, period, segment, people from derive_headcount(${g}, $start, $end, ${b})"
        for g in grains for b in bys), {**grains, **bys, "start": span.start, "end": span.end})
