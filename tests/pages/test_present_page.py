"""The Present page on the demo organisation (AppTest): it tells the same story the exports are
made from, and offers the deck, the report, the PDF and each chart's pictures."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from lookdown.measures import Catalogue
from lookdown.present.story import build_story

PAGE = Path(__file__).resolve().parents[2] / "pages" / "present.py"


def test_the_present_page_shows_the_story_s_effects_and_money(monkeypatch, demo_db):
    monkeypatch.setenv("LOOKDOWN_DB", str(demo_db.path))
    story = build_story(demo_db, Catalogue.load())
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    effects = [m.value for m in at.metric if m.label == "Beyond the rest"]
    assert effects == [e.points for e in story.effects]
    r = story.money.result
    money = next(m for m in at.metric if m.label == "First-year benefits (USD)")
    assert money.value == f"{story.money.amount(r.low.total_benefits)} to {story.money.amount(r.high.total_benefits)}"
    headings = [md.value for md in at.markdown if md.value.startswith("## ")]
    assert [f"## {e.title}" for e in story.effects] == [h for h in headings if "beyond the rest" in h][:len(story.effects)]
    assert any(story.footer in c.value for c in at.caption)
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Deck (PowerPoint)", "Report (HTML)", "PDF"} <= set(labels)
    assert labels.count("PNG") == labels.count("SVG") == len(at.get("plotly_chart"))


def test_a_pilot_of_departments_waits_for_its_departments(monkeypatch, demo_db):
    monkeypatch.setenv("LOOKDOWN_DB", str(demo_db.path))
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    at.radio(key="present_source").set_value("departments").run()
    assert not at.exception
    assert any("Choose the departments" in i.value for i in at.info)
    at.multiselect(key="present_departments").set_value(["Engineering", "IT"]).run()
    assert not at.exception
    assert any("Engineering, IT (departments chosen)" in md.value for md in at.markdown)
