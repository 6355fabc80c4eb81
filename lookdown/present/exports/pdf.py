"""The PDF: the HTML report printed by the system's headless Chromium (never a downloaded one).

Chromium opens the report from a temporary file, lets its charts draw (a virtual time budget, so
printing waits for Plotly), and prints it on A4 landscape pages, one section per page, without
the browser's header and footer lines.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from lookdown.present.exports.report import build_report
from lookdown.present.story import Story

MIME = "application/pdf"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
# Wide enough for the report's 1,040-pixel column: charts are drawn at the width they print at.
WINDOW = "1100,1400"
TIMEOUT_SECONDS = 120


def chromium() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise RuntimeError("Printing a PDF needs Chromium: install Debian's chromium (make chromium).")


def print_pdf(html: str) -> bytes:
    """Print an HTML document to PDF bytes with headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="lookdown-pdf-") as folder:
        page, out = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                   "--disable-background-networking", "--disable-component-update", "--no-first-run",
                   f"--user-data-dir={Path(folder) / 'profile'}", f"--window-size={WINDOW}",
                   "--virtual-time-budget=10000", "--run-all-compositor-stages-before-draw",
                   f"--print-to-pdf={out}", page.as_uri()]
        run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
        if not out.exists() or out.stat().st_size == 0:
            raise RuntimeError(f"Chromium did not print the report (exit {run.returncode}): "
                               f"{run.stderr.strip()[-500:]}")
        return out.read_bytes()


def build_pdf(story: Story) -> bytes:
    """The report of a story as PDF bytes."""
    return print_pdf(build_report(story))


__all__ = ["MIME", "build_pdf", "print_pdf"]
