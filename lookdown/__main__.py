"""Entry point for `python -m lookdown`."""
import os
import sys

from lookdown.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader stopped reading (`... | head`): end quietly, as a Unix command does, not with a
    # traceback. Python would try to flush stdout again at exit, so it is pointed at /dev/null.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
sys.exit(code)
