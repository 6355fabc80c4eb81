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
from tests import fixtures

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


def test_import_while_another_process_holds_the_database_without_watching_says_why(small_org, tmp_path, capsys):
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
    assert "handing the import to it" in error
    assert f"does not watch its inbox ({small_org.parent / 'inbox'})" in error


def _serve(db_path: Path, *, inbox_seconds: str = "0.2"):
    """`python -m lookdown serve` on a free port, started and waited for: (process, url)."""
    import os
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "lookdown", "--db", str(db_path), "serve", "--port", str(port)],
        cwd=ROOT, env={**os.environ, "LOOKDOWN_INBOX_SECONDS": inbox_seconds},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    # Up once it answers and holds the database (its inbox watcher marks the inbox then).
    watching = db_path.parent / "inbox" / ".requests" / ".watching"
    deadline = time.monotonic() + 60
    while server.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200 and watching.exists():
                    break
        except OSError:
            pass
        time.sleep(0.2)
    return server, url


def test_import_backup_and_export_while_the_app_runs_are_handed_to_it_with_the_usual_report(tmp_path):
    """The monthly job, with the app running: load the month's file, write the pack, keep a backup."""
    org = fixtures.build(tmp_path / "org" / "lookdown.duckdb")  # a pilot from July 2024, 198 requests
    csv = tmp_path / "training.csv"
    csv.write_text("requested_on,person_id,cost\n2024-12-20,p001,100\n2024-12-21,p002,oops\n")
    server, _ = _serve(org)
    try:
        imported = subprocess.run([sys.executable, "-m", "lookdown", "--db", str(org), "import", str(csv)],
                                  cwd=ROOT, capture_output=True, text=True, timeout=120)
        backed_up = subprocess.run([sys.executable, "-m", "lookdown", "--db", str(org), "backup", "--out",
                                    str(tmp_path / "monthly")], cwd=ROOT, capture_output=True, text=True, timeout=120)
        exported = subprocess.run([sys.executable, "-m", "lookdown", "--db", str(org), "export", "report",
                                   "--out", str(tmp_path / "monthly.html")],
                                  cwd=ROOT, capture_output=True, text=True, timeout=180)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines()[0] == "training.csv: template -> training: 1 loaded, 1 rejected, 0 already loaded"
    assert "line 3, column cost, value 'oops'" in imported.stdout
    assert "Traceback" not in output, output
    assert csv.exists() and not list((org.parent / "inbox" / ".requests").glob("[!.]*"))
    assert backed_up.returncode == 0, backed_up.stderr
    assert "rows in" in backed_up.stdout and (tmp_path / "monthly" / "tables" / "training.parquet").exists()
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith(f"Wrote {tmp_path / 'monthly.html'}") and "handing the export" in exported.stderr
    assert "<html" in (tmp_path / "monthly.html").read_text()[:2000].lower()
    db = Database(org)
    try:
        assert db.cursor().execute("select count(*) from training").fetchone() == (199,)
        assert db.cursor().execute("select actor, action from audit_log order by audit_id desc limit 1").fetchone() \
            == ("the inbox", "upload")
    finally:
        db.close()


def test_serve_watches_the_inbox_from_the_moment_it_starts(small_org):
    """`python -m lookdown serve` opens the database and watches its inbox as the server starts,
    before any browser connects (a file copied there is imported), and says nothing alarming."""
    import time
    import urllib.request

    inbox = small_org.parent / "inbox"
    server, url = _serve(small_org)
    try:
        deadline = time.monotonic() + 60
        (inbox / "more.csv").write_text("requested_on,person_id\n2024-02-20,s3@example.com\n")
        while not (inbox / "done" / "more.csv").exists() and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (inbox / "done" / "more.csv").exists()
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
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


def test_output_piped_into_a_reader_that_stops_ends_quietly(demo_path, tmp_path):
    """`python -m lookdown measure ... | head`: no BrokenPipeError traceback. The output (about
    200 KB) is larger than a pipe holds, so the command is still writing when head has gone."""
    demo = fixtures.copy_database(demo_path, tmp_path / "demo" / "lookdown.duckdb")
    pipeline = subprocess.run(
        f"{sys.executable} -m lookdown --db {demo} measure training_requests --by department --grain week "
        "--format json | head -c 20",
        shell=True, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert pipeline.stdout == '{\n  "measure": {\n   '
    assert "Traceback" not in pipeline.stderr and "BrokenPipe" not in pipeline.stderr, pipeline.stderr
