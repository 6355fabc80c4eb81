"""Backup and restore: a round trip gives a database whose every measure equals the original's,
whose key still joins new files to the people loaded, and restore never replaces a database
unless asked."""
from __future__ import annotations

import pandas as pd
import pytest

from lookdown.cli import main
from lookdown.ingest import import_files
from lookdown.measures import run_measure
from lookdown.store import Database
from tests import fixtures


@pytest.fixture
def original(tmp_path, demo_path):
    return fixtures.copy_database(demo_path, tmp_path / "original" / "lookdown.duckdb")


def test_a_backup_restores_to_the_same_figures_for_every_measure(original, tmp_path, catalogue, capsys):
    folder = tmp_path / "backup"
    assert main(["--db", str(original), "backup", "--out", str(folder)]) == 0
    assert "keep it secret" in capsys.readouterr().out
    assert (folder / "pseudonymisation.key").read_text().strip() == original.with_suffix(".key").read_text().strip()
    restored = tmp_path / "restored" / "lookdown.duckdb"
    assert main(["--db", str(restored), "restore", str(folder)]) == 0
    before, after = Database(original), Database(restored)
    try:
        for measure in catalogue:
            by = "department" if measure.segmentable else "none"
            pd.testing.assert_frame_equal(run_measure(before, measure, by=by).frame,
                                          run_measure(after, measure, by=by).frame, obj=measure.name)
        assert after.data_version() == before.data_version()
        trail = after.cursor().execute("select action from audit_log order by audit_id desc limit 1").fetchone()
        assert trail == ("restore",)
    finally:
        before.close()
        after.close()


def test_the_restored_key_joins_new_files_to_the_people_loaded(tmp_path):
    source = tmp_path / "a" / "lookdown.duckdb"
    db = Database(source)
    import_files(db, [("people.csv", b"person_id,department\nann@acme.com,Sales\n")])
    db.close()
    assert main(["--db", str(source), "backup", "--out", str(tmp_path / "b")]) == 0
    restored = tmp_path / "c" / "lookdown.duckdb"
    assert main(["--db", str(restored), "restore", str(tmp_path / "b")]) == 0
    db = Database(restored)
    try:
        import_files(db, [("training.csv", b"requested_on,person_id\n2024-03-04,ANN@acme.com\n")])
        joined = db.cursor().execute(
            "select count(*) from training join people using (person_key)").fetchone()[0]
        assert joined == 1
        # a later upload is numbered after the restored ones
        assert db.cursor().execute("select max(upload_id) from uploads").fetchone()[0] == 2
    finally:
        db.close()


def test_restore_refuses_to_replace_a_database_without_force(original, tmp_path, capsys):
    folder = tmp_path / "backup"
    assert main(["--db", str(original), "backup", "--out", str(folder)]) == 0
    other = fixtures.build(tmp_path / "other" / "lookdown.duckdb")
    assert main(["--db", str(other), "restore", str(folder)]) == 2
    assert "exists: restoring would replace everything in it" in capsys.readouterr().err
    db = Database(other)
    try:
        assert db.cursor().execute("select count(*) from people").fetchone() == (54,)
    finally:
        db.close()
    assert main(["--db", str(other), "restore", str(folder), "--force"]) == 0
    db = Database(other)
    try:
        assert db.cursor().execute("select count(*) from people").fetchone()[0] > 54
    finally:
        db.close()


def test_a_backup_goes_into_a_new_folder_and_a_folder_that_is_no_backup_is_refused(original, tmp_path, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    assert main(["--db", str(original), "backup", "--out", str(tmp_path / "full")]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert main(["--db", str(tmp_path / "new.duckdb"), "restore", str(tmp_path / "full")]) == 2
    assert "is not a Lookdown backup" in capsys.readouterr().err
