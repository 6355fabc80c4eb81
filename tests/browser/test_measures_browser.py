"""Writing a measure in the browser: copy a built-in one, change it, check it, save it, and find
it on the Explore page, in real Chromium against `streamlit run` on the small organisation."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import fixtures
from tests.browser.conftest import IDLE

TIMEOUT = 90_000


@pytest.fixture(scope="module")
def served_db(tmp_path_factory) -> Path:
    return fixtures.build(tmp_path_factory.mktemp("measures-browser") / "lookdown.duckdb")


def idle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=TIMEOUT)


def test_copy_change_check_save_and_explore_a_measure(server, browser, served_db):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        page.goto(f"{server}/measures")
        page.get_by_role("heading", name="Write your own").wait_for(timeout=TIMEOUT)
        idle(page)
        page.locator(".st-key-editor-start input").click()
        page.keyboard.type("a copy of Training requests")
        page.keyboard.press("Enter")
        idle(page)
        name = page.locator(".st-key-editor-name input")
        name.fill("expensive_requests")
        name.press("Enter")
        idle(page)
        area = page.locator('[data-testid="stTextArea"] textarea')
        page.wait_for_function("document.querySelector('[data-testid=\"stTextArea\"] textarea')"
                               ".value.startsWith('-- name: expensive_requests')", timeout=TIMEOUT)
        text = area.input_value()
        area.fill(text.replace("-- label: Training requests", "-- label: Expensive training requests")
                  .replace("and coalesce(t.status, 'requested') <> 'cancelled'",
                           "and coalesce(t.status, 'requested') <> 'cancelled' and t.cost >= 500"))
        page.locator('[data-testid="stTextArea"]').press("Control+Enter")
        idle(page)
        page.locator(".st-key-editor-check button").click()
        page.get_by_text("It passes the checks.").wait_for(timeout=TIMEOUT)
        idle(page)
        page.locator(".st-key-editor-save button").click()
        page.get_by_text("it now appears on every page").wait_for(timeout=TIMEOUT)
        assert (served_db.parent / "custom-measures" / "expensive_requests.sql").exists()

        page.goto(f"{server}/explore?measure=expensive_requests&by=none&grain=month")
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT)
        idle(page)
        box = page.locator(".st-key-explore_measure")
        shown = box.locator("input").first.input_value() if box.locator("input").count() else box.inner_text()
        assert "Expensive training requests" in shown
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
