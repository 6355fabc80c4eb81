"""What is loaded, and the bookkeeping around imports that the Upload and Data pages show.

- per table: rows, first and last date, how many uploads it came from, months with no rows;
- per upload: the rows it still holds in each table and the dates they cover;
- coverage by month per table, with the gaps (a month with no rows between the first and last);
- identity coverage: the share of activity whose person is in the people table, i.e. can be
  split by department, with plain advice when it is low;
- rejected rows (the quarantine) as a table and as a CSV to download;
- the installation's settings an L&D leader may change (time zone, minimum group size);
- the inbox: a folder where exports too large for the browser wait to be imported.

The queries are in inventory.sql, one per `-- name:` line.
"""
from __future__ import annotations

import logging
import re
import shutil
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Callable, Iterable
from zoneinfo import available_timezones

import pandas as pd
import plotly.graph_objects as go

from lookdown.ingest import FileReport, import_files
from lookdown.ingest.mapping import signature
from lookdown.ingest.readers import pair
from lookdown.ingest.sources import open_source
from lookdown.overview import SOURCE_LABELS
from lookdown.store import CANONICAL_TABLES, SMALLEST_ALLOWED_GROUP_SIZE, Database

SQL_FILE = Path(__file__).with_name("inventory.sql")

TABLE_LABELS = {**SOURCE_LABELS, "identity_map": "identity map"}
# Tables that record events over time; people and cohorts are lists.
DATED_TABLES = ("activity", "training", "manager_time", "marketing_spend", "initiatives")

FILE_KIND_LABELS = {
    "template": "CSV template",
    "mapped": "your own columns (saved mapping)",
    "slack_zip": "Slack workspace export",
    "slack_member_analytics": "Slack member analytics",
    "teams_user_activity": "Teams user activity report",
    "viva_engage": "Viva Engage export",
    "stackexchange_xml": "Stack Exchange data dump",
    "identity_map": "identity map",
    "needs_mapping": "needs a column mapping",
    "unknown": "not recognised",
    "demo": "demo organisation",
}

# Below this share of activity joined to a person in the people table, the Data page says what to do.
IDENTITY_ADVICE_BELOW = 0.9
DEFAULT_TIMEZONE = "UTC"
INBOX_DONE = "done"
INBOX_FAILED = "failed"
INBOX_SECONDS = 5.0  # how often the running app looks into the inbox
INBOX_KEPT = 50  # automatic imports remembered for the Upload page


@cache
def _queries() -> dict[str, str]:
    queries: dict[str, str] = {}
    name = None
    for line in SQL_FILE.read_text().splitlines():
        found = re.match(r"--\s*name:\s*(\w+)\s*$", line)
        if found:
            name = found.group(1)
            queries[name] = ""
        elif name is not None:
            queries[name] += line + "\n"
    return queries


def heading(label: str) -> str:
    """A label at the start of a line: first letter up, the rest as written ('HR people records')."""
    return label[:1].upper() + label[1:]


def _query(db: Database, name: str, params: dict | None = None) -> pd.DataFrame:
    return db.cursor().execute(_queries()[name], params or {}).df()


def _scalar(db: Database, name: str, params: dict | None = None):
    return db.cursor().execute(_queries()[name], params or {}).fetchone()


def month_label(day: date) -> str:
    return f"{day:%b %Y}"


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _as_date(value) -> date | None:
    if value is None or (not isinstance(value, (date, datetime)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    return value


# -- Coverage by month --------------------------------------------------------------------------


def monthly_coverage(db: Database) -> pd.DataFrame:
    """Rows per month per dated table, every month from the table's first to its last, so a month
    with no rows (a gap) is a row with `rows` 0. Columns: table, month, rows, gap."""
    counted = _query(db, "monthly")
    out = []
    for table in DATED_TABLES:
        rows = counted[counted["table_name"] == table]
        if rows.empty:
            continue
        by_month = {_as_date(m): int(n) for m, n in zip(rows["month"], rows["rows"])}
        for month in _months(min(by_month), max(by_month)):
            n = by_month.get(month, 0)
            out.append({"table": table, "month": month, "rows": n, "gap": n == 0})
    return pd.DataFrame(out, columns=["table", "month", "rows", "gap"])


def gaps(coverage: pd.DataFrame) -> dict[str, list[date]]:
    """{table: [months with no rows between its first and last month]}, tables with gaps only."""
    found: dict[str, list[date]] = {}
    for table, month in coverage.loc[coverage["gap"], ["table", "month"]].itertuples(index=False):
        found.setdefault(table, []).append(month)
    return found


def gaps_text(coverage: pd.DataFrame) -> list[str]:
    """One sentence per table with gaps, for the page."""
    lines = []
    for table, months in gaps(coverage).items():
        shown = ", ".join(month_label(m) for m in months[:12])
        more = f" and {len(months) - 12} more" if len(months) > 12 else ""
        noun = "month" if len(months) == 1 else "months"
        lines.append(f"{heading(TABLE_LABELS[table])} (`{table}`): no rows in {len(months)} {noun} "
                     f"between its first and last: {shown}{more}.")
    return lines


def coverage_figure(coverage: pd.DataFrame) -> go.Figure:
    """A strip per table, one cell per month: darker for more rows, red for a month with none
    between the table's first and last month, blank outside them."""
    tables = [t for t in DATED_TABLES if t in set(coverage["table"])]
    months = _months(min(coverage["month"]), max(coverage["month"])) if tables else []
    x = [m.isoformat() for m in months]
    y = [heading(TABLE_LABELS[t]) for t in tables]
    rows = {(t, m): (n, g) for t, m, n, g in coverage.itertuples(index=False)}
    z, z_gap, text = [], [], []
    for table in tables:
        z.append([rows[(table, m)][0] if (table, m) in rows and not rows[(table, m)][1] else None
                  for m in months])
        z_gap.append([1 if rows.get((table, m), (0, False))[1] else None for m in months])
        text.append([
            (f"{rows[(table, m)][0]:,} rows" if not rows[(table, m)][1] else "no rows: a gap")
            if (table, m) in rows else "outside this table's dates"
            for m in months
        ])
    hover = "%{y}<br>%{x|%b %Y}: %{customdata}<extra></extra>"
    figure = go.Figure([
        go.Heatmap(x=x, y=y, z=z, customdata=text, hovertemplate=hover, colorscale="Blues",
                   colorbar={"title": {"text": "rows"}, "thickness": 12}, xgap=2, ygap=4, name="rows"),
        go.Heatmap(x=x, y=y, z=z_gap, customdata=text, hovertemplate=hover,
                   colorscale=[[0, "#cf222e"], [1, "#cf222e"]], showscale=False, xgap=2, ygap=4, name="gaps"),
    ])
    figure.update_layout(
        height=90 + 44 * max(len(tables), 1), margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"type": "date", "dtick": "M3", "tickformat": "%b\n%Y", "showgrid": False},
        yaxis={"autorange": "reversed", "showgrid": False},
        meta={"tables": tables, "months": x},
    )
    return figure


# -- Tables and uploads -------------------------------------------------------------------------


def table_summary(db: Database, coverage: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per canonical table: rows, first and last date, uploads it came from, gap months."""
    coverage = monthly_coverage(db) if coverage is None else coverage
    loaded = db.coverage()
    per_upload = _query(db, "upload_rows")
    found_gaps = gaps(coverage)
    out = []
    for table in CANONICAL_TABLES:
        first, last = loaded.ranges.get(table, (None, None))
        out.append({
            "table": table,
            "label": TABLE_LABELS[table],
            "rows": loaded.rows.get(table, 0),
            "first": first,
            "last": last,
            "uploads": int((per_upload["table_name"] == table).sum()),
            "gap_months": len(found_gaps.get(table, [])),
        })
    return pd.DataFrame(out)


def uploads(db: Database) -> pd.DataFrame:
    """Every upload, newest first: what its import reported, and the rows it still holds now
    (`rows_now`, summed over tables; a newer export may have replaced some) and their dates."""
    listed = _query(db, "uploads")
    held = _query(db, "upload_rows")
    out = []
    for row in listed.itertuples(index=False):
        mine = held[held["upload_id"] == row.upload_id]
        tables = list(mine["table_name"]) or ([row.target_table] if isinstance(row.target_table, str) else [])
        firsts = [d for d in map(_as_date, mine["first_day"]) if d is not None]
        lasts = [d for d in map(_as_date, mine["last_day"]) if d is not None]
        out.append({
            "upload_id": int(row.upload_id),
            "file": row.file,
            "kind": row.kind,
            "tables": ", ".join(tables),
            "loaded_at": row.loaded_at.to_pydatetime() if isinstance(row.loaded_at, pd.Timestamp) else row.loaded_at,
            "rows_now": int(mine["rows"].sum()),
            "first": min(firsts, default=None),
            "last": max(lasts, default=None),
            "loaded": int(row.rows_loaded),
            "rejected": int(row.rows_rejected),
            "duplicates": int(row.rows_duplicate),
            "updated": int(row.rows_updated),
            "replaced": int(row.rows_replaced),
        })
    columns = ["upload_id", "file", "kind", "tables", "loaded_at", "rows_now", "first", "last", "loaded",
               "rejected", "duplicates", "updated", "replaced"]
    return pd.DataFrame(out, columns=columns)


def upload_label(row) -> str:
    """'#5 training.csv (training records, 2 rows, loaded 3 Mar 2025 14:02)' for menus."""
    tables = row["tables"] if isinstance(row, dict) else row.tables
    rows_now = row["rows_now"] if isinstance(row, dict) else row.rows_now
    loaded_at = row["loaded_at"] if isinstance(row, dict) else row.loaded_at
    upload_id = row["upload_id"] if isinstance(row, dict) else row.upload_id
    file = row["file"] if isinstance(row, dict) else row.file
    into = ", ".join(TABLE_LABELS.get(t, t) for t in tables.split(", ") if t) or "nothing left"
    when = f", loaded {loaded_at.day} {loaded_at:%b %Y %H:%M}" if loaded_at is not None else ""
    rows = "row" if rows_now == 1 else "rows"
    return f"#{upload_id} {file} ({into}, {rows_now:,} {rows}{when})"


def upload_contents(db: Database, upload_id: int) -> dict[str, int]:
    """What removing an upload deletes: rows per table (only tables it holds rows in), and
    its rejected rows under 'quarantine'."""
    held = _query(db, "upload_rows")
    mine = held[held["upload_id"] == upload_id]
    out = {t: int(n) for t, n in zip(mine["table_name"], mine["rows"])}
    (rejected,) = _scalar(db, "quarantine_count", {"upload": upload_id})
    if rejected:
        out["quarantine"] = int(rejected)
    return out


def contents_text(contents: dict[str, int]) -> str:
    if not contents:
        return "no rows (a newer export replaced them all)"
    parts = []
    for table, n in contents.items():
        rows = "row" if n == 1 else "rows"
        what = f"rejected {rows}" if table == "quarantine" else f"{rows} of {TABLE_LABELS.get(table, table)}"
        parts.append(f"{n:,} {what}")
    return ", ".join(parts)


# -- Identity coverage --------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityCoverage:
    """How much collaboration activity can be tied to a department."""

    events: int
    joined_events: int
    people: int  # distinct people in the activity
    joined_people: int  # of whom in the people table
    people_loaded: int  # rows in the people table
    by_platform: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def share(self) -> float | None:
        return self.joined_events / self.events if self.events else None

    @property
    def low(self) -> bool:
        return self.share is not None and self.share < IDENTITY_ADVICE_BELOW

    @property
    def advice(self) -> str | None:
        """What to do, in plain words, when too little activity joins; None when it is fine."""
        if not self.events:
            return None
        if not self.people_loaded:
            return ("No people are loaded, so no activity can be split by department: every event counts "
                    "in the organisation's totals only. Load `people.csv` (person_id, department, and the "
                    "hire and leaving dates) with the same identifiers your collaboration tool uses, "
                    "usually work e-mails.")
        if not self.low:
            return None
        unknown = 1 - (self.share or 0)
        return (f"{unknown:.0%} of the activity comes from people who are not in the people table, so it "
                "counts in the organisation's totals but under 'Unknown' when split by department. "
                "If your collaboration tool knows people by e-mail or by its own user id while "
                "`people.csv` uses employee ids, load an identity map: a CSV with `person_id` and "
                "`email` (or `slack_user_id`, `viva_user_id`, ...) columns. Check too that "
                "`people.csv` lists everyone, leavers and contractors included. Reports that conceal "
                "user names (Teams' default) can never be joined: turn the concealment off in the "
                "Microsoft 365 admin centre before exporting.")


def identity_coverage(db: Database) -> IdentityCoverage:
    rows = _query(db, "identity")
    (people_loaded,) = _scalar(db, "people_count")
    total = rows[rows["platform_total"]]
    if total.empty or not int(total["events"].iloc[0]):
        return IdentityCoverage(0, 0, 0, 0, int(people_loaded), pd.DataFrame(
            columns=["platform", "events", "joined_events", "share"]))
    t = total.iloc[0]
    platforms = rows[~rows["platform_total"]].copy()
    platforms["platform"] = platforms["platform"].replace("", "(not given)")
    platforms["share"] = platforms["joined_events"] / platforms["events"]
    platforms = platforms[["platform", "events", "joined_events", "people", "joined_people", "share"]]
    return IdentityCoverage(
        events=int(t["events"]), joined_events=int(t["joined_events"]), people=int(t["people"]),
        joined_people=int(t["joined_people"]), people_loaded=int(people_loaded),
        by_platform=platforms.reset_index(drop=True),
    )


# -- Rejected rows ------------------------------------------------------------------------------

REJECTED_COLUMNS = ["file", "line", "column", "value", "reason"]


def rejected_count(rejected: pd.DataFrame) -> str:
    """How many rows a list from rejected_rows holds: it has one line per problem and a row can
    have several, so '2' or '2 rows, with 3 problems'. A problem without a line is its own row."""
    lines = rejected.dropna(subset=["line"]).drop_duplicates(["upload_id", "line"])
    rows = len(lines) + int(rejected["line"].isna().sum())
    plural = "row" if rows == 1 else "rows"
    if rows == len(rejected):
        return f"{rows:,} {plural}"
    return f"{rows:,} {plural}, with {len(rejected):,} problems (one per line)"


def rejected_rows(db: Database, upload_ids: Iterable[int] | int | None = None) -> pd.DataFrame:
    """Rejected rows of some uploads (or all): upload_id, file, line, column, value, reason.
    Person identifiers were never stored, so their value is empty."""
    if upload_ids is None or isinstance(upload_ids, int):
        frame = _query(db, "quarantine_rows", {"upload": upload_ids})
    else:
        wanted = list(upload_ids)
        frame = _query(db, "quarantine_rows", {"upload": None})
        frame = frame[frame["upload_id"].isin(wanted)]
        # In the order the files were given.
        order = {u: i for i, u in enumerate(wanted)}
        frame = frame.assign(_o=frame["upload_id"].map(order)).sort_values(
            ["_o", "line", "column"], kind="stable", na_position="first").drop(columns="_o")
    frame["line"] = frame["line"].astype("Int64")
    return frame.reset_index(drop=True)


def rejected_csv(frame: pd.DataFrame) -> bytes:
    """The rejected rows as the CSV users download: file, line, column, value, reason."""
    return frame[REJECTED_COLUMNS].to_csv(index=False).encode("utf-8")


# -- Import reports -----------------------------------------------------------------------------


def succeeded(report: FileReport) -> bool:
    return report.upload_id is not None


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def report_sentence(report: FileReport) -> str:
    """One line per file, in words."""
    if report.kind == "needs_mapping":  # only files imported without the Upload page's mapping step
        return (f"**{report.file}**: not loaded. {report.reason} To map it once, upload its first lines on "
                "the Upload page and save the mapping: files with the same columns are then read with it.")
    if not report.understood:
        return f"**{report.file}**: not loaded. {report.reason}"
    if not succeeded(report):
        return f"**{report.file}**: not loaded. {report.reason}"
    into = TABLE_LABELS.get(report.table or "", report.table)
    parts = [f"{_rows(report.loaded)} loaded", f"{report.rejected:,} rejected",
             f"{report.duplicates_skipped:,} already loaded (skipped)"]
    if report.updated:
        parts.append(f"{report.updated:,} of the loaded rows changed rows already there")
    if report.replaced:
        parts.append(f"{_rows(report.replaced)} of an older export of the same source replaced")
    return f"**{report.file}** → {into}: " + ", ".join(parts) + "."


def report_frame(reports: list[FileReport]) -> pd.DataFrame:
    """The per-file result table."""
    rows = []
    for r in reports:
        ok = succeeded(r)
        rows.append({
            "file": r.file,
            "read as": FILE_KIND_LABELS.get(r.kind, r.kind),
            "into": TABLE_LABELS.get(r.table or "", r.table or ""),
            "loaded": r.loaded if ok else None,
            "rejected": r.rejected if ok else None,
            "duplicates skipped": r.duplicates_skipped if ok else None,
            "updated": r.updated if ok else None,
            "replaced": r.replaced if ok else None,
            "result": "loaded" if ok else (r.reason or "not loaded"),
        })
    frame = pd.DataFrame(rows)
    for column in ("loaded", "rejected", "duplicates skipped", "updated", "replaced"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


# -- Saved mappings -----------------------------------------------------------------------------


def mapping_saved_on(db: Database, headers: list[str]) -> datetime | None:
    """When the column mapping for files with these headers was saved (None: none saved)."""
    row = _scalar(db, "mapping_saved_on", {"signature": signature(headers)})
    return row[0] if row else None


def mappings_stamp(db: Database) -> tuple:
    """Changes whenever a mapping is saved: part of the key of cached file detections."""
    return tuple(_scalar(db, "mappings_stamp"))


# -- Settings -----------------------------------------------------------------------------------


@cache
def time_zones() -> list[str]:
    """UTC, then every Area/City name, sorted."""
    names = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [DEFAULT_TIMEZONE, *names]


def timezone(db: Database) -> str:
    return db.setting("timezone", DEFAULT_TIMEZONE) or DEFAULT_TIMEZONE


def set_timezone(db: Database, name: str) -> None:
    if name not in time_zones():
        raise ValueError(f"Unknown time zone '{name}' (use a name such as Europe/Paris or UTC).")
    db.set_setting("timezone", name)


def set_min_group_size(db: Database, size: int) -> None:
    """Never below the smallest allowed size: a smaller value is raised to it."""
    db.set_min_group_size(max(int(size), SMALLEST_ALLOWED_GROUP_SIZE))


# -- The inbox ----------------------------------------------------------------------------------


def inbox_dir(db_path: str | Path) -> Path:
    """The folder beside the database where large exports wait: data/inbox/ by default."""
    return Path(db_path).parent / "inbox"


def waiting_files(folder: Path) -> list[Path]:
    """Files waiting in the inbox (not in done/ or failed/, not hidden), by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


@dataclass
class InboxResult:
    report: FileReport
    moved: list[Path]  # where the file (and its companion, e.g. Users.csv) went


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 2
    while target.exists():
        target = folder / f"{path.stem} ({n}){path.suffix}"
        n += 1
    shutil.move(str(path), target)
    return target


def import_inbox(
    db: Database,
    folder: Path,
    *,
    timezone: str | None = None,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    reading: Callable[[str, float], None] | None = None,
) -> list[InboxResult]:
    """Import every file waiting in `folder`, as the Upload page imports uploaded files (progress
    and reading as in import_files), then move each to done/ (loaded, even when some rows were
    rejected) or failed/ (not loaded)."""
    files = waiting_files(folder)
    if not files:
        return []
    sources = [open_source(p) for p in files]
    items = pair(sources)
    reports = import_files(db, sources, timezone=timezone, today=today, progress=progress, reading=reading)
    by_name = {r.file: r for r in reports}
    results = []
    for item in items:
        report = by_name.get(item.source.name)
        if report is None:
            continue
        destination = folder / (INBOX_DONE if succeeded(report) else INBOX_FAILED)
        moved = [_move(item.source.path, destination)]
        if item.companion is not None:
            moved.append(_move(item.companion.path, destination))
        results.append(InboxResult(report, moved))
    return results


class InboxWatcher:
    """Imports what is copied into the inbox while the app runs, so large exports need no click.

    Every `every` seconds it looks into the folder. When the files waiting there, their sizes and
    modification times are the same as at the previous look (a copy in progress changes them;
    a Users.csv still on its way keeps its Messages.csv waiting), it imports them all as
    `import_inbox` does. The Upload page's button goes through `import_now`, so the folder is
    never imported twice at once. The running app owns the only writer of the database, so it is
    the one that watches."""

    def __init__(self, db: Database, folder: Path, *, every: float = INBOX_SECONDS):
        self.db, self.folder, self.every = db, folder, every
        self.imported: list[tuple[datetime, InboxResult]] = []  # automatic imports, oldest first
        self.error: str | None = None  # why the last automatic import failed, if it did
        self._last_look: dict[Path, tuple[int, int]] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def waiting(self) -> dict[Path, tuple[int, int]]:
        """The files waiting now: path -> (size in bytes, modification time in ns). A file moved
        away while it is listed (this watcher imports concurrently) is left out."""
        found = {}
        for path in waiting_files(self.folder):
            try:
                stat = path.stat()
            except FileNotFoundError:  # moved away between the listing and now
                continue
            found[path] = (stat.st_size, stat.st_mtime_ns)
        return found

    def look(self) -> list[InboxResult]:
        """One look: import the waiting files if none changed since the previous look."""
        with self._lock:
            waiting = self.waiting()
            settled = bool(waiting) and waiting == self._last_look
            self._last_look = waiting
            if not settled:
                return []
            results = import_inbox(self.db, self.folder, timezone=timezone(self.db))
            self._last_look = None
            now = datetime.now()
            self.imported = (self.imported + [(now, r) for r in results])[-INBOX_KEPT:]
            return results

    def import_now(self, progress: Callable[[int, int], None] | None = None,
                   reading: Callable[[str, float], None] | None = None) -> list[InboxResult]:
        """Import every waiting file at once (the Upload page's button)."""
        with self._lock:
            self._last_look = None
            return import_inbox(self.db, self.folder, timezone=timezone(self.db), progress=progress,
                                reading=reading)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.look()
                self.error = None
            except Exception as error:  # keep watching: the page shows it, the log keeps it
                self.error = f"{type(error).__name__}: {error}"
                logging.getLogger(__name__).exception("Importing the inbox %s failed", self.folder)

    def start(self) -> "InboxWatcher":
        """Watch the folder (made if missing, ready for the first copy) on a thread of its own."""
        if self.every > 0 and self._thread is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._thread = threading.Thread(target=self._run, name="lookdown-inbox", daemon=True)
            self._thread.start()
        return self

    @property
    def watching(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
