"""Measure results as period series for the analyses: regular period grids, seasonal keys,
statuses and JSON-safe dictionaries.

Every analysis treats a hidden (suppressed) cell as missing, never as zero.
"""
from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from lookdown.periods import PERIODS_PER_YEAR, check_grain

_STEP = {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}

# Seasonal adjustment needs at least two full cycles of data.
SEASON_MIN_PERIODS = {"month": 24, "quarter": 8, "week": 104}
SEASON_NAME = {"month": "calendar month", "quarter": "quarter of the year", "week": "week of the year"}

# Statuses of a pilot comparison and of a projection.
OK = "ok"
NO_PRE = "no pre-period"
NO_POST = "no post-period"
TOO_FEW = "too few periods"
SUPPRESSED = "suppressed"


def step(grain: str) -> pd.DateOffset:
    """One period's length, to step through period starts with pandas."""
    return _STEP[check_grain(grain)]


def infer_grain(periods) -> str:
    """The grain of a set of period starts, from the typical spacing between them."""
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Index(periods).unique())).sort_values()
    if len(stamps) < 2:
        raise ValueError("Cannot tell the grain from fewer than two periods; pass grain=.")
    days = float(np.median((stamps[1:] - stamps[:-1]) / pd.Timedelta(days=1)))
    if days <= 8:
        return "week"
    if days <= 40:
        return "month"
    if days <= 100:
        return "quarter"
    raise ValueError(f"Periods are {days:.0f} days apart; expected weeks, months or quarters.")


def as_series(data, *, segment: str | None = None, per_head: bool = False) -> pd.Series:
    """A float series indexed by period start from a series or a measure-result frame.

    A frame needs `period` and `value`; `suppressed` cells become missing; with `per_head` the
    value is divided by `people` (a cell with no or zero people becomes missing). With
    `segment`, only that segment's rows are used.
    """
    if isinstance(data, pd.Series):
        if per_head:
            raise ValueError("per_head needs a frame with a people column, not a series.")
        series = data.astype(float).copy()
        series.index = pd.DatetimeIndex(pd.to_datetime(series.index))
    else:
        frame = getattr(data, "frame", data)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError("Expected a pandas Series, a DataFrame or a MeasureResult.")
        missing = {"period", "value"} - set(frame.columns)
        if missing:
            raise ValueError(f"The frame needs the column(s) {', '.join(sorted(missing))}.")
        if segment is not None:
            frame = frame[frame["segment"] == segment]
        elif "segment" in frame.columns and frame["segment"].nunique() > 1:
            raise ValueError("The frame holds several segments; choose one with segment=.")
        values = pd.to_numeric(frame["value"], errors="coerce").astype(float).to_numpy(copy=True)
        if "suppressed" in frame.columns:
            values[frame["suppressed"].fillna(False).astype(bool).to_numpy()] = np.nan
        if per_head:
            if "people" not in frame.columns:
                raise ValueError("per_head needs a people column.")
            people = pd.to_numeric(frame["people"], errors="coerce").astype(float).to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(people > 0, values / people, np.nan)
        series = pd.Series(values, index=pd.DatetimeIndex(pd.to_datetime(frame["period"])), dtype=float)
    series = series.sort_index()
    if series.index.has_duplicates:
        raise ValueError("The series has more than one value for a period.")
    series.index.name = "period"
    return series


def suppressed_count(data) -> int:
    frame = getattr(data, "frame", data)
    if isinstance(frame, pd.DataFrame) and "suppressed" in frame.columns:
        return int(frame["suppressed"].fillna(False).astype(bool).sum())
    return 0


def regular_index(first, last, grain: str) -> pd.DatetimeIndex:
    """Every period start from `first` to `last` at the grain."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    stamps = []
    current = first
    while current <= last:
        stamps.append(current)
        current = current + step(grain)
    return pd.DatetimeIndex(stamps, name="period")


def grid_positions(index: pd.DatetimeIndex, grain: str) -> np.ndarray:
    """Each period's number of steps after the first period (0, 1, 2, ...)."""
    grid = regular_index(index.min(), index.max(), grain)
    positions = grid.get_indexer(pd.DatetimeIndex(index))
    if (positions < 0).any():
        raise ValueError(f"Some periods do not fall on the {grain} grid that starts on {index.min().date()}.")
    return positions


def complete(series: pd.Series, grain: str) -> pd.Series:
    """The series on the full grid from its first to its last value; gaps become missing."""
    observed = series.dropna()
    if observed.empty:
        return series.iloc[0:0]
    grid = regular_index(observed.index[0], observed.index[-1], grain)
    extra = observed.index.difference(grid)
    if len(extra):
        raise ValueError(
            f"Period {extra[0].date()} does not fall on the {grain} grid that starts on "
            f"{observed.index[0].date()}."
        )
    return series.reindex(grid)


def season_keys(index: pd.DatetimeIndex, grain: str) -> np.ndarray:
    """Calendar month, quarter or ISO week of each period (week 53 counts as week 52)."""
    if grain == "month":
        return index.month.to_numpy()
    if grain == "quarter":
        return index.quarter.to_numpy()
    weeks = index.isocalendar().week.to_numpy().astype(int)
    return np.minimum(weeks, 52)


def seasonal_plan(grain: str, observed_periods: int) -> tuple[bool, str]:
    """Whether to remove seasonality, and a plain sentence saying what was done."""
    needed = SEASON_MIN_PERIODS[grain]
    if observed_periods >= needed:
        return True, (
            f"Seasonal pattern set aside: each {SEASON_NAME[grain]} was compared only with the same "
            f"{SEASON_NAME[grain]} in other years."
        )
    years = needed // round(PERIODS_PER_YEAR[grain])
    return False, (
        f"Seasonal pattern not removed: that needs at least {needed} {grain}s ({years} years) of "
        f"data, and there are {observed_periods}."
    )


def newey_west_lags(n: int) -> int:
    """The usual Newey–West rule of thumb floor(4 (n/100)^(2/9)), at least 1: small for short series."""
    return max(1, math.floor(4 * (n / 100) ** (2 / 9)))


def to_date(value) -> date:
    return pd.Timestamp(value).date()
