"""The browser tier: a real `streamlit run` of the app driven by Playwright in Debian's Chromium
(never a downloaded browser). Each module gets a fresh server on its own copy of a database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import fixtures

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The app has finished a run: what is on screen now is what the run produced.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
NEEDS_CHROMIUM = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                                  "(`make chromium` installs it)")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)
            item.add_marker(NEEDS_CHROMIUM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served_db(demo_path, tmp_path_factory) -> Path:
    """The database file the module's server opens: a copy of the demo by default (the server
    process must be the only one opening its file). A module overrides it to serve another."""
    return fixtures.copy_database(demo_path, tmp_path_factory.mktemp("browser") / "lookdown.duckdb")


@pytest.fixture(scope="module")
def server(served_db):
    """A fresh `streamlit run app.py` on `served_db`; always stopped at the end."""
    port = free_port()
    env = {**os.environ, "LOOKDOWN_DB": str(served_db), "LOOKDOWN_INBOX_SECONDS": "0.5",
           "LOOKDOWN_CUSTOM_MEASURES": str(served_db.parent / "custom-measures")}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode(errors="replace") if process.poll() is not None else ""
                pytest.fail(f"the Streamlit server did not start:\n{output}")
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


