"""The line at the top of every page: what data is loaded, what is missing, what is hidden."""
from __future__ import annotations

from datetime import date

import streamlit as st

from lookdown.contract import TABLE_LABELS as SOURCE_LABELS
from ui.data import PageData


def long_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def banner_text(data: PageData) -> str:
    coverage = data.coverage
    if coverage.start is None:
        loaded = "**Nothing is loaded yet**: no dated rows in any table."
    else:
        loaded = f"**Data from** {long_date(coverage.start)} **to** {long_date(coverage.end)}"
    parts = [loaded]
    empty = coverage.empty_tables
    if empty:
        names = ", ".join(f"{SOURCE_LABELS.get(t, t)} (`{t}`)" for t in empty)
        parts.append(f"**No rows yet in** {names}: measures that read them show no figures")
    parts.append(
        f"**Privacy:** figures about fewer than {data.min_group_size} people are hidden"
    )
    if data.db.read_only:
        parts.append(f"**Read-only:** {data.db.read_only_reason}, so nothing can be imported or saved")
    return " · ".join(parts)


def banner(data: PageData) -> None:
    st.info(banner_text(data), icon=":material/database:")
