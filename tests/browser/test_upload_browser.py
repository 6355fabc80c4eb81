"""Bring your own data, in headless Chromium: a real `streamlit run` on the small fixture organisation
(tests/fixtures.py). A CSV with bad rows is dropped on the Upload page's file input, previewed,
loaded; its rejected rows are downloaded and read back; the overview's training figures change.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import fixtures
from tests.browser.conftest import IDLE

# 5 good rows in November 2024, 3 bad ones.
TRAINING = (
    "requested_on,person_id,department,course,status,cost\n"
    "2024-11-04,p001,Sales,Excel,requested,100\n"
    "2024-11-05,p002,Sales,Excel,maybe,100\n"
    "2024-11-06,p003,Sales,Word,requested,100\n"
    "2099-01-01,p004,Sales,Word,requested,100\n"
    "2024-11-07,p005,Sales,Word,requested,-5\n"
    "2024-11-08,p006,Support,SQL,requested,100\n"
    "2024-11-11,p007,Support,SQL,requested,100\n"
    "2024-11-12,p008,Support,Git,requested,100\n"
)
REJECTED_CSV = (
    "file,line,column,value,reason\n"
    'training.csv,3,status,maybe,"unknown value (expected requested, approved, completed, cancelled)"\n'
    "training.csv,5,requested_on,2099-01-01,date in the future\n"
    "training.csv,6,cost,-5,negative value\n"
)
TIMEOUT = 90_000


@pytest.fixture(scope="module")
def served_db(tmp_path_factory) -> Path:
    """Overrides the overview tests' database for `server`: the small fixture organisation, in a file
    of its own since this module writes to it."""
    path = tmp_path_factory.mktemp("upload-browser") / "lookdown.duckdb"
    fixtures.build(path)
    return path


def wait_idle(page) -> None:
    page.wait_for_selector(IDLE, timeout=TIMEOUT)


def training_card(page) -> str:
    return page.locator('[data-testid="stMetric"]', has_text="Training requests").inner_text()


def training_chart_y(page) -> list:
    """The monthly training requests drawn in the first chart of the Training tab."""
    return page.evaluate(
        "() => { const g = [...document.querySelectorAll('.js-plotly-plot')]"
        ".find(g => (g.layout?.meta?.measures || [])[0] === 'training_requests');"
        " return g ? g.data[0].y : null; }"
    )


def open_overview(page) -> None:
    page.wait_for_selector('[data-testid="stMetric"]', timeout=TIMEOUT)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1", timeout=TIMEOUT)
    wait_idle(page)


def test_upload_a_csv_with_bad_rows_then_see_the_overview_change(server, browser, served_db):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        page.goto(f"{server}/")
        open_overview(page)
        # By hand: 13 and 12 requests in October and November 2024 (tests/pages/test_overview_page.py).
        assert "\n13\n" in f"\n{training_card(page)}\n"
        before = training_chart_y(page)
        assert before[-2:] == [13, 12]

        page.locator('[data-testid="stSidebarNav"] a', has_text="Upload").click()
        page.get_by_role("heading", name="Upload your data").wait_for(timeout=TIMEOUT)
        wait_idle(page)
        assert page.get_by_text("The browser accepts files of up to 200 MB each").count() == 1
        page.locator('input[type="file"]').set_input_files(
            files=[{"name": "training.csv", "mimeType": "text/csv", "buffer": TRAINING.encode()}])

        # The detection and preview, before anything is written.
        page.get_by_text("Read as CSV template, into the training records").wait_for(timeout=TIMEOUT)
        wait_idle(page)
        to_load = page.locator('[data-testid="stMetric"]', has_text="Rows to load").inner_text()
        to_reject = page.locator('[data-testid="stMetric"]', has_text="Rows to reject").inner_text()
        assert to_load.split() == ["Rows", "to", "load", "5"]
        assert to_reject.split() == ["Rows", "to", "reject", "3"]
        assert "4 Nov 2024 to 12 Nov 2024" in page.locator('[data-testid="stMetric"]', has_text="Dates").inner_text()
        # The preview and the first problems (their cells are drawn on a canvas; their content is
        # checked in tests/pages/test_import_pages.py).
        page.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=TIMEOUT)
        assert page.locator('[data-testid="stDataFrame"]').count() == 2
        assert page.get_by_text("The first rows as they would be loaded (person identifiers masked); empty in "
                                "these rows: seat_hours, production_hours, format:").count() == 1
        assert page.get_by_text("The first of the 3 rows that would be rejected, and why:").count() == 1
        assert page.locator('[data-testid="stDataFrame"] canvas').first.bounding_box()["height"] > 100
        assert page.locator('[data-testid="stException"]').count() == 0

        page.get_by_role("button", name="Load 1 file").click()
        page.get_by_text("5 rows loaded, 3 rejected, 0 already loaded (skipped)").wait_for(timeout=TIMEOUT)
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0

        with page.expect_download(timeout=TIMEOUT) as download:
            page.get_by_role("button", name="Download the rejected rows (CSV)").click()
        assert download.value.suggested_filename == "rejected_rows.csv"
        assert Path(download.value.path()).read_text() == REJECTED_CSV

        page.locator('[data-testid="stSidebarNav"] a', has_text="Look down").click()
        page.get_by_role("heading", name="Look down").wait_for(timeout=TIMEOUT)
        open_overview(page)
        # November now has 12 + 5 = 17 requests: (13 + 17) / 2 = 15 over the last two months.
        assert "\n15\n" in f"\n{training_card(page)}\n"
        after = training_chart_y(page)
        assert after[-2:] == [13, 17] and after[:-1] == before[:-1]
    finally:
        page.close()
        shutil.rmtree(served_db.parent / "inbox", ignore_errors=True)


def test_an_export_copied_into_the_inbox_is_imported_while_the_upload_page_is_open(server, browser,
                                                                                   served_db):
    inbox = served_db.parent / "inbox"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/")
        open_overview(page)
        page.locator('[data-testid="stSidebarNav"] a', has_text="Upload").click()
        page.get_by_role("heading", name="Upload your data").wait_for(timeout=TIMEOUT)
        page.get_by_text("No files are waiting in").wait_for(timeout=TIMEOUT)
        # Copied while the page is open, as a large export would be: nobody presses anything.
        (inbox / "december.csv").write_text(
            "requested_on,person_id,department,course,status,cost\n"
            "2024-12-02,p001,Sales,Excel,requested,100\n2024-12-03,p002,Sales,Word,requested,100\n")
        page.get_by_text("december.csv → training records: 2 rows loaded").wait_for(timeout=TIMEOUT)
        assert page.get_by_text("Moved to done/december.csv.").count() == 1
        assert (inbox / "done" / "december.csv").exists()
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
        shutil.rmtree(inbox, ignore_errors=True)
