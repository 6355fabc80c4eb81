"""Load rows shaped like a CSV template into the canonical tables, in one transaction.

This is the single way rows enter the database: the demo, the tests and every import reader
(lookdown.ingest) end in `write_rows`, so pseudonymisation, the identity map, duplicate handling
and rollups are the same for all of them.

Duplicates: every table has a key (lookdown.contract.KEYS). An incoming row whose key matches a
loaded row is skipped when nothing changed and replaces it otherwise, so loading the same file
twice never double counts. Platform exports (`source_key` + `period`) go further: a newer export
of the same source replaces everything the older one said about the period it covers.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from lookdown.contract import KEYS, TEMPLATES, Template
from lookdown.ingest import limits
from lookdown.ingest.stage import TempRows
from lookdown.store import Database, audit, note_activity_changes, note_table_changes, run_watched
from lookdown.store.access import require_editor

if TYPE_CHECKING:  # frames come from the callers that have pandas; importing files does without it
    import pandas as pd


class ContractError(ValueError):
    """The rows do not fit the template (missing required columns, unknown table)."""


@dataclass
class LoadResult:
    table: str
    upload_id: int
    loaded: int
    duplicates_skipped: int = 0
    notices: list[str] = field(default_factory=list)


@contextmanager
def incoming(cur: duckdb.DuckDBPyConnection, rows) -> Iterator[None]:
    """Make `rows` (TempRows of this cursor, a DataFrame or an Arrow table) readable as `incoming`."""
    if isinstance(rows, TempRows):
        if rows.con is not cur:
            raise ValueError("Staged rows can only be written by the connection that staged them.")
        cur.execute(f"create or replace temp view incoming as select * from {rows.name}").fetchall()
        try:
            yield
        finally:
            cur.execute("drop view if exists incoming").fetchall()
        return
    cur.register("incoming", rows)
    try:
        yield
    finally:
        cur.unregister("incoming")


@dataclass
class WriteStats:
    """What writing one upload's rows did to its table."""

    inserted: int = 0  # rows written: new ones plus updated ones
    new: int = 0  # rows that were not loaded before
    updated: int = 0  # loaded rows this upload changed (same key, other values)
    duplicates: int = 0  # rows already loaded unchanged, or repeated in the file
    replaced: int = 0  # rows of an older export of the same source, gone from the newer one


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


# -- SQL built from the contract (names come from lookdown.contract only) ----------------------


def _person_expr(raw: str, alt: str | None, mapped: bool) -> str:
    """A person identifier -> its key, through the identity map when it names an alias."""
    own = f"pseudonym(coalesce({raw}, {alt}))" if alt else f"pseudonym({raw})"
    if not mapped:
        return own
    lookups = [f"(select m.person_key from identity_map as m where m.alias_key = pseudonym({raw}))"]
    if alt:
        lookups.append(f"(select m.person_key from identity_map as m where m.alias_key = pseudonym({alt}))")
    return "coalesce(" + ", ".join([*lookups, own]) + ")"


def _keys_sql(column: str, alt: bool, mapped: bool) -> str:
    """ld_keys_<column>: the key of each distinct identifier (and alternative) in incoming.
    Hashing distinct values once is much cheaper than hashing every row (people repeat)."""
    alt_column = f"incoming.{column}_alt" if alt else "null::varchar"
    return (
        f"create or replace temp table ld_keys_{column} as "
        f"select raw, alt, {_person_expr('raw', 'alt' if alt else None, mapped)} as person_key from "
        f"(select distinct incoming.{column}::varchar as raw, {alt_column}::varchar as alt from incoming)"
    )


def _select_list(template: Template, alt: frozenset[str] = frozenset(), normalized: bool = False) -> tuple[str, str]:
    """SELECT expressions turning template columns into canonical ones, and the joins to the
    identifier keys they read (names from the contract). normalized: the values of columns with
    allowed values are already trimmed and lower-cased."""
    parts, joins = [], []
    for column in template.columns:
        name = column.name
        if column.identifier:
            keys = f"ld_keys_{name}"
            expr = f"{keys}.person_key"
            join = f"left join {keys} on {keys}.raw is not distinct from incoming.{name}::varchar"
            if name in alt:
                join += f" and {keys}.alt is not distinct from incoming.{name}_alt::varchar"
            joins.append(join)
        elif name == "month":
            expr = "date_trunc('month', incoming.month::date)::date"
        elif column.allowed and not normalized:
            expr = f"lower(trim(incoming.{name}::varchar))"
        else:
            expr = f"incoming.{name}::{column.type}"
        parts.append(f"{expr} as {column.canonical}")
    return ",\n    ".join(parts), "\n".join(joins)


def _joined_expr(columns: list[str] | tuple[str, ...]) -> str:
    """The columns' values as one text, NULL-safe (a NULL differs from an empty string)."""
    parts = ", ".join(f"coalesce({c}::varchar, chr(0))" for c in columns)
    return f"concat_ws(chr(31), {parts})"


def _hash_expr(columns: list[str] | tuple[str, ...]) -> str:
    """md5 over columns, NULL-safe."""
    return f"md5({_joined_expr(columns)})"


# What makes two activity rows one event when the export gives the event no id of its own. Such
# rows are compared by these columns: no key is stored for them (hashing every row cost a third
# of writing it, and 16 bytes a row made the largest column on disk).
EVENT_IDENTITY = KEYS["activity"].columns
# One value per event, for the rows of one load and the loaded rows of one period: the platform's
# event key, or the md5 of the event's identity (never stored).
_EVENT_ID_VALUE = f"coalesce(event_key, md5_number({_joined_expr(EVENT_IDENTITY)}))"


def _same_event(a: str, b: str) -> str:
    """Rows a and b are the same event by their identity columns (aliases are constants)."""
    return " and ".join(f"{a}.{c} is not distinct from {b}.{c}" for c in EVENT_IDENTITY)


def _columns(template: Template) -> list[str]:
    return [c.canonical for c in template.columns]


def _keyed_sql(template: Template, *, event_ids: bool, alt: frozenset[str], normalized: bool) -> str:
    """incoming (+ ld_keys_*) -> canonical rows with their key, content hash and occurrence
    number (a query)."""
    key = KEYS[template.table]
    columns = _columns(template)
    select, joins = _select_list(template, alt, normalized)
    if template.table == "activity":
        if event_ids:
            # The reader's stable id of the event (platform, workspace, channel, ts, ...), as a
            # 128-bit number (md5_number: half the space of its hex text).
            rows = f"select incoming.rec, incoming.event_id, {select} from incoming {joins}"
            keyed = "select md5_number(concat_ws('|', platform, event_id)) as event_key, * from rows"
        else:
            # No id: the event is its content (EVENT_IDENTITY).
            rows = f"select incoming.rec, {select} from incoming {joins}"
            keyed = "select null::uhugeint as event_key, * from rows"
        # Events are compared by their key or content, never updated (see _write_activity).
        hashed = "select * from keyed"
    else:
        rows = f"select incoming.rec, {select} from incoming {joins}"
        keyed = "select * from rows"
        hashed = f"select *, {_hash_expr(key.columns)} as row_key, {_hash_expr(columns)} as row_hash from keyed"
    head = (
        f"with rows as ({rows}),\n"
        f"keyed as ({keyed}),\n"
        f"hashed as ({hashed})\n"
    )
    if key.unique:
        # One row per key; write_rows keeps the file's last when a key repeats.
        return head + "select *, 1::bigint as ord from hashed"
    # Identical rows can repeat: number each key's occurrences in file order.
    return head + "select *, row_number() over (partition by row_key order by rec) as ord from hashed"


def _existing_sql(template: Template) -> str:
    """The loaded rows of the table (not activity) with the same key, hash and occurrence number
    as ld_in."""
    key = KEYS[template.table]
    row_key = _hash_expr(key.columns)
    row_hash = _hash_expr(_columns(template))
    if key.unique:
        # One row per key already (people has a primary key).
        ordinal = "1::bigint"
    else:
        ordinal = f"row_number() over (partition by {row_key} order by rowid)"
    return f"select rowid as rid, {row_key} as row_key, {row_hash} as row_hash, {ordinal} as ord from {template.table}"


def write_rows(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    rows,
    upload_id: int,
    *,
    source_key: str | None = None,
    period: tuple[datetime, datetime] | None = None,
    progress: Callable[[int], None] | None = None,
    direct: bool = False,
) -> WriteStats:
    """Write one upload's template-shaped rows (a DataFrame, an Arrow table or TempRows staged by
    `cur`) inside the caller's transaction. `rows` holds the template columns (identifiers in
    clear: they are hashed here and never stored), a `rec` column numbering them in file order,
    and optionally `event_id` (activity from a platform export) and `<identifier>_alt` (a second
    identifier, e.g. the platform user id when the first is an e-mail). With `source_key` and
    `period` (activity only), the rows of older uploads of the same source inside the period are
    replaced. `progress(n)` gets rows written.

    direct: write activity without a platform id, when no older export is replaced, straight from
    `rows` (the fastest way for a large file). It raises RepeatedEvents if the rows repeat an
    event, and the caller then rolls back and writes them again without `direct`."""
    names = set(rows.column_names if hasattr(rows, "column_names") else rows.columns)
    received = rows.num_rows if hasattr(rows, "num_rows") else len(rows)
    event_ids = table == "activity" and "event_id" in names
    direct = direct and table == "activity" and not event_ids and source_key is None
    note_table_changes(cur, [table])
    with _keyed(cur, table, rows, names, event_ids=event_ids) as keyed:
        if direct:
            return _write_activity_direct(cur, keyed, received, upload_id, progress)
        if table == "activity":  # each event's key or content as one value (ident)
            keyed = f"select *, {_EVENT_ID_VALUE} as ident from ({keyed})"
        cur.execute("create or replace temp table ld_in as\n" + keyed).fetchall()
    stats = WriteStats(duplicates=received - _keep_last_of_repeated_keys(cur, table))
    if table == "activity":
        if source_key is not None and period is not None:
            _replace_older_export(cur, source_key, period, stats)
        _write_activity(cur, upload_id, stats, progress, event_ids=event_ids)
    else:
        note_activity_changes(cur, "")  # the activity rollups stay as they are
        _write_new_and_changed(cur, TEMPLATES[table], upload_id, stats, progress)
    return stats


@contextmanager
def _keyed(cur: duckdb.DuckDBPyConnection, table: str, rows, names: set[str], *, event_ids: bool) -> Iterator[str]:
    """The query turning `rows` into canonical rows with their keys (_keyed_sql), readable while
    the block runs: the rows as `incoming`, each identifier's key in ld_keys_<column>."""
    template = TEMPLATES[table]
    alt = frozenset(c.name for c in template.columns if c.identifier and f"{c.name}_alt" in names)
    ((mapped,),) = cur.execute("select count(*) > 0 from identity_map").fetchall()
    identifiers = [c.name for c in template.columns if c.identifier]
    try:
        with incoming(cur, rows):
            for column in identifiers:
                cur.execute(_keys_sql(column, column in alt, mapped)).fetchall()
            # Staged files come parsed (lookdown.ingest.stage): their allowed values are normalized.
            yield _keyed_sql(template, event_ids=event_ids, alt=alt, normalized=isinstance(rows, TempRows))
    finally:
        for column in identifiers:
            cur.execute("drop table if exists ld_keys_" + column).fetchall()  # contract names


def _keep_last_of_repeated_keys(cur: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows repeated inside the file: a unique key keeps its last row. Most files have none,
    which one count tells; otherwise the repeated keys' other rows are deleted from ld_in.
    Returns the rows left."""
    if KEYS[table].unique:
        key_column = "ident" if table == "activity" else "row_key"
        ((repeated,),) = cur.execute(
            f"select count(*) - count(distinct {key_column}) from ld_in"
        ).fetchall()
        if repeated:
            cur.execute(
                f"create or replace temp table ld_repeated as select {key_column} as repeated_key, "
                f"max(rec) as kept from ld_in group by {key_column} having count(*) > 1"
            ).fetchall()
            cur.execute(
                f"delete from ld_in where {key_column} in (select repeated_key from ld_repeated) "
                "and rec not in (select kept from ld_repeated)"
            ).fetchall()
            cur.execute("drop table ld_repeated").fetchall()
    ((distinct_rows,),) = cur.execute("select count(*) from ld_in").fetchall()
    return distinct_rows


def _replace_older_export(cur: duckdb.DuckDBPyConnection, source_key: str, period: tuple[datetime, datetime],
                          stats: WriteStats) -> None:
    """A newer export of the same source replaces everything the older ones said about the
    period it covers: their activity there is deleted, and the events that come again count as
    duplicates, not as new."""
    same = (
        "from activity where upload_id in (select upload_id from upload_details where source_key = $s) "
        "and occurred_at between $lo and $hi"
    )
    params = {"s": source_key, "lo": period[0], "hi": period[1]}
    ((kept, gone),) = cur.execute(
        "select count(*) filter (where ident in (select ident from ld_in)), "
        "count(*) filter (where ident not in (select ident from ld_in)) "
        f"from (select {_EVENT_ID_VALUE} as ident {same})",
        params,
    ).fetchall()
    note_activity_changes(cur, "select occurred_at, thread_id " + same, params)
    cur.execute("delete " + same, params).fetchall()
    stats.replaced += gone
    stats.duplicates += kept
    stats.new -= kept  # re-written as part of this upload, but not new


def _write_new_and_changed(cur: duckdb.DuckDBPyConnection, template: Template, upload_id: int, stats: WriteStats,
                           progress: Callable[[int], None] | None) -> None:
    """Tables other than activity: each row of ld_in is matched with the loaded row of the same
    key (and occurrence): the same row is skipped, a changed one replaces it, a new one is added."""
    table = template.table
    columns = ", ".join(_columns(template))
    sql = (
        "create or replace temp table ld_match as\n"
        f"with existing as ({_existing_sql(template)})\n"
        "select i.rec, e.rid, e.row_hash = i.row_hash as same\n"
        "from ld_in as i left join existing as e on e.row_key = i.row_key and e.ord = i.ord"
    )
    cur.execute(sql).fetchall()
    ((dups, updates),) = cur.execute(
        "select count(*) filter (where same), count(*) filter (where not same) from ld_match"
    ).fetchall()
    stats.duplicates += dups
    stats.updated += updates
    if updates:
        cur.execute(f"delete from {table} where rowid in (select rid from ld_match where not same)").fetchall()

    ((to_write,),) = cur.execute("select count(*) from ld_match where same is null or not same").fetchall()
    insert = (
        f"insert into {table} ({columns}, upload_id)\n"
        f"select {columns}, $upload_id from ld_in\n"
        "where rec in (select rec from ld_match where same is null or not same) order by rec"
    )  # in file order: a key's repeated rows are matched by their order (_existing_sql)
    if to_write:
        write_watched(cur, insert, {"upload_id": upload_id}, to_write, progress)
    stats.inserted = to_write
    stats.new += to_write - updates
    for temp in ("ld_in", "ld_match"):
        cur.execute("drop table if exists " + temp).fetchall()  # names are constants


def _activity_insert(rows_sql: str) -> str:
    """INSERT of keyed activity rows (a query built from constants) as upload $upload_id."""
    columns = ", ".join(_columns(TEMPLATES["activity"]))
    return (f"insert into activity (event_key, {columns}, upload_id)\n"
            f"select event_key, {columns}, $upload_id from {rows_sql}")


def write_watched(
    cur: duckdb.DuckDBPyConnection, insert_sql: str, params: dict, rows: int, progress: Callable[[int], None] | None
) -> int:
    """Run one INSERT of `rows` rows as a single statement (DuckDB writes it fastest that way),
    calling progress(rows written so far) as it runs (lookdown.store.run_watched), then
    progress(rows); an abandoned import stops it (lookdown.ingest.limits.check). Returns the rows
    inserted."""
    limits.check()
    report = None if progress is None else (lambda share: progress(int(rows * share)))
    ((inserted,),) = run_watched(cur, insert_sql, params, report, check=limits.check)
    if progress is not None:
        progress(rows)
    return inserted


class RepeatedEvents(Exception):
    """Rows written with `direct` repeat an event: roll back, and write them without `direct`."""


def _write_activity_direct(
    cur: duckdb.DuckDBPyConnection, keyed_sql: str, received: int, upload_id: int,
    progress: Callable[[int], None] | None,
) -> WriteStats:
    """Write activity without platform ids in one statement from the keyed rows' query, leaving
    out events already loaded. Keeping a keyed copy first (ld_in, _write_activity) costs about a
    third of the time of writing, and is only needed to find events the file repeats: here they
    are counted once written. Removing the copies then would mean deleting rows written in the
    same transaction, which makes DuckDB's commit far slower (8.7 s instead of 0.3 s for two rows
    of ten million), so RepeatedEvents sends the file through ld_in instead."""
    loaded, span = _loaded_events(cur, "incoming", "ld_new")
    new_only = f"where not exists ({loaded})" if loaded else ""
    insert = _activity_insert(f"({keyed_sql}) as ld_new {new_only}")
    inserted = write_watched(cur, insert, {"upload_id": upload_id, **span}, received, progress)
    written = "from activity where upload_id = $u"
    # hash() is only compared within this statement: two events with the same hash (rare) take
    # the exact way, through ld_in, like a repeated event.
    ((distinct,),) = cur.execute(
        f"select count(distinct hash({', '.join(EVENT_IDENTITY)})) " + written, {"u": upload_id}
    ).fetchall()
    if distinct != inserted:
        raise RepeatedEvents(f"{inserted - distinct} repeated event(s), or two with the same hash")
    note_activity_changes(cur, "select occurred_at, thread_id " + written, {"u": upload_id})
    return WriteStats(inserted=inserted, new=inserted, duplicates=received - inserted)


def _loaded_events(cur: duckdb.DuckDBPyConnection, rows: str, alias: str) -> tuple[str, dict]:
    """A correlated subquery finding the loaded event with the content of row `alias` (events
    without platform ids), and its parameters: the time span `rows` cover (rows and alias are
    constants); ("", {}) when there is nothing to find. The span bounds the scan of activity: an
    import of one week is compared with that week."""
    if rows not in ("incoming", "ld_in") or alias not in ("ld_new", "ld_in"):
        raise ValueError(f"not a relation of a load: {rows!r}, {alias!r}")  # they go into the SQL
    ((loaded,),) = cur.execute("select count(*) from (select 1 from activity limit 1)").fetchall()
    if not loaded:
        return "", {}
    ((lo, hi),) = cur.execute(f"select min(occurred_at)::timestamp, max(occurred_at)::timestamp from {rows}").fetchall()
    if lo is None:
        return "", {}
    return (f"select 1 from activity as a where a.event_key is null and a.occurred_at between $lo and $hi "
            f"and {_same_event('a', alias)}"), {"lo": lo, "hi": hi}


def _write_activity(
    cur: duckdb.DuckDBPyConnection, upload_id: int, stats: WriteStats, progress: Callable[[int], None] | None,
    *, event_ids: bool,
) -> None:
    """A loaded event is never updated: an incoming row that is the same event (the same
    platform key, or the same content for rows without one) is skipped. An anti-join drops them
    from ld_in (nothing to do when the table is empty), then ld_in is written."""
    if event_ids:
        already, span = "event_key in (select event_key from activity where event_key is not null)", {}
    else:
        loaded, span = _loaded_events(cur, "ld_in", "ld_in")
        already = f"exists ({loaded})" if loaded else ""
    if already:
        ((dups,),) = cur.execute("select count(*) from ld_in where " + already, span).fetchall()
        if dups:
            cur.execute("delete from ld_in where " + already, span).fetchall()
        stats.duplicates += dups
    ((to_write,),) = cur.execute("select count(*) from ld_in").fetchall()
    note_activity_changes(cur, "select occurred_at, thread_id from ld_in")
    if to_write:
        write_watched(cur, _activity_insert("ld_in"), {"upload_id": upload_id}, to_write, progress)
    stats.inserted = to_write
    stats.new += to_write
    cur.execute("drop table if exists ld_in").fetchall()


def load_frame(db: Database, table: str, frame: pd.DataFrame, *, kind: str, source: str) -> LoadResult:
    """Load one template-shaped frame as one upload; all of it or nothing."""
    return load_frames(db, {table: frame}, kind=kind, source=source)[0]


def load_frames(db: Database, frames: dict[str, pd.DataFrame], *, kind: str, source: str) -> list[LoadResult]:
    """Load several tables in one transaction (one upload per table): all of them or none.
    Editors only."""
    require_editor("load data")
    conformed = {table: conform(table, frame) for table, frame in frames.items()}
    results = []
    with db.transaction() as cur:
        for table, (rows, notices) in conformed.items():
            upload_id = db.new_upload(cur, kind, source)
            rows = rows.reset_index(drop=True)
            rows.insert(0, "rec", range(len(rows)))
            stats = write_rows(cur, table, rows, upload_id)
            loaded = stats.inserted
            cur.execute(
                "update uploads set rows_loaded = $n where upload_id = $id", {"n": loaded, "id": upload_id}
            )
            audit.record(cur, "upload", f"#{upload_id} {source}: {table}: {loaded:,} rows loaded")
            results.append(LoadResult(table, upload_id, loaded, stats.duplicates, notices))
    return results


def write_identity_map(cur: duckdb.DuckDBPyConnection, rows, upload_id: int) -> tuple[int, int, int]:
    """Store the aliases (hashed) and re-key loaded activity; (new, updated, unchanged)."""
    with incoming(cur, rows):
        cur.execute(
            "create or replace temp table ld_aliases as select distinct on (alias_key) "
            "pseudonym(alias) as alias_key, pseudonym(person_id) as person_key, platform "
            "from incoming where pseudonym(alias) is not null order by alias_key, rec desc"
        ).fetchall()
    ((new, updated, same),) = cur.execute(
        "select count(*) filter (where m.alias_key is null), "
        "count(*) filter (where m.person_key <> a.person_key), "
        "count(*) filter (where m.person_key = a.person_key) "
        "from ld_aliases as a left join identity_map as m on m.alias_key = a.alias_key"
    ).fetchall()
    cur.execute(
        "insert or replace into identity_map (alias_key, person_key, platform, upload_id) "
        "select alias_key, person_key, platform, $u from ld_aliases "
        "where alias_key not in (select alias_key from identity_map as m where m.person_key = ld_aliases.person_key)",
        {"u": upload_id},
    ).fetchall()
    # Activity loaded before the map was: move it to the person the alias stands for.
    cur.execute(
        "update activity set person_key = a.person_key from ld_aliases as a "
        "where activity.person_key = a.alias_key and a.alias_key <> a.person_key"
    ).fetchall()
    cur.execute(
        "update activity set target_person_key = a.person_key from ld_aliases as a "
        "where activity.target_person_key = a.alias_key and a.alias_key <> a.person_key"
    ).fetchall()
    cur.execute("drop table if exists ld_aliases").fetchall()
    return new, updated, same
