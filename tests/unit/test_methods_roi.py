"""The Monte Carlo ROI range: degenerate cases give the point value; bands combine uncertainties."""
from __future__ import annotations

import numpy as np
import pytest

from lookdown.analysis.roi_range import MeasureEffect, Range, roi_range

FIFTH_FEWER, HOURLY = Range.known(-0.2), Range.known(25.0)


def effect(change=FIFTH_FEWER, value=HOURLY, clear=True, **extra):
    return MeasureEffect("training_requests", "requests", change, 0.95, value, clear, people=100, **extra)


def test_zero_ranges_give_the_point_value():
    # 0.2 fewer requests per person per month × 12 months × 100 people × 25 = 6,000 against 1,000
    result = roi_range([effect()], Range.known(1000.0))
    for band in (result.benefits, result.priced[0].benefit):
        assert band.low == band.expected == band.high == pytest.approx(6000)
    assert result.roi_pct.low == result.roi_pct.high == pytest.approx(500)
    assert result.benefit_cost_ratio.expected == pytest.approx(6)
    assert result.chance_of_loss == 0
    assert result.explanation.startswith("ROI between 500% and 500%")


def test_only_clear_effects_are_priced():
    unclear = effect(clear=False, reason_not_clear="only the synthetic control finds it")
    result = roi_range([unclear], Range.known(1000.0))
    assert result.priced == () and result.benefits.expected == 0
    assert result.not_priced == (("training_requests", "only the synthetic control finds it"),)
    assert "Nothing is priced" in result.explanation


def test_the_effect_draws_match_an_asymmetric_interval():
    rng = np.random.default_rng(0)
    draws = effect(change=Range(-0.5, -0.2, -0.1)).effect_draws(rng, 200_000)
    assert np.quantile(draws, [0.025, 0.5, 0.975]) == pytest.approx([-0.5, -0.2, -0.1], abs=0.005)


def test_the_band_combines_both_uncertainties():
    costs = Range.known(1000.0)
    effect_only = roi_range([effect(change=Range(-0.3, -0.2, -0.1))], costs).benefits
    value_only = roi_range([effect(value=Range(15.0, 25.0, 35.0))], costs).benefits
    both = roi_range([effect(change=Range(-0.3, -0.2, -0.1), value=Range(15.0, 25.0, 35.0))], costs).benefits
    def width(band):
        return band.high - band.low
    assert width(both) > max(width(effect_only), width(value_only))
    assert both.low < 6000 < both.high


def test_the_first_year_follows_the_ramp_up():
    result = roi_range([effect()], Range.known(1000.0), ramp_up_periods=3, observed_periods_after_ramp_up=6)
    assert result.first_year.startswith("months 4 to 15 after the start")
    assert "extrapolated" in result.explanation
