"""The DuckDB database: connection, schema, transactions, settings and pseudonymisation.

One `Database` per process. Streamlit serves each browser session on its own thread, so every
query takes its own `cursor()` (DuckDB's rule for sharing a connection between threads).
"""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator

import duckdb

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
ROLLUPS_FILE = Path(__file__).with_name("rollups.sql")
DEFAULT_DB = Path("data/lookdown.duckdb")

# The canonical tables users fill from the CSV templates, with the column that dates each row.
CANONICAL_TABLES: dict[str, str] = {
    "people": "hire_date",
    "activity": "occurred_at",
    "training": "requested_on",
    "manager_time": "period_start",
    "marketing_spend": "month",
    "initiatives": "started_on",
    "cohorts": "started_on",
}

# The dates that bound the facts measures report on: (first, last) expressions per table.
# People count by their leaving dates (hire dates reach back decades before any other data);
# an initiative runs until it ends; cohorts date no facts.
FACT_DATES: dict[str, tuple[str, str]] = {
    **{table: (column, column) for table, column in CANONICAL_TABLES.items() if table not in ("people", "cohorts")},
    "people": ("termination_date", "termination_date"),
    "initiatives": ("started_on", "coalesce(ended_on, started_on)"),
}

# Rows and date ranges of every canonical table in one scan; names come from the constants above.
_COVERAGE_SQL = " union all ".join(
    f"select '{table}', count(*), min({column})::date, max({column})::date, "
    f"min({FACT_DATES.get(table, ('null', 'null'))[0]})::date, "
    f"max({FACT_DATES.get(table, ('null', 'null'))[1]})::date from {table}"
    for table, column in CANONICAL_TABLES.items()
)

# How results can be split (the allowlist for `$by`), and the period lengths they come in.
SEGMENTATIONS = ("none", "department", "cohort", "location", "job_level")
GRAINS = ("week", "month", "quarter")

# DuckDB draws a progress bar on standard output for long queries; the CLI's output is data.
QUIET_SQL = "set enable_progress_bar = false; set enable_progress_bar_print = false"
# How often a long statement run by run_watched reports its progress (seconds).
PROGRESS_EVERY = 0.2

DEFAULT_MIN_GROUP_SIZE = 5
SMALLEST_ALLOWED_GROUP_SIZE = 3


def default_db_path() -> Path:
    """`LOOKDOWN_DB` when set, else data/lookdown.duckdb."""
    return Path(os.environ.get("LOOKDOWN_DB") or DEFAULT_DB)


def pseudonym(key: str, identifier: str | None) -> int | None:
    """The keyed hash that stands for a person (the first 64 bits of a SHA-256, as a number:
    joins and groupings on numbers are much faster than on text); same rule as the SQL macro
    `pseudonym(x)`."""
    if identifier is None:
        return None
    cleaned = str(identifier).strip().lower()
    if not cleaned:
        return None
    return int(hashlib.sha256((key + cleaned).encode("utf-8")).hexdigest()[:16], 16)


class DatabaseBusy(RuntimeError):
    """Another process holds the database file (DuckDB allows one writer process)."""


@dataclass(frozen=True)
class Coverage:
    """What is loaded: the range of the facts, rows per table, and each table's date range."""

    start: date | None
    end: date | None
    rows: dict[str, int]
    ranges: dict[str, tuple[date | None, date | None]]  # by the column that dates each row
    fact_ranges: dict[str, tuple[date, date]]  # tables holding facts: the dates they cover

    @property
    def empty_tables(self) -> list[str]:
        return [table for table, n in self.rows.items() if n == 0]

    def range_of(self, tables) -> tuple[date, date] | None:
        """The dates covered by the facts of these tables, or None when they hold none."""
        spans = [self.fact_ranges[t] for t in tables if t in self.fact_ranges]
        if not spans:
            return None
        return min(lo for lo, _ in spans), max(hi for _, hi in spans)


def _coverage(cur: duckdb.DuckDBPyConnection) -> Coverage:
    rows, ranges, facts = {}, {}, {}
    for table, n, lo, hi, fact_lo, fact_hi in cur.execute(_COVERAGE_SQL).fetchall():
        rows[table] = n
        ranges[table] = (lo, hi)
        if fact_lo is not None:
            facts[table] = (fact_lo, fact_hi)
    span = Coverage(None, None, rows, ranges, facts).range_of(facts)
    start, end = span if span else (None, None)
    return Coverage(start=start, end=end, rows=rows, ranges=ranges, fact_ranges=facts)


def empty_schema() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the schema and nothing else, to compile SQL against the tables
    and macros (the catalogue checks every measure so): no key, no upgrade, no rollups to refresh."""
    con = duckdb.connect()
    con.execute(QUIET_SQL)
    con.execute(SCHEMA_FILE.read_text())
    return con


def run_watched(cur: duckdb.DuckDBPyConnection, sql: str, params: dict,
                on_share: Callable[[float], None] | None) -> list[tuple]:
    """Run one long statement and return its rows, calling on_share(share done, 0 to 1) every
    PROGRESS_EVERY seconds from DuckDB's own progress of the query. The statement runs on a
    worker thread and on_share is called on this one, so it may update a page; if on_share
    raises, the statement is interrupted and the error goes to the caller (whose transaction, if
    any, then rolls back). `cur` keeps tracking progress afterwards (a setting cannot change
    inside an aborted transaction), with printing off as every cursor has it: nothing is drawn."""
    if on_share is None:
        return cur.execute(sql, params).fetchall()
    failure: list[BaseException] = []
    result: list[list[tuple]] = []

    def run() -> None:
        try:
            result.append(cur.execute(sql, params).fetchall())
        except BaseException as error:  # handed to the calling thread
            failure.append(error)

    # query_progress() needs DuckDB's progress tracking, from the statement's start.
    cur.execute("set enable_progress_bar = true; set enable_progress_bar_print = false; "
                "set progress_bar_time = 0").fetchall()
    worker = threading.Thread(target=run, name="lookdown-statement", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(PROGRESS_EVERY)
            share = cur.query_progress()
            if worker.is_alive() and share > 0:
                on_share(min(share, 100.0) / 100)
    except BaseException:
        cur.interrupt()
        worker.join()
        raise
    if failure:
        raise failure[0]
    return result[0]


class Database:
    """An open Lookdown database file (or an in-memory one for tests)."""

    def __init__(self, path: str | Path | None = None, *, key: str | None = None, read_only: bool = False):
        self.path = Path(path) if path is not None else None
        if self.path is not None and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._key = key or self._load_or_create_key()
        try:
            self._con = duckdb.connect(str(self.path) if self.path else ":memory:", read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DatabaseBusy(
                    f"{self.path} is open in another Lookdown process (the app, or an import). "
                    "Stop that process, or work on a copy of the file."
                ) from exc
            raise
        self._lock = threading.Lock()
        self._coverage: tuple[int, Coverage] | None = None
        if not read_only:
            ((new,),) = self._con.execute("select count(*) = 0 from duckdb_tables() where not temporary").fetchall()
            if not new:
                _upgrade_text_keys(self._con)
            self._con.execute(SCHEMA_FILE.read_text())
            _forget_content_event_keys(self._con, new)
            self._refresh_rollups_if_definitions_changed(new)

    # -- connection ------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor with the session-only `pseudonym(x)` macro (the key is never stored)."""
        cur = self._con.cursor()
        cur.execute(QUIET_SQL)
        # The key is our own hex string, never user text, so it is safe inside the statement;
        # a temporary macro lives only in this cursor's session and is not written to the file.
        assert all(c in "0123456789abcdef" for c in self._key)
        cur.execute(
            "create or replace temp macro pseudonym(x) as "
            "case when nullif(trim(x::varchar), '') is null then null "
            f"else ('0x' || left(sha256('{self._key}' || lower(trim(x::varchar))), 16))::ubigint end"
        )
        return cur

    @contextmanager
    def transaction(self, cur: duckdb.DuckDBPyConnection | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a load as one transaction: all of it lands, with rollups and a new data version,
        or none of it does. `cur` (one of this database's cursors, left open) runs it where the
        load's rows were staged in temporary tables; by default a new cursor does."""
        with self._lock:
            own = cur is None
            cur = self.cursor() if own else cur
            cur.execute("begin transaction")
            try:
                yield cur
                refresh_rollups(cur)
                cur.execute(
                    "insert or replace into settings values ('data_version', $v)",
                    {"v": str(self._read_data_version(cur) + 1)},
                )
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise
            finally:
                if own:
                    cur.close()

    def close(self) -> None:
        self._con.close()

    def person_key(self, identifier: str | None) -> int | None:
        return pseudonym(self._key, identifier)

    # -- settings --------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        cur = self.cursor()
        row = cur.execute("select value from settings where key = $k", {"k": key}).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        self.cursor().execute("insert or replace into settings values ($k, $v)", {"k": key, "v": value})

    @property
    def min_group_size(self) -> int:
        return int(self.setting("min_group_size", str(DEFAULT_MIN_GROUP_SIZE)))

    def set_min_group_size(self, size: int) -> None:
        if size < SMALLEST_ALLOWED_GROUP_SIZE:
            raise ValueError(
                f"The minimum group size cannot be below {SMALLEST_ALLOWED_GROUP_SIZE}: "
                "smaller groups would let readers identify individuals."
            )
        self.set_setting("min_group_size", str(int(size)))

    def data_version(self) -> int:
        """Grows with every load; part of every cache key so cached results never go stale."""
        return self._read_data_version(self.cursor())

    @staticmethod
    def _read_data_version(cur: duckdb.DuckDBPyConnection) -> int:
        row = cur.execute("select value from settings where key = 'data_version'").fetchone()
        return int(row[0]) if row else 0

    # -- what is loaded --------------------------------------------------------------------

    def coverage(self) -> Coverage:
        """What is loaded; remembered per data version, as every load changes the version."""
        version = self.data_version()
        if self._coverage is None or self._coverage[0] != version:
            self._coverage = (version, _coverage(self.cursor()))
        return self._coverage[1]

    def new_upload(self, cur: duckdb.DuckDBPyConnection, kind: str, source: str) -> int:
        """Register an upload inside the caller's transaction and return its id."""
        ((upload_id,),) = cur.execute(
            "insert into uploads (upload_id, kind, source) values (nextval('upload_id_seq'), $k, $s) "
            "returning upload_id",
            {"k": kind, "s": source},
        ).fetchall()
        return upload_id

    # -- internals -------------------------------------------------------------------------

    def _refresh_rollups_if_definitions_changed(self, new: bool) -> None:
        """Rebuild the rollups of a database made by another version of the schema or rollups
        (a `new` one, just created, has nothing to roll up)."""
        signature = hashlib.sha256((SCHEMA_FILE.read_text() + ROLLUPS_FILE.read_text()).encode()).hexdigest()
        if self.setting("rollups_signature") == signature:
            return
        record = "insert or replace into settings values ('rollups_signature', $s)"
        if new:
            self._con.execute(record, {"s": signature})
            return
        with self.transaction() as cur:
            cur.execute(record, {"s": signature})

    def _load_or_create_key(self) -> str:
        """The installation's pseudonymisation key, kept beside the database file."""
        if self.path is None:
            return secrets.token_hex(32)
        key_file = self.path.with_suffix(".key")
        if key_file.exists():
            return key_file.read_text().strip()
        key = secrets.token_hex(32)
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
        return key


# Databases made before keys became numbers stored them as hex text: the person keys' 16 hex
# digits, and the event key's md5 (bytes in the order md5_number reads them reversed).
_TEXT_KEY_COLUMNS: dict[str, dict[str, str]] = {
    "people": {"person_key": "person", "manager_key": "person"},
    "activity": {"event_key": "event", "person_key": "person", "target_person_key": "person"},
    "training": {"person_key": "person"},
    "manager_time": {"manager_key": "person"},
    "cohorts": {"person_key": "person"},
    "identity_map": {"alias_key": "person", "person_key": "person"},
}
_TEXT_KEY_ROLLUPS = ("activity_daily", "questions", "interactions_daily", "person_segment_map")
_NUMBER_FROM_TEXT = {
    "person": "('0x' || {c})::ubigint",
    "event": "('0x' || array_to_string(list_reverse(list_transform(range(0, 32, 2), "
             "lambda i: substr({c}, i + 1, 2))), ''))::uhugeint",
}


def _forget_content_event_keys(con: duckdb.DuckDBPyConnection, new: bool) -> None:
    """Earlier versions stored, for an event without a platform id, the md5 of its content as
    its event_key. Such events are now compared by their content and store NULL
    (lookdown.load.EVENT_IDENTITY): clear the old keys so that loading their file again is still
    recognised. Once per database, in one transaction; a `new` one only records that it is done."""
    done = "insert or replace into settings values ('event_keys', 'platform ids only')"
    if new:
        con.execute(done)
        return
    ((pending,),) = con.execute(
        "select count(*) = 0 from settings where key = 'event_keys'").fetchall()
    if not pending:
        return
    con.execute("begin transaction")
    try:
        con.execute("alter table activity alter column event_key drop not null")
        # The old key, as load.py computed it: person keys entered it as 16 hex digits.
        con.execute(
            "update activity set event_key = null where event_key = md5_number(concat_ws('|', "
            "occurred_at, printf('%016x', person_key), kind, space, thread_id, "
            "printf('%016x', target_person_key), platform))"
        )
        con.execute(done)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _upgrade_text_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Convert the keys of a database made by an earlier version (hex text) to numbers, in one
    transaction: each table is renamed, created again by the schema and refilled; the rollups are
    dropped (the changed schema makes the next step rebuild them)."""
    stale = {
        table for table, column in con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'main' and data_type = 'VARCHAR' and table_name in (select unnest($t))",
            {"t": list(_TEXT_KEY_COLUMNS)},
        ).fetchall()
        if column in _TEXT_KEY_COLUMNS[table]
    }
    if not stale:
        return
    con.execute("begin transaction")
    try:
        # Table and column names come from the constants above.
        for table in _TEXT_KEY_ROLLUPS:
            con.execute("drop table if exists " + table)
        for table in stale:
            con.execute(f"alter table {table} rename to {table}_text_keys")
        con.execute(SCHEMA_FILE.read_text())
        for table in stale:
            columns = [name for (name,) in con.execute(
                "select column_name from duckdb_columns() where table_name = $t order by column_index",
                {"t": table + "_text_keys"},
            ).fetchall()]
            converted = [
                _NUMBER_FROM_TEXT[_TEXT_KEY_COLUMNS[table][c]].format(c=c) + " as " + c
                if c in _TEXT_KEY_COLUMNS[table] else c
                for c in columns
            ]
            con.execute(f"insert into {table} by name select {', '.join(converted)} from {table}_text_keys")
            con.execute(f"drop table {table}_text_keys")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


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
    built = dict(cur.execute("select key, value from settings where key in ('segments_for', 'headcount_for')").fetchall())
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
    span = _coverage(cur)
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
