"""Entry point for `python -m lookdown`."""
import sys

from lookdown.cli import main

sys.exit(main())
