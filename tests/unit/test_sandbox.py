"""User SQL runs only in the sandbox: every way out is refused with a sentence a non-engineer can
act on, a query that runs forever is cancelled, and nothing of the installation's key is there."""
from __future__ import annotations

import time

import pytest

from lookdown.measures import PARAMETERS
from lookdown.measures.sandbox import Sandbox, SandboxError, check_statement
from lookdown.store import Database
from tests import fixtures


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    path = fixtures.build(tmp_path_factory.mktemp("sandbox") / "lookdown.duckdb")
    db = Database(path)
    box = Sandbox(db)
    yield box
    box.close()
    db.close()


def refused(sandbox, sql: str) -> str:
    with pytest.raises(SandboxError) as caught:
        sandbox.run(sql, {}, allowed_parameters=PARAMETERS)
    return str(caught.value)


@pytest.mark.parametrize("sql", [
    "select * from read_csv('/etc/passwd')",
    "select * from read_text('/etc/hostname')",
    "select * from glob('/etc/*')",
    "select * from read_parquet('/tmp/anything.parquet')",
    "select * from sniff_csv('/etc/passwd')",
])
def test_reading_files_is_refused(sandbox, sql):
    assert "file system operations are disabled" in refused(sandbox, sql)


@pytest.mark.parametrize("sql, reason", [
    ("copy people to '/tmp/out.csv'", "this is a copy statement, not a SELECT"),
    ("export database '/tmp/out'", "not a SELECT"),
    ("attach '/tmp/other.duckdb'", "this is a attach statement, not a SELECT"),
    ("install httpfs", "not a SELECT"),
    ("load httpfs", "not a SELECT"),
    ("pragma version", "not a SELECT"),
    ("set threads = 8", "this is a set statement, not a SELECT"),
    ("create table x (a int)", "this is a create statement, not a SELECT"),
    ("drop table people", "not a SELECT"),
    ("insert into settings values ('a', 'b')", "this is a insert statement, not a SELECT"),
    ("update settings set value = 'x'", "not a SELECT"),
    ("delete from people", "this is a delete statement, not a SELECT"),
    ("select 1; select 2", "must hold exactly one SELECT statement; this SQL holds 2"),
    ("select $who", "unknown parameter(s) $who; allowed: $by, $end, $grain, $start"),
])
def test_everything_but_one_select_is_refused_before_it_runs(sandbox, sql, reason):
    assert reason in refused(sandbox, sql)


def test_copy_into_the_snapshots_own_folder_is_refused_too(sandbox):
    target = sandbox.folder / "x.csv"
    with pytest.raises(SandboxError):
        check_statement(f"copy people to '{target}'", PARAMETERS)
    # ...and even inside a SELECT-shaped attempt the file system stays closed.
    assert "disabled" in refused(sandbox, f"select * from read_csv('{sandbox.folder}/snapshot.csv')")


def test_a_query_that_runs_forever_is_cancelled_within_the_limit(sandbox):
    started = time.monotonic()
    with pytest.raises(SandboxError, match=r"ran for more than 0\.5 seconds and was cancelled"):
        sandbox.run("select count(*) from range(1000000000000) a, range(1000000000000) b", {},
                    allowed_parameters=PARAMETERS, seconds=0.5)
    assert time.monotonic() - started < 5


def test_nothing_of_the_key_is_in_the_sandbox(sandbox):
    key = sandbox.db.pseudonymisation_key()
    rows = sandbox.run("select function_name, coalesce(macro_definition, '') from duckdb_functions()", {},
                       allowed_parameters=PARAMETERS).rows
    assert not [name for name, _ in rows if name == "pseudonym"]
    assert all(key not in text for _, text in rows)
    settings = sandbox.run("select * from settings", {}, allowed_parameters=PARAMETERS).rows
    assert all(key not in str(value) for row in settings for value in row)
    configuration = sandbox.run("select name, value from duckdb_settings()", {}, allowed_parameters=PARAMETERS).rows
    assert all(key not in str(value) for _, value in configuration)


def test_a_syntax_error_names_its_line(sandbox):
    message = refused(sandbox, "select period,\n  segment\nfrom nowhere_table")
    assert "nowhere_table" in message and "(line 3 of the SQL)" in message


def test_results_are_read_a_bounded_number_of_rows_at_a_time(sandbox):
    result = sandbox.run("select * from range(50)", {}, allowed_parameters=PARAMETERS, max_rows=10)
    assert len(result.rows) == 10 and result.truncated


def test_the_snapshot_follows_the_data_version(tmp_path):
    db = Database(fixtures.build(tmp_path / "lookdown.duckdb"))
    box = Sandbox(db)
    try:
        count = "select count(*) from training"
        before = box.run(count, {}, allowed_parameters=PARAMETERS).rows[0][0]
        from lookdown.ingest import import_files

        import_files(db, [("t.csv", b"requested_on,department\n2024-06-03,Sales\n")])
        assert box.run(count, {}, allowed_parameters=PARAMETERS).rows[0][0] == before + 1
        assert len(list(box.folder.glob("snapshot-*.duckdb"))) == 1
        box.close()
        assert not list(box.folder.glob("snapshot-*"))
    finally:
        box.close()
        db.close()
