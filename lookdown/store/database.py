"""The DuckDB database: connection, schema, transactions, settings and pseudonymisation.

One `Database` per process. Streamlit serves each browser session on its own thread, so every
query takes its own `cursor()` (DuckDB's rule for sharing a connection between threads).
"""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from lookdown.store import audit
from lookdown.store.access import require_editor
from lookdown.store.coverage import Coverage, read_coverage
from lookdown.store.rollups import ROLLUPS_FILE, refresh_rollups
from lookdown.store.schema import QUIET_SQL, SCHEMA_FILE
from lookdown.store.upgrades import forget_content_event_keys, upgrade_text_keys

DEFAULT_DB = Path("data/lookdown.duckdb")

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


class ReadOnlyDatabase(RuntimeError):
    """A write (an import, a removal, a setting) to a database that can only be read."""


def _unwritable(path: Path) -> str | None:
    """Why the database file at `path` cannot be written (the file, or the folder DuckDB keeps
    its write-ahead log in, is read-only), or None."""
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(path.parent, os.W_OK):
        return "its folder is read-only"
    return None


# What DuckDB says when the file system refuses a write (a read-only mount, a permission).
_REFUSED_WRITE = ("permission denied", "read-only file system")




def run_watched(cur: duckdb.DuckDBPyConnection, sql: str, params: dict,
                on_share: Callable[[float], None] | None, *, check: Callable[[], None] | None = None) -> list[tuple]:
    """Run one long statement and return its rows, calling on_share(share done, 0 to 1) every
    PROGRESS_EVERY seconds from DuckDB's own progress of the query, and check() as often (it
    raises to stop the statement: a time budget, a user gone). The statement runs on a worker
    thread and both are called on this one, so on_share may update a page; if either raises,
    the statement is interrupted and the error goes to the caller (whose transaction, if any,
    then rolls back). `cur` keeps tracking progress afterwards (a setting cannot change inside
    an aborted transaction), with printing off as every cursor has it: nothing is drawn."""
    if on_share is None and check is None:
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
            if check is not None and worker.is_alive():
                check()
            share = cur.query_progress()
            if on_share is not None and worker.is_alive() and share > 0:
                on_share(min(share, 100.0) / 100)
    except BaseException:
        cur.interrupt()
        worker.join()
        raise
    if failure:
        raise failure[0]
    return result[0]


class Database:
    """An open Lookdown database file (or an in-memory one for tests).

    A file that cannot be written (it, or its folder, is read-only) opens read-only: every figure
    can be computed, and every write raises ReadOnlyDatabase with `read_only_reason`."""

    def __init__(self, path: str | Path | None = None, *, key: str | None = None, read_only: bool = False):
        self.path = Path(path) if path is not None else None
        self.read_only_reason: str | None = "it was opened read-only" if read_only else None
        if self.path is not None and not read_only:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            reason = _unwritable(self.path)
            if reason is not None and not self.path.exists():
                raise ReadOnlyDatabase(f"Cannot create a database at {self.path}: {reason}.")
            if reason is not None:
                self.read_only_reason, read_only = reason, True
        self._key = key or self._load_or_create_key()
        try:
            self._con = self._connect(read_only)
        except (duckdb.IOException, duckdb.PermissionException) as exc:
            if self.path is None or read_only or not any(w in str(exc).lower() for w in _REFUSED_WRITE):
                raise
            self.read_only_reason, read_only = "the file system refuses writes to it", True
            self._con = self._connect(read_only)
        self._lock = threading.Lock()
        self._coverage: tuple[int, Coverage] | None = None
        if not read_only:
            ((new,),) = self._con.execute("select count(*) = 0 from duckdb_tables() where not temporary").fetchall()
            if not new:
                upgrade_text_keys(self._con)
            self._con.execute(SCHEMA_FILE.read_text())
            forget_content_event_keys(self._con, new)
            self._refresh_rollups_if_definitions_changed(new)

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, with the one writer process DuckDB allows said in words."""
        try:
            return duckdb.connect(str(self.path) if self.path else ":memory:", read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DatabaseBusy(
                    f"{self.path} is open in another Lookdown process (the app, or an import). "
                    "Stop that process, or work on a copy of the file."
                ) from exc
            raise

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    @property
    def read_only_message(self) -> str | None:
        """Why nothing can be written, in words for the pages and the command line (None: it can)."""
        if self.read_only_reason is None:
            return None
        return (f"{self.path or 'The database'} can only be read ({self.read_only_reason}): every figure can be "
                "shown, but nothing can be imported, removed or saved. Copy it to a folder you can write to, "
                "or ask for write access to it.")

    def require_writable(self) -> None:
        """Raise ReadOnlyDatabase, with why, when nothing can be written."""
        if self.read_only_message is not None:
            raise ReadOnlyDatabase(self.read_only_message)

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
        self.require_writable()
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

    def pseudonymisation_key(self) -> str:
        """The installation's key, for a backup to keep apart from the data (store.backup)."""
        return self._key

    def person_key(self, identifier: str | None) -> int | None:
        return pseudonym(self._key, identifier)

    # -- settings --------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        cur = self.cursor()
        row = cur.execute("select value from settings where key = $k", {"k": key}).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        """Bookkeeping the core keeps (signatures, versions). Settings people change go through
        change_setting."""
        self.require_writable()
        self.cursor().execute("insert or replace into settings values ($k, $v)", {"k": key, "v": value})

    @contextmanager
    def change(self, what: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A change people make that is not a load (a setting, a mapping): editors only, in one
        transaction on the cursor it yields, where the caller also writes its audit line. The
        rollups are not touched (a load's transaction refreshes them)."""
        require_editor(what)
        self.require_writable()
        with self._lock:
            cur = self.cursor()
            cur.execute("begin transaction")
            try:
                yield cur
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise
            finally:
                cur.close()

    def change_setting(self, key: str, value: str | None, *, what: str, action: str = "setting",
                       detail: str | None = None) -> None:
        """Change (or, with None, forget) a setting people choose, with a line in the audit trail.
        `what` names it for people ('the time zone'); `detail` replaces the trail's default
        'what: old -> new'."""
        with self.change(f"change {what}") as cur:
            row = cur.execute("select value from settings where key = $k", {"k": key}).fetchone()
            if value is None:
                cur.execute("delete from settings where key = $k", {"k": key})
            else:
                cur.execute("insert or replace into settings values ($k, $v)", {"k": key, "v": value})
            old = row[0] if row else "not set"
            audit.record(cur, action, detail or f"{what}: {old} -> {'not set' if value is None else value}")

    @property
    def min_group_size(self) -> int:
        return int(self.setting("min_group_size", str(DEFAULT_MIN_GROUP_SIZE)))

    def set_min_group_size(self, size: int) -> None:
        if size < SMALLEST_ALLOWED_GROUP_SIZE:
            raise ValueError(
                f"The minimum group size cannot be below {SMALLEST_ALLOWED_GROUP_SIZE}: "
                "smaller groups would let readers identify individuals."
            )
        self.change_setting("min_group_size", str(int(size)), what="the minimum group size")

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
            self._coverage = (version, read_coverage(self.cursor()))
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
            try:
                return key_file.read_text().strip()
            except PermissionError:
                if not self.read_only:
                    raise
        if self.read_only:  # nothing will be written: no key is needed, and none can be kept
            return secrets.token_hex(32)
        key = secrets.token_hex(32)
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
        return key


