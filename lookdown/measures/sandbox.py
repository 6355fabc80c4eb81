"""Where SQL written by users runs: never on the app's connection, only on a read-only snapshot of
the database opened with no access to files, extensions or settings.

Why a snapshot: DuckDB's `enable_external_access=false` is global to a database instance and
cannot be undone, so setting it on the app's own connection would stop its imports; and the
app's cursors carry the session-only `pseudonym` macro, whose text holds the installation's key.
The snapshot is a copy of the database file's tables and macros (no cursor's temporary macro is
ever in the file), made when the data version changes, and opened in its own instance:
read-only, `temp_directory` empty (set first: otherwise COPY, read_csv and glob still reach the
file's `.tmp/` folder), external access, extension installs and loads off, one thread, a memory
limit, and the configuration locked. A statement that runs too long is interrupted; results are
read a bounded number of rows at a time (DuckDB's memory limit does not cover Python objects).
"""
from __future__ import annotations

import re
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lookdown.store import Database
from lookdown.store.schema import LOCKDOWN

TIME_LIMIT_SECONDS = 10.0
MAX_ROWS = 200_000
_WHERE = re.compile(r"LINE (\d+):")


class SandboxError(ValueError):
    """User SQL refused or failed: the reason in one phrase (shown after the file's or the
    editor's name), with the line in the SQL when DuckDB gives one."""


@dataclass(frozen=True)
class Rows:
    columns: list[str]
    rows: list[tuple]
    truncated: bool  # more than MAX_ROWS rows were returned; only the first are here


def check_statement(sql: str, allowed_parameters: frozenset[str]) -> frozenset[str]:
    """Exactly one read-only SELECT, judged by DuckDB's own parser, using only the allowed named
    parameters; returns the parameters it uses."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise SandboxError(_sentence(error)) from None
    if len(statements) != 1:
        raise SandboxError(f"must hold exactly one SELECT statement; this SQL holds {len(statements)}")
    (statement,) = statements
    if statement.type != duckdb.StatementType.SELECT:
        kind = statement.type.name.replace("_", " ").lower()
        raise SandboxError(f"must only read: this is a {kind} statement, not a SELECT")
    used = frozenset(statement.named_parameters)
    unknown = used - allowed_parameters
    if unknown:
        raise SandboxError(f"unknown parameter(s) {', '.join('$' + p for p in sorted(unknown))}; "
                           f"allowed: {', '.join('$' + p for p in sorted(allowed_parameters))}")
    return used


def _sentence(error: BaseException) -> str:
    """DuckDB's message for people: its first line, with where it happened when it says so."""
    text = str(error)
    first = text.splitlines()[0] if text else type(error).__name__
    where = _WHERE.search(text)
    first = re.sub(r"^[A-Za-z ]+ Error: ", "", first)
    return f"{first} (line {where.group(1)} of the SQL)" if where else first


class Sandbox:
    """A read-only, locked-down copy of one database, refreshed when its data changes."""

    def __init__(self, db: Database, folder: Path | None = None):
        self._db = weakref.ref(db)  # the sandbox never keeps its database alive
        if folder is None:
            folder = db.path.parent / ".sandbox" if db.path is not None else Path(tempfile.mkdtemp(prefix="lookdown-"))
        self.folder = folder
        # Each sandbox's snapshots carry its own mark: two open databases on one file (the app and
        # a command in the same process) never share, or delete, each other's snapshot.
        self._mark = uuid.uuid4().hex[:12]
        self._lock = threading.Lock()
        self._version: int | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    @property
    def db(self) -> Database:
        db = self._db()
        if db is None:
            raise SandboxError("the database of this sandbox is closed")
        return db

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The locked-down connection to a snapshot of the current data version."""
        with self._lock:
            version = self.db.data_version()
            if self._con is None or self._version != version:
                self._refresh(version)
            return self._con

    def _refresh(self, version: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        snapshot = self.folder / f"snapshot-{self._mark}-{version}.duckdb"
        snapshot.unlink(missing_ok=True)
        cur = self.db.cursor()
        try:
            ((name,),) = cur.execute("select current_database()").fetchall()
            # The path is our own folder's, never user text; ATTACH takes no bound parameters.
            assert "'" not in str(snapshot)
            cur.execute(f"attach '{snapshot}' as ld_snapshot")
            try:
                cur.execute(f'copy from database "{name}" to ld_snapshot')
            finally:
                cur.execute("detach ld_snapshot")
        finally:
            cur.close()
        if self._con is not None:
            self._con.close()
        con = duckdb.connect(str(snapshot), read_only=True, config={"temp_directory": ""})
        for setting in LOCKDOWN:
            con.execute(setting)
        self._remove_snapshots(keep=snapshot.name)
        self._con, self._version = con, version

    def _remove_snapshots(self, keep: str = "") -> None:
        """This sandbox's snapshots but `keep`, and any left by a process that ended a day ago."""
        stale = time.time() - 86400
        for old in self.folder.glob("snapshot-*.duckdb*"):
            own = old.name.startswith(f"snapshot-{self._mark}-")
            if (own and not old.name.startswith(keep or "\0")) or (not own and old.stat().st_mtime < stale):
                old.unlink(missing_ok=True)

    def run(self, sql: str, params: dict, *, allowed_parameters: frozenset[str],
            seconds: float = TIME_LIMIT_SECONDS, max_rows: int = MAX_ROWS,
            prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> Rows:
        """Run one user SELECT with its bound parameters; cancelled after `seconds`. `prepare`
        (the engine's own SQL, never the user's) readies the cursor first, e.g. with temporary
        macros that show some segments together."""
        used = check_statement(sql, allowed_parameters)
        cur = self.connection().cursor()
        if prepare is not None:
            prepare(cur)
        timer = threading.Timer(seconds, cur.interrupt)
        timer.start()
        try:
            cur.execute(sql, {name: value for name, value in params.items() if name in used})
            columns = [d[0] for d in cur.description]
            rows = cur.fetchmany(max_rows + 1)
        except duckdb.InterruptException:
            raise SandboxError(f"The query ran for more than {seconds:g} seconds and was cancelled.") from None
        except duckdb.Error as error:
            raise SandboxError(_sentence(error)) from None
        finally:
            timer.cancel()
            cur.close()
        return Rows(columns, rows[:max_rows], truncated=len(rows) > max_rows)

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
            if self.folder.is_dir():
                self._remove_snapshots()


__all__ = ["MAX_ROWS", "TIME_LIMIT_SECONDS", "Rows", "Sandbox", "SandboxError", "check_statement"]
