"""`python -m lookdown`: the command line for power users and scheduled jobs.

Every command works on the database chosen by `--db PATH`, else `LOOKDOWN_DB`, else
data/lookdown.duckdb, and prints machine-readable output (CSV or JSON) on stdout; problems go
to stderr with a non-zero exit code.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from lookdown.measures import GRAINS, Catalogue, CatalogueError, MeasureResult, run_measure
from lookdown.store import Database, DatabaseBusy, default_db_path

APP = Path(__file__).resolve().parent.parent / "app.py"


class CommandError(Exception):
    """A problem the user can fix; printed as one line."""


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2024-01-31") from None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS,
                        help="database file (default: $LOOKDOWN_DB or data/lookdown.duckdb)")
    parser = argparse.ArgumentParser(
        prog="python -m lookdown",
        description="Lookdown: look down at what shrinks when people learn from each other.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", parents=[common], help="build the demo organisation's database")
    demo.add_argument("--force", action="store_true", help="replace an existing database file")
    demo.add_argument("--seed", type=int, default=7, help="random seed (the same seed gives the same data)")

    listing = commands.add_parser("measures", parents=[common], help="list the measure catalogue")
    listing.add_argument("--format", choices=("table", "json"), default="table")

    measure = commands.add_parser("measure", parents=[common], help="compute one measure")
    measure.add_argument("name", help="measure name, e.g. training_requests (see `measures`)")
    measure.add_argument("--grain", choices=GRAINS, default="month")
    measure.add_argument("--by", default="none",
                         help="segment by: none, department, cohort, or a people attribute present")
    measure.add_argument("--from", dest="start", type=_iso_date, help="first day (default: all loaded data)")
    measure.add_argument("--to", dest="end", type=_iso_date, help="last day (default: all loaded data)")
    measure.add_argument("--format", choices=("csv", "json"), default="csv")

    serve = commands.add_parser("serve", parents=[common], help="start the app on http://127.0.0.1:8501")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", default="127.0.0.1",
                       help="address to listen on (default: this computer only)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    db_path = Path(getattr(args, "db", None) or default_db_path())
    try:
        return COMMANDS[args.command](args, db_path)
    except (CommandError, CatalogueError, DatabaseBusy, ValueError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"lookdown: {message}", file=sys.stderr)
        return 2


def _open_existing(db_path: Path) -> Database:
    if not db_path.exists():
        raise CommandError(f"no database at {db_path}; build the demo with `python -m lookdown demo` "
                           "or import your files first")
    return Database(db_path)


def cmd_demo(args, db_path: Path) -> int:
    from lookdown.demo import build_demo_file  # heavy imports only when building

    counts = build_demo_file(db_path, force=args.force, seed=args.seed)
    summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    print(f"Built the demo organisation in {db_path}: {summary}")
    return 0


def cmd_measures(args, db_path: Path) -> int:
    catalogue = Catalogue.load()
    if args.format == "json":
        json.dump([m.metadata() for m in catalogue], sys.stdout, indent=2)
        print()
        return 0
    rows = [("name", "pillar", "direction", "unit", "label")]
    rows += [(m.name, m.pillar, m.direction, m.unit, m.label) for m in catalogue]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def cmd_measure(args, db_path: Path) -> int:
    catalogue = Catalogue.load()
    measure = catalogue[args.name]
    db = _open_existing(db_path)
    try:
        result = run_measure(db, measure, grain=args.grain, by=args.by, start=args.start, end=args.end)
    finally:
        db.close()
    rows = result_rows(result)
    if args.format == "json":
        json.dump({"measure": measure.metadata(), "grain": result.grain, "by": result.by,
                   "min_group_size": result.min_group_size, "rows": rows}, sys.stdout, indent=2)
        print()
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=["period", "segment", "value", "people", "suppressed"],
                                lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "value": "" if row["value"] is None else row["value"],
                             "people": "" if row["people"] is None else row["people"],
                             "suppressed": str(row["suppressed"]).lower()})
    return 0


def result_rows(result: MeasureResult) -> list[dict]:
    """A guarded result as plain rows: ISO period, segment, value (None when hidden), people."""
    rows = []
    for rec in result.frame.itertuples(index=False):
        value = None if pd.isna(rec.value) else float(rec.value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, float):
            value = round(value, 6)
        people = None if pd.isna(rec.people) else int(rec.people)
        rows.append({"period": rec.period.date().isoformat(), "segment": rec.segment, "value": value,
                     "people": people, "suppressed": bool(rec.suppressed)})
    return rows


def cmd_serve(args, db_path: Path) -> int:
    env = {**os.environ, "LOOKDOWN_DB": str(db_path.resolve())}
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", args.address, "--server.port", str(args.port)]
    print(f"Lookdown on http://{args.address}:{args.port} (database {db_path}); Ctrl+C stops it.")
    try:
        return subprocess.call(command, env=env, cwd=APP.parent)
    except KeyboardInterrupt:
        return 0


COMMANDS = {"demo": cmd_demo, "measures": cmd_measures, "measure": cmd_measure, "serve": cmd_serve}
