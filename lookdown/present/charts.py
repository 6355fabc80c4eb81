"""Plotly figures built from guarded measure results.

One figure per cost measure: the cost on the left, the collaboration activity that should drive it
down on the right, over the same periods (the x axes move together). One figure per pair, rather
than one tall figure holding every pair, keeps each pair's title, legend, hover and source note
together, lets the page lay the pairs out in a grid that reflows on narrow screens, lets a reader
enlarge one pair on its own, and keeps each figure small enough to draw quickly.

Colour says whether the change is good: green when the measure moved the way we want (a cost
shrinking, an activity growing), red when it did not, grey when there is nothing to judge. Split
into segments, each segment gets its own hue, the same in both panels, and the panel's title says
in how many segments the change was good. Hidden cells (groups smaller than the minimum group
size) are gaps in the line, and a note under the panel counts them beside the data's source.

Figures are assembled as plain dictionaries and validated once at the end, which is several times
faster than building them up through Plotly's setters.
"""
from __future__ import annotations

import textwrap
from collections.abc import Collection, Sequence
from datetime import date

import plotly.graph_objects as go

from lookdown.measures import MeasureResult
from lookdown.periods import GRAIN_NOUNS
from lookdown.present.labels import period_label
from lookdown.present.overview import headline, segment_headlines, series
from lookdown.present.safe_text import plotly_text

GOOD = "#1a7f37"
BAD = "#cf222e"
NEUTRAL = "#57606a"
MARKER = "#8250df"
# One palette for every chart and export, enough for a dozen departments without repeating:
# Okabe & Ito's seven colours distinguishable with the common colour-vision deficiencies (their
# yellow left out: it vanishes on white), then the dark and mid tones of Paul Tol's "muted"
# scheme (indigo, wine, olive, purple, sand), which stay apart from those seven.
SEGMENT_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
                   "#332288", "#882255", "#999933", "#AA4499", "#DDCC77")

WANTED = {"down": "should shrink", "up": "should grow", "neutral": "for context"}
# Characters per line of a panel title: a panel is a little under a quarter of a wide page.
TITLE_WIDTH = 26
# Characters per line of the note under a panel.
NOTE_WIDTH = 44
# Money measures' unit: the organisation's currency (lookdown.queries.settings), shown as its code.
MONEY_UNIT = "currency"
DEFAULT_CURRENCY = "USD"


def unit_text(unit: str, currency: str) -> str:
    """A unit as a reader sees it: money in the organisation's currency code, never 'amount'."""
    return currency if unit == MONEY_UNIT else unit


def verdict_colour(good: bool | None) -> str:
    return NEUTRAL if good is None else GOOD if good else BAD


def _coloured(text: str, colour: str) -> str:
    return f"<span style='color:{colour}'>{text}</span>"


def _axis(col: int) -> str:
    return "" if col == 1 else str(col)


def _hover(result: MeasureResult, currency: str) -> str:
    measure = result.measure
    return (
        "<b>%{customdata[1]}</b><br>%{customdata[0]}<br>"
        f"{measure.label}: %{{y:{measure.format}}} {unit_text(measure.unit, currency)}<br>"
        "People in this group: %{customdata[2]}<extra></extra>"
    )


def _customdata(cells: list, segment: str, grain: str) -> list[list[str]]:
    return [[period_label(day, grain), plotly_text(segment), "not counted" if people is None else f"{people:,}"]
            for day, _, _, people in cells]


def verdict_line(result: MeasureResult, missing: str = "") -> str:
    """The change in words, coloured by whether it is good: '▼ 8.4%: good', or for a segmented
    result 'good in 4 of 6 groups'; then, in grey, which way the measure should move."""
    wanted = _coloured(f" · {WANTED.get(result.measure.direction, '')}", NEUTRAL)
    if missing:
        return _coloured("No data yet", NEUTRAL) + wanted
    if result.by == "none":
        summary = headline(result)
        if not summary.available:
            return _coloured("Not enough figures to compare", NEUTRAL) + wanted
        text = f"{summary.change_text()}: {summary.verdict}"
        return _coloured(text, verdict_colour(summary.good)) + wanted
    summaries = [h for h in segment_headlines(result).values() if h.available]
    judged = [h for h in summaries if h.good is not None]
    if not judged:
        return _coloured("No group has a change to judge", NEUTRAL) + wanted
    good = sum(1 for h in judged if h.good)
    colour = GOOD if good * 2 > len(judged) else BAD if good * 2 < len(judged) else NEUTRAL
    return _coloured(f"good in {good} of {len(judged)} groups", colour) + wanted


def _wrap(label: str, width: int = TITLE_WIDTH) -> list[str]:
    return textwrap.wrap(label, width) or [""]


def _title(result: MeasureResult, missing: str, lines: int) -> str:
    """The measure's name in bold (wrapped; padded to `lines` lines so both panels align), then
    the verdict."""
    wrapped = _wrap(result.measure.label)
    name = "<br>".join(f"<b>{line}</b>" for line in wrapped)
    padding = "<br>" * (lines - len(wrapped))
    return f"{padding}{name}<br>{verdict_line(result, missing)}"


def _note(result: MeasureResult, missing: str) -> str:
    """Under a panel: where the numbers come from, how many cells are hidden, and how many periods
    have no figure at all (a median of nothing, say), so that no gap goes unexplained."""
    lines = textwrap.wrap(f"Source: {result.measure.sources_text()}", NOTE_WIDTH)
    hidden = result.suppressed_cells
    if hidden:
        cells = "cell" if hidden == 1 else "cells"
        lines.append(f"{hidden} {cells} hidden: fewer than {result.min_group_size} people")
    if not missing:
        frame = result.frame
        blank = int((frame["value"].isna() & ~frame["suppressed"].astype(bool)).sum())
        if blank and blank < len(frame):
            if result.by == "none":
                what = GRAIN_NOUNS[result.grain][0 if blank == 1 else 1]
            else:
                what = "cell" if blank == 1 else "cells"
            lines.append(f"{blank} {what} without a figure: nothing to count")
    return "<br>".join(lines)


def _panel(result: MeasureResult, col: int, colours: dict[str, str], shown: set[str],
           missing: str, currency: str) -> tuple[list, list, dict]:
    """Traces, annotations and y-axis settings of one panel."""
    measure = result.measure
    segmented = result.by != "none"
    axis = _axis(col)
    found = {} if missing else series(result)
    colour = None if segmented else verdict_colour(headline(result).good)
    traces = []
    for segment, cells in found.items():
        line_colour = colours[segment] if segmented else colour
        traces.append({
            "type": "scatter",
            "xaxis": f"x{axis}",
            "yaxis": f"y{axis}",
            "x": [day.isoformat() for day, _, _, _ in cells],
            "y": [value for _, value, _, _ in cells],
            "name": plotly_text(segment) if segmented else measure.label,
            "legendgroup": plotly_text(segment),
            "showlegend": segmented and segment not in shown,
            "mode": "lines+markers",
            "connectgaps": False,
            "line": {"color": line_colour, "width": 2},
            "marker": {"color": line_colour, "size": 5},
            "customdata": _customdata(cells, segment, result.grain),
            "hovertemplate": _hover(result, currency),
        })
        shown.add(segment)
    values = [value for cells in found.values() for _, value, _, _ in cells if value is not None]
    y_axis = {
        "tickformat": measure.format,
        "title": {"text": unit_text(measure.unit, currency), "font": {"size": 11}},
        "rangemode": "tozero" if not values or min(values) >= 0 else "normal",
        "anchor": f"x{axis}",
        "domain": [0, 1],
    }
    annotations = [{
        "text": _note(result, missing), "xref": f"x{axis} domain", "yref": f"y{axis} domain", "x": 0,
        "y": -0.16, "xanchor": "left", "yanchor": "top", "showarrow": False, "align": "left",
        "font": {"size": 11, "color": NEUTRAL},
    }]
    if not values:
        empty = missing.replace(": ", ":<br>", 1) if missing else \
            f"No figures in this period<br>(from {measure.sources_text()})"
        annotations.append({
            "text": empty, "xref": f"x{axis} domain", "yref": f"y{axis} domain", "x": 0.5, "y": 0.5,
            "showarrow": False, "font": {"size": 12, "color": NEUTRAL},
        })
    return traces, annotations, y_axis


def _markers(markers: Sequence[tuple[date, str]], cols: int, start: date | None,
             end: date | None) -> tuple[list, list]:
    """Dotted vertical lines at events such as the start of a pilot, labelled in each panel."""
    shapes, annotations = [], []
    for day, label in markers:
        if start is not None and end is not None and not (start <= day <= end):
            continue
        for col in range(1, cols + 1):
            axis = _axis(col)
            shapes.append({"type": "line", "xref": f"x{axis}", "yref": f"y{axis} domain",
                           "x0": day.isoformat(), "x1": day.isoformat(), "y0": 0, "y1": 1,
                           "line": {"color": MARKER, "width": 1, "dash": "dot"}})
            if col > 1:
                continue  # labelled once, in the left panel: beside its axis the label would be cut
            annotations.append({"text": plotly_text(label), "xref": f"x{axis}", "yref": f"y{axis} domain",
                                "x": day.isoformat(), "y": 1, "xanchor": "left", "yanchor": "top",
                                "showarrow": False, "font": {"size": 10, "color": MARKER}})
    return shapes, annotations


def pair_figure(cost: MeasureResult, driver: MeasureResult | None = None, *,
                markers: Sequence[tuple[date, str]] = (), empty_tables: Collection[str] = (),
                height: int = 380, currency: str = DEFAULT_CURRENCY) -> go.Figure:
    """The cost measure beside the collaboration activity that should drive it down.

    markers: (day, label) events drawn as dotted lines, such as the start of a pilot.
    empty_tables: tables with no rows; a measure reading one says "No data yet" instead of
    drawing the zeros it would otherwise fill in.
    currency: the organisation's currency, the unit of money measures on their axis and hover.
    """
    results = [cost] + ([driver] if driver is not None else [])
    lines = max(len(_wrap(r.measure.label)) for r in results)
    missing = [r.measure.missing_data(empty_tables) for r in results]
    segments = sorted({str(s) for r, m in zip(results, missing) if r.by != "none" and not m
                       for s in r.frame["segment"]})
    colours = {s: SEGMENT_COLOURS[i % len(SEGMENT_COLOURS)] for i, s in enumerate(segments)}
    # Two panels side by side, with room between them for the right panel's axis title.
    domains = [(0.0, 0.41), (0.59, 1.0)] if len(results) == 2 else [(0.0, 1.0)]
    data, annotations, layout = [], [], {}
    shown: set[str] = set()
    for col, (result, domain, gap) in enumerate(zip(results, domains, missing), start=1):
        traces, notes, y_axis = _panel(result, col, colours, shown, gap, currency)
        data += traces
        annotations += notes
        axis = _axis(col)
        layout[f"xaxis{axis}"] = {"domain": list(domain), "anchor": f"y{axis}", "type": "date"}
        if col == 1 and cost.start is not None and cost.end is not None:
            # An explicit range: Plotly would otherwise stretch the axis to fit the marker labels.
            layout["xaxis"]["range"] = [cost.start.isoformat(), cost.end.isoformat()]
        if col > 1:
            layout[f"xaxis{axis}"]["matches"] = "x"
        layout[f"yaxis{axis}"] = y_axis
        annotations.append({
            "text": _title(result, gap, lines), "xref": "paper", "yref": "paper",
            "x": (domain[0] + domain[1]) / 2, "y": 1.0, "xanchor": "center", "yanchor": "bottom",
            "showarrow": False, "font": {"size": 13},
        })
    shapes, labels = _markers(markers, len(results), cost.start, cost.end)
    layout.update(
        height=height + 18 * (lines - 1) + (30 if segments else 0),
        margin={"l": 10, "r": 10, "t": 26 + 18 * lines, "b": 120 if segments else 90},
        showlegend=bool(segments),
        legend={"orientation": "h", "yanchor": "top", "y": -0.32, "x": 0, "font": {"size": 11}},
        hovermode="closest",
        annotations=annotations + labels,
        shapes=shapes,
        meta={"measures": [r.measure.name for r in results], "grain": cost.grain, "by": cost.by},
    )
    return go.Figure({"data": data, "layout": layout})
