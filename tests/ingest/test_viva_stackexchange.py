"""Viva Engage network export and Stack Exchange data dump."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

from lookdown.ingest import import_files, inspect_file

from .conftest import TODAY, count, real

MESSAGES = (
    "\ufeffid,replied_to_id,thread_id,conversation_id,group_id,group_name,participants,in_private_group,"
    "in_private_conversation,sender_id,sender_type,sender_name,sender_email,body,api_url,attachments,"
    "deleted_by_id,deleted_by_type,created_at,deleted_at\r\n"
    '101,,101,,9,Finance Q&A,,false,false,1,user,Alice,alice@example.org,"How do we file expenses?\r\n'
    'Any guide, anyone?",https://www.yammer.com/api/v1/messages/101,,,,2024-02-05 09:00:00 UTC,\r\n'
    '102,101,101,,9,Finance Q&A,,false,false,2,user,Bob,,"Use the portal, the ""Concur"" link '
    '[[user:1]]",https://www.yammer.com/api/v1/messages/102,,,,2024-02-05 10:00:00 UTC,\r\n'
    "103,,103,,9,Finance Q&A,,false,false,2,user,Bob,,Where is the holiday calendar?,,,,,"
    "2024-02-06T08:00:00Z,\r\n"
    "104,103,103,,9,Finance Q&A,,false,false,3,user,Carol,,The wiki?,,,3,user,2024-02-06T08:30:00Z,"
    "2024-02-06T09:00:00Z\r\n"
    "105,103,103,,9,Finance Q&A,,false,false,1,user,Alice,alice@example.org,It's on the intranet,,,,,"
    "2024-02-06T10:00:00Z,\r\n"
    '106,,106,55,,,"user:3,user:1",false,true,3,user,Carol,,Lunch today,,,,,2024-02-07T12:00:00Z,\r\n'
    "107,102,101,,9,Finance Q&A,,false,false,1,user,Alice,alice@example.org,Thanks,,,,,2024-02-05T11:00:00Z,\r\n"
)
USERS = (
    "\ufeffid,name,email,job_title,location,department,api_url,deleted_by_id,deleted_by_type,joined_at,"
    "deleted_at,suspended_by_id,suspended_by_type,suspended_at,guid,state\r\n"
    "1,Alice,alice@example.org,Analyst,Paris,Finance,,,,2020-01-01,,,,,g1,active\r\n"
    "2,Bob,bob@example.org,Manager,Lyon,Finance,,,,2020-01-01,,,,,g2,active\r\n"
    "3,Carol,carol@example.org,Engineer,Nice,IT,,,,2020-01-01,,,,,g3,active\r\n"
)


def check_viva(db, report):
    assert report.kind == "viva_engage" and report.understood
    assert report.loaded == 6 and report.rejected == 0
    assert report.facts == {"messages": 6, "deleted": 1, "threads": 3, "answered_questions": 2}
    kinds = dict(db.cursor().execute("select kind, count(*) from activity group by kind").fetchall())
    assert kinds == {"question": 2, "answer": 2, "reply": 1, "post": 1}
    # Two answered questions in the rollup; the deleted reply is not there.
    assert db.cursor().execute("select answers_by_others from questions order by asked_at").fetchall() == [(1,), (1,)]
    bob = db.person_key("bob@example.org")  # e-mail from Users.csv
    alice = db.person_key("alice@example.org")
    # Alice's "Thanks" replies to Bob's message (replied_to_id), not to herself.
    assert count(db, "select count(*) from activity where kind = 'reply' and person_key = $a "
                     "and target_person_key = $b", {"a": alice, "b": bob}) == 1
    assert count(db, "select count(*) from activity where space = 'private conversations'") == 1
    assert db.cursor().execute("select min(occurred_at) from activity").fetchone()[0] == datetime(2024, 2, 5, 9, 0)
    assert any("1 deleted message" in n for n in report.notices)


def test_viva_messages_and_users_csv_are_paired(db, tmp_files):
    messages = tmp_files("export/Messages.csv", MESSAGES)
    users = tmp_files("export/Users.csv", USERS)
    reports = import_files(db, [users, messages], today=TODAY)
    assert len(reports) == 1
    check_viva(db, reports[0])


def test_viva_export_zip(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("log.txt", "export")
        archive.writestr("Messages.csv", MESSAGES.encode("utf-8"))
        archive.writestr("Users.csv", USERS.encode("utf-8"))
        archive.writestr("Groups.csv", "id,name,description\r\n9,Finance Q&A,\r\n")
    (report,) = import_files(db, [("viva-export.zip", buffer.getvalue())], today=TODAY)
    check_viva(db, report)


def test_viva_users_alone_is_explained(db, tmp_files):
    users = tmp_files("Users.csv", USERS)
    detection = inspect_file(users)
    assert detection.kind == "unknown" and "Messages.csv" in detection.reason


POSTS = (
    '\ufeff<?xml version="1.0" encoding="utf-8"?>\n<posts>\n'
    '  <row Id="1" PostTypeId="1" AcceptedAnswerId="3" CreationDate="2015-01-27T20:09:32.720" OwnerUserId="5" '
    'Title="How should I store beans?" Tags="&lt;storage&gt;&lt;whole-bean&gt;" AnswerCount="2" Body="&lt;p&gt;'
    'Secret body text&lt;/p&gt;" />\n'
    '  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2015-01-27T21:00:00.000" OwnerUserId="6" />\n'
    '  <row Id="3" PostTypeId="2" ParentId="1" CreationDate="2015-01-28T08:00:00.000" OwnerUserId="7" />\n'
    '  <row Id="4" PostTypeId="1" CreationDate="2015-01-29T10:00:00.000" OwnerDisplayName="gone" '
    'Tags="&lt;grinding&gt;" AnswerCount="1" />\n'
    '  <row Id="5" PostTypeId="2" ParentId="4" CreationDate="2015-01-29T11:00:00.000" OwnerUserId="-1" />\n'
    '  <row Id="6" PostTypeId="4" CreationDate="2015-01-29T12:00:00.000" OwnerUserId="-1" />\n'
    '  <row Id="7" PostTypeId="1" CreationDate="2015-01-30T10:00:00.000" OwnerUserId="6" Tags="|espresso|" />\n'
    "</posts>\n"
)
SE_USERS = (
    '<?xml version="1.0" encoding="utf-8"?>\n<users>\n'
    '  <row Id="-1" DisplayName="Community" />\n  <row Id="5" DisplayName="A" />\n'
    '  <row Id="6" DisplayName="B" />\n</users>\n'
)


def test_stackexchange_posts_and_users(db, tmp_files):
    posts = tmp_files("coffee/Posts.xml", POSTS)
    users = tmp_files("coffee/Users.xml", SE_USERS)
    reports = import_files(db, [posts, users], timezone="America/New_York", today=TODAY)
    assert len(reports) == 1
    report = reports[0]
    assert report.kind == "stackexchange_xml" and report.loaded == 5
    assert report.facts == {"questions": 3, "answers": 2, "accepted_answers": 1, "answered_questions": 1,
                            "unanswered_questions": 2, "not_q_and_a": 1, "bot_posts": 1,
                            "deleted_owner_posts": 2}
    assert db.cursor().execute("select answers_by_others from questions order by asked_at").fetchall() \
        == [(2,), (0,), (0,)]
    # UTC dump dates become local time: 20:09 UTC is 15:09 in New York.
    assert db.cursor().execute("select min(occurred_at) from activity").fetchone()[0] \
        == datetime(2015, 1, 27, 15, 9, 32, 720000)
    assert dict(db.cursor().execute("select space, count(*) from activity group by 1").fetchall()) \
        == {"storage": 3, "grinding": 1, "espresso": 1}


def test_a_stackexchange_dump_tells_how_much_of_it_is_read(db, tmp_files):
    rows = "".join(f'  <row Id="{i}" PostTypeId="1" CreationDate="2015-02-01T10:00:00.000" OwnerUserId="{i % 50}" />\n'
                   for i in range(1, 20_001))
    posts = tmp_files("big/Posts.xml", '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' + rows + "</posts>\n")
    users = tmp_files("big/Users.xml", SE_USERS)
    shares = []
    (report,) = import_files(db, [posts, users], today=TODAY, reading=lambda name, share: shares.append(share))
    assert report.loaded == 20_000
    # Both files' bytes: Users.xml is read first, then Posts.xml to the end.
    assert shares == sorted(shares) and shares[-1] == 1.0 and 0 < shares[0] < 0.5 and len(shares) >= 5


def test_real_stackexchange_coffee(db):
    path = real("stackexchange-coffee", "Posts.xml")
    (report,) = import_files(db, [path], today=TODAY)
    facts = report.facts
    assert (facts["questions"], facts["answers"], facts["accepted_answers"]) == (225, 327, 105)
    assert (facts["answered_questions"], facts["unanswered_questions"], facts["not_q_and_a"]) == (212, 13, 40)
    # 4 of the 212 answered questions were answered only by their asker.
    assert count(db, "select count(*) from questions where answers_by_others > 0") == 208
    assert count(db, "select count(*) from questions") == 225
