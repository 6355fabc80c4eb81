"""The database, the catalogue and measure results, cached for every page.

One Database per process (Streamlit serves each browser session on its own thread; every query
takes its own cursor). Results are cached by what determines them: the database file, its data
version (which grows with every load, so a new upload never shows stale figures), the measure and
its SQL, grain, segmentation, period and the minimum group size in force.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st

from lookdown.ingest.inbox import INBOX_SECONDS, InboxWatcher, inbox_dir
from lookdown.measures import (
    MEASURES_DIR,
    Catalogue,
    CatalogueError,
    Measure,
    MeasureResult,
    run_measure,
    run_measures,
    segmentations,
)
from lookdown.measures.catalogue import custom_dir
from lookdown.present.charts import pair_figure
from lookdown.present.exports import export_request
from lookdown.queries.cohorts import cohort_starts
from lookdown.store import DEFAULT_DB, Coverage, Database, DatabaseBusy, default_db_path
from lookdown.store.access import LOCAL, Actor
from ui import auth


@dataclass(frozen=True)
class PageData:
    """What a page knows about the data when it starts."""

    db: Database
    path: str
    version: int
    min_group_size: int
    coverage: Coverage
    catalogue: Catalogue
    inbox: InboxWatcher
    actor: Actor = LOCAL  # who is looking: editors may change the data, viewers only look

    @property
    def empty(self) -> bool:
        return self.coverage.start is None

    @property
    def can_edit(self) -> bool:
        return self.actor.can_edit


def _close(db: Database) -> None:
    db.close()


@st.cache_resource(show_spinner=False, on_release=_close)
def _database(path: str) -> Database:
    return Database(path)


def inbox_seconds() -> float:
    """How often the app looks into the inbox: LOOKDOWN_INBOX_SECONDS, 0 for never on its own."""
    try:
        return max(0.0, float(os.environ.get("LOOKDOWN_INBOX_SECONDS", INBOX_SECONDS)))
    except ValueError:
        return INBOX_SECONDS


@st.cache_resource(show_spinner=False, on_release=InboxWatcher.stop)
def _inbox_watcher(path: str, every: float) -> InboxWatcher:
    """One watcher per database, for as long as the app has it open; a scheduled job may also
    hand it the executive pack to write (python -m lookdown export while the app runs)."""
    return InboxWatcher(_database(path), inbox_dir(path), every=every, handlers={"export": export_request}).start()


def _catalogue_signature() -> tuple:
    """Changes when a measure file changes, so edited measures are picked up without a restart."""
    files = sorted(Path(MEASURES_DIR).glob("*.sql")) + sorted(custom_dir().glob("*.sql"))
    return tuple((str(p), p.stat().st_mtime_ns) for p in files)


@st.cache_resource(show_spinner=False)
def _catalogue(signature: tuple) -> Catalogue:
    return Catalogue.load()


@st.cache_data(show_spinner=False)
def _coverage(_db: Database, path: str, version: int) -> Coverage:
    return _db.coverage()


@st.cache_data(show_spinner=False)
def _segmentations(_db: Database, path: str, version: int) -> list[str]:
    return segmentations(_db)


@st.cache_data(show_spinner=False)
def _cohort_markers(_db: Database, path: str, version: int) -> list[tuple[date, str]]:
    return cohort_starts(_db)


def sql_hash(measure: Measure) -> str:
    """Part of every cache key of a measure's results: an edited SQL file is computed afresh."""
    return hashlib.sha1(measure.sql.encode()).hexdigest()


@st.cache_data(show_spinner=False, max_entries=2000)
def _run(_db: Database, _measure: Measure, path: str, version: int, name: str, sql_sha1: str,
         grain: str, by: str, start: date, end: date, min_group_size: int) -> MeasureResult:
    return run_measure(_db, _measure, grain=grain, by=by, start=start, end=end,
                       min_group_size=min_group_size)


@st.cache_data(show_spinner=False, max_entries=200)
def _run_many(_db: Database, _measures: list[Measure], path: str, version: int, names: tuple,
              grain: str, by: str, start: date, end: date, min_group_size: int) -> list[MeasureResult]:
    return run_measures(_db, _measures, grain=grain, by=by, start=start, end=end, min_group_size=min_group_size)


def setup_command(path: Path) -> str:
    """The command that builds the demo database at `path`."""
    if path == DEFAULT_DB:
        return "python -m lookdown demo"
    return f"python -m lookdown --db {path} demo"


def start_serving() -> None:
    """Open the database and the catalogue, and start watching the inbox, before anyone visits
    (serve.py calls it as the server starts). Whatever fails here, the first page visited says."""
    path = default_db_path()
    if not path.exists():
        return
    try:
        _database(str(path))
        _catalogue(_catalogue_signature())
    except (DatabaseBusy, CatalogueError):
        return
    _inbox_watcher(str(path), inbox_seconds())


def open_data() -> PageData:
    """The database and what it holds; stops the page with guidance when there is no database."""
    path = default_db_path()
    if not path.exists():
        st.warning(f"There is no Lookdown database at `{path}` yet.", icon=":material/database_off:")
        st.markdown(
            "Build the demo organisation (1,500 people over three years) to look around, "
            "by running this in the Lookdown folder:"
        )
        st.code(setup_command(path), language="bash")
        st.markdown(
            "Then reload this page. To use another database file, set the `LOOKDOWN_DB` "
            "environment variable to its path before starting the app."
        )
        st.stop()
    try:
        db = _database(str(path))
    except DatabaseBusy as exc:
        st.error(str(exc), icon=":material/lock:")
        st.stop()
    try:
        catalogue = _catalogue(_catalogue_signature())
    except CatalogueError as exc:
        st.error("The measure files in `measures/` have problems, so no figures can be shown:\n\n"
                 + "\n".join(f"- {problem}" for problem in exc.problems), icon=":material/error:")
        st.stop()
    version = db.data_version()
    return PageData(
        db=db,
        path=str(path),
        version=version,
        min_group_size=db.min_group_size,
        coverage=_coverage(db, str(path), version),
        catalogue=catalogue,
        inbox=_inbox_watcher(str(path), inbox_seconds()),
        actor=auth.current(),
    )


def page_segmentations(data: PageData) -> list[str]:
    return _segmentations(data.db, data.path, data.version)


def cohort_markers(data: PageData) -> list[tuple[date, str]]:
    """When each pilot cohort started, for the charts."""
    return _cohort_markers(data.db, data.path, data.version)


def measure_result(data: PageData, measure: Measure, *, grain: str, by: str, start: date,
                   end: date) -> MeasureResult:
    """`run_measure`, cached; organisation-wide measures are never split (by becomes 'none')."""
    if not measure.segmentable:
        by = "none"
    return _run(data.db, measure, data.path, data.version, measure.name, sql_hash(measure), grain, by,
                start, end, data.min_group_size)


def measure_results(data: PageData, measures: list[Measure], *, grain: str, by: str, start: date,
                    end: date) -> dict[str, MeasureResult]:
    """Several measures computed side by side and cached together (a page's first view after a
    load computes a dozen); organisation-wide measures are never split, as in `measure_result`."""
    results: dict[str, MeasureResult] = {}
    for split in sorted({by, "none"}):
        chosen = [m for m in measures if (by if m.segmentable else "none") == split]
        if not chosen:
            continue
        names = tuple((m.name, sql_hash(m)) for m in chosen)
        batch = _run_many(data.db, chosen, data.path, data.version, names, grain, split, start, end,
                          data.min_group_size)
        results.update(zip((m.name for m in chosen), batch))
    return results


@st.cache_resource(show_spinner=False, max_entries=500)
def _pair_figure(_cost: MeasureResult, _driver: MeasureResult | None, key: tuple):
    return pair_figure(_cost, _driver, markers=key[-3], empty_tables=key[-2], currency=key[-1])


def pair_chart(data: PageData, cost: MeasureResult, driver: MeasureResult | None,
               markers: list[tuple[date, str]], currency: str):
    """The figure of a cost and its driver, built once per data version and view.

    Kept as a resource (not copied on each use): a figure is only read when drawn.
    """
    key = tuple(
        (r.measure.name, sql_hash(r.measure), r.grain, r.by, r.start, r.end,
         r.min_group_size) if r is not None else None
        for r in (cost, driver)
    ) + (data.path, data.version, tuple(markers), tuple(data.coverage.empty_tables), currency)
    return _pair_figure(cost, driver, key)
