"""A shared installation: sign-in on (an [auth] section in the secrets), roles from
[lookdown.roles]. AppTest plays a signed-in viewer and editor (st.user), and nobody at all."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lookdown.store import Database, audit
from lookdown.store.access import share_installation
from tests import fixtures
from tests.pages.test_import_pages import DATA, TRAINING, UPLOAD

SECRETS = {
    # What a provider's settings look like (never real ones in the repository).
    "auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only",
             "client_id": "lookdown", "client_secret": "test-only",
             "server_metadata_url": "https://login.example.com/.well-known/openid-configuration"},
    "lookdown": {"roles": {"editors": ["lead@acme.com"], "viewers": ["*@acme.com"]}},
}


@pytest.fixture
def team_db(tmp_path, monkeypatch, fixture_db_path):
    path = fixtures.copy_database(fixture_db_path, tmp_path / "lookdown.duckdb")
    monkeypatch.setenv("LOOKDOWN_DB", str(path))
    yield path
    share_installation(False)


def visit(page, email: str | None) -> AppTest:
    at = AppTest.from_file(page, default_timeout=120)
    for section, values in SECRETS.items():
        at.secrets[section] = values
    at.user = {"is_logged_in": email is not None, **({"email": email, "name": email.split("@")[0]} if email else {})}
    return at.run()


def test_a_visitor_must_sign_in_before_seeing_anything(team_db):
    at = visit(UPLOAD, None)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.get("file_uploader")


def test_an_address_without_a_role_sees_why(team_db):
    at = visit(DATA, "stranger@other.org")
    assert not at.exception
    assert "this address has no role here" in at.warning[0].value
    assert not at.dataframe


def test_a_viewer_sees_the_data_but_cannot_change_it(team_db):
    at = visit(UPLOAD, "manager@acme.com")
    assert not at.exception
    assert any("only the team's editors load files" in i.value for i in at.info)
    assert not at.get("file_uploader")
    data = visit(DATA, "manager@acme.com")
    assert not data.exception
    assert data.number_input(key="data-group-size").disabled
    assert data.selectbox(key="data-timezone").disabled
    assert not [b for b in data.button if b.key == "remove"]
    assert any("Signed in as **manager@acme.com** (viewer)" in c.value for c in data.sidebar.caption)


def test_an_editor_loads_a_file_and_the_trail_names_them(team_db):
    at = visit(UPLOAD, "lead@acme.com")
    assert not at.exception
    at.get("file_uploader")[0].set_value(("training.csv", TRAINING.encode(), "text/csv"))
    at.run()
    at.button(key="load").click().run()
    assert not at.exception
    db = Database(team_db)
    try:
        trail = audit.trail(db)
    finally:
        db.close()
    assert trail.iloc[0]["actor"] == "lead@acme.com" and trail.iloc[0]["action"] == "upload"
    data = visit(DATA, "lead@acme.com")
    assert not data.number_input(key="data-group-size").disabled
    (shown,) = [d.value for d in data.dataframe if "actor" in d.value.columns]
    assert shown.iloc[0]["actor"] == "lead@acme.com"
