"""The import entry points: preview a file, import files, remove an upload.

- `inspect_file(file, name)` reads and checks a file without writing anything and says what it
  is, what it would load and what it would reject (with identifiers masked in the preview).
- `import_files(db, files)` imports each file as ONE upload in ONE transaction: its good rows, its
  rejected rows in `quarantine`, its record in `uploads`/`upload_details`, refreshed rollups. If
  anything fails, the database is exactly as before that file.
- `remove_upload(db, upload_id)` deletes an upload and everything that came from it.
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from lookdown.contract import CANONICAL_TABLES, TEMPLATES
from lookdown.ingest import limits
from lookdown.ingest.limits import ImportCancelled
from lookdown.ingest.readers import Item, NeedsMapping, pair, stage_item
from lookdown.ingest.sources import Source, Workspace, open_source
from lookdown.ingest.stage import PROBLEM_COLUMNS, ImportProblem, Problem, Scratch, Staged, TempRows
from lookdown.ingest.write import RepeatedEvents, WriteStats, write_identity_map, write_rows
from lookdown.store import Database, audit, note_activity_changes, note_table_changes
from lookdown.store.access import require_editor

if TYPE_CHECKING:  # pandas only where a table is shown: importing files does without it
    import pandas as pd

PREVIEW_ROWS = 10
MAX_REPORTED_ERRORS = 1000
# Columns of staged rows that are never shown (internal ids) or always masked (identifiers).
_HIDDEN = {"rec", "event_id", "person_id_alt", "target_person_id_alt"}
_IDENTIFIERS = {"person_id", "manager_id", "target_person_id", "alias"}
# Imports that others depend on go first: the identity map, then people.
_ORDER = {"identity_map": 0, "people": 1}

FileLike = str | Path | Source | tuple[str, bytes]


def mask(value) -> str | None:
    """'jane@acme.com' -> 'j•••': enough to recognise a column, not a person."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return (text[0] + "•••") if text else text


def _frame(rows=None, columns=None) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def _masked_preview(staged: Staged) -> pd.DataFrame:
    if staged.rows is None or staged.rows.num_rows == 0:
        return _frame()
    rows = staged.rows
    frame = rows.head(PREVIEW_ROWS) if isinstance(rows, TempRows) else rows.slice(0, PREVIEW_ROWS).to_pandas()
    frame = frame[[c for c in frame.columns if c not in _HIDDEN]]
    for column in frame.columns:
        if column in _IDENTIFIERS:
            frame[column] = frame[column].map(mask)
    if "line" in frame.columns and frame["line"].isna().all():
        frame = frame.drop(columns=["line"])
    return frame


def _raw_preview(source: Source, headers: list[str], identifiers: set[str]) -> pd.DataFrame:
    """The first rows of an export that needs a mapping, with likely identifiers masked."""
    from lookdown.ingest.sources import csv_text

    with Workspace() as workspace, Scratch() as scratch:
        csv = csv_text(source, workspace)
        names = [f"c{i}" for i in range(len(headers))]
        try:
            scratch.read_csv(csv, names)
            frame = scratch.con.execute("select * from ld_raw limit 10").df()
        except Exception:  # a preview is best effort; the import reports real errors
            return _frame(columns=headers)
    frame.columns = headers[: len(frame.columns)]
    for column in frame.columns:
        values = frame[column].dropna().astype(str)
        if column in identifiers or values.str.contains("@").any():
            frame[column] = frame[column].map(mask)
    return frame


def _date_range(staged: Staged) -> tuple[date, date] | None:
    if not staged.period:
        return None
    lo, hi = staged.period
    as_date = lambda v: v.date() if isinstance(v, datetime) else v  # noqa: E731
    return as_date(lo), as_date(hi)


NO_ROWS = "The file has no rows below its header line: there is nothing to load, and nothing was recorded."


def _has_no_rows(staged: Staged) -> bool:
    """A file with a header and nothing else (or only empty lines): nothing to load or to reject."""
    return staged.rows_read == 0 and staged.rejected == 0


def unreadable(error: Exception) -> str:
    """Why a file no reader could make sense of failed, in words even when the error has none."""
    if isinstance(error, MemoryError):
        return ("Could not read the file: it needs more memory than this computer has. Import it with "
                "`python -m lookdown import`, or split it into smaller periods.")
    detail = str(error) or type(error).__name__
    return f"Could not read the file: {detail}"


@contextlib.contextmanager
def memory_limit(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB works within limits.IMPORT_MEMORY_LIMIT while an import or preview runs (it spills
    to disk beyond it), then goes back to its previous limit."""
    ((before,),) = con.execute("select current_setting('memory_limit')").fetchall()
    con.execute("set memory_limit = $limit", {"limit": limits.IMPORT_MEMORY_LIMIT}).fetchall()
    try:
        yield
    finally:
        con.execute("set memory_limit = $limit", {"limit": before}).fetchall()


@dataclass
class Detection:
    """What a file is and what importing it would do (nothing is written)."""

    name: str
    kind: str
    table: str | None
    understood: bool
    reason: str | None = None
    mapping: dict[str, str | None] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    rows: int = 0  # rows that would load
    rejected: int = 0
    date_range: tuple[date, date] | None = None
    preview: pd.DataFrame = field(default_factory=_frame)
    problems: pd.DataFrame = field(default_factory=_frame)  # the first rejected rows
    notices: list[str] = field(default_factory=list)
    facts: dict[str, int] = field(default_factory=dict)


def _settings(db: Database | None, timezone: str | None, today: date | None) -> tuple[str, date]:
    tz = timezone or (db.setting("timezone", "UTC") if db is not None else "UTC") or "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"Unknown time zone '{tz}' (use a name such as Europe/Paris or UTC).") from error
    return tz, today or date.today()


def inspect_file(
    path_or_bytes: str | Path | bytes,
    name: str | None = None,
    *,
    db: Database | None = None,
    timezone: str | None = None,
    today: date | None = None,
    as_kind: str | None = None,
    companion: str | Path | bytes | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Detection:
    """Detect and preview a file without writing anything. `db` (optional) supplies saved column
    mappings and the time zone setting; `companion` is a Users.csv/Users.xml to read with it.
    The file is read within the limits of lookdown.ingest.limits; `cancelled()` true stops the
    reading (ImportCancelled), for a preview nobody waits for any more."""
    source = open_source(path_or_bytes, name)
    item = Item(source, open_source(companion) if companion is not None else None)
    tz, today = _settings(db, timezone, today)
    with Workspace() as workspace, Scratch() as scratch, memory_limit(scratch.con):
        try:
            with limits.budget(source.name, cancelled=cancelled):
                staged = stage_item(scratch, workspace, item, db=db, tz=tz, today=today, as_kind=as_kind)
        except NeedsMapping as needs:
            suggestion = needs.suggestion
            identifiers = {h for h, c in suggestion.mapping.items()
                           if c and TEMPLATES[suggestion.table].column(c).identifier}
            return Detection(
                name=source.name, kind="needs_mapping", table=suggestion.table, understood=False,
                reason=str(needs), mapping=dict(suggestion.mapping), headers=needs.headers,
                preview=_raw_preview(source, needs.headers, identifiers),
            )
        except ImportProblem as problem:
            return Detection(name=source.name, kind="unknown", table=None, understood=False, reason=str(problem))
        except ImportCancelled:
            raise
        except Exception as error:  # a file no reader can make sense of (corrupt workbook, ...)
            return Detection(name=source.name, kind="unknown", table=None, understood=False,
                             reason=unreadable(error))
        if _has_no_rows(staged):
            return Detection(name=source.name, kind=staged.file_kind, table=staged.table, understood=False,
                             reason=NO_ROWS, headers=staged.headers, notices=staged.notices)
        preview = _masked_preview(staged)  # while the scratch connection holds the rows
    return Detection(
        name=source.name,
        kind=staged.file_kind,
        table=staged.table,
        understood=True,
        mapping=dict(staged.mapping),
        headers=staged.headers or list(staged.mapping),
        rows=staged.good,
        rejected=staged.rejected,
        date_range=_date_range(staged),
        preview=preview,
        problems=_frame(staged.problems[:20], columns=PROBLEM_COLUMNS),
        notices=staged.notices,
        facts=staged.facts,
    )


@dataclass
class FileReport:
    """What importing one file did."""

    file: str
    kind: str
    table: str | None
    understood: bool
    reason: str | None = None  # one line, when the file was not understood or failed
    upload_id: int | None = None
    loaded: int = 0  # rows that are new or changed data
    rejected: int = 0  # rows quarantined
    duplicates_skipped: int = 0  # rows already loaded (or repeated in the file): not counted twice
    updated: int = 0  # loaded rows this file changed (included in `loaded`)
    replaced: int = 0  # rows of an older export of the same source that the newer one dropped
    errors: list[dict] = field(default_factory=list)  # {line, column, value, reason}
    errors_total: int = 0
    notices: list[str] = field(default_factory=list)
    facts: dict[str, int] = field(default_factory=dict)
    period: tuple[datetime, datetime] | None = None

    @property
    def succeeded(self) -> bool:
        """The file was loaded (even with rejected rows)."""
        return self.upload_id is not None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["period"] = [v.isoformat() for v in self.period] if self.period else None
        return out

    @classmethod
    def from_dict(cls, data: dict) -> FileReport:
        """The report to_dict wrote (an import the running app made for the command line)."""
        period = data.get("period")
        return cls(**{**data, "period": tuple(datetime.fromisoformat(v) for v in period) if period else None})


def _errors(problems: list[Problem]) -> list[dict]:
    return [
        {"line": None if line is None else int(line), "column": None if column is None else str(column),
         "value": None if value is None else str(value), "reason": str(reason)}
        for line, column, value, reason in problems[:MAX_REPORTED_ERRORS]
    ]


def _after_write(cur) -> None:
    """Called inside the transaction once the rows are written (a seam for failure tests)."""


def _commit(db: Database, cur, staged: Staged, source: Source, progress: Callable[[int], None] | None) -> FileReport:
    """Write a staged file as one upload, in one transaction on `cur` (the cursor that staged it):
    activity straight from the file, or, when the file turns out to repeat an event, again in a
    new transaction through the slower write that keeps one of each (lookdown.load.write_rows)."""
    try:
        return _commit_once(db, cur, staged, source, progress, direct=True)
    except RepeatedEvents:  # rolled back
        return _commit_once(db, cur, staged, source, progress, direct=False)


def _commit_once(db: Database, cur, staged: Staged, source: Source, progress: Callable[[int], None] | None,
                 *, direct: bool) -> FileReport:
    with db.transaction(cur):
        upload_id = db.new_upload(cur, staged.file_kind, source.name)
        if staged.table == "identity_map":
            new, updated, same = write_identity_map(cur, staged.rows, upload_id)
            stats = WriteStats(inserted=new + updated, new=new, updated=updated, duplicates=same)
        else:
            replace = staged.replace_period and staged.period is not None
            stats = write_rows(
                cur, staged.table, staged.rows, upload_id,
                source_key=staged.source_key if replace else None,
                period=staged.period if replace else None,
                progress=progress, direct=direct,
            )
        _after_write(cur)
        if staged.problems:
            lines, columns, values, reasons = (list(part) for part in zip(*staged.problems))
            cur.execute(
                "insert into quarantine (upload_id, file, line, column_name, value, reason) "
                "select $u, $f, unnest($lines::bigint[]), unnest($columns::varchar[]), "
                "unnest($values::varchar[]), unnest($reasons::varchar[])",
                {"u": upload_id, "f": source.name, "lines": lines, "columns": columns,
                 "values": [None if v is None else str(v) for v in values], "reasons": reasons},
            ).fetchall()
        loaded = stats.new + stats.updated
        cur.execute(
            "update uploads set rows_loaded = $n, rows_rejected = $r where upload_id = $u",
            {"n": loaded, "r": staged.rejected, "u": upload_id},
        )
        period = staged.period
        audit.record(cur, "upload", f"#{upload_id} {source.name}: {_upload_summary(staged, stats)}")
        cur.execute(
            "insert into upload_details (upload_id, file_kind, target_table, source_key, file_sha256, "
            "period_start, period_end, rows_duplicate, rows_updated, rows_replaced) "
            "values ($u, $k, $t, $s, $h, $lo, $hi, $d, $up, $rp)",
            {"u": upload_id, "k": staged.file_kind, "t": staged.table, "s": staged.source_key,
             "h": source.sha256, "lo": period[0] if period else None, "hi": period[1] if period else None,
             "d": stats.duplicates, "up": stats.updated, "rp": stats.replaced},
        )
    return FileReport(
        file=source.name, kind=staged.file_kind, table=staged.table, understood=True, upload_id=upload_id,
        loaded=loaded, rejected=staged.rejected, duplicates_skipped=stats.duplicates, updated=stats.updated,
        replaced=stats.replaced, errors=_errors(staged.problems), errors_total=len(staged.problems),
        notices=staged.notices, facts=staged.facts, period=staged.period,
    )


def _upload_summary(staged: Staged, stats: WriteStats) -> str:
    """'training records: 12 rows loaded, 2 rejected, 0 already loaded' for the audit trail."""
    return (f"{staged.table} ({staged.file_kind}): {stats.new + stats.updated:,} rows loaded, "
            f"{staged.rejected:,} rejected, {stats.duplicates:,} already loaded, {stats.replaced:,} replaced")


def _as_source(file: FileLike) -> Source:
    if isinstance(file, Source):
        return file
    if isinstance(file, tuple):
        name, data = file
        return Source(name, bytes(data))
    return open_source(file)


def import_files(
    db: Database,
    paths: Iterable[FileLike],
    *,
    as_kind: str | None = None,
    timezone: str | None = None,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    mappings: dict[str, tuple[str, dict[str, str]]] | None = None,
    reading: Callable[[str, float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[FileReport]:
    """Import files (paths, (name, bytes) pairs or Sources), each as one upload in one transaction.

    as_kind forces a reader (a FILE_KINDS value or a table name). mappings gives, per file name,
    (table, {header: column}) for exports with their own headers (saved mappings are used too).
    reading(file name, share read) is called as each delimited file is read (all are read and
    checked first), then progress(done_rows, total_rows) as rows are written. Editors only.

    Each file is read within the limits of lookdown.ingest.limits (sizes, cells, a time budget,
    DuckDB's memory): a file past one is refused with the reason, and nothing of it is written.
    cancelled() is asked as files are read and written: once it is true (the page that started
    the import was closed), the import stops, the file being written is rolled back and
    ImportCancelled is raised. A file with a header and no rows is reported and not recorded."""
    require_editor("load files")
    db.require_writable()
    tz, today = _settings(db, timezone, today)
    sources = [_as_source(p) for p in paths]
    items = pair(sources)
    reports: list[FileReport] = []
    staged_items: list[tuple[Item, Staged]] = []
    # Files are read in a cursor of the database itself, which then writes them: the rows of a
    # large file stay inside DuckDB from the reader to the table.
    with Workspace() as workspace, Scratch(db.cursor()) as scratch, memory_limit(scratch.con):
        for item in items:
            name = item.source.name
            mapping = (mappings or {}).get(name)
            scratch.on_read = None if reading is None else (lambda share, name=name: reading(name, share))
            try:
                with limits.budget(name, cancelled=cancelled):
                    staged = stage_item(scratch, workspace, item, db=db, tz=tz, today=today, as_kind=as_kind,
                                        mapping=mapping)
            except NeedsMapping as needs:
                reports.append(FileReport(file=name, kind="needs_mapping", table=needs.suggestion.table,
                                          understood=False, reason=str(needs)))
                continue
            except ImportProblem as problem:
                reports.append(FileReport(file=name, kind="unknown", table=None, understood=False,
                                          reason=str(problem)))
                continue
            except ImportCancelled:
                raise
            except Exception as error:  # a file no reader can make sense of (corrupt workbook, ...)
                reports.append(FileReport(file=name, kind="unknown", table=None, understood=False,
                                          reason=unreadable(error)))
                continue
            if _has_no_rows(staged):
                reports.append(FileReport(file=name, kind=staged.file_kind, table=staged.table, understood=True,
                                          reason=NO_ROWS, notices=staged.notices))
                if isinstance(staged.rows, TempRows):
                    staged.rows.drop()
                continue
            staged_items.append((item, staged))
        scratch.on_read = None
        staged_items.sort(key=lambda pair_: _ORDER.get(pair_[1].table or "", 2))
        total = sum(s.good for _, s in staged_items)
        last: list[tuple[int, int]] = []

        def report_progress(done: int) -> None:
            if progress and (not last or last[-1] != (done, total)):
                last.append((done, total))
                progress(done, total)

        report_progress(0)
        done = 0
        for item, staged in staged_items:
            before = done
            done = before + staged.good
            try:
                with limits.budget(item.source.name, cancelled=cancelled, seconds=math.inf):
                    reports.append(_commit(db, scratch.con, staged, item.source,
                                           lambda written, before=before: report_progress(before + written)))
            except ImportCancelled:  # rolled back
                raise
            except Exception as error:  # the transaction rolled back: report it, carry on with the rest
                reports.append(FileReport(file=item.source.name, kind=staged.file_kind, table=staged.table,
                                          understood=True, reason=f"Import failed and was rolled back: {error}"))
            else:
                report_progress(done)
            finally:
                if isinstance(staged.rows, TempRows):
                    staged.rows.drop()  # free the memory before the next file
    order = {item.source.name: i for i, item in enumerate(items)}
    reports.sort(key=lambda r: order.get(r.file, len(order)))
    return reports


def remove_upload(db: Database, upload_id: int) -> dict[str, int]:
    """Delete an upload and every row that came from it; rollups refresh in the same transaction.
    Returns the rows deleted per table. Editors only."""
    require_editor("remove uploads")
    removed: dict[str, int] = {}
    with db.transaction() as cur:
        row = cur.execute("select source from uploads where upload_id = $u", {"u": upload_id}).fetchall()
        if not row:
            raise ValueError(f"There is no upload {upload_id}.")
        note_activity_changes(cur, "select occurred_at, thread_id from activity where upload_id = $u", {"u": upload_id})
        for table in (*CANONICAL_TABLES, "identity_map", "quarantine"):
            # Table names come from the constant above and the Imports section of schema.sql.
            ((n,),) = cur.execute(
                "select count(*) from " + table + " where upload_id = $u", {"u": upload_id}
            ).fetchall()
            cur.execute("delete from " + table + " where upload_id = $u", {"u": upload_id}).fetchall()
            removed[table] = n
        note_table_changes(cur, [table for table, n in removed.items() if n])
        cur.execute("delete from upload_details where upload_id = $u", {"u": upload_id}).fetchall()
        cur.execute("delete from uploads where upload_id = $u", {"u": upload_id}).fetchall()
        deleted = ", ".join(f"{n:,} from {table}" for table, n in removed.items() if n) or "no rows left"
        audit.record(cur, "remove upload", f"#{upload_id} {row[0][0]}: deleted {deleted}")
    return removed


def list_uploads(db: Database) -> pd.DataFrame:
    """Every upload, newest first, with what it loaded, rejected and skipped."""
    return db.cursor().execute(
        "select u.upload_id, u.kind, u.source, u.loaded_at, u.rows_loaded, u.rows_rejected, "
        "d.target_table, d.period_start, d.period_end, d.rows_duplicate, d.rows_updated, d.rows_replaced "
        "from uploads as u left join upload_details as d using (upload_id) order by u.upload_id desc"
    ).df()


def quarantined(db: Database, upload_id: int | None = None) -> pd.DataFrame:
    """Rejected rows (of one upload, or all), in file order."""
    return db.cursor().execute(
        "select upload_id, file, line, column_name, value, reason from quarantine "
        "where $u is null or upload_id = $u order by upload_id, line nulls first, column_name",
        {"u": upload_id},
    ).df()
