"""Data shown as text wherever it goes: spreadsheets run no formula from a download, Markdown and
Plotly draw no link, image or HTML from a name; JSON stays exact."""
from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from lookdown.analysis.money import Assumptions
from lookdown.present.analysis_charts import flow_figure, share_figure, trend_figure, values_csv, values_table
from lookdown.present.charts import pair_figure
from lookdown.present.inventory import REJECTED_COLUMNS, rejected_csv
from lookdown.present.safe_text import markdown_text, plotly_text, spreadsheet_cell, spreadsheet_csv
from lookdown.store import Database
from tests import fixtures

ATTACKS = ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(1)", "-2+3+cmd", "\tTAB", "\rCR"]


@pytest.mark.parametrize("text", ATTACKS)
def test_text_a_spreadsheet_would_run_as_a_formula_gets_a_leading_quote(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -2.5, 0, 3, "-5", "+3.5", "-1,200.50", "1e-3", "Sales", "", None, "a=b"])
def test_numbers_and_ordinary_text_stay_as_they_are(value):
    assert spreadsheet_cell(value) == value


def test_a_csv_escapes_text_cells_and_headers_not_numeric_columns():
    frame = pd.DataFrame({"group": ["=1+1", "Sales"], "value": [-5.0, 3.0], "=head": ["x", "@y"]})
    rows = list(csv.reader(io.StringIO(spreadsheet_csv(frame))))
    assert rows == [["group", "value", "'=head"], ["'=1+1", "-5.0", "x"], ["Sales", "3.0", "'@y"]]


def test_the_rejected_rows_download_escapes_formulas():
    frame = pd.DataFrame([["=evil.csv", 3, "department", '=HYPERLINK("http://x","y")', "unknown value"],
                          ["training.csv", 6, "cost", "-5", "negative value"]], columns=REJECTED_COLUMNS)
    rows = list(csv.reader(io.StringIO(rejected_csv(frame).decode())))
    assert rows[1] == ["'=evil.csv", "3", "department", '\'=HYPERLINK("http://x","y")', "unknown value"]
    assert rows[2] == ["training.csv", "6", "cost", "-5", "negative value"]


@pytest.fixture(scope="module")
def hostile_org(tmp_path_factory):
    """The small organisation with departments named like attacks: Support (20 people, shown on its
    own in every view) holds a formula and a link; Sales (30, shown with Legal's 4) another link."""
    names = {"Sales": "<a href=\"http://127.0.0.1:2/\">here</a>",
             "Support": '=HYPERLINK("http://x","y") <a href="http://127.0.0.1:1/">click</a>'}
    return fixtures.build(tmp_path_factory.mktemp("hostile-org") / "org.duckdb", names), names


def test_the_explore_values_download_escapes_a_department_named_like_a_formula(hostile_org, catalogue):
    from lookdown.measures import run_measure

    path, names = hostile_org
    db = Database(path)
    try:
        result = run_measure(db, catalogue["training_requests"], grain="month", by="department",
                             start=pd.Timestamp("2024-01-01").date(), end=pd.Timestamp("2024-12-31").date())
    finally:
        db.close()
    rows = list(csv.reader(io.StringIO(values_csv(values_table(result, per_head=False)))))
    groups = {row[1] for row in rows[1:]}
    assert "'" + names["Support"] in groups and names["Support"] not in groups


def test_measure_format_csv_escapes_segments_and_json_stays_exact(hostile_org, capsys):
    from lookdown.cli import main

    path, names = hostile_org
    assert main(["--db", str(path), "measure", "training_requests", "--by", "department"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    segments = {row["segment"] for row in rows}
    assert "'" + names["Support"] in segments and names["Support"] not in segments
    assert main(["--db", str(path), "measure", "training_requests", "--by", "department", "--format", "json"]) == 0
    segments = {row["segment"] for row in json.loads(capsys.readouterr().out)["rows"]}
    assert names["Support"] in segments and "Smaller departments" in segments


# -- Markdown and Plotly -------------------------------------------------------------------------

BEACON = "![beacon](http://127.0.0.1:9/b.png)"


@pytest.mark.parametrize(("name", "shown"), [
    (BEACON, "!\\[beacon\\](http\\://127.0.0.1:9/b.png)"),
    ('<a href="http://x">y</a>', '\\<a href="http\\://x"\\>y\\</a\\>'),
    ("**bold** and _it_", "\\*\\*bold\\*\\* and \\_it\\_"),
    ("see www.example.org or jane@example.org", "see www\\.example.org or jane\\@example.org"),
    (":red[alarm] $x^2$ a|b ~~c~~ `d` &amp;", ":red\\[alarm\\] \\$x^2\\$ a\\|b \\~\\~c\\~\\~ \\`d\\` \\&amp;"),
    ("# Heading", "\\# Heading"), ("- item", "\\- item"), ("1. item", "1\\. item"),
    ("two\nlines", "two lines"),
    ("Sales", "Sales"), ("#5 training.csv (3 rows, 14:02)", "#5 training.csv (3 rows, 14:02)"), ("-2+3", "-2+3"),
])
def test_markdown_text_escapes_what_could_begin_markup(name, shown):
    assert markdown_text(name) == shown


def test_markdown_code_is_fenced_by_more_backticks_than_it_holds():
    assert markdown_text("a`b", code=True) == "``a`b``"
    assert markdown_text("`x", code=True) == "`` `x ``"
    assert markdown_text("plain", code=True) == "`plain`"


def test_plotly_text_writes_tags_as_entities():
    assert plotly_text('<a href="http://x">y</a> & <b>') == '&lt;a href="http://x"&gt;y&lt;/a&gt; &amp; &lt;b&gt;'


def _strings(figure) -> list[str]:
    """Every string a figure will draw: trace names, categories, hover data, annotations."""
    out: list[str] = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key != "meta":
                    walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif hasattr(value, "tolist"):  # an array
            walk(value.tolist())

    walk(figure.to_plotly_json())
    return out


def test_no_figure_holds_a_tag_from_a_department_name(hostile_org, catalogue):
    from lookdown.analysis import trend_by_segment
    from lookdown.measures import run_measure
    from lookdown.measures.flow import knowledge_flow

    path, names = hostile_org
    db = Database(path)
    try:
        start, end = pd.Timestamp("2024-01-01").date(), pd.Timestamp("2024-12-31").date()
        result = run_measure(db, catalogue["training_requests"], grain="month", by="department", start=start, end=end)
        flow = knowledge_flow(db, start=start, end=end, min_group_size=5)
    finally:
        db.close()
    figures = [trend_figure(result, trend_by_segment(result, per_head=False, unit="requests"), per_head=False),
               pair_figure(result, markers=[(start, names["Sales"])]), flow_figure(flow), share_figure(flow)]
    for figure in figures:
        drawn = " ".join(_strings(figure))
        assert "<a href" not in drawn
        assert "&lt;a href=" in drawn


@pytest.mark.parametrize("currency", ["![](x)", "<b>", "EUR EUR", "", "TOOLONGCUR"])
def test_a_currency_is_letters_or_a_sign(currency):
    with pytest.raises(ValueError, match="The currency is a code such as EUR"):
        Assumptions(currency=currency)


@pytest.mark.parametrize("currency", ["EUR", "€", "$", "CHF", "euros"])
def test_currencies_people_use_are_accepted(currency):
    assert Assumptions(currency=currency).currency == currency
