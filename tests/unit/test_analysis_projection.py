"""Projection of the pilot's own trend, and agreement with the difference-in-differences."""
from __future__ import annotations

import dataclasses
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lookdown.analysis.pilot import compare_pilot
from lookdown.analysis.projection import compare_methods, project_pilot

START = date(2024, 1, 1)


def series(values, start="2022-01-01"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))


def test_noise_free_break_is_recovered_exactly():
    t = np.arange(30)
    values = 100 - 0.5 * t - 10 * (t >= 24)
    result = project_pilot(series(values), start=START, per_head=False, unit="requests")
    assert result.status == "ok"
    assert result.slope_per_year == pytest.approx(-6.0)
    assert result.average_gap == pytest.approx(-10.0)
    assert result.projected_after == pytest.approx(np.mean(100 - 0.5 * t[24:]))
    assert result.average_gap_pct == pytest.approx(-10.0 / np.mean(100 - 0.5 * t[24:]) * 100)
    frame = result.frame()
    assert list(frame["phase"]).count("after") == 6
    assert frame.loc[frame["phase"] == "after", "projected"].to_numpy() == pytest.approx(100 - 0.5 * t[24:])


def test_known_break_is_recovered_within_its_interval():
    rng = np.random.default_rng(21)
    t = np.arange(36)
    values = 100 - 0.5 * t + rng.normal(0, 1.5, 36) - 10 * (t >= 24)
    result = project_pilot(series(values), start=START, per_head=False, unit="requests")
    assert result.average_gap == pytest.approx(-10, abs=1.5)
    assert result.gap_ci_low < -10 < result.gap_ci_high
    assert result.significant is True
    after = [p for p in result.points if p.phase == "after"]
    assert len(after) == 12 and all(p.low < p.projected < p.high for p in after)
    assert json.loads(json.dumps(result.to_dict()))["points"][0]["period"] == "2022-01-01"


def test_no_break_means_no_clear_gap():
    rng = np.random.default_rng(22)
    t = np.arange(36)
    result = project_pilot(series(100 - 0.5 * t + rng.normal(0, 1.5, 36)), start=START, per_head=False)
    assert result.gap_ci_low < 0 < result.gap_ci_high
    assert result.significant is False


def test_seasonal_pilot_is_projected_with_its_seasons():
    rng = np.random.default_rng(23)
    t = np.arange(36)
    values = 200 - 1.0 * t + 25 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 36) - 15 * (t >= 24)
    result = project_pilot(series(values), start=START, per_head=False, unit="hours")
    assert result.seasonality_removed and "calendar month" in result.seasonality
    assert result.average_gap == pytest.approx(-15, abs=1.5)
    assert result.slope_per_year == pytest.approx(-12, abs=1.5)


def test_per_head_projection_uses_people():
    t = np.arange(30)
    people = np.where(t >= 24, 30, 20)
    rate = 3.0 - 0.01 * t - 0.5 * (t >= 24)
    frame = pd.DataFrame({"period": pd.date_range("2022-01-01", periods=30, freq="MS"),
                          "value": rate * people, "people": people, "suppressed": False})
    result = project_pilot(frame, start=START, per_head=True, unit="requests")
    assert result.average_gap == pytest.approx(-0.5)


def test_too_few_and_missing_periods():
    short = project_pilot(series(np.arange(10.0), start="2023-09-01"), start=START, per_head=False)
    assert short.status == "too few periods" and short.average_gap is None
    none_after = project_pilot(series(np.arange(12.0), start="2023-01-01"), start=START, per_head=False)
    assert none_after.status == "no post-period"
    none_before = project_pilot(series(np.arange(12.0), start="2024-01-01"), start=START, per_head=False)
    assert none_before.status == "no pre-period"


def panel_frames(pilot_values, rest_values):
    periods = pd.date_range("2022-01-01", periods=len(pilot_values), freq="MS")
    def frame(v):
        return pd.DataFrame({"period": periods, "value": v, "people": 50, "suppressed": False})
    return frame(pilot_values), frame(rest_values)


def test_methods_agree_on_a_real_effect():
    rng = np.random.default_rng(31)
    t = np.arange(36)
    shock = rng.normal(0, 1, 36)
    pilot, rest = panel_frames(80 - 0.2 * t + shock - 8 * (t >= 24), 60 - 0.2 * t + shock + rng.normal(0, 0.5, 36))
    did = compare_pilot(pilot, rest, start=START, per_head=False, unit="requests")
    projection = project_pilot(pilot, start=START, per_head=False, unit="requests")
    agreement = compare_methods(did, projection)
    assert agreement.verdict == "agree: clear effect"
    assert agreement.agree is True and agreement.same_sign is True
    assert "Both methods find a decrease" in agreement.explanation


def test_methods_that_disagree_are_reported():
    rng = np.random.default_rng(32)
    t = np.arange(36)
    shock = rng.normal(0, 1, 36)
    # Everyone drops by 8 at the start: the projection sees a drop, the DiD (rightly) does not.
    pilot, rest = panel_frames(80 + shock - 8 * (t >= 24), 60 + shock - 8 * (t >= 24) + rng.normal(0, 0.3, 36))
    did = compare_pilot(pilot, rest, start=START, per_head=False, unit="requests")
    projection = project_pilot(pilot, start=START, per_head=False, unit="requests")
    agreement = compare_methods(did, projection)
    assert projection.significant is True and did.significant is False
    assert agreement.agree is False
    assert agreement.verdict in ("same direction, different certainty", "opposite directions")

    flipped = dataclasses.replace(projection, average_gap=-projection.average_gap if did.did > 0 else 5.0)
    both = dataclasses.replace(did, significant=True, did=-abs(did.did) if flipped.average_gap > 0 else abs(did.did))
    assert compare_methods(both, flipped).verdict == "opposite directions"
    neither = dataclasses.replace(projection, significant=False)
    assert compare_methods(did, neither).verdict == "agree: no clear effect"
    missing = dataclasses.replace(projection, average_gap=None, significant=None)
    assert compare_methods(did, missing).verdict == "cannot compare"
