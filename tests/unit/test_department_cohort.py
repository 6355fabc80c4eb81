"""A pilot group made of departments on the spot: added up before the guard, equal to a loaded
cohort of the same departments, and never a way around the minimum group size: a department
smaller than the minimum can be chosen only with the others it is shown with."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from lookdown.findings import (
    CHOSEN,
    can_combine,
    compare_cohort,
    compare_departments,
    department_cohort_result,
    department_groups,
)
from lookdown.ingest.write import load_frames
from lookdown.measures import run_measure
from tests import fixtures

YEAR = dict(start=date(2024, 1, 1), end=date(2024, 11, 30))


@pytest.fixture
def org(db):
    """54 people: Sales 30, Support 20 (the loaded cohort 'Pilot' from July), Legal 4."""
    load_frames(db, fixtures.frames(), kind="test", source="fixture")
    return db


def test_departments_and_which_measures_can_be_added_up(org, catalogue):
    # Legal (4) is shown with Sales: Support would do as well for size, but Support alone is the
    # loaded cohort, and {Legal, Support} minus it would be Legal.
    assert department_groups(org) == {"Support": ("Support",), "Smaller departments": ("Legal", "Sales")}
    assert can_combine(catalogue["training_requests"]) and can_combine(catalogue["questions_answered"])
    assert not can_combine(catalogue["answer_rate"]) and not can_combine(catalogue["voluntary_turnover_rate"])
    assert not can_combine(catalogue["marketing_spend"])  # one figure for the whole organisation


def test_support_alone_equals_the_loaded_cohort_of_support(org, catalogue):
    for name in ("training_requests", "questions_answered", "training_expense"):
        measure = catalogue[name]
        loaded = run_measure(org, measure, grain="month", by="cohort", **YEAR).frame
        built = department_cohort_result(org, measure, ["Support"], grain="month", name="Pilot", **YEAR).frame
        pd.testing.assert_frame_equal(loaded.sort_values(["period", "segment"]).reset_index(drop=True), built,
                                      check_dtype=False)


def test_a_small_department_counts_in_full_inside_its_group(org, catalogue):
    result = department_cohort_result(org, catalogue["training_requests"], ["Smaller departments"], **YEAR)
    frame = result.frame.set_index(["period", "segment"])
    january = pd.Timestamp(2024, 1, 1)
    # By hand: in January 21 requests alternate Support/Sales (10 to Sales, 11 to Support) and Legal
    # asks for 1; the group of Sales and Legal is 34 people, the rest (Support) 20.
    assert frame.loc[(january, CHOSEN), "value"] == 11 and frame.loc[(january, CHOSEN), "people"] == 34
    assert frame.loc[(january, "Rest"), "value"] == 11 and frame.loc[(january, "Rest"), "people"] == 20
    assert result.by == "cohort" and not result.frame["suppressed"].any()


def test_a_small_department_cannot_be_chosen_apart_from_its_group(org, catalogue):
    requests = catalogue["training_requests"]
    with pytest.raises(ValueError, match="Legal can only be chosen together with Sales, as 'Smaller departments'"):
        department_cohort_result(org, requests, ["Legal"], **YEAR)
    with pytest.raises(ValueError, match="Sales can only be chosen together with Legal"):
        compare_departments(org, requests, ["Sales"], start_on=date(2024, 7, 1), **YEAR)
    # Naming every department of the group is the same as naming the group.
    named = department_cohort_result(org, requests, ["Sales", "Legal"], **YEAR).frame
    grouped = department_cohort_result(org, requests, ["Smaller departments"], **YEAR).frame
    pd.testing.assert_frame_equal(named, grouped)


def test_compare_departments_matches_compare_cohort_for_the_same_group(org, catalogue):
    measure = catalogue["training_requests"]
    loaded = compare_cohort(org, measure, cohort="Pilot", **YEAR)
    built = compare_departments(org, measure, ["Support"], start_on=date(2024, 7, 1), **YEAR)
    assert built.did.did == pytest.approx(loaded.did.did)
    assert built.did.did_ci_low == pytest.approx(loaded.did.did_ci_low)
    assert built.projection.average_gap == pytest.approx(loaded.projection.average_gap)
    assert built.cohort == CHOSEN and built.start == date(2024, 7, 1)


def test_choices_that_cannot_be_compared_are_refused(org, catalogue):
    requests = catalogue["training_requests"]
    with pytest.raises(ValueError, match="rate or a median"):
        department_cohort_result(org, catalogue["answer_rate"], ["Sales"])
    with pytest.raises(ValueError, match="no one left"):
        department_cohort_result(org, requests, ["Smaller departments", "Support"])
    with pytest.raises(ValueError, match="Unknown department"):
        department_cohort_result(org, requests, ["Sales", "Space"])
    with pytest.raises(ValueError, match="at least one"):
        department_cohort_result(org, requests, [])


def test_on_the_demo_the_pilot_departments_equal_the_loaded_pilot_for_every_count(demo_db, catalogue):
    for measure in catalogue:
        if not can_combine(measure):
            continue
        loaded = run_measure(demo_db, measure, grain="quarter", by="cohort").frame
        built = department_cohort_result(demo_db, measure, ["Customer Support", "Sales"], grain="quarter",
                                         name="Social learning pilot").frame
        pd.testing.assert_frame_equal(loaded.sort_values(["period", "segment"]).reset_index(drop=True), built,
                                      check_dtype=False, obj=measure.name)
