"""The "Look down" page, run in-process against the fixture organisation (tests/fixtures.py)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from lookdown.measures import Catalogue, run_measure
from lookdown.present.overview import by_theme, card_label, cost_pairs, headline
from lookdown.store import Database

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGE = ROOT / "pages" / "overview.py"
# The fixture's data ends on 27 Dec 2024, so December is a part month and left out.
WHOLE = (date(2024, 1, 1), date(2024, 11, 30))


def run_app(path: Path = APP) -> AppTest:
    at = AppTest.from_file(path, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict:
    return {m.label: m for m in at.metric}


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def spec_for(at: AppTest, cost: str) -> dict:
    return next(s for s in chart_specs(at) if s["layout"]["meta"]["measures"][0] == cost)


def test_headline_metrics_equal_the_measures_computed_directly(app_env):
    at = run_app()
    shown = metrics(at)
    catalogue = Catalogue.load()
    db = Database(app_env)
    try:
        for cost, _ in cost_pairs(catalogue):
            expected = headline(run_measure(db, cost, grain="month", by="none", start=WHOLE[0], end=WHOLE[1]))
            metric = shown[card_label(cost, "USD")]
            if cost.sources[0] in ("manager_time", "marketing_spend", "initiatives"):
                continue  # empty in the fixture; checked below
            assert metric.value == expected.value_text(unit=False), cost.name
            assert metric.proto.delta == expected.delta_text(), cost.name
            assert cost.description in metric.help
    finally:
        db.close()
    # By hand: requests fell from 22 a month to 12 over January-November; the first and last
    # 2 months average 21.5 and 12.5.
    assert "Training spend (USD)" in shown  # money says its currency
    requests = shown["Training requests"]
    assert requests.value == "13"
    assert requests.proto.delta == "-9 (-41.9%)"
    assert requests.proto.color == MetricProto.MetricColor.GREEN  # a shrinking cost is good
    assert requests.proto.delta_description == "vs first 2 months"
    assert "**Source:** training records" in requests.help
    # The card's small line: the monthly figures it summarises.
    assert list(requests.proto.chart_data) == [22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12]
    assert shown["Training spend (USD)"].value == "5,500"


def test_measures_of_empty_tables_say_no_data_rather_than_zero():
    marketing = metrics(run_app())["Marketing spend (USD)"]
    assert marketing.value == "—"
    assert marketing.proto.delta == ""
    assert marketing.proto.delta_description == "No data yet: nothing loaded in the marketing spend records."


def test_banner_lists_empty_tables_range_and_group_size():
    banner = run_app().info[0].value
    assert "**Data from** 1 Jan 2024 **to** 27 Dec 2024" in banner
    assert ("**No rows yet in** manager time records (`manager_time`), marketing spend records "
            "(`marketing_spend`), initiatives register (`initiatives`)") in banner
    assert "fewer than 5 people are hidden" in banner


def test_the_part_month_at_the_end_is_left_out_and_said_so():
    captions = [c.value for c in run_app().caption]
    assert any(c.startswith("Showing whole months only: 1 Jan 2024 to 30 Nov 2024. Left out, as part "
                            "of a month only: 1 Dec 2024 to 27 Dec 2024") for c in captions)


def test_changing_the_grain_redraws_the_charts_by_quarter():
    at = run_app()
    monthly = spec_for(at, "training_requests")
    assert monthly["layout"]["meta"]["grain"] == "month"
    assert len(monthly["data"][0]["x"]) == 11
    at.segmented_control(key="grain").set_value("quarter").run()
    assert not at.exception
    quarterly = spec_for(at, "training_requests")
    assert quarterly["layout"]["meta"]["grain"] == "quarter"
    # Whole quarters from January to 27 December: Q1 to Q3.
    assert quarterly["data"][0]["x"] == ["2024-01-01", "2024-04-01", "2024-07-01"]
    # By hand: 22, 21, 20 requests in January-March, and so on: 63, 54 and 45 a quarter.
    assert quarterly["data"][0]["y"] == [63, 54, 45]
    assert quarterly["data"][0]["customdata"][2][0] == "2024 Q3"
    assert metrics(at)["Training requests"].proto.delta_description == "vs first quarter"


def test_splitting_by_department_shows_a_small_department_only_inside_a_group():
    at = run_app()
    at.selectbox(key="by").set_value("department").run()
    assert not at.exception
    spec = spec_for(at, "training_requests")
    assert spec["layout"]["meta"]["by"] == "department"
    left = [t for t in spec["data"] if t["xaxis"] == "x"]
    # Legal (4 people) is shown with Sales, so that neither a total minus the others nor a pilot
    # with and without it gives it away; the page says so.
    assert [t["name"] for t in left] == ["Smaller departments", "Support"]
    smaller, support = left
    assert smaller["y"][:2] == [11, 11] and support["y"][:2] == [11, 10]
    notes = [a["text"] for a in spec["layout"]["annotations"]]
    assert not any("hidden" in n for n in notes)
    note = next(i.value for i in at.info if i.value.startswith("**Shown together as 'Smaller departments':**"))
    assert "Legal and Sales" in note and "Legal had fewer than 5 people" in note
    # The headline metrics stay those of the whole organisation.
    assert metrics(at)["Training requests"].value == "13"


def test_charts_are_grouped_in_theme_tabs_and_only_the_open_one_is_drawn():
    at = run_app()
    themes = by_theme(cost_pairs(Catalogue.load()))
    assert [tab.label for tab in at.tabs] == list(themes)
    assert list(themes)[:2] == ["Training", "People leaving"]
    drawn = [s["layout"]["meta"]["measures"][0] for s in chart_specs(at)]
    assert drawn == [cost.name for cost, _ in themes["Training"]]
    at.session_state["theme"] = "People leaving"
    at.run()
    drawn = [s["layout"]["meta"]["measures"][0] for s in chart_specs(at)]
    assert drawn == [cost.name for cost, _ in themes["People leaving"]]


def test_an_organisation_wide_measure_is_not_split_and_says_so():
    at = run_app()
    at.selectbox(key="by").set_value("department")
    at.session_state["theme"] = "Marketing"
    at.run()
    spec = spec_for(at, "marketing_spend")
    assert spec["layout"]["meta"]["by"] == "none"
    assert any(c.value == "Marketing spend: an organisation-wide figure, so not split by department."
               for c in at.caption)


def test_a_missing_database_shows_what_to_run(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "lookdown.duckdb"
    monkeypatch.setenv("LOOKDOWN_DB", str(missing))
    at = run_app()
    assert at.warning[0].value == f"There is no Lookdown database at `{missing}` yet."
    assert at.code[0].value == f"python -m lookdown --db {missing} demo"
    assert len(at.metric) == 0 and len(at.get("plotly_chart")) == 0
    assert not missing.exists()  # looking for it did not create an empty one


def test_the_page_also_works_when_run_on_its_own():
    """What a fresh server does for a deep link to /overview (file-based routing skips app.py)."""
    at = run_app(PAGE)
    assert at.title[0].value == "Look down"
    assert metrics(at)["Training requests"].value == "13"
    assert len(at.get("plotly_chart")) == len(by_theme(cost_pairs(Catalogue.load()))["Training"])


def test_the_demo_shows_a_figure_in_every_cost_headline(monkeypatch, demo_db):
    # How fast this renders is measured by `make bench`, not asserted here.
    monkeypatch.setenv("LOOKDOWN_DB", str(demo_db.path))
    at = run_app()
    assert not at.exception
    assert len(at.metric) == len(cost_pairs(Catalogue.load()))
    assert all(m.value for m in at.metric)
