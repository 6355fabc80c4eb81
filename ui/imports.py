"""Streamlit glue for the Upload and Data pages: file detections (cached), the column mapping
form, the import run with its progress bar, the per-file results, the settings widgets and the
inventory of what is loaded (cached by data version, like every other result).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lookdown.contract import TABLE_LABELS, TEMPLATES
from lookdown.ingest import Detection, FileReport, import_files, inspect_file, save_mapping, suggest_mapping
from lookdown.ingest import remove_upload as remove_from_database
from lookdown.ingest.importer import mask
from lookdown.ingest.limits import ImportCancelled
from lookdown.ingest.readers import Item, pair
from lookdown.ingest.sources import Source
from lookdown.present.inventory import (
    REJECTED_COLUMNS,
    contents_text,
    rejected_count,
    rejected_csv,
    report_frame,
    report_sentence,
)
from lookdown.present.labels import FILE_KIND_LABELS
from lookdown.present.safe_text import markdown_text
from lookdown.queries import inventory
from lookdown.store import SMALLEST_ALLOWED_GROUP_SIZE, Database, audit
from ui import auth
from ui.banner import long_date
from ui.data import PageData

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "zip", "xml"]
NOT_IN_FILE = "(not in this file)"
RESULTS_KEY = "import_results"
ROUND_KEY = "upload_round"
INBOX_REDRAW_SECONDS = 2.0  # how often the inbox section is redrawn while the app watches it
INBOX_SHOWN = 10  # automatic imports listed


# -- Detection ---------------------------------------------------------------------------------


def session_gone() -> Callable[[], bool]:
    """Whether the browser session running this page has gone (its tab closed, or it navigated
    away): the `cancelled` of an import or preview it started, which then stops at once instead of
    keeping a core busy for nobody. Streamlit drops a session from its active ones the moment its
    connection closes. Never true outside a running server (AppTest, bare mode)."""
    context = get_script_run_ctx()
    if context is None or not Runtime.exists():
        return lambda: False
    runtime, session_id = Runtime.instance(), context.session_id
    return lambda: not runtime.is_active_session(session_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _detect(_db: Database, _data: bytes, _companion: bytes | None, name: str, digest: str,
            companion_digest: str | None, timezone: str, mappings: tuple) -> Detection:
    return inspect_file(_data, name, db=_db, timezone=timezone, companion=_companion, cancelled=session_gone())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def detect(data: PageData, item: Item) -> Detection:
    """What the file is and what loading it would do (cached per content, time zone and saved
    mappings; nothing is written)."""
    companion = item.companion.data if item.companion is not None else None
    return _detect(data.db, item.source.data, companion, item.source.name, _digest(item.source.data),
                   _digest(companion) if companion is not None else None, inventory.timezone(data.db),
                   inventory.mappings_stamp(data.db))


def pending_items(files) -> list[Item]:
    """The uploaded files as import items: Users.csv/Users.xml paired with the file they describe."""
    return pair([Source(f.name, f.getvalue()) for f in files])


def _label(table: str | None) -> str:
    return TABLE_LABELS.get(table or "", table or "")


def _range_text(detection: Detection) -> str:
    if detection.date_range is None:
        return "no dates"
    lo, hi = detection.date_range
    return f"{long_date(lo)} to {long_date(hi)}"


def show_detection(data: PageData, index: int, item: Item, detection: Detection) -> None:
    """One file's card: what Lookdown recognised, or the mapping form, or why it cannot read it."""
    with st.container(border=True):
        title = f"**{markdown_text(item.source.name)}**"
        if item.companion is not None:
            title += f" (read together with **{markdown_text(item.companion.name)}**)"
        st.markdown(title)
        if detection.kind == "needs_mapping":
            mapping_form(data, index, detection)
            return
        if not detection.understood:
            st.error(f"Lookdown cannot load this file: {markdown_text(detection.reason)}", icon=":material/block:")
            return
        kind = FILE_KIND_LABELS.get(detection.kind, detection.kind)
        st.markdown(f"Read as **{kind}**, into the **{_label(detection.table)}** (`{detection.table}`).")
        if detection.kind == "mapped":
            saved = inventory.mapping_saved_on(data.db, detection.headers)
            when = f"{long_date(saved.date())} at {saved:%H:%M}" if saved else "earlier"
            st.caption(f"Using the column mapping saved on {when} for files with these headers.")
        rows, rejected, dates = st.columns([1, 1, 2])
        rows.metric("Rows to load", f"{detection.rows:,}")
        rejected.metric("Rows to reject", f"{detection.rejected:,}")
        dates.metric("Dates", _range_text(detection))
        for notice in detection.notices:
            st.info(markdown_text(notice), icon=":material/info:")
        used = {h: c for h, c in detection.mapping.items() if c}
        ignored = [h for h in detection.headers if h not in used]
        if used and detection.table in TEMPLATES:
            if all(h.strip().lower() == c for h, c in used.items()):
                st.markdown("Columns: " + ", ".join(f"`{c}`" for c in used.values()))
            else:
                st.markdown("Columns: " + ", ".join(f"{markdown_text(h, code=True)} → `{c}`" for h, c in used.items()))
            if ignored:
                st.caption("Not used: " + ", ".join(markdown_text(h, code=True) for h in ignored))
        preview = detection.preview
        empty = [c for c in preview.columns if c != "line" and preview[c].isna().all()]
        st.caption("The first rows as they would be loaded (person identifiers masked)"
                   + (f"; empty in these rows: {', '.join(empty)}:" if empty else ":"))  # template columns
        st.dataframe(preview.drop(columns=empty), hide_index=True)
        if detection.rejected:
            st.caption(f"The first of the {detection.rejected:,} rows that would be rejected, and why:")
            st.dataframe(detection.problems.rename(columns={"column_name": "column"}), hide_index=True)


def _mapping_problems(table: str, mapping: dict[str, str]) -> list[str]:
    template = TEMPLATES[table]
    chosen = list(mapping.values())
    problems = [f"Choose the column that holds **{c}** (required)." for c in template.required if c not in chosen]
    for group in template.one_of:
        if not set(group) & set(chosen):
            problems.append(f"Choose a column for at least one of **{' or '.join(group)}**.")
    return problems


def mapping_form(data: PageData, index: int, detection: Detection) -> None:
    """For an export with its own headers: which of its columns holds each template column.

    The guesses are preselected; saving stores the mapping, and every later file with the same
    headers is read with it without asking again."""
    st.warning("Lookdown does not know these columns. Say which column holds what, then save the "
               "mapping: it is reused for every later file with the same headers.", icon=":material/rule:")
    preview_box = st.container()
    tables = list(TEMPLATES)
    table = st.selectbox(
        "Load it into", tables, index=tables.index(detection.table) if detection.table in tables else 0,
        format_func=lambda t: f"{_label(t)} ({t}.csv)", key=f"map-{index}-table",
        help="The template this file matches best is preselected.",
    )
    guess = detection.mapping if table == detection.table else suggest_mapping(detection.headers, table)
    by_column = {c: h for h, c in guess.items() if c}
    template = TEMPLATES[table]
    options = [NOT_IN_FILE, *detection.headers]
    mapping: dict[str, str] = {}
    clashes: dict[str, list[str]] = {}
    columns = st.columns(3)
    for j, column in enumerate(template.columns):
        default = by_column.get(column.name)
        label = column.name + (" (required)" if column.required else "")
        with columns[j % 3]:
            header = st.selectbox(
                label, options, index=options.index(default) if default in options else 0,
                key=f"map-{index}-{table}-{column.name}", help=column.help or None,
            )
        if header != NOT_IN_FILE:
            clashes.setdefault(header, []).append(column.name)
            mapping[header] = column.name
    problems = _mapping_problems(table, mapping)
    for header, names in clashes.items():
        if len(names) > 1:
            problems.append(f"{markdown_text(header, code=True)} is chosen for {', '.join(names)}: one column each.")
    one_of = "; ".join(f"one of {' or '.join(g)}" for g in template.one_of)
    st.caption("Required: " + ", ".join(template.required) + (f"; {one_of}" if one_of else "")
               + ". Columns left as " + NOT_IN_FILE + " stay empty; file columns not chosen are ignored.")
    with preview_box:
        identifiers = {h for h, c in mapping.items() if template.column(c).identifier}
        preview = detection.preview.copy()
        for header in preview.columns:
            if header in identifiers:
                preview[header] = preview[header].map(mask)
        st.caption("The first rows of the file (person identifiers masked):")
        st.dataframe(preview, hide_index=True)
    for problem in problems:
        st.error(problem, icon=":material/error:")
    if st.button("Save this mapping", key=f"map-{index}-save", disabled=bool(problems), icon=":material/save:"):
        with auth.acting():
            save_mapping(data.db, detection.headers, table, mapping)
        st.rerun()


# -- Import ------------------------------------------------------------------------------------


@dataclass
class ImportRun:
    """The result of the last load, kept for the visit so it survives the rerun after loading."""

    reports: list[FileReport]
    origin: str  # "upload" or "inbox"
    moved: dict[str, list[str]] = field(default_factory=dict)  # inbox: file -> where it went

    @property
    def upload_ids(self) -> list[int]:
        return [r.upload_id for r in self.reports if r.upload_id is not None]


def _progress_bar():
    """One bar for an import: how much of each file is read, then how many rows are written.
    Returns the two callbacks import_files takes (progress, reading)."""
    bar = st.progress(0.0, text="Reading the files…")

    def written(done: int, total: int) -> None:
        share = done / total if total else 1.0
        bar.progress(min(share, 1.0), text=f"{done:,} of {total:,} rows written")

    def reading(name: str, share: float) -> None:
        bar.progress(min(share, 1.0), text=f"Checking {name}…" if share >= 1 else f"Reading {name}: {share:.0%}")

    return written, reading


def load_files(data: PageData, items: list[Item]) -> None:
    """Import the items with a progress bar, keep the result, start a fresh upload box and
    rerun so every cached figure (keyed by data version) is recomputed."""
    sources: list[Source] = []
    for item in items:
        sources.append(item.source)
        if item.companion is not None:
            sources.append(item.companion)
    written, reading = _progress_bar()
    try:
        with auth.acting():
            reports = import_files(data.db, sources, timezone=inventory.timezone(data.db), progress=written,
                                   reading=reading, cancelled=session_gone())
    except ImportCancelled:  # nobody is there to see it: the file being written was rolled back
        st.stop()
    st.session_state[RESULTS_KEY] = ImportRun(reports, "upload")
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
    st.rerun()


def load_inbox(data: PageData) -> None:
    written, reading = _progress_bar()
    try:
        with auth.acting():
            results = data.inbox.import_now(progress=written, reading=reading, cancelled=session_gone())
    except ImportCancelled:  # the files stay in the inbox, for the watcher or the next visit
        st.stop()
    moved = {r.report.file: [str(p) for p in r.moved] for r in results}
    st.session_state[RESULTS_KEY] = ImportRun([r.report for r in results], "inbox", moved)
    st.rerun()


def inbox_section(data: PageData) -> None:
    """The inbox: what waits there, what the app imported from it on its own, and a button to
    import now. Redrawn every few seconds while the app watches the folder."""
    watching = data.inbox.watching
    st.fragment(_inbox_section, run_every=INBOX_REDRAW_SECONDS if watching else None)(data)


def _inbox_section(data: PageData) -> None:
    watcher = data.inbox
    folder = watcher.folder
    st.subheader("Larger exports: the inbox folder")
    if watcher.watching:
        every = "second" if watcher.every == 1 else f"{watcher.every:g} seconds"
        how = (f"while the app runs it looks there every {every} and imports each file once its copy has "
               "finished")
    else:
        how = "press the button below to import each file"
    st.caption(
        f"Copy exports into `{folder}`: {how}, as if uploaded here. Each is then moved to `done/` "
        "(loaded, even when some rows were rejected) or `failed/` (not loaded: the reason is shown) "
        "inside that folder. Rejected rows are listed, and can be downloaded, on the Data page."
    )
    waiting = watcher.waiting()
    if waiting:
        st.markdown(f"**Waiting in `{folder}`:** " + ", ".join(
            f"{markdown_text(p.name, code=True)} ({size / 1e6:,.1f} MB)" for p, (size, _) in waiting.items()))
    else:
        st.markdown(f"No files are waiting in `{folder}`.")
    if watcher.error:
        st.error(f"The last look into the inbox failed: {markdown_text(watcher.error)}", icon=":material/error:")
    if watcher.imported:
        st.markdown(f"**Imported from the inbox while the app ran** (the last {INBOX_SHOWN} at most, "
                    "newest first):")
        for when, result in list(reversed(watcher.imported))[:INBOX_SHOWN]:
            moved = ", ".join(markdown_text(p.relative_to(folder).as_posix(), code=True) for p in result.moved)
            line = f"{when:%d %b %Y %H:%M:%S}: {report_sentence(result.report)} Moved to {moved}."
            if result.report.succeeded:
                st.caption(line)
            else:
                st.error(line, icon=":material/error:")
    if st.button(f"Import files waiting in {folder}/ now", disabled=not waiting, key="inbox",
                 icon=":material/move_to_inbox:"):
        load_inbox(data)


def show_results(data: PageData, run: ImportRun) -> None:
    st.subheader("What the last load did")
    for report in run.reports:
        sentence = report_sentence(report)
        if not report.succeeded:
            st.error(sentence, icon=":material/error:")
        elif report.rejected:
            st.warning(sentence, icon=":material/warning:")
        else:
            st.success(sentence, icon=":material/check_circle:")
        for notice in report.notices:
            st.caption(markdown_text(f"{report.file}: {notice}"))
        for path in run.moved.get(report.file, []):
            st.caption(f"Moved to {markdown_text(path, code=True)}.")
    st.dataframe(report_frame(run.reports), hide_index=True)
    rejected = inventory.rejected_rows(data.db, run.upload_ids)
    if rejected.empty:
        return
    st.markdown(f"**Rejected**: {rejected_count(rejected)}. Fix them in the file and load it "
                "again; rows already loaded are recognised and not counted twice.")
    st.dataframe(rejected[REJECTED_COLUMNS], hide_index=True)
    st.download_button("Download the rejected rows (CSV)", rejected_csv(rejected),
                       file_name="rejected_rows.csv", mime="text/csv", icon=":material/download:",
                       key="download-rejected")


# -- Settings ----------------------------------------------------------------------------------


def _save_timezone(db: Database, key: str) -> None:
    with auth.acting():
        inventory.set_timezone(db, st.session_state[key])


def timezone_setting(data: PageData, key: str, label: str = "Time zone of chat exports") -> str:
    zones = inventory.time_zones()
    current = inventory.timezone(data.db)
    return st.selectbox(
        label, zones, index=zones.index(current) if current in zones else 0, key=key,
        on_change=_save_timezone, args=(data.db, key), disabled=data.db.read_only or not data.can_edit,
        help="Chat exports (Slack, Viva Engage, Stack Exchange) record moments in UTC. Lookdown counts "
             "each message on the day it was where your organisation works. Saved for later imports; "
             "files already loaded keep the days they were loaded with.",
    )


def _save_group_size(db: Database, key: str) -> None:
    with auth.acting():
        inventory.set_min_group_size(db, st.session_state[key])


def group_size_setting(data: PageData, key: str) -> int:
    return st.number_input(
        "Minimum group size", min_value=SMALLEST_ALLOWED_GROUP_SIZE, max_value=100, step=1,
        value=data.min_group_size, key=key, on_change=_save_group_size, args=(data.db, key),
        disabled=data.db.read_only or not data.can_edit,
        help=f"Figures about fewer people than this are hidden. Never below {SMALLEST_ALLOWED_GROUP_SIZE}: "
             "smaller groups would let readers recognise individuals.",
    )


# -- The inventory, cached by data version -------------------------------------------------------


_INVENTORY = {
    "coverage": inventory.monthly_coverage,
    "tables": lambda db: inventory.table_summary(db, inventory.monthly_coverage(db)),
    "uploads": inventory.uploads,
    "identity": inventory.identity_coverage,
}


@st.cache_data(show_spinner=False)
def _inventory(_db: Database, path: str, version: int, what: str):
    return _INVENTORY[what](_db)


def coverage(data: PageData) -> pd.DataFrame:
    return _inventory(data.db, data.path, data.version, "coverage")


def tables(data: PageData) -> pd.DataFrame:
    return _inventory(data.db, data.path, data.version, "tables")


def uploads(data: PageData) -> pd.DataFrame:
    return _inventory(data.db, data.path, data.version, "uploads")


def identity(data: PageData) -> inventory.IdentityCoverage:
    return _inventory(data.db, data.path, data.version, "identity")


@st.cache_data(show_spinner=False)
def _rejected(_db: Database, path: str, version: int) -> pd.DataFrame:
    return inventory.rejected_rows(_db)


def rejected(data: PageData) -> pd.DataFrame:
    return _rejected(data.db, data.path, data.version)


# -- Removing an upload ---------------------------------------------------------------------------


def upload_contents_text(data: PageData, upload_id: int) -> str:
    """What removing the upload deletes, in words: '2 rows of training records, 1 rejected row'."""
    return contents_text(inventory.upload_contents(data.db, upload_id))


def remove_upload(data: PageData, upload_id: int) -> dict[str, int]:
    """Delete the upload and everything that came from it; the rows deleted per table."""
    with auth.acting():
        return remove_from_database(data.db, upload_id)


def audit_trail(data: PageData) -> pd.DataFrame:
    """Who changed what, latest first (never a value from an uploaded file)."""
    return audit.trail(data.db)
