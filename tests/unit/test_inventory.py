"""What is loaded (lookdown/py), on a small organisation imported the way users import.

people.csv: 4 people. activity.csv: 8 events in Jan, Feb and Apr 2024 (none in March), 5 of them by
people in people.csv and 3 by two outsiders. training.csv: 2 good rows (Jan and Mar 2024, none in
February) and 2 rejected ones.
"""
from __future__ import annotations

import time
from datetime import date

import pytest

from lookdown.ingest import import_files, inbox, remove_upload, save_mapping
from lookdown.ingest.inbox import InboxWatcher, import_inbox, inbox_dir, waiting_files
from lookdown.present.inventory import (
    contents_text,
    coverage_figure,
    gaps_text,
    rejected_count,
    rejected_csv,
    report_frame,
    report_sentence,
    upload_label,
)
from lookdown.queries.inventory import (
    gaps,
    identity_coverage,
    mapping_saved_on,
    mappings_stamp,
    monthly_coverage,
    rejected_rows,
    set_min_group_size,
    set_timezone,
    table_summary,
    time_zones,
    timezone,
    upload_contents,
    uploads,
)
from lookdown.store import Database

TODAY = date(2025, 6, 30)
PEOPLE = (
    "person_id,department,hire_date\n"
    "a@x.org,Sales,2020-01-01\n"
    "b@x.org,Sales,2021-06-01\n"
    "c@x.org,Ops,2022-03-15\n"
    "d@x.org,Ops,2019-09-30\n"
)
ACTIVITY = (
    "occurred_at,person_id,kind,platform\n"
    "2024-01-03 09:00,a@x.org,question,Slack\n"
    "2024-01-03 10:00,b@x.org,answer,Slack\n"
    "2024-01-20 11:00,c@x.org,post,Slack\n"
    "2024-02-02 09:00,a@x.org,reaction,Slack\n"
    "2024-02-09 09:00,z@partner.example,post,Slack\n"
    "2024-04-01 09:00,d@x.org,post,Teams\n"
    "2024-04-02 09:00,z@partner.example,post,Teams\n"
    "2024-04-30 09:00,y@partner.example,post,Teams\n"
)
TRAINING = (
    "requested_on,person_id,department,course,cost\n"
    "2024-01-10,a@x.org,Sales,Excel,100\n"
    "2024-03-05,b@x.org,Sales,Word,50\n"
    "2024-03-06,c@x.org,Ops,SQL,-1\n"
    "not a date,d@x.org,Ops,Git,10\n"
)


def files(*names: str) -> list[tuple[str, bytes]]:
    content = {"people.csv": PEOPLE, "activity.csv": ACTIVITY, "training.csv": TRAINING}
    return [(name, content[name].encode()) for name in names]


@pytest.fixture
def loaded(db):
    reports = import_files(db, files("people.csv", "activity.csv", "training.csv"), today=TODAY)
    assert [(r.file, r.upload_id, r.loaded, r.rejected) for r in reports] == [
        ("people.csv", 1, 4, 0), ("activity.csv", 2, 8, 0), ("training.csv", 3, 2, 2)]
    return db


def test_coverage_by_month_has_a_row_for_every_month_and_marks_gaps(loaded):
    coverage = monthly_coverage(loaded)
    rows = [(t, m.isoformat(), n, g) for t, m, n, g in coverage.itertuples(index=False)]
    assert rows == [
        ("activity", "2024-01-01", 3, False),
        ("activity", "2024-02-01", 2, False),
        ("activity", "2024-03-01", 0, True),
        ("activity", "2024-04-01", 3, False),
        ("training", "2024-01-01", 1, False),
        ("training", "2024-02-01", 0, True),
        ("training", "2024-03-01", 1, False),
    ]
    assert gaps(coverage) == {"activity": [date(2024, 3, 1)], "training": [date(2024, 2, 1)]}
    assert gaps_text(coverage) == [
        "Collaboration platform activity (`activity`): no rows in 1 month between its first and last: Mar 2024.",
        "Training records (`training`): no rows in 1 month between its first and last: Feb 2024.",
    ]


def test_coverage_figure_shows_rows_gaps_and_blanks(loaded):
    figure = coverage_figure(monthly_coverage(loaded))
    rows, gap_cells = figure.data
    assert figure.layout.meta["tables"] == ["activity", "training"]
    assert list(rows.x) == ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]
    assert [list(r) for r in rows.z] == [[3, 2, None, 3], [1, None, 1, None]]
    assert [list(r) for r in gap_cells.z] == [[None, None, 1, None], [None, 1, None, None]]
    assert list(rows.customdata[1]) == ["1 rows", "no rows: a gap", "1 rows", "outside this table's dates"]


def test_table_summary(loaded):
    summary = table_summary(loaded).set_index("table")
    assert summary.loc["people", ["rows", "first", "last", "uploads"]].tolist() == [
        4, date(2019, 9, 30), date(2022, 3, 15), 1]
    assert summary.loc["activity", ["rows", "first", "last", "uploads", "gap_months"]].tolist() == [
        8, date(2024, 1, 3), date(2024, 4, 30), 1, 1]
    assert summary.loc["training", ["rows", "first", "last", "uploads", "gap_months"]].tolist() == [
        2, date(2024, 1, 10), date(2024, 3, 5), 1, 1]
    assert summary.loc["marketing_spend", ["rows", "uploads"]].tolist() == [0, 0]
    assert list(summary.index) == ["people", "activity", "training", "manager_time", "marketing_spend",
                                   "initiatives", "cohorts"]


def test_uploads_say_what_each_holds_now(loaded):
    listed = uploads(loaded)
    assert list(listed["upload_id"]) == [3, 2, 1]
    assert list(listed["file"]) == ["training.csv", "activity.csv", "people.csv"]
    assert list(listed["kind"]) == ["template"] * 3
    assert list(listed["tables"]) == ["training", "activity", "people"]
    assert list(listed["rows_now"]) == [2, 8, 4]
    assert list(listed["loaded"]) == [2, 8, 4]
    assert list(listed["rejected"]) == [2, 0, 0]
    assert (listed.loc[0, "first"], listed.loc[0, "last"]) == (date(2024, 1, 10), date(2024, 3, 5))
    label = upload_label(listed.iloc[0])
    assert label.startswith("#3 training.csv (training records, 2 rows, loaded ")
    # Loading the same training file again: its rows stay with the first upload.
    (again,) = import_files(loaded, files("training.csv"), today=TODAY)
    assert (again.loaded, again.duplicates_skipped, again.rejected) == (0, 2, 2)
    listed = uploads(loaded)
    assert list(listed["rows_now"]) == [0, 2, 8, 4]
    assert list(listed["duplicates"]) == [2, 0, 0, 0]
    assert listed.loc[0, "tables"] == "training"  # what it targeted, though it holds nothing now


def test_removing_an_upload_takes_its_rows_and_rejected_rows(loaded):
    assert upload_contents(loaded, 3) == {"training": 2, "quarantine": 2}
    assert contents_text({"training": 2, "quarantine": 2}) == "2 rows of training records, 2 rejected rows"
    remove_upload(loaded, 3)
    summary = table_summary(loaded).set_index("table")
    assert summary.loc["training", "rows"] == 0 and summary.loc["training", "uploads"] == 0
    assert list(uploads(loaded)["upload_id"]) == [2, 1]
    assert rejected_rows(loaded).empty
    assert list(monthly_coverage(loaded)["table"].unique()) == ["activity"]


def test_rejected_rows_and_their_csv(loaded):
    frame = rejected_rows(loaded)
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        (3, "training.csv", 4, "cost", "-1", "negative value"),
        (3, "training.csv", 5, "requested_on", "not a date", "not a date"),
    ]
    assert rejected_csv(frame).decode() == (
        "file,line,column,value,reason\n"
        "training.csv,4,cost,-1,negative value\n"
        "training.csv,5,requested_on,not a date,not a date\n"
    )
    assert len(rejected_rows(loaded, 3)) == 2
    assert rejected_rows(loaded, 2).empty
    assert len(rejected_rows(loaded, [2, 3])) == 2


def test_identity_coverage_counts_activity_joined_to_a_department(loaded):
    coverage = identity_coverage(loaded)
    assert (coverage.events, coverage.joined_events, coverage.people, coverage.joined_people,
            coverage.people_loaded) == (8, 5, 6, 4, 4)
    assert coverage.share == 5 / 8 and coverage.low
    platforms = coverage.by_platform
    assert [tuple(r) for r in platforms.itertuples(index=False)] == [
        ("Slack", 5, 4, 4, 3, 0.8),
        ("Teams", 3, 1, 3, 1, 1 / 3),
    ]
    assert coverage.advice.startswith("38% of the activity comes from people who are not in the people table")
    assert "identity map" in coverage.advice


def test_identity_advice_when_no_people_are_loaded_or_coverage_is_high(db):
    import_files(db, files("activity.csv"), today=TODAY)
    coverage = identity_coverage(db)
    assert (coverage.events, coverage.joined_events, coverage.people_loaded) == (8, 0, 0)
    assert coverage.advice.startswith("No people are loaded, so no activity can be split by department")
    import_files(db, [("more.csv", b"person_id,department\nz@partner.example,Partners\ny@partner.example,Partners\n")],
                 today=TODAY)
    coverage = identity_coverage(db)
    assert (coverage.joined_events, coverage.share) == (3, 3 / 8)
    assert coverage.advice.startswith("62% of the activity comes from people who are not in the people table")
    import_files(db, files("people.csv"), today=TODAY)
    coverage = identity_coverage(db)
    assert (coverage.joined_events, coverage.share, coverage.low, coverage.advice) == (8, 1.0, False, None)
    empty = Database(None, key="1" * 64)
    try:
        assert identity_coverage(empty).events == 0 and identity_coverage(empty).advice is None
    finally:
        empty.close()


def test_reports_in_words_and_as_a_table(db):
    reports = import_files(db, files("training.csv") + [("mystery.csv", b"Foo,Bar\n1,2\n")], today=TODAY)
    assert report_sentence(reports[0]) == (
        "**training.csv** → training records: 2 rows loaded, 2 rejected, 0 already loaded (skipped).")
    assert report_sentence(reports[1]).startswith("**mystery.csv**: not loaded. The columns do not match")
    assert report_sentence(reports[1]).endswith(
        "To map it once, upload its first lines on the Upload page and save the mapping: files with the "
        "same columns are then read with it.")
    one = import_files(db, [("one.csv", b"requested_on,person_id\n2024-02-01,a@x.org\n")], today=TODAY)[0]
    assert report_sentence(one) == (
        "**one.csv** → training records: 1 row loaded, 0 rejected, 0 already loaded (skipped).")
    frame = report_frame(reports)
    assert frame.loc[0, ["loaded", "rejected", "duplicates skipped", "result"]].tolist() == [2, 2, 0, "loaded"]
    assert frame.loc[1, "read as"] == "needs a column mapping"
    assert frame["loaded"].isna().tolist() == [False, True]


def test_mapping_saved_on_and_the_stamp_of_saved_mappings(db):
    headers = ["Emp No", "Dept"]
    assert mapping_saved_on(db, headers) is None
    before = mappings_stamp(db)
    save_mapping(db, headers, "people", {"Emp No": "person_id", "Dept": "department"})
    assert mapping_saved_on(db, ["dept", "EMP NO"]) is not None
    assert mappings_stamp(db) != before and mappings_stamp(db)[0] == 1


def test_settings(db):
    zones = time_zones()
    assert zones[0] == "UTC" and "Europe/Paris" in zones and "America/Los_Angeles" in zones
    assert timezone(db) == "UTC"
    set_timezone(db, "Europe/Paris")
    assert timezone(db) == "Europe/Paris"
    with pytest.raises(ValueError, match="Unknown time zone 'Mars/Olympus'"):
        set_timezone(db, "Mars/Olympus")
    set_min_group_size(db, 7)
    assert db.min_group_size == 7
    with pytest.raises(ValueError, match="cannot be below 3"):
        set_min_group_size(db, 1)
    assert db.min_group_size == 7


def test_the_inbox_imports_every_file_and_moves_it(db, tmp_path):
    from tests.ingest.test_viva_stackexchange import MESSAGES, USERS

    inbox = inbox_dir(tmp_path / "lookdown.duckdb")
    assert inbox == tmp_path / "inbox"
    assert waiting_files(inbox) == []
    inbox.mkdir()
    (inbox / "training.csv").write_text(TRAINING)
    (inbox / "Messages.csv").write_text(MESSAGES)
    (inbox / "Users.csv").write_text(USERS)
    (inbox / "mystery.csv").write_text("Foo,Bar\n1,2\n")
    (inbox / ".hidden").write_text("ignored")
    (inbox / "done").mkdir()
    (inbox / "done" / "training.csv").write_text("an older file of the same name")
    assert [p.name for p in waiting_files(inbox)] == ["Messages.csv", "Users.csv", "mystery.csv",
                                                                "training.csv"]
    seen = []
    results = import_inbox(db, inbox, today=TODAY, progress=lambda done, total: seen.append((done, total)))
    outcome = {r.report.file: ([p.relative_to(inbox).as_posix() for p in r.moved], r.report.loaded)
               for r in results}
    assert outcome == {
        "Messages.csv": (["done/Messages.csv", "done/Users.csv"], 6),
        "mystery.csv": (["failed/mystery.csv"], 0),
        "training.csv": (["done/training (2).csv"], 2),
    }
    assert seen[0] == (0, 8) and seen[-1] == (8, 8)
    assert [p.name for p in waiting_files(inbox)] == []
    assert (inbox / ".hidden").exists()
    assert (inbox / "done" / "training.csv").read_text() == "an older file of the same name"
    assert import_inbox(db, inbox, today=TODAY) == []


def test_headings_keep_acronyms():
    from lookdown.present.labels import heading

    assert heading("HR people records") == "HR people records"
    assert heading("training records") == "Training records"


def test_the_inbox_watcher_imports_a_file_once_its_copy_is_finished(db, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = InboxWatcher(db, inbox, every=0)
    assert watcher.look() == []
    copy = inbox / "training.csv"
    copy.write_text(TRAINING[:60])  # a copy in progress
    assert watcher.look() == []  # seen for the first time: wait for the next look
    copy.write_text(TRAINING)  # still growing since the last look
    assert watcher.look() == []
    (result,) = watcher.look()  # unchanged since the last look: imported
    assert (result.report.loaded, result.report.rejected) == (2, 2)
    assert [p.relative_to(inbox).as_posix() for p in result.moved] == ["done/training.csv"]
    assert [r for _, r in watcher.imported] == [result]
    assert watcher.look() == [] and waiting_files(inbox) == []


def test_the_inbox_watcher_waits_for_every_file_being_copied(db, tmp_path):
    from tests.ingest.test_viva_stackexchange import MESSAGES, USERS

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = InboxWatcher(db, inbox, every=0)
    (inbox / "Messages.csv").write_text(MESSAGES)
    assert watcher.look() == []
    (inbox / "Users.csv").write_text(USERS)  # Messages.csv must not be read without its users
    assert watcher.look() == []
    (result,) = watcher.look()
    assert result.report.kind == "viva_engage" and result.report.loaded == 6
    assert sorted(p.relative_to(inbox).as_posix() for p in result.moved) == ["done/Messages.csv",
                                                                             "done/Users.csv"]


def test_the_inbox_watcher_runs_on_its_own_until_stopped(tmp_path):
    path = tmp_path / "lookdown.duckdb"
    db = Database(path)
    inbox = inbox_dir(path)
    inbox.mkdir()
    watcher = InboxWatcher(db, inbox, every=0.05).start()
    try:
        assert watcher.watching
        (inbox / "training.csv").write_text(TRAINING)
        deadline = time.monotonic() + 30
        while not watcher.imported and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [r.report.loaded for _, r in watcher.imported] == [2]
        assert db.cursor().execute("select count(*) from training").fetchone() == (2,)
    finally:
        watcher.stop()
        db.close()
    assert not watcher.watching and watcher.error is None


def test_an_inbox_watcher_set_to_zero_seconds_does_not_watch(db, tmp_path):
    watcher = InboxWatcher(db, tmp_path, every=0).start()
    assert not watcher.watching
    watcher.stop()


def test_the_watcher_lists_waiting_files_with_sizes_and_skips_one_moved_away_meanwhile(db, tmp_path, monkeypatch):
    (tmp_path / "training.csv").write_text(TRAINING)
    gone = tmp_path / "gone.csv"  # listed, then imported and moved by the watcher before its size is read
    monkeypatch.setattr(inbox, "waiting_files", lambda folder: [gone, tmp_path / "training.csv"])
    waiting = InboxWatcher(db, tmp_path, every=0).waiting()
    assert {p.name: size for p, (size, _) in waiting.items()} == {"training.csv": len(TRAINING)}


def test_rejected_rows_are_counted_as_rows_not_as_problems():
    import pandas as pd

    def listed(*entries):
        return pd.DataFrame(entries, columns=["upload_id", "line"]).astype({"line": "Int64"})

    assert rejected_count(listed((1, 3))) == "1 row"
    assert rejected_count(listed((1, 3), (1, 5), (2, 3))) == "3 rows"
    # Line 5 has two problems; a problem without a line (a file-level one) is a row of its own.
    assert rejected_count(listed((1, 5), (1, 5), (1, None))) == "2 rows, with 3 problems (one per line)"


def test_removing_an_upload_warns_of_its_rejected_rows_not_of_its_problems(db):
    # Line 3 fails two checks (a negative cost, an unknown status), line 4 one.
    training = ("requested_on,department,course,cost,status\n"
                "2024-01-10,Sales,Excel,100,completed\n"
                "2024-01-11,Sales,Word,-5,maybe\n"
                "2024-01-12,Sales,SQL,-1,completed\n")
    (report,) = import_files(db, [("training.csv", training.encode())], today=TODAY)
    assert (report.loaded, report.rejected, report.errors_total) == (1, 2, 3)
    contents = upload_contents(db, report.upload_id)
    assert contents == {"training": 1, "quarantine": 2}
    assert contents_text(contents) == "1 row of training records, 2 rejected rows"
    assert contents_text({"training": 3, "quarantine": 1}) == "3 rows of training records, 1 rejected row"
    assert upload_label(uploads(db).iloc[0]).startswith(
        f"#{report.upload_id} training.csv (training records, 1 row, loaded ")
