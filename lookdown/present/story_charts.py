"""Every chart of a `Story`, once, for the Present page, the report, the PDF, the images and the
deck's pictures: the same figure everywhere, in the organisation's accent colour.

Each chart carries a file-name key, a title, and a description in words that serves as its alt
text (a reader who cannot see the chart gets its numbers).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import plotly.graph_objects as go

from lookdown.formats import fmt
from lookdown.present.analysis_charts import pilot_figure, projection_figure
from lookdown.present.charts import NEUTRAL, SEGMENT_COLOURS
from lookdown.present.story import Effect, Story, long_date, slug

REST_COLOUR = SEGMENT_COLOURS[1]
FONT = "Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class Chart:
    key: str          # names its files: 'training-requests-pilot-vs-rest'
    title: str
    figure: go.Figure
    description: str  # the chart in words: its alt text
    source: str       # where its numbers come from, in words


def _accented(figure: go.Figure, pilot: str, accent: str) -> go.Figure:
    """The pilot's lines in the organisation's accent colour (the rest keeps its own)."""
    for trace in figure.data:
        name = trace.name or ""
        if name.startswith(pilot) and trace.line is not None:
            trace.line.color = accent
            if trace.marker is not None:
                trace.marker.color = accent
    return figure


def _per(effect: Effect) -> str:
    return effect.comparison.result.grain


def pilot_chart(effect: Effect, story: Story) -> Chart:
    """The pilot and the rest over time, with each group's average before and after the start."""
    c = effect.comparison
    figure = pilot_figure(c.result, c.cohort, c.did, unit=effect.measure.unit, start=c.start)
    figure.update_layout(font={"family": FONT})
    did, f = c.did, effect.figures
    description = (
        f"Line chart of {effect.series.unit} per {_per(effect)}, {c.cohort} against the rest of the "
        f"organisation, {story.period_text}, the start on {long_date(c.start)} marked. Before the start the "
        f"pilot averaged {fmt(did.pilot_before)} and the rest {fmt(did.rest_before)}; from it on "
        f"{fmt(did.pilot_after)} and {fmt(did.rest_after)}. Isolated effect {f.did} {f.unit} "
        f"({effect.points} of the pilot's starting level, {effect.points_interval})."
    )
    if effect.series.hidden:
        description += f" {effect.series.hidden} value(s) hidden: fewer than {story.min_group_size} people."
    return Chart(f"{slug(effect.measure.label)}-pilot-vs-rest", effect.series.title,
                 _accented(figure, c.cohort, story.branding.accent), description, _source(effect, story))


def projection_chart(effect: Effect, story: Story) -> Chart | None:
    """The pilot against its own earlier trend carried forward, with the projection's interval."""
    projection = effect.comparison.projection
    if projection.status != "ok":
        return None
    c = effect.comparison
    figure = projection_figure(projection, cohort=c.cohort, unit=effect.measure.unit, measure=effect.measure)
    figure.update_layout(font={"family": FONT})
    words = effect.series.unit
    description = (
        f"Line chart of {c.cohort}'s {words} per {_per(effect)} against its trend before {long_date(c.start)} "
        f"carried forward, with the projection's {projection.confidence:.0%} interval as a band. After the "
        f"start it averaged {fmt(projection.actual_after)} against {fmt(projection.projected_after)} "
        f"projected: a gap of {fmt(projection.average_gap, signed=True)} {words}."
    )
    return Chart(f"{slug(effect.measure.label)}-against-own-trend",
                 f"{effect.measure.label}: {c.cohort} against its own earlier trend",
                 _accented(figure, c.cohort, story.branding.accent), description, _source(effect, story))


def _source(effect: Effect, story: Story) -> str:
    pilot = "pilot cohort list" if story.pilot_source == "cohort" else "HR people records (departments)"
    return f"{effect.measure.sources_text()}; {pilot}"


def effects_chart(story: Story) -> Chart:
    """Each headline's isolated effect in percent of the pilot's starting level, with its interval:
    what PowerPoint cannot draw natively (interval bars and their labels)."""
    effects = [e for e in story.effects if e.did.did_pct_points is not None]
    labels = [e.measure.label for e in effects]
    values = [e.did.did_pct_points for e in effects]
    low = [e.did.ci_low for e in effects]
    high = [e.did.ci_high for e in effects]
    known = [i for i, e in enumerate(effects) if e.did.ci_low is not None]
    data = [{
        "type": "scatter", "mode": "markers", "y": labels, "x": values, "name": "isolated effect",
        "marker": {"color": story.branding.accent, "size": 14, "symbol": "diamond"},
        "error_x": {"type": "data", "symmetric": False, "thickness": 3, "width": 8, "color": story.branding.accent,
                    "array": [(h - v) if h is not None else 0 for v, h in zip(values, high)],
                    "arrayminus": [(v - lo) if lo is not None else 0 for v, lo in zip(values, low)]},
        "hovertemplate": "%{y}: %{x:.1f}%<extra></extra>",
    }]
    annotations = [{
        "x": values[i], "y": labels[i], "text": f"<b>{effects[i].points}</b>  ({fmt(low[i], signed=True)}% to "
                                                 f"{fmt(high[i], signed=True)}%)",
        "showarrow": False, "yshift": 20, "font": {"size": 14},
    } for i in known]
    level = f"{effects[0].did.confidence:.0%}" if effects else "95%"
    layout = {
        "height": 120 + 90 * max(len(effects), 1), "margin": {"l": 10, "r": 30, "t": 30, "b": 10},
        "font": {"family": FONT, "size": 14}, "showlegend": False,
        "xaxis": {"title": {"text": f"change beyond the rest, in % of the pilot's starting level ({level} interval)"},
                  "zeroline": True, "zerolinecolor": NEUTRAL, "zerolinewidth": 2, "ticksuffix": "%"},
        "yaxis": {"autorange": "reversed", "automargin": True},
        "annotations": annotations, "meta": {"effects": labels},
    }
    description = ("Interval chart of the isolated effects, in percent of the pilot's starting level: "
                   + "; ".join(f"{e.measure.label} {e.points} ({e.points_interval})" for e in effects) + ".")
    sources = ", ".join(dict.fromkeys(_source(e, story) for e in effects))
    return Chart("isolated-effects", f"What shrank: {story.pilot} against the rest, isolated effect",
                 go.Figure({"data": data, "layout": layout}), description, sources)


def money_chart(story: Story) -> Chart | None:
    """First-year benefit of each counted measure with its low-to-high range, against the cost."""
    money = story.money
    if money.result is None or not money.result.lines:
        return None
    lines = money.result.lines
    c = money.currency
    data = [{
        "type": "bar", "orientation": "h", "y": [f"{line.label}: {fmt(line.benefit)} {c}" for line in lines],
        "x": [line.benefit for line in lines], "marker": {"color": story.branding.accent}, "name": "expected",
        "error_x": {"type": "data", "symmetric": False, "color": NEUTRAL, "thickness": 2,
                    "array": [line.benefit_high - line.benefit for line in lines],
                    "arrayminus": [line.benefit - line.benefit_low for line in lines]},
        "hovertemplate": "%{y} a year<extra></extra>",
    }]
    layout = {
        "height": 140 + 70 * len(lines), "margin": {"l": 10, "r": 30, "t": 30, "b": 10},
        "font": {"family": FONT, "size": 14}, "showlegend": False,
        "xaxis": {"title": {"text": f"first-year benefit ({c}; bars from low to high)"}, "tickformat": ",.0f",
                  "rangemode": "tozero"},
        "yaxis": {"autorange": "reversed", "automargin": True},
        "meta": {"currency": c},
    }
    description = ("Bar chart of first-year benefits: " + "; ".join(
        f"{line.label} {fmt(line.benefit)} {c} (low {fmt(line.benefit_low)}, high {fmt(line.benefit_high)})"
        for line in lines) + f". {money.range_text}.")
    values = "your saved unit values" if money.saved else "the documented default unit values"
    return Chart("first-year-benefits", f"What it is worth: first-year benefits in {c}",
                 go.Figure({"data": data, "layout": layout}), description,
                 f"the isolated effects above × {values} (What it is worth page)")


def story_charts(story: Story) -> list[Chart]:
    """Every chart of the story, in the order the pack tells it."""
    charts = []
    for effect in story.effects:
        charts.append(pilot_chart(effect, story))
        projection = projection_chart(effect, story)
        if projection is not None:
            charts.append(projection)
    if story.effects:
        charts.append(effects_chart(story))
    charts += [pilot_chart(effect, story) for effect in story.collaboration]
    money = money_chart(story)
    if money is not None:
        charts.append(money)
    return charts


def titled(chart: Chart, story: Story, *, width: int, height: int) -> go.Figure:
    """The chart as a picture to take away: its title, the period, the source and the
    organisation's name drawn into it, at a fixed size."""
    figure = go.Figure(copy.deepcopy(chart.figure.to_dict()))
    source = (f"Source: {chart.source} · {story.organisation} · Data {story.period_text} · "
              f"{story.privacy_text} · Lookdown")
    annotations = list(figure.layout.annotations or ()) + [{
        "text": source, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top",
        "yshift": -100, "showarrow": False, "font": {"size": 12, "color": NEUTRAL}, "align": "left",
    }]
    figure.update_layout(
        title={"text": f"<b>{chart.title}</b><br><span style='font-size:14px;color:{NEUTRAL}'>"
                       f"{story.organisation} · {story.period_text} · pilot {story.pilot_text}</span>",
               "x": 0.01, "xanchor": "left", "font": {"size": 22}},
        width=width, height=height, margin={"l": 70, "r": 40, "t": 110, "b": 150},
        annotations=annotations, paper_bgcolor="white", plot_bgcolor="white",
        font={"family": FONT, "size": 14},
    )
    figure.update_xaxes(showgrid=True, gridcolor="#e5e5e5", automargin=True)
    figure.update_yaxes(showgrid=True, gridcolor="#e5e5e5", automargin=True)
    if figure.layout.legend is not None:
        figure.update_layout(legend={"y": -0.12, "font": {"size": 14}})
    return figure


__all__ = ["Chart", "effects_chart", "money_chart", "pilot_chart", "projection_chart", "story_charts", "titled"]
