"""Viewers look, editors change: every core operation that changes the data or the settings
refuses a viewer (and nobody signed in), whatever page or command calls it, and writes a line in
the audit trail when an editor makes it."""
from __future__ import annotations

import pytest

from lookdown.analysis.money import Assumptions
from lookdown.ingest import import_files, remove_upload, save_mapping
from lookdown.queries.assumptions import reset_assumptions, save_assumptions
from lookdown.queries.inventory import set_min_group_size, set_timezone
from lookdown.store import audit
from lookdown.store.access import (
    EDITOR,
    INBOX,
    LOCAL,
    NOBODY,
    VIEWER,
    Actor,
    NotAllowed,
    acting_as,
    current_actor,
    role_for,
    share_installation,
)

TRAINING = ("training.csv", b"requested_on,department,cost\n2024-03-04,Sales,100\n2024-03-05,Sales,50\n")
VIEWER_ANN = Actor("Ann", VIEWER, email="ann@acme.com")
EDITOR_BEN = Actor("Ben", EDITOR, email="ben@acme.com")


@pytest.fixture
def shared():
    """A shared installation for the test's duration (work with no actor is refused)."""
    share_installation(True)
    yield
    share_installation(False)


def editor_actions(db, upload_id):
    return {
        "load files": lambda: import_files(db, [TRAINING]),
        "remove uploads": lambda: remove_upload(db, upload_id),
        "save column mappings": lambda: save_mapping(db, ["Dept", "When"], "training",
                                                     {"Dept": "department", "When": "requested_on"}),
        "change the minimum group size": lambda: set_min_group_size(db, 7),
        "change the time zone": lambda: set_timezone(db, "Europe/Paris"),
        "change the money assumptions": lambda: save_assumptions(db, Assumptions(hourly_cost=50.0)),
        "reset the money assumptions": lambda: reset_assumptions(db),
    }


def test_a_viewer_is_refused_every_change_and_nothing_changes(db):
    (report,) = import_files(db, [TRAINING])
    before = db.cursor().execute("select count(*) from training").fetchone()[0]
    with acting_as(VIEWER_ANN):
        for action, attempt in editor_actions(db, report.upload_id).items():
            with pytest.raises(NotAllowed, match="Ann can look at the figures but not") as refused:
                attempt()
            assert "only editors can" in str(refused.value), action
    assert db.cursor().execute("select count(*) from training").fetchone()[0] == before
    assert db.min_group_size == 5 and db.setting("timezone") is None
    assert list(audit.trail(db)["action"]) == ["upload"]  # only the editor's load before


def test_an_editor_may_do_each_and_the_trail_says_who_did_what(db):
    with acting_as(EDITOR_BEN):
        (report,) = import_files(db, [TRAINING])
        for attempt in editor_actions(db, report.upload_id).values():
            attempt()
    trail = audit.trail(db)
    assert set(trail["actor"]) == {"ben@acme.com"} and set(trail["role"]) == {EDITOR}
    assert list(reversed(trail["action"])) == [
        "upload", "upload", "remove upload", "mapping", "setting", "setting", "assumptions", "assumptions"]
    details = list(reversed(trail["detail"]))
    assert details[0].startswith(f"#{report.upload_id} training.csv: training (template): 2 rows loaded")
    assert details[2].startswith(f"#{report.upload_id} training.csv: deleted 2 from training")
    assert details[3] == "files with the columns Dept, When read into training: Dept -> department, When -> requested_on"
    assert details[4] == "the minimum group size: not set -> 7"
    assert details[5] == "the time zone: not set -> Europe/Paris"
    assert "hourly_cost: 46.6 -> 50.0" in details[6]
    assert details[7] == "back to the documented defaults"


def test_the_trail_holds_no_value_from_an_uploaded_file(db):
    secret = ("people.csv", b"person_id,department\njane.doe@acme.com,Legal\n")
    import_files(db, [secret])
    text = " ".join(audit.trail(db)["detail"])
    assert "jane" not in text and "Legal" not in text


def test_nobody_signed_in_may_change_nothing_in_a_shared_installation(db, shared):
    assert current_actor() is NOBODY
    with pytest.raises(NotAllowed, match="Sign in as an editor to load files"):
        import_files(db, [TRAINING])
    with acting_as(INBOX):  # files copied into the inbox folder by someone with access to it
        (report,) = import_files(db, [TRAINING])
    assert report.loaded == 2


def test_one_persons_installation_needs_no_sign_in():
    assert current_actor() is LOCAL and LOCAL.can_edit


def test_roles_come_from_addresses_patterns_and_groups():
    roles = {"editors": ["lead@acme.com"], "viewers": ["*@acme.com"], "editor_groups": ["l-and-d"]}
    assert role_for("Lead@Acme.com", [], roles) == EDITOR
    assert role_for("manager@acme.com", [], roles) == VIEWER
    assert role_for("manager@acme.com", ["l-and-d"], roles) == EDITOR
    assert role_for("someone@other.org", ["sales"], roles) is None
    assert role_for(None, [], roles) is None
