"""Names made to attack the app, in headless Chromium: a department named like a Markdown image
that points at a local listener, and one holding an HTML link. The browser never asks the
listener for anything, no link to it is drawn anywhere (Markdown or Plotly), and the rejected
rows a visitor downloads run no formula in a spreadsheet."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests import fixtures
from tests.browser.conftest import IDLE

TIMEOUT = 90_000


class _Listener(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):  # the name http.server calls
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener():
    """A local HTTP server recording every request: (port, requests)."""
    _Listener.requests = []
    server = HTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], _Listener.requests
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def names(listener) -> dict[str, str]:
    port, _ = listener
    return {"Sales": f"![beacon](http://127.0.0.1:{port}/b.png)",
            "Support": f'<a href="http://127.0.0.1:{port}/x">click me</a>'}


@pytest.fixture(scope="module")
def served_db(tmp_path_factory, names) -> Path:
    """Overrides the server's database: the small organisation with the hostile names."""
    return fixtures.build(tmp_path_factory.mktemp("markup-browser") / "lookdown.duckdb", names)


def visit(browser, url: str, charts: int):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(url)
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                           timeout=TIMEOUT)
    page.wait_for_selector(IDLE, timeout=TIMEOUT)
    page.wait_for_timeout(1500)  # time for any image to be fetched
    return page


def links_to(page, port: int) -> int:
    """Links (HTML or SVG) and images on the page that point at the listener."""
    return page.evaluate(
        "(port) => [...document.querySelectorAll('a, img, image')].filter(e => "
        "[e.getAttribute('href'), e.getAttribute('xlink:href'), e.getAttribute('src')]"
        ".some(v => v && v.includes('127.0.0.1:' + port))).length", port)


def test_names_with_markdown_and_html_draw_no_image_or_link(server, browser, listener, names):
    port, requests = listener
    for path, charts in (("/explore?measure=training_requests&by=department", 2), ("/flow", 2)):
        page = visit(browser, server + path, charts)
        try:
            assert page.locator('[data-testid="stException"]').count() == 0
            assert links_to(page, port) == 0, path
            body = page.locator("body").inner_text()
            text = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot text')]"
                                 ".map(t => t.textContent).join(' | ')")
            # Sales is shown together with Legal (the note names both), Support on its own (in the charts).
            assert names["Sales"] in body  # the name, as text
            assert names["Support"] in text  # the legend, or the flow's axes, as text
        finally:
            page.close()
    assert requests == []


def test_a_rejected_value_like_a_formula_downloads_escaped(server, browser):
    page = visit(browser, server + "/upload", 0)
    try:
        page.locator('input[type="file"]').set_input_files(files=[{
            "name": "training.csv", "mimeType": "text/csv",
            "buffer": (b'requested_on,person_id,department,course,status,cost\n'
                       b'2024-11-04,p001,Sales,Excel,"=HYPERLINK(""http://x"",""y"")",100\n'
                       b'2024-11-05,p002,Sales,Excel,requested,-5\n')}])
        page.get_by_role("button", name="Load 1 file").click(timeout=TIMEOUT)
        page.get_by_text("0 rows loaded, 2 rejected").wait_for(timeout=TIMEOUT)
        page.wait_for_selector(IDLE, timeout=TIMEOUT)
        with page.expect_download(timeout=TIMEOUT) as download:
            page.get_by_role("button", name="Download the rejected rows (CSV)").click()
        assert Path(download.value.path()).read_text() == (
            "file,line,column,value,reason\n"
            'training.csv,2,status,"\'=HYPERLINK(""http://x"",""y"")","unknown value (expected requested, '
            'approved, completed, cancelled)"\n'
            "training.csv,3,cost,-5,negative value\n")
    finally:
        page.close()
