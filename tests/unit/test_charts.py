"""The cost/driver figures: colours, formats, hover, hidden cells, segments, sources, markers."""
from __future__ import annotations

from datetime import date

import pandas as pd

from lookdown.measures import MeasureResult
from lookdown.present.charts import BAD, GOOD, NEUTRAL, SEGMENT_COLOURS, pair_figure


def result_of(measure, series: dict[str, list[float]], *, hidden: dict[str, set[int]] | None = None,
              people: dict[str, int] | None = None, by: str = "none", blank: set[int] = frozenset()):
    """Monthly values from January 2024, one list per segment."""
    rows = []
    for segment, values in series.items():
        for i, value in enumerate(values):
            suppressed = i in (hidden or {}).get(segment, set())
            rows.append({
                "period": pd.Timestamp(2024, i + 1, 1), "segment": segment,
                "value": float("nan") if suppressed or i in blank else float(value),
                "people": (people or {}).get(segment, 40), "suppressed": suppressed,
            })
    frame = pd.DataFrame(rows)
    frame["people"] = frame["people"].astype("Int64")
    months = max(len(v) for v in series.values())
    end = (pd.Timestamp(2024, months, 1) + pd.offsets.MonthEnd(1)).date()
    return MeasureResult(measure, frame, "month", by, date(2024, 1, 1), end, 5)


def texts(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def test_shrinking_cost_and_growing_driver_are_both_green(catalogue):
    cost = result_of(catalogue["training_requests"], {"All": [20, 18, 16, 14, 12, 10, 8, 6]})
    driver = result_of(catalogue["questions_answered"], {"All": [5, 6, 7, 8, 9, 10, 11, 12]})
    fig = pair_figure(cost, driver)
    assert len(fig.data) == 2
    left, right = fig.data
    assert left.line.color == GOOD and right.line.color == GOOD
    assert left.xaxis == "x" and right.xaxis == "x2" and fig.layout.xaxis2.matches == "x"
    assert list(left.y) == [20, 18, 16, 14, 12, 10, 8, 6]
    # Titles: the measure, its change in its verdict's colour, and the way it should move.
    assert any(f"<span style='color:{GOOD}'>▼ 63.2%: good</span>" in t for t in texts(fig))
    assert any(f"<span style='color:{GOOD}'>▲ 109.1%: good</span>" in t for t in texts(fig))
    assert any("<b>Training requests</b>" in t and "should shrink" in t for t in texts(fig))
    # Long names wrap so the two panels' titles do not run into each other.
    assert any("<b>Questions answered by</b><br><b>colleagues</b>" in t and "should grow" in t for t in texts(fig))


def test_a_growing_cost_is_red(catalogue):
    cost = result_of(catalogue["training_requests"], {"All": [5, 5, 9, 9]})
    fig = pair_figure(cost)
    assert len(fig.data) == 1 and fig.data[0].line.color == BAD
    assert any(f"<span style='color:{BAD}'>▲ 80.0%: not good</span>" in t for t in texts(fig))


def test_axes_and_hover_use_the_measure_format_and_say_who_is_counted(catalogue):
    rate = catalogue["voluntary_turnover_rate"]
    fig = pair_figure(result_of(rate, {"All": [0.02, 0.01, 0.01]}, people={"All": 1234}))
    assert fig.layout.yaxis.tickformat == rate.format == ".1%"
    trace = fig.data[0]
    assert "%{y:.1%}" in trace.hovertemplate
    assert "People in this group: %{customdata[2]}" in trace.hovertemplate
    assert next(list(row) for row in trace.customdata) == ["Jan 2024", "All", "1,234"]


def test_hidden_cells_are_gaps_with_a_note(catalogue):
    cost = result_of(catalogue["training_requests"], {"All": [9, 8, 7, 6, 5, 4]}, hidden={"All": {1, 2}})
    fig = pair_figure(cost)
    assert list(fig.data[0].y) == [9, None, None, 6, 5, 4]
    assert fig.data[0].connectgaps is False
    assert "2 cells hidden: fewer than 5 people" in texts(fig)[0]


def test_every_panel_names_its_source(catalogue):
    cost = result_of(catalogue["training_requests"], {"All": [3, 2, 1]})
    driver = result_of(catalogue["questions_answered"], {"All": [1, 2, 3]})
    notes = texts(pair_figure(cost, driver))
    assert "Source: training records" in notes
    assert "Source: collaboration platform activity" in notes


def test_periods_without_any_figure_are_explained(catalogue):
    median = catalogue["median_days_to_stop"]
    fig = pair_figure(result_of(median, {"All": [30, 0, 0, 20]}, blank={1, 2}))
    assert list(fig.data[0].y) == [30, None, None, 20]
    assert "2 months without a figure: nothing to count" in texts(fig)[0]


def test_segments_get_one_line_each_in_the_same_colour_on_both_sides(catalogue):
    cost = result_of(catalogue["training_requests"], {"Sales": [9, 8, 7, 6], "Support": [4, 5, 6, 7]},
                     by="department")
    driver = result_of(catalogue["questions_answered"], {"Sales": [1, 2, 3, 4], "Support": [4, 3, 2, 1]},
                       by="department")
    fig = pair_figure(cost, driver)
    names = [(t.name, t.xaxis, t.line.color, t.showlegend) for t in fig.data]
    assert names == [
        ("Sales", "x", SEGMENT_COLOURS[0], True), ("Support", "x", SEGMENT_COLOURS[1], True),
        ("Sales", "x2", SEGMENT_COLOURS[0], False), ("Support", "x2", SEGMENT_COLOURS[1], False),
    ]
    assert fig.layout.showlegend is True
    # Sales shrank its requests (good), Support grew them (not good): a tie is grey.
    assert any(f"<span style='color:{NEUTRAL}'>good in 1 of 2 groups</span>" in t for t in texts(fig))


def test_an_empty_table_says_no_data_instead_of_drawing_zeros(catalogue):
    spend = result_of(catalogue["marketing_spend"], {"All": [0, 0, 0, 0]})
    driver = result_of(catalogue["advocacy_posts"], {"All": [1, 2, 3, 4]})
    fig = pair_figure(spend, driver, empty_tables=["marketing_spend"])
    assert [t.xaxis for t in fig.data] == ["x2"]
    assert "No data yet:<br>nothing loaded in the marketing spend records." in texts(fig)
    assert any(t.startswith("<b>Marketing spend</b><br><span style='color:#57606a'>No data yet") for t in texts(fig))


def test_pilot_markers_inside_the_range_are_drawn_in_both_panels_and_labelled_once(catalogue):
    cost = result_of(catalogue["training_requests"], {"All": [3, 2, 1, 1, 1, 1]})
    driver = result_of(catalogue["questions_answered"], {"All": [1, 2, 3, 3, 3, 3]})
    fig = pair_figure(cost, driver, markers=[(date(2024, 4, 1), "Pilot starts"),
                                             (date(2025, 4, 1), "Later pilot starts")])
    assert [(s.xref, s.x0) for s in fig.layout.shapes] == [("x", "2024-04-01"), ("x2", "2024-04-01")]
    assert texts(fig).count("Pilot starts") == 1
    assert "Later pilot starts" not in texts(fig)
