"""Lagged correlation finds a known lag and warns on short overlaps."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lookdown.analysis.lag import lagged_correlation


def make(seed=2, n=40, lag=3):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2021-01-01", periods=n, freq="MS")
    driver = pd.Series(rng.normal(100, 10, n), index)
    outcome = pd.Series(50 - 0.8 * driver.shift(lag).to_numpy() + rng.normal(0, 3, n), index)
    return driver, outcome


def test_known_lag_is_found():
    driver, outcome = make()
    result = lagged_correlation(driver, outcome, max_lag=6)
    assert result.best_lag == 3
    assert result.best_r < -0.85
    assert [row.n for row in result.rows] == [40 - max(3, k) for k in range(7)]
    assert result.enough_data and result.warning is None
    assert result.same_at_every_lag is False and result.profile_note is None
    assert result.best_p_adjusted == pytest.approx(min(1.0, result.best_p * 7))
    lag3 = result.rows[3]
    mask = ~np.isnan(outcome.to_numpy())
    x, y = driver.shift(3).to_numpy()[mask], outcome.to_numpy()[mask]
    keep = ~np.isnan(x)
    assert lag3.pearson_r == pytest.approx(stats.pearsonr(x[keep], y[keep]).statistic)
    assert lag3.spearman_rho == pytest.approx(stats.spearmanr(x[keep], y[keep]).statistic)
    assert "3 months earlier" in result.explanation
    assert "not causation" in result.explanation and "not causation" in result.caveat
    json.dumps(result.to_dict())


def test_short_overlap_warns():
    driver, outcome = make(n=14)
    result = lagged_correlation(driver, outcome, max_lag=6)
    assert result.enough_data is False
    assert "fewer than 12" in result.warning
    assert result.warning in result.explanation


def test_suppressed_cells_are_missing():
    driver, outcome = make()
    frame = pd.DataFrame({"period": outcome.index, "value": outcome.to_numpy(), "people": 40, "suppressed": False})
    frame.loc[[10, 11], ["value", "suppressed"]] = [np.nan, True]
    result = lagged_correlation(driver, frame, max_lag=6)
    assert [row.n for row in result.rows] == [40 - max(3, k) - 2 for k in range(7)]
    assert result.best_lag == 3


def test_constant_series_gives_no_correlation():
    index = pd.date_range("2021-01-01", periods=20, freq="MS")
    result = lagged_correlation(pd.Series(5.0, index), pd.Series(np.arange(20.0), index), max_lag=2)
    assert result.best_lag is None
    assert all(row.pearson_r is None for row in result.rows)
    assert "No correlation" in result.explanation


def test_two_drifting_series_are_flagged():
    rng = np.random.default_rng(5)
    index = pd.date_range("2022-01-01", periods=36, freq="MS")
    t = np.arange(36)
    driver = pd.Series(100 + 3 * t + rng.normal(0, 4, 36), index)     # unrelated, both drift
    outcome = pd.Series(80 - 2 * t + rng.normal(0, 4, 36), index)
    result = lagged_correlation(driver, outcome)
    assert all(row.pearson_r < -0.8 for row in result.rows)
    assert result.same_at_every_lag is True
    assert "drift" in result.profile_note and result.profile_note in result.explanation
