"""The pages with hostile data (AppTest): names from uploads shown as text in every piece of
Markdown, and a database that cannot be written shown read-only."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lookdown.store import database
from tests import fixtures

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "pages"
BEACON = "![beacon](http://127.0.0.1:9/b.png)"
LINK = '<a href="http://127.0.0.1:9/x">click</a>'
# Markdown that would draw an image or a link, or HTML: none may reach the page unescaped.
MARKUP = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<!\\)<a |https?(?<!\\)://127")


@pytest.fixture(scope="module")
def hostile_path(tmp_path_factory) -> Path:
    """The small organisation, Sales named like an image (shown together with Legal, in the notes
    that say so) and Support like a link (shown on its own)."""
    return fixtures.build(tmp_path_factory.mktemp("hostile-pages") / "lookdown.duckdb",
                          {"Sales": BEACON, "Support": LINK})


@pytest.fixture
def hostile(monkeypatch, hostile_path):
    monkeypatch.setenv("LOOKDOWN_DB", str(hostile_path))
    return hostile_path


def run(page: str, params: dict | None = None, at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(PAGES / page, default_timeout=120)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_of(at: AppTest) -> list[str]:
    """Every piece of Markdown a page sent: text, captions, alerts, metric and badge help."""
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader"):
        out += [e.value for e in getattr(at, kind)]
    out += [m.label for m in at.metric] + [m.help or "" for m in at.metric]
    return out


def test_explore_shows_department_names_as_text(hostile):
    at = run("explore.py", {"measure": "training_requests", "by": "department"})
    shown = markdown_of(at)
    assert any("!\\[beacon\\](http\\://127.0.0.1:9/b.png)" in s for s in shown)  # the note on merged groups
    assert any(s.startswith('**\\<a href="http\\://127.0.0.1:9/x"\\>click\\</a\\>:**') for s in shown)
    assert not [s for s in shown if MARKUP.search(s)]


def test_the_pilot_page_shows_chosen_departments_as_text(hostile):
    at = run("pilot.py")
    at.radio(key="pilot_source").set_value("departments")
    run("pilot.py", at=at)
    at.multiselect(key="pilot_departments").set_value([LINK])
    run("pilot.py", at=at)
    shown = markdown_of(at)
    assert any(s.startswith('Pilot group: \\<a href="http\\://127.0.0.1:9/x"\\>click\\</a\\>, added up') for s in shown)
    assert not [s for s in shown if MARKUP.search(s)]


def test_the_knowledge_flow_shows_department_names_as_text(hostile):
    at = run("flow.py")
    shown = markdown_of(at)
    assert any("!\\[beacon\\](http\\://127.0.0.1:9/b.png)" in s for s in shown)  # shown together with Legal
    assert not [s for s in shown if MARKUP.search(s)]


def test_the_upload_page_shows_file_names_and_reasons_as_text(hostile, tmp_path, monkeypatch):
    path = fixtures.copy_database(hostile, tmp_path / "lookdown.duckdb")
    monkeypatch.setenv("LOOKDOWN_DB", str(path))
    at = run("upload.py")
    at.file_uploader[0].set_value((f"{BEACON}.csv", b"nothing,to,see\n1,2,3\n", "text/csv"))
    run("upload.py", at=at)
    shown = markdown_of(at)
    assert "**!\\[beacon\\](http\\://127.0.0.1:9/b.png).csv**" in shown
    assert not [s for s in shown if MARKUP.search(s)]


# -- Read-only ------------------------------------------------------------------------------------


@pytest.fixture
def read_only(monkeypatch, fixture_db_path):
    """The fixture organisation in a folder that cannot be written (as Database sees it)."""
    monkeypatch.setattr(database, "_unwritable", lambda path: "its folder is read-only")
    return fixture_db_path


def test_a_read_only_database_shows_its_figures(read_only):
    at = run("overview.py")
    assert at.get("plotly_chart")
    assert "**Read-only:** its folder is read-only, so nothing can be imported or saved" in at.info[0].value


def test_a_read_only_database_says_why_uploads_are_unavailable(read_only):
    at = run("upload.py")
    assert not at.file_uploader
    assert at.warning[0].value.startswith("Uploads are not available: ")
    assert "can only be read (its folder is read-only)" in at.warning[0].value


def test_a_read_only_database_says_why_settings_cannot_change(read_only):
    at = run("data.py")
    assert at.selectbox(key="data-timezone").disabled
    assert at.number_input(key="data-group-size").disabled
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Settings cannot be changed: ") for c in captions)
    assert any(c.startswith("Uploads cannot be removed: ") for c in captions)
    assert not [b for b in at.button if b.key == "remove"]
