"""What one import may take: every limit in one place, and the refusals when a file asks for more.

The README's "Limits" section lists these figures. A file that passes a limit is refused with a
reason naming the file, the size and the limit, before anything is written: its import is one
transaction, so the database stays exactly as it was.

- ZIP archives (Slack and Viva Engage exports, and XLSX workbooks, which are ZIPs) are checked
  from their directory before anything is inflated: each file's inflated size, the archive's
  total and each file's compression ratio. Inflating stops at the declared size (a directory that
  lies about a size gives a damaged file, not more bytes).
- Workbooks are read a row at a time, up to a number of cells; JSON and XML a record at a time.
- Reading and checking one file has a time budget (`Budget`), checked as it is read; the budget
  also ends an import its user abandoned (`cancelled`). DuckDB, which reads and writes the rows,
  works within a memory limit while an import runs and spills to disk beyond it.
"""
from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

MB = 1_000_000
GB = 1_000_000_000

# -- ZIP archives ----------------------------------------------------------------------------
MAX_MEMBER_BYTES = 2 * GB       # one file inside a ZIP, inflated
MAX_ARCHIVE_BYTES = 8 * GB      # every file inside a ZIP together, inflated
MAX_MEMBERS = 200_000           # files inside a ZIP (a Slack export has one per channel and day)
# Inflated size over compressed size. Exports compress 5 to 20 times; Apache POI refuses workbooks
# past 100 as bombs, and so does Lookdown, for files larger than RATIO_CHECKED_FROM (small ones
# may compress extremely well and harm nothing).
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM = 1 * MB

# -- What a file holds -------------------------------------------------------------------------
MAX_JSON_BYTES = 256 * MB        # one JSON file of a Slack export (users.json, a channel's day)
MAX_SLACK_MESSAGES = 2_000_000   # messages of one Slack export, held (about 1 GB) while threads are read
MAX_XLSX_CELLS = 5_000_000       # cells of a workbook's sheet (250,000 rows of 20 columns)
MAX_XLSX_SECONDS = 5 * 60        # reading a sheet (about 50,000 cells a second: save large ones as CSV)
MAX_HEADER_BYTES = 1 * MB        # a delimited file's header line

# -- Every import ------------------------------------------------------------------------------
MAX_READ_SECONDS = 30 * 60       # reading and checking one file
IMPORT_MEMORY_LIMIT = "2GB"      # DuckDB's memory while an import runs (it spills to disk beyond)
CANCEL_CHECK_SECONDS = 0.2       # how often a long read asks whether its user is still there


def size_text(size: int) -> str:
    """Bytes as people read them: '3.2 GB', '512 MB', '20 KB'."""
    for unit, scale in (("GB", GB), ("MB", MB), ("KB", 1000)):
        if size >= scale:
            return f"{size / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:,} bytes"


def seconds_text(seconds: float) -> str:
    return f"{seconds / 60:g} minutes" if seconds >= 120 else f"{seconds:g} seconds"


class ImportProblem(ValueError):
    """The file cannot be read as the kind it was taken for (the reason is for the user)."""


class OverLimit(ImportProblem):
    """The file asks for more than a limit above allows: refused, nothing written."""


class ImportCancelled(Exception):
    """The person who started the import is gone (the page was closed): stop, write nothing more.
    Not an ImportProblem: it ends the whole import, not one file."""


@dataclass
class Budget:
    """The time one file may take to be read and checked, and whether its import was abandoned.
    `check()` is called often as the file is read; it costs a clock reading, and asks
    `cancelled` at most every CANCEL_CHECK_SECONDS."""

    file: str
    seconds: float = MAX_READ_SECONDS
    cancelled: Callable[[], bool] | None = None
    advice: str = "the limit for one file. Split the export into shorter periods."
    started: float = field(default_factory=time.monotonic)
    _asked: float = 0.0

    def check(self) -> None:
        now = time.monotonic()
        if self.cancelled is not None and now - self._asked >= CANCEL_CHECK_SECONDS:
            self._asked = now
            if self.cancelled():
                raise ImportCancelled(f"The import of {self.file} was abandoned.")
        if now - self.started > self.seconds:
            raise OverLimit(f"{self.file}: reading and checking it took longer than {seconds_text(self.seconds)}, "
                            f"{self.advice}")


_CURRENT: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("lookdown_import_budget", default=None)


@contextlib.contextmanager
def budget(file: str, *, cancelled: Callable[[], bool] | None = None,
           seconds: float | None = None) -> Iterator[Budget]:
    """Make a file's budget the one `check()` enforces while it is read (readers call `check()`
    without being handed it, however deep they are)."""
    current = Budget(file, MAX_READ_SECONDS if seconds is None else seconds, cancelled)
    token = _CURRENT.set(current)
    try:
        yield current
    finally:
        _CURRENT.reset(token)


def check() -> None:
    """Enforce the budget of the file being read, if any: raises OverLimit or ImportCancelled."""
    current = _CURRENT.get()
    if current is not None:
        current.check()
