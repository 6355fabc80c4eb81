"""What the executive pack says, as one model: the Present page, the deck, the report, the PDF and
the images all lay out a `Story`, so when the analysis changes only this module changes.

A story answers one question for one pilot and one period: what did social learning shrink, and
what is it worth? It holds the headline reductions (each cost measure's isolated effect against
the rest of the organisation, its interval, and whether the two methods agree), the money range
(Phillips ROI, as the money page computes it), the pilot-vs-rest series, the collaboration
behind them, the assumptions and caveats, the sources, the filters, the date range and the
minimum group size.

Every figure comes from `lookdown.findings`, so from guarded measure results: a cell hidden on
screen is missing here too, and no person-level row is ever read.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from lookdown.analysis.money import MEASURE_VALUE_KINDS, Assumptions, RoiResult, roi
from lookdown.analysis.pilot import CohortComparison
from lookdown.analysis.pilot_value import MeasureBenefit, counted_benefits, measure_benefits, valued_measures
from lookdown.contract import TABLE_LABELS
from lookdown.findings import CHOSEN, can_combine, compare_cohort, compare_departments
from lookdown.formats import fmt
from lookdown.measures import Catalogue, Measure
from lookdown.periods import GRAIN_ADJECTIVE, GRAIN_NOUNS, whole_periods
from lookdown.present.analysis_charts import DidFigures, currency_problem, did_figures, in_currency, pilot_series
from lookdown.present.labels import heading, period_label
from lookdown.present.overview import STORY_ORDER, theme
from lookdown.queries.assumptions import load_assumptions
from lookdown.queries.cohorts import cohorts
from lookdown.queries.settings import Branding, load_branding, load_currency
from lookdown.store import Database

QUESTION = "What did social learning shrink, and what is it worth?"
MOST_HEADLINES = 5
MOST_DRIVERS = 2

# How much each verdict of the two methods counts when headlines are chosen: agreement first.
AGREEMENT_RANK = {"agree: clear effect": 0, "same direction, different certainty": 1}

PLAIN_CAVEATS = (
    "This is an observational comparison, not an experiment: the pilot group was not chosen at "
    "random, so part of any difference may come from who was in it.",
    "Anything else that changed for the pilot group at the same time (a new manager, a "
    "reorganisation, a budget decision) is counted here as if the programme caused it.",
    "Two methods check each other: the comparison with the rest of the organisation, and the "
    "pilot's own earlier trend carried forward. A result both agree on is more trustworthy.",
    "Money counts the first year only, and only costs with a documented unit value; the rest is "
    "reported as intangible benefits rather than given an invented price.",
)
PARTICIPANTS_CAVEAT = ("No participants are entered, so licences cost nothing in the ROI and it is "
                       "flattering: enter the number of people the programme pays licences for.")


def long_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def slug(text: str) -> str:
    """A file-name part: lower case, words joined by hyphens."""
    kept = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in kept.split("-") if part)


@dataclass(frozen=True)
class Series:
    """A pilot-vs-rest pair of lines as every export draws them: text categories, and each
    group's values (None where the cell is hidden to protect a small group)."""

    title: str
    categories: tuple[str, ...]
    periods: tuple[date, ...]
    pilot_name: str
    pilot: tuple[float | None, ...]
    rest: tuple[float | None, ...]
    unit: str                 # what the values are in: 'requests per person'
    rate: bool                # values are shares (drawn as percentages)

    @property
    def hidden(self) -> int:
        return sum(v is None for v in self.pilot) + sum(v is None for v in self.rest)


def _series(comparison: CohortComparison, title: str, unit_words: str, rate: bool) -> Series:
    result = comparison.result
    pilot, rest = pilot_series(result, comparison.cohort, per_head=comparison.did.per_head)
    # Every period of the result, hidden ones included: a hidden cell is a gap, never left out.
    periods = sorted(set(pd.DatetimeIndex(result.frame["period"])) | set(pilot.index) | set(rest.index))
    pilot, rest = pilot.reindex(periods), rest.reindex(periods)

    def values(series: pd.Series) -> tuple[float | None, ...]:
        return tuple(None if pd.isna(v) else float(v) for v in series)

    return Series(
        title=title,
        categories=tuple(period_label(p, result.grain) for p in periods),
        periods=tuple(p.date() for p in periods),
        pilot_name=comparison.cohort, pilot=values(pilot), rest=values(rest),
        unit=unit_words, rate=rate,
    )


@dataclass(frozen=True)
class Effect:
    """One measure's isolated effect: the pilot's change beyond the rest of the organisation."""

    measure: Measure          # its unit spelled in the organisation's currency
    comparison: CohortComparison
    figures: DidFigures       # the pilot page's words for the same numbers
    series: Series
    driver: str               # the collaboration measure that should drive it ('' when none)

    @property
    def did(self):
        return self.comparison.did

    @property
    def agreement(self) -> str:
        return self.comparison.agreement.verdict

    @property
    def clear_reduction(self) -> bool:
        did = self.did
        return did.status == "ok" and bool(did.significant) and did.did is not None and did.did < 0

    @property
    def points(self) -> str:
        """The effect in points of the pilot's starting level: '−35.7%'."""
        value = self.did.did_pct_points
        return "n/a" if value is None else f"{fmt(value, signed=True)}%"

    @property
    def points_interval(self) -> str:
        did = self.did
        if did.ci_low is None:
            return "no confidence interval (too few periods)"
        return f"{did.confidence:.0%} interval {fmt(did.ci_low, signed=True)}% to {fmt(did.ci_high, signed=True)}%"

    @property
    def title(self) -> str:
        """'Training requests: −35.7% beyond the rest'."""
        if self.did.did_pct_points is None:
            return f"{self.measure.label}: no estimate"
        return f"{self.measure.label}: {self.points} beyond the rest"

    @property
    def agreement_words(self) -> str:
        return {
            "agree: clear effect": "Both methods agree: a clear effect",
            "agree: no clear effect": "Both methods agree: no clear effect",
            "same direction, different certainty": "Both methods point the same way; only one is clear of chance",
            "opposite directions": "The two methods disagree: not an effect to present",
        }.get(self.agreement, "The two methods cannot be compared")

    @property
    def summary(self) -> str:
        """One sentence an executive reads."""
        did = self.did
        if did.did_pct_points is None:
            return f"{self.measure.label}: {did.explanation}"
        per = GRAIN_NOUNS[did.grain][0] if did.grain else "period"
        return (f"Beyond what changed for everyone, the pilot's {self.measure.label.lower()} changed by "
                f"{self.figures.did} {self.figures.unit} per {per}, {self.points} of its starting level "
                f"({self.points_interval}). {self.agreement_words}.")


@dataclass(frozen=True)
class Money:
    """What the counted reductions are worth, as the money page computes it."""

    currency: str
    assumptions: Assumptions
    saved: bool                          # False: the documented defaults
    problem: str                         # why nothing is turned into money ('' when it is)
    items: tuple[MeasureBenefit, ...]
    result: RoiResult | None

    @property
    def ready(self) -> bool:
        return self.result is not None

    def amount(self, value: float | None, *, signed: bool = False) -> str:
        return "n/a" if value is None else f"{fmt(value, signed=signed)} {self.currency}"

    @property
    def range_text(self) -> str:
        """'Benefits of 120,000 USD a year (low 80,000, high 160,000)'."""
        if self.result is None:
            return self.problem
        r = self.result
        return (f"First-year benefits of {self.amount(r.total_benefits)} (low {self.amount(r.low.total_benefits)}, "
                f"high {self.amount(r.high.total_benefits)}) against programme costs of "
                f"{self.amount(r.programme_costs)}")

    @property
    def roi_text(self) -> str:
        r = self.result
        if r is None:
            return ""
        if r.roi_pct is None:
            return "ROI cannot be computed: no programme costs are entered."
        return (f"ROI {fmt(r.roi_pct)}% (low {fmt(r.low.roi_pct)}%, high {fmt(r.high.roi_pct)}%), "
                f"a benefit–cost ratio of {fmt(r.benefit_cost_ratio)} : 1")


@dataclass(frozen=True)
class CoverageRow:
    table: str
    label: str
    rows: int
    first: date | None
    last: date | None


@dataclass(frozen=True)
class Story:
    organisation: str
    branding: Branding
    currency: str
    question: str
    pilot: str
    pilot_start: date
    pilot_source: str                     # 'cohort' | 'departments'
    departments: tuple[str, ...]
    start: date
    end: date
    grain: str
    chosen_measures: bool                 # the measures were named, not picked by their result
    effects: tuple[Effect, ...]           # the headline reductions
    others: tuple[Effect, ...]            # other cost measures compared (appendix)
    not_compared: tuple[tuple[str, str], ...]   # (measure label, why)
    collaboration: tuple[Effect, ...]     # the activity that should drive the reductions
    money: Money
    caveats: tuple[str, ...]
    limitations: tuple[str, ...]          # of the two methods, in their own words
    methods: tuple[str, ...]
    sources: tuple[str, ...]              # where the numbers come from, in words
    coverage: tuple[CoverageRow, ...]
    min_group_size: int

    @property
    def period_text(self) -> str:
        return f"{self.start:%b %Y} to {self.end:%b %Y}"

    @property
    def pilot_text(self) -> str:
        made = (f"{', '.join(self.departments)} (departments chosen)" if self.pilot_source == "departments"
                else f"{self.pilot} (cohorts file)")
        return f"{made}, from {long_date(self.pilot_start)}"

    @property
    def filters(self) -> tuple[str, ...]:
        how = ("measures chosen by name" if self.chosen_measures
               else "the clearest reductions among the cost measures")
        return (f"Pilot: {self.pilot_text}", f"{GRAIN_ADJECTIVE[self.grain].capitalize()} figures, {how}")

    @property
    def privacy_text(self) -> str:
        return f"Groups of fewer than {self.min_group_size} people are hidden"

    @property
    def footer(self) -> str:
        """The line under every slide and page: dates, filters, sources, minimum group size."""
        return " · ".join((f"Data {self.period_text}", *self.filters, "Sources: " + ", ".join(self.sources),
                           self.privacy_text))

    def file_stem(self) -> str:
        """'lookdown-social-learning-pilot-2023-01-to-2025-12'."""
        return f"lookdown-{slug(self.pilot)}-{self.start:%Y-%m}-to-{self.end:%Y-%m}"


# -- building a story -------------------------------------------------------------------------


def _unit_words(measure: Measure, comparison: CohortComparison) -> str:
    if comparison.did.per_head:
        return f"{measure.unit} per person"
    return "share" if "%" in measure.format else measure.unit


def _headline_order(effect: Effect) -> tuple:
    name = effect.measure.name
    story = STORY_ORDER.index(name) if name in STORY_ORDER else len(STORY_ORDER)
    return AGREEMENT_RANK.get(effect.agreement, 9), name not in MEASURE_VALUE_KINDS, story


def choose_headlines(effects: Sequence[Effect], most: int = MOST_HEADLINES) -> list[Effect]:
    """The clear reductions to lead with: the best of each theme (training, people leaving,
    managers' time, ...) first, then the next best, up to `most`. Best: both methods agree, the
    measure is priced on the money slide, then the overview's reading order. A comparison whose
    groups were already drifting apart before the start is probably biased: it never leads."""
    clear = sorted((e for e in effects if e.clear_reduction and e.agreement in AGREEMENT_RANK
                    and e.did.parallel_trends.passed is not False), key=_headline_order)
    chosen, themes = [], set()
    for effect in clear:
        if theme(effect.measure) not in themes:
            chosen.append(effect)
            themes.add(theme(effect.measure))
    for effect in clear:
        if effect not in chosen:
            chosen.append(effect)
    chosen = chosen[:most]
    return sorted(chosen, key=lambda e: clear.index(e))


def build_story(
    db: Database,
    catalogue: Catalogue,
    *,
    cohort: str | None = None,
    departments: Sequence[str] = (),
    start_on: date | None = None,
    start: date | None = None,
    end: date | None = None,
    measures: Sequence[str] | None = None,
    grain: str = "month",
    only_clear: bool = True,
) -> Story:
    """The pack for a pilot (a loaded cohort, or `departments` that started on `start_on`) over
    whole periods between `start` and `end` (default: everything loaded).

    `measures` names the cost measures to lead with; by default the clearest reductions are
    chosen (`choose_headlines`), and every other cost measure compared is listed in the appendix.
    """
    coverage = db.coverage()
    if coverage.start is None:
        raise ValueError("Nothing is loaded yet: load the demo or your own files first.")
    span = whole_periods(max(start or coverage.start, coverage.start), min(end or coverage.end, coverage.end), grain)
    if span is None:
        raise ValueError(f"The chosen dates hold no whole {GRAIN_NOUNS[grain][0]}.")
    currency = load_currency(db)
    stored = load_assumptions(db)
    departments = tuple(sorted(set(departments)))
    if departments:
        if start_on is None:
            raise ValueError("A pilot made of departments needs the day it started (start_on).")
        source, pilot, pilot_start = "departments", CHOSEN, start_on
    else:
        known = cohorts(db)
        if not known:
            raise ValueError("No pilot cohort is loaded: add a cohorts.csv, or choose departments as the pilot.")
        names = dict(known)
        pilot = cohort or known[0][0]
        if pilot not in names:
            raise ValueError(f"No cohort named '{pilot}'. Cohorts: {', '.join(names)}")
        source, pilot_start = "cohort", start_on or names[pilot]

    def compare(measure: Measure) -> CohortComparison:
        shown = in_currency(measure, currency)
        if source == "departments":
            return compare_departments(db, shown, departments, start_on=pilot_start, grain=grain,
                                       start=span[0], end=span[1])
        return compare_cohort(db, shown, cohort=pilot, grain=grain, start_override=start_on,
                              start=span[0], end=span[1])

    def comparable(measure: Measure) -> str:
        """Why the measure cannot be compared for this pilot, or ''."""
        missing = measure.missing_data(coverage.empty_tables)
        if missing:
            return missing
        if not measure.segmentable:
            return "one figure for the whole organisation: the pilot's part of it cannot be isolated"
        if source == "departments" and not can_combine(measure):
            return "a rate or a median: it cannot be added up from departments"
        return ""

    if measures:
        unknown = [n for n in measures if n not in catalogue]
        if unknown:
            raise ValueError(f"Unknown measure(s): {', '.join(unknown)}")
        candidates = [catalogue[n] for n in dict.fromkeys(measures)]
    else:
        candidates = catalogue.by_pillar("cost")
    cache: dict[str, CohortComparison] = {}
    effects, not_compared = [], []
    for measure in candidates:
        why = comparable(measure)
        if why:
            not_compared.append((measure.label, why))
            continue
        comparison = cache[measure.name] = compare(measure)
        effects.append(_effect(comparison, catalogue))
    if measures:
        headlines = effects
        others = []
    else:
        headlines = choose_headlines(effects)
        others = sorted((e for e in effects if e not in headlines), key=_headline_order)

    drivers = []
    for effect in headlines:
        if effect.driver and effect.driver not in drivers and not comparable(catalogue[effect.driver]):
            drivers.append(effect.driver)
    collaboration = tuple(_effect(compare(catalogue[name]), catalogue) for name in drivers[:MOST_DRIVERS])

    money = _money(db, catalogue, stored, currency, source, comparable, compare, cache, only_clear)
    counted = {item.name for item in money.items if item.counted}
    used = [e.measure for e in headlines + list(collaboration)] + [catalogue[n] for n in counted]
    tables = dict.fromkeys(t for m in used for t in m.sources)
    if source == "cohort":
        tables["cohorts"] = None
    sources = tuple(TABLE_LABELS.get(t, t) for t in tables if coverage.rows.get(t))
    rows = tuple(CoverageRow(t, heading(TABLE_LABELS.get(t, t)), n, *coverage.ranges.get(t, (None, None)))
                 for t, n in coverage.rows.items() if n)
    first = (headlines or effects or [None])[0]
    limitations = (first.did.limitations + first.comparison.projection.caveats) if first else ()
    methods = ((f"Comparison with the rest of the organisation: {first.did.method}.",
                f"The pilot's own trend carried forward: {first.comparison.projection.method}.")
               if first else ())
    caveats = list(PLAIN_CAVEATS)
    drifted = [e.measure.label for e in headlines if e.did.parallel_trends.passed is False]
    if drifted:
        caveats.append("Before the pilot started, the gap between the groups was already drifting for "
                       f"{', '.join(drifted)}: those comparisons are probably biased.")
    if money.ready:
        caveats.append(f"Low and high money: {money.result.band_method}")
        if money.assumptions.participants == 0:
            caveats.append(PARTICIPANTS_CAVEAT)
    hidden = sum(e.did.suppressed_cells for e in headlines + list(collaboration))
    if hidden:
        caveats.append(f"{hidden} figure(s) are hidden because they describe fewer than {db.min_group_size} "
                       "people; they are left out, not counted as zero.")
    branding = load_branding(db)
    return Story(
        organisation=branding.name, branding=branding, currency=currency, question=QUESTION,
        pilot=pilot, pilot_start=pilot_start, pilot_source=source, departments=departments,
        start=span[0], end=span[1], grain=grain, chosen_measures=bool(measures),
        effects=tuple(headlines), others=tuple(others), not_compared=tuple(not_compared),
        collaboration=collaboration, money=money, caveats=tuple(caveats), limitations=tuple(limitations),
        methods=methods, sources=sources, coverage=rows, min_group_size=db.min_group_size,
    )


def _effect(comparison: CohortComparison, catalogue: Catalogue) -> Effect:
    measure = comparison.result.measure
    unit = measure.unit
    figures = did_figures(comparison.did, measure, unit=unit)
    words = _unit_words(measure, comparison)
    rate = "%" in measure.format and not comparison.did.per_head
    per = GRAIN_NOUNS[comparison.result.grain][0]
    series = _series(comparison, f"{measure.label}: {comparison.cohort} against the rest, {words} per {per}",
                     words, rate)
    driver = measure.paired_with if measure.paired_with in catalogue else ""
    return Effect(measure=measure, comparison=comparison, figures=figures, series=series, driver=driver)


def _money(db, catalogue, stored, currency, source, comparable, compare, cache, only_clear) -> Money:
    """The money page's computation: every valued cost measure compared for the same pilot over
    the same periods, priced with the saved unit values (or the documented defaults)."""
    problem = currency_problem(stored.assumptions, currency, saved=stored.saved)
    comparisons = {}
    for measure in valued_measures(catalogue):
        if not measure.segmentable or (source == "departments" and not can_combine(measure)):
            comparisons[measure.name] = None
            continue
        if measure.name not in cache and not comparable(measure):
            cache[measure.name] = compare(measure)
        comparisons[measure.name] = cache.get(measure.name)
    items = measure_benefits(catalogue, comparisons, empty_tables=db.coverage().empty_tables,
                             only_clear=only_clear, currency=currency)
    result = None if problem else roi(counted_benefits(items), stored.assumptions)
    return Money(currency=currency, assumptions=stored.assumptions, saved=stored.saved, problem=problem,
                 items=tuple(items), result=result)


__all__ = ["QUESTION", "CoverageRow", "Effect", "Money", "Series", "Story", "build_story", "choose_headlines",
           "long_date", "slug"]
