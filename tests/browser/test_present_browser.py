"""The Present page in headless Chromium on a real `streamlit run` of the demo: the deck and the
PDF it offers download as valid files."""
from __future__ import annotations

import io

from pptx import Presentation

from tests.browser.conftest import IDLE


def wait_idle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=90_000)


def download(page, label: str) -> bytes:
    with page.expect_download(timeout=120_000) as started:
        page.locator('[data-testid="stDownloadButton"] button', has_text=label).first.click()
    return started.value.path().read_bytes()


def test_the_present_page_downloads_a_deck_and_a_pdf(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        page.goto(f"{server}/")
        page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
        wait_idle(page)
        page.locator('[data-testid="stSidebarNav"] a', has_text="Present").click()
        page.wait_for_selector('[data-testid="stMetric"] >> text=Beyond the rest', timeout=120_000)
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator(".js-plotly-plot").count() >= 3

        deck = Presentation(io.BytesIO(download(page, "Deck (PowerPoint)")))
        titles = [slide.shapes.title.text for slide in deck.slides]
        assert titles[1] == "In short: what shrank, and what it is worth"
        assert "Methods and limits" in titles

        pdf = download(page, "PDF")
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    finally:
        page.close()
