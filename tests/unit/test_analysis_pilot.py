"""Difference-in-differences of a pilot against the rest, on synthetic panels with known effects."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from lookdown.analysis.pilot import compare_pilot, pilot_and_rest
from lookdown.ingest.write import load_frames
from lookdown.measures import MEASURES_DIR, parse_measure, run_measure
from lookdown.queries.cohorts import cohort_start

START = date(2024, 1, 1)


def panel(effect=-5.0, months=30, start_index=18, seed=1, pre_drift=0.0):
    """Pilot and rest frames sharing period shocks; the pilot drops by `effect` from the start."""
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2022-07-01", periods=months, freq="MS")
    t = np.arange(months)
    post = (t >= start_index).astype(float)
    shock = rng.normal(0, 3, months)
    pilot = 60 + shock + rng.normal(0, 1, months) + effect * post + pre_drift * (t - start_index) * (1 - post)
    rest = 45 + shock + rng.normal(0, 1, months)
    def frame(v, n):
        return pd.DataFrame({"period": periods, "value": v, "people": n, "suppressed": False})
    return frame(pilot, 20), frame(rest, 200), periods[start_index]


def test_known_effect_matches_an_ols_interaction_computed_here():
    pilot, rest, start = panel()
    assert start.date() == START
    result = compare_pilot(pilot, rest, start=START, per_head=False, unit="requests")

    long = pd.concat([pilot.assign(pilot=1), rest.assign(pilot=0)])
    long["post"] = (long["period"] >= start).astype(int)
    fit = smf.ols("value ~ pilot * post", data=long).fit()
    assert result.did == pytest.approx(fit.params["pilot:post"], abs=1e-9)

    pre, post = pilot["period"] < start, pilot["period"] >= start
    assert result.pilot_before == pytest.approx(pilot.loc[pre, "value"].mean())
    assert result.rest_after == pytest.approx(rest.loc[post, "value"].mean())
    assert result.did == pytest.approx(
        (result.pilot_after - result.pilot_before) - (result.rest_after - result.rest_before)
    )
    assert result.pilot_change_pct == pytest.approx((result.pilot_after / result.pilot_before - 1) * 100)
    assert result.did_pct_points == pytest.approx(result.did / result.pilot_before * 100)
    assert result.periods_before == 18 and result.periods_after == 12

    # Driscoll–Kraay errors on this two-group panel equal Newey–West errors on the pilot−rest gap.
    gap = pilot["value"].to_numpy() - rest["value"].to_numpy()
    nw = sm.OLS(gap, sm.add_constant(post.to_numpy().astype(float))).fit(
        cov_type="HAC", cov_kwds={"maxlags": result.maxlags, "use_correction": True},
    )
    half = stats.t.ppf(0.975, 30 - 2) * nw.bse[1]
    assert result.did_ci_low == pytest.approx(result.did - half, rel=1e-6)
    assert result.did_ci_high == pytest.approx(result.did + half, rel=1e-6)
    assert result.ci_low == pytest.approx(result.did_ci_low / result.pilot_before * 100)
    assert result.did_ci_low < -5 < result.did_ci_high
    assert result.significant is True and result.status == "ok"
    assert result.parallel_trends.tested and result.parallel_trends.passed


def test_compare_json_has_the_cli_fields():
    pilot, rest, _ = panel()
    data = json.loads(json.dumps(compare_pilot(pilot, rest, start=START, per_head=False, unit="requests").to_dict()))
    for key in ("pilot_before", "pilot_after", "rest_before", "rest_after", "pilot_change_pct",
                "rest_change_pct", "did_pct_points", "ci_low", "ci_high", "method", "parallel_trends"):
        assert key in data
    assert data["parallel_trends"]["passed"] is True
    assert "Driscoll–Kraay" in data["method"]


def test_no_effect_gives_an_interval_around_zero():
    pilot, rest, _ = panel(effect=0.0, seed=4)
    result = compare_pilot(pilot, rest, start=START, per_head=False, unit="requests")
    assert result.did_ci_low < 0 < result.did_ci_high
    assert result.significant is False
    assert "could be chance" in result.explanation


def test_per_head_divides_by_each_groups_people():
    periods = pd.date_range("2023-01-01", periods=24, freq="MS")
    post = periods >= pd.Timestamp(START)
    pilot_people = np.where(post, 25, 20)          # the pilot grows, the rate drops by 0.5
    rest_people = np.full(24, 100)
    pilot = pd.DataFrame({"period": periods, "value": (2.0 - 0.5 * post) * pilot_people, "people": pilot_people})
    rest = pd.DataFrame({"period": periods, "value": 1.5 * rest_people + 0.0, "people": rest_people})
    result = compare_pilot(pilot, rest, start=START, per_head=True, unit="requests")
    assert result.pilot_before == pytest.approx(2.0)
    assert result.pilot_after == pytest.approx(1.5)
    assert result.did == pytest.approx(-0.5)
    assert result.did_pct_points == pytest.approx(-25.0)
    assert "requests per person" in result.explanation
    raw = compare_pilot(pilot, rest, start=START, per_head=False, unit="requests")
    assert raw.did == pytest.approx(37.5 - 40.0)  # counts hide the per-head drop behind growth


def test_parallel_trends_violation_is_detected():
    pilot, rest, _ = panel(effect=0.0, pre_drift=-1.0, seed=2)
    result = compare_pilot(pilot, rest, start=START, per_head=False, unit="requests")
    check = result.parallel_trends
    assert check.tested and check.passed is False
    assert check.p_value < 0.05
    assert check.gap_slope_per_period == pytest.approx(-1.0, abs=0.25)
    assert "different paths" in result.explanation


def test_no_pre_period():
    pilot, rest, _ = panel()
    result = compare_pilot(pilot, rest, start=date(2020, 1, 1), per_head=False, unit="requests")
    assert result.status == "no pre-period"
    assert result.did is None and result.ci_low is None
    assert "no baseline" in result.explanation


def test_too_few_periods_gives_means_but_no_interval():
    pilot, rest, _ = panel(months=20, start_index=18)
    pilot, rest = pilot.iloc[16:], rest.iloc[16:]   # two periods before, two after
    result = compare_pilot(pilot, rest, start=START, per_head=False, unit="requests")
    assert result.status == "too few periods"
    assert result.did is not None and result.ci_low is None
    assert result.parallel_trends.tested is False
    assert "at least 3" in result.explanation


def test_suppressed_cells_are_missing_not_zero():
    pilot, rest, _ = panel()
    pilot.loc[[2, 20], ["value", "suppressed"]] = [np.nan, True]
    result = compare_pilot(pilot, rest, start=START, per_head=False, unit="requests")
    keep = ~pilot["suppressed"]
    pre = keep & (pilot["period"] < pd.Timestamp(START))
    assert result.suppressed_cells == 2
    assert result.periods_before == 17 and result.periods_after == 11
    assert result.pilot_before == pytest.approx(pilot.loc[pre, "value"].mean())
    assert result.rest_before == pytest.approx(rest.loc[pre, "value"].mean())  # same periods for both
    assert "not counted as zero" in result.explanation


def test_all_pilot_cells_suppressed():
    pilot, rest, _ = panel()
    pilot["value"], pilot["suppressed"] = np.nan, True
    result = compare_pilot(pilot, rest, start=START, per_head=False, unit="requests")
    assert result.status == "suppressed" and result.did is None


def test_start_inside_a_period_leaves_that_period_out():
    pilot, rest, _ = panel()
    result = compare_pilot(pilot, rest, start=date(2024, 1, 15), per_head=False, unit="requests")
    assert result.transition_period == "2024-01"
    assert result.periods_before == 18 and result.periods_after == 11


def test_pilot_and_rest_from_a_cohort_result(db):
    people = pd.DataFrame({
        "person_id": [f"s{i}" for i in range(6)] + [f"o{i}" for i in range(8)],
        "department": ["Sales"] * 6 + ["Ops"] * 8,
        "hire_date": ["2020-01-01"] * 14,
    })
    cohorts = pd.DataFrame({"cohort": ["Pilot A"], "department": ["Sales"], "started_on": ["2024-03-01"]})
    requests = []
    for month in range(1, 7):
        for i in range(6):
            if month < 3 or i < 3:        # Sales: 6 a month, then 3 from March
                requests.append({"requested_on": f"2024-{month:02d}-10", "person_id": f"s{i}"})
        for i in range(4):                # Ops: 4 a month throughout
            requests.append({"requested_on": f"2024-{month:02d}-12", "person_id": f"o{i}"})
    load_frames(db, {"people": people, "cohorts": cohorts, "training": pd.DataFrame(requests)},
                kind="test", source="test")
    measure, problems = parse_measure(Path(MEASURES_DIR) / "training_requests.sql")
    assert not problems
    result = run_measure(db, measure, grain="month", by="cohort", start=date(2024, 1, 1), end=date(2024, 6, 30))
    pilot, rest = pilot_and_rest(result)
    assert list(pilot["value"]) == [6, 6, 3, 3, 3, 3]
    assert list(rest["value"]) == [4] * 6
    assert list(pilot["people"]) == [6] * 6 and list(rest["people"]) == [8] * 6
    start = cohort_start(db, "Pilot A")
    assert start == date(2024, 3, 1)
    comparison = compare_pilot(pilot, rest, start=start, per_head=True, unit="requests")
    assert comparison.pilot_before == pytest.approx(1.0)
    assert comparison.pilot_after == pytest.approx(0.5)
    assert comparison.did == pytest.approx(-0.5)
    with pytest.raises(ValueError, match="No cohort named"):
        pilot_and_rest(result, "Pilot B")
