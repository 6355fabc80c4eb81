"""Load rows shaped like a CSV template into the canonical tables, in one transaction.

This is the single way rows enter the database: the demo, the tests and every import reader end
here, so pseudonymisation, duplicate handling and rollups are the same for all of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from lookdown.contract import TEMPLATES, Template
from lookdown.store import Database


class ContractError(ValueError):
    """The rows do not fit the template (missing required columns, unknown table)."""


@dataclass
class LoadResult:
    table: str
    upload_id: int
    loaded: int
    duplicates_skipped: int = 0
    notices: list[str] = field(default_factory=list)


def conform(table: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Match headers to the template case-insensitively; drop extra columns with a notice."""
    if table not in TEMPLATES:
        raise ContractError(f"Unknown table '{table}'. Tables: {', '.join(TEMPLATES)}")
    template = TEMPLATES[table]
    known = {c.name for c in template.columns}
    renamed = {col: str(col).strip().lower().lstrip("\ufeff") for col in frame.columns}
    frame = frame.rename(columns=renamed)
    notices = []
    extra = [c for c in frame.columns if c not in known]
    if extra:
        notices.append(f"{table}: ignored column(s) not in the template: {', '.join(map(str, extra))}")
    missing = [c for c in template.required if c not in frame.columns]
    if missing:
        raise ContractError(f"{table}: missing required column(s): {', '.join(missing)}")
    for group in template.one_of:
        if not any(c in frame.columns for c in group):
            raise ContractError(f"{table}: needs at least one of the columns {' or '.join(group)}")
    frame = frame[[c for c in frame.columns if c in known]].copy()
    for column in template.columns:
        if column.name not in frame.columns:
            frame[column.name] = None
    return frame[[c.name for c in template.columns]], notices


def _select_list(template: Template) -> str:
    """SELECT expressions turning template columns into canonical ones (names from the contract)."""
    parts = []
    for column in template.columns:
        if column.identifier:
            expr = f"pseudonym(incoming.{column.name})"
        elif column.name == "month":
            expr = "date_trunc('month', incoming.month::date)::date"
        elif column.allowed:
            expr = f"lower(trim(incoming.{column.name}::varchar))"
        else:
            expr = f"incoming.{column.name}::{column.type}"
        parts.append(f"{expr} as {column.canonical}")
    return ",\n    ".join(parts)


def _insert_sql(template: Template) -> str:
    columns = ", ".join(c.canonical for c in template.columns)
    select = _select_list(template)
    if template.table == "activity":
        # event_key identifies an event across repeated loads of the same export.
        return (
            f"insert into activity (event_key, {columns}, upload_id)\n"
            f"with rows as (select {select} from incoming),\n"
            "keyed as (select md5(concat_ws('|', occurred_at, person_key, kind, space, thread_id,"
            " target_person_key, platform)) as event_key, * from rows)\n"
            f"select distinct on (event_key) event_key, {columns}, $upload_id from keyed\n"
            "where event_key not in (select event_key from activity)"
        )
    if template.table == "people":
        # A newer HR extract replaces what was known of a person.
        return f"insert or replace into people ({columns}, upload_id)\nselect {select}, $upload_id from incoming"
    return f"insert into {template.table} ({columns}, upload_id)\nselect {select}, $upload_id from incoming"


def load_frame(db: Database, table: str, frame: pd.DataFrame, *, kind: str, source: str) -> LoadResult:
    """Load one template-shaped frame as one upload; all of it or nothing."""
    return load_frames(db, {table: frame}, kind=kind, source=source)[0]


def load_frames(db: Database, frames: dict[str, pd.DataFrame], *, kind: str, source: str) -> list[LoadResult]:
    """Load several tables in one transaction (one upload per table): all of them or none."""
    conformed = {table: conform(table, frame) for table, frame in frames.items()}
    results = []
    with db.transaction() as cur:
        for table, (rows, notices) in conformed.items():
            upload_id = db.new_upload(cur, kind, source)
            count_sql = "select count(*) from " + TEMPLATES[table].table  # name from the contract
            # On failure the transaction rolls back and the cursor, with this view, is closed.
            cur.register("incoming", rows)
            ((before,),) = cur.execute(count_sql).fetchall()
            cur.execute(_insert_sql(TEMPLATES[table]), {"upload_id": upload_id}).fetchall()
            ((after,),) = cur.execute(count_sql).fetchall()
            cur.unregister("incoming")
            # People are upserted, so every row counts as loaded; elsewhere the growth does.
            loaded = len(rows) if table == "people" else after - before
            cur.execute(
                "update uploads set rows_loaded = $n where upload_id = $id", {"n": loaded, "id": upload_id}
            )
            results.append(LoadResult(table, upload_id, loaded, len(rows) - loaded, notices))
    return results
