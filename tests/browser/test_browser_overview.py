"""The app in headless Chromium: a real `streamlit run` on the demo organisation.

Checks what only a browser shows: the page renders with its charts and headlines, without an
exception, through the home address and through a deep link on a fresh server (where Streamlit's
file-based routing runs the page file without app.py). Saves docs/screenshot.png for the README.
"""
from __future__ import annotations

from tests.browser.conftest import IDLE, ROOT

SCREENSHOT = ROOT / "docs" / "screenshot.png"


def open_page(browser, url: str, width: int = 1400):
    page = browser.new_page(viewport={"width": width, "height": 1000})
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
    # Every chart of the open tab (Training: four pairs) drawn.
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4", timeout=90_000
    )
    page.wait_for_selector(IDLE, timeout=90_000)
    return page


def assert_overview(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("heading", name="Look down").count() == 1
    assert page.get_by_text("What shrank, and what did not").count() == 1
    assert page.locator(".js-plotly-plot").count() == 4
    assert page.get_by_role("tab", name="People leaving").count() == 1
    training = page.locator('[data-testid="stMetric"]', has_text="Training requests")
    assert training.count() == 1
    # The headline says how it changed and against what.
    assert "vs first 9 months" in training.inner_text()
    banner = page.locator('[data-testid="stAlert"]').first.inner_text()
    assert "Data from 1 Jan 2023 to 31 Dec 2025" in banner
    assert "fewer than 5 people are hidden" in banner
    assert page.get_by_text("Page not found").count() == 0
    # The menu lists the app's pages by title, never the raw files of the file-based routing.
    entries = [t.strip() for t in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]
    assert "app" not in entries and "overview" not in entries


def test_a_deep_link_on_a_fresh_server_renders_the_overview(server, browser):
    # The very first request of this server: Streamlit routes it to pages/overview.py alone.
    page = open_page(browser, f"{server}/overview")
    try:
        assert_overview(page)
        assert page.url == f"{server}/overview"
    finally:
        page.close()


def test_the_home_page_renders_and_is_captured_for_the_readme(server, browser):
    page = open_page(browser, f"{server}/")
    try:
        assert_overview(page)
        assert page.title() in ("Lookdown", "Look down")
        # Grow the window to the page's height: Streamlit scrolls inside its own container, so a
        # full-page capture of a short window would stop at the fold.
        height = page.evaluate(
            "document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight"
        )
        page.set_viewport_size({"width": 1400, "height": height + 80})
        page.wait_for_timeout(1500)  # charts resize to the new window
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert SCREENSHOT.stat().st_size > 50_000
    finally:
        page.close()


def test_opening_another_theme_draws_its_charts(server, browser):
    page = open_page(browser, f"{server}/")
    try:
        page.get_by_role("tab", name="People leaving").click()
        page.wait_for_function(
            "[...document.querySelectorAll('.js-plotly-plot .gtitle, .js-plotly-plot .annotation-text')]"
            ".some(e => e.textContent.includes('Voluntary turnover rate'))",
            timeout=90_000,
        )
        page.wait_for_selector(IDLE, timeout=90_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator(".js-plotly-plot").count() == 3
    finally:
        page.close()


def test_the_deep_link_still_works_once_the_app_has_routed(server, browser):
    page = open_page(browser, f"{server}/overview")
    try:
        assert_overview(page)
    finally:
        page.close()
