"""The inbox: a folder beside the database where exports too large for the browser wait, and the
watcher that imports what is copied there while the app runs."""
from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lookdown.ingest.importer import FileReport, import_files
from lookdown.ingest.readers import pair
from lookdown.ingest.sources import open_source
from lookdown.store import Database

INBOX_DONE = "done"


INBOX_FAILED = "failed"


INBOX_SECONDS = 5.0  # how often the running app looks into the inbox


INBOX_KEPT = 50  # automatic imports remembered for the Upload page


def inbox_dir(db_path: str | Path) -> Path:
    """The folder beside the database where large exports wait: data/inbox/ by default."""
    return Path(db_path).parent / "inbox"


def waiting_files(folder: Path) -> list[Path]:
    """Files waiting in the inbox (not in done/ or failed/, not hidden), by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


@dataclass
class InboxResult:
    report: FileReport
    moved: list[Path]  # where the file (and its companion, e.g. Users.csv) went


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 2
    while target.exists():
        target = folder / f"{path.stem} ({n}){path.suffix}"
        n += 1
    shutil.move(str(path), target)
    return target


def import_inbox(
    db: Database,
    folder: Path,
    *,
    timezone: str | None = None,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    reading: Callable[[str, float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[InboxResult]:
    """Import every file waiting in `folder`, as the Upload page imports uploaded files (progress,
    reading and cancelled as in import_files), then move each to done/ (loaded, even when some
    rows were rejected) or failed/ (not loaded). Cancelled, every file stays where it is."""
    files = waiting_files(folder)
    if not files:
        return []
    sources = [open_source(p) for p in files]
    items = pair(sources)
    reports = import_files(db, sources, timezone=timezone, today=today, progress=progress, reading=reading,
                           cancelled=cancelled)
    by_name = {r.file: r for r in reports}
    results = []
    for item in items:
        report = by_name.get(item.source.name)
        if report is None:
            continue
        destination = folder / (INBOX_DONE if report.succeeded else INBOX_FAILED)
        moved = [_move(item.source.path, destination)]
        if item.companion is not None:
            moved.append(_move(item.companion.path, destination))
        results.append(InboxResult(report, moved))
    return results


class InboxWatcher:
    """Imports what is copied into the inbox while the app runs, so large exports need no click.

    Every `every` seconds it looks into the folder. When the files waiting there, their sizes and
    modification times are the same as at the previous look (a copy in progress changes them;
    a Users.csv still on its way keeps its Messages.csv waiting), it imports them all as
    `import_inbox` does. The Upload page's button goes through `import_now`, so the folder is
    never imported twice at once. The running app owns the only writer of the database, so it is
    the one that watches."""

    def __init__(self, db: Database, folder: Path, *, every: float = INBOX_SECONDS):
        self.db, self.folder, self.every = db, folder, every
        self.imported: list[tuple[datetime, InboxResult]] = []  # automatic imports, oldest first
        self.error: str | None = None  # why the last automatic import failed, if it did
        self._last_look: dict[Path, tuple[int, int]] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def waiting(self) -> dict[Path, tuple[int, int]]:
        """The files waiting now: path -> (size in bytes, modification time in ns). A file moved
        away while it is listed (this watcher imports concurrently) is left out."""
        found = {}
        for path in waiting_files(self.folder):
            try:
                stat = path.stat()
            except FileNotFoundError:  # moved away between the listing and now
                continue
            found[path] = (stat.st_size, stat.st_mtime_ns)
        return found

    def look(self) -> list[InboxResult]:
        """One look: import the waiting files if none changed since the previous look."""
        with self._lock:
            waiting = self.waiting()
            settled = bool(waiting) and waiting == self._last_look
            self._last_look = waiting
            if not settled:
                return []
            results = import_inbox(self.db, self.folder)
            self._last_look = None
            now = datetime.now()
            self.imported = (self.imported + [(now, r) for r in results])[-INBOX_KEPT:]
            return results

    def import_now(self, progress: Callable[[int, int], None] | None = None,
                   reading: Callable[[str, float], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> list[InboxResult]:
        """Import every waiting file at once (the Upload page's button)."""
        with self._lock:
            self._last_look = None
            return import_inbox(self.db, self.folder, progress=progress, reading=reading, cancelled=cancelled)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.look()
                self.error = None
            except Exception as error:  # keep watching: the page shows it, the log keeps it
                self.error = f"{type(error).__name__}: {error}"
                logging.getLogger(__name__).exception("Importing the inbox %s failed", self.folder)

    def start(self) -> InboxWatcher:
        """Watch the folder (made if missing, ready for the first copy) on a thread of its own;
        not for a database that can only be read, where nothing could be imported."""
        if self.every > 0 and self._thread is None and not self.db.read_only:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._thread = threading.Thread(target=self._run, name="lookdown-inbox", daemon=True)
            self._thread.start()
        return self

    @property
    def watching(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
