"""The README's generated sections match the code (run `python scripts/update_readme.py`)."""
from pathlib import Path

from lookdown.docs import rewrite

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_is_up_to_date(catalogue):
    text = README.read_text()
    assert rewrite(text, catalogue) == text, "README.md is stale: run `.venv/bin/python scripts/update_readme.py`"


def test_readme_opens_with_the_two_commands():
    head = README.read_text()[:3000]
    assert "make run" in head and "make test" in head
