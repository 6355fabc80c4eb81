"""Return on investment in the Phillips style: isolated benefits, converted to money, against the
programme's fully loaded cost.

ROI % = (total benefits − programme costs) ÷ programme costs × 100, and the benefit–cost ratio
= total benefits ÷ programme costs. Benefits count the first year only. Only measures with a
defined unit value are converted to money; everything else is reported as an intangible
benefit, on purpose, rather than given an invented price.

The default unit values are conservative public figures (United States, in US dollars) with
their source beside each; an organisation should replace them with its own numbers.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from lookdown.formats import finite, fmt, jsonable
from lookdown.periods import PERIODS_PER_YEAR

# -- documented defaults ----------------------------------------------------------------------

HOURLY_COST = 46.60
HOURLY_COST_SOURCE = (
    "US Bureau of Labor Statistics, Employer Costs for Employee Compensation (ECEC), March 2026, "
    "table 4: private industry workers' total compensation (wages and benefits) per hour worked, "
    "$46.60. Used for an hour of an employee's time out of work."
)

MANAGER_HOURLY_COST = 78.10
MANAGER_HOURLY_COST_SOURCE = (
    "BLS ECEC, March 2026, table 4: management, professional and related occupations in private "
    "industry, total compensation $78.10 per hour worked (lower than the $87.69 of management, "
    "business and financial occupations, to stay conservative)."
)

AVERAGE_ANNUAL_SALARY = 58_680.0
AVERAGE_ANNUAL_SALARY_SOURCE = (
    "BLS ECEC, March 2026, table 4: private industry wages and salaries of $32.60 per hour worked "
    "× 1,800 hours worked a year (a full-time year less paid leave; an assumption). Replace it with "
    "the average salary of your voluntary leavers when the people file has salaries."
)

REPLACEMENT_COST_SHARE = 0.21
REPLACEMENT_COST_SHARE_SOURCE = (
    "Boushey & Glynn (2012), 'There Are Significant Business Costs to Replacing Employees', Center "
    "for American Progress: the typical (median) cost of replacing a worker was 21% of annual salary "
    "across 27 case studies, excluding executives and physicians. The Work Institute's Retention "
    "Reports use a third (33%) of salary, which they call conservative; the lower figure is used here."
)

COST_PER_TRAINING_REQUEST = 23.30
COST_PER_TRAINING_REQUEST_SOURCE = (
    "An assumption, not a published benchmark: half an hour of time to raise, approve and book a "
    "request (0.5 h × $46.60, the ECEC hourly cost above). Replace it with your own process cost."
)

LICENCE_COST_PER_PERSON_PER_YEAR = 105.0
LICENCE_COST_PER_PERSON_PER_YEAR_SOURCE = (
    "List price of a common paid collaboration plan: Slack Pro at $8.75 per user per month billed "
    "monthly (March 2026), × 12. Use your contract price; leave it in even when licences already "
    "exist if they were bought for this programme."
)

PARTICIPANTS = 0
PARTICIPANTS_SOURCE = "Your figure: the number of people the programme pays licences for."

ADMIN_HOURS_PER_YEAR = 208.0
ADMIN_HOURS_PER_YEAR_SOURCE = (
    "An assumption: a tenth of a full-time community manager (0.1 × 2,080 hours), costed at the "
    "ECEC hourly cost. Replace it with the hours actually spent running the programme."
)

OTHER_ANNUAL_COSTS = 0.0
OTHER_ANNUAL_COSTS_SOURCE = (
    "Your figure: anything else the programme costs in a year (events, consultants, evaluation, "
    "participants' time away from work for programme activities)."
)

SENSITIVITY_PCT = 25.0
SENSITIVITY_PCT_SOURCE = (
    "A convention for the low/high band when no confidence interval of the effect is available: "
    "unit values ±25%."
)

# What an isolated reduction of each measure is worth. Rates, shares and medians are not
# converted: they are not amounts that cost money one by one. Regretted leavers are a subset
# of voluntary leavers, so they are not converted a second time.
VALUE_KINDS = ("money", "employee_hour", "manager_hour", "leaver", "training_request")
MEASURE_VALUE_KINDS: dict[str, str] = {
    "training_requests": "training_request",
    "training_expense": "money",
    "training_seat_hours": "employee_hour",
    "training_production_hours": "employee_hour",
    "voluntary_leavers": "leaver",
    "manager_direction_hours": "manager_hour",
    "marketing_spend": "money",
    "late_stop_spend": "money",
}

INTANGIBLES = (
    "Engagement and a sense of belonging",
    "Reciprocity and trust between colleagues",
    "Knowledge flowing across department lines",
    "Faster answers for the person who asked",
    "Recognition (kudos and reactions)",
    "Employer brand and advocacy",
    "Ideas and improvements that start in conversations",
)


def valid_currency(text: str) -> bool:
    """A currency as every label shows it: up to 8 letters (EUR, CHF, euros) or currency signs
    (€, $): nothing a page or a chart could read as markup."""
    return isinstance(text, str) and 0 < len(text) <= 8 and all(
        c.isalpha() or unicodedata.category(c) == "Sc" for c in text)


@dataclass(frozen=True)
class Assumptions:
    """Unit values and programme costs. Every field has a documented source (see `sources()`)."""

    currency: str = "USD"
    hourly_cost: float = HOURLY_COST
    manager_hourly_cost: float = MANAGER_HOURLY_COST
    average_annual_salary: float = AVERAGE_ANNUAL_SALARY
    replacement_cost_share: float = REPLACEMENT_COST_SHARE
    cost_per_training_request: float = COST_PER_TRAINING_REQUEST
    licence_cost_per_person_per_year: float = LICENCE_COST_PER_PERSON_PER_YEAR
    participants: int = PARTICIPANTS
    admin_hours_per_year: float = ADMIN_HOURS_PER_YEAR
    other_annual_costs: float = OTHER_ANNUAL_COSTS
    sensitivity_pct: float = SENSITIVITY_PCT

    def __post_init__(self):
        if not valid_currency(self.currency):
            raise ValueError("The currency is a code such as EUR (up to 8 letters) or a sign such as €, "
                             f"not {self.currency!r}")
        for f in fields(self):
            if f.name == "currency":
                continue
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or finite(value) is None or value < 0:
                raise ValueError(f"{f.name} must be a number of 0 or more, not {value!r}")
        if self.replacement_cost_share > 5:
            raise ValueError("replacement_cost_share is a share of salary, e.g. 0.21 for 21%")
        if self.sensitivity_pct >= 100:
            raise ValueError("sensitivity_pct must be below 100")

    @staticmethod
    def sources() -> dict[str, str]:
        return {
            "hourly_cost": HOURLY_COST_SOURCE,
            "manager_hourly_cost": MANAGER_HOURLY_COST_SOURCE,
            "average_annual_salary": AVERAGE_ANNUAL_SALARY_SOURCE,
            "replacement_cost_share": REPLACEMENT_COST_SHARE_SOURCE,
            "cost_per_training_request": COST_PER_TRAINING_REQUEST_SOURCE,
            "licence_cost_per_person_per_year": LICENCE_COST_PER_PERSON_PER_YEAR_SOURCE,
            "participants": PARTICIPANTS_SOURCE,
            "admin_hours_per_year": ADMIN_HOURS_PER_YEAR_SOURCE,
            "other_annual_costs": OTHER_ANNUAL_COSTS_SOURCE,
            "sensitivity_pct": SENSITIVITY_PCT_SOURCE,
        }

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping) -> Assumptions:
        known = {f.name: f for f in fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"Unknown assumption(s): {', '.join(sorted(unknown))}")
        values = {}
        for name, value in data.items():
            if name == "currency":
                values[name] = str(value)
            elif name == "participants":
                values[name] = int(value)
            else:
                values[name] = float(value)
        return cls(**values)

    def unit_value(self, value_kind: str | None) -> float | None:
        """What one unit of a measure of this kind is worth, or None when it has no price."""
        return {
            "money": 1.0,
            "employee_hour": self.hourly_cost,
            "manager_hour": self.manager_hourly_cost,
            "leaver": self.replacement_cost_share * self.average_annual_salary,
            "training_request": self.cost_per_training_request,
        }.get(value_kind) if value_kind else None

    def programme_costs(self) -> dict[str, float]:
        """The programme's fully loaded annual cost, by line."""
        return {
            "licences": self.licence_cost_per_person_per_year * self.participants,
            "administration": self.admin_hours_per_year * self.hourly_cost,
            "other": self.other_annual_costs,
        }


@dataclass(frozen=True)
class Benefit:
    """An isolated effect of the programme on one measure, as a reduction per year.

    `reduction_per_year` is positive when the measure went down because of the programme (in the
    measure's unit, e.g. 120 fewer training requests a year). `low` and `high` are the bounds of
    its confidence interval, when known. `value_kind` says how to price it; by default it comes
    from the measure's name.
    """

    measure: str
    reduction_per_year: float
    unit: str = ""
    low: float | None = None
    high: float | None = None
    value_kind: str | None = None
    label: str = ""

    def kind(self) -> str | None:
        return self.value_kind or MEASURE_VALUE_KINDS.get(self.measure)


@dataclass(frozen=True)
class BenefitLine:
    measure: str
    label: str
    unit: str
    reduction_per_year: float
    value_kind: str
    unit_value: float
    benefit: float
    benefit_low: float
    benefit_high: float
    band_source: str   # 'confidence interval' or '±x% unit value'


@dataclass(frozen=True)
class Scenario:
    total_benefits: float
    net_benefit: float
    roi_pct: float | None
    benefit_cost_ratio: float | None


@dataclass(frozen=True)
class RoiResult:
    currency: str
    lines: tuple[BenefitLine, ...]
    not_converted: tuple[str, ...]       # measures with no unit value
    total_benefits: float
    programme_costs: float
    cost_lines: dict[str, float]
    net_benefit: float
    roi_pct: float | None                # None when the programme costs nothing
    benefit_cost_ratio: float | None
    low: Scenario
    expected: Scenario
    high: Scenario
    band_method: str
    intangibles: tuple[str, ...]
    assumptions: dict
    explanation: str

    def to_dict(self) -> dict:
        return jsonable(self)


def _scenario(benefits: float, costs: float) -> Scenario:
    net = benefits - costs
    if costs > 0:
        return Scenario(benefits, net, net / costs * 100, benefits / costs)
    return Scenario(benefits, net, None, None)


def roi(benefits: Iterable[Benefit] | Mapping[str, float], assumptions: Assumptions | None = None) -> RoiResult:
    """Phillips ROI of first-year isolated benefits against the programme's annual cost."""
    assumptions = assumptions or Assumptions()
    if isinstance(benefits, Mapping):
        benefits = [Benefit(measure, float(value)) for measure, value in benefits.items()]
    share = assumptions.sensitivity_pct / 100
    lines, not_converted = [], []
    for item in benefits:
        kind = item.kind()
        if kind is not None and kind not in VALUE_KINDS:
            raise ValueError(f"{item.measure}: unknown value kind '{kind}'; one of {', '.join(VALUE_KINDS)}")
        unit_value = assumptions.unit_value(kind)
        if unit_value is None:
            not_converted.append(item.measure)
            continue
        benefit = item.reduction_per_year * unit_value
        if item.low is not None and item.high is not None:
            low, high = sorted((item.low * unit_value, item.high * unit_value))
            source = "confidence interval"
        else:
            low, high = sorted((benefit * (1 - share), benefit * (1 + share)))
            source = f"±{assumptions.sensitivity_pct:g}% unit value"
        lines.append(BenefitLine(
            measure=item.measure, label=item.label or item.measure, unit=item.unit,
            reduction_per_year=item.reduction_per_year, value_kind=kind, unit_value=unit_value,
            benefit=benefit, benefit_low=low, benefit_high=high, band_source=source,
        ))
    cost_lines = assumptions.programme_costs()
    costs = sum(cost_lines.values())
    total = sum(line.benefit for line in lines)
    expected = _scenario(total, costs)
    low = _scenario(sum(line.benefit_low for line in lines), costs)
    high = _scenario(sum(line.benefit_high for line in lines), costs)
    sources = {line.band_source for line in lines}
    if not lines:
        band_method = "No benefit could be converted to money."
    elif sources == {"confidence interval"}:
        band_method = (
            "Each measure at the bounds of its effect's confidence interval, at the expected unit "
            "values. Taking every measure at its own bound at once makes the band wider than a joint "
            "interval would be."
        )
    elif all(s != "confidence interval" for s in sources):
        band_method = (f"Unit values ±{assumptions.sensitivity_pct:g}% "
                       "(no confidence interval of the effects was given).")
    else:
        band_method = (
            "Confidence-interval bounds where the effect had one, unit values "
            f"±{assumptions.sensitivity_pct:g}% elsewhere."
        )
    result = dict(
        currency=assumptions.currency, lines=tuple(lines), not_converted=tuple(not_converted),
        total_benefits=total, programme_costs=costs, cost_lines=cost_lines,
        net_benefit=expected.net_benefit, roi_pct=expected.roi_pct,
        benefit_cost_ratio=expected.benefit_cost_ratio, low=low, expected=expected, high=high,
        band_method=band_method, intangibles=INTANGIBLES, assumptions=assumptions.to_dict(),
    )
    return RoiResult(explanation=_explain(result), **result)


def benefit_from_comparison(
    comparison, measure: str, *, unit: str = "", people: float | None = None, label: str = "",
) -> Benefit:
    """An isolated yearly reduction from a difference-in-differences result.

    The DiD is a change per period (per person when the comparison was per head, in which case
    `people`, the pilot group's size, scales it back to the group). A negative DiD (the pilot
    went down more than the rest) is a positive reduction. The bounds come from its confidence
    interval.
    """
    if comparison.did is None or comparison.grain is None:
        raise ValueError("The comparison has no estimate to convert.")
    if comparison.per_head and not people:
        raise ValueError("A per-head comparison needs the pilot group's size (people=) to scale it.")
    scale = PERIODS_PER_YEAR[comparison.grain] * (people if comparison.per_head else 1.0)
    low = high = None
    if comparison.did_ci_low is not None and comparison.did_ci_high is not None:
        low, high = sorted((-comparison.did_ci_high * scale, -comparison.did_ci_low * scale))
    return Benefit(measure=measure, reduction_per_year=-comparison.did * scale, unit=unit,
                   low=low, high=high, label=label)


def _money(x: float, currency: str) -> str:
    return f"{fmt(x)} {currency}"


def _explain(r: dict) -> str:
    c = r["currency"]
    if not r["lines"]:
        text = "No benefit could be converted to money: none of the measures has a defined unit value."
    else:
        text = (
            f"First-year benefits of {_money(r['total_benefits'], c)} against programme costs of "
            f"{_money(r['programme_costs'], c)}: a net benefit of {_money(r['net_benefit'], c)}"
        )
        if r["roi_pct"] is None:
            text += ". With no programme costs entered, ROI cannot be computed."
        else:
            text += (
                f", an ROI of {fmt(r['roi_pct'])}% and a benefit–cost ratio of "
                f"{fmt(r['benefit_cost_ratio'])}:1. Low to high: ROI from {fmt(r['low'].roi_pct)}% to "
                f"{fmt(r['high'].roi_pct)}%. {r['band_method']}"
            )
    if r["not_converted"]:
        text += f" Not converted to money (no unit value): {', '.join(r['not_converted'])}."
    text += (
        " Deliberately not converted to money: " + "; ".join(s.lower() for s in r["intangibles"]) + "."
        " The benefits are only as good as the isolation of the effects they come from."
    )
    return text


__all__ = [
    "INTANGIBLES",
    "MEASURE_VALUE_KINDS",
    "VALUE_KINDS",
    "Assumptions",
    "Benefit",
    "BenefitLine",
    "RoiResult",
    "Scenario",
    "benefit_from_comparison",
    "roi",
]
