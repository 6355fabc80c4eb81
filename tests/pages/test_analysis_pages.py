"""The analysis pages (explore, pilot vs rest, money, knowledge flow) on the demo organisation,
run in-process with AppTest: what each page shows equals the analysis core computed directly."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lookdown.analysis import lagged_correlation
from lookdown.analysis.money import INTANGIBLES, Assumptions, roi
from lookdown.analysis.pilot_value import counted_benefits, measure_benefits, valued_measures
from lookdown.findings import NOT_ADDITIVE, compare_cohort, compare_departments, measure_trends
from lookdown.formats import fmt
from lookdown.measures import Catalogue, run_measure
from lookdown.measures.flow import knowledge_flow
from lookdown.present.analysis_charts import did_figures, values_table, verdict_badge
from lookdown.queries.assumptions import SETTING
from lookdown.store import Database
from tests import fixtures

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "pages"
PILOT = "Social learning pilot"
# The demo covers whole months from January 2023 to December 2025.
ALL = dict(start=date(2023, 1, 1), end=date(2025, 12, 31))


@pytest.fixture
def demo(monkeypatch, demo_db):
    monkeypatch.setenv("LOOKDOWN_DB", str(demo_db.path))
    return demo_db


@pytest.fixture
def demo_copy(monkeypatch, demo_path, tmp_path):
    """A copy of the demo for pages that write (the shared demo stays read-only)."""
    path = fixtures.copy_database(demo_path, tmp_path / "lookdown.duckdb")
    monkeypatch.setenv("LOOKDOWN_DB", str(path))
    return path


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return Catalogue.load()


def run(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGES / page, default_timeout=180)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


# -- explore ------------------------------------------------------------------------------------


def test_explore_restores_the_view_from_the_address(demo, cat):
    params = {"measure": "training_requests", "grain": "week", "by": "department",
              "from": "2023-04", "to": "2025-09"}
    at = run("explore.py", params)
    assert at.selectbox(key="explore_measure").value == "training_requests"
    assert at.segmented_control(key="explore_grain").value == "week"
    assert at.selectbox(key="explore_by").value == "department"
    assert at.select_slider(key="explore_period").value == (date(2023, 4, 1), date(2025, 9, 1))
    assert at.query_params == params

    measure = cat["training_requests"]
    # Whole weeks inside April 2023 to September 2025: Monday 3 April 2023 to Sunday 28 September 2025.
    result, verdicts = measure_trends(demo, measure, by="department", grain="week",
                                      start=date(2023, 4, 3), end=date(2025, 9, 28))
    expected = [verdict_badge(s, v, measure) for s, v in verdicts.items()]
    assert badges(at) == [f":{b.colour}-badge[{b.icon} {b.label}]" for b in expected]
    assert verdicts["Customer Support"].verdict == "shrinking"
    captions = [c.value for c in at.caption]
    support = verdicts["Customer Support"]
    assert f"{fmt(support.slope_per_year, signed=True)} requests per person a year" in " ".join(captions)
    # The chart draws each department per person, hidden cells as gaps.
    spec = next(s for s in specs(at) if s["layout"].get("meta", {}).get("measure") == "training_requests")
    assert spec["layout"]["meta"] == {"measure": "training_requests", "grain": "week", "by": "department",
                                      "per_head": True}
    frame = result.frame
    for trace in spec["data"]:
        segment = trace["name"].split(":")[0]
        rows = frame[frame.segment == segment]
        expected_y = [None if r.suppressed else r.value / r.people for r in rows.itertuples()]
        assert trace["y"] == pytest.approx(expected_y), segment


def test_changing_a_widget_updates_the_address(demo):
    at = run("explore.py")
    assert at.query_params == {"measure": "training_requests", "grain": "month", "by": "none",
                               "from": "2023-01", "to": "2025-12"}
    at.selectbox(key="explore_measure").set_value("questions_answered")
    at.selectbox(key="explore_by").set_value("cohort").run()
    assert not at.exception
    assert at.query_params["measure"] == "questions_answered" and at.query_params["by"] == "cohort"
    at.select_slider(key="explore_period").set_value((date(2024, 1, 1), date(2024, 12, 1)))
    at.segmented_control(key="explore_grain").set_value("quarter").run()
    assert (at.query_params["from"], at.query_params["to"], at.query_params["grain"]) == ("2024-01", "2024-12", "quarter")


def test_an_address_it_does_not_understand_falls_back_and_says_so(demo):
    at = run("explore.py", {"measure": "happiness", "grain": "day"})
    assert at.selectbox(key="explore_measure").value == "training_requests"
    assert any(c.value == "Not understood in the address, so left at the default: measure=happiness, grain=day."
               for c in at.caption)


def test_the_table_holds_the_guarded_values(demo, cat):
    at = run("explore.py", {"measure": "training_requests", "by": "department"})
    shown = at.dataframe[0].value
    expected = values_table(run_measure(demo, cat["training_requests"], by="department", **ALL),
                            per_head=True, unit="requests")
    assert list(shown.columns) == list(expected.columns)
    assert shown["value (requests)"].tolist() == pytest.approx(expected["value (requests)"].tolist(), nan_ok=True)
    legal = shown[shown["group"] == "Legal"]
    assert legal["hidden"].all() and legal["value (requests)"].isna().all()
    assert at.get("download_button")[0].proto.label == "Download these values (CSV)"


def test_the_lagged_link_equals_the_correlation_computed_directly(demo, cat):
    at = run("explore.py")
    assert at.selectbox(key="lag_driver_training_requests").value == "questions_answered"
    driver = run_measure(demo, cat["questions_answered"], **ALL)
    outcome = run_measure(demo, cat["training_requests"], **ALL)
    lag = lagged_correlation(driver.frame, outcome.frame, 6, grain="month")
    spec = next(s for s in specs(at) if "best_lag" in s["layout"].get("meta", {}))
    assert spec["layout"]["meta"]["best_lag"] == lag.best_lag
    assert spec["data"][0]["y"] == pytest.approx([row.pearson_r for row in lag.rows])
    assert any(m.value == lag.explanation for m in at.markdown)


# -- pilot vs rest ------------------------------------------------------------------------------


def pilot_meta(at: AppTest) -> dict:
    return next(s["layout"]["meta"] for s in specs(at) if "cohort" in s["layout"].get("meta", {}))


def test_the_loaded_pilot_equals_compare_cohort(demo, cat):
    at = run("pilot.py")
    measure = cat["training_requests"]
    expected = compare_cohort(demo, measure, cohort=PILOT, grain="month", **ALL)
    assert pilot_meta(at) == {"measure": "training_requests", "cohort": PILOT, "per_head": True,
                              "did": pytest.approx(expected.did.did)}
    figures = did_figures(expected.did, measure, unit="requests")
    assert metric(at, "Difference-in-differences").value == figures.did
    assert metric(at, "In points of the pilot's start").value == figures.points
    assert metric(at, "Pilot: before → after").value == figures.pilot
    assert metric(at, "Rest: before → after").value == figures.rest
    assert metric(at, "Pilot: before → after").proto.delta == figures.pilot_change
    assert any(m.value.startswith("In **requests per person per month**. Difference-in-differences "
                                  f"**{figures.did}**, {figures.did_interval} ({figures.points_interval}).")
               for m in at.markdown)
    # The demo's pilot: a clear fall, parallel before, and both methods agree.
    assert expected.did.significant and expected.did.did < 0
    assert [s.value for s in at.success] == [expected.did.parallel_trends.note]
    assert metric(at, "Gap (actual − projected)").value == fmt(expected.projection.average_gap, signed=True)
    assert metric(at, "Projected from the earlier trend").value == fmt(expected.projection.projected_after)
    assert ":green-badge[agree: clear effect]" in badges(at)
    texts = [m.value for m in at.markdown]
    assert expected.did.explanation in texts and expected.projection.explanation in texts
    assert any(expected.did.limitations[0] in t for t in texts)


def test_a_cohort_of_other_departments_changes_the_figures(demo, cat):
    at = run("pilot.py")
    loaded = pilot_meta(at)["did"]
    at.radio(key="pilot_source").set_value("departments").run()
    assert any(i.value == "Choose the departments that make up the pilot group." for i in at.info)
    at.multiselect(key="pilot_departments").set_value(["Engineering", "IT"]).run()
    assert not at.exception
    assert at.date_input(key="pilot_start_on").value == date(2024, 7, 1)
    expected = compare_departments(demo, cat["training_requests"], ["Engineering", "IT"],
                                   start_on=date(2024, 7, 1), grain="month", **ALL)
    meta = pilot_meta(at)
    assert meta["cohort"] == "Chosen departments" and meta["did"] == pytest.approx(expected.did.did)
    assert meta["did"] != pytest.approx(loaded)
    assert metric(at, "Difference-in-differences").value == did_figures(
        expected.did, cat["training_requests"], unit="requests").did
    # Engineering and IT had no pilot: nothing that stands out from chance.
    assert not expected.did.significant


def test_a_small_department_is_offered_only_with_the_department_it_is_shown_with(demo, cat):
    at = run("pilot.py")
    at.radio(key="pilot_source").set_value("departments").run()
    options = at.multiselect(key="pilot_departments").options
    assert "Smaller departments" in options and "Legal" not in options and "HR" not in options
    assert any(c.value.startswith("'Smaller departments' is HR and Legal together") for c in at.caption)
    at.multiselect(key="pilot_departments").set_value(["Engineering", "IT", "Smaller departments"]).run()
    assert not at.exception
    expected = compare_departments(demo, cat["training_requests"], ["Engineering", "IT", "Smaller departments"],
                                   start_on=date(2024, 7, 1), grain="month", **ALL)
    assert pilot_meta(at)["did"] == pytest.approx(expected.did.did)


def test_explore_says_which_departments_are_shown_together_and_why(demo):
    at = run("explore.py", {"measure": "training_requests", "by": "department"})
    note = next(i.value for i in at.info if i.value.startswith("**Shown together as 'Smaller departments':**"))
    assert "HR and Legal" in note and "Legal had fewer than 5 people" in note and "HR joined it" in note
    assert "Legal" not in at.multiselect(key="explore_show_department").options
    at = run("explore.py", {"measure": "training_requests", "by": "location"})
    assert not [i for i in at.info if "Shown together" in i.value]


def test_rates_cannot_be_built_from_departments(demo, cat):
    at = run("pilot.py")
    at.radio(key="pilot_source").set_value("departments").run()
    at.multiselect(key="pilot_departments").set_value(["Sales"])
    at.selectbox(key="pilot_measure").set_value("answer_rate").run()
    assert [w.value for w in at.warning] == [NOT_ADDITIVE.format(label=cat["answer_rate"].label)]
    assert not any("cohort" in s["layout"].get("meta", {}) for s in specs(at))


def test_by_quarter_the_pilot_page_equals_compare_cohort_by_quarter(demo, cat):
    at = run("pilot.py")
    at.selectbox(key="pilot_measure").set_value("training_expense")
    at.segmented_control(key="pilot_grain").set_value("quarter").run()
    expected = compare_cohort(demo, cat["training_expense"], cohort=PILOT, grain="quarter", **ALL)
    assert pilot_meta(at)["did"] == pytest.approx(expected.did.did)
    # Money is labelled with the currency, never the word 'currency'.
    assert any(m.value.startswith("In **USD per person per quarter**") for m in at.markdown)


def test_a_part_month_at_the_end_is_left_out_of_the_comparison(app_env, cat):
    """The small fixture organisation's data ends on 27 December 2024: a part month that would read
    as a drop after the start, so the comparison stops at November."""
    at = run("pilot.py")
    assert at.selectbox(key="pilot_cohort").value == "Pilot"
    db = Database(app_env)
    try:
        expected = compare_cohort(db, cat["training_requests"], cohort="Pilot", grain="month",
                                  start=date(2024, 1, 1), end=date(2024, 11, 30))
        untrimmed = compare_cohort(db, cat["training_requests"], cohort="Pilot", grain="month")
    finally:
        db.close()
    assert pilot_meta(at)["did"] == pytest.approx(expected.did.did)
    assert expected.did.periods_after == 5 and untrimmed.did.periods_after == 6
    assert any("Whole months from 1 Jan 2024 to 30 Nov 2024." in c.value for c in at.caption)


# -- money --------------------------------------------------------------------------------------


def expected_roi(db_path: Path, cat: Catalogue, assumptions: Assumptions):
    db = Database(db_path)
    try:
        comparisons = {m.name: compare_cohort(db, m, cohort=PILOT, grain="month", **ALL) if m.segmentable else None
                       for m in valued_measures(cat)}
        items = measure_benefits(cat, comparisons, empty_tables=db.coverage().empty_tables,
                                 currency=assumptions.currency)
    finally:
        db.close()
    return roi(counted_benefits(items), assumptions), items


def test_money_figures_equal_the_phillips_roi_computed_directly(demo_copy, cat):
    at = run("money.py")
    result, _items = expected_roi(demo_copy, cat, Assumptions())
    assert metric(at, "Benefits (USD)").value == fmt(result.total_benefits)
    assert metric(at, "Costs (USD)").value == fmt(result.programme_costs)
    assert metric(at, "Net benefit (USD)").value == fmt(result.net_benefit)
    assert metric(at, "ROI").value == f"{fmt(result.roi_pct)}%"
    assert metric(at, "Benefit–cost ratio").value == f"{fmt(result.benefit_cost_ratio)} : 1"
    assert "(Benefits − costs) ÷ costs × 100" in metric(at, "ROI").help
    band = at.dataframe[0].value
    assert band["ROI %"].tolist() == pytest.approx([result.low.roi_pct, result.expected.roi_pct,
                                                    result.high.roi_pct])
    # Every line shows its formula; every assumption its source; the intangibles are listed.
    labels = [e.label for e in at.expander]
    for line in result.lines:
        assert any(label.startswith(f"{line.label}: {fmt(line.benefit)} USD a year") for label in labels)
    captions = " ".join(c.value for c in at.caption)
    for source in Assumptions.sources().values():
        assert f"Source: {source}" in captions
    texts = " ".join(m.value for m in at.markdown)
    assert all(item in texts for item in INTANGIBLES)
    assert "**Marketing spend** (organisation-wide)" in texts
    # Participants is 0 by default: the page warns that the ROI is flattering.
    assert any("Participants is 0" in w.value for w in at.warning)


def test_costs_whose_records_are_not_loaded_are_listed_not_priced(app_env, cat):
    at = run("money.py")  # the small fixture organisation: no manager time, marketing or initiatives
    texts = " ".join(m.value for m in at.markdown)
    for name in ("manager_direction_hours", "late_stop_spend"):
        assert f"**{cat[name].label}** (no data)" in texts
    assert not any(e.label.startswith(cat["manager_direction_hours"].label) for e in at.expander)


def test_an_edited_assumption_is_saved_with_the_data_and_restored_to_the_default(demo_copy, cat):
    at = run("money.py")
    at.number_input(key="money_hourly_cost").set_value(50.0)
    at.number_input(key="money_participants").set_value(470)
    next(b for b in at.button if b.label == "Save with the data").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Saved with the data."]

    reopened = run("money.py")
    assert reopened.number_input(key="money_hourly_cost").value == 50.0
    assert reopened.number_input(key="money_participants").value == 470
    edited = Assumptions(hourly_cost=50.0, participants=470)
    result, _ = expected_roi(demo_copy, cat, edited)
    assert metric(reopened, "Costs (USD)").value == fmt(result.programme_costs)
    assert metric(reopened, "Benefits (USD)").value == fmt(result.total_benefits)
    assert not any("Participants is 0" in w.value for w in reopened.warning)

    reopened.button(key="money_restore").click().run()
    assert [s.value for s in reopened.success] == ["The documented defaults are restored."]
    assert reopened.number_input(key="money_hourly_cost").value == pytest.approx(46.6)
    assert metric(reopened, "Benefits (USD)").value == fmt(expected_roi(demo_copy, cat, Assumptions())[0].total_benefits)
    db = Database(demo_copy)
    try:
        assert db.setting(SETTING) is None
    finally:
        db.close()


def test_a_new_currency_asks_for_figures_in_it_instead_of_relabelling_the_defaults(demo_copy, cat):
    at = run("money.py")
    at.selectbox(key="money_currency").set_value("EUR").run()
    assert not at.exception
    # The US-dollar defaults are named as such and not shown as euros; nothing is priced meanwhile.
    assert any("in USD" in w.value and "EUR" in w.value for w in at.warning)
    assert at.number_input(key="money_hourly_cost").value is None
    assert not [m for m in at.metric if m.label.startswith("Benefits")]
    next(b for b in at.button if b.label == "Save with the data").click().run()
    assert any(e.value.startswith("Not saved: enter every amount in EUR") for e in at.error)

    for name, value in {"hourly_cost": 40.0, "manager_hourly_cost": 70.0, "average_annual_salary": 52000.0,
                        "cost_per_training_request": 20.0, "licence_cost_per_person_per_year": 96.0,
                        "other_annual_costs": 0.0}.items():
        at.number_input(key=f"money_{name}").set_value(value)
    at.number_input(key="money_participants").set_value(470)
    next(b for b in at.button if b.label == "Save with the data").click().run()
    assert [s.value for s in at.success] == ["Saved with the data."]
    euros = Assumptions(currency="EUR", hourly_cost=40.0, manager_hourly_cost=70.0, average_annual_salary=52000.0,
                        cost_per_training_request=20.0, licence_cost_per_person_per_year=96.0, participants=470)
    result, _ = expected_roi(demo_copy, cat, euros)
    assert metric(at, "Benefits (EUR)").value == fmt(result.total_benefits)
    assert metric(at, "Costs (EUR)").value == fmt(result.programme_costs)


# -- knowledge flow -----------------------------------------------------------------------------


def test_flow_equals_the_knowledge_flow_computed_directly(demo):
    at = run("flow.py")
    flow = knowledge_flow(demo, start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert metric(at, "Answers and replies").value == f"{flow.answers_total:,}"
    assert metric(at, "…to another department").value == f"{flow.answers_across:,}"
    assert metric(at, "Questions answered across departments").value == f"{flow.share_answered_across:.1%}"
    heat = next(s for s in specs(at) if s["data"][0]["type"] == "heatmap")
    assert heat["data"][0]["z"] == [list(row) for row in flow.matrix]
    assert heat["data"][0]["x"] == list(flow.departments)
    # Legal (4 people) is never shown alone; the page says which departments were merged and why.
    assert "Legal" not in flow.departments
    merged = next(i.value for i in at.info if i.value.startswith("**Shown together as"))
    assert "HR and Legal" in merged and "fewer than 5 people" in merged
    # The total across departments is the matrix's off-diagonal cells: it gives nothing hidden away.
    cells = flow.matrix
    assert flow.answers_across == sum(cells[r][c] for r in range(len(cells)) for c in range(len(cells)) if r != c)

    at.select_slider(key="flow_period").set_value((date(2023, 1, 1), date(2023, 6, 1))).run()
    early = knowledge_flow(demo, start=date(2023, 1, 1), end=date(2023, 6, 30))
    assert metric(at, "Answers and replies").value == f"{early.answers_total:,}"
    assert early.answers_total != flow.answers_total
