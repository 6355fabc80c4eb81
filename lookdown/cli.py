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
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from lookdown.periods import GRAINS
from lookdown.store import Database, DatabaseBusy, ReadOnlyDatabase, default_db_path

if TYPE_CHECKING:
    from lookdown.measures import MeasureResult

# Each command imports what it needs when it runs: `import` starts without pandas and the measure
# engine, which take longer to load than a small file takes to import.

APP = Path(__file__).resolve().parent.parent / "app.py"


class CommandError(Exception):
    """A problem the user can fix; printed as one line."""


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2024-01-31") from None


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("name at least one department, e.g. \"Sales,Customer Support\"")
    return names


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

    trend = commands.add_parser("trend", parents=[common],
                                help="is a measure shrinking, growing, or is there no clear trend?")
    trend.add_argument("name")
    trend.add_argument("--grain", choices=GRAINS, default="month")
    trend.add_argument("--by", default="none")
    trend.add_argument("--from", dest="start", type=_iso_date)
    trend.add_argument("--to", dest="end", type=_iso_date)
    trend.add_argument("--format", choices=("json", "text"), default="json")

    compare = commands.add_parser("compare", parents=[common],
                                  help="a pilot group against the rest of the organisation")
    compare.add_argument("name")
    pilot = compare.add_mutually_exclusive_group()
    pilot.add_argument("--cohort", help="cohort name (default: the earliest cohort)")
    pilot.add_argument("--departments", type=_names,
                       help='a pilot made of departments, e.g. "Sales,Customer Support" (needs --start)')
    compare.add_argument("--start", type=_iso_date,
                         help="the day the pilot started (default for a cohort: its start in the cohorts file)")
    compare.add_argument("--grain", choices=GRAINS, default="month")
    compare.add_argument("--format", choices=("json", "text"), default="json")

    export = commands.add_parser("export", parents=[common],
                                 help="the executive pack: an editable deck, a self-contained report or a PDF")
    export.add_argument("kind", choices=EXPORT_KINDS, help="deck (.pptx), report (.html) or pdf")
    export.add_argument("--out", type=Path, required=True, help="the file to write")
    pilot = export.add_mutually_exclusive_group()
    pilot.add_argument("--cohort", help="a pilot cohort from the cohorts file (default: the earliest)")
    pilot.add_argument("--departments", help="a pilot made of departments, comma-separated (needs --start-on)")
    export.add_argument("--start-on", type=_iso_date, help="the day the pilot started (default for a cohort: "
                                                           "its start in the cohorts file)")
    export.add_argument("--from", dest="start", type=_iso_date, help="first day (default: all loaded data)")
    export.add_argument("--to", dest="end", type=_iso_date, help="last day (default: all loaded data)")
    export.add_argument("--measures", help="cost measures to lead with, comma-separated (default: the "
                                           "clearest reductions)")
    flow = commands.add_parser("flow", parents=[common],
                               help="who answers whom across departments (the Knowledge flow page)")
    flow.add_argument("--from", dest="start", type=_iso_date,
                      help="first month (default: the last twelve months loaded)")
    flow.add_argument("--to", dest="end", type=_iso_date, help="last month (default: the last month loaded)")
    flow.add_argument("--format", choices=("json", "text"), default="json")

    load = commands.add_parser("import", parents=[common], help="import export files (CSV, XLSX, ZIP, XML)")
    load.add_argument("files", nargs="+", type=Path)
    load.add_argument("--as", dest="as_kind", help="force the kind: a table name or an export format")
    load.add_argument("--timezone", help="the organisation's time zone, e.g. Europe/Paris (saved)")
    load.add_argument("--format", choices=("text", "json"), default="text")
    load.add_argument("--wait", type=float, default=3600.0,
                      help="while the app runs, the most seconds to wait for it to load the files")

    check = commands.add_parser("check-measure", parents=[common],
                                help="check a measure file you wrote, and preview it under the privacy guard")
    check.add_argument("file", type=Path)
    check.add_argument("--grain", choices=GRAINS, default="month")
    check.add_argument("--by", default="none", help="preview split by: none, department, cohort, ...")
    check.add_argument("--format", choices=("text", "json"), default="text")

    keep = commands.add_parser("backup", parents=[common],
                               help="copy the database (one Parquet file per table) and its key into a new folder")
    keep.add_argument("--out", type=Path, required=True, help="a new (or empty) folder")
    back = commands.add_parser("restore", parents=[common], help="rebuild the database from a backup folder")
    back.add_argument("folder", type=Path)
    back.add_argument("--force", action="store_true", help="replace the database if it exists")

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
    except (CommandError, DatabaseBusy, ReadOnlyDatabase, ValueError, KeyError) as exc:  # CatalogueError: a ValueError
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
    from lookdown.measures import Catalogue

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
    from lookdown.measures import Catalogue, run_measure
    from lookdown.present.safe_text import spreadsheet_cell

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
        for row in rows:  # a segment is a name from the data: escaped where a spreadsheet would run it
            writer.writerow({**row, "segment": spreadsheet_cell(row["segment"]),
                             "value": "" if row["value"] is None else row["value"],
                             "people": "" if row["people"] is None else row["people"],
                             "suppressed": str(row["suppressed"]).lower()})
    return 0


def result_rows(result: MeasureResult) -> list[dict]:
    """A guarded result as plain rows: ISO period, segment, value (None when hidden), people."""
    import pandas as pd

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


def cmd_check_measure(args, db_path: Path) -> int:
    """The same checks the catalogue makes of a custom measure, then a preview of its guarded
    cells on the database (in the sandbox). Exit 0: it passes; 1: it is refused, with the reason."""
    from lookdown.measures import Catalogue, run_measure
    from lookdown.measures.catalogue import check_custom
    from lookdown.measures.sandbox import SandboxError

    if not args.file.is_file():
        raise CommandError(f"no such file: {args.file}")
    measure, problems = check_custom(args.file.read_text(encoding="utf-8"), args.file.name, Catalogue.load())
    rows, note = [], ""
    if measure is not None and db_path.exists():
        try:
            db = Database(db_path)
        except DatabaseBusy:
            note = "The app has the database open, so there is no preview here: check it on the Measures page."
        else:
            try:
                rows = result_rows(run_measure(db, measure, grain=args.grain, by=args.by))
            except (SandboxError, ValueError) as refused:
                problems = [f"{args.file.name}: {refused}"]
            finally:
                db.close()
    elif measure is not None:
        note = f"No database at {db_path}, so there is no preview: the checks passed."
    if args.format == "json":
        json.dump({"file": str(args.file), "passes": not problems, "problems": problems,
                   "measure": measure.metadata() if measure else None, "note": note or None, "rows": rows},
                  sys.stdout, indent=2)
        print()
    elif problems:
        for problem in problems:
            print(f"lookdown: {problem}", file=sys.stderr)
    else:
        print(f"{args.file.name}: passes the checks." + (f" {note}" if note else ""))
        if rows:
            shown = [r for r in rows if not r["suppressed"]]
            print(f"Preview ({args.by}, {args.grain}): {len(rows):,} cells, {len(rows) - len(shown):,} hidden to "
                  "protect small groups.")
            for row in shown[:10]:
                print(f"  {row['period']}  {row['segment']}: {row['value']}")
    return 1 if problems else 0


def cmd_trend(args, db_path: Path) -> int:
    from lookdown.findings import measure_trends
    from lookdown.measures import Catalogue

    measure = Catalogue.load()[args.name]
    db = _open_existing(db_path)
    try:
        result, verdicts = measure_trends(db, measure, by=args.by, grain=args.grain, start=args.start, end=args.end)
    finally:
        db.close()
    if args.format == "text":
        for segment, verdict in verdicts.items():
            print(f"{segment}: {verdict.explanation}")
        return 0
    json.dump({"measure": measure.name, "grain": result.grain, "by": result.by,
               "segments": {segment: verdict.to_dict() for segment, verdict in verdicts.items()}},
              sys.stdout, indent=2)
    print()
    return 0


def cmd_compare(args, db_path: Path) -> int:
    from lookdown.findings import compare_cohort, compare_departments
    from lookdown.measures import Catalogue

    measure = Catalogue.load()[args.name]
    if args.departments and args.start is None:
        raise CommandError("a pilot made of departments needs --start YYYY-MM-DD, the day it started")
    db = _open_existing(db_path)
    try:
        if args.departments:
            comparison = compare_departments(db, measure, args.departments, start_on=args.start, grain=args.grain)
        else:
            comparison = compare_cohort(db, measure, cohort=args.cohort, grain=args.grain,
                                        start_override=args.start)
    finally:
        db.close()
    if args.format == "text":
        print(comparison.did.explanation)
        print(comparison.projection.explanation)
        print(comparison.agreement.explanation)
        return 0
    json.dump(comparison.to_dict(), sys.stdout, indent=2)
    print()
    return 0


EXPORT_KINDS = ("deck", "report", "pdf")


def _listed(text: str | None) -> list[str]:
    """'a, b' -> ['a', 'b']; nothing -> []."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def cmd_export(args, db_path: Path) -> int:
    from lookdown.present.exports import write_pack

    departments = _listed(args.departments)
    if departments and args.start_on is None:
        raise CommandError("a pilot made of departments needs --start-on (the day it started)")
    choices = dict(cohort=args.cohort, departments=departments, start_on=args.start_on, start=args.start,
                   end=args.end, measures=_listed(args.measures) or None)
    try:
        db = _open_existing(db_path)
    except DatabaseBusy:
        said = _hand_over(db_path, "export", kind=args.kind, out=str(args.out.resolve()), **choices)["said"]
    else:
        try:
            said = write_pack(db, args.kind, args.out, **choices)
        finally:
            db.close()
    print(said)
    return 0


def cmd_flow(args, db_path: Path) -> int:
    from lookdown.measures.flow import knowledge_flow
    from lookdown.periods import month_starts

    db = _open_existing(db_path)
    try:
        coverage = db.coverage()
        if coverage.start is None:
            raise CommandError("nothing is loaded yet")
        months = month_starts(coverage.start, coverage.end)
        start = args.start or months[max(0, len(months) - 12)]
        end = args.end or coverage.end
        flow = knowledge_flow(db, start=start, end=end)
    finally:
        db.close()
    if args.format == "text":
        print(flow.explanation)
        if flow.departments:
            print()
            print(flow.matrix_frame().to_string())
        return 0
    json.dump({"start": flow.start, "end": flow.end, "min_group_size": flow.min_group_size, "hidden": flow.hidden,
               "departments": list(flow.departments), "merged_departments": list(flow.merged_departments),
               "cells": flow.cells(), "answers_total": flow.answers_total,
               "answers_across_departments": flow.answers_across,
               "questions_answered": flow.questions_answered,
               "questions_answered_across_departments": flow.questions_answered_across,
               "questions_undetermined": flow.questions_undetermined,
               "share_answered_across_departments": flow.share_answered_across,
               "share_answered_across_by_department": flow.share_by_department,
               "explanation": flow.explanation}, sys.stdout, indent=2)
    print()
    return 0


def import_progress(stream):
    """For someone watching a terminal: how much of each file is read, then the rows written so
    far, on one line that updates (a large export takes a while). The two callbacks import_files
    takes (progress, reading); (None, None) when the stream is not a terminal, so logs and pipes
    get only the report."""
    if not stream.isatty():
        return None, None
    print("Reading and checking the files…", file=stream, flush=True)

    def show(text: str, end: str = "") -> None:
        print(f"\r{text:<60}", end=end, file=stream, flush=True)

    def written(done: int, total: int) -> None:
        show(f"{done:,} of {total:,} rows written", "\n" if done >= total else "")

    def reading(name: str, share: float) -> None:
        show(f"Checking {name}…" if share >= 1 else f"Reading {name}: {share:.0%}")

    return written, reading


def cmd_import(args, db_path: Path) -> int:
    from lookdown.ingest.importer import FileReport, import_files

    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise CommandError(f"no such file: {', '.join(missing)}")
    try:
        db = Database(db_path)
    except DatabaseBusy:
        answer = _hand_over(db_path, "import", files=args.files, as_kind=args.as_kind, timezone=args.timezone,
                            wait=args.wait)
        reports = [FileReport.from_dict(report) for report in answer["reports"]]
    else:
        try:
            if args.timezone:
                db.change_setting("timezone", args.timezone, what="the time zone")
            written, reading = import_progress(sys.stderr)
            reports = import_files(db, args.files, as_kind=args.as_kind, timezone=args.timezone,
                                   progress=written, reading=reading)
        finally:
            db.close()
    if args.format == "json":
        json.dump([report.to_dict() for report in reports], sys.stdout, indent=2, default=str)
        print()
    else:
        for report in reports:
            if not report.understood:
                print(f"{report.file}: not imported: {report.reason}")
                continue
            print(f"{report.file}: {report.kind} -> {report.table}: {report.loaded:,} loaded, "
                  f"{report.rejected:,} rejected, {report.duplicates_skipped:,} already loaded")
            for error in report.errors:
                print(f"  line {error['line']}, column {error['column']}, value {error['value']!r}: {error['reason']}")
            for notice in report.notices:
                print(f"  note: {notice}")
    failed = [r for r in reports if not r.understood or (r.reason and r.upload_id is None)]
    for report in failed:
        print(f"lookdown: {report.file}: {report.reason}", file=sys.stderr)
    return 1 if failed else 0


def _hand_over(db_path: Path, command: str, **asked) -> dict:
    """The app has the database open (it is the only writer): ask it, through its inbox, and
    wait for its answer, so a scheduled job needs no stop of the app."""
    from lookdown.ingest.inbox import NotWatched, hand_over, inbox_dir

    print(f"The app has {db_path} open: handing the {command} to it and waiting for it…",
          file=sys.stderr, flush=True)
    try:
        return hand_over(inbox_dir(db_path), command, **asked)
    except (NotWatched, TimeoutError, RuntimeError) as problem:
        raise CommandError(str(problem)) from problem


def cmd_backup(args, db_path: Path) -> int:
    from lookdown.store.backup import backup

    try:
        db = _open_existing(db_path)
    except DatabaseBusy:
        answer = _hand_over(db_path, "backup", out=str(args.out.resolve()))
        folder, tables = Path(answer["folder"]), answer["tables"]
    else:
        try:
            report = backup(db, args.out)
        finally:
            db.close()
        folder, tables = report.folder, report.tables
    print(f"Backed up {db_path} into {folder}: {sum(tables.values()):,} rows in {len(tables)} tables. "
          f"The pseudonymisation key is in {folder / 'pseudonymisation.key'}: keep it secret, and keep it.")
    return 0


def cmd_restore(args, db_path: Path) -> int:
    from lookdown.store.backup import RestoreRefused, restore

    try:
        report = restore(args.folder, db_path, force=args.force)
    except RestoreRefused as refused:
        raise CommandError(str(refused)) from refused
    print(f"Restored {db_path} from {report.folder}: {report.rows:,} rows in {len(report.tables)} tables.")
    return 0


def cmd_serve(args, db_path: Path) -> NoReturn:
    os.environ["LOOKDOWN_DB"] = str(db_path.resolve())
    # serve.py runs Streamlit and opens what the pages need as the server starts (see there).
    command = [sys.executable, str(APP.with_name("serve.py")), "--server.headless", "true",
               "--server.address", args.address, "--server.port", str(args.port)]
    print(f"Lookdown on http://{args.address}:{args.port} (database {db_path}); Ctrl+C stops it.", flush=True)
    os.chdir(APP.parent)
    os.execv(sys.executable, command)  # this process becomes the server, so a stop signal reaches it


COMMANDS = {"demo": cmd_demo, "measures": cmd_measures, "measure": cmd_measure, "check-measure": cmd_check_measure,
            "trend": cmd_trend, "compare": cmd_compare, "flow": cmd_flow, "export": cmd_export, "import": cmd_import,
            "backup": cmd_backup, "restore": cmd_restore, "serve": cmd_serve}
