"""Rollups refreshed for the days and threads a load touched equal a full rebuild."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from lookdown.ingest.importer import import_files, remove_upload
from lookdown.ingest.write import load_frames, write_rows
from lookdown.store import refresh_rollups

TODAY = date(2025, 6, 30)
ROLLUPS = ("activity_daily", "questions", "interactions_daily",
           "person_segment_map", "department_segment_map", "headcount_rollup")
HEADER = "occurred_at,person_id,kind,space,space_type,thread_id,target_person_id,platform\n"


def rollups(db) -> dict[str, list]:
    cur = db.cursor()
    return {table: cur.execute("select * from " + table + " order by all").fetchall() for table in ROLLUPS}


def rebuilt(db) -> dict[str, list]:
    """The rollups after a full rebuild, which is then rolled back."""
    cur = db.cursor()
    cur.execute("begin transaction")
    try:
        refresh_rollups(cur, full=True)
        return {table: cur.execute("select * from " + table + " order by all").fetchall() for table in ROLLUPS}
    finally:
        cur.execute("rollback")


def assert_same_as_full_rebuild(db) -> None:
    incremental = rollups(db)
    assert incremental == rebuilt(db)
    assert incremental["activity_daily"] or not db.cursor().execute("select count(*) from activity").fetchone()[0]


def write(tmp_path, name: str, rows: list[str]):
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


# Questions, answers across days and across week, month and quarter boundaries (2024-03-31 is a
# Sunday, the end of a quarter), reactions between people in both directions.
FIRST = [
    "2024-03-29 09:00,ann,question,help,work,t1,,teams",
    "2024-03-29 10:00,bob,answer,help,work,t1,ann,teams",
    "2024-03-31 23:00,cat,question,help,work,t2,,teams",
    "2024-04-01 08:00,ann,reaction,help,work,,bob,teams",
    "2024-04-01 09:00,bob,reaction,help,work,,ann,teams",
    "2024-04-02 12:00,dan,post,fun,social,,,teams",
]
SECOND = [
    "2024-03-29 10:00,bob,answer,help,work,t1,ann,teams",  # already loaded
    "2024-04-01 07:00,ann,answer,help,work,t2,cat,teams",  # answers a question of the first file
    "2024-03-28 18:00,bob,question,help,work,t1,,teams",  # an earlier question: bob asked t1 first
    "2024-04-01 08:30,cat,reaction,help,work,,ann,teams",
    "2024-06-30 10:00,eve,kudos,help,work,,dan,teams",
    "2024-07-01 10:00,dan,kudos,help,work,,eve,teams",
]


def test_incremental_rollups_equal_a_full_rebuild_after_imports_and_a_removal(db, tmp_path):
    first, = import_files(db, [write(tmp_path, "first.csv", FIRST)], today=TODAY)
    assert first.loaded == 6
    assert_same_as_full_rebuild(db)

    second, = import_files(db, [write(tmp_path, "second.csv", SECOND)], today=TODAY)
    assert second.loaded == 5 and second.duplicates_skipped == 1
    assert_same_as_full_rebuild(db)

    (tmp_path / "p.csv").write_text("person_id,department\nann,Sales\nbob,Sales\ncat,Ops\n")
    people, = import_files(db, [tmp_path / "p.csv"], today=TODAY)
    assert people.loaded == 3
    assert_same_as_full_rebuild(db)

    remove_upload(db, first.upload_id)  # t1's first answer and t2's question go
    assert_same_as_full_rebuild(db)
    questions = dict(db.cursor().execute("select thread_id, answers_by_others from questions").fetchall())
    assert questions == {"t1": 0}

    remove_upload(db, second.upload_id)
    assert_same_as_full_rebuild(db)
    assert rollups(db)["activity_daily"] == []


def test_a_newer_export_replacing_its_period_keeps_rollups_equal_to_a_full_rebuild(db):
    def export(rows):
        frame = pd.DataFrame(rows, columns=["occurred_at", "person_id", "kind", "thread_id", "target_person_id"])
        frame.insert(0, "rec", range(len(frame)))
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
        for column in ("space", "space_type", "platform"):
            frame[column] = None
        return frame

    period = (datetime(2024, 5, 1), datetime(2024, 5, 31, 23, 59))
    older = export([("2024-05-02 09:00", "ann", "question", "q", None),
                    ("2024-05-03 09:00", "bob", "answer", "q", "ann"),
                    ("2024-05-20 09:00", "cat", "reaction", None, "bob")])
    newer = export([("2024-05-02 09:00", "ann", "question", "q", None),
                    ("2024-05-21 09:00", "bob", "reaction", None, "cat")])
    for frame in (older, newer):
        with db.transaction() as cur:
            upload_id = db.new_upload(cur, "export", "export.json")
            cur.execute("insert into upload_details (upload_id, file_kind, source_key) values ($u, 'export', 'x')",
                        {"u": upload_id})
            write_rows(cur, "activity", frame, upload_id, source_key="x", period=period)
        assert_same_as_full_rebuild(db)
    assert db.cursor().execute("select count(*), sum(answers_by_others) from questions").fetchone() == (1, 0)


@pytest.mark.parametrize("tables", [("people",), ("people", "activity")])
def test_loads_of_several_tables_in_one_transaction(db, tables):
    frames = {"people": pd.DataFrame({"person_id": ["ann", "bob"], "department": ["Sales", "Ops"]}),
              "activity": pd.DataFrame({"occurred_at": ["2024-01-05 10:00", "2024-01-06 10:00"],
                                        "person_id": ["ann", "bob"], "kind": ["reply", "reply"],
                                        "target_person_id": ["bob", "ann"]})}
    load_frames(db, {t: frames[t] for t in tables}, kind="test", source="test")
    assert_same_as_full_rebuild(db)
    load_frames(db, {"activity": frames["activity"].assign(kind="kudos")}, kind="test", source="test")
    assert_same_as_full_rebuild(db)


def test_segments_and_headcounts_are_rebuilt_only_when_their_sources_or_the_span_change(db, tmp_path, monkeypatch):
    """They derive from people, cohorts, training and initiatives, and headcounts cover the span
    of the facts: an activity file inside that span leaves them as they are (and equal to a full
    rebuild); one that widens the span, or a people file, rebuilds them."""
    import lookdown.store

    statements = []
    cursor = lookdown.store.Database.cursor

    def watched_cursor(self):
        cur = cursor(self)

        class Watched:
            def execute(self, sql, *args, **kwargs):
                statements.append(sql)
                return cur.execute(sql, *args, **kwargs)

            def __getattr__(self, name):
                return getattr(cur, name)
        return Watched()

    def rebuilt_tables(files) -> set[str]:
        statements.clear()
        monkeypatch.setattr(lookdown.store.Database, "cursor", watched_cursor)
        try:
            import_files(db, files, today=TODAY)
        finally:
            monkeypatch.setattr(lookdown.store.Database, "cursor", cursor)
        assert_same_as_full_rebuild(db)
        return {t for t in ("person_segment_map", "department_segment_map", "headcount_rollup")
                if any(s.startswith("insert into " + t) for s in statements)}

    (tmp_path / "p.csv").write_text("person_id,department,hire_date\nann,Sales,2020-01-01\nbob,Ops,2021-01-01\n")
    assert rebuilt_tables([tmp_path / "p.csv", write(tmp_path, "first.csv", FIRST)]) == {
        "person_segment_map", "department_segment_map", "headcount_rollup"}
    inside = ["2024-03-30 09:00,bob,post,help,work,,,teams"]
    assert rebuilt_tables([write(tmp_path, "inside.csv", inside)]) == set()
    wider = ["2024-05-02 09:00,bob,post,help,work,,,teams"]
    assert rebuilt_tables([write(tmp_path, "wider.csv", wider)]) == {"headcount_rollup"}
    (tmp_path / "p2.csv").write_text("person_id,department,hire_date\ncat,Sales,2022-01-01\n")
    assert rebuilt_tables([tmp_path / "p2.csv"]) == {"person_segment_map", "department_segment_map",
                                                     "headcount_rollup"}
    assert db.cursor().execute("select max(people) from headcount_rollup where by_key = 'none'").fetchone() == (3,)
