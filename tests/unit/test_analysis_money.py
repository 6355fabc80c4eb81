"""Phillips ROI arithmetic on hand numbers, the assumptions round trip, and the sensitivity band."""
from __future__ import annotations

import json
from dataclasses import fields
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lookdown.analysis.money import INTANGIBLES, MEASURE_VALUE_KINDS, Assumptions, Benefit, benefit_from_comparison, roi
from lookdown.analysis.pilot import compare_pilot

HAND = Assumptions(
    hourly_cost=50, manager_hourly_cost=80, average_annual_salary=60_000, replacement_cost_share=0.2,
    cost_per_training_request=25, licence_cost_per_person_per_year=100, participants=100,
    admin_hours_per_year=100, other_annual_costs=1_000, sensitivity_pct=20,
)


def test_roi_arithmetic_is_exact():
    result = roi({
        "training_requests": 200,        # × 25      =  5,000
        "training_seat_hours": 400,      # × 50      = 20,000
        "voluntary_leavers": 1,          # × 12,000  = 12,000
        "manager_direction_hours": 25,   # × 80      =  2,000
        "marketing_spend": 1_000,        # × 1       =  1,000
        "answer_rate": 0.1,              # no unit value
    }, HAND)
    assert {line.measure: line.benefit for line in result.lines} == {
        "training_requests": 5_000, "training_seat_hours": 20_000, "voluntary_leavers": 12_000,
        "manager_direction_hours": 2_000, "marketing_spend": 1_000,
    }
    assert result.total_benefits == pytest.approx(40_000)
    assert result.cost_lines == {"licences": 10_000, "administration": 5_000, "other": 1_000}
    assert result.programme_costs == pytest.approx(16_000)
    assert result.net_benefit == pytest.approx(24_000)
    assert result.roi_pct == pytest.approx(150.0)
    assert result.benefit_cost_ratio == pytest.approx(2.5)
    assert result.not_converted == ("answer_rate",)
    assert result.low.total_benefits == pytest.approx(32_000) and result.low.roi_pct == pytest.approx(100.0)
    assert result.high.total_benefits == pytest.approx(48_000) and result.high.roi_pct == pytest.approx(200.0)
    assert "±20%" in result.band_method
    assert result.intangibles == INTANGIBLES
    assert "answer_rate" in result.explanation and "ROI of 150%" in result.explanation
    json.dumps(result.to_dict())


def test_band_from_confidence_intervals():
    result = roi([Benefit("training_requests", 200, unit="requests", low=100, high=300)], HAND)
    line = result.lines[0]
    assert (line.benefit_low, line.benefit, line.benefit_high) == (2_500, 5_000, 7_500)
    assert line.band_source == "confidence interval"
    assert result.low.roi_pct == pytest.approx((2_500 - 16_000) / 16_000 * 100)
    assert "confidence interval" in result.band_method


def test_explicit_value_kind_and_unknown_kind():
    result = roi([Benefit("custom_hours", 10, value_kind="employee_hour")], HAND)
    assert result.total_benefits == 500
    with pytest.raises(ValueError, match="unknown value kind"):
        roi([Benefit("x", 1, value_kind="smiles")], HAND)


def test_no_costs_means_no_roi():
    free = Assumptions(participants=0, admin_hours_per_year=0)
    result = roi({"marketing_spend": 500}, free)
    assert result.programme_costs == 0 and result.roi_pct is None and result.benefit_cost_ratio is None
    assert "cannot be computed" in result.explanation


def test_assumptions_round_trip_and_sources():
    data = json.loads(json.dumps(HAND.to_dict()))
    assert Assumptions.from_dict(data) == HAND
    assert set(Assumptions.sources()) == {f.name for f in fields(Assumptions)} - {"currency"}
    assert all(len(text) > 20 for text in Assumptions.sources().values())
    with pytest.raises(ValueError, match="Unknown assumption"):
        Assumptions.from_dict({"hourly_rate": 10})
    with pytest.raises(ValueError):
        Assumptions(hourly_cost=-1)
    defaults = Assumptions()
    assert defaults.replacement_cost_share == 0.21
    assert defaults.unit_value("leaver") == pytest.approx(0.21 * defaults.average_annual_salary)
    assert set(MEASURE_VALUE_KINDS.values()) <= {"money", "employee_hour", "manager_hour", "leaver", "training_request"}


def test_benefit_from_a_comparison():
    periods = pd.date_range("2023-01-01", periods=24, freq="MS")
    rng = np.random.default_rng(0)
    shock = rng.normal(0, 1, 24)
    post = periods >= pd.Timestamp("2024-01-01")
    pilot = pd.DataFrame({"period": periods, "value": 30 + shock + rng.normal(0, 0.3, 24) - 4 * post})
    rest = pd.DataFrame({"period": periods, "value": 20 + shock + rng.normal(0, 0.3, 24)})
    comparison = compare_pilot(pilot, rest, start=date(2024, 1, 1), per_head=False, unit="requests")
    benefit = benefit_from_comparison(comparison, "training_requests", unit="requests")
    assert benefit.reduction_per_year == pytest.approx(-comparison.did * 12)
    assert benefit.low == pytest.approx(-comparison.did_ci_high * 12)
    assert benefit.high == pytest.approx(-comparison.did_ci_low * 12)
    assert benefit.low < 48 < benefit.high
