"""Trend verdicts on synthetic series with known answers."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lookdown.analysis.trend import trend_by_segment, trend_json, trend_verdict


def monthly(values, start="2022-01-01") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))


def test_known_slope_is_recovered_and_called_shrinking():
    rng = np.random.default_rng(11)
    t = np.arange(36)
    series = monthly(200 - 2.0 * t + rng.normal(0, 4, 36))  # −24 a year
    verdict = trend_verdict(series, grain="month", unit="requests")
    assert verdict.verdict == "shrinking"
    assert verdict.reason is None
    assert verdict.slope_per_year == pytest.approx(-24, abs=2.0)
    assert verdict.slope_per_year_low < -24 < verdict.slope_per_year_high
    assert verdict.slope_pct_of_mean_per_year == pytest.approx(verdict.slope_per_year / series.mean() * 100)
    assert verdict.p_value < 0.001
    assert verdict.periods == 36 and verdict.missing_periods == ()
    assert "Shrinking" in verdict.explanation and "requests per year" in verdict.explanation


def test_mann_kendall_is_kendall_tau_against_time_without_seasonal_adjustment():
    rng = np.random.default_rng(3)
    t = np.arange(20)
    values = 10 + 0.3 * t + rng.normal(0, 1, 20)
    verdict = trend_verdict(monthly(values), grain="month", unit="hours")  # < 24 months: not adjusted
    expected = stats.kendalltau(t, values)
    assert verdict.seasonality_removed is False
    assert verdict.kendall_tau == pytest.approx(expected.statistic)
    assert verdict.p_value == pytest.approx(expected.pvalue)
    assert verdict.slope_per_year == pytest.approx(stats.theilslopes(values, t).slope * 12)
    assert verdict.verdict == "growing"
    assert "Seasonality was not removed" in verdict.explanation


def test_seasonal_mann_kendall_known_answer():
    # Two years; every month is higher in the second year than in the first: S = 12 pairs, each
    # +1; the variance is 12 × 1 (n = 2 per season), so z = (12 − 1) / √12.
    rng = np.random.default_rng(1)
    first = 100 + 50 * np.sin(2 * np.pi * np.arange(12) / 12) + rng.normal(0, 1, 12)
    rise = rng.uniform(1, 5, 12)
    verdict = trend_verdict(monthly(np.concatenate([first, first + rise])), grain="month", unit="x")
    assert verdict.seasonality_removed
    assert verdict.kendall_tau == 1.0
    assert verdict.p_value == pytest.approx(2 * stats.norm.sf(11 / np.sqrt(12)))
    assert verdict.slope_per_period == pytest.approx(np.median(rise / 12))
    assert verdict.verdict == "growing"
    assert "Seasonal Mann–Kendall" in verdict.method or "seasonal Mann–Kendall" in verdict.method


def test_flat_noisy_series_has_no_clear_trend():
    rng = np.random.default_rng(5)
    verdict = trend_verdict(monthly(50 + rng.normal(0, 5, 36)), grain="month", unit="requests")
    assert verdict.verdict == "no clear trend"
    assert verdict.reason == "too much noise"
    assert verdict.p_value >= 0.05
    assert "No clear trend" in verdict.explanation


def test_false_alarm_rate_on_flat_series_stays_near_the_confidence_level():
    rng = np.random.default_rng(2024)
    for n in (12, 24, 36):
        claims = sum(
            trend_verdict(monthly(50 + rng.normal(0, 5, n)), grain="month", unit="x").verdict != "no clear trend"
            for _ in range(200)
        )
        assert claims / 200 <= 0.09, n


def test_strong_seasonal_cycle_without_trend_is_not_a_trend():
    rng = np.random.default_rng(7)
    t = np.arange(36)
    series = monthly(100 + 40 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 36))
    verdict = trend_verdict(series, grain="month", unit="requests")
    assert verdict.seasonality_removed is True
    assert "calendar month" in verdict.seasonality
    assert verdict.verdict == "no clear trend"
    assert abs(verdict.slope_per_year) < 3


def test_seasonal_cycles_of_uneven_length_do_not_raise_false_alarms():
    # Windows that cut the cycle part-way (30 months starting at a peak) tilt a naive test.
    rng = np.random.default_rng(8)
    claims = 0
    for n in (26, 30, 34, 39):
        for phase in (0, 3, 6, 9):
            t = np.arange(n)
            series = monthly(100 + 40 * np.cos(2 * np.pi * (t + phase) / 12) + rng.normal(0, 2, n))
            claims += trend_verdict(series, grain="month", unit="x").verdict != "no clear trend"
    assert claims <= 1


def test_a_trend_under_a_seasonal_cycle_is_still_found():
    rng = np.random.default_rng(9)
    t = np.arange(36)
    series = monthly(300 - 1.0 * t + 40 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 36))
    verdict = trend_verdict(series, grain="month", unit="hours")
    assert verdict.verdict == "shrinking"
    assert verdict.slope_per_year == pytest.approx(-12, abs=1.5)


def test_too_few_periods_gives_the_reason():
    verdict = trend_verdict(monthly([5, 4, 3, 2, 1]), grain="month", unit="requests")
    assert verdict.verdict == "no clear trend"
    assert verdict.reason == "too few periods"
    assert verdict.periods == 5
    assert "at least 8" in verdict.explanation


def test_a_gap_inside_the_range_blocks_a_verdict():
    series = monthly(100 - 2.0 * np.arange(24))
    series.iloc[[5, 6]] = np.nan
    verdict = trend_verdict(series, grain="month", unit="requests")
    assert verdict.verdict == "no clear trend"
    assert verdict.reason == "gap in the data"
    assert verdict.missing_periods == ("2022-06", "2022-07")
    assert verdict.slope_per_year == pytest.approx(-24)  # still estimated, not claimed


def test_a_suppressed_cell_is_a_gap_not_a_zero():
    periods = pd.date_range("2022-01-01", periods=12, freq="MS")
    frame = pd.DataFrame({
        "period": periods, "segment": "Sales", "value": np.linspace(50, 40, 12),
        "people": 12, "suppressed": False,
    })
    frame.loc[4, ["value", "suppressed"]] = [np.nan, True]
    verdict = trend_verdict(frame, grain="month", unit="requests")
    assert verdict.reason == "gap in the data"
    assert verdict.periods == 11
    assert verdict.missing_periods == ("2022-05",)
    assert verdict.suppressed_cells == 1
    assert "not as zero" in verdict.explanation


def test_a_fully_hidden_group_says_so():
    periods = pd.date_range("2022-01-01", periods=12, freq="MS")
    frame = pd.DataFrame({"period": periods, "segment": "Legal", "value": np.nan, "people": 3, "suppressed": True})
    verdict = trend_verdict(frame, grain="month", unit="requests")
    assert verdict.reason == "too few periods" and verdict.periods == 0
    assert "hidden" in verdict.explanation


def test_leading_and_trailing_missing_periods_are_trimmed_not_gaps():
    series = monthly([np.nan, np.nan] + list(100 - 2.0 * np.arange(12)) + [np.nan])
    verdict = trend_verdict(series, grain="month", unit="x")
    assert verdict.missing_periods == ()
    assert verdict.start == "2022-03" and verdict.end == "2023-02"
    assert verdict.verdict == "shrinking"


def test_constant_series_reports_no_change():
    verdict = trend_verdict(monthly([3.0] * 12), grain="month", unit="x")
    assert verdict.verdict == "no clear trend" and verdict.reason == "no change"
    assert verdict.slope_per_year == 0


def test_quarter_grain_uses_quarters_per_year_and_removes_quarterly_seasons():
    rng = np.random.default_rng(4)
    t = np.arange(12)
    index = pd.date_range("2021-01-01", periods=12, freq="QS")
    series = pd.Series(80 + 2.5 * t + 15 * np.array([1, -1, 0.5, -0.5] * 3) + rng.normal(0, 0.5, 12), index)
    verdict = trend_verdict(series, grain="quarter", unit="hours")
    assert verdict.seasonality_removed and "quarter" in verdict.seasonality
    assert verdict.slope_per_year == pytest.approx(10, abs=1)
    assert verdict.verdict == "growing"
    assert verdict.start == "2021-Q1"


def test_week_grain_under_two_years_says_seasonality_was_not_removed():
    rng = np.random.default_rng(6)
    index = pd.date_range("2024-01-01", periods=60, freq="W-MON")
    verdict = trend_verdict(pd.Series(30 + rng.normal(0, 3, 60), index), grain="week", unit="questions")
    assert verdict.seasonality_removed is False
    assert "not removed" in verdict.seasonality and "104" in verdict.seasonality


def test_week_grain_with_two_years_removes_week_of_year():
    rng = np.random.default_rng(12)
    index = pd.date_range("2022-01-03", periods=110, freq="W-MON")
    t = np.arange(110)
    values = 100 - 0.1 * t + 10 * np.sin(2 * np.pi * t / 52.18) + rng.normal(0, 1, 110)
    verdict = trend_verdict(pd.Series(values, index), grain="week", unit="questions")
    assert verdict.seasonality_removed and "week of the year" in verdict.seasonality
    assert verdict.slope_per_year == pytest.approx(-0.1 * 365.25 / 7, abs=1)


def test_by_segment_and_json():
    periods = pd.date_range("2022-01-01", periods=12, freq="MS")
    frame = pd.concat([
        pd.DataFrame({"period": periods, "segment": "Pilot", "value": np.arange(12, 0, -1.0), "people": 10, "suppressed": False}),
        pd.DataFrame({"period": periods, "segment": "Rest", "value": [5.0] * 12, "people": 90, "suppressed": False}),
    ])
    verdicts = trend_by_segment(frame, grain="month", unit="requests")
    assert verdicts["Pilot"].verdict == "shrinking"
    assert verdicts["Rest"].reason == "no change"
    data = json.loads(json.dumps(trend_json(verdicts)))
    assert data["Pilot"]["verdict"] == "shrinking"
    assert set(data["Pilot"]) >= {"verdict", "reason", "slope_per_year", "p_value", "seasonality", "explanation"}


def test_per_head_trend_separates_growth_from_rate():
    periods = pd.date_range("2022-01-01", periods=24, freq="MS")
    people = np.arange(100, 124)
    frame = pd.DataFrame({"period": periods, "value": 2.0 * people, "people": people, "suppressed": False})
    assert trend_verdict(frame, grain="month", unit="requests").verdict == "growing"
    per_head = trend_verdict(frame, grain="month", unit="requests", per_head=True)
    assert per_head.reason == "no change" and per_head.mean == pytest.approx(2.0)
