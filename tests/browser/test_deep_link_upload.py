"""A bookmarked deep link is the first page a fresh server serves: the first file dropped there
must not be lost (Streamlit's file-based routing runs the page once before the navigation)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import fixtures
from tests.browser.conftest import IDLE

TIMEOUT = 90_000


@pytest.fixture(scope="module")
def served_db(tmp_path_factory) -> Path:
    """A server of this module's own, so /upload is the first address it is asked for."""
    path = tmp_path_factory.mktemp("deep-link") / "lookdown.duckdb"
    fixtures.build(path)
    return path


def test_the_first_file_dropped_on_a_deep_linked_upload_page_is_read(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/upload")
        page.get_by_role("heading", name="Upload your data").wait_for(timeout=TIMEOUT)
        page.wait_for_selector(IDLE, timeout=TIMEOUT)
        page.locator('input[type="file"]').set_input_files(files=[{
            "name": "training.csv", "mimeType": "text/csv",
            "buffer": b"requested_on,person_id,department,cost\n2024-11-04,p001,Sales,100\n"}])
        page.get_by_text("Read as CSV template, into the training records").wait_for(timeout=TIMEOUT)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
