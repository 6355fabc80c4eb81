"""`trend`, `compare` and `import` on the command line."""
import json

from lookdown.cli import main


def test_compare_prints_the_pilot_against_the_rest(demo_db, capsys):
    assert main(["--db", str(demo_db.path), "compare", "training_requests", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("pilot_before", "pilot_after", "rest_before", "rest_after", "pilot_change_pct", "rest_change_pct",
                "did_pct_points", "ci_low", "ci_high", "method", "parallel_trends"):
        assert key in out
    assert out["cohort"] == "Social learning pilot" and out["cohort_start"] == "2024-07-01"
    assert out["per_head"] is True
    assert out["pilot_after"] < out["pilot_before"]
    assert out["ci_high"] < 0 and out["ci_low"] < out["did_pct_points"] < out["ci_high"]
    assert out["parallel_trends"]["tested"] is True
    assert out["methods_agree"]["verdict"] == "agree: clear effect"


def test_compare_on_a_measure_the_pilot_leaves_alone_finds_no_clear_effect(demo_db, capsys):
    assert main(["--db", str(demo_db.path), "compare", "advocacy_posts"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["significant"] is False and out["ci_low"] < 0 < out["ci_high"]


def test_trend_gives_a_verdict_per_segment(demo_db, capsys):
    assert main(["--db", str(demo_db.path), "trend", "training_requests", "--by", "cohort"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["segments"]) == {"Social learning pilot", "Rest"}
    assert out["segments"]["Social learning pilot"]["verdict"] == "shrinking"
    assert main(["--db", str(demo_db.path), "trend", "marketing_spend"]) == 0
    assert json.loads(capsys.readouterr().out)["segments"]["All"]["verdict"] == "no clear trend"


def test_compare_without_cohorts_explains_what_to_load(tmp_path, capsys):
    from lookdown.store import Database

    Database(tmp_path / "empty.duckdb").close()
    assert main(["--db", str(tmp_path / "empty.duckdb"), "compare", "training_requests"]) == 2
    assert "No pilot cohort is loaded" in capsys.readouterr().err


def test_import_reports_loaded_and_rejected_rows_as_json(tmp_path, capsys):
    csv = tmp_path / "training.csv"
    csv.write_text("requested_on,person_id,department,cost\n"
                   "2024-01-05,ann@example.com,Sales,250\n"
                   "2024-01-06,bob@example.com,Sales,-10\n"
                   "2024-02-07,cat@example.com,Sales,\"1,200\"\n")
    db_path = tmp_path / "org.duckdb"
    assert main(["--db", str(db_path), "import", str(csv), "--format", "json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert (report["table"], report["loaded"], report["rejected"]) == ("training", 2, 1)
    assert report["errors"][0]["line"] == 3 and report["errors"][0]["column"] == "cost"
    assert main(["--db", str(db_path), "import", str(csv), "--format", "json"]) == 0
    (again,) = json.loads(capsys.readouterr().out)
    assert again["loaded"] == 0 and again["duplicates_skipped"] == 2


def test_import_of_a_file_it_does_not_understand_exits_non_zero_with_one_line(tmp_path, capsys):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\n")
    assert main(["--db", str(tmp_path / "org.duckdb"), "import", str(junk)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lookdown: notes.txt: ")


def test_import_shows_rows_written_on_a_terminal_only(tmp_path, capsys):
    import io

    from lookdown.cli import import_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    written, reading = import_progress(screen)
    reading("big.csv", 0.45)
    reading("big.csv", 1.0)
    for done in (0, 245_760, 300_000):
        written(done, 300_000)
    # One line that updates: each state overwrites the previous one, padded to hide a longer one.
    states = ["Reading big.csv: 45%", "Checking big.csv…", "0 of 300,000 rows written",
              "245,760 of 300,000 rows written", "300,000 of 300,000 rows written"]
    assert screen.getvalue() == ("Reading and checking the files…\n"
                                 + "".join(f"\r{state:<60}" for state in states) + "\n")
    assert import_progress(io.StringIO()) == (None, None)
    csv = tmp_path / "training.csv"
    csv.write_text("requested_on,person_id,department,cost\n2024-01-05,ann@example.com,Sales,250\n")
    assert main(["--db", str(tmp_path / "org.duckdb"), "import", str(csv)]) == 0
    assert capsys.readouterr().err == ""  # not a terminal: the report only


def test_compare_a_pilot_made_of_departments_with_its_series(demo_db, capsys):
    argv = ["--db", str(demo_db.path), "compare", "training_requests", "--departments", "Customer Support,Sales",
            "--start", "2024-07-01", "--format", "json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("did_pct_points", "ci_low", "ci_high", "p_value", "significant", "method", "parallel_trends"):
        assert key in out
    assert out["cohort"] == "Chosen departments" and out["cohort_start"] == "2024-07-01"
    # The same departments as the loaded pilot cohort: the same comparison.
    assert main(["--db", str(demo_db.path), "compare", "training_requests"]) == 0
    loaded = json.loads(capsys.readouterr().out)
    assert out["did_pct_points"] == loaded["did_pct_points"]
    series = out["series"]
    assert len(series) == 2 * 36 and {row["group"] for row in series} == {"pilot", "rest"}
    first = [row for row in series if row["period"] == "2023-01-01"]
    assert [row["group"] for row in first] == ["pilot", "rest"]
    for row in series:
        assert set(row) == {"period", "group", "value", "people", "suppressed"}
        assert row["suppressed"] is False and row["people"] >= 5 and 0 < row["value"] < 1  # per person
    assert loaded["series"] == series


def test_compare_with_departments_needs_the_start(demo_db, capsys):
    assert main(["--db", str(demo_db.path), "compare", "training_requests", "--departments", "Sales"]) == 2
    assert "needs --start" in capsys.readouterr().err
    argv = ["--db", str(demo_db.path), "compare", "answer_rate", "--departments", "Sales", "--start", "2024-07-01"]
    assert main(argv) == 2
    assert "rate or a median" in capsys.readouterr().err


def test_flow_prints_what_the_knowledge_flow_page_shows(demo_db, capsys):
    from datetime import date

    from lookdown.measures.flow import knowledge_flow

    assert main(["--db", str(demo_db.path), "flow", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    flow = knowledge_flow(demo_db, start=date(2025, 1, 1), end=date(2025, 12, 31))  # the page's default
    assert (out["start"], out["end"]) == ("2025-01-01", "2025-12-31")
    assert out["answers_total"] == flow.answers_total
    assert out["answers_across_departments"] == flow.answers_across
    assert out["share_answered_across_departments"] == flow.share_answered_across
    assert len(out["cells"]) == len(flow.departments) ** 2
    cell = next(c for c in out["cells"] if (c["from"], c["to"]) == ("Sales", "Customer Support"))
    assert cell["value"] == flow.matrix_frame().loc["Sales", "Customer Support"] and cell["suppressed"] is False
    assert "Legal" not in {c["from"] for c in out["cells"]} and out["merged_departments"] == ["HR", "Legal"]
    assert main(["--db", str(demo_db.path), "flow", "--from", "2024-01-01", "--to", "2024-03-31",
                 "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("From 2024-01-01 to 2024-03-31, colleagues gave") and "Smaller departments" in text
