"""The database: pseudonymisation, transactions, settings and coverage."""
import duckdb
import pandas as pd
import pytest

from lookdown.load import ContractError, load_frames
from lookdown.store import Database, DatabaseBusy, pseudonym


def test_pseudonym_is_keyed_stable_and_case_insensitive():
    assert pseudonym("k1", "Ann@Example.com ") == pseudonym("k1", "ann@example.com")
    assert pseudonym("k1", "ann@example.com") != pseudonym("k2", "ann@example.com")
    assert len(pseudonym("k1", "ann@example.com")) == 16
    assert pseudonym("k1", "  ") is None and pseudonym("k1", None) is None


def test_sql_and_python_pseudonyms_agree(db):
    (in_sql,) = db.cursor().execute("select pseudonym('Ann@Example.com')").fetchone()
    assert in_sql == db.person_key("ann@example.com")


def test_key_file_is_created_once_beside_the_database_and_never_stored_inside(tmp_path):
    path = tmp_path / "org.duckdb"
    first = Database(path)
    key = path.with_suffix(".key").read_text().strip()
    load_frames(first, {"people": pd.DataFrame({"person_id": ["ann@example.com"], "department": ["Sales"]})},
                kind="test", source="test")
    first.close()
    second = Database(path)
    assert second.person_key("ann@example.com") == pseudonym(key, "ann@example.com")
    second.close()
    raw = path.read_bytes()
    assert key.encode() not in raw
    assert b"ann@example.com" not in raw


def test_a_failed_load_leaves_the_database_as_it_was(db):
    load_frames(db, {"people": pd.DataFrame({"person_id": ["a"], "department": ["Sales"]})}, kind="t", source="t")
    version = db.data_version()
    bad_training = pd.DataFrame({"requested_on": ["2024-01-01"], "person_id": ["a"], "cost": [-5]})
    good_people = pd.DataFrame({"person_id": ["b"], "department": ["Sales"]})
    with pytest.raises(duckdb.ConstraintException):
        load_frames(db, {"people": good_people, "training": bad_training}, kind="t", source="t")
    cur = db.cursor()
    assert cur.execute("select count(*) from people").fetchone() == (1,)
    assert cur.execute("select count(*) from uploads").fetchone() == (1,)
    assert db.data_version() == version


def test_missing_required_columns_are_named(db):
    with pytest.raises(ContractError, match="missing required column.*department"):
        load_frames(db, {"people": pd.DataFrame({"person_id": ["a"]})}, kind="t", source="t")


def test_loading_the_same_activity_twice_does_not_double_count(db):
    rows = pd.DataFrame({"occurred_at": ["2024-01-02 10:00", "2024-01-03 10:00"], "person_id": ["a", "b"],
                         "kind": ["post", "post"]})
    first = load_frames(db, {"activity": rows}, kind="t", source="t")[0]
    second = load_frames(db, {"activity": rows}, kind="t", source="t")[0]
    assert (first.loaded, second.loaded, second.duplicates_skipped) == (2, 0, 2)
    assert db.cursor().execute("select sum(events) from activity_daily").fetchone() == (2,)


def test_min_group_size_defaults_to_five_and_never_goes_below_three(db):
    assert db.min_group_size == 5
    db.set_min_group_size(7)
    assert db.min_group_size == 7
    with pytest.raises(ValueError, match="cannot be below 3"):
        db.set_min_group_size(2)


def test_coverage_reports_range_and_empty_tables(db):
    assert db.coverage().start is None
    load_frames(db, {"training": pd.DataFrame({"requested_on": ["2024-02-03", "2024-05-06"], "department": ["S", "S"]})},
                kind="t", source="t")
    coverage = db.coverage()
    assert (coverage.start.isoformat(), coverage.end.isoformat()) == ("2024-02-03", "2024-05-06")
    assert "training" not in coverage.empty_tables and "activity" in coverage.empty_tables


def test_a_second_process_gets_a_clear_message_when_the_file_is_busy(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "busy.duckdb"
    holder = Database(path)
    script = ("from lookdown.store import Database, DatabaseBusy\n"
              f"try:\n    Database({str(path)!r})\nexcept DatabaseBusy as e:\n    print('busy:', e)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    holder.close()
    assert "busy:" in done.stdout and "another Lookdown process" in done.stdout, done.stderr
    assert DatabaseBusy


def test_cursors_never_draw_a_progress_bar_into_the_command_lines_output(db):
    (drawn,) = db.cursor().execute("select current_setting('enable_progress_bar')").fetchone()
    assert drawn is False
