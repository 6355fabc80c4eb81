"""Headlines, periods, number formats and the cost/driver pairs of the overview."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from lookdown.formats import format_value
from lookdown.measures import MeasureResult
from lookdown.periods import whole_periods
from lookdown.present.labels import period_label, window_label
from lookdown.present.overview import by_theme, card_help, cost_pairs, headline, segment_headlines, trend


def make_result(measure, values, *, start=date(2024, 1, 1), end=None, grain="month", segment="All",
                suppressed=(), people=50, by="none", extra: list[dict] | None = None) -> MeasureResult:
    """A result of monthly values from `start`; `suppressed` lists the hidden positions."""
    periods = pd.date_range(start, periods=len(values), freq={"month": "MS", "quarter": "QS",
                                                               "week": "W-MON"}[grain])
    rows = [{"period": p, "segment": segment, "value": float(v), "people": people,
             "suppressed": i in suppressed} for i, (p, v) in enumerate(zip(periods, values))]
    rows += extra or []
    frame = pd.DataFrame(rows)
    frame["people"] = frame["people"].astype("Int64")
    if end is None:
        end = (periods[-1] + pd.offsets.MonthEnd(1 if grain == "month" else 3)).date()
    return MeasureResult(measure, frame, grain, by, start, end, 5)


def test_whole_periods_trim_partial_weeks_months_and_quarters():
    assert whole_periods(date(2023, 1, 1), date(2025, 12, 31), "week") == (date(2023, 1, 2), date(2025, 12, 28))
    assert whole_periods(date(2023, 1, 1), date(2025, 12, 31), "quarter") == (date(2023, 1, 1), date(2025, 12, 31))
    assert whole_periods(date(2024, 1, 15), date(2024, 12, 27), "month") == (date(2024, 2, 1), date(2024, 11, 30))
    assert whole_periods(date(2024, 1, 15), date(2024, 1, 30), "month") is None


def test_headline_compares_last_quarter_of_periods_with_first(catalogue):
    requests = catalogue["training_requests"]  # a cost: should go down
    h = headline(make_result(requests, [10, 12, 14, 20, 20, 20, 20, 20, 20, 6, 5, 4]))
    assert h.window == 3
    assert h.label == "last 3 months vs first 3 months"
    assert (h.first, h.last) == (12.0, 5.0)
    assert h.change == -7.0
    assert h.percent == pytest.approx(-58.333, abs=1e-3)
    assert h.good is True and h.verdict == "good"
    assert h.delta_text() == "-7 (-58.3%)"
    assert h.value_text() == "5 requests"
    assert h.delta_color == "inverse"
    assert h.summary() == "▼ 58.3% (last 3 months vs first 3 months): good"


def test_a_growing_cost_is_not_good_and_a_growing_driver_is(catalogue):
    rising = [1, 1, 2, 2, 3, 3, 4, 4]
    cost = headline(make_result(catalogue["training_requests"], rising))
    driver = headline(make_result(catalogue["questions_answered"], rising))
    assert cost.good is False and cost.verdict == "not good" and cost.delta_color == "inverse"
    assert driver.good is True and driver.delta_color == "normal"
    assert cost.delta_text() == "+3 (+300.0%)"


def test_window_is_at_least_one_period_and_needs_two(catalogue):
    requests = catalogue["training_requests"]
    h = headline(make_result(requests, [8, 9, 4]))
    assert h.window == 1 and h.label == "last month vs first month"
    assert (h.first, h.last) == (8.0, 4.0)
    alone = headline(make_result(requests, [8]))
    assert not alone.available
    assert alone.reason == "Needs at least two whole months of data to compare."
    assert alone.delta_text() == ""


def test_hidden_cells_are_never_used(catalogue):
    # The first month carries a value but is hidden: the first window is only February.
    h = headline(make_result(catalogue["training_requests"], [1000, 10, 10, 10, 10, 10, 10, 5],
                             suppressed={0}))
    assert h.window == 2
    assert h.first == 10.0
    assert h.hidden == 1
    all_hidden = headline(make_result(catalogue["training_requests"], [9, 9, 5, 5], suppressed={0}))
    assert all_hidden.window == 1 and all_hidden.first is None
    assert all_hidden.reason == "No figure to compare in the first month: its cells are hidden (fewer than 5 people)."


def test_a_period_the_range_only_partly_covers_is_left_out(catalogue):
    # The range ends on 10 December: December's 2 requests are a part month, not a drop.
    result = make_result(catalogue["training_requests"], [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 2],
                         end=date(2024, 12, 10))
    h = headline(result)
    assert h.periods == 11
    assert h.last == 8.0 and h.change == 0
    assert h.good is None and h.verdict == "no change"
    assert h.delta_color == "off" and h.delta_arrow == "off"


def test_a_rate_changes_in_percentage_points(catalogue):
    rate = catalogue["voluntary_turnover_rate"]
    h = headline(make_result(rate, [0.012, 0.012, 0.012, 0.012, 0.009, 0.009, 0.009, 0.009]))
    assert h.value_text() == "0.9%"
    assert h.delta_text() == "-0.3 pts (-25.0%)"


def test_neutral_measures_are_never_judged(catalogue):
    neutral = replace(catalogue["questions_answered"], direction="neutral")
    h = headline(make_result(neutral, [1, 2, 3, 4]))
    assert h.change == 3 and h.good is None and h.verdict == "change" and h.delta_color == "off"


def test_segmented_results_are_summarised_per_segment(catalogue):
    requests = catalogue["training_requests"]
    support = [{"period": pd.Timestamp(2024, m, 1), "segment": "Support", "value": float(v), "people": 20,
                "suppressed": False} for m, v in zip(range(1, 5), [1, 2, 3, 4])]
    result = make_result(requests, [4, 3, 2, 1], segment="Sales", by="department", extra=support)
    with pytest.raises(ValueError, match="name the segment"):
        headline(result)
    by_segment = segment_headlines(result)
    assert list(by_segment) == ["Sales", "Support"]
    assert by_segment["Sales"].good is True and by_segment["Support"].good is False
    assert headline(result, "Support").change == 3


@pytest.mark.parametrize("value, spec, text", [
    (1234.5, ",.0f", "1,235"),
    (0.1234, ".1%", "12.3%"),
    (-1234.5, "$,.0f", "-$1,235"),
    (1234, ".2s", "1.2k"),
    (1500000, ".3s", "1.50M"),
    (1234.5, ".3~f", "1234.5"),
    (12.5, "d", "13"),
    (1234567, ",.2r", "1,200,000"),
    (3, "+.1f", "+3.0"),
    (-3, "(.1f", "(3.0)"),
    (float("nan"), ",.0f", "—"),
    (None, ",.0f", "—"),
])
def test_format_value_follows_d3(value, spec, text):
    assert format_value(value, spec) == text


def test_labels():
    assert window_label(9, "month") == "last 9 months vs first 9 months"
    assert window_label(1, "quarter") == "last quarter vs first quarter"
    assert period_label(pd.Timestamp(2024, 7, 1), "quarter") == "2024 Q3"
    assert period_label(date(2024, 7, 1), "week") == "Week of 1 Jul 2024"
    assert period_label(date(2024, 7, 1), "month") == "Jul 2024"


def test_cost_pairs_cover_every_cost_measure_with_its_driver(catalogue):
    pairs = cost_pairs(catalogue)
    costs = [cost.name for cost, _ in pairs]
    assert sorted(costs) == sorted(m.name for m in catalogue.by_pillar("cost"))
    for cost, driver in pairs:
        if cost.paired_with:
            assert driver is catalogue[cost.paired_with] or driver == catalogue[cost.paired_with]
            assert driver.pillar != "cost"
        else:
            assert driver is None
    # Training costs come first, requests then spend: that is where an L&D leader looks first.
    assert [cost.name for cost, _ in pairs[:2]] == ["training_requests", "training_expense"]
    assert ("training_requests", "questions_answered") in [(c.name, d.name) for c, d in pairs if d]


def test_missing_data_names_the_empty_table(catalogue):
    spend = catalogue["marketing_spend"]
    assert spend.missing_data(["marketing_spend", "initiatives"]) == \
        "No data yet: nothing loaded in the marketing spend records."
    assert spend.missing_data(["initiatives"]) == ""


def test_pairs_are_grouped_by_theme_in_reading_order(catalogue):
    themes = by_theme(cost_pairs(catalogue))
    assert list(themes) == ["Training", "People leaving", "Managers' time", "Marketing", "Initiatives"]
    assert all(cost.sources[0] == "training" for cost, _ in themes["Training"])
    assert [cost.name for cost, _ in themes["Marketing"]] == ["marketing_spend"]
    assert sum(len(p) for p in themes.values()) == len(catalogue.by_pillar("cost"))


def test_card_help_says_what_it_counts_where_from_and_which_way_is_good(catalogue):
    requests = catalogue["training_requests"]
    text = card_help(headline(make_result(requests, [8] * 8)), "USD")
    assert text.startswith(requests.description)
    assert "**Source:** training records." in text
    assert "average per month over the last 2 months, compared with the first 2 months (requests)" in text
    assert text.endswith("**This should go down.**")


def test_the_card_trend_leaves_hidden_cells_out(catalogue):
    result = make_result(catalogue["training_requests"], [5, 6, 7, 8], suppressed={1})
    assert trend(result) == [5.0, 7.0, 8.0]
