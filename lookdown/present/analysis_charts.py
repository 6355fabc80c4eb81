"""Figures, tables and words for the analysis pages: explore a measure, a pilot against the rest,
what it is worth, and how knowledge flows between departments.

Everything here is built from guarded results and the analysis core's results, so a page only
lays out what these functions return, and each figure can be checked without a browser. Figures
are assembled as plain dictionaries (fast, and easy to read back in tests).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from lookdown.analysis.lag import LagCorrelation
from lookdown.analysis.money import Assumptions
from lookdown.analysis.pilot import PilotComparison, pilot_and_rest
from lookdown.analysis.projection import PilotProjection
from lookdown.analysis.series import as_series
from lookdown.analysis.trend import GROWING, SHRINKING, TrendVerdict
from lookdown.formats import fmt
from lookdown.measures import PILLARS, Measure, MeasureResult
from lookdown.measures.flow import KnowledgeFlow
from lookdown.periods import GRAINS
from lookdown.present.charts import BAD, GOOD, MARKER, NEUTRAL, SEGMENT_COLOURS
from lookdown.present.labels import period_label
from lookdown.present.safe_text import plotly_text, spreadsheet_csv

PILLAR_NAMES = {"collaboration": "Collaboration", "engagement": "Engagement", "learning": "Learning",
                "cost": "Cost"}
PILOT_COLOUR = SEGMENT_COLOURS[0]
REST_COLOUR = SEGMENT_COLOURS[1]
PER_HEAD_FORMAT = ",.3~g"


# -- units and numbers -----------------------------------------------------------------------


def display_unit(measure: Measure, currency: str) -> str:
    """The measure's unit as a reader sees it: the currency code instead of the word 'currency'."""
    return currency if measure.unit == "currency" else measure.unit


def in_currency(measure: Measure, currency: str) -> Measure:
    """The same measure, its unit spelled with the currency code (for the analyses' sentences)."""
    unit = display_unit(measure, currency)
    return measure if unit == measure.unit else dataclasses.replace(measure, unit=unit)


def is_rate(measure: Measure) -> bool:
    return "%" in measure.format


def value_text(value: float | None, measure: Measure, *, per_head: bool = False, unit: str | None = None,
               signed: bool = False) -> str:
    """A value in its unit: '0.15 requests per person', '+2.1 pts' (a change in a rate), '34.0%'."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    unit = measure.unit if unit is None else unit
    if is_rate(measure) and not per_head:
        number = f"{value * 100:+.1f}" if signed else f"{value * 100:.1f}"
        return number.replace("-", "−") + (" pts" if signed else "%")
    text = fmt(value, signed=signed)
    words = f"{unit} per person" if per_head else unit
    return f"{text} {words}".strip()


def pct_text(value: float | None) -> str:
    return "n/a" if value is None else fmt(value, signed=True) + "%"


def measure_option(measure: Measure) -> str:
    """How a measure reads in a menu: 'Cost · Training requests'."""
    return f"{PILLAR_NAMES.get(measure.pillar, measure.pillar)} · {measure.label}"


def measures_by_pillar(measures) -> list[Measure]:
    """Measures grouped by pillar (cost first: the page is about what shrinks), then by label."""
    order = ("cost",) + tuple(p for p in PILLARS if p != "cost")
    return sorted(measures, key=lambda m: (order.index(m.pillar) if m.pillar in order else len(order),
                                           m.label.lower()))


# -- the explore page's state in the address ---------------------------------------------------


@dataclass(frozen=True)
class ExploreState:
    """What the explore page shows: the values its address (query parameters) holds."""

    measure: str
    grain: str
    by: str
    first_month: date
    last_month: date
    problems: tuple[str, ...] = ()   # parameters in the address that were not understood

    def params(self) -> dict[str, str]:
        return {"measure": self.measure, "grain": self.grain, "by": self.by,
                "from": f"{self.first_month:%Y-%m}", "to": f"{self.last_month:%Y-%m}"}


def _month(text: str | None) -> date | None:
    if not text:
        return None
    try:
        stamp = pd.Timestamp(str(text))
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    return date(stamp.year, stamp.month, 1)


def explore_state(params, *, measures: list[str], segmentations: list[str], months: list[date],
                  default_measure: str) -> ExploreState:
    """The state from query parameters, each checked against what this data offers; anything not
    understood falls back to the default and is named in `problems`."""
    problems = []

    def pick(key: str, allowed, default):
        value = params.get(key)
        if value is None or value == "":
            return default
        if value in allowed:
            return value
        problems.append(f"{key}={value}")
        return default

    measure = pick("measure", measures, default_measure)
    grain = pick("grain", GRAINS, "month")
    by = pick("by", segmentations, "none")
    first, last = months[0], months[-1]
    for key in ("from", "to"):
        raw = params.get(key)
        month = _month(raw)
        if raw and (month is None or month not in months):
            problems.append(f"{key}={raw}")
        elif month is not None:
            if key == "from":
                first = month
            else:
                last = month
    if first > last:
        problems.append(f"from={first:%Y-%m} is after to={last:%Y-%m}")
        first, last = months[0], months[-1]
    return ExploreState(measure, grain, by, first, last, tuple(problems))


# -- explore: one line per segment and a verdict per segment ------------------------------------


def segment_values(result: MeasureResult, *, per_head: bool) -> dict[str, pd.Series]:
    """Each segment's values by period (per person when `per_head`); hidden cells are missing."""
    frame = result.frame
    return {str(segment): as_series(rows, per_head=per_head)
            for segment, rows in frame.groupby("segment", sort=True)}


def values_table(result: MeasureResult, *, per_head: bool, unit: str | None = None) -> pd.DataFrame:
    """The guarded values as a reader downloads them: one row per period and group; a hidden
    value is empty and says why."""
    frame = result.frame
    unit = result.measure.unit if unit is None else unit
    table = pd.DataFrame({
        "period": frame["period"].dt.date,
        "group": frame["segment"].astype(str),
        f"value ({unit})": frame["value"],
        "people": frame["people"],
        "hidden": frame["suppressed"].astype(bool),
    })
    if per_head:
        people = pd.to_numeric(frame["people"], errors="coerce").astype(float)
        values = frame["value"].astype(float)
        table[f"per person ({unit})"] = (values / people).where(people > 0)
    table["note"] = [f"fewer than {result.min_group_size} people: hidden" if hidden else ""
                     for hidden in table["hidden"]]
    return table.sort_values(["period", "group"]).reset_index(drop=True)


def values_csv(table: pd.DataFrame) -> str:
    """The values table as the CSV users download (text that would run as a formula escaped)."""
    return spreadsheet_csv(table)


@dataclass(frozen=True)
class Badge:
    """A verdict as a page shows it: a coloured label, an icon, and the reason in words."""

    segment: str
    label: str          # shrinking | growing | no clear trend
    colour: str         # a Streamlit badge colour
    icon: str
    change: str         # the change per year in the unit and in %, or why there is none
    explanation: str


def verdict_badge(segment: str, verdict: TrendVerdict, measure: Measure) -> Badge:
    """Green when the measure moves the way it should (a cost shrinking), red when it moves the
    other way, grey when there is no clear trend; blue when neither way is better.

    The verdict's unit is used as it is: pass 'requests per person' to `trend_by_segment` when the
    verdict is per person."""
    if verdict.verdict in (SHRINKING, GROWING):
        wanted = {"down": SHRINKING, "up": GROWING}.get(measure.direction)
        colour = "blue" if wanted is None else "green" if verdict.verdict == wanted else "red"
        icon = ":material/trending_down:" if verdict.verdict == SHRINKING else ":material/trending_up:"
        label = verdict.verdict
    elif verdict.periods == 0 and verdict.suppressed_cells:
        colour, icon = "gray", ":material/visibility_off:"
        label = "hidden to protect small groups"
    else:
        colour, icon = "gray", ":material/trending_flat:"
        label = f"no clear trend ({verdict.reason})" if verdict.reason else "no clear trend"
    if verdict.slope_per_year is not None:
        # The verdict's unit already says 'per person' when it was judged per person.
        change = value_text(verdict.slope_per_year, measure, per_head=False,
                            unit=verdict.unit, signed=True) + " a year"
        if verdict.slope_pct_of_mean_per_year is not None:
            change += f" ({pct_text(verdict.slope_pct_of_mean_per_year)} of the average)"
        if label.startswith("no clear trend"):
            change = "best estimate " + change
    elif label.startswith("hidden"):
        change = ("every value hidden: the group is smaller than the minimum, or showing it would "
                  "let a smaller group's figure be worked out")
    else:
        change = "no estimate"
    return Badge(segment, label, colour, icon, change, verdict.explanation)


def trend_figure(result: MeasureResult, verdicts: dict[str, TrendVerdict], *, per_head: bool,
                 unit: str | None = None, segments: list[str] | None = None,
                 markers: list[tuple[date, str]] = (), height: int = 420) -> go.Figure:
    """One line per segment (per person when `per_head`), named with its verdict."""
    measure = result.measure
    unit = plotly_text(measure.unit if unit is None else unit)  # a currency is typed in by a user
    series = segment_values(result, per_head=per_head)
    raw = segment_values(result, per_head=False)
    people = {str(s): rows.set_index("period")["people"] for s, rows in result.frame.groupby("segment")}
    shown = [s for s in series if segments is None or s in segments]
    data = []
    for index, segment in enumerate(shown):
        values = series[segment]
        colour = SEGMENT_COLOURS[index % len(SEGMENT_COLOURS)] if len(shown) > 1 else GOOD
        verdict = verdicts.get(segment)
        if len(shown) == 1 and verdict is not None:
            colour = _verdict_colour(verdict, measure)
        shown_name = plotly_text(segment)
        name = shown_name if verdict is None else f"{shown_name}: {verdict.verdict}"
        count = people[segment].reindex(values.index)
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": name, "connectgaps": False,
            "x": [p.date().isoformat() for p in values.index],
            "y": [None if pd.isna(v) else float(v) for v in values],
            "line": {"color": colour, "width": 2}, "marker": {"color": colour, "size": 5},
            "customdata": [[period_label(p, result.grain), shown_name,
                            "hidden" if pd.isna(r) else fmt(float(r)),
                            "not counted" if pd.isna(c) else f"{int(c):,}"]
                           for p, r, c in zip(values.index, raw[segment].reindex(values.index), count)],
            "hovertemplate": ("<b>%{customdata[1]}</b><br>%{customdata[0]}<br>"
                              + (f"%{{y:{PER_HEAD_FORMAT}}} {unit} per person<br>Total: %{{customdata[2]}} {unit}<br>"
                                 if per_head else f"%{{y:{measure.format}}} {unit}<br>")
                              + "People in this group: %{customdata[3]}<extra></extra>"),
        })
    shapes, annotations = _start_markers(markers, result.start, result.end)
    axis_unit = f"{unit} per person" if per_head else (unit if not is_rate(measure) else "")
    layout = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "hovermode": "closest",
        "xaxis": {"type": "date"},
        "yaxis": {"tickformat": PER_HEAD_FORMAT if per_head else measure.format,
                  "title": {"text": axis_unit}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        "showlegend": len(shown) > 1, "shapes": shapes, "annotations": annotations,
        "meta": {"measure": measure.name, "grain": result.grain, "by": result.by, "per_head": per_head},
    }
    return go.Figure({"data": data, "layout": layout})


def _verdict_colour(verdict: TrendVerdict, measure: Measure) -> str:
    if verdict.verdict not in (SHRINKING, GROWING) or measure.direction == "neutral":
        return NEUTRAL
    wanted = SHRINKING if measure.direction == "down" else GROWING
    return GOOD if verdict.verdict == wanted else BAD


def _start_markers(markers, start, end) -> tuple[list, list]:
    shapes, annotations = [], []
    for day, label in markers:
        if start is not None and end is not None and not (start <= day <= end):
            continue
        shapes.append({"type": "line", "xref": "x", "yref": "y domain", "x0": day.isoformat(),
                       "x1": day.isoformat(), "y0": 0, "y1": 1,
                       "line": {"color": MARKER, "width": 1.5, "dash": "dot"}})
        annotations.append({"text": plotly_text(label), "xref": "x", "yref": "y domain", "x": day.isoformat(),
                            "y": 1, "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": 11, "color": MARKER}})
    return shapes, annotations


# -- lagged link -----------------------------------------------------------------------------


def lag_figure(lag: LagCorrelation, *, driver: str, outcome: str, height: int = 320) -> go.Figure:
    """Correlation at each lag; the strongest lag in the stronger colour, n under each bar."""
    rows = lag.rows
    colours = [PILOT_COLOUR if row.lag == lag.best_lag else "#9ecae1" for row in rows]
    noun = lag.grain
    data = [{
        "type": "bar", "x": [row.lag for row in rows],
        "y": [row.pearson_r for row in rows], "marker": {"color": colours},
        "text": [f"n={row.n}" for row in rows], "textposition": "outside",
        "customdata": [[fmt(row.spearman_rho), "n/a" if row.pearson_p is None else f"{row.pearson_p:.3f}"]
                       for row in rows],
        "hovertemplate": (f"{outcome} vs {driver} %{{x}} {noun}(s) earlier<br>Pearson r = %{{y:.2f}} "
                          "(p = %{customdata[1]}, not adjusted)<br>Spearman ρ = %{customdata[0]}<br>"
                          "%{text} periods<extra></extra>"),
    }]
    layout = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 20, "b": 10},
        "xaxis": {"title": {"text": f"{driver} this many {noun}s earlier"}, "dtick": 1},
        "yaxis": {"title": {"text": "correlation (r)"}, "range": [-1.1, 1.1], "zeroline": True},
        "meta": {"best_lag": lag.best_lag, "grain": lag.grain},
    }
    return go.Figure({"data": data, "layout": layout})


# -- pilot against the rest -------------------------------------------------------------------


def pilot_series(result: MeasureResult, cohort: str, *, per_head: bool) -> tuple[pd.Series, pd.Series]:
    """The pilot's and the rest's values by period, per person when `per_head`; hidden = missing."""
    pilot, rest = pilot_and_rest(result, cohort)
    return as_series(pilot, per_head=per_head), as_series(rest, per_head=per_head)


def pilot_figure(result: MeasureResult, cohort: str, did: PilotComparison, *, unit: str,
                 start: date, height: int = 400) -> go.Figure:
    """The pilot and the rest over time, the start marked, and each group's average before and
    after the start as dashed steps: the four numbers the difference-in-differences compares."""
    measure = result.measure
    per_head = did.per_head
    pilot, rest = pilot_series(result, cohort, per_head=per_head)
    words = plotly_text(f"{unit} per person" if per_head else unit)
    tick = PER_HEAD_FORMAT if per_head else measure.format
    data = []
    for name, series, colour, before, after in (
        (plotly_text(cohort), pilot, PILOT_COLOUR, did.pilot_before, did.pilot_after),
        ("Rest of the organisation", rest, REST_COLOUR, did.rest_before, did.rest_after),
    ):
        x = [p.date().isoformat() for p in series.index]
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": name, "x": x,
            "y": [None if pd.isna(v) else float(v) for v in series], "connectgaps": False,
            "line": {"color": colour, "width": 2}, "marker": {"color": colour, "size": 5},
            "customdata": [period_label(p, result.grain) for p in series.index],
            "hovertemplate": f"<b>{name}</b><br>%{{customdata}}<br>%{{y:{tick}}} {words}<extra></extra>",
        })
        for label, mean, span in (("before", before, [p for p in series.index if p < pd.Timestamp(start)]),
                                  ("after", after, [p for p in series.index if p >= pd.Timestamp(start)])):
            if mean is None or not span:
                continue
            data.append({
                "type": "scatter", "mode": "lines", "name": f"{name}: average {label}",
                "x": [span[0].date().isoformat(), span[-1].date().isoformat()], "y": [mean, mean],
                "line": {"color": colour, "width": 1.5, "dash": "dash"}, "showlegend": False,
                "hovertemplate": f"{name}: average {label} the start<br>%{{y:{tick}}} {words}<extra></extra>",
            })
    shapes, annotations = _start_markers([(start, f"{cohort} starts")], None, None)
    layout = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "hovermode": "closest",
        "xaxis": {"type": "date"},
        "yaxis": {"tickformat": tick, "title": {"text": words}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.1, "x": 0},
        "shapes": shapes, "annotations": annotations,
        "meta": {"measure": measure.name, "cohort": cohort, "per_head": per_head, "did": did.did},
    }
    return go.Figure({"data": data, "layout": layout})


def projection_figure(projection: PilotProjection, *, cohort: str, unit: str, measure: Measure,
                      height: int = 380) -> go.Figure:
    """The pilot's actual values against its own earlier trend carried forward, with the
    projection's 95% interval after the start."""
    frame = projection.frame()
    per_head = projection.per_head
    words = plotly_text(f"{unit} per person" if per_head else unit)
    tick = PER_HEAD_FORMAT if per_head else measure.format
    x = [p.date().isoformat() for p in frame["period"]]
    after = frame["phase"] == "after"
    after_x = [v for v, a in zip(x, after) if a]

    def values(column, mask=None):
        col = frame[column] if mask is None else frame.loc[mask, column]
        return [None if pd.isna(v) else float(v) for v in col]

    level = f"{projection.confidence:.0%}"
    data = [
        {"type": "scatter", "mode": "lines", "x": after_x, "y": values("high", after),
         "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip", "name": "upper"},
        {"type": "scatter", "mode": "lines", "x": after_x, "y": values("low", after),
         "line": {"width": 0}, "fill": "tonexty", "fillcolor": "rgba(120,120,120,0.18)",
         "name": f"{level} interval of the projection", "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": x, "y": values("projected"), "name": "Earlier trend, carried forward",
         "line": {"color": NEUTRAL, "dash": "dash", "width": 2},
         "hovertemplate": f"Projected: %{{y:{tick}}} {words}<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "x": x, "y": values("actual"),
         "name": f"{plotly_text(cohort)}: actual",
         "line": {"color": PILOT_COLOUR, "width": 2}, "marker": {"size": 5}, "connectgaps": False,
         "hovertemplate": f"Actual: %{{y:{tick}}} {words}<extra></extra>"},
    ]
    shapes, annotations = _start_markers([(pd.Timestamp(projection.start).date(), f"{cohort} starts")], None, None)
    layout = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "hovermode": "x unified",
        "xaxis": {"type": "date"}, "yaxis": {"tickformat": tick, "title": {"text": words}},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.1, "x": 0},
        "shapes": shapes, "annotations": annotations,
        "meta": {"average_gap": projection.average_gap, "status": projection.status},
    }
    return go.Figure({"data": data, "layout": layout})


@dataclass(frozen=True)
class DidFigures:
    """The comparison's headline numbers as the pilot page shows them."""

    unit: str              # 'requests per person': every figure below is in it, per period
    pilot: str             # average before → after: '0.15 → 0.09'
    pilot_change: str      # '-40.6%' (ASCII sign first, so a metric's arrow points the right way)
    rest: str
    rest_change: str
    did: str               # '−0.054'
    did_interval: str      # '95% CI −0.08 to −0.028 requests per person'
    points: str            # '−35.7 pts': in percentage points of the pilot's level before the start
    points_interval: str   # '95% CI −52.8 to −18.6 pts'
    verdict: str


def _delta(value: float | None) -> str:
    if value is None:
        return ""
    return f"{'-' if value < 0 else '+' if value > 0 else ''}{fmt(abs(value))}%"


def did_figures(did: PilotComparison, measure: Measure, *, unit: str) -> DidFigures:
    """Difference-in-differences figures in words: the unit is per person when the comparison is."""
    heads = did.per_head
    rate = is_rate(measure) and not heads
    words = "percentage points" if rate else f"{unit} per person" if heads else unit

    def plain(value):
        """A level without its unit: '0.15', or '12.0%' for a rate."""
        if value is None:
            return "n/a"
        return f"{value * 100:.1f}%" if rate else fmt(value)

    def change(value):
        """A change without its unit: '−0.054', or '+1.2' (points) for a rate."""
        return fmt(value * 100 if rate else value, signed=True)

    def group(before, after):
        return "n/a" if before is None else f"{plain(before)} → {plain(after)}"

    level = f"{did.confidence:.0%}"
    interval = points_interval = "no confidence interval (too few periods)"
    if did.did_ci_low is not None:
        interval = f"{level} CI {change(did.did_ci_low)} to {change(did.did_ci_high)} {words}"
    if did.ci_low is not None:
        points_interval = f"{level} CI {fmt(did.ci_low, signed=True)} to {fmt(did.ci_high, signed=True)} pts"
    if did.did is None:
        verdict = "No estimate."
    elif did.significant is None:
        verdict = "A first look only: too few periods for a confidence interval."
    elif did.significant:
        verdict = "The interval excludes zero: chance alone is an unlikely explanation."
    else:
        verdict = "The interval includes zero: this could be chance."
    return DidFigures(
        unit=words,
        pilot=group(did.pilot_before, did.pilot_after), pilot_change=_delta(did.pilot_change_pct),
        rest=group(did.rest_before, did.rest_after), rest_change=_delta(did.rest_change_pct),
        did="n/a" if did.did is None else change(did.did),
        did_interval=interval,
        points="n/a" if did.did_pct_points is None else f"{fmt(did.did_pct_points, signed=True)} pts",
        points_interval=points_interval,
        verdict=verdict,
    )


AGREEMENT_COLOURS = {
    "agree: clear effect": "green",
    "agree: no clear effect": "gray",
    "same direction, different certainty": "orange",
    "opposite directions": "red",
    "cannot compare": "gray",
}


# -- knowledge flow --------------------------------------------------------------------------


def flow_figure(flow: KnowledgeFlow, height: int = 520) -> go.Figure:
    """Answers and replies from each department (rows) to each department (columns)."""
    names = [plotly_text(name) for name in flow.departments]
    matrix = [list(row) for row in flow.matrix]
    data = [{
        "type": "heatmap", "z": matrix, "x": names, "y": names, "colorscale": "Blues",
        "text": [[f"{v:,}" for v in row] for row in matrix], "texttemplate": "%{text}",
        "hovertemplate": "From %{y} to %{x}: %{z:,} answers and replies<extra></extra>",
        "colorbar": {"title": {"text": "answers"}},
    }]
    layout = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "xaxis": {"title": {"text": "to (the department answered)"}, "side": "top", "tickangle": -30},
        "yaxis": {"title": {"text": "from (the department answering)"}, "autorange": "reversed"},
        "meta": {"start": flow.start, "end": flow.end, "merged": list(flow.merged_departments)},
    }
    return go.Figure({"data": data, "layout": layout})


def share_figure(flow: KnowledgeFlow, height: int = 320) -> go.Figure:
    """Per asking department, the share of its answered questions answered by another department."""
    items = [(name, share) for name, share in flow.share_by_department.items() if share is not None]
    data = [{
        "type": "bar", "orientation": "h", "y": [plotly_text(name) for name, _ in items],
        "x": [share for _, share in items],
        "marker": {"color": PILOT_COLOUR}, "texttemplate": "%{x:.0%}", "textposition": "outside",
        "hovertemplate": "Questions from %{y}: %{x:.1%} answered by another department<extra></extra>",
    }]
    layout = {
        "height": height, "margin": {"l": 10, "r": 30, "t": 20, "b": 10},
        "xaxis": {"tickformat": ".0%", "range": [0, 1], "title": {"text": "answered across department lines"}},
        "yaxis": {"autorange": "reversed"},
    }
    return go.Figure({"data": data, "layout": layout})


# -- money -----------------------------------------------------------------------------------

# The assumptions panel: label and the unit of each input (the currency is filled in).
ASSUMPTION_FIELDS: dict[str, tuple[str, str]] = {
    "hourly_cost": ("Employee's hourly cost", "{currency} per hour"),
    "manager_hourly_cost": ("Manager's hourly cost", "{currency} per hour"),
    "average_annual_salary": ("Average annual salary", "{currency}"),
    "replacement_cost_share": ("Cost of replacing a leaver", "% of annual salary"),
    "cost_per_training_request": ("Cost of handling one training request", "{currency}"),
    "licence_cost_per_person_per_year": ("Licence cost per person", "{currency} a year"),
    "participants": ("Participants with a paid licence", "people"),
    "admin_hours_per_year": ("Time spent running the programme", "hours a year"),
    "other_annual_costs": ("Other programme costs", "{currency} a year"),
    "sensitivity_pct": ("Low/high band when an effect has no interval", "± % of unit values"),
}
# Inputs shown in percent but kept as a share.
PERCENT_FIELDS = ("replacement_cost_share",)


# The inputs that are amounts of money: they are in one currency, and mean nothing in another.
MONEY_FIELDS = tuple(name for name, (_, unit) in ASSUMPTION_FIELDS.items() if "{currency}" in unit)


def currency_problem(assumptions: Assumptions, currency: str, *, saved: bool) -> str:
    """Why the unit values cannot price this organisation's money, or '' when they can.

    The unit values are in the currency they were entered in (the documented defaults are US
    figures in US dollars); converting them silently, or relabelling them, would invent money."""
    if assumptions.currency == currency:
        return ""
    made = ("the documented defaults, US figures in US dollars" if not saved
            else f"saved when the currency was {assumptions.currency}")
    return (f"The organisation's money is in {currency}, but the unit values are in {assumptions.currency} "
            f"({made}). Enter your own figures in {currency} on the What it is worth page and save them: "
            "until then nothing is turned into money.")


def assumption_label(name: str, currency: str) -> str:
    label, unit = ASSUMPTION_FIELDS[name]
    return f"{label} ({unit.format(currency=currency)})"


def shown_value(assumptions: Assumptions, name: str) -> float | int:
    """The value as the panel shows it (shares in percent)."""
    value = getattr(assumptions, name)
    return round(value * 100, 6) if name in PERCENT_FIELDS else value


def from_shown(values: dict, currency: str) -> Assumptions:
    """Assumptions from the panel's inputs (percent back to shares), their amounts in `currency`;
    refused while an amount is left empty."""
    empty = [ASSUMPTION_FIELDS[name][0].lower() for name in ASSUMPTION_FIELDS if values.get(name) is None]
    if empty:
        raise ValueError(f"enter every amount in {currency}; missing: {', '.join(empty)}.")
    data = {"currency": (currency or "USD").strip().upper() or "USD"}
    for name in ASSUMPTION_FIELDS:
        value = values[name]
        data[name] = value / 100 if name in PERCENT_FIELDS else value
    return Assumptions.from_dict(data)


def money(value: float | None, currency: str, *, signed: bool = False) -> str:
    return "n/a" if value is None else f"{fmt(value, signed=signed)} {currency}"


def cost_formulas(assumptions: Assumptions) -> dict[str, str]:
    """How each line of the programme's cost is made, with its inputs."""
    c = assumptions.currency
    lines = assumptions.programme_costs()
    return {
        "licences": (f"{money(assumptions.licence_cost_per_person_per_year, c)} a person × "
                     f"{assumptions.participants:,} participants = {money(lines['licences'], c)}"),
        "administration": (f"{fmt(assumptions.admin_hours_per_year)} hours × {money(assumptions.hourly_cost, c)} "
                           f"an hour = {money(lines['administration'], c)}"),
        "other": f"as entered: {money(lines['other'], c)}",
    }


__all__ = [
    "ASSUMPTION_FIELDS", "MONEY_FIELDS", "Badge", "DidFigures", "ExploreState", "assumption_label", "cost_formulas",
    "currency_problem", "did_figures", "display_unit", "explore_state", "flow_figure", "from_shown", "in_currency",
    "lag_figure",
    "measure_option", "measures_by_pillar", "money", "pilot_figure", "pilot_series", "projection_figure",
    "segment_values", "share_figure", "shown_value", "trend_figure", "value_text", "values_csv",
    "values_table", "verdict_badge",
]
