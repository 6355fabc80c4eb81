"""The Upload and Data pages' words and charts for what is loaded: table and file-kind labels,
gaps in coverage as sentences and as a month-by-month strip, upload menus, rejected rows as a
count and as the CSV users download, and one sentence per imported file."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lookdown.contract import TABLE_LABELS
from lookdown.ingest import FileReport
from lookdown.periods import month_starts
from lookdown.present.labels import FILE_KIND_LABELS, heading, month_label
from lookdown.present.safe_text import markdown_text, spreadsheet_csv
from lookdown.queries.inventory import DATED_TABLES, gaps


def gaps_text(coverage: pd.DataFrame) -> list[str]:
    """One sentence per table with gaps, for the page."""
    lines = []
    for table, months in gaps(coverage).items():
        shown = ", ".join(month_label(m) for m in months[:12])
        more = f" and {len(months) - 12} more" if len(months) > 12 else ""
        noun = "month" if len(months) == 1 else "months"
        lines.append(f"{heading(TABLE_LABELS[table])} (`{table}`): no rows in {len(months)} {noun} "
                     f"between its first and last: {shown}{more}.")
    return lines


def coverage_figure(coverage: pd.DataFrame) -> go.Figure:
    """A strip per table, one cell per month: darker for more rows, red for a month with none
    between the table's first and last month, blank outside them."""
    tables = [t for t in DATED_TABLES if t in set(coverage["table"])]
    months = month_starts(min(coverage["month"]), max(coverage["month"])) if tables else []
    x = [m.isoformat() for m in months]
    y = [heading(TABLE_LABELS[t]) for t in tables]
    rows = {(t, m): (n, g) for t, m, n, g in coverage.itertuples(index=False)}
    z, z_gap, text = [], [], []
    for table in tables:
        z.append([rows[(table, m)][0] if (table, m) in rows and not rows[(table, m)][1] else None
                  for m in months])
        z_gap.append([1 if rows.get((table, m), (0, False))[1] else None for m in months])
        text.append([
            (f"{rows[(table, m)][0]:,} rows" if not rows[(table, m)][1] else "no rows: a gap")
            if (table, m) in rows else "outside this table's dates"
            for m in months
        ])
    hover = "%{y}<br>%{x|%b %Y}: %{customdata}<extra></extra>"
    figure = go.Figure([
        go.Heatmap(x=x, y=y, z=z, customdata=text, hovertemplate=hover, colorscale="Blues",
                   colorbar={"title": {"text": "rows"}, "thickness": 12}, xgap=2, ygap=4, name="rows"),
        go.Heatmap(x=x, y=y, z=z_gap, customdata=text, hovertemplate=hover,
                   colorscale=[[0, "#cf222e"], [1, "#cf222e"]], showscale=False, xgap=2, ygap=4, name="gaps"),
    ])
    figure.update_layout(
        height=90 + 44 * max(len(tables), 1), margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"type": "date", "dtick": "M3", "tickformat": "%b\n%Y", "showgrid": False},
        yaxis={"autorange": "reversed", "showgrid": False},
        meta={"tables": tables, "months": x},
    )
    return figure


def upload_label(row) -> str:
    """'#5 training.csv (training records, 2 rows, loaded 3 Mar 2025 14:02)' for menus."""
    tables = row["tables"] if isinstance(row, dict) else row.tables
    rows_now = row["rows_now"] if isinstance(row, dict) else row.rows_now
    loaded_at = row["loaded_at"] if isinstance(row, dict) else row.loaded_at
    upload_id = row["upload_id"] if isinstance(row, dict) else row.upload_id
    file = row["file"] if isinstance(row, dict) else row.file
    into = ", ".join(TABLE_LABELS.get(t, t) for t in tables.split(", ") if t) or "nothing left"
    when = f", loaded {loaded_at.day} {loaded_at:%b %Y %H:%M}" if loaded_at is not None else ""
    rows = "row" if rows_now == 1 else "rows"
    return f"#{upload_id} {file} ({into}, {rows_now:,} {rows}{when})"


def contents_text(contents: dict[str, int]) -> str:
    if not contents:
        return "no rows (a newer export replaced them all)"
    parts = []
    for table, n in contents.items():
        rows = "row" if n == 1 else "rows"
        what = f"rejected {rows}" if table == "quarantine" else f"{rows} of {TABLE_LABELS.get(table, table)}"
        parts.append(f"{n:,} {what}")
    return ", ".join(parts)


REJECTED_COLUMNS = ["file", "line", "column", "value", "reason"]


def rejected_count(rejected: pd.DataFrame) -> str:
    """How many rows a list from rejected_rows holds: it has one line per problem and a row can
    have several, so '2' or '2 rows, with 3 problems'. A problem without a line is its own row."""
    lines = rejected.dropna(subset=["line"]).drop_duplicates(["upload_id", "line"])
    rows = len(lines) + int(rejected["line"].isna().sum())
    plural = "row" if rows == 1 else "rows"
    if rows == len(rejected):
        return f"{rows:,} {plural}"
    return f"{rows:,} {plural}, with {len(rejected):,} problems (one per line)"


def rejected_csv(frame: pd.DataFrame) -> bytes:
    """The rejected rows as the CSV users download: file, line, column, value, reason (text that
    would run as a formula escaped: a rejected value can be anything)."""
    return spreadsheet_csv(frame[REJECTED_COLUMNS]).encode("utf-8")


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def report_sentence(report: FileReport) -> str:
    """One line per file, in words (Markdown: the file's name and the reason shown as text)."""
    file = markdown_text(report.file)
    if report.kind == "needs_mapping":  # only files imported without the Upload page's mapping step
        return (f"**{file}**: not loaded. {markdown_text(report.reason)} To map it once, upload its first lines "
                "on the Upload page and save the mapping: files with the same columns are then read with it.")
    if not report.succeeded:
        return f"**{file}**: not loaded. {markdown_text(report.reason)}"
    into = TABLE_LABELS.get(report.table or "", report.table)
    parts = [f"{_rows(report.loaded)} loaded", f"{report.rejected:,} rejected",
             f"{report.duplicates_skipped:,} already loaded (skipped)"]
    if report.updated:
        parts.append(f"{report.updated:,} of the loaded rows changed rows already there")
    if report.replaced:
        parts.append(f"{_rows(report.replaced)} of an older export of the same source replaced")
    return f"**{file}** → {into}: " + ", ".join(parts) + "."


def report_frame(reports: list[FileReport]) -> pd.DataFrame:
    """The per-file result table."""
    rows = []
    for r in reports:
        ok = r.succeeded
        rows.append({
            "file": r.file,
            "read as": FILE_KIND_LABELS.get(r.kind, r.kind),
            "into": TABLE_LABELS.get(r.table or "", r.table or ""),
            "loaded": r.loaded if ok else None,
            "rejected": r.rejected if ok else None,
            "duplicates skipped": r.duplicates_skipped if ok else None,
            "updated": r.updated if ok else None,
            "replaced": r.replaced if ok else None,
            "result": "loaded" if ok else (r.reason or "not loaded"),
        })
    frame = pd.DataFrame(rows)
    for column in ("loaded", "rejected", "duplicates skipped", "updated", "replaced"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame
