"""The money assumptions an organisation has entered, kept with its data.

They live in the database's `settings` table as one JSON object under `money_assumptions`, so
they travel with the database file and every reader of it sees the same figures. Nothing saved
means the documented defaults of `Assumptions`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from lookdown.analysis.money import Assumptions

SETTING = "money_assumptions"


@dataclass(frozen=True)
class StoredAssumptions:
    assumptions: Assumptions
    saved: bool            # False: the defaults, nothing saved yet
    problem: str | None    # why a saved value could not be used (the defaults are used instead)


def load_assumptions(db) -> StoredAssumptions:
    """The saved assumptions, or the defaults when none are saved or the saved ones are unusable.

    Fields added to `Assumptions` after a save take their default.
    """
    text = db.setting(SETTING)
    if text is None:
        return StoredAssumptions(Assumptions(), saved=False, problem=None)
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return StoredAssumptions(Assumptions.from_dict(data), saved=True, problem=None)
    except (ValueError, TypeError) as exc:
        return StoredAssumptions(
            Assumptions(), saved=False,
            problem=f"The saved money assumptions could not be read ({exc}); the defaults are shown.",
        )


def save_assumptions(db, assumptions: Assumptions) -> None:
    """Keep these assumptions with the data (replacing any saved before)."""
    db.set_setting(SETTING, json.dumps(assumptions.to_dict(), sort_keys=True))


def reset_assumptions(db) -> None:
    """Forget the saved assumptions: the documented defaults apply again."""
    db.require_writable()
    db.cursor().execute("delete from settings where key = $k", {"k": SETTING})


__all__ = ["SETTING", "StoredAssumptions", "load_assumptions", "reset_assumptions", "save_assumptions"]
