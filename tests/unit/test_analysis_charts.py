"""Figures, tables and words of the analysis pages, on hand-made results."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from lookdown.analysis import compare_pilot, lagged_correlation, project_pilot, trend_by_segment
from lookdown.analysis.money import Assumptions
from lookdown.formats import fmt
from lookdown.measures import MeasureResult
from lookdown.measures.flow import knowledge_flow
from lookdown.present.analysis_charts import (
    AGREEMENT_COLOURS,
    cost_formulas,
    did_figures,
    display_unit,
    explore_state,
    flow_figure,
    from_shown,
    in_currency,
    lag_figure,
    measure_option,
    measures_by_pillar,
    pilot_figure,
    projection_figure,
    share_figure,
    shown_value,
    trend_figure,
    value_text,
    values_csv,
    values_table,
    verdict_badge,
)
from tests import fixtures

MONTHS = [date(2024, m, 1) for m in range(1, 13)]


def result_of(measure, series: dict[str, list[float]], *, people: dict[str, list[int]] | None = None,
              hidden: dict[str, set[int]] | None = None, by: str = "department", grain: str = "month"):
    rows = []
    for segment, values in series.items():
        for i, value in enumerate(values):
            suppressed = i in (hidden or {}).get(segment, set())
            rows.append({
                "period": pd.Timestamp(2023, 1, 1) + pd.DateOffset(months=i), "segment": segment,
                "value": float("nan") if suppressed else float(value),
                "people": (people or {}).get(segment, [40] * len(values))[i], "suppressed": suppressed,
            })
    frame = pd.DataFrame(rows)
    frame["people"] = frame["people"].astype("Int64")
    n = max(len(v) for v in series.values())
    end = (pd.Timestamp(2023, 1, 1) + pd.DateOffset(months=n) - pd.Timedelta(days=1)).date()
    return MeasureResult(measure, frame, grain, by, date(2023, 1, 1), end, 5)


# -- the address ---------------------------------------------------------------------------------


def test_explore_state_reads_valid_parameters_and_names_the_rest():
    kwargs = dict(measures=["training_requests", "answer_rate"], segmentations=["none", "department"],
                  months=MONTHS, default_measure="training_requests")
    state = explore_state({"measure": "answer_rate", "grain": "quarter", "by": "department",
                           "from": "2024-03", "to": "2024-10"}, **kwargs)
    assert (state.measure, state.grain, state.by) == ("answer_rate", "quarter", "department")
    assert (state.first_month, state.last_month) == (date(2024, 3, 1), date(2024, 10, 1))
    assert state.problems == ()
    assert state.params() == {"measure": "answer_rate", "grain": "quarter", "by": "department",
                              "from": "2024-03", "to": "2024-10"}

    odd = explore_state({"measure": "nope", "grain": "day", "by": "location", "from": "2019-01",
                         "to": "soon"}, **kwargs)
    assert (odd.measure, odd.grain, odd.by) == ("training_requests", "month", "none")
    assert (odd.first_month, odd.last_month) == (MONTHS[0], MONTHS[-1])
    assert odd.problems == ("measure=nope", "grain=day", "by=location", "from=2019-01", "to=soon")

    backwards = explore_state({"from": "2024-09", "to": "2024-02"}, **kwargs)
    assert (backwards.first_month, backwards.last_month) == (MONTHS[0], MONTHS[-1])
    assert backwards.problems == ("from=2024-09 is after to=2024-02",)
    assert explore_state({}, **kwargs).params()["from"] == "2024-01"


def test_measures_are_grouped_by_pillar_costs_first(catalogue):
    ordered = measures_by_pillar(catalogue)
    pillars = [m.pillar for m in ordered]
    assert pillars[0] == "cost" and pillars.index("collaboration") > pillars.count("cost") - 1
    assert pillars == sorted(pillars, key=["cost", "collaboration", "engagement", "learning"].index)
    assert measure_option(catalogue["training_requests"]) == "Cost · Training requests"


def test_currency_replaces_the_word_currency(catalogue):
    spend = catalogue["training_expense"]
    assert display_unit(spend, "EUR") == "EUR" and display_unit(catalogue["training_requests"], "EUR") == "requests"
    shown = in_currency(spend, "EUR")
    assert shown.unit == "EUR" and shown.sql == spend.sql and spend.unit == "currency"


def test_value_text_in_units_per_person_and_points(catalogue):
    requests, rate = catalogue["training_requests"], catalogue["voluntary_turnover_rate"]
    assert value_text(0.054, requests, per_head=True) == "0.054 requests per person"
    assert value_text(-0.054, requests, per_head=True, signed=True) == "−0.054 requests per person"
    assert value_text(0.123, rate) == "12.3%"
    assert value_text(-0.004, rate, signed=True) == "−0.4 pts"
    assert value_text(None, rate) == "n/a"


# -- verdicts, the explore chart and the table ---------------------------------------------------


def test_badges_are_green_when_a_measure_moves_the_way_it_should(catalogue):
    falling = list(range(40, 16, -1))
    rising = list(range(10, 34))
    noisy = list(20 + np.random.default_rng(11).normal(scale=3, size=24))
    cost = result_of(catalogue["training_requests"], {"A": falling, "B": rising, "C": noisy}, by="department")
    verdicts = trend_by_segment(cost, per_head=True, unit="requests per person")
    a, b, c = (verdict_badge(s, verdicts[s], cost.measure) for s in "ABC")
    assert (a.label, a.colour, a.icon) == ("shrinking", "green", ":material/trending_down:")
    assert (b.label, b.colour) == ("growing", "red")
    assert c.label == "no clear trend (too much noise)" and c.colour == "gray"
    assert c.change.startswith("best estimate ")
    # 40 → 17 over 24 months at 40 people: −1/40 per person per month, −0.3 a year.
    assert a.change.startswith("−0.3 requests per person a year (")
    assert a.explanation == verdicts["A"].explanation

    driver = result_of(catalogue["questions_answered"], {"A": rising})
    up = trend_by_segment(driver)["A"]
    assert verdict_badge("A", up, driver.measure).colour == "green"


def test_a_group_whose_values_are_all_hidden_says_so(catalogue):
    cost = result_of(catalogue["training_requests"], {"Small": [3] * 12}, hidden={"Small": set(range(12))})
    badge = verdict_badge("Small", trend_by_segment(cost)["Small"], cost.measure)
    assert badge.label == "hidden to protect small groups" and badge.colour == "gray"
    assert badge.change.startswith("every value hidden")


def test_trend_figure_draws_per_person_values_and_leaves_hidden_cells_as_gaps(catalogue):
    cost = result_of(catalogue["training_requests"], {"A": [10, 20, 30], "B": [8, 8, 8]},
                     people={"A": [10, 20, 30], "B": [40, 40, 40]}, hidden={"B": {1}})
    verdicts = trend_by_segment(cost, per_head=True, min_periods=3)
    fig = trend_figure(cost, verdicts, per_head=True, unit="requests", markers=[(date(2023, 2, 1), "Pilot starts")])
    a, b = fig.data
    assert a.name == f"A: {verdicts['A'].verdict}" and list(a.y) == [1.0, 1.0, 1.0]
    assert list(b.y) == [0.2, None, 0.2]
    assert b.customdata[1][2] == "hidden" and a.customdata[2][3] == "30"
    assert "requests per person" in a.hovertemplate
    assert fig.layout.meta["per_head"] is True and fig.layout.yaxis.title.text == "requests per person"
    assert fig.layout.shapes[0].x0 == "2023-02-01"
    only_b = trend_figure(cost, verdicts, per_head=False, segments=["B"])
    assert [t.name for t in only_b.data] == [f"B: {verdicts['B'].verdict}"] and list(only_b.data[0].y) == [8, None, 8]


def test_values_table_and_csv_keep_hidden_cells_empty(catalogue):
    cost = result_of(catalogue["training_requests"], {"A": [10, 20], "B": [3, 4]},
                     people={"A": [10, 20], "B": [4, 4]}, hidden={"B": {0, 1}})
    table = values_table(cost, per_head=True, unit="requests")
    assert list(table.columns) == ["period", "group", "value (requests)", "people", "hidden",
                                   "per person (requests)", "note"]
    assert table["per person (requests)"].tolist()[0] == 1.0
    hidden = table[table["group"] == "B"]
    assert hidden["value (requests)"].isna().all() and hidden["per person (requests)"].isna().all()
    assert set(hidden["note"]) == {"fewer than 5 people: hidden"}
    csv = values_csv(table).splitlines()
    assert csv[0] == "period,group,value (requests),people,hidden,per person (requests),note"
    assert csv[2] == "2023-01-01,B,,4,True,,fewer than 5 people: hidden"


# -- lag -------------------------------------------------------------------------------------------


def test_lag_figure_highlights_the_best_lag():
    rng = np.random.default_rng(3)
    index = pd.date_range("2022-01-01", periods=30, freq="MS")
    driver = pd.Series(rng.normal(size=30), index=index)
    outcome = -driver.shift(2).fillna(0) + rng.normal(scale=0.1, size=30)
    lag = lagged_correlation(driver, outcome, 6, grain="month")
    fig = lag_figure(lag, driver="Questions answered", outcome="Training requests")
    bar = fig.data[0]
    assert list(bar.x) == list(range(7)) and lag.best_lag == 2
    assert bar.y[2] == pytest.approx(lag.best_r)
    assert bar.marker.color[2] != bar.marker.color[0]
    assert bar.text[2] == f"n={lag.rows[2].n}"


# -- pilot -----------------------------------------------------------------------------------------


def pilot_result(catalogue, effect=-10.0):
    """Pilot and rest at 50 people each over 24 months; the pilot drops by `effect` from month 13."""
    rng = np.random.default_rng(5)
    pilot = [100 + rng.normal(scale=2) + (effect if i >= 12 else 0) for i in range(24)]
    rest = [100 + rng.normal(scale=2) for i in range(24)]
    return result_of(catalogue["training_requests"], {"Pilot": pilot, "Rest": rest},
                     people={"Pilot": [50] * 24, "Rest": [50] * 24}, by="cohort")


def test_pilot_figure_shows_both_groups_their_averages_and_the_start(catalogue):
    result = pilot_result(catalogue)
    frame = result.frame
    start = date(2024, 1, 1)
    did = compare_pilot(frame[frame.segment == "Pilot"], frame[frame.segment == "Rest"], start=start,
                        per_head=True, unit="requests", grain="month")
    fig = pilot_figure(result, "Pilot", did, unit="requests", start=start)
    lines = {t.name: t for t in fig.data}
    assert lines["Pilot"].y[0] == pytest.approx(frame.value[0] / 50)
    before, after = lines["Pilot: average before"], lines["Pilot: average after"]
    assert list(before.y) == [did.pilot_before] * 2 and list(after.y) == [did.pilot_after] * 2
    assert list(after.x) == ["2024-01-01", "2024-12-01"]
    assert lines["Rest of the organisation: average after"].y[0] == did.rest_after
    assert fig.layout.shapes[0].x0 == "2024-01-01" and fig.layout.annotations[0].text == "Pilot starts"
    assert fig.layout.meta["did"] == did.did
    # The effect is −10 requests at 50 people: about −0.2 per person.
    assert did.did == pytest.approx(-0.2, abs=0.03)


def test_did_figures_put_units_intervals_and_points_in_words(catalogue):
    result = pilot_result(catalogue)
    frame = result.frame
    did = compare_pilot(frame[frame.segment == "Pilot"], frame[frame.segment == "Rest"],
                        start=date(2024, 1, 1), per_head=True, unit="requests", grain="month")
    figures = did_figures(did, catalogue["training_requests"], unit="requests")
    assert figures.unit == "requests per person"
    assert figures.did.startswith("−0.") and figures.did == fmt(did.did, signed=True)
    assert figures.points.endswith(" pts") and figures.points.startswith("−")
    assert figures.did_interval.startswith("95% CI −") and figures.did_interval.endswith("requests per person")
    assert figures.pilot_change.startswith("-") and figures.verdict.startswith("The interval excludes zero")
    assert " → " in figures.pilot and figures.rest_change != ""


def test_projection_figure_bands_only_after_the_start(catalogue):
    result = pilot_result(catalogue)
    frame = result.frame
    projection = project_pilot(frame[frame.segment == "Pilot"], start=date(2024, 1, 1), per_head=True,
                               unit="requests", grain="month")
    fig = projection_figure(projection, cohort="Pilot", unit="requests", measure=catalogue["training_requests"])
    upper, lower, projected, actual = fig.data
    assert len(upper.x) == 12 and upper.x[0] == "2024-01-01" and lower.fill == "tonexty"
    points = projection.frame()
    assert list(actual.y) == pytest.approx(points["actual"].tolist())
    assert list(projected.y) == pytest.approx(points["projected"].tolist())
    assert fig.layout.meta["average_gap"] == projection.average_gap
    assert set(AGREEMENT_COLOURS) >= {"agree: clear effect", "opposite directions", "cannot compare"}


# -- knowledge flow --------------------------------------------------------------------------------


def test_flow_figures_draw_the_matrix_and_the_shares(db):
    from lookdown.ingest.write import load_frames

    load_frames(db, fixtures.frames(), kind="test", source="fixture")
    flow = knowledge_flow(db, start=date(2024, 1, 1), end=date(2024, 12, 31))
    fig = flow_figure(flow)
    heat = fig.data[0]
    assert list(heat.x) == list(flow.departments) == list(heat.y)
    assert [list(row) for row in heat.z] == [list(row) for row in flow.matrix]
    # Legal (4 people) is merged with the next smallest department, never shown on its own.
    assert "Legal" not in heat.x and fig.layout.meta["merged"] == list(flow.merged_departments)
    bars = share_figure(flow).data[0]
    assert dict(zip(bars.y, bars.x)) == {k: v for k, v in flow.share_by_department.items() if v is not None}


# -- money -----------------------------------------------------------------------------------------


def test_assumption_panel_shows_shares_in_percent_and_reads_them_back():
    defaults = Assumptions()
    assert shown_value(defaults, "replacement_cost_share") == 21.0
    values = {name: shown_value(defaults, name) for name in ("hourly_cost", "manager_hourly_cost",
              "average_annual_salary", "replacement_cost_share", "cost_per_training_request",
              "licence_cost_per_person_per_year", "participants", "admin_hours_per_year",
              "other_annual_costs", "sensitivity_pct")}
    assert from_shown(values, "USD") == defaults
    edited = from_shown({**values, "replacement_cost_share": 33.0, "participants": 120}, " eur ")
    assert edited.replacement_cost_share == pytest.approx(0.33) and edited.participants == 120
    assert edited.currency == "EUR"
    with pytest.raises(ValueError):
        from_shown({**values, "sensitivity_pct": 150.0}, "USD")


def test_cost_formulas_show_their_inputs():
    formulas = cost_formulas(Assumptions(participants=100, licence_cost_per_person_per_year=105,
                                         admin_hours_per_year=208, hourly_cost=46.6, other_annual_costs=500,
                                         currency="EUR"))
    assert formulas["licences"] == "105 EUR a person × 100 participants = 10,500 EUR"
    assert formulas["administration"] == "208 hours × 46.6 EUR an hour = 9,693 EUR"
    assert formulas["other"] == "as entered: 500 EUR"
