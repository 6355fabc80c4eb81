"""Grains and period arithmetic, defined once: what a week, a month and a quarter are, where
each starts, and which whole periods fit in a range of dates."""
from __future__ import annotations

from datetime import date, timedelta

GRAINS = ("week", "month", "quarter")
GRAIN_NOUNS = {"week": ("week", "weeks"), "month": ("month", "months"), "quarter": ("quarter", "quarters")}
GRAIN_ADJECTIVE = {"week": "weekly", "month": "monthly", "quarter": "quarterly"}
PERIODS_PER_YEAR = {"week": 365.25 / 7, "month": 12.0, "quarter": 4.0}


def check_grain(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not '{grain}'")
    return grain


def period_start(day: date, grain: str) -> date:
    """The first day of the week (Monday), month or quarter holding `day`."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"grain must be week, month or quarter, not '{grain}'")


def next_period(start: date, grain: str) -> date:
    """The first day of the period after the one starting on `start`."""
    if grain == "week":
        return start + timedelta(days=7)
    months = 1 if grain == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def whole_periods(start: date, end: date, grain: str) -> tuple[date, date] | None:
    """The widest range inside [start, end] made of whole periods, or None when none fits.

    A partly covered first or last period would hold fewer events than the others and read as a
    dip that never happened.
    """
    first = start if period_start(start, grain) == start else next_period(period_start(start, grain), grain)
    last_start = period_start(end, grain)
    if next_period(last_start, grain) - timedelta(days=1) != end:
        last_start = period_start(last_start - timedelta(days=1), grain)
    last = next_period(last_start, grain) - timedelta(days=1)
    if last < first:
        return None
    return first, last


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from the one holding `first` to the one holding `last`."""
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = next_period(month, "month")
    return found
