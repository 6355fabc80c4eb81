"""The audit trail: one line per change to the data or the settings, written in the same
transaction as the change, naming who made it (lookdown.store.access)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from lookdown.store.access import current_actor

if TYPE_CHECKING:
    import pandas as pd

    from lookdown.store.database import Database

# What the trail records, as the Data page names it.
ACTIONS = ("upload", "remove upload", "mapping", "setting", "assumptions", "measure", "restore")


def record(cur: duckdb.DuckDBPyConnection, action: str, detail: str) -> None:
    """A line for a change made on `cur` (inside its transaction) by the current actor."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action '{action}'")
    actor = current_actor()
    cur.execute(
        "insert into audit_log (actor, role, action, detail) values ($who, $role, $action, $detail)",
        {"who": actor.email or actor.name, "role": actor.role, "action": action, "detail": detail},
    ).fetchall()


def trail(db: Database, limit: int = 500) -> pd.DataFrame:
    """The latest changes first: changed_at, actor, role, action, detail."""
    return db.cursor().execute(
        "select changed_at, actor, role, action, detail from audit_log order by audit_id desc limit $n", {"n": limit}
    ).df()
