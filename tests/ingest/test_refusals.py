"""Clear refusals instead of surprises: a header with no rows, an oversized header line, a file
mixing two encodings, control characters in values, a database that cannot be written."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lookdown.ingest import import_files, inspect_file, remove_upload, save_mapping
from lookdown.ingest.importer import NO_ROWS
from lookdown.store import Database, ReadOnlyDatabase
from tests import fixtures as org
from tests.ingest.conftest import TODAY, snapshot

ROOT = Path(__file__).resolve().parents[2]


# -- No rows, oversized headers ----------------------------------------------------------------


@pytest.mark.parametrize("content", ["requested_on,person_id,department\n", "requested_on,person_id,department",
                                     "requested_on,person_id,department\n\n\n;;;\n"])
def test_a_header_without_rows_says_no_rows_and_records_nothing(db, tmp_files, content):
    path = tmp_files("training.csv", content.replace(";", ","))
    (report,) = import_files(db, [path], today=TODAY)
    assert report.reason == NO_ROWS
    assert report.upload_id is None and not report.succeeded
    assert snapshot(db)["uploads"] == [] and snapshot(db)["upload_details"] == []
    detection = inspect_file(path, today=TODAY)
    assert not detection.understood and detection.reason == NO_ROWS


def test_the_command_line_says_no_rows(tmp_path):
    from lookdown.cli import main

    path = tmp_path / "training.csv"
    path.write_text("requested_on,person_id,department\n")
    assert main(["--db", str(tmp_path / "org.duckdb"), "import", str(path)]) == 1


def test_a_20_mb_header_line_gets_a_plain_reason_at_once(db, tmp_files):
    path = tmp_files("people.csv", "person_id" + ",department" * 2_000_000 + "\np1,Sales\n")
    started = time.perf_counter()
    (report,) = import_files(db, [path], today=TODAY)
    assert time.perf_counter() - started < 5
    assert report.reason == ("people.csv: the first line is longer than 1 MB. The first line of a CSV names its "
                             "columns and is far shorter: this file is not a table Lookdown can read (or its line "
                             "breaks were lost).")
    assert snapshot(db)["uploads"] == []


def test_a_column_name_longer_than_a_field_may_be_gets_a_plain_reason(db, tmp_files):
    (report,) = import_files(db, [tmp_files("people.csv", "person_id," + "x" * 200_000 + "\np1,a\n")], today=TODAY)
    assert report.reason == ("The header line holds a column name of more than 131,072 characters: the first "
                             "line should name the columns.")


# -- Encodings -------------------------------------------------------------------------------


def test_a_file_mixing_utf8_and_cp1252_reads_each_line_in_its_own_and_names_the_cp1252_lines(db, tmp_files):
    content = (b"person_id,department\n"
               + "p1,Café\n".encode()
               + "p2,Crème brûlée\n".encode("cp1252")
               + "p3,Zoë\n".encode()
               + "p4,Naïve\n".encode("cp1252")
               + b"p5,Plain\n")
    (report,) = import_files(db, [tmp_files("people.csv", content)], today=TODAY)
    assert report.succeeded and report.loaded == 5
    departments = sorted(r[0] for r in db.cursor().execute("select department from people").fetchall())
    assert departments == ["Café", "Crème brûlée", "Naïve", "Plain", "Zoë"]
    assert report.notices[0] == (
        "The file mixes two encodings: lines 3, 5 are in Windows-1252 (Excel's Western encoding), the rest in "
        "UTF-8. Each line was read in its own encoding; check the accented letters on those lines, and save "
        "the file again as UTF-8.")


def test_a_file_all_in_cp1252_says_so_as_before(db, tmp_files):
    content = "person_id,department\np1,Crème\np2,Café\n".encode("cp1252")
    (report,) = import_files(db, [tmp_files("people.csv", content)], today=TODAY)
    assert report.notices == ["The file is not UTF-8; it was read as Windows-1252 (Excel's Western encoding)."]
    assert sorted(r[0] for r in db.cursor().execute("select department from people").fetchall()) == ["Café", "Crème"]


def test_more_than_ten_cp1252_lines_are_counted_not_listed(db, tmp_files):
    content = b"person_id,department\np0,Caf\xc3\xa9\n" + b"".join(
        f"p{i},Cr\xe8me\n".encode("latin-1") for i in range(1, 13))
    (report,) = import_files(db, [tmp_files("people.csv", content)], today=TODAY)
    assert report.notices[0].startswith(
        "The file mixes two encodings: lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 2 more are in Windows-1252")


# -- Control characters -------------------------------------------------------------------------

CONTROL = "holds a control character (such as a NUL byte) that text never holds: the file may be damaged"


def test_nul_bytes_and_other_control_characters_in_values_are_rejected(db, tmp_files):
    content = ("requested_on,person_id,department,course,status,cost\n"
               "2024-11-04,p001,Sales,Ex\x00cel,requested,100\n"
               "2024-11-05,p002,Sa\x07les,Excel,requested,100\n"
               "2024-11-06,p003,Sales,Word,requested,100\n"
               "2024-11-07,p0\x1b04,Sales,Word,requested,100\n")
    (report,) = import_files(db, [tmp_files("training.csv", content)], today=TODAY)
    assert report.loaded == 1 and report.rejected == 3
    assert report.errors == [
        {"line": 2, "column": "course", "value": "Ex\ufffdcel", "reason": CONTROL},
        {"line": 3, "column": "department", "value": "Sa\ufffdles", "reason": CONTROL},
        {"line": 5, "column": "person_id", "value": None, "reason": CONTROL},  # an identifier: never kept
    ]
    stored = db.cursor().execute("select course, department from training").fetchall()
    assert stored == [("Word", "Sales")]
    assert "\x00" not in repr(snapshot(db))


def test_a_tab_inside_a_value_is_text_not_a_control_character(db, tmp_files):
    content = 'person_id,department\np1,"Sales\tEast"\n'
    (report,) = import_files(db, [tmp_files("people.csv", content)], today=TODAY)
    assert report.loaded == 1 and report.rejected == 0


def test_control_characters_in_a_report_export_reject_the_row(db, tmp_files):
    content = ("Report Refresh Date,User Principal Name,Team Chat Message Count,Report Period\n"
               "2025-06-01,ann@example.org,3,7\n"
               "2025-06-01,b\x00b@example.org,2,7\n")
    (report,) = import_files(db, [tmp_files("TeamsUserActivityUserDetail.csv", content)], today=TODAY)
    assert report.succeeded and report.rejected == 1
    assert report.errors == [{"line": 3, "column": None, "value": None, "reason": CONTROL}]
    assert report.loaded == 3  # ann's three messages


# -- A database that cannot be written -----------------------------------------------------------


@pytest.fixture(scope="module")
def org_file(tmp_path_factory) -> Path:
    return org.build(tmp_path_factory.mktemp("read-only") / "org.duckdb")


def test_a_read_only_database_shows_figures_and_refuses_every_write_in_words(org_file, tmp_files):
    db = Database(org_file, read_only=True)
    try:
        assert db.read_only
        assert db.cursor().execute("select count(*) from training").fetchone()[0] == 198
        refused = f"{org_file} can only be read (it was opened read-only): every figure can be shown"
        with pytest.raises(ReadOnlyDatabase, match=r"can only be read \(it was opened read-only\)") as error:
            import_files(db, [tmp_files("people.csv", "person_id,department\np9,Sales\n")], today=TODAY)
        assert str(error.value).startswith(refused)
        for write in (lambda: db.set_setting("timezone", "UTC"), lambda: db.set_min_group_size(7),
                      lambda: remove_upload(db, 1), lambda: save_mapping(db, ["a"], "people", {"a": "person_id"})):
            with pytest.raises(ReadOnlyDatabase):
                write()
        assert inspect_file(tmp_files("p.csv", "person_id,department\np9,Sales\n"), db=db, today=TODAY).understood
    finally:
        db.close()


def _read_only_run(folder: Path, argv: list[str]) -> subprocess.CompletedProcess:
    """`python -m lookdown ARGV` with `folder` read-only: a read-only bind mount of its own when
    running as root (who may write anywhere else), the folder's write bits taken away otherwise."""
    command = [sys.executable, "-m", "lookdown", *argv]
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("needs unshare to mount a folder read-only as root")
        mount = f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" "{folder}" && exec "$@"'
        probe = subprocess.run(["unshare", "--mount", "sh", "-c", mount, "sh", "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("cannot mount a folder read-only here")
        return subprocess.run(["unshare", "--mount", "sh", "-c", mount, "sh", *command], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    modes = {path: path.stat().st_mode for path in [folder, *folder.iterdir()]}
    try:
        for path in modes:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def test_measure_works_on_a_database_in_a_read_only_folder_and_import_says_why_not(org_file, tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    path = org.copy_database(org_file, folder / "org.duckdb")
    measured = _read_only_run(folder, ["--db", str(path), "measure", "training_requests", "--by", "department"])
    assert measured.returncode == 0, measured.stderr
    assert "Traceback" not in measured.stderr
    assert measured.stdout.startswith("period,segment,value,people,suppressed\n2024-01-01,Smaller departments,11,34,false\n")
    people = tmp_path / "people.csv"
    people.write_text("person_id,department\np9,Sales\n")
    imported = _read_only_run(folder, ["--db", str(path), "import", str(people)])
    assert imported.returncode == 2 and "Traceback" not in imported.stderr
    assert imported.stderr.startswith(f"lookdown: {path} can only be read (")
    assert "nothing can be imported, removed or saved" in imported.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["org.duckdb", "org.key"]  # nothing written beside it
