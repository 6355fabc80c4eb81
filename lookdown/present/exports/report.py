"""The report: one self-contained HTML file laid out from a `Story`, with the deck's content and
interactive Plotly charts. plotly.js is embedded once (about 4.7 MB) and nothing is fetched from
the network, so it opens anywhere, offline, and prints the same way (lookdown.present.exports.pdf).

Print: A4 landscape, one section per page, charts never split, no toolbar.
"""
from __future__ import annotations

import base64
import copy
import json
from html import escape

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from lookdown.formats import fmt
from lookdown.present.story import Effect, Story, long_date
from lookdown.present.story_charts import Chart, effects_chart, money_chart, pilot_chart, projection_chart

MIME = "text/html"
CONFIG = {"displayModeBar": False, "responsive": True}

STYLE = """
:root { --accent: %(accent)s; --ink: #24292f; --grey: #57606a; }
* { box-sizing: border-box; }
body { margin: 0; font-family: Helvetica, Arial, sans-serif; color: var(--ink); background: #f6f8fa; }
main { max-width: 1040px; margin: 0 auto; }
section { background: white; margin: 24px 0; padding: 28px 36px 64px; border-left: 8px solid var(--accent);
          position: relative; }
figure.chart { margin: 0; }
figcaption { font-size: 12px; }
h1 { font-size: 40px; margin: 0 0 12px; }
h2 { font-size: 26px; margin: 0 0 14px; }
h3 { font-size: 18px; margin: 12px 0 6px; }
p, li { font-size: 15px; line-height: 1.45; }
.question { font-size: 28px; color: var(--accent); font-weight: bold; margin: 24px 0; }
.lead { font-size: 18px; }
.big { font-size: 44px; font-weight: bold; color: var(--accent); margin: 0; }
.muted { color: var(--grey); }
.small { font-size: 13px; }
.row { display: flex; gap: 24px; align-items: flex-start; }
.row > * { flex: 1 1 0; min-width: 0; }
.figures { flex: 0 0 300px; }
.chart { break-inside: avoid; page-break-inside: avoid; width: 100%%; }
.logo { max-height: 90px; max-width: 260px; float: right; }
table { border-collapse: collapse; width: 100%%; font-size: 12px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #d0d7de; vertical-align: top; }
footer { position: absolute; left: 36px; right: 36px; bottom: 10px; padding-top: 6px; font-size: 11px;
         color: var(--grey); border-top: 1px solid #d0d7de; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { background: white; }
  main { max-width: none; }
  section { margin: 0; min-height: 188mm; page-break-after: always; break-after: page; break-inside: avoid;
            padding: 18px 24px 56px; }
  footer { left: 24px; right: 24px; }
  section:last-child { page-break-after: auto; break-after: auto; }
}
"""


def _figure_html(chart: Chart, div_id: str, *, height: int | None = None) -> str:
    """A chart's place in the page; it is drawn once the whole page is laid out (DRAW), so it takes
    the width of its column, not of the page while the page was still being read."""
    figure = go.Figure(copy.deepcopy(chart.figure.to_dict()))
    figure.update_layout(template="plotly_white", **({"height": height} if height else {}))
    if height and height < 260 and figure.layout.legend is not None:
        figure.update_layout(legend={"y": -0.18})  # a short chart: keep the legend off the dates
    div_id = f"chart-{div_id}"  # never a section's id: Plotly draws into the first element with it
    spec = pio.to_json(figure, validate=False)
    height_px = int(figure.layout.height or 400)
    return (f'<figure class="chart" role="img" aria-label="{escape(chart.description)}" '
            f'data-chart="{escape(chart.key)}"><div id="{div_id}" class="plot" style="height:{height_px}px"></div>'
            f'<script type="application/json" data-plot="{div_id}">{_script_safe(spec)}</script>'
            f'<figcaption class="muted">Source: {escape(chart.source)}</figcaption></figure>')


def _script_safe(text: str) -> str:
    """JSON inside a script element: a '</' would end the element early."""
    return text.replace("</", "<\\/")


# Draws every chart from its JSON once the page is laid out.
DRAW = """
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("script[data-plot]").forEach(function (node) {
    var spec = JSON.parse(node.textContent);
    Plotly.newPlot(node.dataset.plot, spec.data, spec.layout, CONFIG);
  });
});
""".replace("CONFIG", json.dumps(CONFIG))


def _section(story: Story, key: str, title: str, body: str) -> str:
    return (f'<section id="{key}" data-section="{key}"><h2>{escape(title)}</h2>{body}'
            f'<footer>{escape(story.organisation)} · {escape(story.footer)}</footer></section>')


def _list(items) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _table(header, rows) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cover(story: Story) -> str:
    logo = story.branding.logo
    image = (f'<img class="logo" alt="Logo of {escape(story.organisation)}" '
             f'src="data:{logo.mime};base64,{base64.b64encode(logo.data).decode("ascii")}">') if logo else ""
    return (f'<section id="cover" data-section="cover">{image}<h1>{escape(story.organisation)}</h1>'
            f'<p class="question">{escape(story.question)}</p>'
            f'<p class="lead">Pilot: {escape(story.pilot_text)}</p>'
            f'<p class="lead">Data from {escape(long_date(story.start))} to {escape(long_date(story.end))}</p>'
            f'<p class="muted">Every figure comes from the same guarded results Lookdown shows on screen: '
            f'{escape(story.privacy_text.lower())}, and no row about a single person is included.</p>'
            f'<footer>{escape(story.organisation)} · {escape(story.footer)}</footer></section>')


def _in_short(story: Story) -> str:
    items = [f"{e.title} ({e.points_interval}). {e.agreement_words}." for e in story.effects]
    if not story.effects:
        items.append("No cost measure shrank clearly beyond the rest of the organisation in this period.")
    items += [f"Behind it: {e.title}." for e in story.collaboration]
    money = story.money
    items.append(money.range_text + "." if money.ready else money.problem)
    if money.ready:
        items.append(money.roi_text + ".")
    return _section(story, "in-short", "In short: what shrank, and what it is worth",
                    f'<div class="lead">{_list(items)}</div>')


def _effect(story: Story, effect: Effect, index: int) -> str:
    did, f = effect.did, effect.figures
    c = effect.comparison
    per = c.result.grain
    figures = (f'<div class="figures"><p class="big">{escape(effect.points)}</p>'
               f'<p class="muted">of the pilot\'s starting level, beyond what changed for everyone</p>'
               f'<p>{escape(effect.points_interval)}</p><p><b>{escape(effect.agreement_words)}.</b></p>'
               f'<p>Pilot: {escape(f.pilot)} {escape(f.unit)} per {per} ({escape(f.pilot_change or "n/a")})<br>'
               f'Rest: {escape(f.rest)} {escape(f.unit)} per {per} ({escape(f.rest_change or "n/a")})</p>'
               f'<p class="muted small">{escape(did.parallel_trends.note)}</p></div>')
    charts = [_figure_html(pilot_chart(effect, story), f"effect-{index}", height=290)]
    projection = projection_chart(effect, story)
    if projection is not None:
        charts.append(_figure_html(projection, f"projection-{index}", height=210))
    body = f'<div class="row"><div>{"".join(charts)}</div>{figures}</div>'

    return _section(story, f"effect-{effect.measure.name}", effect.title, body)


def _pilot(story: Story) -> str:
    if not story.effects:
        return ""
    rows = [[e.measure.label, f"{fmt(e.did.pilot_change_pct, signed=True)}%",
             f"{fmt(e.did.rest_change_pct, signed=True)}%", e.points, e.points_interval] for e in story.effects]
    body = (_figure_html(effects_chart(story), "isolated-effects", height=min(400, 100 + 60 * len(story.effects)))
            + _table(["measure", "pilot, before → after", "rest, before → after", "beyond the rest", "interval"], rows))
    return _section(story, "pilot-vs-rest", f"The pilot against the rest: {story.pilot}", body)


def _collaboration(story: Story) -> str:
    if not story.collaboration:
        return ""
    charts = "".join(
        f'<div>{_figure_html(pilot_chart(e, story), f"collaboration-{i}", height=360)}'
        f'<p><b>{escape(e.title)}</b>. {escape(e.points_interval)}. {escape(e.agreement_words)}.</p></div>'
        for i, e in enumerate(story.collaboration))
    return _section(story, "collaboration", "The collaboration behind it", f'<div class="row">{charts}</div>')


def _money(story: Story) -> str:
    money = story.money
    if not money.ready:
        return _section(story, "money", "What it is worth", f'<p class="lead">{escape(money.problem)}</p>')
    r, a = money.result, money.assumptions
    chart = money_chart(story)
    lines = [f"Programme costs {money.amount(r.programme_costs)} a year; net benefit {money.amount(r.net_benefit)}; "
             f"{money.roi_text}."]
    if a.participants == 0:
        lines.append("No participants are entered, so licences cost nothing here: the ROI is flattering.")
    not_counted = [f"{i.label} ({i.status})" for i in money.items if not i.counted]
    if not_counted:
        lines.append("Not counted: " + "; ".join(not_counted) + ".")
    body = (f'<p class="big">{escape(money.amount(r.low.total_benefits))} to '
            f'{escape(money.amount(r.high.total_benefits))}</p>'
            f'<p class="muted">first-year benefits (expected {escape(money.amount(r.total_benefits))})</p>'
            + (_figure_html(chart, "money", height=min(330, 100 + 40 * len(r.lines))) if chart else "")
            + _list(lines))
    return _section(story, "money", f"What it is worth: {money.amount(r.total_benefits)} a year", body)


def _assumptions(story: Story) -> str:
    money = story.money
    a = money.assumptions
    sources = a.sources()
    rows = [[name.replace("_", " "), fmt(getattr(a, name)), sources[name]] for name in sources]
    made = "saved with the data" if money.saved else "the documented defaults (US figures in US dollars)"
    body = (f'<p>Unit values and programme costs: {escape(made)}, in {escape(a.currency)}. Low and high: '
            f'{escape(money.result.band_method)}</p>' + _table(["assumption", "value", "source"], rows)
            + f'<p class="muted">Deliberately not converted to money: '
              f'{escape("; ".join(money.result.intangibles) if money.ready else "")}.</p>')
    return _section(story, "assumptions", "Money: assumptions and their sources", body)


def _methods(story: Story) -> str:
    body = (_list(story.methods) + "<h3>Limits, in plain words</h3>" + _list(story.caveats)
            + f'<p class="muted">{escape(story.privacy_text)} in every chart, table and export; when one group '
              'of a period is hidden, the next smallest is hidden too, so it cannot be worked out.</p>')
    return _section(story, "methods", "Methods and limits", body)


def _appendix(story: Story) -> str:
    rows = [[e.measure.label, e.points, e.points_interval, e.agreement, "yes" if e in story.effects else "no"]
            for e in story.effects + story.others]
    rows += [[label, "—", why, "not compared", "no"] for label, why in story.not_compared]
    coverage = [[row.label, f"{row.rows:,}", long_date(row.first) if row.first else "—",
                 long_date(row.last) if row.last else "—"] for row in story.coverage]
    body = ("<h3>Every cost measure compared</h3>"
            + _table(["measure", "effect", "interval", "the two methods", "headline"], rows)
            + "<h3>The data behind it</h3>" + _table(["table", "rows", "from", "to"], coverage))
    return _section(story, "appendix", "Appendix", body)


def sections(story: Story) -> list[str]:
    """The report's sections in order, as HTML: one printed page each."""
    parts = [_cover(story), _in_short(story)]
    parts += [_effect(story, e, i) for i, e in enumerate(story.effects)]
    parts += [_pilot(story), _collaboration(story), _money(story)]
    if story.money.ready:
        parts.append(_assumptions(story))
    parts += [_methods(story), _appendix(story)]
    return [p for p in parts if p]


def build_report(story: Story) -> str:
    """The whole report as one HTML document."""
    title = f"{story.organisation}: {story.question} ({story.period_text})"
    return ("<!DOCTYPE html>\n"
            f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{STYLE % {'accent': story.branding.accent}}</style>"
            f'<script>{get_plotlyjs()}</script><script>{DRAW}</script></head><body><main>'
            + "".join(sections(story)) + "</main></body></html>")


__all__ = ["MIME", "build_report", "sections"]
