"""The "Look down" overview: headlines for measure results and the cost/driver pairs.

Pure functions over `MeasureResult`s and the catalogue, so every figure on the overview page can
be checked without a browser.

A headline compares the average of the last quarter of the periods with the average of the first
quarter (at least one period each), for example "last 9 months vs first 9 months" over three
years. Only whole periods count (a half-finished month would look like a drop), and hidden cells
(groups smaller than the minimum group size) are never used.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from lookdown.measures import Catalogue, Measure, MeasureResult

GRAIN_NOUNS = {"week": ("week", "weeks"), "month": ("month", "months"), "quarter": ("quarter", "quarters")}

# The tables a measure reads, as an L&D leader would name them.
SOURCE_LABELS = {
    "people": "HR people records",
    "activity": "collaboration platform activity",
    "training": "training records",
    "manager_time": "manager time records",
    "marketing_spend": "marketing spend records",
    "initiatives": "initiatives register",
    "cohorts": "pilot cohort list",
}

# How each segmentation reads in a menu.
SEGMENT_LABELS = {
    "none": "Whole organisation",
    "department": "Department",
    "cohort": "Pilot cohort vs rest",
    "location": "Location",
    "job_level": "Job level",
}


def segment_label(by: str) -> str:
    return SEGMENT_LABELS.get(by, by.replace("_", " ").capitalize())


def sources_text(measure: Measure) -> str:
    """Where a measure's numbers come from, in words: 'training records'."""
    return ", ".join(SOURCE_LABELS.get(s, s) for s in measure.sources) or "no table"


def missing_data(measure: Measure, empty_tables) -> str:
    """Why a measure has no figures when a table it reads is empty, else ''.

    Counting measures fill empty periods with 0, so without this check an empty table would read
    as a real zero (no marketing spend at all) rather than as data not loaded yet.
    """
    missing = [SOURCE_LABELS.get(t, t) for t in measure.sources if t in set(empty_tables)]
    if not missing:
        return ""
    return f"No data yet: nothing loaded in the {' and '.join(missing)}."


# -- periods ---------------------------------------------------------------------------------


def period_start(day: date, grain: str) -> date:
    """The first day of the week (Monday), month or quarter holding `day`."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"grain must be week, month or quarter, not '{grain}'")


def next_period(start: date, grain: str) -> date:
    """The first day of the period after the one starting on `start`."""
    if grain == "week":
        return start + timedelta(days=7)
    months = 1 if grain == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def whole_periods(start: date, end: date, grain: str) -> tuple[date, date] | None:
    """The widest range inside [start, end] made of whole periods, or None when none fits.

    A partly covered first or last period would hold fewer events than the others and read as a
    dip that never happened.
    """
    first = start if period_start(start, grain) == start else next_period(period_start(start, grain), grain)
    last_start = period_start(end, grain)
    if next_period(last_start, grain) - timedelta(days=1) != end:
        last_start = period_start(last_start - timedelta(days=1), grain)
    last = next_period(last_start, grain) - timedelta(days=1)
    if last < first:
        return None
    return first, last


def period_label(period: date | pd.Timestamp, grain: str) -> str:
    """'Jul 2024', '2024 Q3' or 'Week of 1 Jul 2024'."""
    day = period.date() if isinstance(period, pd.Timestamp) else period
    if grain == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if grain == "week":
        return f"Week of {day.day} {day:%b %Y}"
    return f"{day:%b %Y}"


def window_parts(periods: int, grain: str) -> tuple[str, str]:
    """('last 9 months', 'first 9 months'), or ('last month', 'first month')."""
    singular, plural = GRAIN_NOUNS[grain]
    noun = singular if periods == 1 else f"{periods} {plural}"
    return f"last {noun}", f"first {noun}"


def window_label(periods: int, grain: str) -> str:
    """'last 9 months vs first 9 months', or 'last month vs first month'."""
    return " vs ".join(window_parts(periods, grain))


# -- numbers ---------------------------------------------------------------------------------

_D3_SPEC = re.compile(
    r"^(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+( ])?(?P<symbol>[$#])?(?P<zero>0)?"
    r"(?P<width>\d+)?(?P<comma>,)?(?:\.(?P<precision>\d+))?(?P<trim>~)?(?P<type>[a-z%])?$"
)
_SI = {-8: "y", -7: "z", -6: "a", -5: "f", -4: "p", -3: "n", -2: "µ", -1: "m",
       0: "", 1: "k", 2: "M", 3: "G", 4: "T", 5: "P", 6: "E", 7: "Z", 8: "Y"}


def _trim(text: str) -> str:
    if "." not in text:
        return text
    mantissa, _, exponent = text.partition("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + ("e" + exponent if exponent else "")


def _fixed(number: float, decimals: int, comma: str) -> str:
    """Fixed-point text rounding halves up, as JavaScript's toFixed (and so Plotly) does."""
    exact = Decimal(number).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{exact:{comma}.{decimals}f}"


def format_value(value: float | None, spec: str) -> str:
    """Format a number with a d3 format string (the `format` of a measure), as Plotly would.

    Covers what measures use: sign, '$', ',', precision, '~' and the types f, d, e, g, r, s, %.
    Missing values read '—'.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    match = _D3_SPEC.match(spec or "")
    if not match:
        return f"{value:,}"
    p = match.groupdict()
    kind = p["type"] or ""
    precision = int(p["precision"]) if p["precision"] is not None else None
    comma = "," if p["comma"] else ""
    trim = bool(p["trim"])
    number = abs(float(value))
    suffix = ""
    if kind == "%":
        number_text = _fixed(number * 100, 6 if precision is None else precision, comma)
        suffix = "%"
    elif kind == "d":
        number_text = _fixed(number, 0, comma)
    elif kind == "f":
        number_text = _fixed(number, 6 if precision is None else precision, comma)
    elif kind == "e":
        number_text = f"{number:.{6 if precision is None else precision}e}"
    elif kind == "s":
        digits = 6 if precision is None else max(1, precision)
        exponent = 0 if number == 0 else int(math.floor(math.log10(number) / 3))
        exponent = max(-8, min(8, exponent))
        scaled = number / 1000 ** exponent
        places = digits - 1 - (0 if scaled == 0 else int(math.floor(math.log10(scaled))))
        number_text, suffix = _fixed(round(scaled, places), max(0, places), ""), _SI[exponent]
    elif kind == "r":
        digits = 6 if precision is None else max(1, precision)
        places = digits - 1 - (0 if number == 0 else int(math.floor(math.log10(number))))
        number_text = _fixed(round(number, places), max(0, places), comma)
    else:  # g, or no type: d3 trims insignificant zeros in both
        digits = 12 if precision is None else max(1, precision)
        number_text = f"{number:{comma}.{digits}g}"
        trim = trim or not kind
    if trim:
        number_text = _trim(number_text)
    negative = value < 0 and float(number_text.replace(",", "").split("e")[0] or 0) != 0
    symbol = "$" if p["symbol"] == "$" else ""
    sign = p["sign"] or "-"
    if negative:
        if sign == "(":
            return f"({symbol}{number_text}{suffix})"
        return f"-{symbol}{number_text}{suffix}"
    lead = {"+": "+", " ": " "}.get(sign, "")
    return f"{lead}{symbol}{number_text}{suffix}"


def unit_suffix(measure: Measure) -> str:
    """' requests' after a number, or nothing when the format already says it (%, $) or the unit is
    money in the organisation's own currency."""
    if "%" in measure.format or "$" in measure.format or measure.unit in ("", "currency"):
        return ""
    return f" {measure.unit}"


# -- headlines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """How a measure moved: the last part of the period against the first."""

    measure: Measure
    grain: str
    segment: str
    periods: int  # whole periods in the result
    window: int  # periods averaged at each end
    first: float | None  # average of the first window
    last: float | None  # average of the last window
    reason: str = ""  # why there is no comparison, when there is none
    hidden: int = 0  # cells left out of the averages because their group was too small

    @property
    def label(self) -> str:
        return window_label(self.window, self.grain) if self.window else ""

    @property
    def recent(self) -> str:
        """'last 9 months'."""
        return window_parts(self.window, self.grain)[0] if self.window else ""

    @property
    def baseline(self) -> str:
        """'first 9 months'."""
        return window_parts(self.window, self.grain)[1] if self.window else ""

    @property
    def available(self) -> bool:
        return self.first is not None and self.last is not None

    @property
    def change(self) -> float | None:
        return self.last - self.first if self.available else None

    @property
    def percent(self) -> float | None:
        """Relative change in percent, None when the first average is 0."""
        if not self.available or self.first == 0:
            return None
        return 100.0 * (self.last - self.first) / abs(self.first)

    @property
    def good(self) -> bool | None:
        """True when the measure moved the way we want it to; None when no way is wanted, it did not
        move, or there is nothing to compare."""
        change = self.change
        if change is None or change == 0 or self.measure.direction == "neutral":
            return None
        return (change < 0) == (self.measure.direction == "down")

    @property
    def verdict(self) -> str:
        if self.good is None:
            if self.available and self.change == 0:
                return "no change"
            return "no comparison" if not self.available else "change"
        return "good" if self.good else "not good"

    @property
    def delta_color(self) -> str:
        """For st.metric: green when the move is good, red when not, grey when there is none."""
        if not self.change:
            return "off"
        return {"down": "inverse", "up": "normal"}.get(self.measure.direction, "off")

    @property
    def delta_arrow(self) -> str:
        """For st.metric: no arrow when nothing moved."""
        return "auto" if self.change else "off"

    def value_text(self, unit: bool = True) -> str:
        """The last window's average in the measure's format, with its unit: '13 requests'."""
        text = format_value(self.last, self.measure.format)
        return text + unit_suffix(self.measure) if unit and self.last is not None else text

    def delta_text(self) -> str:
        """'-38 (-8.4%)': the change in the measure's unit and in percent (ASCII sign first, so
        st.metric points its arrow the right way); '-0.4 pts (-25.0%)' for a rate."""
        change = self.change
        if change is None:
            return ""
        sign = "-" if change < 0 else "+" if change > 0 else ""
        spec = self.measure.format
        if "%" in spec:
            # A change in a rate is in percentage points; its relative size follows in brackets.
            text = sign + format_value(abs(change) * 100, spec.replace("%", "f")).lstrip("+- ") + " pts"
        else:
            text = sign + format_value(abs(change), spec).lstrip("+- ")
        if self.percent is not None:
            text += f" ({sign}{abs(self.percent):.1f}%)"
        return text

    def arrow(self) -> str:
        change = self.change
        if change is None or change == 0:
            return "■" if change == 0 else ""
        return "▼" if change < 0 else "▲"

    def change_text(self) -> str:
        """'▼ 8.4%' (or the change in the measure's unit when the start was 0)."""
        if not self.available:
            return ""
        size = f"{abs(self.percent):.1f}%" if self.percent is not None else \
            format_value(abs(self.change), self.measure.format).lstrip("+- ")
        return f"{self.arrow()} {size}"

    def summary(self) -> str:
        """'▼ 8.4% (last 9 months vs first 9 months): good'."""
        if not self.available:
            return self.reason
        return f"{self.change_text()} ({self.label}): {self.verdict}"


Cell = tuple[date, float | None, bool, int | None]  # period, value (None when hidden), hidden, people


def series(result: MeasureResult) -> dict[str, list[Cell]]:
    """Each segment's cells in period order, as plain values (fast to summarise and to draw)."""
    frame = result.frame
    found: dict[str, list[Cell]] = {}
    for period, segment, value, suppressed, people in zip(
        frame["period"].tolist(), frame["segment"].tolist(), frame["value"].tolist(),
        frame["suppressed"].tolist(), frame["people"].tolist(),
    ):
        day = period.date() if isinstance(period, pd.Timestamp) else period
        hidden = bool(suppressed)
        shown = None if hidden or value is None or value != value else float(value)  # NaN -> None
        count = None if people is None or people is pd.NA or people != people else int(people)
        found.setdefault(str(segment), []).append((day, shown, hidden, count))
    for cells in found.values():
        cells.sort(key=lambda cell: cell[0])
    return dict(sorted(found.items()))


def _summarise(result: MeasureResult, segment: str, cells: list[Cell]) -> Headline:
    measure = result.measure
    base = dict(measure=measure, grain=result.grain, segment=segment)
    singular, plural = GRAIN_NOUNS[result.grain]
    if result.start is not None and result.end is not None:
        cells = [c for c in cells if c[0] >= result.start
                 and next_period(c[0], result.grain) - timedelta(days=1) <= result.end]
    ordered = sorted({c[0] for c in cells})
    periods = len(ordered)
    if periods < 2:
        return Headline(**base, periods=periods, window=0, first=None, last=None,
                        reason=f"Needs at least two whole {plural} of data to compare.")
    window = max(1, periods // 4)
    first_periods, last_periods = set(ordered[:window]), set(ordered[-window:])
    hidden = sum(1 for day, _, suppressed, _ in cells if suppressed and day in first_periods | last_periods)

    def average(chosen: set) -> float | None:
        values = [value for day, value, suppressed, _ in cells
                  if day in chosen and value is not None and not suppressed]
        return sum(values) / len(values) if values else None

    first, last = average(first_periods), average(last_periods)
    reason = ""
    if first is None or last is None:
        which = "first" if first is None else "last"
        noun = singular if window == 1 else f"{window} {plural}"
        reason = (f"No figure to compare in the {which} {noun}: "
                  + (f"its cells are hidden (fewer than {result.min_group_size} people)."
                     if hidden else "no data."))
    return Headline(**base, periods=periods, window=window, first=first, last=last,
                    reason=reason, hidden=hidden)


def headline(result: MeasureResult, segment: str | None = None) -> Headline:
    """The headline of one series of a result (its only one when the result is not segmented)."""
    found = series(result)
    if segment is None:
        if len(found) > 1:
            raise ValueError("This result is split into segments: name the segment to summarise.")
        segment = next(iter(found), "All")
    return _summarise(result, segment, found.get(segment, []))


def segment_headlines(result: MeasureResult) -> dict[str, Headline]:
    """One headline per segment of a result."""
    return {segment: _summarise(result, segment, cells) for segment, cells in series(result).items()}


# -- pairs -----------------------------------------------------------------------------------


def cost_pairs(catalogue: Catalogue) -> list[tuple[Measure, Measure | None]]:
    """Each cost measure with the collaboration activity that should drive it down (None when the
    catalogue names no driver): training first, then leavers, managers, marketing, initiatives."""
    pairs = []
    for measure in sorted(catalogue.by_pillar("cost"), key=_reading_order):
        driver = catalogue[measure.paired_with] if measure.paired_with else None
        pairs.append((measure, driver))
    return pairs


# Cost measures in the order an L&D leader reads them, grouped by the table they mainly come
# from: training first, then people leaving, managers' time, marketing and initiatives.
THEMES = {
    "training": "Training",
    "people": "People leaving",
    "manager_time": "Managers' time",
    "marketing_spend": "Marketing",
    "initiatives": "Initiatives",
}
OTHER_THEME = "Other costs"
SOURCE_ORDER = tuple(THEMES)


def theme(measure: Measure) -> str:
    """The group a cost measure is shown in: 'Training', 'People leaving', ..."""
    first = measure.sources[0] if measure.sources else ""
    return THEMES.get(first, OTHER_THEME)


# Within a theme, the story's order: how many ask, what it costs, then the time it takes.
# Measures not listed follow in label order.
STORY_ORDER = (
    "training_requests", "training_expense", "training_seat_hours", "training_production_hours",
    "voluntary_turnover_rate", "voluntary_leavers", "regretted_leavers",
    "manager_direction_hours", "direction_hours_per_report",
    "marketing_spend", "late_stop_spend", "median_days_to_stop",
)


def _reading_order(measure: Measure) -> tuple[int, int, str]:
    first = measure.sources[0] if measure.sources else ""
    rank = SOURCE_ORDER.index(first) if first in SOURCE_ORDER else len(SOURCE_ORDER)
    story = STORY_ORDER.index(measure.name) if measure.name in STORY_ORDER else len(STORY_ORDER)
    return rank, story, measure.label.lower()


def by_theme(pairs: list[tuple[Measure, Measure | None]]) -> dict[str, list[tuple[Measure, Measure | None]]]:
    """The pairs grouped by theme, themes and pairs in reading order."""
    grouped: dict[str, list[tuple[Measure, Measure | None]]] = {}
    for cost, driver in pairs:
        grouped.setdefault(theme(cost), []).append((cost, driver))
    return grouped


COHORT_STARTS_SQL = "select cohort, min(started_on) as started_on from cohorts group by cohort order by 2, 1"


def cohort_starts(db) -> list[tuple[date, str]]:
    """When each pilot cohort started, as chart markers: [(day, 'Pilot starts')]."""
    rows = db.cursor().execute(COHORT_STARTS_SQL).fetchall()
    return [(started_on, f"{cohort} starts") for cohort, started_on in rows]


# -- what the headline cards say ------------------------------------------------------------

WANTED_WORDS = {"down": "This should go down.", "up": "This should go up.", "neutral": "Neither way is better."}


def trend(result: MeasureResult) -> list[float]:
    """A whole-organisation result's figures, oldest first, hidden cells left out: the small line
    on a headline card."""
    return [value for cells in series(result).values() for _, value, _, _ in cells if value is not None]


def card_help(h: Headline) -> str:
    """The tooltip of a headline card: what it counts, where from, how the figure is made."""
    measure = h.measure
    noun = GRAIN_NOUNS[h.grain][0]
    figure = (f"average per {noun} over the {h.recent}, compared with the {h.baseline}"
              if h.window else f"average per {noun}")
    return (
        f"{measure.description}\n\n**Source:** {sources_text(measure)}.\n\n"
        f"**Figure:** {figure} ({measure.unit}); groups too small to show are left out. "
        f"**{WANTED_WORDS.get(measure.direction, '')}**"
    )
