"""Slack workspace export ZIP: participation rules, threads, reactions, time zone, re-imports."""
from __future__ import annotations

import itertools
from datetime import date, datetime

from lookdown.ingest import import_files, inspect_file, remove_upload

from .conftest import T0, TODAY, _msg, count, real, slack_messages, slack_zip


def kinds(db) -> dict[str, int]:
    return dict(db.cursor().execute("select kind, count(*) from activity group by kind").fetchall())


def test_fixture_export_counts_each_kind_once(db):
    (report,) = import_files(db, [("workspace.zip", slack_zip())], timezone="America/Los_Angeles", today=TODAY)
    assert report.understood and report.kind == "slack_zip" and report.table == "activity"
    # 9 human messages (3 posts, 2 questions, 2 answers, 2 replies), 4 shares, 4 reactions.
    assert kinds(db) == {"post": 3, "question": 2, "answer": 2, "reply": 2, "share": 4, "reaction": 4}
    assert report.loaded == 17 and report.rejected == 0 and report.duplicates_skipped == 0
    assert report.facts["messages"] == 9 and report.facts["people"] == 3
    assert report.facts["not_participation"] == 4  # join, bot_message, bot_id message, tombstone
    # Dates come from ts in the organisation's time zone, not from the (UTC) file names.
    first = db.cursor().execute("select min(occurred_at) from activity").fetchone()[0]
    assert first == datetime(2024, 2, 29, 18, 0, 0)
    assert report.period[0] == datetime(2024, 2, 29, 18, 0, 0)


def test_questions_answers_and_interactions_rollups(db):
    import_files(db, [("workspace.zip", slack_zip())], timezone="UTC", today=TODAY)
    questions = db.cursor().execute(
        "select answers_by_others from questions order by asked_at"
    ).fetchall()
    # The first question was answered by Ben and (in a broadcast reply) by Cat; the second not.
    assert questions == [(2,), (0,)]
    anna = db.person_key("anna@example.org")
    ben = db.person_key("ben@example.org")
    rows = dict(db.cursor().execute(
        "select kind, sum(events) from interactions_daily where target_person_key = $a group by kind",
        {"a": anna},
    ).fetchall())
    assert rows == {"answer": 2, "reaction": 4}
    # Ben's reactions are his; the reactors Slack truncated from `users` are one unknown reactor.
    assert count(db, "select count(*) from activity where kind = 'reaction' and person_key = $b", {"b": ben}) == 2
    # A person without an e-mail is keyed by the Slack user id.
    cat = db.person_key("slack:U03CAT")
    assert count(db, "select count(*) from activity where person_key = $c", {"c": cat}) == 1


def test_reply_to_a_deleted_parent_is_not_an_answer(db):
    import_files(db, [("workspace.zip", slack_zip())], timezone="UTC", today=TODAY)
    ben = db.person_key("ben@example.org")
    kinds_of_ben = dict(db.cursor().execute(
        "select kind, count(*) from activity where person_key = $b group by kind", {"b": ben}
    ).fetchall())
    assert kinds_of_ben == {"answer": 1, "reply": 1, "post": 2, "share": 2, "reaction": 2}


def test_reimport_and_newer_export_replace_the_period(db):
    first, = import_files(db, [("old.zip", slack_zip())], timezone="UTC", today=TODAY)
    again, = import_files(db, [("old.zip", slack_zip())], timezone="UTC", today=TODAY)
    assert again.loaded == 0 and again.duplicates_skipped == 17
    assert count(db, "select count(*) from activity") == 17
    # A newer export: one message was deleted on Slack (gone from the export) and a new day added.
    messages = slack_messages()
    messages["help-desk/2024-03-01.json"] = messages["help-desk/2024-03-01.json"][:2]
    messages["help-desk/2024-03-02.json"] = [
        {"type": "message", "ts": f"{T0 + 86400:.6f}", "user": "U02BEN", "text": "Weekly notes"}
    ]
    newer, = import_files(db, [("new.zip", slack_zip(messages))], timezone="UTC", today=TODAY)
    assert newer.loaded == 1 and newer.replaced == 1 and newer.duplicates_skipped == 16
    assert count(db, "select count(*) from activity") == 17
    assert count(db, "select count(*) from activity where upload_id = $u", {"u": newer.upload_id}) == 17
    # The older upload now owns nothing; removing it leaves the newer export intact.
    remove_upload(db, first.upload_id)
    assert count(db, "select count(*) from activity") == 17
    remove_upload(db, newer.upload_id)
    assert count(db, "select count(*) from activity") == 0
    assert count(db, "select count(*) from questions") == 0


def test_inspect_reports_without_writing(db):
    detection = inspect_file(slack_zip(), "workspace.zip", timezone="UTC", today=TODAY)
    assert detection.kind == "slack_zip" and detection.understood
    assert detection.rows == 17 and detection.date_range == (date(2024, 3, 1), date(2024, 3, 1))
    assert set(detection.preview["person_id"].dropna()) <= {"a•••", "b•••", "s•••"}
    assert "text" not in detection.preview.columns
    assert count(db, "select count(*) from activity") == 0


def test_real_houstondatavis_export():
    path = real("slack-houstondatavis", "houstondatavis-slack-export-2016-07-31.zip")
    from lookdown.store import Database

    db = Database(None, key="1" * 64)
    try:
        (report,) = import_files(db, [path], timezone="America/Los_Angeles", today=TODAY)
        assert report.facts["messages"] == 1025
        assert report.facts["people"] == 32
        assert report.facts["reactions"] == 199
        assert report.facts["threads"] == 0
        human = "kind in ('post', 'question', 'answer', 'reply')"
        assert count(db, "select count(*) from activity where " + human) == 1025
        assert count(db, "select count(distinct person_key) from activity where " + human) == 32
        assert count(db, "select min(occurred_at)::date from activity") == date(2015, 6, 5)
        assert count(db, "select count(*) from activity where kind = 'reaction'") == 199
    finally:
        db.close()


def test_real_bot_dominated_archive():
    path = real("slack-export-viewer-testarchive", "testarchive.zip")
    detection = inspect_file(path, timezone="UTC", today=TODAY)
    assert detection.facts["messages"] == 52 and detection.facts["people"] == 4
    assert any("no e-mail addresses" in n for n in detection.notices)


def test_export_inside_a_folder_of_the_zip(db):
    import io
    import zipfile

    flat = zipfile.ZipFile(io.BytesIO(slack_zip()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in flat.namelist():
            archive.writestr("Acme Slack export Mar 1 2024/" + name, flat.read(name))
    (report,) = import_files(db, [("nested.zip", buffer.getvalue())], timezone="UTC", today=TODAY)
    assert report.kind == "slack_zip" and report.loaded == 17 and report.facts["messages"] == 9


def test_a_slack_export_tells_how_much_of_it_is_read(db, tmp_path):
    """Read in Python rather than by read_csv, a workspace export still reports its reading:
    by the bytes of its day files, growing by a percent or more, to the end."""
    days = {f"general/2024-03-{day:02d}.json": [_msg(T0 + day * 86400 + i, "U01ANNA", f"tip {i}") for i in range(40)]
            for day in range(1, 29)}
    days |= {f"help-desk/2024-04-{day:02d}.json": [_msg(T0 + (30 + day) * 86400, "U02BEN", "hi")]
             for day in range(1, 29)}
    path = tmp_path / "export.zip"
    path.write_bytes(slack_zip(days))
    shares = []
    (report,) = import_files(db, [path], timezone="UTC", today=TODAY,
                             reading=lambda name, share: shares.append((name, share)))
    assert report.loaded == 28 * 40 + 28
    assert {name for name, _ in shares} == {"export.zip"}
    values = [share for _, share in shares]
    assert values == sorted(values) and values[-1] == 1.0 and values[0] < 0.5
    # (the end is always told, however close the last step was)
    assert all(later - earlier >= 0.01 for earlier, later in itertools.pairwise(values[:-1]))
    assert len(values) <= 101
