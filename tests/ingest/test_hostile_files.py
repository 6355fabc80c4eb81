"""Files made to hurt: ZIP and workbook bombs, lying ZIP directories, symbolic links, paths out
of the archive, XML entity attacks, junk, and the limits of lookdown.ingest.limits. Each one is
refused with a reason that names the file (and the size and limit where there is one), quickly
and in little memory, and leaves the database exactly as it was."""
from __future__ import annotations

import io
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from lookdown.ingest import import_files, inspect_file, limits
from lookdown.ingest.limits import ImportCancelled
from lookdown.ingest.sources import WORKSPACE_PREFIX, remove_stale_workspaces
from lookdown.store import Database
from tests import fixtures as org
from tests.ingest import bombs
from tests.ingest.conftest import TODAY, slack_zip, snapshot

ROOT = Path(__file__).resolve().parents[2]
GIB = 1 << 30
# The goal: refused in seconds, in well under 1.5 GB.
SECONDS, PEAK_MB = 10, 1000

# Imports one file into a database in a process of its own, so that its peak memory is its own
# (VmHWM: Linux keeps ru_maxrss across exec), and prints what happened as JSON.
_CHILD = """
import json, sys, time
start = time.perf_counter()
from lookdown.ingest import import_files
from lookdown.store import Database
db = Database(sys.argv[2])
(report,) = import_files(db, [sys.argv[1]])
db.close()
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"seconds": time.perf_counter() - start, "peak_mb": peak, "understood": report.understood,
                  "upload_id": report.upload_id, "reason": report.reason}))
"""


@pytest.fixture(scope="module")
def org_file(tmp_path_factory) -> Path:
    """The small organisation in a closed database file; each test works on a copy."""
    return org.build(tmp_path_factory.mktemp("hostile") / "org.duckdb")


@pytest.fixture
def org_copy(org_file, tmp_path) -> Path:
    return org.copy_database(org_file, tmp_path / "db" / "org.duckdb")


def rows_of(path: Path) -> dict[str, list]:
    db = Database(path)
    try:
        return snapshot(db)
    finally:
        db.close()


def import_in_child(path: Path, db_path: Path, timeout: float = 120) -> dict:
    if not Path("/proc/self/status").exists():
        pytest.skip("measures peak memory from /proc (Linux)")
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(db_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def assert_refused_quickly(result: dict, *words: str) -> None:
    assert not result["understood"] and result["upload_id"] is None
    for word in words:
        assert word in result["reason"], result["reason"]
    assert result["seconds"] < SECONDS, result
    assert result["peak_mb"] < PEAK_MB, result


# -- Bombs ----------------------------------------------------------------------------------------


def test_a_3_mb_slack_export_holding_a_3_gib_day_file_is_refused_before_it_inflates(org_copy, tmp_path):
    bomb = bombs.slack_bomb(tmp_path / "slack.zip", 3 * GIB)
    assert bomb.stat().st_size < 4_000_000
    before = rows_of(org_copy)
    result = import_in_child(bomb, org_copy)
    assert_refused_quickly(result, "slack.zip", "general/2024-03-01.json", "3.2 GB", "2 GB")
    assert rows_of(org_copy) == before


def test_a_day_file_that_would_inflate_a_thousand_times_is_refused_as_a_zip_bomb(org_copy, tmp_path):
    bomb = bombs.slack_bomb(tmp_path / "slack.zip", GIB)  # under the size limit, far past the ratio
    before = rows_of(org_copy)
    result = import_in_child(bomb, org_copy)
    assert_refused_quickly(result, "slack.zip", "general/2024-03-01.json", "1.1 GB", "past 100 times")
    assert rows_of(org_copy) == before


def test_a_zip_whose_directory_understates_a_size_inflates_no_more_than_it_declares(org_copy, tmp_path):
    """The directory says the day file is 2 KB; it inflates to 3 GiB. Reading stops at 2 KB and
    the file is reported damaged."""
    bomb = bombs.slack_bomb(tmp_path / "liar.zip", 3 * GIB, declared_size=2000)
    before = rows_of(org_copy)
    result = import_in_child(bomb, org_copy)
    assert_refused_quickly(result, "liar.zip", "general/2024-03-01.json", "damaged")
    assert rows_of(org_copy) == before


@pytest.mark.parametrize(("sheet_size", "words"), [
    (2 * GIB, ("2.1 GB", "more than the 2 GB")),      # past the size of one file
    (GIB, ("1.1 GB", "past 100 times")),              # under it, past the compression ratio
])
def test_a_workbook_of_a_few_mb_whose_sheet_inflates_to_gigabytes_is_refused_before_it_inflates(
        org_copy, tmp_path, sheet_size, words):
    bomb = bombs.xlsx(tmp_path / "cohorts.xlsx", sheet_size)
    assert bomb.stat().st_size < 10_000_000
    before = rows_of(org_copy)
    result = import_in_child(bomb, org_copy)
    assert_refused_quickly(result, "cohorts.xlsx", "xl/worksheets/sheet1.xml", *words)
    assert rows_of(org_copy) == before


def test_a_workbook_is_read_a_row_at_a_time_and_imports(db, tmp_path):
    book = bombs.xlsx(tmp_path / "cohorts.xlsx", rows=3)
    (report,) = import_files(db, [book], today=TODAY)
    assert report.succeeded, report.reason
    assert report.loaded == 1 and report.duplicates_skipped == 2  # the same row three times
    assert db.cursor().execute("select cohort, started_on::varchar from cohorts").fetchall() == [("Pilot", "2024-07-01")]


def test_a_sheet_with_more_cells_than_the_limit_is_refused(db, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_CELLS", 50)
    book = bombs.xlsx(tmp_path / "cohorts.xlsx", rows=100)  # 3 cells a row
    (report,) = import_files(db, [book], today=TODAY)
    assert not report.understood
    assert report.reason.startswith("cohorts.xlsx: the sheet holds more than 50 cells (row 17 passes the limit).")
    assert snapshot(db)["cohorts"] == []


def test_a_sheet_read_for_longer_than_its_time_limit_is_refused(db, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_SECONDS", 0)
    book = bombs.xlsx(tmp_path / "cohorts.xlsx", rows=1500)  # the clock is read every 1,000 rows
    (report,) = import_files(db, [book], today=TODAY)
    assert not report.understood
    assert report.reason.startswith("cohorts.xlsx: reading and checking it took longer than 0 seconds, the "
                                    "limit for a workbook's sheet. Save the sheet as CSV")


def test_a_file_read_for_longer_than_the_time_budget_is_refused(db, tmp_files, monkeypatch):
    monkeypatch.setattr(limits, "MAX_READ_SECONDS", 0)
    (report,) = import_files(db, [tmp_files("export.zip", slack_zip())], today=TODAY)
    assert not report.understood
    assert report.reason == ("export.zip: reading and checking it took longer than 0 seconds, the limit for one "
                             "file. Split the export into shorter periods.")
    assert snapshot(db)["activity"] == []


def test_a_slack_export_with_more_messages_than_the_limit_is_refused(db, tmp_files, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SLACK_MESSAGES", 3)
    (report,) = import_files(db, [tmp_files("export.zip", slack_zip())], today=TODAY)
    assert not report.understood
    assert report.reason == ("export.zip holds more than 3 messages, the most Lookdown reads from one Slack "
                             "export. Export a shorter period at a time.")


def test_a_zip_with_more_files_than_the_limit_is_refused(db, tmp_files, monkeypatch):
    monkeypatch.setattr(limits, "MAX_MEMBERS", 3)
    (report,) = import_files(db, [tmp_files("export.zip", slack_zip())], today=TODAY)
    assert report.reason == "export.zip holds 5 files; Lookdown reads ZIPs of up to 3. Export a shorter period."


def test_a_zip_that_would_inflate_past_the_archive_limit_is_refused(db, tmp_files, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ARCHIVE_BYTES", 1000)
    (report,) = import_files(db, [tmp_files("export.zip", slack_zip())], today=TODAY)
    assert report.reason.startswith("export.zip would inflate to ")
    assert report.reason.endswith(" in all, more than the 1 KB Lookdown reads from one ZIP. Export a shorter period.")


# -- What a ZIP may hold --------------------------------------------------------------------------


def test_a_zip_of_symbolic_links_is_refused_as_such(db, tmp_path):
    links = bombs.write_zip(tmp_path / "links.zip", [
        bombs.Member("channels.json", b"/etc/hostname", symlink=True),
        bombs.Member("users.json", b"/etc/passwd", symlink=True),
        bombs.Member("general/2024-03-01.json", b"/etc/shadow", symlink=True),
    ])
    (report,) = import_files(db, [links], today=TODAY)
    assert not report.understood
    assert report.reason == ("links.zip holds a symbolic link (channels.json), not a file: Lookdown reads only "
                             "ordinary files from a ZIP. Zip the export's files themselves.")
    assert inspect_file(links, today=TODAY).reason == report.reason


def test_zip_members_named_outside_the_archive_are_never_written_anywhere(db, tmp_path):
    """Paths that climb out (../) or start at the root are names, never places: nothing is
    extracted by name, a day file outside a channel folder is no day file."""
    buffer = io.BytesIO()
    messages = json.dumps(org_slack_day())
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        archive.writestr("users.json", json.dumps([{"id": "U1", "profile": {"email": "a@example.org"}}]))
        archive.writestr("../../escaped/2024-03-01.json", messages)
        archive.writestr("/tmp/absolute/2024-03-01.json", messages)
        archive.writestr("general/2024-03-01.json", messages)
    path = tmp_path / "inside" / "export.zip"
    path.parent.mkdir()
    path.write_bytes(buffer.getvalue())
    (report,) = import_files(db, [path], today=TODAY)
    assert report.succeeded and report.loaded == 1  # the one day file inside a channel folder
    assert not (tmp_path / "escaped").exists() and not Path("/tmp/absolute").exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["export.zip", "inside"]


def org_slack_day() -> list[dict]:
    return [{"type": "message", "user": "U1", "text": "Morning all", "ts": "1709258400.000100"}]


def test_a_viva_engage_zip_with_a_climbing_path_is_read_into_the_workspace_only(db, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../Messages.csv",
                         "id,replied_to_id,thread_id,sender_id,sender_email,body,created_at\n"
                         "1,,1,10,a@example.org,Hello all,2024-03-01T09:00:00Z\n")
    path = tmp_path / "inside" / "viva.zip"
    path.parent.mkdir()
    path.write_bytes(buffer.getvalue())
    (report,) = import_files(db, [path], today=TODAY)
    assert report.succeeded and report.loaded == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["inside", "viva.zip"]


# -- XML ------------------------------------------------------------------------------------------


def test_billion_laughs_in_a_stack_exchange_dump_is_refused_at_once(db, tmp_files):
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE posts [<!ENTITY lol0 "lol">{lol}]>'
           '<posts><row Id="1" PostTypeId="1" OwnerUserId="1" CreationDate="2024-03-01T09:00:00" '
           'Tags="&lol9;" /></posts>')
    before = snapshot(db)
    (report,) = import_files(db, [tmp_files("Posts.xml", xml)], today=TODAY)
    assert not report.understood
    assert report.reason.startswith("Posts.xml is not valid XML (")
    assert snapshot(db) == before


class _Listener(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):  # the name http.server calls
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"stolen")

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    """A local HTTP server that records every request it gets."""
    _Listener.requests = []
    server = HTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], _Listener.requests
    finally:
        server.shutdown()


def test_external_entities_in_xml_are_never_fetched_or_read(db, tmp_files, listener):
    port, requests = listener
    secret = tmp_files("secret.txt", "the-secret-value")
    xml = (f'<?xml version="1.0"?><!DOCTYPE posts [<!ENTITY file SYSTEM "file://{secret}">'
           f'<!ENTITY web SYSTEM "http://127.0.0.1:{port}/x">]>'
           '<posts><row Id="1" PostTypeId="1" OwnerUserId="1" CreationDate="2024-03-01T09:00:00" '
           'Tags="&lt;a&gt;" />&file;&web;</posts>')
    (report,) = import_files(db, [tmp_files("Posts.xml", xml)], today=TODAY)
    assert requests == []
    stored = repr(snapshot(db))
    assert "the-secret-value" not in stored and "stolen" not in stored
    assert not report.understood
    assert report.reason.startswith("Posts.xml is not valid XML (undefined entity &file;")


# -- Junk, empty, wide ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["people.csv", "export.zip", "Posts.xml", "book.xlsx", "notes.txt"])
def test_junk_bytes_get_a_reason_and_change_nothing(db, tmp_files, name):
    rng = random.Random(name)
    junk = bytes(rng.randrange(256) for _ in range(20_000))
    if name.endswith((".zip", ".xlsx")):
        junk = b"PK\x03\x04" + junk
    if name.endswith(".xml"):
        junk = b"<?xml version='1.0'?><posts>" + junk
    before = snapshot(db)
    (report,) = import_files(db, [tmp_files(name, junk)], today=TODAY)
    assert not report.succeeded and report.reason
    assert "Traceback" not in report.reason
    assert snapshot(db) == before


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n"])
def test_an_empty_file_says_so(db, tmp_files, content):
    (report,) = import_files(db, [tmp_files("people.csv", content)], today=TODAY)
    assert report.reason == "The file is empty."
    assert snapshot(db)["uploads"] == []


def test_a_file_of_10000_columns_is_refused_in_words(db, tmp_files):
    header = ",".join(f"column_{i}" for i in range(10_000))
    row = ",".join("x" for _ in range(10_000))
    (report,) = import_files(db, [tmp_files("wide.csv", f"{header}\n{row}\n")], today=TODAY)
    assert not report.succeeded
    assert report.reason == "This does not look like a CSV or Excel file."
    assert snapshot(db)["uploads"] == []


# -- Abandoned imports, killed imports -----------------------------------------------------------


def test_an_import_abandoned_while_it_reads_stops_and_writes_nothing(db, tmp_files):
    before = snapshot(db)
    with pytest.raises(ImportCancelled):
        import_files(db, [tmp_files("export.zip", slack_zip())], today=TODAY, cancelled=lambda: True)
    assert snapshot(db) == before


def test_an_import_abandoned_while_it_writes_is_rolled_back(db, tmp_files):
    """The page closes once the files are read: the file being written is rolled back."""
    gone = []
    path = tmp_files("training.csv", "requested_on,person_id,department\n2024-03-01,p1,Sales\n")
    before = snapshot(db)
    with pytest.raises(ImportCancelled):
        import_files(db, [path], today=TODAY, cancelled=lambda: bool(gone),
                     progress=lambda done, total: gone.append(True))
    assert snapshot(db) == before


def _comparable(rows: dict[str, list]) -> dict[str, list]:
    """A database's rows without the moment each upload was recorded."""
    return {**rows, "uploads": sorted((row[:3] + row[4:] for row in rows["uploads"]), key=repr)}


def test_kill_9_during_an_import_leaves_the_earlier_rows_exactly(org_file, org_copy, tmp_path):
    """A 300,000-row activity file imported in a process killed at several moments once its
    import has begun: each time the database has exactly its earlier rows (or, killed after the
    commit, exactly the rows of the whole import: never a part), and the workspace the killed
    process left behind is removed by the next import."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_activity_csv import write_activity_csv

    csv_path = write_activity_csv(300_000, tmp_path / "activity.csv")
    command = [sys.executable, "-m", "lookdown", "--db", str(org_copy), "import", str(csv_path)]
    before = _comparable(rows_of(org_copy))
    whole = org.copy_database(org_file, tmp_path / "whole" / "org.duckdb")
    subprocess.run([*command[:4], str(whole), *command[5:]], cwd=ROOT, check=True, capture_output=True)
    after = _comparable(rows_of(whole))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    killed, left_behind = 0, []
    for delay in (0.0, 0.5, 1.0, 2.0):  # after the import began: reading, checking, writing
        child = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "TMPDIR": str(scratch)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workspace = f"{WORKSPACE_PREFIX}{child.pid}-*"
        deadline = time.monotonic() + 60
        while not list(scratch.glob(workspace)) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        try:
            child.wait(timeout=delay)
            break  # it finished before the kill (a fast machine): later moments would too
        except subprocess.TimeoutExpired:
            child.kill()  # SIGKILL: no clean-up of any kind
            child.wait()
        killed += 1
        left_behind += list(scratch.glob(workspace))
        state = _comparable(rows_of(org_copy))
        if state != before:  # killed once its transaction had committed: all of it is there
            assert state == after, f"killed {delay} s into the import: part of it was written"
            break
    assert killed >= 2 and left_behind, (killed, left_behind)
    remove_stale_workspaces(scratch)  # what the next import starts with
    assert list(scratch.iterdir()) == []


def test_the_workspace_of_a_running_import_is_never_removed(tmp_path):
    mine = tmp_path / f"{WORKSPACE_PREFIX}{os.getpid()}-abc"
    mine.mkdir()
    gone = tmp_path / f"{WORKSPACE_PREFIX}{_dead_pid()}-xyz"
    gone.mkdir()
    assert remove_stale_workspaces(tmp_path) == [gone]
    assert mine.is_dir() and not gone.exists()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_app_listens_on_this_computer_only():
    """`serve` and the Streamlit configuration bind 127.0.0.1, never every interface."""
    from lookdown.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert args.address == "127.0.0.1"
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert 'address = "127.0.0.1"' in config
    with socket.socket() as probe:  # the address is this computer's own
        probe.bind((args.address, 0))


def test_the_readme_states_every_limit():
    from lookdown.ingest.limits import seconds_text, size_text

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Limits"):readme.index("### Safe to open")]
    stated = [size_text(limits.MAX_MEMBER_BYTES), size_text(limits.MAX_ARCHIVE_BYTES),
              f"{limits.MAX_COMPRESSION_RATIO} times (files over {size_text(limits.RATIO_CHECKED_FROM)})",
              f"{limits.MAX_MEMBERS:,}", size_text(limits.MAX_JSON_BYTES), f"{limits.MAX_SLACK_MESSAGES:,}",
              f"{limits.MAX_XLSX_CELLS:,}, read within {seconds_text(limits.MAX_XLSX_SECONDS)}",
              size_text(limits.MAX_HEADER_BYTES), seconds_text(limits.MAX_READ_SECONDS),
              limits.IMPORT_MEMORY_LIMIT.replace("GB", " GB")]
    for value in stated:
        assert f"| {value} |" in section, value
