"""The core package must work without Streamlit: pages are a thin layer on top of it."""
import pkgutil
import subprocess
import sys
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
