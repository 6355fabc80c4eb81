"""The Measures page: the catalogue grouped by pillar with each measure's SQL, and the editor:
copy a built-in measure, change it, check it (sandbox and guard), save it into the custom folder."""
from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lookdown.measures import Catalogue
from tests import fixtures

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "measures.py"


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_catalogue_shows_every_measure_by_pillar_with_its_sql():
    at = run(AppTest.from_file(PAGE, default_timeout=180))
    subheaders = [s.value for s in at.subheader]
    assert subheaders[:4] == ["Costs that should shrink", "Collaboration", "Engagement", "Learning"]
    labels = [e.label for e in at.expander]
    assert len(labels) == len(Catalogue.load())
    assert any(c.value.startswith("with requests as") for c in at.code)
    # The fixture has no manager time: its measures say their tables hold no data yet.
    assert any("(no data yet)" in m.value for m in at.markdown)


def test_copy_change_check_and_save_a_measure_which_then_appears_everywhere(tmp_path, monkeypatch, fixture_db_path):
    monkeypatch.setenv("LOOKDOWN_DB", str(fixtures.copy_database(fixture_db_path, tmp_path / "lookdown.duckdb")))
    at = run(AppTest.from_file(PAGE, default_timeout=180))
    at.selectbox(key="editor-start").set_value("training_requests")
    run(at)
    at.text_input(key="editor-name").set_value("expensive_requests")
    run(at)
    (area,) = list(at.text_area)
    assert area.value.startswith("-- name: expensive_requests")
    area.set_value(area.value.replace("-- label: Training requests", "-- label: Expensive training requests")
                   .replace("and coalesce(t.status, 'requested') <> 'cancelled'",
                            "and coalesce(t.status, 'requested') <> 'cancelled' and t.cost >= 500"))
    run(at)
    at.selectbox(key="editor-by").set_value("department")
    run(at)
    at.button(key="editor-check").click()
    run(at)
    assert next(s.value for s in at.success).startswith("It passes the checks.")
    assert at.get("plotly_chart")
    table = at.dataframe[0].value
    assert set(table["group"]) == {"Smaller departments", "Support"}  # Legal (4 people) never alone
    at.button(key="editor-save").click()
    run(at)
    saved = Path(os.environ["LOOKDOWN_CUSTOM_MEASURES"]) / "expensive_requests.sql"
    assert saved.exists() and "t.cost >= 500" in saved.read_text()
    assert any("def test_expensive_requests" in c.value for c in at.code)
    again = run(AppTest.from_file(PAGE, default_timeout=180))
    assert "Expensive training requests · yours" in [e.label for e in again.expander]


def test_a_refused_measure_says_why(tmp_path, monkeypatch, fixture_db_path):
    at = run(AppTest.from_file(PAGE, default_timeout=180))
    (area,) = list(at.text_area)
    area.set_value(area.value + "; drop table people")
    run(at)
    at.button(key="editor-check").click()
    run(at)
    assert "exactly one SELECT statement" in at.error[0].value
