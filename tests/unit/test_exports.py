"""The executive pack on the demo organisation: the deck, the report, the PDF and the images carry
the numbers the engine and the pages give, and a cell hidden on screen is hidden in every export."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches

from lookdown.analysis.money import Assumptions, roi
from lookdown.analysis.pilot_value import counted_benefits, measure_benefits, valued_measures
from lookdown.cli import main
from lookdown.findings import compare_cohort
from lookdown.formats import fmt
from lookdown.ingest.write import load_frames
from lookdown.measures import Catalogue, run_measure
from lookdown.present.analysis_charts import in_currency
from lookdown.present.exports.deck import BODY_TOP, build_deck
from lookdown.present.exports.images import chart_image
from lookdown.present.exports.pdf import build_pdf
from lookdown.present.exports.report import build_report, sections
from lookdown.present.story import build_story
from lookdown.present.story_charts import story_charts
from lookdown.queries.settings import save_branding, save_logo
from lookdown.store import Database
from tests import fixtures

ROOT = Path(__file__).resolve().parents[2]
PILOT = "Social learning pilot"
ALL = dict(start=date(2023, 1, 1), end=date(2025, 12, 31))
NEEDS_CHROMIUM = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
NEEDS_POPPLER = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="needs poppler-utils (make poppler)")

pytestmark = NEEDS_CHROMIUM

# A 1 × 1 PNG: the smallest logo there is.
LOGO = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d5b9f20000000049454e44ae426082")


@pytest.fixture(scope="module")
def demo(demo_path, tmp_path_factory):
    """A copy of the demo with the organisation's name and logo saved."""
    db = Database(fixtures.copy_database(demo_path, tmp_path_factory.mktemp("pack") / "lookdown.duckdb"))
    save_branding(db, organisation="Demo Organisation", accent="#117733")
    save_logo(db, LOGO)
    yield db
    db.close()


@pytest.fixture(scope="module")
def story(demo):
    return build_story(demo, Catalogue.load())


@pytest.fixture(scope="module")
def deck(story):
    return Presentation(io.BytesIO(build_deck(story)))


@pytest.fixture(scope="module")
def report(story):
    return build_report(story)


def footer(slide):
    return next(s for s in slide.shapes if s.name == "Footer").text_frame.text


def charts(slide):
    return [s for s in slide.shapes if s.has_chart]


def shown(result, segment: str, *, per_head: bool) -> list[float | None]:
    """The guarded values of one group (per person for counts and sums): what the screen draws."""
    rows = result.frame[result.frame["segment"] == segment].sort_values("period")
    return [None if pd.isna(v) or (per_head and not p) else float(v) / (float(p) if per_head else 1.0)
            for v, p in zip(rows["value"], rows["people"])]


# -- the story ----------------------------------------------------------------------------------


def test_the_headline_effects_are_compare_s_results(demo, story):
    assert 3 <= len(story.effects) <= 5
    for effect in story.effects:
        direct = compare_cohort(demo, in_currency(effect.measure, "USD"), cohort=PILOT, grain="month", **ALL)
        assert effect.did.did == pytest.approx(direct.did.did)
        assert (effect.did.ci_low, effect.did.ci_high) == pytest.approx((direct.did.ci_low, direct.did.ci_high))
        assert effect.agreement == direct.agreement.verdict
        assert effect.clear_reduction and effect.did.parallel_trends.passed is not False


def test_the_money_range_is_the_money_page_s(demo, story):
    cat = Catalogue.load()
    comparisons = {m.name: compare_cohort(demo, m, cohort=PILOT, grain="month", **ALL) if m.segmentable else None
                   for m in valued_measures(cat)}
    items = measure_benefits(cat, comparisons, empty_tables=demo.coverage().empty_tables, currency="USD")
    expected = roi(counted_benefits(items), Assumptions())
    result = story.money.result
    assert result.total_benefits == pytest.approx(expected.total_benefits)
    assert (result.low.total_benefits, result.high.total_benefits) == pytest.approx(
        (expected.low.total_benefits, expected.high.total_benefits))


# -- the deck -------------------------------------------------------------------------------------


def test_the_deck_is_16_9_with_a_title_footer_and_notes_on_every_slide(deck, story):
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[0] == "Demo Organisation"
    assert titles[2:2 + len(story.effects)] == [e.title for e in story.effects]
    assert titles[-5:] == [titles[-5], "What it is worth: " + f"{fmt(story.money.result.total_benefits)} USD a year",
                           "Methods and limits", "Appendix: every cost measure compared", "Appendix: the data behind it"]
    assert len(titles) == len(story.effects) + 8
    for slide in deck.slides:
        assert story.footer in footer(slide)
        assert "fewer than 5 people" in footer(slide)
        assert slide.notes_slide.notes_text_frame.text.strip()
        title = slide.shapes.title
        assert title.left + title.width <= deck.slide_width
        for shape in slide.shapes:  # nothing drawn under a title: the 4:3 template's trap
            if shape.has_chart or (shape.shape_type == MSO_SHAPE_TYPE.PICTURE and shape.name != "Logo"):
                assert shape.top >= BODY_TOP >= title.top + title.height
                assert shape.left + shape.width <= deck.slide_width


def test_each_headline_slide_has_a_native_chart_of_the_engine_s_values(demo, deck, story):
    cat = Catalogue.load()
    for slide, effect in zip(list(deck.slides)[2:], story.effects):
        (frame,) = charts(slide)
        chart = frame.chart
        assert list(chart.plots[0].categories) == list(effect.series.categories)
        assert all(isinstance(c, str) for c in chart.plots[0].categories)  # a text axis, not a date axis
        result = run_measure(demo, cat[effect.measure.name], grain="month", by="cohort", **ALL)
        pilot, rest = chart.plots[0].series
        heads = effect.did.per_head
        assert list(pilot.values) == pytest.approx(shown(result, PILOT, per_head=heads))
        assert list(rest.values) == pytest.approx(shown(result, "Rest", per_head=heads))
        words = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert effect.points in words and effect.points_interval in words
        assert effect.did.method in slide.notes_slide.notes_text_frame.text


def test_every_picture_and_chart_has_alt_text(deck):
    pictures = 0
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.shape_type == MSO_SHAPE_TYPE.PICTURE or shape.has_chart:
                assert shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr"), shape.name
                pictures += shape.shape_type == MSO_SHAPE_TYPE.PICTURE
    assert pictures == 2  # the logo and the isolated effects with their intervals


def test_the_money_slide_gives_the_money_page_s_range(deck, story):
    slide = next(s for s in deck.slides if s.shapes.title.text.startswith("What it is worth"))
    r = story.money.result
    words = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert f"{fmt(r.low.total_benefits)} USD to {fmt(r.high.total_benefits)} USD" in words
    (frame,) = charts(slide)
    low, expected, high = frame.chart.plots[0].series
    assert list(expected.values) == pytest.approx([line.benefit for line in r.lines])
    assert list(low.values) == pytest.approx([line.benefit_low for line in r.lines])
    assert list(high.values) == pytest.approx([line.benefit_high for line in r.lines])
    notes = slide.notes_slide.notes_text_frame.text
    assert "Bureau of Labor Statistics" in notes and "Not counted" in notes


# -- the report and the PDF ----------------------------------------------------------------------


class References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.found.append(value)


def test_the_report_needs_no_network_and_holds_every_chart(report, story):
    parser = References()
    parser.feed(report)
    assert all(value.startswith("data:") for value in parser.found), parser.found
    assert "link" not in parser.tags and "iframe" not in parser.tags
    assert not re.search(r"@import|url\(\s*['\"]?https?:", report)
    assert report.count(get_plotlyjs()) == 1
    keys = re.findall(r'data-chart="([^"]+)"', report)
    assert sorted(keys) == sorted(chart.key for chart in story_charts(story))
    assert story.footer in report and "Demo Organisation" in report


@NEEDS_POPPLER
def test_the_pdf_has_one_page_per_section_and_the_readme_shows_one(story, report, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(build_pdf(story))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages == len(sections(story))
    # The first headline's page, for the README.
    subprocess.run(["pdftoppm", "-f", "3", "-l", "3", "-r", "70", "-png", "-singlefile", str(pdf),
                    str(ROOT / "docs" / "report")], check=True)
    assert (ROOT / "docs" / "report.png").read_bytes()[:4] == b"\x89PNG"


def test_images_are_titled_and_named_for_what_they_show(story):
    chart = story_charts(story)[0]
    png = chart_image(chart, story, "png")
    assert png.file_name == f"{story.file_stem()}-training-requests-pilot-vs-rest.png"
    assert png.data[:4] == b"\x89PNG"
    svg = chart_image(chart, story, "svg").data.decode()
    for words in (chart.title, story.period_text, "Demo Organisation", "training records"):
        assert words in svg.replace("&amp;", "&")


def test_the_command_line_writes_the_deck_for_departments(demo_path, tmp_path):
    path = fixtures.copy_database(demo_path, tmp_path / "lookdown.duckdb")
    out = tmp_path / "pack.pptx"
    assert main(["--db", str(path), "export", "deck", "--departments", "Engineering,IT", "--start-on", "2024-07-01",
                 "--measures", "training_requests", "--out", str(out)]) == 0
    deck = Presentation(str(out))
    assert deck.slides[2].shapes.title.text.startswith("Training requests")
    assert "Engineering, IT (departments chosen)" in footer(deck.slides[0])


# -- a hidden cell stays hidden ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The small organisation with a pilot of five people, one of whom leaves in October: from
    November the pilot is four people, so the guard never shows it on its own (it counts in the
    rest for the whole span: a pilot with and without its November would give November away)."""
    frames = fixtures.frames()
    people = frames["people"].copy()
    five = list(people.loc[people["department"] == "Sales", "person_id"])[:5]
    people.loc[people["person_id"] == five[0], ["termination_date", "termination_type"]] = ["2024-10-15", "voluntary"]
    frames["people"] = people
    frames["cohorts"] = pd.DataFrame([{"cohort": "Tiny", "person_id": p, "started_on": "2024-07-01"} for p in five])
    db = Database(tmp_path_factory.mktemp("tiny") / "lookdown.duckdb")
    load_frames(db, frames, kind="test", source="fixture")
    yield db
    db.close()


def test_a_group_hidden_on_screen_is_hidden_in_every_export(tiny):
    cat = Catalogue.load()
    screen = run_measure(tiny, cat["training_requests"], grain="month", by="cohort")
    assert "Tiny" not in set(screen.frame["segment"])  # what the Pilot and Explore pages get
    with pytest.raises(ValueError, match="not shown on its own but counted in the rest"):
        compare_cohort(tiny, cat["training_requests"], cohort="Tiny")  # the Pilot page's comparison
    with pytest.raises(ValueError, match="not shown on its own but counted in the rest"):
        build_story(tiny, cat, cohort="Tiny", measures=["training_requests"])  # every export's model
