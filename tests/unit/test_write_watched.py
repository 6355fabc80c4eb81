"""One INSERT as one statement, with progress read from DuckDB while it runs (lookdown.load)."""
import duckdb
import pytest

import lookdown.store
from lookdown.ingest.write import write_watched
from lookdown.store import QUIET_SQL

ROWS = 3_000_000
INSERT = "insert into t select i, md5(i::varchar) from range($n) as r(i)"


@pytest.fixture
def cur(monkeypatch):
    monkeypatch.setattr(lookdown.store.database, "PROGRESS_EVERY", 0.01)
    con = duckdb.connect()
    con.execute(QUIET_SQL)
    con.execute("create table t (i bigint, h varchar)")
    yield con
    con.close()


def test_progress_climbs_to_every_row_and_the_rows_are_written(cur):
    seen = []
    write_watched(cur, INSERT, {"n": ROWS}, ROWS, seen.append)
    assert seen[-1] == ROWS
    assert seen == sorted(seen) and all(0 < n <= ROWS for n in seen)
    assert cur.execute("select count(*) from t").fetchone() == (ROWS,)
    # Nothing is drawn: the command line's output stays data only.
    assert cur.execute("select current_setting('enable_progress_bar_print')").fetchone() == (False,)


def test_an_error_in_progress_stops_the_write_and_reaches_the_caller(cur):
    def cancel(done):
        raise KeyboardInterrupt

    cur.execute("begin")
    with pytest.raises(KeyboardInterrupt):
        write_watched(cur, INSERT, {"n": ROWS}, ROWS, cancel)
    cur.execute("rollback")
    assert cur.execute("select count(*) from t").fetchone() == (0,)


def test_an_error_in_the_statement_reaches_the_caller(cur):
    with pytest.raises(duckdb.Error):
        write_watched(cur, "insert into t select i, 1 / 0 from range(3) as r(i) where error('bad row')",
                      {}, 3, lambda done: None)
    assert cur.execute("select count(*) from t").fetchone() == (0,)


def test_without_progress_it_is_a_plain_statement(cur):
    write_watched(cur, INSERT, {"n": 10}, 10, None)
    assert cur.execute("select count(*) from t").fetchone() == (10,)
