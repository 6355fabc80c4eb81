"""The controls shared by the pages: period, grain and segment.

Their values are kept for the whole visit, so moving between pages keeps the same view.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from lookdown.periods import GRAIN_NOUNS, GRAINS, next_period, whole_periods
from lookdown.present.labels import segment_label
from ui.banner import long_date
from ui.data import PageData, page_segmentations


@dataclass(frozen=True)
class Choice:
    """What the visitor asked to see. start and end cover whole periods of the grain."""

    grain: str
    by: str
    start: date
    end: date

    @property
    def grain_noun(self) -> str:
        return GRAIN_NOUNS[self.grain][0]


def month_starts(first: date, last: date) -> list[date]:
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_period(month, "month")
    return months


def _forget_stale(key: str, valid) -> None:
    """Drop a remembered value the current data no longer offers (e.g. after a new upload)."""
    if key in st.session_state and not valid(st.session_state[key]):
        del st.session_state[key]


def controls(data: PageData) -> Choice | None:
    """Draw the controls; None (with a message) when there is nothing to show."""
    coverage = data.coverage
    if coverage.start is None:
        st.warning("Nothing to show yet: load the demo or your own files first.")
        return None
    months = month_starts(coverage.start, coverage.end)
    options = page_segmentations(data)
    _forget_stale("period", lambda v: isinstance(v, (tuple, list)) and all(m in months for m in v))
    _forget_stale("by", lambda v: v in options)

    period_col, grain_col, by_col = st.columns([3, 1.4, 1.4], vertical_alignment="bottom")
    with period_col:
        if len(months) > 1:
            first, last = st.select_slider(
                "Period",
                options=months,
                value=(months[0], months[-1]),
                format_func=lambda m: f"{m:%b %Y}",
                key="period",
                persist_state="session",
                help="The months to look at. Figures compare the end of this period with its start.",
            )
        else:
            first = last = months[0]
            st.markdown(f"**Period:** {first:%B %Y} (the only month loaded)")
    with grain_col:
        grain = st.segmented_control(
            "View by",
            options=list(GRAINS),
            default="month",
            required=True,
            format_func=lambda g: GRAIN_NOUNS[g][0].capitalize(),
            key="grain",
            persist_state="session",
            help="Add the figures up by week, month or quarter.",
        )
    with by_col:
        by = st.selectbox(
            "Split by",
            options=options,
            format_func=segment_label,
            key="by",
            persist_state="session",
            help="Draw one line per group. Groups smaller than the minimum group size are hidden.",
        )

    start = max(first, coverage.start)
    end = min(next_period(last, "month") - timedelta(days=1), coverage.end)
    whole = whole_periods(start, end, grain)
    singular, plural = GRAIN_NOUNS[grain]
    if whole is None:
        st.warning(f"The chosen period holds no whole {singular}: choose a longer period or a shorter grain.")
        return None
    note = f"Showing whole {plural} only: {long_date(whole[0])} to {long_date(whole[1])}."
    if whole != (start, end):
        trimmed = []
        if whole[0] > start:
            trimmed.append(f"{long_date(start)} to {long_date(whole[0] - timedelta(days=1))}")
        if whole[1] < end:
            trimmed.append(f"{long_date(whole[1] + timedelta(days=1))} to {long_date(end)}")
        note += (f" Left out, as part of a {singular} only: {' and '.join(trimmed)}"
                 f" (a part-covered {singular} would look like a drop that never happened).")
    st.caption(note)
    return Choice(grain=grain, by=by, start=whole[0], end=whole[1])
