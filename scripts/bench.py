"""`make bench`: how fast Lookdown answers on the demo organisation, against naive baselines.

A script, not a test: timings depend on the machine. It builds the demo in a temporary folder,
then reports the median of several runs for every measure (whole organisation and by department),
and for comparison the same question answered the naive ways (a bare DuckDB query over every raw
event, and pandas over the raw events), so the figures can be judged in the same run.
"""
from __future__ import annotations

import argparse
import statistics
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
        _, whole = timed(lambda: run_measure(db, measure), repeat)
        by = "department" if measure.segmentable else "none"
        _, split = timed(lambda: run_measure(db, measure, by=by), repeat)
        _, weekly = timed(lambda: run_measure(db, measure, grain="week", by=by), repeat)
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


def bench_overview(path: Path, repeat: int) -> tuple[float, float]:
    """The whole overview page script, as Streamlit runs it: (empty caches, cached) in ms."""
    import os

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["LOOKDOWN_DB"] = str(path)
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    start = time.perf_counter()
    app.run()
    cold = (time.perf_counter() - start) * 1000
    if app.exception:
        raise RuntimeError(f"the overview failed: {app.exception[0].message}")
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        app.run()
        runs.append((time.perf_counter() - start) * 1000)
    st.cache_resource.clear()  # closes the page's database connection
    return cold, statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure (median reported)")
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
        slowest = max(max(r[1], r[2]) for r in results)
        print(f"slowest measure: {slowest:.1f} ms -> {'within' if slowest < MEASURE_GOAL_MS else 'OVER'} goal")

        (events,) = db.cursor().execute("select count(*) from activity").fetchone()
        print(f"\nBaselines: questions asked per department and month over {events:,} raw events (median ms)")
        for label, ms in bench_baselines(db, args.repeat).items():
            print(f"  {label:58} {ms:8.1f}")
        db.close()

        cold, cached = bench_overview(path, args.repeat)
        print(f"\nOverview page script (goal < {OVERVIEW_GOAL_MS} ms): {cold:.0f} ms with empty caches, "
              f"{cached:.0f} ms cached (median of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
