"""Randomization inference, synthetic control and the time-series fallback against known answers."""
from __future__ import annotations

import dataclasses
import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from lookdown.analysis.placebo import (
    CLEAR_EFFECT,
    DIFFERENCE,
    FALLBACK,
    NO_CLEAR_EFFECT,
    ONE_METHOD,
    OPPOSITE,
    RANDOMIZATION,
    RATIO,
    assignments_needed,
    compare_with_placebos,
    level_shift_test,
    merge_small_departments,
    methods_agree,
    pilot_panel,
    placebo_assignments,
    randomization_p_value,
    simplex_weights,
    synthetic_control,
)

PERIODS = pd.date_range("2024-01-01", periods=6, freq="MS")
START = PERIODS[3]


def step_panel(shifts, people=10, before=5.0, pilot=("g0", "g1")):
    """Groups at a constant level per person that shift by their own amount from START on."""
    after = (PERIODS >= START).astype(float)
    names = [f"g{i}" for i in range(len(shifts))]
    values = pd.DataFrame({n: (before + d * after) * people for n, d in zip(names, shifts)}, index=PERIODS)
    heads = pd.DataFrame(people, index=PERIODS, columns=names)
    return pilot_panel(values, heads, pilot)


def test_p_value_matches_the_hand_count_over_every_assignment():
    # Equal groups: an assignment A's effect is mean(shift in A) − mean(shift outside A) = (3·s − 3)/4
    # for s the sum of A's two shifts (they total 3). The real pilot has s = −4 (effect −3.75); only
    # {g4, g5} with s = 6 (effect +3.75) is as extreme, so p = 2 of the C(6, 2) = 15 assignments.
    panel = step_panel([-3, -1, 0, 1, 3, 3])
    result = compare_with_placebos(panel, START, confidence=0.9)
    assert result.inference == RANDOMIZATION and result.all_assignments_enumerated
    assert result.possible_assignments == result.assignments_used == 15
    assert result.effect == pytest.approx(-3.75)
    assert result.p_value == pytest.approx(2 / 15)
    shifts = np.array([-3, -1, 0, 1, 3, 3])
    expected = sorted((3 * shifts[list(pair)].sum() - 3) / 4 / 5 * 100
                      for pair in combinations(range(6), 2) if pair != (0, 1))
    assert sorted(result.placebo_effects_pct) == pytest.approx(expected)
    assert result.significant is False  # 2/15 is above 1 − 0.9


def test_the_real_assignment_is_counted_and_the_interval_is_what_the_test_does_not_reject():
    panel = step_panel([-3, -1, 0, 1, 3, 3])
    result = compare_with_placebos(panel, START, confidence=0.9)
    assert result.effect_low <= result.effect <= result.effect_high
    # each end of the interval is where the test starts rejecting a constant effect on the pilot:
    # taking the effect away from the pilot's values, just inside is not rejected, just outside is
    width = result.effect_high - result.effect_low
    for bound, outward in ((result.effect_low, -1), (result.effect_high, 1)):
        for step, rejected in ((-1e-6, False), (1e-6, True)):
            effect = bound + outward * step * width
            shifted = step_panel([-3 - effect, -1 - effect, 0, 1, 3, 3])
            assert (compare_with_placebos(shifted, START, confidence=0.9).p_value <= 0.1) is rejected
    assert randomization_p_value(np.array([2.0, -2.0, 1.0, 3.0])) == pytest.approx(3 / 4)


def test_a_seeded_sample_of_assignments_keeps_the_real_one_and_repeats():
    pilot = np.zeros(14, bool)
    pilot[[2, 5, 7]] = True
    rows, possible, enumerated = placebo_assignments(14, pilot, max_assignments=200, seed=3)
    again, _, _ = placebo_assignments(14, pilot, max_assignments=200, seed=3)
    other, _, _ = placebo_assignments(14, pilot, max_assignments=200, seed=4)
    assert possible == math.comb(14, 3) and not enumerated
    assert rows.shape == (200, 14) and (rows.sum(axis=1) == 3).all()
    assert (rows[0] == pilot).all()
    assert (rows == again).all() and not (rows == other).all()


def test_too_few_assignments_fall_back_and_say_so():
    panel = step_panel([-1, -1, 0, 0, 0])
    assert assignments_needed(0.95) == 20
    result = compare_with_placebos(panel, START)
    assert result.possible_assignments == 10 and result.inference == FALLBACK
    assert "only 10 ways" in result.assumptions and "stronger assumption" in result.assumptions
    assert result.placebo_effects_pct == ()


def five_department_organisation(seed=12, cut=0.38, months=24):
    """A 2-year organisation of five departments; from month 12 two of them (A and B) make
    `cut` fewer training requests, while their marketing questions do not change."""
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2023-01-01", periods=months, freq="MS")
    names = ["A", "B", "C", "D", "E"]
    people = np.array([180, 120, 250, 90, 140])
    season = 1 + 0.15 * np.sin(2 * np.pi * np.arange(months) / 12)
    after = np.arange(months) >= months // 2

    def measure(rate, pilot_change):
        noise = np.exp(rng.normal(0, 0.06, (months, 5)))
        mu = people * rate * season[:, None] * noise
        mu[np.ix_(after, [0, 1])] *= 1 - pilot_change
        return pd.DataFrame(rng.poisson(mu), index=periods, columns=names)

    heads = pd.DataFrame(np.tile(people, (months, 1)), index=periods, columns=names)
    return measure(0.3, cut), measure(0.5, 0.0), heads, periods[months // 2]


def test_five_departments_two_cutting_training_requests_by_about_38_percent():
    requests, questions, heads, start = five_department_organisation()
    panel = pilot_panel(requests, heads, ["A", "B"])
    result = compare_with_placebos(panel, start, unit="training requests", period_name="month")
    assert result.inference == FALLBACK
    assert result.significant and result.effect_high < 0
    assert result.effect_pct_low < -38 < result.effect_pct_high
    synthetic = synthetic_control(panel, start, unit="training requests", period_name="month")
    assert synthetic.significant and methods_agree(result, synthetic).verdict == CLEAR_EFFECT

    untouched = pilot_panel(questions, heads, ["A", "B"])
    no_effect = compare_with_placebos(untouched, start)
    assert not no_effect.significant and no_effect.effect_low < 0 < no_effect.effect_high
    assert methods_agree(no_effect, synthetic_control(untouched, start)).verdict == NO_CLEAR_EFFECT


def test_a_clear_effect_needs_both_methods_in_the_same_direction():
    requests, _, heads, start = five_department_organisation()
    panel = pilot_panel(requests, heads, ["A", "B"])
    comparison, synthetic = compare_with_placebos(panel, start), synthetic_control(panel, start)
    assert methods_agree(comparison, synthetic).clear_effect
    alone = methods_agree(comparison, dataclasses.replace(synthetic, significant=False))
    assert alone.verdict == ONE_METHOD and not alone.clear_effect and "only the comparison" in alone.explanation
    flipped = dataclasses.replace(synthetic, effect_pct=-synthetic.effect_pct)
    assert methods_agree(comparison, flipped).verdict == OPPOSITE


def test_ratio_did_on_a_constructed_example():
    # pilot groups fall from 10 to 6 per person, the rest rise from 20 to 24 (×1.2): the pilot ends
    # at 6 where it would have been 12, i.e. −50%, and −6 per person in the unit
    after = (PERIODS >= START)
    names = [f"g{i}" for i in range(8)]
    values = pd.DataFrame({n: np.where(after, 6.0 if i < 2 else 24.0, 10.0 if i < 2 else 20.0) * 10
                           for i, n in enumerate(names)}, index=PERIODS)
    heads = pd.DataFrame(10, index=PERIODS, columns=names)
    panel = pilot_panel(values, heads, ["g0", "g1"])
    ratio = compare_with_placebos(panel, START, estimand=RATIO)
    assert ratio.effect_pct == pytest.approx(-50)
    assert ratio.effect == pytest.approx(-6)
    assert ratio.p_value == pytest.approx(1 / math.comb(8, 2))
    assert ratio.effect_pct_low < -50 < ratio.effect_pct_high < 0
    difference = compare_with_placebos(panel, START, estimand=DIFFERENCE)
    assert difference.effect == pytest.approx(-8) and difference.effect_pct == pytest.approx(-80)


def test_synthetic_control_weights_on_a_constructed_donor_pool():
    t = np.arange(12.0)
    donors = np.column_stack([np.sin(t), 0.1 * t ** 1.5, np.cos(t / 2), np.log1p(t)])
    target = 0.3 * donors[:, 1] + 0.7 * donors[:, 3]
    assert simplex_weights(target, donors) == pytest.approx([0, 0.3, 0, 0.7], abs=1e-6)

    # the same inside a panel: the pilot per person is that mix of two groups before the start
    periods = pd.date_range("2023-01-01", periods=24, freq="MS")
    rng = np.random.default_rng(5)
    levels = 3 + rng.normal(0, 0.3, (24, 6)).cumsum(axis=0) * 0.2
    pilot_series = 0.25 * levels[:, 1] + 0.75 * levels[:, 4] + 1.0  # level offset: the intercept
    per_head = np.column_stack([pilot_series, levels])
    names = ["pilot"] + [f"g{i}" for i in range(6)]
    values = pd.DataFrame(per_head * 40, index=periods, columns=names)
    heads = pd.DataFrame(40, index=periods, columns=names)
    result = synthetic_control(pilot_panel(values, heads, ["pilot"]), periods[12], confidence=0.8)
    assert result.weights == pytest.approx({"g1": 0.25, "g4": 0.75}, abs=1e-4)
    assert result.pre_period_gap == pytest.approx(0, abs=1e-6)
    assert result.effect == pytest.approx(0, abs=1e-6)


def test_small_departments_take_part_only_merged_and_never_with_the_other_side():
    sizes = pd.Series({"A": 40, "B": 3, "C": 2, "D": 60, "E": 3, "F": 1, "G": 30})
    mapping = merge_small_departments(sizes, min_group_size=5, pilot=["A", "B", "C"])
    groups = {}
    for department, group in mapping.items():
        groups.setdefault(group, []).append(department)
    for members in groups.values():
        assert sizes[members].sum() >= 5
        assert len({m in {"A", "B", "C"} for m in members}) == 1
    assert mapping["B"] == mapping["C"] == "B + C"
    assert mapping["E"] == mapping["F"] == mapping["G"]  # 3 + 1 is too small: joins the smallest large group

    periods = pd.date_range("2024-01-01", periods=8, freq="MS")
    heads = pd.DataFrame({d: [s] * 8 for d, s in sizes.items()}, index=periods)
    values = heads * 2.0
    with pytest.raises(ValueError, match="fewer than 5 people"):
        pilot_panel(values, heads, ["A", "B", "C"])
    with pytest.raises(ValueError, match="mixes pilot"):
        pilot_panel(values, heads, ["A", "B"], groups=mapping)
    panel = pilot_panel(values, heads, ["A", "B", "C"], groups=mapping)
    assert panel.people.min() >= 5 and panel.groups == ("A", "B + C", "D", "E + F + G")
    result = compare_with_placebos(panel, periods[4], confidence=0.8)
    # every placebo effect is of a choice of whole groups, never of one small department
    assert result.possible_assignments == math.comb(4, 2)
    assert len(result.placebo_effects_pct) == result.assignments_used - 1


def test_level_shift_fallback_recovers_a_shift_and_states_it_against_the_baseline():
    rng = np.random.default_rng(2)
    post = (np.arange(30) >= 15).astype(float)
    pilot = 10 + rng.normal(0, 0.2, 30) - 3 * post
    rest = 8 + rng.normal(0, 0.2, 30)
    shift = level_shift_test(pilot - rest, post, baseline=pilot)
    assert shift.low < -3 < shift.high and shift.p_value < 0.001
    assert shift.autocorrelation_used >= 0.7
    ratio, low, high = shift.ratio_to_baseline
    assert low < ratio < high and low < -0.3 < high
    assert ratio == pytest.approx(shift.estimate / 10, rel=0.05)
