"""Upgrades of database files made by earlier versions of Lookdown, run once when opened."""
from __future__ import annotations

import duckdb

from lookdown.store.schema import SCHEMA_FILE

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


def forget_content_event_keys(con: duckdb.DuckDBPyConnection, new: bool) -> None:
    """Earlier versions stored, for an event without a platform id, the md5 of its content as
    its event_key. Such events are now compared by their content and store NULL
    (lookdown.ingest.write.EVENT_IDENTITY): clear the old keys so that loading their file again is still
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
        # The old key, as the loader computed it: person keys entered it as 16 hex digits.
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


def upgrade_text_keys(con: duckdb.DuckDBPyConnection) -> None:
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

