"""The corrected Mann–Kendall trend test and the effective-N lagged correlation against known answers."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lookdown.analysis.autocorrelation import (
    GROWING,
    NO_CLEAR_TREND,
    PERSISTENCE_FLOOR,
    SHRINKING,
    autocorrelation_upper_bound,
    bias_corrected_lag1,
    effective_pairs,
    lag1_autocorrelation,
    lagged_correlation_test,
    trend_test,
)


def ar1(rng, phi, n, burn=100):
    noise = rng.normal(size=n + burn)
    out = np.zeros(n + burn)
    for t in range(1, n + burn):
        out[t] = phi * out[t - 1] + noise[t]
    return out[burn:]


def test_a_hand_checkable_rising_series():
    # y = t ± 0.05 alternating: around its trend it swings sign every period, so its lag-1
    # autocorrelation is negative and the test prewhitens with the floor, 0.7:
    # z = y[t] − 0.7·y[t−1] = 0.3·t + 0.7 ± 0.085, which still rises every period. So all 253
    # pairs of the 23 values agree: S = 253 and Kendall's exact p-value is 2 / 23!.
    y = np.arange(24.0) + 0.05 * (-1.0) ** np.arange(24)
    result = trend_test(y)
    assert result.autocorrelation_used == PERSISTENCE_FLOOR == 0.7 and result.lag1_autocorrelation < 0
    assert result.verdict == GROWING
    assert result.p_value == pytest.approx(2 / math.factorial(23), rel=1e-6)
    assert result.slope_per_year == pytest.approx(12.0)
    assert trend_test(-y).verdict == SHRINKING


def test_the_autocorrelation_correction_by_hand():
    assert bias_corrected_lag1(0.5, 24) == pytest.approx((24 * 0.5 + 1) / 20)
    assert autocorrelation_upper_bound(0.65, 24, 0.95) == pytest.approx(
        0.65 + 1.6448536 * math.sqrt((1 - 0.65 ** 2) / 24))
    x = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0])
    d = x - x.mean()
    assert lag1_autocorrelation(x) == pytest.approx((d[1:] @ d[:-1]) / (d @ d))


def test_ar1_noise_at_0_8_is_rarely_called_a_trend():
    rng = np.random.default_rng(2024)
    claims = plain = 0
    replicates = 300
    for _ in range(replicates):
        y = ar1(rng, 0.8, 36)
        claims += trend_test(y).verdict != NO_CLEAR_TREND
        plain += stats.kendalltau(np.arange(36), y).pvalue <= 0.05
    assert claims / replicates <= 0.06
    assert plain / replicates > 0.3  # the uncorrected test would claim a trend on a third of them


def test_seasons_are_not_trends_but_a_trend_under_seasons_is_found():
    rng = np.random.default_rng(8)
    months = np.arange(36) % 12
    season = 10 * np.sin(2 * np.pi * months / 12)
    flat = trend_test(50 + season + rng.normal(0, 1, 36), season_keys=months)
    assert flat.seasonality_handled and flat.verdict == NO_CLEAR_TREND
    rising = trend_test(50 + season + 0.5 * np.arange(36) + rng.normal(0, 1, 36), season_keys=months)
    assert rising.verdict == GROWING and rising.slope_per_year_low < 6 < rising.slope_per_year_high


def test_strong_memory_is_said_and_no_trend_is_claimed():
    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.normal(size=36))
    result = trend_test(walk)
    assert result.verdict == NO_CLEAR_TREND and result.reason == "too strongly autocorrelated"
    assert "wander" in result.explanation
    assert trend_test(np.r_[np.arange(10.0), np.nan, np.arange(10.0)]).reason == "gap in the data"


def test_effective_pairs_is_bretherton_on_the_lag1_autocorrelations():
    rng = np.random.default_rng(4)
    a, b = ar1(rng, 0.7, 40), ar1(rng, 0.6, 40)
    product = lag1_autocorrelation(a) * lag1_autocorrelation(b)
    assert effective_pairs(a, b) == pytest.approx(40 * (1 - product) / (1 + product))
    assert effective_pairs(a, b) < 25


def test_lagged_correlation_finds_a_real_lag_and_not_two_drifting_series():
    rng = np.random.default_rng(9)
    driver = rng.normal(size=36)
    outcome = np.r_[0, 0, driver[:-2]] + 0.5 * rng.normal(size=36)
    found = lagged_correlation_test(driver, outcome)
    assert found.best_lag == 2 and found.unlikely_chance and found.compared == "levels around their trends"

    walks = lagged_correlation_test(np.cumsum(rng.normal(size=36)), np.cumsum(rng.normal(size=36)))
    assert walks.compared == "period-to-period changes" and "drift" in walks.warning


def test_independent_remembering_series_rarely_look_linked():
    # At a true 5%, 300 replicates show more than 8% about once in a hundred runs; the textbook
    # test (Pearson, independent periods, Bonferroni over the 7 lags) claims a link far more often.
    rng = np.random.default_rng(31)
    replicates = 300
    claims = textbook = 0
    for _ in range(replicates):
        driver, outcome = ar1(rng, 0.8, 36), ar1(rng, 0.8, 36)
        claims += lagged_correlation_test(driver, outcome).unlikely_chance
        smallest = min(stats.pearsonr(driver[: 36 - lag], outcome[lag:]).pvalue for lag in range(7))
        textbook += smallest * 7 <= 0.05
    assert claims / replicates <= 0.08
    assert textbook / replicates > 0.25
