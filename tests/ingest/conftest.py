"""Small export files in the shapes of the real ones, written by the tests themselves."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from lookdown.store import Database

# Real public samples, when this checkout sits beside them; tests using them skip otherwise.
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
TODAY = date(2025, 6, 30)

TABLES = ("people", "activity", "training", "manager_time", "marketing_spend", "initiatives", "cohorts",
          "uploads", "quarantine", "upload_details", "identity_map", "column_mappings",
          "activity_daily", "questions", "interactions_daily")


def real(*parts: str) -> Path:
    path = REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real sample {'/'.join(parts)} is not available")
    return path


def snapshot(db: Database) -> dict[str, list]:
    """Every row of every table that imports touch, sorted, to compare databases exactly."""
    cur = db.cursor()
    out = {}
    for table in TABLES:
        rows = cur.execute("select * from " + table).fetchall()
        out[table] = sorted(rows, key=repr)
    return out


def count(db: Database, sql: str, params: dict | None = None):
    return db.cursor().execute(sql, params or {}).fetchone()[0]


@pytest.fixture
def tmp_files(tmp_path):
    """write(name, text or bytes, encoding='utf-8') -> path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    return write


# -- Slack workspace export ---------------------------------------------------------------------

SLACK_USERS = [
    {"id": "U01ANNA", "team_id": "T0TEAM", "name": "anna", "deleted": False, "is_bot": False,
     "profile": {"email": "anna@example.org", "real_name": "Anna Asker"}},
    {"id": "U02BEN", "team_id": "T0TEAM", "name": "ben", "deleted": False, "is_bot": False,
     "profile": {"email": "ben@example.org", "real_name": "Ben Answer"}},
    {"id": "U03CAT", "team_id": "T0TEAM", "name": "cat", "deleted": True, "is_bot": False,
     "profile": {"real_name": "Cat NoMail"}},
    {"id": "U04BOT", "team_id": "T0TEAM", "name": "deploybot", "deleted": False, "is_bot": True,
     "profile": {"real_name": "Deploy Bot"}},
]
SLACK_CHANNELS = [
    {"id": "C01GEN", "name": "general", "created": "1452837318", "creator": "U01ANNA", "is_archived": False,
     "is_general": True, "members": ["U01ANNA", "U02BEN", "U03CAT"]},
    {"id": "C02HELP", "name": "help-desk", "created": 1652837318, "creator": "U02BEN", "is_archived": False,
     "is_general": False, "members": ["U01ANNA", "U02BEN"]},
]
# 2024-03-01 02:00 UTC is 2024-02-29 18:00 in Los Angeles: the local date differs from UTC's.
T0 = 1709258400


def _msg(ts: float, user: str | None, text: str, **extra) -> dict:
    m = {"type": "message", "ts": f"{ts:.6f}", "text": text}
    if user:
        m["user"] = user
    m.update(extra)
    return m


def slack_messages(t0: int = T0) -> dict[str, list[dict]]:
    """Day files: {'channel/YYYY-MM-DD.json': [messages]} (file names deliberately in UTC so a
    reader that trusted them would be wrong)."""
    q_ts = f"{t0:.6f}"
    tomb_ts = f"{t0 + 600:.6f}"
    general = [
        # A question with a link that has a '?' in it (the question mark outside counts).
        _msg(t0, "U01ANNA", "How do I export the <https://example.org/report?id=1|report>?",
             thread_ts=q_ts, reply_count=3, reactions=[{"name": "+1", "users": ["U02BEN"], "count": 1},
                                                       {"name": "eyes::skin-tone-2", "users": ["U02BEN"],
                                                        "count": 3}]),
        # Answer by someone else, a reply by the asker, a broadcast answer (seen in the channel).
        _msg(t0 + 60, "U02BEN", "Use the export button", thread_ts=q_ts, parent_user_id="U01ANNA"),
        _msg(t0 + 120, "U01ANNA", "Thanks! `why?` in code is not a question", thread_ts=q_ts,
             parent_user_id="U01ANNA"),
        _msg(t0 + 180, "U03CAT", "Also in the menu", thread_ts=q_ts, parent_user_id="U01ANNA",
             subtype="thread_broadcast", root={"ts": q_ts, "user": "U01ANNA"}),
        # Not questions: a '?' only inside a mention/link, and inside code.
        _msg(t0 + 240, "U02BEN", "see <https://example.org/?q=1> and `x?`"),
        # System and bot messages.
        _msg(t0 + 300, "U03CAT", "<@U03CAT> has joined the channel", subtype="channel_join"),
        _msg(t0 + 360, None, "Deployed!", subtype="bot_message", bot_id="B01", username="deploybot"),
        _msg(t0 + 420, "U04BOT", "Build green", bot_id="B02"),
        # A deleted parent (tombstone) with a live reply: the reply is not an answer.
        _msg(t0 + 600, "USLACKBOT", "This message was deleted.", subtype="tombstone", hidden=True,
             thread_ts=tomb_ts, reply_count=1),
        _msg(t0 + 660, "U02BEN", "Is anyone here?", thread_ts=tomb_ts, parent_user_id="U01ANNA"),
    ]
    # The broadcast reply also appears in the thread: it must count once.
    general.append(dict(general[3]))
    help_desk = [
        # Old-style file share (bot_id: null) and a new-style files array with a deleted file.
        _msg(t0 + 3600, "U01ANNA", "<@U01ANNA|anna> uploaded a file: <https://files.example.org/x|x>",
             subtype="file_share", bot_id=None, file={"id": "F01", "name": "x.pdf"}),
        _msg(t0 + 3660, "U02BEN", "Here is the guide", files=[{"id": "F02", "name": "guide.pdf"},
                                                             {"id": "F03", "mode": "tombstone"}]),
        _msg(t0 + 3720, "U01ANNA", "Where is the VPN guide?"),
    ]
    return {
        "general/2024-03-01.json": general,
        "help-desk/2024-03-01.json": help_desk,
    }


def slack_zip(messages: dict[str, list[dict]] | None = None, users=None, channels=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("channels.json", json.dumps(channels or SLACK_CHANNELS))
        archive.writestr("users.json", json.dumps(users or SLACK_USERS))
        archive.writestr("integration_logs.json", "[]")
        for name, day in (messages or slack_messages()).items():
            archive.writestr(name, json.dumps(day))
    return buffer.getvalue()
