"""The deck: an editable 16:9 PowerPoint file laid out from a `Story` (python-pptx).

Slides: a title slide (organisation, question, period, logo), the answer in short, one slide per
headline reduction, the pilot against the rest, the collaboration behind it, what it is worth
(with its assumptions and their sources), methods and limits, and two appendix slides (every
cost measure compared, and the data's coverage).

Line and bar charts are native PowerPoint charts, their data embedded, so they stay editable and
restylable; their categories are text labels ('Jan 2024'), since a date axis renders badly in
some viewers. A picture (drawn by Kaleido) is used only for what PowerPoint cannot draw: the
isolated effects with their interval bars and labels. Every picture and chart has alt text;
every slide has a footer with the dates, filters, sources and minimum group size; the speaker
notes carry the method and the caveats in plain words.

The default template's placeholders sit where a 4:3 slide wants them; the master and its layouts
are stretched to 16:9 here, and every slide's title is placed explicitly.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from lookdown.formats import fmt
from lookdown.present.exports.images import render
from lookdown.present.story import Effect, Series, Story, long_date
from lookdown.present.story_charts import effects_chart

WIDE, HIGH = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
TITLE_TOP, TITLE_HEIGHT = Inches(0.3), Inches(0.95)
BODY_TOP = Inches(1.35)
FOOTER_TOP, FOOTER_HEIGHT = Inches(6.8), Inches(0.6)
BODY_HEIGHT = FOOTER_TOP - BODY_TOP - Inches(0.1)
INK = RGBColor(0x24, 0x29, 0x2F)
GREY = RGBColor(0x57, 0x60, 0x6A)
REST = RGBColor(0xE6, 0x9F, 0x00)
TITLE_ONLY, TITLE_SLIDE = 5, 0
MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def _widen(prs) -> None:
    """Stretch the master's and layouts' placeholders from 4:3 to the 16:9 slide, so a slide the
    user adds in PowerPoint is laid out for the wide slide too."""
    ratio = WIDE / Inches(10)
    for holder in [prs.slide_master, *prs.slide_layouts]:
        for shape in holder.placeholders:
            if shape.left is not None and shape.width is not None:
                shape.left, shape.width = Emu(int(shape.left * ratio)), Emu(int(shape.width * ratio))


def alt_text(shape, text: str) -> None:
    """Alt text, read by screen readers: the `descr` of the shape's non-visual properties."""
    element = shape._element
    for path in ("./p:nvPicPr/p:cNvPr", "./p:nvGraphicFramePr/p:cNvPr", "./p:nvSpPr/p:cNvPr"):
        found = element.xpath(path)
        if found:
            found[0].set("descr", text)
            return
    raise ValueError("This shape has no non-visual properties to hold alt text.")


def _paragraphs(frame, lines: Sequence[tuple[str, int, bool, RGBColor | None]]) -> None:
    frame.word_wrap = True
    for index, (text, size, bold, colour) in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(size * 0.45)
        run = paragraph.add_run()
        run.text = text
        run.font.size, run.font.bold = Pt(size), bold
        run.font.color.rgb = colour or INK


def _text(slide, left, top, width, height, lines, *, name: str | None = None):
    box = slide.shapes.add_textbox(left, top, width, height)
    if name:
        box.name = name
    _paragraphs(box.text_frame, lines)
    return box


def _title(slide, text: str) -> None:
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, TITLE_TOP, WIDE - 2 * MARGIN, TITLE_HEIGHT
    frame = title.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.text = text
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    paragraph.runs[0].font.size = Pt(28 if len(text) < 70 else 24)
    paragraph.runs[0].font.bold = True
    paragraph.runs[0].font.color.rgb = INK


def _accent_bar(slide, story: Story) -> None:
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(0.18), HIGH)
    bar.name = "Accent"
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(story.branding.accent)
    bar.line.fill.background()
    alt_text(bar, "Decorative bar in the organisation's colour")


def _footer(slide, story: Story) -> None:
    _text(slide, MARGIN, FOOTER_TOP, WIDE - 2 * MARGIN, FOOTER_HEIGHT,
          [(f"{story.organisation} · {story.footer}", 9, False, GREY)], name="Footer")


def _notes(slide, parts: Sequence[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n\n".join(p for p in parts if p)


def _slide(prs, story: Story, title: str, notes: Sequence[str]):
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    _title(slide, title)
    _accent_bar(slide, story)
    _footer(slide, story)
    _notes(slide, notes)
    return slide


def number_format(values: Sequence[float | None], rate: bool) -> str:
    """An Excel number format that shows these values with a sensible number of digits."""
    if rate:
        return "0.0%"
    known = [abs(v) for v in values if v is not None]
    top = max(known) if known else 0
    return "0.000" if top < 1 else "0.00" if top < 10 else "#,##0.0" if top < 100 else "#,##0"


def line_chart(slide, series: Series, left, top, width, height, *, accent: str, description: str):
    """Pilot and rest as a native line chart: text categories, hidden cells left blank."""
    data = CategoryChartData(number_format=number_format(series.pilot + series.rest, series.rate))
    data.categories = list(series.categories)
    data.add_series(series.pilot_name, series.pilot)
    data.add_series("Rest of the organisation", series.rest)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, left, top, width, height, data)
    frame.name = f"Chart: {series.title}"
    alt_text(frame, description)
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(12)
    for plot_series, colour in zip(chart.plots[0].series, (_rgb(accent), REST)):
        plot_series.smooth = False
        plot_series.format.line.color.rgb = colour
        plot_series.format.line.width = Pt(2.25)
        plot_series.marker.format.fill.solid()
        plot_series.marker.format.fill.fore_color.rgb = colour
        plot_series.marker.format.line.color.rgb = colour
        plot_series.marker.size = 5
    axis = chart.value_axis
    axis.has_title = True
    axis.axis_title.text_frame.text = series.unit
    axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
    axis.tick_labels.font.size = Pt(11)
    axis.major_gridlines.format.line.color.rgb = RGBColor(0xDD, 0xDD, 0xDD)
    category = chart.category_axis
    category.tick_labels.font.size = Pt(10)
    return frame


def bar_chart(slide, categories: Sequence[str], named_values: Sequence[tuple[str, Sequence[float | None]]],
              left, top, width, height, *, colours: Sequence[RGBColor], number: str, description: str,
              horizontal: bool = False, title: str = ""):
    data = CategoryChartData(number_format=number)
    data.categories = list(categories)
    for name, values in named_values:
        data.add_series(name, list(values))
    kind = XL_CHART_TYPE.BAR_CLUSTERED if horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    frame = slide.shapes.add_chart(kind, left, top, width, height, data)
    frame.name = f"Chart: {title}" if title else "Chart"
    alt_text(frame, description)
    chart = frame.chart
    chart.has_legend = len(named_values) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(12)
    if title:
        chart.has_title = True
        chart.chart_title.text_frame.text = title
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = number
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(11)
    for plot_series, colour in zip(plot.series, colours):
        plot_series.format.fill.solid()
        plot_series.format.fill.fore_color.rgb = colour
    chart.value_axis.tick_labels.font.size = Pt(11)
    chart.category_axis.tick_labels.font.size = Pt(12)
    if horizontal:
        chart.category_axis.reverse_order = True
    return frame


def _table(slide, header: Sequence[str], rows: Sequence[Sequence[str]], left, top, width, widths: Sequence[float]):
    shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, width, Inches(0.32) * (len(rows) + 1))
    shape.name = "Table"
    table = shape.table
    for column, share in enumerate(widths):
        table.columns[column].width = Emu(int(width * share))
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = value
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(11 if r else 12)
                    run.font.bold = r == 0
    return shape


# -- the slides -------------------------------------------------------------------------------


def _title_slide(prs, story: Story) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_SLIDE])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = Inches(0.9), Inches(1.9), Inches(9.4), Inches(1.4)
    title.text_frame.word_wrap = True
    title.text = story.organisation
    title.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    title.text_frame.paragraphs[0].runs[0].font.size = Pt(40)
    title.text_frame.paragraphs[0].runs[0].font.bold = True
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = Inches(0.9), Inches(3.4), Inches(11.4), Inches(2.4)
    frame = subtitle.text_frame
    frame.clear()
    lines = [(story.question, 28, True, _rgb(story.branding.accent)),
             (f"Pilot: {story.pilot_text}", 18, False, INK),
             (f"Data from {long_date(story.start)} to {long_date(story.end)}", 18, False, INK)]
    _paragraphs(frame, lines)
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
    _accent_bar(slide, story)
    logo = story.branding.logo
    if logo is not None:
        picture = slide.shapes.add_picture(io.BytesIO(logo.data), Inches(10.6), Inches(0.6), height=Inches(1.2))
        if picture.width > Inches(2.3):  # a wide logo: fit its width instead
            ratio = Inches(2.3) / picture.width
            picture.width, picture.height = Inches(2.3), Emu(int(picture.height * ratio))
        picture.name = "Logo"
        alt_text(picture, f"Logo of {story.organisation}")
    _footer(slide, story)
    _notes(slide, [f"{story.question} This pack compares {story.pilot_text} with the rest of the organisation, "
                   f"{story.period_text}. Every figure comes from guarded results: groups of fewer than "
                   f"{story.min_group_size} people are never shown."])


def _in_short(prs, story: Story) -> None:
    lines = []
    for effect in story.effects:
        lines.append((f"{effect.title} ({effect.points_interval}). {effect.agreement_words}.", 18, False, INK))
    if not story.effects:
        lines.append(("No cost measure shrank clearly beyond the rest of the organisation in this period.",
                      18, False, INK))
    for effect in story.collaboration:
        lines.append((f"Behind it: {effect.title.lower()[:1]}{effect.title[1:]}.", 18, False, GREY))
    lines.append((story.money.range_text + "." if story.money.ready else story.money.problem, 18, True, INK))
    if story.money.ready:
        lines.append((story.money.roi_text + ".", 16, False, INK))
    slide = _slide(prs, story, "In short: what shrank, and what it is worth", [
        "The headline reductions are the cost measures that fell clearly more for the pilot than for the rest "
        "of the organisation, with the interval of each effect and whether both methods agree.",
        *story.caveats])
    _text(slide, MARGIN, BODY_TOP, WIDE - 2 * MARGIN, BODY_HEIGHT, lines, name="Summary")


def _effect_slide(prs, story: Story, effect: Effect) -> None:
    did, f = effect.did, effect.figures
    c = effect.comparison
    per = c.result.grain
    notes = [effect.summary, f"Method: {did.method}. Second method: {c.projection.method}.",
             did.explanation, did.parallel_trends.note, c.projection.explanation, c.agreement.explanation,
             "Plain-words caveats: " + " ".join(did.limitations)]
    slide = _slide(prs, story, effect.title, notes)
    line_chart(slide, effect.series, MARGIN, BODY_TOP, Inches(8.1), BODY_HEIGHT, accent=story.branding.accent,
               description=_series_words(effect, story))
    lines = [(effect.points, 44, True, _rgb(story.branding.accent)),
             ("of the pilot's starting level, beyond what changed for everyone", 14, False, GREY),
             (effect.points_interval, 14, False, INK),
             (effect.agreement_words + ".", 16, True, INK),
             (f"Pilot: {f.pilot} {f.unit} per {per} ({f.pilot_change or 'n/a'})", 14, False, INK),
             (f"Rest: {f.rest} {f.unit} per {per} ({f.rest_change or 'n/a'})", 14, False, INK),
             (f"Before and from {long_date(c.start)}; {did.periods_before} {per}s before, "
              f"{did.periods_after} after.", 12, False, GREY)]
    if effect.series.hidden:
        lines.append((f"{effect.series.hidden} value(s) hidden: fewer than {story.min_group_size} people.",
                      12, False, GREY))
    lines.append((f"Source: {effect.measure.sources_text()}.", 12, False, GREY))
    _text(slide, Inches(8.9), BODY_TOP, Inches(3.95), BODY_HEIGHT, lines, name="Effect")


def _series_words(effect: Effect, story: Story) -> str:
    s = effect.series
    return (f"Line chart: {s.title}, {s.categories[0]} to {s.categories[-1]}. {effect.summary}"
            + (f" {s.hidden} value(s) hidden: fewer than {story.min_group_size} people." if s.hidden else ""))


def _pilot_slide(prs, story: Story) -> None:
    if not story.effects:
        return
    chart = effects_chart(story)
    slide = _slide(prs, story, f"The pilot against the rest: {story.pilot}", [
        "Left: each headline's isolated effect, the pilot's change beyond what changed for the rest of the "
        "organisation, in percent of the pilot's starting level, with its 95% interval. An interval that "
        "does not cross zero is unlikely to be chance.",
        "Right: how much each group changed from before the start to after it.",
        *story.limitations])
    png = render(chart.figure, width=1100, height=int(chart.figure.layout.height or 500), scale=2)
    picture = slide.shapes.add_picture(io.BytesIO(png), MARGIN, BODY_TOP, width=Inches(6.6))
    if picture.height > BODY_HEIGHT:
        ratio = BODY_HEIGHT / picture.height
        picture.height, picture.width = BODY_HEIGHT, Emu(int(picture.width * ratio))
    picture.name = "Picture: isolated effects"
    alt_text(picture, chart.description)
    labels = [e.measure.label for e in story.effects]
    bar_chart(slide, labels, [(story.pilot, [_share(e.did.pilot_change_pct) for e in story.effects]),
                              ("Rest of the organisation", [_share(e.did.rest_change_pct) for e in story.effects])],
              Inches(7.3), BODY_TOP, Inches(5.55), BODY_HEIGHT, colours=(_rgb(story.branding.accent), REST),
              number="0%", title="Change from before to after the start",
              description="Bar chart of the change from before to after the start: " + "; ".join(
                  f"{e.measure.label}: pilot {fmt(e.did.pilot_change_pct, signed=True)}%, rest "
                  f"{fmt(e.did.rest_change_pct, signed=True)}%" for e in story.effects) + ".")


def _share(pct: float | None) -> float | None:
    return None if pct is None else pct / 100


def _collaboration_slide(prs, story: Story) -> None:
    if not story.collaboration:
        return
    lead = story.collaboration[0]
    slide = _slide(prs, story, f"The collaboration behind it: {lead.title}", [
        "The collaboration activity that should drive the reductions, for the same pilot and periods.",
        *(e.summary for e in story.collaboration), lead.did.explanation])
    line_chart(slide, lead.series, MARGIN, BODY_TOP, Inches(8.1), BODY_HEIGHT, accent=story.branding.accent,
               description=_series_words(lead, story))
    lines = []
    for effect in story.collaboration:
        lines += [(effect.measure.label, 16, True, INK), (f"{effect.points} beyond the rest", 22, True,
                                                           _rgb(story.branding.accent)),
                  (effect.points_interval + ". " + effect.agreement_words + ".", 12, False, GREY)]
    _text(slide, Inches(8.9), BODY_TOP, Inches(3.95), BODY_HEIGHT, lines, name="Collaboration")


def _money_slide(prs, story: Story) -> None:
    money = story.money
    c = money.currency
    a = money.assumptions
    title = ("What it is worth: " + (f"{money.amount(money.result.total_benefits)} a year"
                                     if money.ready else "not yet in money"))
    sources = a.sources()
    used = {line.value_kind for line in money.result.lines} if money.ready else set()
    kinds = {"employee_hour": "hourly_cost", "manager_hour": "manager_hourly_cost",
             "leaver": "average_annual_salary", "training_request": "cost_per_training_request"}
    assumptions = [f"{name.replace('_', ' ').capitalize()}: {fmt(getattr(a, name))} — {sources[name]}"
                   for kind, name in kinds.items() if kind in used]
    if "leaver" in used:
        assumptions.append(f"Replacement cost share: {a.replacement_cost_share:.0%} — "
                           f"{sources['replacement_cost_share']}")
    notes = [money.range_text + "." if money.ready else money.problem,
             money.roi_text, money.result.band_method if money.ready else "",
             "Unit values (" + ("saved with the data" if money.saved else "the documented defaults") + f", in {c}):",
             *assumptions,
             "Not counted: " + "; ".join(f"{i.label} ({i.status})" for i in money.items if not i.counted) + ".",
             "Deliberately not converted to money: " + "; ".join(money.result.intangibles if money.ready else ())]
    slide = _slide(prs, story, title, notes)
    if not money.ready or not money.result.lines:
        _text(slide, MARGIN, BODY_TOP, WIDE - 2 * MARGIN, BODY_HEIGHT,
              [(money.problem or "No reduction was clear enough to be turned into money.", 20, False, INK)],
              name="Money")
        return
    r = money.result
    lines = [line.label for line in r.lines]
    bar_chart(slide, lines, [("low", [line.benefit_low for line in r.lines]),
                             ("expected", [line.benefit for line in r.lines]),
                             ("high", [line.benefit_high for line in r.lines])],
              MARGIN, BODY_TOP, Inches(7.4), BODY_HEIGHT,
              colours=(RGBColor(0xB0, 0xB7, 0xBF), _rgb(story.branding.accent), GREY),
              number=f'#,##0 "{c}"', horizontal=True, title=f"First-year benefit, {c}",
              description=f"Bar chart of first-year benefits in {c}, low, expected and high: " + "; ".join(
                  f"{line.label} {fmt(line.benefit_low)} / {fmt(line.benefit)} / {fmt(line.benefit_high)} {c}"
                  for line in r.lines) + ".")
    text = [(f"{money.amount(r.low.total_benefits)} to {money.amount(r.high.total_benefits)}", 24, True,
             _rgb(story.branding.accent)),
            (f"first-year benefits (expected {money.amount(r.total_benefits)})", 13, False, GREY),
            (f"Programme costs {money.amount(r.programme_costs)} a year; net {money.amount(r.net_benefit)}.",
             14, False, INK),
            (money.roi_text + ".", 14, False, INK)]
    if a.participants == 0:
        text.append(("No participants are entered, so licences cost nothing here: the ROI is flattering.",
                     12, True, INK))
    text.append((("Unit values saved with the data" if money.saved else "Documented default unit values")
                 + f", in {c}: " + "; ".join(f"{name.replace('_', ' ')} {fmt(getattr(a, name))}"
                                              for kind, name in kinds.items() if kind in used)
                 + ". Sources in the speaker notes.", 11, False, GREY))
    _text(slide, Inches(8.2), BODY_TOP, Inches(4.65), BODY_HEIGHT, text, name="Money")


def _methods_slide(prs, story: Story) -> None:
    lines = [(m, 14, False, INK) for m in story.methods]
    lines += [(f"• {c}", 13, False, INK) for c in story.caveats]
    lines.append((f"Privacy: {story.privacy_text.lower()}, in every chart, table and export; when one group of "
                  "a period is hidden, the next smallest is hidden too, so it cannot be worked out.", 13, False, GREY))
    slide = _slide(prs, story, "Methods and limits", [*story.methods, *story.limitations, *story.caveats])
    _text(slide, MARGIN, BODY_TOP, WIDE - 2 * MARGIN, BODY_HEIGHT, lines, name="Methods")


def _appendix_measures(prs, story: Story) -> None:
    rows = []
    for effect in story.effects + story.others:
        rows.append([effect.measure.label, effect.points, effect.points_interval.replace(" interval", ""),
                     effect.agreement, "yes" if effect in story.effects else "no"])
    rows += [[label, "—", why, "not compared", "no"] for label, why in story.not_compared]
    slide = _slide(prs, story, "Appendix: every cost measure compared", [
        "Every cost measure compared for this pilot and period, the headlines first. Effect: the change beyond "
        "the rest, in percent of the pilot's starting level."])
    _table(slide, ["measure", "effect", "interval", "the two methods", "headline"], rows, MARGIN, BODY_TOP,
           WIDE - 2 * MARGIN, (0.3, 0.1, 0.3, 0.22, 0.08))


def _appendix_coverage(prs, story: Story) -> None:
    rows = [[row.label, f"{row.rows:,}", long_date(row.first) if row.first else "—",
             long_date(row.last) if row.last else "—"] for row in story.coverage]
    slide = _slide(prs, story, "Appendix: the data behind it", [
        "What is loaded: rows of each table and the dates they cover. Empty tables are left out.",
        f"Figures use whole {story.grain}s from {long_date(story.start)} to {long_date(story.end)}."])
    _table(slide, ["table", "rows", "from", "to"], rows, MARGIN, BODY_TOP, Inches(9), (0.46, 0.18, 0.18, 0.18))


def build_deck(story: Story) -> bytes:
    """The deck as .pptx bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, HIGH
    _widen(prs)
    prs.core_properties.title = f"{story.organisation}: {story.question}"
    prs.core_properties.author = story.organisation
    _title_slide(prs, story)
    _in_short(prs, story)
    for effect in story.effects:
        _effect_slide(prs, story, effect)
    _pilot_slide(prs, story)
    _collaboration_slide(prs, story)
    _money_slide(prs, story)
    _methods_slide(prs, story)
    _appendix_measures(prs, story)
    _appendix_coverage(prs, story)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


__all__ = ["MIME", "alt_text", "build_deck", "line_chart", "number_format"]
