"""The database: one DuckDB file holding the canonical tables, the rollups measures read, the
import bookkeeping and the settings (schema.sql, rollups.sql), with the upgrades of files made
by earlier versions."""
from lookdown.store.coverage import Coverage
from lookdown.store.database import (
    DEFAULT_DB,
    DEFAULT_MIN_GROUP_SIZE,
    SMALLEST_ALLOWED_GROUP_SIZE,
    Database,
    DatabaseBusy,
    ReadOnlyDatabase,
    default_db_path,
    pseudonym,
    run_watched,
)
from lookdown.store.rollups import note_activity_changes, note_table_changes, refresh_rollups
from lookdown.store.schema import QUIET_SQL, SCHEMA_FILE, empty_schema

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_MIN_GROUP_SIZE",
    "QUIET_SQL",
    "SCHEMA_FILE",
    "SMALLEST_ALLOWED_GROUP_SIZE",
    "Coverage",
    "Database",
    "DatabaseBusy",
    "ReadOnlyDatabase",
    "default_db_path",
    "empty_schema",
    "note_activity_changes",
    "note_table_changes",
    "pseudonym",
    "refresh_rollups",
    "run_watched",
]
