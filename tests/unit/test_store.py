"""The database: pseudonymisation, transactions, settings and coverage."""
import duckdb
import pandas as pd
import pytest

from lookdown.ingest.write import ContractError, load_frames
from lookdown.store import Database, DatabaseBusy, pseudonym


def test_pseudonym_is_keyed_stable_and_case_insensitive():
    assert pseudonym("k1", "Ann@Example.com ") == pseudonym("k1", "ann@example.com")
    assert pseudonym("k1", "ann@example.com") != pseudonym("k2", "ann@example.com")
    assert 0 <= pseudonym("k1", "ann@example.com") < 2**64  # a 64-bit number
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
    with pytest.raises(ContractError, match=r"missing required column.*department"):
        load_frames(db, {"people": pd.DataFrame({"person_id": ["a"]})}, kind="t", source="t")


def test_loading_the_same_activity_twice_does_not_double_count(db):
    rows = pd.DataFrame({"occurred_at": ["2024-01-02 10:00", "2024-01-03 10:00"], "person_id": ["a", "b"],
                         "kind": ["post", "post"]})
    first = load_frames(db, {"activity": rows}, kind="t", source="t")[0]
    second = load_frames(db, {"activity": rows}, kind="t", source="t")[0]
    assert (first.loaded, second.loaded, second.duplicates_skipped) == (2, 0, 2)
    assert db.cursor().execute("select sum(events) from activity_daily").fetchone() == (2,)


def test_an_event_repeated_inside_one_file_is_loaded_once(db):
    rows = pd.DataFrame({"occurred_at": ["2024-01-02 10:00", "2024-01-02 10:00", "2024-01-03 10:00",
                                         "2024-01-02 10:00"],
                         "person_id": ["a", "a", "b", "a"], "kind": ["post", "post", "post", "post"]})
    (result,) = load_frames(db, {"activity": rows}, kind="t", source="t")
    assert (result.loaded, result.duplicates_skipped) == (2, 2)
    # Events without a platform id are their content: no key is stored for them.
    assert db.cursor().execute("select count(*), count(distinct (occurred_at, person_key)), count(event_key) "
                               "from activity").fetchone() == (2, 2, 0)


def test_a_platform_event_repeated_inside_one_file_keeps_its_last_row(db):
    """Two rows with the same platform id (an edited message, say) are one event: the later row in
    the file wins, whatever order the rows arrive in."""
    from lookdown.ingest.write import write_rows

    rows = pd.DataFrame({
        "rec": [3, 0, 1, 2], "occurred_at": ["2024-01-02 10:05", "2024-01-02 10:00", "2024-01-03 09:00",
                                             "2024-01-02 10:01"],
        "person_id": ["a", "a", "b", "a"], "kind": ["reply", "post", "post", "question"],
        "space": ["late", "first", "other", "middle"], "space_type": [None] * 4, "thread_id": [None] * 4,
        "target_person_id": [None] * 4, "platform": ["slack"] * 4, "event_id": ["m1", "m1", "m2", "m1"],
    })
    with db.transaction() as cur:
        stats = write_rows(cur, "activity", rows, db.new_upload(cur, "t", "t"))
    assert (stats.inserted, stats.duplicates) == (2, 2)
    assert db.cursor().execute("select kind, space from activity order by occurred_at").fetchall() == [
        ("reply", "late"), ("post", "other")]


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
    (tracked, drawn) = db.cursor().execute(
        "select current_setting('enable_progress_bar'), current_setting('enable_progress_bar_print')"
    ).fetchone()
    assert tracked is False and drawn is False


def test_a_database_with_text_keys_from_an_earlier_version_is_upgraded_in_place(tmp_path):
    """Earlier versions stored person keys as 16 hex digits and event keys as md5 hex text. On
    open the keys become numbers, people keep their key, and the same file loaded again is still
    recognised as already loaded."""
    path, key = tmp_path / "old.duckdb", "ab" * 32
    old = duckdb.connect(str(path))
    old.execute("""
        create table people (person_key varchar primary key, department varchar not null,
            manager_key varchar, hire_date date, termination_date date, termination_type varchar,
            regretted boolean, annual_salary decimal(14, 2), location varchar, job_level varchar,
            upload_id integer);
        create table activity (event_key varchar not null, occurred_at timestamp not null,
            person_key varchar not null, kind varchar not null, space varchar, space_type varchar,
            thread_id varchar, target_person_key varchar, platform varchar, upload_id integer);
        create table activity_daily (day date, person_key varchar, kind varchar, space_type varchar,
            events bigint);
        create table manager_time (period_start date not null, manager_key varchar not null,
            direction_hours double not null, direct_reports integer, upload_id integer);
        create table interaction_pairs (grain varchar, period date, first_key varchar);
        create sequence upload_id_seq start 1;
    """)
    old.execute("select nextval('upload_id_seq')")  # upload 1 loaded the rows below
    old.execute("create macro hex_key(x) as left(sha256($key || lower(trim(x))), 16)".replace("$key", f"'{key}'"))
    old.execute("insert into people (person_key, department, manager_key) "
                "values (hex_key('ann@example.com'), 'Sales', hex_key('bob@example.com'))")
    old.execute("insert into manager_time values (date '2024-03-01', hex_key('bob@example.com'), 4, 3, 1)")
    old.execute("""
        insert into activity select md5(concat_ws('|', occurred_at, person_key, kind, space, thread_id,
            target_person_key, platform)), occurred_at, person_key, kind, space, null, thread_id,
            target_person_key, platform, 1
        from (values (timestamp '2024-03-01 09:00:00', hex_key('ann@example.com'), 'question', 'help',
                      't1', null, 'slack'),
                     (timestamp '2024-03-01 10:00:00', hex_key('bob@example.com'), 'answer', 'help',
                      't1', hex_key('ann@example.com'), 'slack'))
             as v (occurred_at, person_key, kind, space, thread_id, target_person_key, platform)
    """)
    old.close()

    db = Database(path, key=key)
    cur = db.cursor()
    assert cur.execute("select person_key, manager_key from people").fetchall() == [
        (db.person_key("ann@example.com"), db.person_key("bob@example.com"))]
    assert cur.execute("select count(*) from activity where person_key = $k",
                       {"k": db.person_key("bob@example.com")}).fetchone() == (1,)
    assert cur.execute("select manager_key from manager_time").fetchall() == [(db.person_key("bob@example.com"),)]
    # The rollups were rebuilt from the converted rows, and the retired pairs table is gone.
    assert cur.execute("select sum(events) from activity_daily").fetchone() == (2,)
    assert cur.execute("select answers_by_others from questions").fetchall() == [(1,)]
    assert not cur.execute("select 1 from duckdb_tables() where table_name = 'interaction_pairs'").fetchall()
    again = pd.DataFrame({
        "occurred_at": ["2024-03-01 09:00:00", "2024-03-01 10:00:00"],
        "person_id": ["ann@example.com", "bob@example.com"], "kind": ["question", "answer"],
        "space": ["help", "help"], "thread_id": ["t1", "t1"], "target_person_id": [None, "ann@example.com"],
        "platform": ["slack", "slack"],
    })
    (result,) = load_frames(db, {"activity": again}, kind="test", source="again")
    assert (result.loaded, result.duplicates_skipped) == (0, 2)
    assert cur.execute("select count(*) from activity").fetchone() == (2,)
    db.close()


def test_a_database_that_stored_content_keys_forgets_them_and_still_recognises_its_events(tmp_path):
    """The previous version stored, for events without a platform id, the md5 of their content as
    a NOT NULL event_key. On open those keys become NULL (platform keys stay), and loading the
    same rows again is still recognised."""
    from lookdown.ingest.write import write_rows

    path, key = tmp_path / "previous.duckdb", "cd" * 32
    db = Database(path, key=key)
    posts = pd.DataFrame({"occurred_at": ["2024-03-01 09:00", "2024-03-02 09:00"], "person_id": ["ann", "bob"],
                          "kind": ["post", "question"], "space": ["help", None], "thread_id": [None, "t1"],
                          "target_person_id": [None, None], "platform": ["csv", None]})
    load_frames(db, {"activity": posts}, kind="test", source="posts")
    platform = pd.DataFrame({"rec": [0], "occurred_at": ["2024-03-03 09:00"], "person_id": ["cat"], "kind": ["post"],
                             "space": ["general"], "space_type": [None], "thread_id": [None],
                             "target_person_id": [None], "platform": ["slack"], "event_id": ["C1/1709456400.000100"]})
    with db.transaction() as cur:
        write_rows(cur, "activity", platform, db.new_upload(cur, "test", "slack"))
    db.close()
    previous = duckdb.connect(str(path))  # as the previous version wrote them
    previous.execute("""
        update activity set event_key = md5_number(concat_ws('|', occurred_at, printf('%016x', person_key), kind,
            space, thread_id, printf('%016x', target_person_key), platform)) where event_key is null;
        alter table activity alter column event_key set not null;
        delete from settings where key = 'event_keys';
    """)
    previous.close()

    db = Database(path, key=key)
    cur = db.cursor()
    assert cur.execute("select platform, event_key is null from activity order by occurred_at").fetchall() == [
        ("csv", True), (None, True), ("slack", False)]
    (again,) = load_frames(db, {"activity": posts}, kind="test", source="posts again")
    assert (again.loaded, again.duplicates_skipped) == (0, 2)
    assert cur.execute("select count(*) from activity").fetchone() == (3,)
    db.close()
    assert Database(path, key=key).cursor().execute("select count(*) from activity").fetchone() == (3,)


def test_staged_rows_only_ever_name_their_own_staging_tables(db):
    from lookdown.ingest.stage import TempRows

    cur = db.cursor()
    with pytest.raises(ValueError, match="not a staging table name"):
        TempRows.view(cur, "people; drop table people", "select 1 as rec", [], num_rows=1)
    with pytest.raises(ValueError, match="not a staging table name"):
        TempRows.view(cur, "ld_rows_1", "select 1 as rec", ["activity"], num_rows=1)
    assert cur.execute("select count(*) from people").fetchone() == (0,)
