"""The analysis pages in headless Chromium on a real `streamlit run` of the demo organisation:
pilot vs rest follows a change of pilot group, and a shared explore address restores its view."""
from __future__ import annotations

from datetime import date

import pytest

from lookdown.findings import compare_cohort, compare_departments, measure_trends
from lookdown.measures import Catalogue
from lookdown.present.analysis_charts import did_figures, verdict_badge
from tests.browser.conftest import IDLE

ALL = dict(start=date(2023, 1, 1), end=date(2025, 12, 31))


@pytest.fixture(scope="module")
def expected(demo_db) -> dict[str, str]:
    """The figures computed directly on the demo (the server opens a copy of its own)."""
    catalogue = Catalogue.load()
    measure = catalogue["training_requests"]
    loaded = compare_cohort(demo_db, measure, cohort="Social learning pilot", grain="month", **ALL)
    chosen = compare_departments(demo_db, measure, ["Engineering", "IT"], start_on=date(2024, 7, 1),
                                 grain="month", **ALL)
    answered = catalogue["questions_answered"]
    _, verdicts = measure_trends(demo_db, answered, by="cohort", grain="quarter", start=date(2024, 1, 1),
                                 end=date(2025, 12, 31))
    return {"loaded": did_figures(loaded.did, measure, unit="requests").did,
            "chosen": did_figures(chosen.did, measure, unit="requests").did,
            "badges": {s: verdict_badge(s, v, answered).label for s, v in verdicts.items()}}


@pytest.fixture(scope="module")
def app(expected, server, browser) -> str:
    """The server, once a first visit to the home page has set up the app's navigation: the
    pages under test are then reached the way a reader reaches them after the first visit."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/")
        page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
        wait_idle(page)
    finally:
        page.close()
    return server


def metric_value(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]', has_text=label)
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def shown_option(page, key: str) -> str:
    """What a select box shows as chosen."""
    box = page.locator(f".st-key-{key}")
    field = box.locator("input")
    return (field.first.input_value() if field.count() else "") or box.inner_text().splitlines()[-1].strip()


def wait_idle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=90_000)


def test_pilot_vs_rest_follows_a_change_of_pilot_group(app, browser, expected):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{app}/")
        page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
        wait_idle(page)
        page.locator('[data-testid="stSidebarNav"] a', has_text="Pilot vs rest").click()
        page.wait_for_selector('[data-testid="stMetric"] >> text=Difference-in-differences', timeout=90_000)
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert metric_value(page, "Difference-in-differences") == expected["loaded"]
        assert page.locator(".js-plotly-plot").count() == 2  # pilot vs rest; actual vs projected

        page.get_by_text("Departments chosen here").click()
        page.wait_for_selector('[data-testid="stMultiSelect"]', timeout=90_000)
        wait_idle(page)
        box = page.locator('[data-testid="stMultiSelect"] input')
        for department in ("Engineering", "IT"):
            box.click()
            page.keyboard.type(department)
            page.keyboard.press("Enter")
            wait_idle(page)
        page.keyboard.press("Escape")
        page.wait_for_function(
            "([label, value]) => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
            ".some(m => m.innerText.includes(label) && m.innerText.includes(value))",
            arg=["Difference-in-differences", expected["chosen"]], timeout=90_000,
        )
        wait_idle(page)
        assert metric_value(page, "Difference-in-differences") == expected["chosen"] != expected["loaded"]
        assert page.get_by_text("Training requests: Chosen departments against the rest").count() == 1
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()


def test_a_shared_explore_address_restores_the_view_and_follows_changes(app, browser, expected):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{app}/explore?measure=questions_answered&by=cohort&grain=quarter&from=2024-01&to=2025-12")
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert shown_option(page, "explore_measure") == "Collaboration · Questions answered by colleagues"
        assert shown_option(page, "explore_by") == "Pilot cohort vs rest"
        assert page.get_by_text("Whole quarters from 1 Jan 2024 to 31 Dec 2025.", exact=False).count() == 1
        badges = page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
        for group, label in expected["badges"].items():
            assert any(group == text.strip() for text in badges), group
            assert any(label in text for text in badges), label
        page.locator(".st-key-explore_grain").get_by_text("Month", exact=True).click()
        page.wait_for_function("location.search.includes('grain=month')", timeout=90_000)
        # The new run's own text (a busy machine may not have started the run 300 ms after the click).
        page.get_by_text("Whole months from 1 Jan 2024 to 31 Dec 2025.", exact=False).wait_for(timeout=90_000)
        wait_idle(page)
        assert "measure=questions_answered" in page.url and "by=cohort" in page.url
        assert page.get_by_text("Whole months from 1 Jan 2024 to 31 Dec 2025.", exact=False).count() == 1
    finally:
        page.close()
