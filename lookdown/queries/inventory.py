"""What is loaded, and the bookkeeping around imports that the Upload and Data pages show.

- per table: rows, first and last date, how many uploads it came from, months with no rows;
- per upload: the rows it still holds in each table and the dates they cover;
- coverage by month per table, with the gaps (a month with no rows between the first and last);
- identity coverage: the share of activity whose person is in the people table, i.e. can be
  split by department, with plain advice when it is low;
- rejected rows (the quarantine);
- saved column mappings, and the installation's settings an L&D leader may change (time zone,
  minimum group size).

The queries are in inventory.sql, one per `-- name:` line. lookdown.present.inventory puts them
into words and charts.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

import pandas as pd

from lookdown.contract import CANONICAL_TABLES, TABLE_LABELS
from lookdown.ingest.mapping import signature
from lookdown.periods import month_starts
from lookdown.store import Database

SQL_FILE = Path(__file__).with_name("inventory.sql")

# Tables that record events over time; people and cohorts are lists.
DATED_TABLES = ("activity", "training", "manager_time", "marketing_spend", "initiatives")


# Below this share of activity joined to a person in the people table, the Data page says what to do.
IDENTITY_ADVICE_BELOW = 0.9
DEFAULT_TIMEZONE = "UTC"


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


def _query(db: Database, name: str, params: dict | None = None) -> pd.DataFrame:
    return db.cursor().execute(_queries()[name], params or {}).df()


def _scalar(db: Database, name: str, params: dict | None = None):
    return db.cursor().execute(_queries()[name], params or {}).fetchone()


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
        for month in month_starts(min(by_month), max(by_month)):
            n = by_month.get(month, 0)
            out.append({"table": table, "month": month, "rows": n, "gap": n == 0})
    return pd.DataFrame(out, columns=["table", "month", "rows", "gap"])


def gaps(coverage: pd.DataFrame) -> dict[str, list[date]]:
    """{table: [months with no rows between its first and last month]}, tables with gaps only."""
    found: dict[str, list[date]] = {}
    for table, month in coverage.loc[coverage["gap"], ["table", "month"]].itertuples(index=False):
        found.setdefault(table, []).append(month)
    return found


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


# -- Import reports -----------------------------------------------------------------------------


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
    db.change_setting("timezone", name, what="the time zone")


def set_min_group_size(db: Database, size: int) -> None:
    """The minimum group size for every figure shown; a size below the smallest allowed is
    refused with the reason (Database.set_min_group_size), never silently raised."""
    db.set_min_group_size(int(size))


# -- The inbox ----------------------------------------------------------------------------------


