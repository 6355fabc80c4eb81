"""The identity map, and what never reaches the database file."""
from __future__ import annotations

from lookdown.ingest import import_files
from lookdown.store import Database

from .conftest import TODAY, count, slack_zip
from .test_mapping import lms_workbook
from .test_viva_stackexchange import MESSAGES, POSTS, USERS

HR = "person_id,department\nE1,Sales\nE2,Support\nE3,Support\n"
MAP = "person_id,email,slack_user_id\nE1,anna@example.org,\nE2,BEN@example.org,\nE3,,U03CAT\n"


def test_identity_map_rekeys_activity_loaded_before_it(db, tmp_files):
    import_files(db, [("workspace.zip", slack_zip())], today=TODAY)
    anna_mail, e1 = db.person_key("anna@example.org"), db.person_key("E1")
    assert count(db, "select count(*) from activity where person_key = $k", {"k": anna_mail}) == 6
    (report,) = import_files(db, [tmp_files("hr.csv", HR), tmp_files("map.csv", MAP)], today=TODAY)[1:]
    assert report.kind == "identity_map" and report.loaded == 3 and report.table == "identity_map"
    assert count(db, "select count(*) from activity where person_key = $k", {"k": anna_mail}) == 0
    assert count(db, "select count(*) from activity where person_key = $k", {"k": e1}) == 6
    assert count(db, "select count(*) from activity where person_key = $k", {"k": db.person_key("E3")}) == 1
    # The rollups follow: the question asker is now the HR person, and answers flow between people.
    assert count(db, "select count(*) from questions where asker_key = $k", {"k": e1}) == 2
    assert count(db, "select count(*) from activity where person_key not in (select person_key from people) "
                     "and kind <> 'reaction'") == 0
    # Importing the same map again changes nothing.
    (again,) = import_files(db, [tmp_files("map.csv", MAP)], today=TODAY)
    assert (again.loaded, again.duplicates_skipped) == (0, 3)


def test_identity_map_in_the_same_batch_applies_to_platform_ids(db, tmp_files):
    by_id = "employee_id,platform,platform_user_id\nE2,Slack,U02BEN\n"
    reports = import_files(db, [("workspace.zip", slack_zip()), tmp_files("ids.csv", by_id)], today=TODAY)
    assert [r.kind for r in reports] == ["slack_zip", "identity_map"]
    # The map was imported first, so Ben's rows (keyed by e-mail) found him through his Slack id.
    assert count(db, "select count(*) from activity where person_key = $k", {"k": db.person_key("E2")}) == 8
    assert count(db, "select count(*) from activity where person_key = $k",
                 {"k": db.person_key("ben@example.org")}) == 0


def test_the_database_file_holds_no_identifiers_or_message_text(tmp_path, tmp_files):
    path = tmp_path / "privacy.duckdb"
    db = Database(path)
    training = ("requested_on,person_id,department,course,cost\n"
                "2024-01-05,ivy.secret@example.org,Sales,Excel,10\n"
                "2024-01-06,jon.secret@example.org,Sales,Excel,-5\n"
                "2099-01-01,kai.secret@example.org,Sales,Excel,5\n")
    files = [
        ("workspace.zip", slack_zip()),
        tmp_files("viva/Messages.csv", MESSAGES), tmp_files("viva/Users.csv", USERS),
        tmp_files("se/Posts.xml", POSTS),
        tmp_files("training.csv", training),
        tmp_files("map.csv", MAP),
    ]
    reports = import_files(db, files, today=TODAY)
    assert all(r.understood and r.upload_id for r in reports), [r.reason for r in reports]
    headers = ["Employee ID", "Worker", "Training Title", "Price", "Completion Date", "Transcript Status"]
    mapping = {"Employee ID": "person_id", "Training Title": "course", "Price": "cost",
               "Completion Date": "requested_on", "Transcript Status": "status"}
    (lms,) = import_files(db, [("lms.xlsx", lms_workbook())], mappings={"lms.xlsx": ("training", mapping)},
                          today=TODAY)
    assert lms.loaded == 2 and headers
    assert count(db, "select count(*) from activity") > 20 and count(db, "select count(*) from quarantine") >= 3
    db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("privacy.duckdb*"))
    secrets = [
        # e-mails and ids from every source
        "anna@example.org", "ben@example.org", "alice@example.org", "bob@example.org", "carol@example.org",
        "ivy.secret@example.org", "jon.secret@example.org", "kai.secret@example.org", "U01ANNA", "U03CAT",
        # names and message text
        "Anna Asker", "Ana Lima", "How do I export the", "Use the export button", "Where is the VPN guide",
        "How do we file expenses", "Concur", "holiday calendar", "Lunch today", "Secret body text",
        "How should I store beans",
    ]
    found = [s for s in secrets if s.encode() in raw or s.lower().encode() in raw]
    assert found == []
    # Employee ids, in their own case only: short lower-case hex can occur by chance in binary data.
    assert b"E100" not in raw and b"E101" not in raw
    # The search does find what is stored: channel and group names are kept in clear.
    assert b"help-desk" in raw and b"Finance Q&A" in raw
    # And no text column holds any of them, however DuckDB compresses it on disk.
    db = Database(path)
    try:
        cur = db.cursor()
        tables = [t for (t,) in cur.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()]
        assert len(tables) >= 15
        for table in tables:
            columns = [c for (c,) in cur.execute(
                "select column_name from duckdb_columns() where table_name = $t and data_type = 'VARCHAR'",
                {"t": table},
            ).fetchall()]
            if not columns:
                continue
            text = cur.table(table).select(*columns).df().astype(str).to_csv().lower()
            for secret in secrets:
                assert secret.lower() not in text, (table, secret)
    finally:
        db.close()
