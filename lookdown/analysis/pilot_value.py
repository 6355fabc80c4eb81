"""What a pilot's isolated effects are worth: the benefits that go into the Phillips ROI.

For every cost measure with a unit value (see `money.MEASURE_VALUE_KINDS`), the pilot's
difference-in-differences against the rest of the organisation is the isolated change per person
per period. Scaled to a year and to the pilot's headcount, and with its sign turned (a fall is a
benefit), it is the reduction a year that `money.roi` prices. Measures whose effect cannot be
isolated or is not clear of chance are listed with the reason, never quietly priced.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from lookdown.analysis.money import MEASURE_VALUE_KINDS, Assumptions, Benefit, BenefitLine, benefit_from_comparison
from lookdown.analysis.pilot import CohortComparison
from lookdown.formats import fmt
from lookdown.periods import PERIODS_PER_YEAR

if TYPE_CHECKING:
    from lookdown.measures import Catalogue, Measure

COUNTED = "counted"
NOT_CLEAR = "not clear of chance"
NO_ESTIMATE = "no estimate"
ORGANISATION_WIDE = "organisation-wide"
NO_DATA = "no data"

VALUE_WORDS = {
    "money": "1 {currency} per {currency} spent",
    "employee_hour": "an employee's hourly cost",
    "manager_hour": "a manager's hourly cost",
    "leaver": "replacement cost share × average annual salary",
    "training_request": "the cost of handling one training request",
}


def valued_measures(catalogue: Catalogue) -> list[Measure]:
    """The cost measures that have a unit value, in the catalogue's order."""
    return [m for m in catalogue if m.name in MEASURE_VALUE_KINDS]


def pilot_headcount(comparison: CohortComparison) -> float | None:
    """The pilot group's average size from its start on: the people a per-person effect is
    multiplied by. Hidden cells are left out."""
    frame = comparison.result.frame
    rows = frame[(frame["segment"] == comparison.cohort)
                 & (frame["period"] >= pd.Timestamp(comparison.start))
                 & ~frame["suppressed"].astype(bool)]
    people = pd.to_numeric(rows["people"], errors="coerce").dropna()
    return float(people.mean()) if len(people) else None


@dataclass(frozen=True)
class MeasureBenefit:
    """One cost measure on the way to money: counted, or why not."""

    name: str
    label: str
    unit: str
    status: str
    reason: str
    did: float | None = None            # per person per period when per_head
    did_ci_low: float | None = None
    did_ci_high: float | None = None
    per_head: bool = False
    grain: str | None = None
    headcount: float | None = None
    benefit: Benefit | None = None

    @property
    def counted(self) -> bool:
        return self.status == COUNTED

    def reduction_formula(self) -> str:
        """How the yearly reduction is made, with its inputs."""
        if self.did is None or self.grain is None:
            return self.reason
        per = f"per person per {self.grain}" if self.per_head else f"per {self.grain}"
        periods = PERIODS_PER_YEAR[self.grain]
        text = (f"Reduction a year = −(difference-in-differences {fmt(self.did, signed=True)} {self.unit} {per})"
                f" × {periods:.4g} {self.grain}s")
        if self.per_head:
            text += f" × {fmt(self.headcount)} people in the pilot"
        if self.benefit is not None:
            text += f" = {fmt(self.benefit.reduction_per_year)} {self.unit}"
        return text


def measure_benefits(
    catalogue: Catalogue,
    comparisons: Mapping[str, CohortComparison | None],
    *,
    empty_tables=(),
    only_clear: bool = True,
    currency: str = "currency",
) -> list[MeasureBenefit]:
    """Every valued cost measure, counted or with the reason it is not.

    `comparisons` maps a measure name to its pilot comparison (None for a measure that cannot be
    compared by cohort). With `only_clear`, an effect whose confidence interval includes zero is
    listed but not priced: the conservative choice. Money is labelled with `currency`.
    """
    out = []
    for measure in valued_measures(catalogue):
        unit = currency if measure.unit == "currency" else measure.unit
        base = dict(name=measure.name, label=measure.label, unit=unit)
        missing = measure.missing_data(empty_tables)
        if missing:
            out.append(MeasureBenefit(**base, status=NO_DATA, reason=missing))
            continue
        if not measure.segmentable:
            out.append(MeasureBenefit(**base, status=ORGANISATION_WIDE, reason=(
                f"{measure.label} is one figure for the whole organisation, so the pilot's part of "
                "it cannot be isolated from the rest.")))
            continue
        comparison = comparisons.get(measure.name)
        did = comparison.did if comparison is not None else None
        if did is None or did.did is None or did.status != "ok":
            reason = "No comparison." if did is None else (
                f"No estimate with a confidence interval ({did.status}).")
            out.append(MeasureBenefit(**base, status=NO_ESTIMATE, reason=reason))
            continue
        headcount = pilot_headcount(comparison) if did.per_head else None
        estimate = dict(did=did.did, did_ci_low=did.did_ci_low, did_ci_high=did.did_ci_high,
                        per_head=did.per_head, grain=did.grain, headcount=headcount)
        if did.per_head and not headcount:
            out.append(MeasureBenefit(**base, status=NO_ESTIMATE, **estimate,
                                      reason="The pilot's headcount is hidden or unknown, so a per-person "
                                             "effect cannot be scaled to the group."))
            continue
        benefit = benefit_from_comparison(did, measure.name, unit=unit, people=headcount,
                                          label=measure.label)
        if only_clear and not did.significant:
            out.append(MeasureBenefit(**base, status=NOT_CLEAR, **estimate, benefit=benefit, reason=(
                f"The 95% confidence interval of the effect ({fmt(did.did_ci_low, signed=True)} to "
                f"{fmt(did.did_ci_high, signed=True)} {unit} {'per person ' if did.per_head else ''}"
                f"per {did.grain}) includes zero, so it could be chance: not counted.")))
            continue
        out.append(MeasureBenefit(**base, status=COUNTED, **estimate, benefit=benefit, reason=""))
    return out


def counted_benefits(items: list[MeasureBenefit]) -> list[Benefit]:
    return [item.benefit for item in items if item.counted and item.benefit is not None]


def value_formula(line: BenefitLine, assumptions: Assumptions, *, unit: str) -> str:
    """How a yearly reduction becomes money, with its inputs."""
    c = assumptions.currency
    if line.value_kind == "money":
        return f"Value = {fmt(line.reduction_per_year)} {c} a year: already money, counted as it is"
    return (f"Value = {fmt(line.reduction_per_year)} {unit} × {fmt(line.unit_value)} {c} "
            f"({unit_value_words(line.value_kind, assumptions)}) = {fmt(line.benefit)} {c}")


def unit_value_words(value_kind: str, assumptions: Assumptions) -> str:
    """What one unit is worth, in words and figures: 'an employee's hourly cost, 46.60 USD'."""
    words = VALUE_WORDS.get(value_kind, value_kind).format(currency=assumptions.currency)
    value = assumptions.unit_value(value_kind)
    if value_kind == "leaver":
        return (f"{words} = {assumptions.replacement_cost_share:.0%} × {fmt(assumptions.average_annual_salary)} "
                f"= {fmt(value)} {assumptions.currency}")
    if value_kind == "money":
        return words
    return f"{words}, {fmt(value)} {assumptions.currency}"


__all__ = [
    "COUNTED",
    "NOT_CLEAR",
    "NO_DATA",
    "NO_ESTIMATE",
    "ORGANISATION_WIDE",
    "MeasureBenefit",
    "counted_benefits",
    "measure_benefits",
    "pilot_headcount",
    "unit_value_words",
    "value_formula",
    "valued_measures",
]
