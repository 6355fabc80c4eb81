"""Money assumptions saved with the data, restored to the defaults, and unreadable ones refused."""
from __future__ import annotations

import json

from lookdown.analysis.money import Assumptions
from lookdown.queries.assumptions import SETTING, load_assumptions, reset_assumptions, save_assumptions
from lookdown.store import Database


def test_nothing_saved_means_the_documented_defaults(db):
    stored = load_assumptions(db)
    assert stored.assumptions == Assumptions() and not stored.saved and stored.problem is None


def test_saved_assumptions_survive_reopening_the_file(tmp_path):
    path = tmp_path / "lookdown.duckdb"
    db = Database(path)
    edited = Assumptions(currency="EUR", hourly_cost=51.5, participants=470)
    save_assumptions(db, edited)
    db.close()
    reopened = Database(path)
    try:
        stored = load_assumptions(reopened)
        assert stored.saved and stored.assumptions == edited
        assert json.loads(reopened.setting(SETTING))["hourly_cost"] == 51.5
        reset_assumptions(reopened)
        assert load_assumptions(reopened).assumptions == Assumptions()
        assert reopened.setting(SETTING) is None
    finally:
        reopened.close()


def test_fields_missing_from_an_older_save_take_their_default(db):
    db.set_setting(SETTING, json.dumps({"currency": "GBP", "hourly_cost": 30}))
    stored = load_assumptions(db)
    assert stored.saved and stored.assumptions == Assumptions(currency="GBP", hourly_cost=30.0)


def test_unreadable_or_invalid_saves_fall_back_to_the_defaults_and_say_why(db):
    for text in ("{not json", json.dumps([1, 2]), json.dumps({"hourly_cost": -5}),
                 json.dumps({"smiles_per_hour": 3})):
        db.set_setting(SETTING, text)
        stored = load_assumptions(db)
        assert stored.assumptions == Assumptions() and not stored.saved
        assert stored.problem.startswith("The saved money assumptions could not be read")
