"""The pilot's isolated effects on the way to money, on the demo organisation."""
from __future__ import annotations

import pytest

from lookdown.analysis.money import MEASURE_VALUE_KINDS, Assumptions, roi
from lookdown.analysis.pilot_value import (
    COUNTED,
    NO_DATA,
    NOT_CLEAR,
    ORGANISATION_WIDE,
    counted_benefits,
    measure_benefits,
    pilot_headcount,
    value_formula,
    valued_measures,
)
from lookdown.findings import compare_cohort


@pytest.fixture(scope="module")
def comparisons(demo_db, catalogue):
    return {m.name: compare_cohort(demo_db, m) if m.segmentable else None for m in valued_measures(catalogue)}


def test_every_valued_measure_is_counted_or_says_why(catalogue, comparisons):
    items = {item.name: item for item in measure_benefits(catalogue, comparisons, currency="USD")}
    assert set(items) == set(MEASURE_VALUE_KINDS)
    assert items["marketing_spend"].status == ORGANISATION_WIDE
    for item in items.values():
        did = comparisons[item.name].did if comparisons[item.name] else None
        if item.status == COUNTED:
            assert did.significant and item.reason == ""
        elif item.status == NOT_CLEAR:
            assert not did.significant and "includes zero" in item.reason
    # The demo's pilot cuts training requests; that effect is counted. Money is labelled in USD.
    assert items["training_requests"].status == COUNTED
    assert items["training_expense"].unit == "USD"


def test_the_reduction_is_the_did_per_person_scaled_to_a_year_and_the_pilot(catalogue, comparisons):
    comparison = comparisons["training_requests"]
    frame = comparison.result.frame
    after = frame[(frame.segment == comparison.cohort) & (frame.period >= "2024-07-01")]
    assert pilot_headcount(comparison) == pytest.approx(after["people"].astype(float).mean())
    item = next(i for i in measure_benefits(catalogue, comparisons) if i.name == "training_requests")
    expected = -comparison.did.did * 12 * item.headcount
    assert item.benefit.reduction_per_year == pytest.approx(expected)
    assert item.benefit.low == pytest.approx(-comparison.did.did_ci_high * 12 * item.headcount)
    assert item.reduction_formula().startswith("Reduction a year = −(difference-in-differences −0.")
    assert f"× 12 months × {round(item.headcount)} people in the pilot" in item.reduction_formula()


def test_counting_every_estimate_adds_the_unclear_ones(catalogue, comparisons):
    strict = measure_benefits(catalogue, comparisons, only_clear=True)
    loose = measure_benefits(catalogue, comparisons, only_clear=False)
    unclear = [i.name for i in strict if i.status == NOT_CLEAR]
    assert unclear, "the demo has at least one effect whose interval includes zero"
    assert {i.name for i in loose if i.status == COUNTED} == {i.name for i in strict if i.status == COUNTED} | set(unclear)
    assert len(counted_benefits(loose)) == len(counted_benefits(strict)) + len(unclear)


def test_measures_of_empty_tables_are_not_priced(catalogue, comparisons):
    items = {i.name: i for i in measure_benefits(catalogue, comparisons, empty_tables=["manager_time"])}
    assert items["manager_direction_hours"].status == NO_DATA and items["manager_direction_hours"].benefit is None
    assert items["manager_direction_hours"].reason == "No data yet: nothing loaded in the manager time records."


def test_value_formulas_show_the_unit_value(catalogue, comparisons):
    assumptions = Assumptions(currency="EUR")
    items = measure_benefits(catalogue, comparisons, only_clear=False, currency="EUR")
    result = roi(counted_benefits(items), assumptions)
    lines = {line.measure: line for line in result.lines}
    requests = lines["training_requests"]
    text = value_formula(requests, assumptions, unit="requests")
    assert text.startswith(f"Value = {round(requests.reduction_per_year):,} requests × 23.3 EUR (the cost of handling")
    assert text.endswith(f"= {requests.benefit:,.0f} EUR")
    assert value_formula(lines["training_expense"], assumptions, unit="EUR").endswith("already money, counted as it is")
    leavers = value_formula(lines["voluntary_leavers"], assumptions, unit="people")
    assert "21% × 58,680 = 12,323 EUR" in leavers
