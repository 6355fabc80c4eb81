"""The core package must work without Streamlit: pages are a thin layer on top of it; and the
analyses are pure functions over guarded results."""
import ast
import pkgutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import lookdown

ROOT = Path(__file__).resolve().parents[2]


def test_core_imports_without_streamlit():
    modules = [m.name for m in pkgutil.walk_packages(lookdown.__path__, "lookdown.") if not m.name.endswith("__main__")]
    assert len(modules) >= 5
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_no_streamlit_import_statement_in_core():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "lookdown").rglob("*.py")
        if any(line.strip().startswith(("import streamlit", "from streamlit")) for line in path.read_text().splitlines())
    ]
    assert offenders == []


def test_importing_a_csv_from_the_command_line_never_loads_pandas(tmp_path):
    """pandas and its companions take longer to load than a small file takes to import, so the
    import command, the readers of CSV templates and the load do without them."""
    csv = tmp_path / "activity.csv"
    csv.write_text("occurred_at,person_id,kind\n2024-03-01 09:00,ann@example.com,post\n"
                   "2024-03-02 09:00,bob@example.com,question\nnot a date,cy@example.com,post\n")
    script = (
        "import sys\n"
        "from lookdown.cli import main\n"
        f"code = main(['--db', {str(tmp_path / 'org.duckdb')!r}, 'import', {str(csv)!r}, '--format', 'json'])\n"
        "heavy = sorted(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules)\n"
        "assert code == 0 and not heavy, (code, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert '"loaded": 2' in done.stdout and '"rejected": 1' in done.stdout


ANALYSIS = ROOT / "lookdown" / "analysis"
# What reaching a database from Python looks like: a DuckDB connection, or a query on a cursor.
DATABASE_CALLS = {"connect", "cursor", "execute", "executemany", "sql", "query", "fetchall", "fetchone", "df"}
DATABASE_MODULES = ("duckdb", "lookdown.store", "lookdown.ingest", "lookdown.measures", "lookdown.queries")


def _runtime_imports(tree) -> list[str]:
    """Modules a file imports when it runs (imports under `if TYPE_CHECKING:` are for types only)."""
    skipped = {id(node) for stmt in tree.body if isinstance(stmt, ast.If)
               and getattr(stmt.test, "id", "") == "TYPE_CHECKING" for node in ast.walk(stmt)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


def test_no_analysis_module_opens_a_database_or_runs_sql():
    offenders = []
    for path in sorted(ANALYSIS.glob("*.py")):
        tree = ast.parse(path.read_text())
        for module in _runtime_imports(tree):
            if module.startswith(DATABASE_MODULES):
                offenders.append(f"{path.name} imports {module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in DATABASE_CALLS:
                offenders.append(f"{path.name}:{node.lineno} calls .{node.func.attr}()")
    assert offenders == []
    assert not list(ANALYSIS.glob("*.sql")), "SQL belongs to the measures, not to the analyses"


def test_the_analyses_run_on_guarded_results_with_every_database_unreachable(demo_db, catalogue, monkeypatch):
    """Measure first, then make every way to a database fail: the analyses still give answers."""
    import duckdb

    from lookdown.analysis import (
        compare_methods,
        compare_pilot,
        lagged_correlation,
        pilot_and_rest,
        project_pilot,
        roi,
        trend_by_segment,
    )
    from lookdown.measures import run_measure
    from lookdown.store import Database

    requests = run_measure(demo_db, catalogue["training_requests"], by="cohort")
    answered = run_measure(demo_db, catalogue["questions_answered"])
    total = run_measure(demo_db, catalogue["training_requests"])

    def unreachable(*args, **kwargs):
        raise AssertionError("an analysis reached for the database")

    monkeypatch.setattr(duckdb, "connect", unreachable)
    monkeypatch.setattr(Database, "cursor", unreachable)
    pilot, rest = pilot_and_rest(requests)
    did = compare_pilot(pilot, rest, start=date(2024, 7, 1), per_head=True, unit="requests", grain="month")
    projection = project_pilot(pilot, start=date(2024, 7, 1), per_head=True, unit="requests", grain="month")
    assert did.did is not None and projection.status == "ok"
    assert compare_methods(did, projection).explanation
    assert set(trend_by_segment(requests, unit="requests")) == {"Social learning pilot", "Rest"}
    assert len(lagged_correlation(answered.frame, total.frame, 3, grain="month").rows) == 4
    assert roi({"training_expense": 1000.0}).total_benefits == 1000.0
