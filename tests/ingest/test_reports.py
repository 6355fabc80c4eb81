"""Periodic reports: Microsoft Teams user activity and Slack member analytics."""
from __future__ import annotations

from datetime import date

from lookdown.ingest import import_files, inspect_file

from .conftest import TODAY, count, real

CURRENT = ["Report Refresh Date", "Tenant Display Name", "Shared Channel Tenant Display Names", "User Id", "User Principal Name", "Last Activity Date", "Is Deleted", "Deleted Date", "Assigned Products", "Team Chat Message Count", "Private Chat Message Count", "Call Count", "Meeting Count", "Post Messages", "Reply Messages", "Urgent Messages", "Meetings Organized Count", "Meetings Attended Count", "Ad Hoc Meetings Organized Count", "Ad Hoc Meetings Attended Count", "Scheduled One-time Meetings Organized Count", "Scheduled One-time Meetings Attended Count", "Scheduled Recurring Meetings Organized Count", "Scheduled Recurring Meetings Attended Count", "Audio Duration", "Video Duration", "Screen Share Duration", "Audio Duration In Seconds", "Video Duration In Seconds", "Screen Share Duration In Seconds", "Has Other Action", "Is Licensed", "Report Period"]
LEGACY = ["Report Refresh Date", "User Principal Name", "Last Activity Date", "Is Deleted", "Deleted Date", "Assigned Products", "Team Chat Message Count", "Private Chat Message Count", "Call Count", "Meeting Count", "Has Other Action", "Report Period"]


def teams_csv(headers: list[str], users: list[dict], refresh: str = "2024-03-31", period: int = 7) -> str:
    lines = [",".join(headers)]
    for user in users:
        values = {
            "Report Refresh Date": refresh, "Tenant Display Name": "CONTOSO",
            "User Id": "11111111-2222-3333-4444-555555555555", "User Principal Name": user["upn"],
            "Last Activity Date": "2024-03-30", "Is Deleted": "False", "Assigned Products": "OFFICE 365 E3",
            "Team Chat Message Count": str(user["posts"] + user["replies"]),
            "Private Chat Message Count": str(user["chat"]), "Post Messages": str(user["posts"]),
            "Reply Messages": str(user["replies"]), "Call Count": "4", "Meeting Count": "9",
            "Audio Duration": "PT1H20M", "Has Other Action": "No", "Is Licensed": "Yes",
            "Report Period": str(period),
        }
        lines.append(",".join(values.get(h, "0") for h in headers))
    return "\r\n".join(lines) + "\r\n"


USERS = [{"upn": "Ana@Contoso.com", "posts": 7, "replies": 3, "chat": 2},
         {"upn": "ben@contoso.com", "posts": 0, "replies": 1, "chat": 0}]


def activity_rows(db):
    return db.cursor().execute(
        "select occurred_at, person_key, kind, space from activity order by all"
    ).fetchall()


def test_teams_current_report_spreads_counts_over_the_period(db, tmp_files):
    path = tmp_files("TeamsUserActivityUserDetail.csv", "\ufeff" + teams_csv(CURRENT, USERS))
    (report,) = import_files(db, [path], today=TODAY)
    assert report.kind == "teams_user_activity" and report.loaded == 13
    kinds = dict(db.cursor().execute(
        "select kind || '/' || space, count(*) from activity group by all").fetchall())
    assert kinds == {"post/Teams channels": 7, "reply/Teams channels": 4, "post/Teams chats": 2}
    assert db.cursor().execute("select min(occurred_at)::date, max(occurred_at)::date from activity").fetchone() \
        == (date(2024, 3, 25), date(2024, 3, 31))
    # One post a day for Ana: 7 posts over 7 days. The UPN is matched case-insensitively.
    ana = db.person_key("ana@contoso.com")
    assert count(db, "select count(distinct occurred_at) from activity where person_key = $a and kind = 'post' "
                     "and space = 'Teams channels'", {"a": ana}) == 7
    assert not any("concealed" in n for n in report.notices)


def test_teams_column_order_does_not_matter(db, tmp_files):
    from lookdown.store import Database

    shuffled = CURRENT[:6] + CURRENT[-3:] + CURRENT[6:-3][::-1]
    a = tmp_files("a.csv", teams_csv(CURRENT, USERS))
    b = tmp_files("b.csv", teams_csv(shuffled, USERS))
    other = Database(None, key="0" * 64)
    try:
        import_files(db, [a], today=TODAY)
        import_files(other, [b], today=TODAY)
        assert activity_rows(db) == activity_rows(other) and len(activity_rows(db)) == 13
    finally:
        other.close()


def test_teams_legacy_header_counts_channel_messages_as_posts(db, tmp_files):
    path = tmp_files("legacy.csv", teams_csv(LEGACY, USERS))
    (report,) = import_files(db, [path], today=TODAY)
    assert report.loaded == 13
    kinds = dict(db.cursor().execute("select kind || '/' || space, count(*) from activity group by all").fetchall())
    assert kinds == {"post/Teams channels": 11, "post/Teams chats": 2}
    assert any("older Teams report" in n for n in report.notices)


def test_newer_teams_report_replaces_the_overlapping_days(db, tmp_files):
    one = [{"upn": "ana@contoso.com", "posts": 7, "replies": 0, "chat": 0}]
    first = tmp_files("w1.csv", teams_csv(CURRENT, one, refresh="2024-03-31"))
    second = tmp_files("w2.csv", teams_csv(CURRENT, one, refresh="2024-04-03"))
    import_files(db, [first], today=TODAY)
    (report,) = import_files(db, [second], today=TODAY)
    # 2024-03-28..31 came from the first report and are now the second's: 3 + 7 days remain.
    assert (report.loaded, report.replaced) == (7, 4)
    assert count(db, "select count(*) from activity") == 10
    again, = import_files(db, [second], today=TODAY)
    assert (again.loaded, again.duplicates_skipped, again.replaced) == (0, 7, 0)
    assert count(db, "select count(*) from activity") == 10


def test_concealed_teams_names_are_flagged(db, tmp_files):
    concealed = [{"upn": "6E55A185B405B6F2A6804BB7897C8AAB", "posts": 2, "replies": 3, "chat": 0}]
    detection = inspect_file(teams_csv(CURRENT, concealed).encode(), "teams.csv", today=TODAY)
    assert detection.kind == "teams_user_activity" and detection.rows == 5
    assert detection.facts["concealed_users"] == 1
    assert any("Teams user names are concealed (32-hex hashes)" in n and "cannot be joined to HR data" in n
               for n in detection.notices)
    assert set(detection.preview["person_id"]) == {"t•••"}


def test_real_concealed_teams_sample(db):
    path = real("teams-usage-report-samples", "TeamsUserActivityUserDetail_D7_concealed_cli-m365-docs.csv")
    (report,) = import_files(db, [path], today=TODAY)
    assert report.loaded == 5 and report.facts == {"users": 1, "concealed_users": 1, "messages": 5}
    assert report.period[0].date() == date(2022, 10, 22)
    device = real("teams-usage-report-samples", "TeamsDeviceUsageUserDetail_D7_concealed_cli-m365-docs.csv")
    (other,) = import_files(db, [device], today=TODAY)
    assert not other.understood and "device usage" in other.reason


SLACK_ANALYTICS = (
    "Name,What I Do,User ID,Username,Account type,Account created (UTC),Claimed Date (UTC),"
    "Deactivated date (UTC),Days active,Days active (Desktop),Days active (Android),Days active (iOS),"
    "Messages posted,Messages posted in channels,Reactions added,Last active (UTC),"
    "Last active (Desktop) (UTC),Last active (Android) (UTC),Last active (iOS) (UTC),Email\r\n"
    '"Doe, Jane",Analyst,U0JANE,jane,Full Member,"Jan 3, 2022","Jan 3, 2022",,20,20,0,0,30,25,3,'
    '"Apr 16, 2025","Apr 16, 2025",,,jane@example.org\r\n'
    '"Kim 🚀 | Ops",Ops,U0KIM,kim,Multi-Channel Guest,"Feb 1, 2023","Feb 1, 2023",,5,5,0,0,"1,200",60,0,'
    '"Apr 17, 2025",,,,\r\n'
)


def test_slack_member_analytics_window_from_the_file_name(db, tmp_files):
    path = tmp_files("Acme Member Analytics Prior 30 Days - Apr 17, 2025.csv", "\ufeff" + SLACK_ANALYTICS)
    (report,) = import_files(db, [path], today=TODAY)
    assert report.kind == "slack_member_analytics" and report.loaded == 30 + 3 + 1200
    assert report.period[0].date() == date(2025, 3, 19) and report.period[1].date() == date(2025, 4, 17)
    assert db.cursor().execute("select min(occurred_at)::date, max(occurred_at)::date from activity").fetchone() \
        == (date(2025, 3, 19), date(2025, 4, 17))
    jane = db.person_key("jane@example.org")
    kim = db.person_key("slack:U0KIM")  # no e-mail: the Slack user id, as the workspace export uses
    assert count(db, "select count(*) from activity where person_key = $j and kind = 'reaction'", {"j": jane}) == 3
    assert count(db, "select count(*) from activity where person_key = $k", {"k": kim}) == 1200


def test_slack_member_analytics_without_a_window_is_not_understood(db, tmp_files):
    path = tmp_files("members.csv", SLACK_ANALYTICS)
    (report,) = import_files(db, [path], today=TODAY)
    assert not report.understood and "file name" in report.reason
    assert count(db, "select count(*) from uploads") == 0
