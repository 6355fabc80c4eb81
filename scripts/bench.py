"""`make bench`: how fast Lookdown answers on the demo organisation, against naive baselines.

A script, not a test: timings depend on the machine. It builds the demo in a temporary folder,
then reports the median of several runs for every measure (whole organisation and by department),
and for comparison the same question answered the naive ways (a bare DuckDB query over every raw
event, and pandas over the raw events), so the figures can be judged in the same run; then every
analysis on the demo, the overview page, and the import of a large activity CSV against DuckDB's
bare `read_csv` of the same file and pandas' `read_csv`, with the peak memory of each.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lookdown.demo import build_demo_file  # noqa: E402  (after the path is set)
from lookdown.measures import Catalogue, run_measure  # noqa: E402
from lookdown.store import Database  # noqa: E402

MEASURE_GOAL_MS = 100
OVERVIEW_GOAL_MS = 1000
ANALYSIS_GOAL_MS = 1000

# Run in a child process so its peak memory is its own: argv = mode, csv path, database path.
_IMPORT_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[4])
mode, csv, db_path = sys.argv[1:4]
start = time.perf_counter()
if mode == "lookdown":
    from lookdown.ingest.importer import import_files
    from lookdown.store import Database
    db = Database(db_path)
    (report,) = import_files(db, [csv], as_kind="activity")
    rows, rejected = report.loaded, report.rejected
    db.close()
elif mode == "pandas":
    import duckdb
    import pandas as pd
    frame = pd.read_csv(csv)
    con = duckdb.connect(db_path)
    con.execute("create table raw as select * from frame")
    rows, rejected = con.execute("select count(*) from raw").fetchone()[0], 0
    con.close()
else:
    import duckdb
    con = duckdb.connect(db_path)
    con.execute("create table raw as select * from read_csv(?)", [csv])
    rows, rejected = con.execute("select count(*) from raw").fetchone()[0], 0
    con.close()  # like Lookdown's, the timing includes writing the file out
seconds = time.perf_counter() - start
try:  # this process's own peak (Linux keeps ru_maxrss across exec, so it can be the parent's)
    status = open("/proc/self/status").read()
    peak_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError):
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": rows, "rejected": rejected, "seconds": seconds, "peak_mb": peak_mb}))
"""


def timed(fn, repeat: int) -> tuple[float, float]:
    """(first run, median of the `repeat` runs after it) in milliseconds."""
    start = time.perf_counter()
    fn()
    first = (time.perf_counter() - start) * 1000
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(runs)


def bench_measures(db: Database, catalogue: Catalogue, repeat: int) -> list[tuple[str, float, float, float]]:
    rows = []
    for measure in catalogue:
        _, whole = timed(lambda measure=measure: run_measure(db, measure), repeat)
        by = "department" if measure.segmentable else "none"
        _, split = timed(lambda measure=measure, by=by: run_measure(db, measure, by=by), repeat)
        _, weekly = timed(lambda measure=measure, by=by: run_measure(db, measure, grain="week", by=by), repeat)
        rows.append((measure.name, whole, split, weekly))
    return rows


def bench_baselines(db: Database, repeat: int) -> dict[str, float]:
    """Questions asked per department and month, three ways."""
    cur = db.cursor()
    engine = Catalogue.load()["questions_asked"]
    bare_sql = (
        "select date_trunc('month', a.occurred_at) as period, p.department, count(*) "
        "from activity as a left join people as p using (person_key) "
        "where a.kind = 'question' group by all"
    )

    def pandas_way():
        events = cur.execute("select occurred_at, person_key, kind from activity").df()
        people = cur.execute("select person_key, department from people").df()
        merged = events[events["kind"] == "question"].merge(people, on="person_key", how="left")
        merged.groupby([merged["occurred_at"].dt.to_period("M"), "department"]).size()

    return {
        "Lookdown engine (rollups + headcount + privacy guard)":
            timed(lambda: run_measure(db, engine, by="department"), repeat)[1],
        "bare DuckDB query over every raw event": timed(lambda: cur.execute(bare_sql).fetchall(), repeat)[1],
        "pandas over every raw event": timed(pandas_way, max(1, repeat // 2))[1],
    }


# The first view after a server starts, in a fresh process: what the server does before any view
# (importing Streamlit, looking for installed components) is not timed; the page's own imports,
# opening the database and the catalogue, and every result are, unless the server warmed up
# first as serve.py does (argv[3] == "warm"). argv = database path, ROOT, cold|warm.
_FIRST_VIEW_CHILD = """
import json, os, sys, time
os.environ["LOOKDOWN_DB"] = sys.argv[1]
os.environ["LOOKDOWN_INBOX_SECONDS"] = "0"
sys.path.insert(0, sys.argv[2])
from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.testing.v1 import AppTest
components = BidiComponentManager()
components.discover_and_register_components(start_file_watching=False)
if sys.argv[3] == "warm":
    import serve
    serve.warm_up()
app = AppTest.from_file(os.path.join(sys.argv[2], "app.py"), default_timeout=120)
app._bidi_component_manager = components  # AppTest would look for them in its first run
start = time.perf_counter()
app.run()
if app.exception:
    raise SystemExit(f"the overview failed: {app.exception[0].message}")
print(json.dumps({"ms": (time.perf_counter() - start) * 1000}))
"""


def bench_overview(path: Path, repeat: int) -> tuple[dict[str, float], float, float]:
    """The whole overview page script, as Streamlit runs it, in ms: the first view after the
    server starts (in a fresh process; cold, and warmed up as serve.py does), the median first
    view after a load (every result computed afresh: the data caches are emptied), and the
    median view with warm caches."""
    import os

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    started = {}
    for start in ("cold", "warm"):
        done = subprocess.run([sys.executable, "-c", _FIRST_VIEW_CHILD, str(path), str(ROOT), start],
                              capture_output=True, text=True, check=True)
        started[start] = json.loads(done.stdout.strip().splitlines()[-1])["ms"]

    os.environ["LOOKDOWN_DB"] = str(path)
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)

    def run() -> float:
        start = time.perf_counter()
        app.run()
        if app.exception:
            raise RuntimeError(f"the overview failed: {app.exception[0].message}")
        return (time.perf_counter() - start) * 1000

    run()  # opens the database and the catalogue in this process
    after_load = []
    for _ in range(repeat):
        st.cache_data.clear()
        after_load.append(run())
    cached = [run() for _ in range(repeat)]
    st.cache_resource.clear()  # closes the page's database connection
    return started, statistics.median(after_load), statistics.median(cached)


def bench_analyses(db: Database, catalogue: Catalogue, repeat: int) -> dict[str, float]:
    """Each analysis the pages offer, on the demo: median ms."""
    from lookdown.analysis.lag import lagged_correlation
    from lookdown.analysis.money import roi
    from lookdown.analysis.pilot_value import counted_benefits, measure_benefits, valued_measures
    from lookdown.findings import compare_cohort, measure_trends
    from lookdown.measures.flow import knowledge_flow

    coverage = db.coverage()

    def lagged():
        driver = run_measure(db, catalogue["questions_answered"]).frame.set_index("period")["value"]
        outcome = run_measure(db, catalogue["training_requests"]).frame.set_index("period")["value"]
        lagged_correlation(driver, outcome, max_lag=6)

    def money():
        comparisons = {m.name: compare_cohort(db, m) if m.segmentable else None for m in valued_measures(catalogue)}
        roi(counted_benefits(measure_benefits(catalogue, comparisons)))

    return {
        "trend verdicts, training requests by department": timed(
            lambda: measure_trends(db, catalogue["training_requests"], by="department"), repeat)[1],
        "pilot vs rest (difference-in-differences + projection)": timed(
            lambda: compare_cohort(db, catalogue["training_requests"]), repeat)[1],
        "lagged link, questions answered -> training requests": timed(lagged, repeat)[1],
        "knowledge flow between departments": timed(
            lambda: knowledge_flow(db, start=coverage.start, end=coverage.end), repeat)[1],
        "money: every valued cost measure compared and priced": timed(money, max(1, repeat // 2))[1],
    }


def bench_import(rows: int, folder: Path, repeat: int) -> dict[str, dict]:
    """Lookdown's import of an activity CSV against DuckDB's bare reader and the pandas way (which
    check, pseudonymise, de-duplicate and roll up nothing), each in its own process, `repeat`
    rounds with the three in turn (a noisy moment hits all three): the median time and the
    largest peak of each, and each round's speed as a share of that round's bare reader."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_activity_csv import write_activity_csv

    csv = write_activity_csv(rows, folder / "activity.csv")
    runs: dict[str, list[dict]] = {"duckdb": [], "pandas": [], "lookdown": []}
    for _ in range(repeat):
        for mode, done_runs in runs.items():
            database = folder / f"{mode}.duckdb"
            for stale in (database, database.with_suffix(".duckdb.wal"), database.with_suffix(".key")):
                stale.unlink(missing_ok=True)
            done = subprocess.run([sys.executable, "-c", _IMPORT_CHILD, mode, str(csv), str(database),
                                   str(ROOT)], capture_output=True, text=True, check=True)
            done_runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    speed = {mode: [r["rows"] / r["seconds"] for r in done_runs] for mode, done_runs in runs.items()}
    return {mode: {"rows": done_runs[0]["rows"],
                   "seconds": statistics.median(r["seconds"] for r in done_runs),
                   "peak_mb": max(r["peak_mb"] for r in done_runs),
                   "of_bare": [own / bare for own, bare in zip(speed[mode], speed["duckdb"])]}
            for mode, done_runs in runs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure (median reported)")
    parser.add_argument("--import-rows", type=int, default=1_000_000,
                        help="rows of the activity CSV imported (0 skips the import benchmark)")
    parser.add_argument("--import-repeat", type=int, default=5,
                        help="rounds of the import benchmark (median reported)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        start = time.perf_counter()
        counts = build_demo_file(path, seed=7)
        build_s = time.perf_counter() - start
        print(f"Demo organisation built in {build_s:.1f} s: "
              + ", ".join(f"{n:,} {table}" for table, n in counts.items()))

        db = Database(path)
        catalogue = Catalogue.load()

        print(f"\nMeasures (median of {args.repeat} runs, ms; goal < {MEASURE_GOAL_MS} ms)")
        print(f"{'measure':32} {'all':>8} {'by dept':>8} {'weekly by dept':>15}")
        results = bench_measures(db, catalogue, args.repeat)
        for name, whole, split, weekly in results:
            print(f"{name:32} {whole:8.1f} {split:8.1f} {weekly:15.1f}")
        name, *times = max(results, key=lambda r: max(r[1:]))
        slowest = max(times)
        over = [r[0] for r in results if max(r[1:]) >= MEASURE_GOAL_MS]
        print(f"slowest: {name} at {slowest:.1f} ms -> "
              + ("every measure within the goal" if not over else f"OVER the goal: {', '.join(over)}"))

        (events,) = db.cursor().execute("select count(*) from activity").fetchone()
        print(f"\nBaselines: questions asked per department and month over {events:,} raw events (median ms)")
        for label, ms in bench_baselines(db, args.repeat).items():
            print(f"  {label:58} {ms:8.1f}")

        print(f"\nAnalyses on the demo (median ms; goal < {ANALYSIS_GOAL_MS} ms each)")
        for label, ms in bench_analyses(db, catalogue, args.repeat).items():
            print(f"  {label:58} {ms:8.1f}")
        db.close()

        started, after_load, cached = bench_overview(path, args.repeat)
        print(f"\nOverview page script (goal < {OVERVIEW_GOAL_MS} ms): first view after a load "
              f"{after_load:.0f} ms, with warm caches {cached:.0f} ms (medians of {args.repeat}); "
              f"first view after the server starts {started['cold']:.0f} ms (a fresh process: the page's "
              f"modules imported, the database and the catalogue opened), {started['warm']:.0f} ms once "
              "`python -m lookdown serve` has done that as it starts")

        if args.import_rows:
            results = bench_import(args.import_rows, Path(folder), args.import_repeat)
            print(f"\nImport of a {args.import_rows:,}-row activity CSV (each in its own process; median of "
                  f"{args.import_repeat} rounds, largest peak)")
            for mode, label in (("duckdb", "DuckDB's bare read_csv into a table"),
                                ("pandas", "pandas read_csv, then into a DuckDB table"),
                                ("lookdown", "Lookdown import (validate, pseudonymise, dedupe, rollups)")):
                r = results[mode]
                print(f"  {label:58} {r['seconds']:6.1f} s  {r['rows'] / r['seconds']:>10,.0f} rows/s  "
                      f"peak {r['peak_mb']:,.0f} MB")
            speed = {mode: r["rows"] / r["seconds"] for mode, r in results.items()}
            # One decimal: at the goal, a rounded 50% could be 49.6%.
            print(f"  Lookdown imports at {speed['lookdown'] / speed['duckdb']:.1%} of the bare reader's speed "
                  f"(goal: at least 50%) and {speed['lookdown'] / speed['pandas']:.1%} of the pandas way's")
            rounds = results["lookdown"]["of_bare"]
            print(f"  Round by round (this machine's speed varies): {statistics.median(rounds):.1%} of the "
                  f"bare reader's speed in the median round ({', '.join(f'{r:.1%}' for r in rounds)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
