"""The Upload and Data pages, run in-process on a copy of the fixture organisation (tests/fixtures.py:
198 training requests, 432 activity events, 54 people, loaded as 4 uploads)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lookdown.ingest import import_files
from lookdown.store import Database

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
UPLOAD = ROOT / "pages" / "upload.py"
DATA = ROOT / "pages" / "data.py"

# A training template with 5 good rows (all in November 2024) and 3 bad ones.
TRAINING = (
    "requested_on,person_id,department,course,status,cost\n"
    "2024-11-04,p001,Sales,Excel,requested,100\n"       # line 2
    "2024-11-05,p002,Sales,Excel,maybe,100\n"           # line 3: unknown status
    "2024-11-06,p003,Sales,Word,requested,100\n"        # line 4
    "2099-01-01,p004,Sales,Word,requested,100\n"        # line 5: in the future
    "2024-11-07,p005,Sales,Word,requested,-5\n"         # line 6: negative cost
    "2024-11-08,p006,Support,SQL,requested,100\n"       # line 7
    "2024-11-11,p007,Support,SQL,requested,100\n"       # line 8
    "2024-11-12,p008,Support,Git,requested,100\n"       # line 9
)
REJECTED = [
    ("training.csv", 3, "status", "maybe", "unknown value (expected requested, approved, completed, cancelled)"),
    ("training.csv", 5, "requested_on", "2099-01-01", "date in the future"),
    ("training.csv", 6, "cost", "-5", "negative value"),
]
# An LMS export with its own headers.
LMS = (
    "Employee ID,Training Title,Price,Completion Date,Transcript Status\n"
    "p010,Negotiation,250,2024-10-01,Completed\n"
    "p011,Negotiation,250,2024-10-02,Completed\n"
    "p012,Coaching,-1,2024-10-03,Completed\n"
)


@pytest.fixture
def fresh_db(tmp_path, monkeypatch, fixture_db_path) -> Path:
    """A private copy of the fixture database (and its key), since these tests write to it."""
    path = tmp_path / "lookdown.duckdb"
    shutil.copy(fixture_db_path, path)
    shutil.copy(fixture_db_path.with_suffix(".key"), path.with_suffix(".key"))
    monkeypatch.setenv("LOOKDOWN_DB", str(path))
    return path


def run(target) -> AppTest:
    """Run the app (or the app of a widget just set or clicked) and check it raised nothing."""
    at = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page(path: Path) -> AppTest:
    return run(AppTest.from_file(path, default_timeout=120))


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def db_count(path: Path, sql: str) -> int:
    db = Database(path)
    try:
        return db.cursor().execute(sql).fetchone()[0]
    finally:
        db.close()


def test_a_template_with_bad_rows_is_previewed_then_loaded_with_its_rejected_rows(fresh_db):
    at = page(UPLOAD)
    assert at.title[0].value == "Upload your data"
    assert any(c.startswith("The browser accepts files of up to **200 MB** each.")
               and "`python -m lookdown import FILE...`" in c for c in texts(at.caption))
    at.file_uploader[0].set_value(("training.csv", TRAINING.encode(), "text/csv"))
    run(at)
    # What Lookdown recognised, before anything is written.
    assert "Read as **CSV template**, into the **training records** (`training`)." in texts(at.markdown)
    assert metric_values(at) == {"Rows to load": "5", "Rows to reject": "3",
                                 "Dates": "4 Nov 2024 to 12 Nov 2024"}
    preview = at.dataframe[0].value
    assert list(preview["person_id"]) == ["p•••"] * 5
    assert list(preview["course"]) == ["Excel", "Word", "SQL", "SQL", "Git"]
    assert list(preview.columns) == ["line", "requested_on", "person_id", "department", "course", "status", "cost"]
    assert ("The first rows as they would be loaded (person identifiers masked); empty in these rows: "
            "seat_hours, production_hours, format:") in texts(at.caption)
    problems = at.dataframe[1].value
    assert list(zip(problems["line"], problems["column"])) == [(3, "status"), (5, "requested_on"), (6, "cost")]
    assert db_count(fresh_db, "select count(*) from training") == 198  # nothing written yet

    load = at.button(key="load")
    assert load.label == "Load 1 file"
    run(load.click())
    assert texts(at.warning) == ["**training.csv** → training records: 5 rows loaded, 3 rejected, "
                                 "0 already loaded (skipped)."]
    result = at.dataframe[0].value.iloc[0]
    assert (result["loaded"], result["rejected"], result["duplicates skipped"], result["result"]) == (5, 3, 0, "loaded")
    rejected = at.dataframe[1].value
    assert [tuple(r) for r in rejected.itertuples(index=False)] == REJECTED
    assert any(m.startswith("**Rejected**: 3 rows. Fix them") for m in texts(at.markdown))
    assert at.download_button[0].label == "Download the rejected rows (CSV)"
    assert db_count(fresh_db, "select count(*) from training") == 203
    assert db_count(fresh_db, "select count(*) from quarantine") == 3
    # The upload box is empty again: loading twice needs a new drop.
    assert not any(m.label == "Rows to load" for m in at.metric)

    # Loading the same file again skips the rows already there.
    at.file_uploader[0].set_value(("training.csv", TRAINING.encode(), "text/csv"))
    run(at)
    run(at.button(key="load").click())
    assert texts(at.warning) == ["**training.csv** → training records: 0 rows loaded, 3 rejected, "
                                 "5 already loaded (skipped)."]
    assert db_count(fresh_db, "select count(*) from training") == 203


def test_after_a_load_the_overview_shows_the_new_figures(fresh_db):
    at = run(AppTest.from_file(APP, default_timeout=120))
    # By hand: Oct and Nov 2024 had 13 and 12 requests (tests/pages/test_overview_page.py).
    assert metric_values(at)["Training requests"] == "13"
    run(at.switch_page("pages/upload.py"))
    at.file_uploader[0].set_value(("training.csv", TRAINING.encode(), "text/csv"))
    run(at)
    run(at.button(key="load").click())
    run(at.switch_page("pages/overview.py"))
    # November now has 12 + 5 = 17 requests: (13 + 17) / 2 = 15 over the last two months.
    assert metric_values(at)["Training requests"] == "15"


def test_an_unknown_export_gets_a_mapping_form_with_guesses_and_loads_once_saved(fresh_db):
    at = page(UPLOAD)
    at.file_uploader[0].set_value(("lms.csv", LMS.encode(), "text/csv"))
    run(at)
    assert any("Lookdown does not know these columns" in w for w in texts(at.warning))
    assert at.selectbox(key="map-0-table").value == "training"
    guesses = {c: at.selectbox(key=f"map-0-training-{c}").value
               for c in ("requested_on", "person_id", "department", "course", "status", "cost")}
    assert guesses == {"requested_on": "Completion Date", "person_id": "Employee ID",
                       "department": "(not in this file)", "course": "Training Title",
                       "status": "Transcript Status", "cost": "Price"}
    assert at.selectbox(key="map-0-training-requested_on").label == "requested_on (required)"
    raw = at.dataframe[0].value
    assert list(raw["Employee ID"]) == ["p•••"] * 3  # mapped to person_id: masked
    assert list(raw["Training Title"]) == ["Negotiation", "Negotiation", "Coaching"]
    assert at.button(key="load").disabled and at.button(key="load").label == "Load 0 files"

    # Without a date the mapping cannot be saved, and the page says why.
    at.selectbox(key="map-0-training-requested_on").set_value("(not in this file)")
    run(at)
    assert "Choose the column that holds **requested_on** (required)." in texts(at.error)
    assert at.button(key="map-0-save").disabled
    at.selectbox(key="map-0-training-requested_on").set_value("Completion Date")
    run(at)
    assert not at.error
    run(at.button(key="map-0-save").click())

    # Saved: the file now reads as a known export, with the mapping's date said.
    assert "Read as **your own columns (saved mapping)**, into the **training records** (`training`)." \
        in texts(at.markdown)
    assert any(c.startswith("Using the column mapping saved on ") for c in texts(at.caption))
    assert metric_values(at)["Rows to load"] == "2" and metric_values(at)["Rows to reject"] == "1"
    run(at.button(key="load").click())
    assert texts(at.warning) == ["**lms.csv** → training records: 2 rows loaded, 1 rejected, "
                                 "0 already loaded (skipped)."]
    assert db_count(fresh_db, "select count(*) from training where course = 'Negotiation'") == 2
    assert db_count(fresh_db, "select count(*) from column_mappings") == 1

    # The next export with the same headers, in another order, is recognised without asking.
    headers = ["Price", "Transcript Status", "Completion Date", "Employee ID", "Training Title"]
    nxt = ",".join(headers) + "\n99,Completed,2024-10-20,p013,Excel\n"
    at.file_uploader[0].set_value(("lms-november.csv", nxt.encode(), "text/csv"))
    run(at)
    assert not any("does not know these columns" in w for w in texts(at.warning))
    assert any(c.startswith("Using the column mapping saved on ") for c in texts(at.caption))
    assert metric_values(at)["Rows to load"] == "1"


def test_an_unreadable_file_says_why_and_cannot_be_loaded(fresh_db):
    at = page(UPLOAD)
    at.file_uploader[0].set_value(("notes.txt", b"\x00\x01\x02 not a table", "text/plain"))
    run(at)
    assert texts(at.error) and texts(at.error)[0].startswith("Lookdown cannot load this file:")
    assert at.button(key="load").disabled


def test_files_waiting_in_the_inbox_are_imported_and_moved(fresh_db):
    inbox = fresh_db.parent / "inbox"
    inbox.mkdir()
    (inbox / "training.csv").write_text(TRAINING)
    (inbox / "mystery.csv").write_text("Foo,Bar\n1,2\n")
    at = page(UPLOAD)
    assert any("`mystery.csv`" in m and "`training.csv`" in m for m in texts(at.markdown))
    button = at.button(key="inbox")
    assert button.label == f"Import files waiting in {inbox}/ now" and not button.disabled
    run(button.click())
    assert texts(at.warning) == ["**training.csv** → training records: 5 rows loaded, 3 rejected, "
                                 "0 already loaded (skipped)."]
    assert len(at.error) == 1 and at.error[0].value.startswith("**mystery.csv**: not loaded.")
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["training.csv"]
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == ["mystery.csv"]
    assert f"No files are waiting in `{inbox}`." in texts(at.markdown)
    assert at.button(key="inbox").disabled
    assert db_count(fresh_db, "select count(*) from training") == 203


def test_the_data_page_lists_uploads_and_removing_one_brings_the_counts_back(fresh_db):
    db = Database(fresh_db)
    try:
        (report,) = import_files(db, [("training.csv", TRAINING.encode())])
    finally:
        db.close()
    at = page(DATA)
    tables = at.dataframe[0].value.set_index("label")
    assert tables.loc["Training records", "rows"] == 203 and tables.loc["Training records", "uploads"] == 2
    uploads = at.dataframe[1].value
    assert list(uploads["file"]) == ["training.csv", "fixture", "fixture", "fixture", "fixture"]
    mine = uploads.iloc[0]
    assert (mine["rows_now"], mine["loaded"], mine["rejected"], mine["tables"]) == (5, 5, 3, "training")
    quarantine = at.dataframe[2].value
    assert [tuple(r) for r in quarantine.drop(columns="upload_id").itertuples(index=False)] == REJECTED
    assert at.download_button(key="download-quarantine").label == "Download these rejected rows (CSV)"

    # Filter the quarantine by upload: the only upload with rejected rows is offered.
    assert at.selectbox(key="quarantine-upload").options[1].startswith(f"#{report.upload_id} training.csv")

    remove = at.selectbox(key="remove-upload")
    assert remove.value == report.upload_id
    run(at.button(key="remove").click())
    assert any(w.startswith(f"Remove #{report.upload_id} training.csv (training records, 5 rows")
               and "This deletes 5 rows of training records, 3 rejected rows." in w for w in texts(at.warning))
    assert db_count(fresh_db, "select count(*) from training") == 203  # not before confirming
    run(at.button(key="remove-confirm").click())
    assert texts(at.success) == [f"Removed upload #{report.upload_id}: 5 rows deleted."]
    assert at.dataframe[0].value.set_index("label").loc["Training records", "rows"] == 198
    assert list(at.dataframe[1].value["file"]) == ["fixture"] * 4
    assert "No rows were rejected." in texts(at.markdown)
    assert db_count(fresh_db, "select count(*) from training") == 198
    assert db_count(fresh_db, "select count(*) from quarantine") == 0


def test_cancelling_a_removal_keeps_the_upload(fresh_db):
    at = page(DATA)
    run(at.button(key="remove").click())
    run(at.button(key="remove-cancel").click())
    assert not any(w.startswith("Remove #") for w in texts(at.warning))
    assert len(at.dataframe[1].value) == 4


def test_coverage_strip_identity_and_settings(fresh_db):
    at = page(DATA)
    (chart,) = at.get("plotly_chart")
    import json

    meta = json.loads(chart.proto.spec)["layout"]["meta"]
    assert meta["tables"] == ["activity", "training"]
    assert meta["months"][0] == "2024-01-01" and meta["months"][-1] == "2024-12-01" and len(meta["months"]) == 12
    assert "No gaps: every table has rows in every month between its first and its last." in texts(at.caption)
    assert metric_values(at)["Activity joined to a department"] == "100%"
    assert not any("identity map" in w for w in texts(at.warning))

    # Minimum group size: never below 3; a new value is saved and the banner follows it.
    size = at.number_input(key="data-group-size")
    assert size.value == 5 and size.min == 3
    run(size.set_value(4))
    assert "fewer than 4 people are hidden" in at.info[0].value
    run(at.selectbox(key="data-timezone").set_value("Europe/Paris"))
    db = Database(fresh_db)
    try:
        assert (db.min_group_size, db.setting("timezone")) == (4, "Europe/Paris")
    finally:
        db.close()


def test_activity_of_people_missing_from_hr_data_gets_plain_advice(fresh_db):
    outsiders = "".join(f"2024-03-{d:02d} 10:00,x{d}@partner.example,post\n" for d in range(1, 11))
    db = Database(fresh_db)
    try:
        import_files(db, [("activity.csv", ("occurred_at,person_id,kind\n" + outsiders).encode())])
    finally:
        db.close()
    at = page(DATA)
    # 432 fixture events joined, 10 not: 432 / 442 = 97.7%; above the advice line.
    assert metric_values(at)["Activity joined to a department"] == "98%"
    more = "".join(f"2024-04-{d:02d} 1{h}:00,y{d}@partner.example,post\n" for d in range(1, 29) for h in range(4))
    db = Database(fresh_db)
    try:
        import_files(db, [("more.csv", ("occurred_at,person_id,kind\n" + more).encode())])
    finally:
        db.close()
    at = page(DATA)
    # 432 of 432 + 10 + 112 = 554 events: 78%.
    assert metric_values(at)["Activity joined to a department"] == "78%"
    advice = [w for w in texts(at.warning) if "identity map" in w]
    assert len(advice) == 1 and advice[0].startswith("22% of the activity comes from people who are not in")


def test_the_app_imports_files_copied_into_the_inbox_on_its_own(fresh_db, monkeypatch):
    monkeypatch.setenv("LOOKDOWN_INBOX_SECONDS", "0.1")
    inbox = fresh_db.parent / "inbox"
    at = page(UPLOAD)  # the app opens the database, and watches its inbox from now on
    assert any("it looks there every 0.1 seconds" in c for c in texts(at.caption))
    (inbox / "training.csv").write_text(TRAINING)
    deadline = time.monotonic() + 30
    while True:
        run(at)
        imported = [c for c in texts(at.caption) if "**training.csv** → training records" in c]
        if imported or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(imported) == 1
    assert "5 rows loaded, 3 rejected, 0 already loaded (skipped). Moved to `done/training.csv`." in imported[0]
    assert f"No files are waiting in `{inbox}`." in texts(at.markdown)
    assert db_count(fresh_db, "select count(*) from training") == 203


def test_a_server_started_by_lookdown_serve_watches_the_inbox_before_anyone_visits(fresh_db, monkeypatch):
    """serve.py calls start_serving as the server starts: the inbox exists and is watched at once,
    and the pages later use that same watcher (its imports are listed on the Upload page)."""
    from ui.data import start_serving

    monkeypatch.setenv("LOOKDOWN_INBOX_SECONDS", "0.1")
    inbox = fresh_db.parent / "inbox"
    start_serving()
    assert inbox.is_dir()
    (inbox / "training.csv").write_text(TRAINING)
    deadline = time.monotonic() + 30
    while not (inbox / "done" / "training.csv").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert db_count(fresh_db, "select count(*) from training") == 203
    at = page(UPLOAD)
    imported = [c for c in texts(at.caption) if "**training.csv** → training records" in c]
    assert len(imported) == 1 and "5 rows loaded, 3 rejected" in imported[0]


def test_rows_with_several_problems_are_counted_as_rows_and_as_problems(fresh_db):
    """The result line counts rejected rows; the list below has one line per problem."""
    inbox = fresh_db.parent / "inbox"
    inbox.mkdir()
    (inbox / "t.csv").write_text("requested_on,department,course,status,cost\n"
                                 "2099-01-01,Sales,Excel,maybe,-5\n2024-02-01,Sales,Word,requested,10\n")
    at = page(UPLOAD)
    run(at.button(key="inbox").click())
    assert texts(at.warning) == ["**t.csv** → training records: 1 row loaded, 1 rejected, "
                                 "0 already loaded (skipped)."]
    assert any(m.startswith("**Rejected**: 1 row, with 3 problems (one per line). Fix them")
               for m in texts(at.markdown))
    assert len(at.dataframe[1].value) == 3


def test_both_pages_explain_an_empty_database(tmp_path, monkeypatch):
    path = tmp_path / "lookdown.duckdb"
    Database(path).close()
    monkeypatch.setenv("LOOKDOWN_DB", str(path))
    at = page(DATA)
    markdown = texts(at.markdown)
    for line in ("No dated rows yet.", "No rows were rejected.", "No collaboration activity is loaded yet.",
                 "Nothing to remove."):
        assert line in markdown
    assert list(at.dataframe[0].value["rows"]) == [0] * 7
    at = page(UPLOAD)
    assert at.info[0].value.startswith("**Nothing is loaded yet**")
    assert at.button(key="inbox").disabled
