"""Cached analyses for the analysis pages (explore, pilot vs rest, money, knowledge flow).

Each result is kept once per process and view, keyed like the measure results in ui/data.py: the
database file, its data version (so a new upload never shows stale figures), the measure and its
SQL, and every choice that shapes the result. The results are read-only, so they are kept as
resources (not copied on every use).
"""
from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from lookdown.analysis import knowledge_flow, lagged_correlation, trend_by_segment
from lookdown.analysis.assumptions_store import load_assumptions
from lookdown.analysis.department_cohort import compare_departments, departments
from lookdown.analysis.runs import cohorts, compare_cohort, per_head
from lookdown.analysis_charts import in_currency
from lookdown.measures import Measure
from lookdown.overview import next_period, whole_periods
from ui.data import PageData, measure_result, sql_hash


def _key(data: PageData, *parts) -> tuple:
    return (data.path, data.version, data.min_group_size) + parts


def currency(data: PageData) -> str:
    """The currency the organisation's money is in: a money assumption, saved with the data."""
    return load_assumptions(data.db).assumptions.currency


def months(data: PageData) -> list[date]:
    """The first day of every month loaded."""
    found, month = [], data.coverage.start.replace(day=1)
    while month <= data.coverage.end:
        found.append(month)
        month = next_period(month, "month")
    return found


def month_range(data: PageData, first: date, last: date, grain: str) -> tuple[date, date] | None:
    """Whole periods of `grain` from the first month to the end of the last one, within the data."""
    start = max(first, data.coverage.start)
    end = min(next_period(last, "month") - timedelta(days=1), data.coverage.end)
    return whole_periods(start, end, grain)


def whole_range(data: PageData, grain: str) -> tuple[date, date] | None:
    """Every whole period of `grain` loaded: a part-covered first or last one would read as a dip."""
    return whole_periods(data.coverage.start, data.coverage.end, grain)


# -- trends ------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=300)
def _trends(_data: PageData, _measure: Measure, key: tuple):
    *_, grain, by, start, end, unit = key
    result = measure_result(_data, _measure, grain=grain, by=by, start=start, end=end)
    heads = per_head(_measure) and result.by != "none"
    words = f"{unit} per person" if heads else unit
    return result, trend_by_segment(result, per_head=heads, unit=words), heads


def trends(data: PageData, measure: Measure, *, grain: str, by: str, start: date, end: date, unit: str):
    """(guarded result, verdict per segment, per_head): the same as `measure_trends`, cached."""
    return _trends(data, measure, _key(data, measure.name, sql_hash(measure), grain, by, start, end, unit))


# -- lagged correlation ------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=300)
def _lag(_data: PageData, _driver: Measure, _outcome: Measure, key: tuple):
    *_, grain, start, end, max_lag = key
    driver = measure_result(_data, _driver, grain=grain, by="none", start=start, end=end)
    outcome = measure_result(_data, _outcome, grain=grain, by="none", start=start, end=end)
    return lagged_correlation(driver.frame, outcome.frame, max_lag, grain=grain)


def lag(data: PageData, driver: Measure, outcome: Measure, *, grain: str, start: date, end: date,
        max_lag: int = 6):
    """Correlation of the outcome with the driver 0..max_lag periods earlier, whole organisation."""
    return _lag(data, driver, outcome, _key(data, driver.name, sql_hash(driver), outcome.name,
                                            sql_hash(outcome), grain, start, end, max_lag))


# -- pilot comparisons -------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def _cohorts(_data: PageData, key: tuple) -> list[tuple[str, date]]:
    return cohorts(_data.db)


def cohort_list(data: PageData) -> list[tuple[str, date]]:
    """The loaded pilot cohorts and their start dates, earliest first."""
    return _cohorts(data, _key(data))


@st.cache_data(show_spinner=False)
def _departments(_data: PageData, key: tuple) -> list[str]:
    return departments(_data.db)


def department_list(data: PageData) -> list[str]:
    return _departments(data, _key(data))


@st.cache_resource(show_spinner=False, max_entries=300)
def _comparison(_data: PageData, _measure: Measure, key: tuple):
    *_, cohort, grain, start, end = key
    return compare_cohort(_data.db, _measure, cohort=cohort, grain=grain, start=start, end=end)


def comparison(data: PageData, measure: Measure, *, cohort: str, grain: str, start: date, end: date,
               currency_code: str):
    """`compare_cohort` for a loaded cohort, its sentences in the organisation's currency."""
    shown = in_currency(measure, currency_code)
    return _comparison(data, shown, _key(data, measure.name, sql_hash(measure), shown.unit, cohort,
                                         grain, start, end))


@st.cache_resource(show_spinner=False, max_entries=300)
def _department_comparison(_data: PageData, _measure: Measure, key: tuple):
    *_, chosen, start_on, grain, start, end = key
    return compare_departments(_data.db, _measure, list(chosen), start_on=start_on, grain=grain,
                               start=start, end=end)


def department_comparison(data: PageData, measure: Measure, chosen: list[str], *, start_on: date,
                          grain: str, start: date, end: date, currency_code: str):
    """`compare_departments` for a pilot group chosen on the page."""
    shown = in_currency(measure, currency_code)
    return _department_comparison(data, shown, _key(data, measure.name, sql_hash(measure), shown.unit,
                                                    tuple(sorted(chosen)), start_on, grain, start, end))


# -- knowledge flow ----------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=100)
def _flow(_data: PageData, key: tuple):
    *_, start, end = key
    return knowledge_flow(_data.db, start=start, end=end, min_group_size=_data.min_group_size)


def flow(data: PageData, *, start: date, end: date):
    return _flow(data, _key(data, start, end))


__all__ = ["cohort_list", "comparison", "currency", "department_comparison", "department_list", "flow",
           "lag", "month_range", "months", "trends", "whole_range"]
