"""Canonical CSV templates: encodings, delimiters, dates, amounts, quarantine, keys, atomicity."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from lookdown.ingest import import_files, importer, list_uploads, quarantined, remove_upload
from lookdown.ingest.write import load_frames

from .conftest import TODAY, count, snapshot

TRAINING = (
    "requested_on;person_id;department;course;status;cost;seat_hours\r\n"
    "2024-01-05;ana@example.org;Sales;Excel basics;Completed;\"1.250,00 €\";7,5\r\n"   # line 2: ISO, decimal comma
    "3/15/2024;ben@example.org;;Word;requested;€ 99;2\r\n"                            # line 3: M/D/YYYY
    "15.03.2024;;;Power BI;approved;10;1\r\n"                                         # line 4: no person/department
    "2099-01-01;cat@example.org;HR;SQL;maybe;-5;abc\r\n"                              # line 5: four problems
    "45300;dan@example.org;HR;Python;approved;5;1;extra\r\n"                          # line 6: one column too many
    "1710000000000;eve@example.org;HR;Git;cancelled;0;0\r\n"                          # line 7: epoch ms
    "1985-02-01;fay@example.org;HR;Old;completed;1;1\r\n"                             # line 8: before 1990
    ";gus@example.org;HR;Nothing;completed;1;1\r\n"                                   # line 9: missing date
    "45292;hal@example.org;Ops;Excel serial;Registered;\"1.234,5\";3\r\n"             # line 10: Excel serial
)


def test_template_csv_bom_semicolons_dates_and_amounts(db, tmp_files):
    path = tmp_files("training.csv", "\ufeff" + TRAINING)
    (report,) = import_files(db, [path], today=TODAY)
    assert report.kind == "template" and report.table == "training" and report.understood
    assert report.loaded == 4 and report.rejected == 5
    rows = db.cursor().execute(
        "select requested_on, course, status, cost, seat_hours from training order by requested_on"
    ).fetchall()
    assert rows == [
        (date(2024, 1, 1), "Excel serial", "requested", Decimal("1234.50"), 3.0),
        (date(2024, 1, 5), "Excel basics", "completed", Decimal("1250.00"), 7.5),
        (date(2024, 3, 9), "Git", "cancelled", Decimal("0.00"), 0.0),
        (date(2024, 3, 15), "Word", "requested", Decimal("99.00"), 2.0),
    ]
    errors = [(e["line"], e["column"], e["value"], e["reason"]) for e in report.errors]
    assert errors == [
        (4, "person_id/department", None, "needs a value in person_id or department"),
        (5, "cost", "-5", "negative value"),
        (5, "requested_on", "2099-01-01", "date in the future"),
        (5, "seat_hours", "abc", "not a number"),
        (5, "status", "maybe", "unknown value (expected requested, approved, completed, cancelled)"),
        (6, None, None, "the line has more columns than the header"),
        (8, "requested_on", "1985-02-01", "date before 1990"),
        (9, "requested_on", None, "missing required value"),
    ]
    stored = quarantined(db, report.upload_id)
    assert len(stored) == 8 and set(stored["file"]) == {"training.csv"}
    assert list(stored["line"]) == [4, 5, 5, 5, 5, 6, 8, 9]
    upload = list_uploads(db).iloc[0]
    assert (upload["rows_loaded"], upload["rows_rejected"], upload["target_table"]) == (4, 5, "training")


def test_identifier_values_never_reach_quarantine(db, tmp_files):
    path = tmp_files("people.csv", "person_id,department,hire_date\nzoe@example.org,Sales,not a date\n")
    (report,) = import_files(db, [path], today=TODAY)
    assert report.loaded == 0 and report.rejected == 1
    assert report.errors == [{"line": 2, "column": "hire_date", "value": "not a date", "reason": "not a date"}]
    missing = tmp_files("people2.csv", "person_id,department,termination_type\nzoe@example.org,,voluntary\n")
    (report,) = import_files(db, [missing], today=TODAY)
    reasons = {(e["column"], e["reason"]) for e in report.errors}
    assert reasons == {("department", "missing required value"),
                       ("termination_type", "a termination type needs a termination date")}
    assert count(db, "select count(*) from quarantine where value like '%@%'") == 0


@pytest.mark.parametrize("encoding,delimiter", [("utf-16", "\t"), ("cp1252", ";"), ("utf-8", ",")])
def test_excel_encodings(db, tmp_files, encoding, delimiter):
    lines = [
        ["person_id", "department", "hire_date", "annual_salary", "location"],
        ["E1", "Développement", "01.02.2020", "52.000,00 €" if delimiter == ";" else "52000", "Zürich"],
        ["E2", "Finance", "2021-07-15", "48000", "Genève"],
    ]
    text = "\r\n".join(delimiter.join(line) for line in lines) + "\r\n"
    path = tmp_files(f"people-{encoding}.csv", text, encoding=encoding)
    (report,) = import_files(db, [path], today=TODAY)
    assert report.loaded == 2 and report.rejected == 0
    rows = db.cursor().execute(
        "select department, hire_date, annual_salary, location from people order by hire_date"
    ).fetchall()
    assert rows == [("Développement", date(2020, 2, 1), Decimal("52000.00"), "Zürich"),
                    ("Finance", date(2021, 7, 15), Decimal("48000.00"), "Genève")]
    if encoding == "cp1252":
        assert any("Windows-1252" in n for n in report.notices)


def test_empty_lines_and_empty_rows_are_skipped_and_lines_still_match(db, tmp_files):
    path = tmp_files("people.csv", "person_id,department,hire_date,location\r\n"
                                   "E1,Sales,2020-01-01,Paris\r\n"
                                   "\r\n"
                                   ",,,\r\n"
                                   "E2,Ops,someday,Lyon\r\n"
                                   "\r\n\r\n"
                                   "E3,Ops,2021-01-01,Lyon,extra\r\n"
                                   "E4,,2021-01-01,Nice\r\n"
                                   ",,,\r\n")
    (report,) = import_files(db, [path], today=TODAY)
    assert (report.loaded, report.rejected) == (1, 3)
    assert [(e["line"], e["column"], e["reason"]) for e in report.errors] == [
        (5, "hire_date", "not a date"),
        (8, None, "the line has more columns than the header"),
        (9, "department", "missing required value"),
    ]
    assert report.facts == {} and report.period[0] == datetime(2020, 1, 1)


def test_day_first_slash_dates_are_voted_per_column(db, tmp_files):
    path = tmp_files("mt.csv", "period_start,manager_id,direction_hours\n"
                               "05/03/2024,m1,3\n25/03/2024,m2,4\n")
    (report,) = import_files(db, [path], today=TODAY)
    assert report.loaded == 2
    days = [r[0] for r in db.cursor().execute("select period_start from manager_time order by 1").fetchall()]
    assert days == [date(2024, 3, 5), date(2024, 3, 25)]


def test_months_initiatives_and_cohorts(db, tmp_files):
    marketing = tmp_files("marketing.csv", "month,channel,amount\n2024-03,Search,\"$1,250.00\"\n"
                                           "Apr 2024,Search,(300)\n2024-05-17,Events,0\n")
    initiatives = tmp_files("initiatives.csv",
                            "initiative_id,department,started_on,ended_on,outcome,stage_at_end\n"
                            "I-1,Ops,2024-01-01,2024-02-01,Live,launch\n"
                            "I-2,Ops,2024-03-01,2024-02-01,stopped,idea\n")
    (m, i) = import_files(db, [marketing, initiatives], today=TODAY)
    assert (m.loaded, m.rejected) == (2, 1)
    assert m.errors == [{"line": 3, "column": "amount", "value": "(300)", "reason": "negative value"}]
    assert db.cursor().execute("select month, amount from marketing_spend order by 1").fetchall() == [
        (date(2024, 3, 1), Decimal("1250.00")), (date(2024, 5, 1), Decimal("0.00"))]
    assert (i.loaded, i.rejected) == (1, 1)
    assert i.errors[0]["reason"] == "before the start date"
    assert db.cursor().execute("select outcome from initiatives").fetchall() == [("launched",)]


def test_reloading_does_not_double_count_and_newer_rows_update(db, tmp_files):
    people = tmp_files("hr.csv", "person_id,department\nE1,Sales\nE2,Ops\nE3,Ops\n")
    first, = import_files(db, [people], today=TODAY)
    again, = import_files(db, [people], today=TODAY)
    assert (first.loaded, again.loaded, again.duplicates_skipped) == (3, 0, 3)
    newer = tmp_files("hr2.csv", "person_id,department\nE1,Sales\nE2,Finance\nE4,Ops\nE4,Legal\n")
    third, = import_files(db, [newer], today=TODAY)
    # E1 unchanged, E2 moved, E4 new (its last row wins; the earlier one is a duplicate).
    assert (third.loaded, third.updated, third.duplicates_skipped) == (2, 1, 2)
    assert db.cursor().execute("select department from people where person_key = $k",
                               {"k": db.person_key("E4")}).fetchone() == ("Legal",)
    assert count(db, "select count(*) from people") == 4


def test_identical_training_rows_are_matched_occurrence_by_occurrence(db, tmp_files):
    row = "2024-02-01,Sales,Negotiation,400\n"
    three = tmp_files("t3.csv", "requested_on,department,course,cost\n" + row * 3)
    four = tmp_files("t4.csv", "requested_on,department,course,cost\n" + row * 4)
    a, = import_files(db, [three], today=TODAY)
    b, = import_files(db, [three], today=TODAY)
    c, = import_files(db, [four], today=TODAY)
    assert (a.loaded, b.loaded, b.duplicates_skipped, c.loaded, c.duplicates_skipped) == (3, 0, 3, 1, 3)
    assert count(db, "select count(*) from training") == 4


def test_activity_files_that_repeat_events_are_written_once_each(db, tmp_files):
    """Activity is written straight from the file; one that repeats an event (the same line, or
    lines that only become the same once read: case, spaces, another date format) is written
    again the careful way. Either way each event is stored once, in one upload."""
    head = "occurred_at,person_id,kind,space\n"
    first = tmp_files("a1.csv", head + "2024-03-01 09:00,ann@x.org,post,help\n2024-03-02 09:00,ben@x.org,post,help\n")
    report, = import_files(db, [first], today=TODAY)
    assert (report.loaded, report.duplicates_skipped) == (2, 0)
    superset = tmp_files("a2.csv", head + "2024-03-01 09:00,ann@x.org,post,help\n"        # loaded before
                                          "2024-03-03 09:00,cat@x.org,post,help\n"
                                          "2024-03-03 09:00,cat@x.org,post,help\n"        # the same line again
                                          "3/3/2024 9:00,CAT@x.org , Post,help\n"         # the same event once read
                                          "2024-03-04 09:00,dan@x.org,question,help\n")
    report, = import_files(db, [superset], today=TODAY)
    assert (report.loaded, report.duplicates_skipped, report.rejected) == (2, 3, 0)
    assert count(db, "select count(*) from uploads") == 2
    assert db.cursor().execute("select count(*), count(distinct (occurred_at, person_key, kind)) "
                               "from activity").fetchone() == (4, 4)
    assert db.cursor().execute("select sum(events) from activity_daily").fetchone() == (4,)
    again, = import_files(db, [superset], today=TODAY)
    assert (again.loaded, again.duplicates_skipped) == (0, 5)
    assert count(db, "select count(*) from activity") == 4


@pytest.mark.parametrize(("first", "last"), [("work", "social"), ("social", "work")])
def test_an_event_repeated_with_another_space_type_keeps_the_files_last_row(db, tmp_files, first, last):
    """space_type is not part of an event's key: of two rows that differ only there, the last one
    in the file is the one kept, as for every table's repeated keys."""
    rows = "".join(f"2024-03-0{d} 09:00,p{d},post,help,{first}\n" for d in range(1, 8))
    path = tmp_files("a.csv", "occurred_at,person_id,kind,space,space_type\n" + rows
                     + f"2024-03-02 09:00,p2,post,help,{last}\n" + rows.splitlines(keepends=True)[3])
    report, = import_files(db, [path], today=TODAY)
    assert (report.loaded, report.duplicates_skipped) == (7, 2)
    assert db.cursor().execute("select space_type from activity where person_key = $k",
                               {"k": db.person_key("p2")}).fetchall() == [(last,)]
    assert count(db, "select count(*) from activity") == 7


def test_each_column_is_cleaned_when_one_of_its_values_needs_it(db, tmp_files):
    """Columns are cleaned only when some value needs it: one value per reason, each alone in
    its column, must still be found."""
    path = tmp_files("activity.csv", "occurred_at,person_id,kind,space,thread_id\n"
                                     "2024-03-01 09:00 ,a,post,help,t1\n"             # trailing space
                                     "2024-03-01 10:00,\u00a0b,post,help,t2\n"        # non-breaking space
                                     "2024-03-01 11:00,c, question,help,t3\n"         # leading space
                                     '2024-03-01 12:00,d,post,"",t4\n'                # empty string
                                     "2024-03-01 13:00,e,post,help\u202f,t5\n")       # narrow no-break space
    report, = import_files(db, [path], today=TODAY)
    assert (report.loaded, report.rejected) == (5, 0)
    rows = db.cursor().execute("select occurred_at, person_key, kind, space from activity order by 1").fetchall()
    assert rows == [
        (datetime(2024, 3, 1, 9), db.person_key("a"), "post", "help"),
        (datetime(2024, 3, 1, 10), db.person_key("b"), "post", "help"),
        (datetime(2024, 3, 1, 11), db.person_key("c"), "question", "help"),
        (datetime(2024, 3, 1, 12), db.person_key("d"), "post", None),
        (datetime(2024, 3, 1, 13), db.person_key("e"), "post", "help"),
    ]


def test_an_all_ascii_file_is_still_cleaned_where_it_needs_it(db, tmp_files):
    """An ASCII file skips the test for non-breaking spaces, not the others."""
    path = tmp_files("activity.csv", "occurred_at,person_id,kind,space\n"
                                     "2024-03-01 09:00,a,post ,help\n"
                                     '2024-03-01 10:00, b,post,""\n')
    report, = import_files(db, [path], today=TODAY)
    assert (report.loaded, report.rejected) == (2, 0)
    assert db.cursor().execute("select person_key, kind, space from activity order by occurred_at").fetchall() == [
        (db.person_key("a"), "post", "help"), (db.person_key("b"), "post", None)]


def test_manager_time_key_updates_hours(db, tmp_files):
    first = tmp_files("m1.csv", "period_start,manager_id,direction_hours\n2024-03-04,m1,6\n2024-03-04,m2,2\n")
    fixed = tmp_files("m2.csv", "period_start,manager_id,direction_hours\n2024-03-04,m1,5\n")
    import_files(db, [first], today=TODAY)
    report, = import_files(db, [fixed], today=TODAY)
    assert (report.loaded, report.updated) == (1, 1)
    assert db.cursor().execute("select sum(direction_hours), count(*) from manager_time").fetchone() == (7.0, 2)


def test_activity_template_with_offsets_and_epochs(db, tmp_files):
    path = tmp_files("activity.csv",
                     "occurred_at,person_id,kind,space,thread_id\n"
                     "2024-03-01T10:00:00Z,a,question,help,t1\n"
                     "2024-03-01 11:30,b,answer,help,t1\n"
                     "1709294400000,c,post,general,\n"
                     "2024-03-01 12:00,d,like,general,\n")
    report, = import_files(db, [path], timezone="Europe/Paris", today=TODAY)
    assert (report.loaded, report.rejected) == (3, 1)
    assert report.errors[0]["value"] == "like"
    times = [r[0] for r in db.cursor().execute("select occurred_at from activity order by 1").fetchall()]
    # 10:00Z is 11:00 in Paris; the naive value is already local; the epoch is 12:00 Paris.
    assert times == [datetime(2024, 3, 1, 11, 0), datetime(2024, 3, 1, 11, 30), datetime(2024, 3, 1, 13, 0)]
    assert count(db, "select answers_by_others from questions") == 1


# Values without an offset, in every format the parser reads (and some it cannot).
OFFSET_FREE = ["2024-03-01 11:30", "2024-03-01", "2024-3-1 9:05:07.25", "3/4/2024", "3/4/2024 14:05",
               "4.3.2024", "1709294400000", "1709294400", "45352", "45352.5", "Mar 4, 2024", "20240304",
               "4 March 2024", "not a date", "", "2024-02-30"]


@pytest.mark.parametrize("dayfirst", [False, True])
def test_the_fast_date_parser_reads_offset_free_values_exactly_like_the_full_one(dayfirst):
    from lookdown.ingest.stage import Scratch

    with Scratch() as scratch:
        rows = scratch.con.execute(
            "select v, ld_offset_free(v), ld_timestamp_c(v, $d, 'Europe/Paris'), "
            "ld_timestamp_plain_c(v, $d, 'Europe/Paris') from unnest($values) as t(v)",
            {"values": OFFSET_FREE, "d": dayfirst},
        ).fetchall()
    assert all(free for _, free, _, _ in rows)
    assert [(v, full) for v, _, full, _ in rows] == [(v, fast) for v, _, _, fast in rows]
    assert sum(full is not None for _, _, full, _ in rows) == len(OFFSET_FREE) - 3


def test_one_value_with_an_offset_sends_its_column_through_the_full_parser(db, tmp_files):
    """A plain cast would read '2024-03-01T10:00:00+02:00' and drop the offset: the column is
    checked first, and this file is read the slow, exact way."""
    path = tmp_files("activity.csv", "occurred_at,person_id,kind\n"
                                     "2024-03-01 09:00,a,post\n2024-03-01T10:00:00+02:00,b,post\n")
    report, = import_files(db, [path], timezone="Europe/Paris", today=TODAY)
    assert report.loaded == 2
    times = [r[0] for r in db.cursor().execute("select occurred_at from activity order by 1").fetchall()]
    assert times == [datetime(2024, 3, 1, 9, 0), datetime(2024, 3, 1, 9, 0)]  # 10:00+02:00 is 09:00 in Paris


def test_failure_mid_load_leaves_the_database_exactly_as_before(db, tmp_files, monkeypatch):
    base = tmp_files("base.csv", "person_id,department\nE1,Sales\n")
    import_files(db, [base], today=TODAY)
    before = snapshot(db)
    version = db.data_version()

    def explode(cur):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_after_write", explode)
    bad = tmp_files("bad.csv", "person_id,department,hire_date\nE1,Ops,\nE2,Ops,\nE3,Ops,not a date\n")
    report, = import_files(db, [bad], today=TODAY)
    assert report.upload_id is None and "rolled back" in report.reason and "disk full" in report.reason
    assert snapshot(db) == before
    assert db.data_version() == version


def test_a_failure_while_rows_are_written_rolls_the_write_back(db, tmp_files):
    rows = "".join(f"2024-03-0{d} 09:00,p{d},post\n" for d in range(1, 8))
    path = tmp_files("activity.csv", "occurred_at,person_id,kind\n" + rows)
    before = snapshot(db)
    calls = []

    def progress(done, total):
        calls.append((done, total))
        if done:  # the rows are inserted, the transaction not yet committed
            raise RuntimeError("cancelled")

    report, = import_files(db, [path], today=TODAY, progress=progress)
    assert calls == [(0, 7), (7, 7)]
    assert "rolled back" in report.reason and "cancelled" in report.reason
    assert snapshot(db) == before
    ok, = import_files(db, [path], today=TODAY, progress=lambda d, t: calls.append((d, t)))
    assert ok.loaded == 7 and calls[-1] == (7, 7)


def test_progress_tells_how_much_of_each_file_is_read_then_the_rows_written(db, tmp_files, monkeypatch):
    import lookdown.store.database

    monkeypatch.setattr(lookdown.store.database, "PROGRESS_EVERY", 0.01)
    rows = "".join(f"2024-03-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d},p{i % 997}@x.org,post,help\n"
                   for i in range(300_000))
    big = tmp_files("big.csv", "occurred_at,person_id,kind,space\n" + rows)
    small = tmp_files("small.csv", "person_id,department\np1@x.org,Sales\n")
    events = []
    reports = import_files(db, [big, small], today=TODAY, reading=lambda name, share: events.append((name, share)),
                           progress=lambda done, total: events.append((done, total)))
    assert [r.loaded for r in reports] == [300_000, 1]
    read = [e for e in events if isinstance(e[0], str)]
    # Each file is read to the end before any row is written; shares only grow.
    assert events.index(("small.csv", 1.0)) < events.index((0, 300_001))
    assert [share for name, share in read if name == "big.csv"][-1] == 1.0
    assert all(0 < share <= 1 for _, share in read)
    assert any(share < 1 for name, share in read if name == "big.csv")  # while it was being read
    assert [s for n, s in read if n == "big.csv"] == sorted(s for n, s in read if n == "big.csv")
    assert events[-1] == (300_001, 300_001)


def test_remove_upload_deletes_rows_quarantine_and_rollups(db, tmp_files):
    activity = tmp_files("a.csv", "occurred_at,person_id,kind,thread_id\n2024-03-01,a,question,t\n"
                                  "2024-03-01 01:00,b,answer,t\n2024-03-02,c,shout,\n")
    people = tmp_files("p.csv", "person_id,department\na,Sales\n")
    a, _p = import_files(db, [activity, people], today=TODAY)
    assert count(db, "select count(*) from questions") == 1
    removed = remove_upload(db, a.upload_id)
    assert removed["activity"] == 2 and removed["quarantine"] == 1
    assert count(db, "select count(*) from questions") == 0
    assert count(db, "select count(*) from activity_daily") == 0
    assert count(db, "select count(*) from uploads") == 1
    assert count(db, "select count(*) from people") == 1
    with pytest.raises(ValueError):
        remove_upload(db, a.upload_id)


def test_load_frames_keeps_working_for_good_rows(db):
    frames = {
        "people": pd.DataFrame({"Person_ID": ["a", "b"], "department": ["X", "Y"]}),
        "training": pd.DataFrame({"requested_on": ["2024-01-01"] * 2, "department": ["X"] * 2,
                                  "course": ["c"] * 2, "cost": [10, 10]}),
    }
    results = load_frames(db, frames, kind="demo", source="demo")
    assert [(r.table, r.loaded, r.duplicates_skipped) for r in results] == [("people", 2, 0), ("training", 2, 0)]
    assert count(db, "select count(*) from uploads") == 2


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_empty_lines_are_found_the_same_in_text_and_in_bytes(newline):
    from lookdown.ingest.sources import blank_lines

    text = newline.join(["h", "a", "", "b", "", "", "c", ""])
    assert blank_lines(text) == blank_lines(text.encode()) == [3, 5, 6]
    assert blank_lines("h\na\nb\n") == blank_lines(b"h\na\nb\n") == []


def test_rejected_rows_keep_their_line_numbers_after_empty_lines_in_a_file_on_disk(db, tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_bytes(b"requested_on,person_id,department,course,cost\n"
                     b"2024-01-05,E1,Sales,Excel,10\n\n\n"
                     b"2024-01-06,E2,Sales,Excel,-5\n")
    (report,) = import_files(db, [path], today=TODAY)
    assert (report.loaded, report.rejected) == (1, 1)
    assert [(e["line"], e["column"]) for e in report.errors] == [(5, "cost")]
