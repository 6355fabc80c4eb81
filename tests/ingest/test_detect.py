"""What inspect_file says about each kind of file, without writing anything."""
from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from lookdown.ingest import import_files, inspect_file

from .conftest import TODAY, count, slack_zip, snapshot
from .test_reports import CURRENT, SLACK_ANALYTICS, USERS, teams_csv
from .test_viva_stackexchange import MESSAGES, POSTS

ROOT = Path(__file__).resolve().parents[2]


def test_each_kind_is_recognised(db, tmp_files):
    files = {
        "template": (tmp_files("people.csv", "Person_ID;Department;Hire_Date\nE1;Sales;2020-01-01\n"), "people"),
        "slack_zip": (tmp_files("export.zip", slack_zip()), "activity"),
        "teams_user_activity": (tmp_files("teams.csv", teams_csv(CURRENT, USERS)), "activity"),
        "slack_member_analytics": (tmp_files("Acme Member Analytics Prior 30 Days - Apr 17, 2025.csv",
                                             SLACK_ANALYTICS), "activity"),
        "viva_engage": (tmp_files("Messages.csv", MESSAGES), "activity"),
        "stackexchange_xml": (tmp_files("Posts.xml", POSTS), "activity"),
        "identity_map": (tmp_files("ids.csv", "person_id,email\nE1,a@example.org\n"), "identity_map"),
        "needs_mapping": (tmp_files("lms.csv", "Employee ID,Training Title,Price,Completion Date\n"
                                               "E1,Excel,10,2024-01-01\n"), "training"),
    }
    before = snapshot(db)
    for kind, (path, table) in files.items():
        detection = inspect_file(path, db=db, today=TODAY)
        assert (detection.kind, detection.table) == (kind, table), (kind, detection.reason)
        assert detection.understood == (kind != "needs_mapping")
    assert snapshot(db) == before


def test_detection_summary_of_a_template(tmp_files):
    path = tmp_files("training.csv", "requested_on,person_id,department,course,cost\n"
                                     "2024-01-05,ana@example.org,Sales,Excel,10\n"
                                     "2024-02-05,ben@example.org,Sales,Word,-1\n"
                                     "2024-03-05,cy@example.org,Ops,SQL,5\n")
    detection = inspect_file(path, today=TODAY)
    assert detection.kind == "template" and detection.table == "training"
    assert detection.headers == ["requested_on", "person_id", "department", "course", "cost"]
    assert detection.mapping == {h: h for h in detection.headers}
    assert (detection.rows, detection.rejected) == (2, 1)
    assert detection.date_range == (date(2024, 1, 5), date(2024, 3, 5))
    assert list(detection.preview["person_id"]) == ["a•••", "c•••"]
    assert list(detection.preview["course"]) == ["Excel", "SQL"]
    assert detection.problems.to_dict("records") == [
        {"line": 3, "column_name": "cost", "value": "-1", "reason": "negative value"}]


def _zip(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_unknown_files_get_a_reason(db):
    cases = {
        "empty.csv": b"",
        "day.json": b'[{"type": "message", "ts": "1.0"}]',
        "notes.xml": b"<?xml version='1.0'?><notes><row Id='1'/></notes>",
        "archive.zip": _zip({"readme.txt": "hello"}),
    }
    for name, data in cases.items():
        detection = inspect_file(data, name, today=TODAY)
        assert detection.kind == "unknown" and not detection.understood and detection.reason, name
    reports = import_files(db, list(cases.items()), today=TODAY)
    assert [r.understood for r in reports] == [False] * 4 and all(r.reason for r in reports)
    assert count(db, "select count(*) from uploads") == 0


def test_file_report_to_dict_is_json(db, tmp_files):
    import json

    path = tmp_files("p.csv", "person_id,department,hire_date\nE1,Sales,2030-01-01\nE2,Ops,2020-01-01\n")
    report, = import_files(db, [path], today=TODAY)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["loaded"] == 1 and data["rejected"] == 1 and data["understood"] is True
    assert data["errors"] == [{"line": 2, "column": "hire_date", "value": "2030-01-01",
                               "reason": "date in the future"}]
    assert data["period"] == ["2020-01-01T00:00:00", "2020-01-01T00:00:00"]


def test_make_activity_csv_is_deterministic_and_imports(db, tmp_path):
    script = ROOT / "scripts" / "make_activity_csv.py"
    for name in ("a.csv", "b.csv"):
        subprocess.run([sys.executable, str(script), "5000", str(tmp_path / name)], check=True,
                       capture_output=True)
    a, b = (tmp_path / "a.csv").read_bytes(), (tmp_path / "b.csv").read_bytes()
    assert a == b and a.count(b"\n") == 5001
    report, = import_files(db, [tmp_path / "a.csv"], today=TODAY)
    assert (report.kind, report.loaded, report.rejected) == ("template", 5000, 0)
    assert count(db, "select count(*) from activity") == 5000
    assert count(db, "select count(*) from questions") == count(db, "select count(*) from activity "
                                                                    "where kind = 'question'")


def test_a_file_is_checked_hashed_and_counted_in_its_bytes(tmp_path):
    """What every import asks of a file's bytes: its encoding (before DuckDB reads it), and its
    SHA-256 and line count (worked out beside the read), the same for a file on disk or in memory."""
    import hashlib

    from lookdown.ingest.sources import READ_CHUNK, Source, open_source

    cases = {
        "ascii.csv": (b"a,b\n1,2\n3,4", True, True, 3),                       # no line break at the end
        "utf8.csv": ("a,b\nZ\u00fcrich,\u00a0x\n".encode(), True, False, 2),
        "cp1252.csv": ("a,b\nZ\u00fcrich,1\n".encode("cp1252"), False, False, 2),
        # a character split between two reads, and a line break as the last byte of one
        "long.csv": (("h\n" + "x" * (READ_CHUNK - 3) + "\u00e9\n" + "y\n" * 10).encode(), True, False, 12),
    }
    for name, (data, utf8, ascii_, lines) in cases.items():
        (tmp_path / name).write_bytes(data)
        for source in (open_source(tmp_path / name), Source(name, data)):
            assert (source.is_utf8(), source.ascii) == (utf8, ascii_), name
            source.count_in_background()
            assert source.sha256 == hashlib.sha256(data).hexdigest(), name
            assert source.line_count == lines, name


def test_an_upload_records_the_sha256_of_the_file_as_handed_over(db, tmp_files):
    import hashlib

    data = "occurred_at;person_id;kind\r\n2024-03-01 09:00;ann@x.org;post\r\n".encode("utf-8-sig")
    (report,) = import_files(db, [tmp_files("bom.csv", data)], today=TODAY)
    assert report.loaded == 1
    assert count(db, "select file_sha256 from upload_details") == hashlib.sha256(data).hexdigest()
