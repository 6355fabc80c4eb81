"""The "Look down" overview: headlines for measure results and the cost/driver pairs.

Pure functions over `MeasureResult`s and the catalogue, so every figure on the overview page can
be checked without a browser.

A headline compares the average of the last quarter of the periods with the average of the first
quarter (at least one period each), for example "last 9 months vs first 9 months" over three
years. Only whole periods count (a half-finished month would look like a drop), and hidden cells
(groups smaller than the minimum group size) are never used.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from lookdown.formats import format_value
from lookdown.measures import Catalogue, Measure, MeasureResult
from lookdown.periods import GRAIN_NOUNS, next_period
from lookdown.present.labels import window_label, window_parts


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


# -- what the headline cards say ------------------------------------------------------------

WANTED_WORDS = {"down": "This should go down.", "up": "This should go up.", "neutral": "Neither way is better."}


def trend(result: MeasureResult) -> list[float]:
    """A whole-organisation result's figures, oldest first, hidden cells left out: the small line
    on a headline card."""
    return [value for cells in series(result).values() for _, value, _, _ in cells if value is not None]


def card_label(measure: Measure, currency: str) -> str:
    """A headline card's name; money says its currency: 'Training spend (EUR)'."""
    return f"{measure.label} ({currency})" if measure.unit == "currency" else measure.label


def card_help(h: Headline, currency: str) -> str:
    """The tooltip of a headline card: what it counts, where from, how the figure is made."""
    measure = h.measure
    unit = currency if measure.unit == "currency" else measure.unit
    noun = GRAIN_NOUNS[h.grain][0]
    figure = (f"average per {noun} over the {h.recent}, compared with the {h.baseline}"
              if h.window else f"average per {noun}")
    return (
        f"{measure.description}\n\n**Source:** {measure.sources_text()}.\n\n"
        f"**Figure:** {figure} ({unit}); groups too small to show are left out. "
        f"**{WANTED_WORDS.get(measure.direction, '')}**"
    )
