"""Rewrite the README sections generated from the code (CSV contract, measure catalogue)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lookdown.docs import rewrite  # noqa: E402  (after the path is set)
from lookdown.measures import Catalogue  # noqa: E402

README = ROOT / "README.md"

if __name__ == "__main__":
    README.write_text(rewrite(README.read_text(), Catalogue.load()))
    print(f"Updated {README}")
