"""The inbox: a folder beside the database where exports too large for the browser wait, and the
watcher that imports what is copied there while the app runs.

While the app runs it holds the only writer of the database, so the command line hands files
over through the same folder (`hand_over`): each request is a hidden folder under
`inbox/.requests/` holding the files and what to do with them; the watcher imports them, acting
as the inbox, and answers with the reports the command prints.
"""
from __future__ import annotations

import json
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lookdown.ingest.importer import FileReport, import_files
from lookdown.ingest.readers import pair
from lookdown.ingest.sources import open_source
from lookdown.store import Database
from lookdown.store.access import INBOX, acting_as
from lookdown.store.backup import backup

INBOX_DONE = "done"
INBOX_FAILED = "failed"
INBOX_SECONDS = 5.0  # how often the running app looks into the inbox
INBOX_KEPT = 50  # automatic imports remembered for the Upload page
REQUESTS = ".requests"  # files handed over by the command line (hidden: never taken as waiting)
ALIVE = ".watching"  # touched by the watcher at every look, so a command knows it is served
REQUEST_FILE, RESULT_FILE = "request.json", "result.json"


# What serves a request the command line handed over: (database, request folder, request) -> answer.
Handler = Callable[[Database, Path, dict], dict]


class NotWatched(RuntimeError):
    """The running app is not watching its inbox, so nothing would import handed-over files."""


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

    def __init__(self, db: Database, folder: Path, *, every: float = INBOX_SECONDS,
                 handlers: dict[str, Handler] | None = None):
        self.db, self.folder, self.every = db, folder, every
        # What the command line may hand over while the app holds the database.
        self.handlers: dict[str, Handler] = {"import": _import_request, "backup": _backup_request, **(handlers or {})}
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
            with acting_as(INBOX):
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

    def serve_requests(self) -> int:
        """Do what the command line handed over (an import, a backup, or a command the app added
        to `handlers`) and write each request's answer beside it. Returns the requests served."""
        served = 0
        for request in sorted((self.folder / REQUESTS).glob("*")):
            if not request.is_dir() or request.name.startswith(".") or (request / RESULT_FILE).exists():
                continue
            asked = json.loads((request / REQUEST_FILE).read_text())
            handler = self.handlers.get(asked.get("command", ""))
            with self._lock, acting_as(INBOX):
                try:
                    if handler is None:
                        raise ValueError(f"this app does not take '{asked.get('command')}' requests")
                    answer = handler(self.db, request, asked)
                except Exception as error:  # answered, so the command says why instead of waiting
                    answer = {"error": f"{type(error).__name__}: {error}"}
            _write_atomically(request / RESULT_FILE, json.dumps(answer, default=str))
            served += 1
        return served

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                (self.folder / REQUESTS).mkdir(parents=True, exist_ok=True)
                (self.folder / REQUESTS / ALIVE).touch()
                self.serve_requests()
                self.look()
                self.error = None
            except Exception as error:  # keep watching: the page shows it, the log keeps it
                self.error = f"{type(error).__name__}: {error}"
                logging.getLogger(__name__).exception("Importing the inbox %s failed", self.folder)

    def start(self) -> InboxWatcher:
        """Watch the folder (made if missing, ready for the first copy) on a thread of its own;
        not for a database that can only be read, where nothing could be imported."""
        if self.every > 0 and self._thread is None and not self.db.read_only:
            (self.folder / REQUESTS).mkdir(parents=True, exist_ok=True)
            (self.folder / REQUESTS / ALIVE).touch()
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


def _write_atomically(path: Path, text: str) -> None:
    """Write a file that a reader polling for it sees either whole or not at all."""
    partial = path.with_name("." + path.name + ".part")
    partial.write_text(text)
    partial.replace(path)


def _import_request(db: Database, request: Path, asked: dict) -> dict:
    files = [request / name for name in asked["files"]]
    reports = import_files(db, files, as_kind=asked.get("as_kind"), timezone=asked.get("timezone"))
    return {"reports": [report.to_dict() for report in reports]}


def _backup_request(db: Database, request: Path, asked: dict) -> dict:
    report = backup(db, Path(asked["out"]))
    return {"folder": str(report.folder), "tables": report.tables}


def hand_over(folder: Path, command: str, *, files: list[Path] = (), wait: float = 3600.0, poll: float = 0.5,
              **asked) -> dict:
    """Ask the running app, through its inbox, to do `command` (with `asked` and copies of
    `files`) and wait for its answer: what the command line does while the app holds the
    database. The originals of the files stay where they are."""
    alive = folder / REQUESTS / ALIVE
    # The watcher touches its mark at every look: a mark much older than that is a watcher gone.
    if not alive.exists() or time.time() - alive.stat().st_mtime > max(60.0, 6 * INBOX_SECONDS):
        raise NotWatched(f"The app that has the database open does not watch its inbox ({folder}), so it "
                         "cannot take the request (is LOOKDOWN_INBOX_SECONDS 0?). Use the app's pages, or stop "
                         "the app and run the command again.")
    name = uuid.uuid4().hex
    partial = folder / REQUESTS / f".{name}.part"
    partial.mkdir(parents=True)
    for file in files:
        shutil.copy2(file, partial / file.name)
    (partial / REQUEST_FILE).write_text(json.dumps(
        {"command": command, "files": [file.name for file in files], **asked}, default=str))
    request = partial.with_name(name)
    partial.rename(request)  # whole, at once: the watcher never sees half a request
    deadline = time.monotonic() + wait
    try:
        while not (request / RESULT_FILE).exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"The app took more than {wait:.0f} s to answer; it may still be working: "
                                   "look at its pages.")
            time.sleep(poll)
        answer = json.loads((request / RESULT_FILE).read_text())
    finally:
        if (request / RESULT_FILE).exists():
            shutil.rmtree(request, ignore_errors=True)
    if "error" in answer:
        raise RuntimeError(f"The app could not do it: {answer['error']}")
    return answer
