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
