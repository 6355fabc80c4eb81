"""The analyses on the demo organisation, whose pilot effect is known from how it was generated:
training requests per person in the pilot fall by up to 45% from about October 2024, while
marketing spend has nothing to do with the pilot."""
from __future__ import annotations

from datetime import date

import pytest

from lookdown.analysis import compare_methods, compare_pilot, pilot_and_rest, project_pilot, trend_by_segment
from lookdown.measures import run_measure
from lookdown.measures.flow import knowledge_flow
from lookdown.queries.cohorts import cohort_start


@pytest.fixture(scope="module")
def training(demo_db, catalogue):
    return run_measure(demo_db, catalogue["training_requests"], grain="month", by="cohort")


def test_pilot_training_requests_fall_against_the_rest(demo_db, training):
    pilot, rest = pilot_and_rest(training)
    start = cohort_start(demo_db, pilot["segment"].iloc[0])
    assert start == date(2024, 7, 1)
    did = compare_pilot(pilot, rest, start=start, per_head=True, unit="requests")
    assert did.status == "ok" and did.significant
    # The drop ramps up over three months, so the average over the after-period is below 45%.
    assert -45 < did.did_pct_points < -20
    assert did.ci_low < did.did_pct_points < did.ci_high < 0
    assert did.parallel_trends.passed
    projection = project_pilot(pilot, start=start, per_head=True, unit="requests")
    assert compare_methods(did, projection).verdict == "agree: clear effect"


def test_trends_by_cohort_and_an_unrelated_measure(demo_db, catalogue, training):
    verdicts = trend_by_segment(training)
    assert verdicts["Social learning pilot"].verdict == "shrinking"
    assert verdicts["Rest"].verdict == "no clear trend"
    marketing = run_measure(demo_db, catalogue["marketing_spend"], grain="month")
    assert trend_by_segment(marketing)["All"].verdict == "no clear trend"


def test_flow_never_shows_a_group_below_the_minimum(demo_db):
    flow = knowledge_flow(demo_db, start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert "Legal" not in flow.departments and "Legal" in flow.merged_departments
    assert flow.answers_total > 0 and 0 < flow.share_answered_across < 1
