"""`python -m lookdown`: the commands scheduled jobs and power users script against."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lookdown.cli import main
from lookdown.ingest.write import load_frames
from lookdown.store import Database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_org(tmp_path):
    """Sales (6 people), Legal (2 people) and Ops (7 people), with training requests in Jan-Feb 2024."""
    path = tmp_path / "org.duckdb"
    db = Database(path)
    people = [(f"s{i}@example.com", "Sales") for i in range(6)] + [(f"l{i}@example.com", "Legal") for i in range(2)]
    people += [(f"o{i}@example.com", "Ops") for i in range(7)]
    training = [("2024-01-10", "s0@example.com"), ("2024-01-11", "s1@example.com"), ("2024-01-12", "l0@example.com"),
                ("2024-01-15", "o0@example.com"), ("2024-02-02", "s2@example.com"), ("2024-02-03", "o1@example.com"),
                ("2024-02-04", "o2@example.com")]
    load_frames(db, {
        "people": pd.DataFrame(people, columns=["person_id", "department"]).assign(hire_date="2020-01-01"),
        "training": pd.DataFrame(training, columns=["requested_on", "person_id"]),
    }, kind="test", source="test")
    db.close()
    return path


def test_measure_by_department_prints_csv_with_the_small_department_inside_a_group(small_org, capsys):
    assert main(["--db", str(small_org), "measure", "training_requests", "--by", "department"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "period,segment,value,people,suppressed",
        # Legal (2 people) is never shown alone: with Sales, the next smallest, it is 8 people, so
        # neither the total minus Ops nor any other view isolates it.
        "2024-01-01,Ops,1,7,false",
        "2024-01-01,Smaller departments,3,8,false",
        "2024-02-01,Ops,2,7,false",
        "2024-02-01,Smaller departments,1,8,false",
    ]


def test_measure_defaults_to_month_grain_and_the_whole_range(small_org, capsys):
    assert main(["measure", "training_requests", "--db", str(small_org), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["grain"] == "month" and payload["min_group_size"] == 5
    assert [(r["period"], r["segment"], r["value"], r["people"]) for r in payload["rows"]] == [
        ("2024-01-01", "All", 4, 15), ("2024-02-01", "All", 3, 15)]
    assert payload["measure"]["direction"] == "down"


def test_measure_respects_range_grain_and_env_database(small_org, capsys, monkeypatch):
    monkeypatch.setenv("LOOKDOWN_DB", str(small_org))
    assert main(["measure", "training_requests", "--grain", "quarter", "--from", "2024-01-01", "--to", "2024-01-31"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["2024-01-01,All,4,15,false"]


def test_measures_lists_the_catalogue_as_json(capsys):
    assert main(["measures", "--format", "json"]) == 0
    catalogue = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    assert catalogue["training_requests"]["pillar"] == "cost"
    assert {"label", "description", "unit", "format", "direction", "sources"} <= set(catalogue["questions_answered"])


@pytest.mark.parametrize("argv, message", [
    (["measure", "no_such_measure"], "No measure named 'no_such_measure'"),
    (["measure", "training_requests", "--by", "shoe_size"], "Cannot segment by 'shoe_size'"),
])
def test_mistakes_get_one_clear_line_and_exit_2(small_org, capsys, argv, message):
    assert main(["--db", str(small_org), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lookdown: ") and message in err


def test_a_missing_database_says_how_to_make_one(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "absent.duckdb"), "measure", "training_requests"]) == 2
    assert "python -m lookdown demo" in capsys.readouterr().err


def test_import_while_the_app_holds_the_database_points_to_the_inbox(small_org, tmp_path, capsys):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom lookdown.store import Database\n"
                               f"db = Database({str(small_org)!r})\nprint('open', flush=True)\ntime.sleep(60)\n"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        csv = tmp_path / "people.csv"
        csv.write_text("person_id,department\nx@example.com,Sales\n")
        assert main(["--db", str(small_org), "import", str(csv)]) == 2
    finally:
        holder.kill()
        holder.wait()
    error = capsys.readouterr().err
    assert "is open in another Lookdown process" in error
    assert f"copy the files into {small_org.parent / 'inbox'}/ instead: the app imports them." in error


def test_serve_watches_the_inbox_from_the_moment_it_starts(small_org):
    """`python -m lookdown serve` opens the database and watches its inbox as the server starts,
    before any browser connects (a file copied there is imported), and says nothing alarming."""
    import os
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = small_org.parent / "inbox"
    server = subprocess.Popen(
        [sys.executable, "-m", "lookdown", "--db", str(small_org), "serve", "--port", str(port)],
        cwd=ROOT, env={**os.environ, "LOOKDOWN_INBOX_SECONDS": "0.2"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not inbox.is_dir() and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        (inbox / "more.csv").write_text("requested_on,person_id\n2024-02-20,s3@example.com\n")
        while not (inbox / "done" / "more.csv").exists() and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (inbox / "done" / "more.csv").exists()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as response:
            assert response.status == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output and "WARNING" not in output, output
    db = Database(small_org)
    try:
        assert db.cursor().execute("select count(*) from training").fetchone() == (8,)
    finally:
        db.close()
