"""The schema file every database and every compile-only copy of it is made from."""
from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
# DuckDB draws a progress bar on standard output for long queries; the CLI's output is data.
QUIET_SQL = "set enable_progress_bar = false; set enable_progress_bar_print = false"
MEMORY_LIMIT = "1GB"
# What a connection that runs SQL people wrote may not do (lookdown.measures.sandbox): reach
# files, install or load extensions, or change settings. In this order (the lock last), on a
# connection opened with an empty temp_directory.
LOCKDOWN = (
    "set enable_external_access = false",
    "set autoinstall_known_extensions = false",
    "set autoload_known_extensions = false",
    "set allow_community_extensions = false",
    f"set memory_limit = '{MEMORY_LIMIT}'",
    "set threads = 1",
    "set enable_progress_bar = false",
    "set lock_configuration = true",
)


def empty_schema() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the schema and nothing else, to compile SQL against the tables
    and macros (the catalogue checks every measure so, custom ones included): no key, no upgrade,
    no rollups to refresh, and locked down like the sandbox, since the SQL may be anyone's."""
    con = duckdb.connect(config={"temp_directory": ""})
    con.execute(QUIET_SQL)
    con.execute(SCHEMA_FILE.read_text())
    for setting in LOCKDOWN:
        con.execute(setting)
    return con
