"""The schema file every database and every compile-only copy of it is made from."""
from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
# DuckDB draws a progress bar on standard output for long queries; the CLI's output is data.
QUIET_SQL = "set enable_progress_bar = false; set enable_progress_bar_print = false"


def empty_schema() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the schema and nothing else, to compile SQL against the tables
    and macros (the catalogue checks every measure so): no key, no upgrade, no rollups to refresh."""
    con = duckdb.connect()
    con.execute(QUIET_SQL)
    con.execute(SCHEMA_FILE.read_text())
    return con
