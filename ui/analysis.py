"""Cached analyses for the analysis pages (explore, pilot vs rest, money, knowledge flow).

Each result is kept once per process and view, keyed like the measure results in ui/data.py: the
database file, its data version (so a new upload never shows stale figures), the measure and its
SQL, and every choice that shapes the result. The results are read-only, so they are kept as
resources (not copied on every use).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from lookdown.analysis import CohortComparison, lagged_correlation, trend_by_segment
from lookdown.analysis.money import Assumptions, RoiResult, roi
from lookdown.analysis.pilot_value import (
    COUNTED,
    MeasureBenefit,
    counted_benefits,
    measure_benefits,
    value_formula,
    valued_measures,
)
from lookdown.findings import (
    NOT_ADDITIVE,
    can_combine,
    compare_cohort,
    compare_departments,
    department_groups,
    per_head,
)
from lookdown.measures import Measure
from lookdown.measures.flow import knowledge_flow
from lookdown.periods import month_starts, next_period, whole_periods
from lookdown.present.analysis_charts import in_currency
from lookdown.queries.assumptions import StoredAssumptions, load_assumptions, reset_assumptions, save_assumptions
from lookdown.queries.cohorts import cohorts
from lookdown.queries.settings import CURRENCIES, load_currency, save_currency
from ui import auth
from ui.data import PageData, measure_result, sql_hash


def _key(data: PageData, *parts) -> tuple:
    return (data.path, data.version, data.min_group_size) + parts


def currency(data: PageData) -> str:
    """The currency the organisation's money is in: a setting saved with the data."""
    return load_currency(data.db)


def set_currency(data: PageData, code: str) -> str:
    return save_currency(data.db, code)


def months(data: PageData) -> list[date]:
    """The first day of every month loaded."""
    return month_starts(data.coverage.start, data.coverage.end)


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
def _department_groups(_data: PageData, key: tuple) -> dict[str, tuple[str, ...]]:
    return department_groups(_data.db, min_group_size=_data.min_group_size)


def department_groups_shown(data: PageData) -> dict[str, tuple[str, ...]]:
    """The department groups a pilot can be made of (a department, or 'Smaller departments'),
    with the departments in each."""
    return _department_groups(data, _key(data))


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


# -- what the pilot is worth -------------------------------------------------------------------


def assumptions(data: PageData) -> StoredAssumptions:
    """The money assumptions saved with the data, or the documented defaults."""
    return load_assumptions(data.db)


def save_money_assumptions(data: PageData, edited: Assumptions) -> None:
    with auth.acting():
        save_assumptions(data.db, edited)


def reset_money_assumptions(data: PageData) -> None:
    with auth.acting():
        reset_assumptions(data.db)


@dataclass(frozen=True)
class PilotWorth:
    """The Phillips ROI of a cohort: each valued measure's comparison and benefit, and the result."""

    comparisons: dict[str, CohortComparison | None]
    items: list[MeasureBenefit]
    result: RoiResult

    @property
    def headcount(self) -> float | None:
        return next((item.headcount for item in self.items if item.headcount), None)


def pilot_worth(data: PageData, cohort: str, assumptions: Assumptions, *, only_clear: bool) -> PilotWorth:
    """Every valued measure compared month by month over every whole month loaded, then priced
    (with unit values in the organisation's currency: see `currency_problem`)."""
    span = whole_range(data, "month")
    currency = load_currency(data.db)
    comparisons = {
        m.name: comparison(data, m, cohort=cohort, grain="month", start=span[0], end=span[1],
                           currency_code=currency) if m.segmentable else None
        for m in valued_measures(data.catalogue)
    }
    items = measure_benefits(data.catalogue, comparisons, empty_tables=data.coverage.empty_tables,
                             only_clear=only_clear, currency=currency)
    return PilotWorth(comparisons, items, roi(counted_benefits(items), assumptions))


__all__ = [
    "COUNTED", "CURRENCIES", "NOT_ADDITIVE", "PilotWorth", "assumptions", "can_combine", "cohort_list", "comparison",
    "currency", "department_comparison", "department_groups_shown", "flow", "lag", "month_range", "months",
    "pilot_worth", "reset_money_assumptions", "save_money_assumptions", "set_currency", "trends", "value_formula",
    "whole_range",
]
