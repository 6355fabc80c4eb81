"""What a pilot is worth, as a range: Phillips ROI with every uncertainty carried through.

ROI % = (first-year benefits − programme costs) ÷ programme costs × 100, and the benefit–cost
ratio = benefits ÷ costs, as in the Phillips ROI Methodology, with three honest choices:

- The first year is the first 12 months (one year of periods) after a declared ramp-up, not the
  average of everything since the start: an effect still building up is not a year's benefit.
- Only effects that both methods find clear of chance are priced; the others are listed with
  the reason, never priced (pricing only the lucky draws of "significant" effects is the
  winner's curse, and pricing the unclear ones invents money).
- The low–high band combines the effects' intervals with the unit values' ranges (and the costs'
  range, if any) by Monte Carlo, instead of moving each bound on its own: each draw takes an
  effect from a distribution whose quantiles match its interval (a normal on each side of the
  estimate, so asymmetric intervals stay asymmetric) or from given draws, and a unit value from
  a triangular distribution over its low / likely / high.

Pure numpy and scipy; the result states the range first.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _signed(x: float, spec: str) -> str:
    """A number in the given format with a real minus sign."""
    return format(x, spec).replace("-", "−")


def _money(x: float, currency: str) -> str:
    return f"{_signed(x, ',.0f' if abs(x) >= 100 else ',.2f')} {currency}"


@dataclass(frozen=True)
class Range:
    """A quantity known within a range: low, most likely, high (all equal for a known value)."""

    low: float
    likely: float
    high: float

    def __post_init__(self):
        values = (self.low, self.likely, self.high)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise ValueError(f"A range needs three finite numbers, not {values!r}")
        if not self.low <= self.likely <= self.high:
            raise ValueError(f"A range needs low ≤ likely ≤ high, not {values!r}")

    @classmethod
    def known(cls, value: float) -> Range:
        return cls(value, value, value)

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Triangular draws over the range (scipy.stats.triang); the value itself when known."""
        if self.high == self.low:
            return np.full(size, float(self.likely))
        shape = (self.likely - self.low) / (self.high - self.low)
        return stats.triang(shape, loc=self.low, scale=self.high - self.low).rvs(size=size, random_state=rng)


@dataclass(frozen=True)
class MeasureEffect:
    """One measure's isolated effect, on the way to money.

    `change_per_period` is the effect's interval (low, estimate, high) at `confidence`, in the
    measure's unit per period after the ramp-up (per person when `people` scales it to the
    pilot); negative when the measure fell. `draws`, when given, replace the interval: samples of
    the effect, e.g. from a placebo distribution. `unit_value` is what one unit fewer saves.
    `clear_effect` says whether both methods found the effect; only those are priced.
    """

    measure: str
    unit: str
    change_per_period: Range
    confidence: float
    unit_value: Range
    clear_effect: bool
    people: float = 1.0
    reason_not_clear: str = ""
    draws: tuple[float, ...] = ()

    def effect_draws(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.draws:
            return rng.choice(np.asarray(self.draws, dtype=float), size=size, replace=True)
        r = self.change_per_period
        z = stats.norm.ppf(0.5 + self.confidence / 2)
        normal = stats.norm.ppf(rng.random(size))
        below, above = (r.likely - r.low) / z, (r.high - r.likely) / z
        return r.likely + np.where(normal < 0, below, above) * normal


@dataclass(frozen=True)
class Band:
    """Low, expected and high of a simulated quantity: the two ends of the central band and the mean."""

    low: float
    expected: float
    high: float


@dataclass(frozen=True)
class PricedLine:
    measure: str
    unit: str
    change_per_year: Band       # in the measure's unit, for the pilot (people included)
    benefit: Band               # money

    def to_dict(self) -> dict:
        return _plain(self)


@dataclass(frozen=True)
class RoiRange:
    currency: str
    band_level: float                     # e.g. 0.9: low and high hold the central 90% of outcomes
    first_year: str                       # which periods count as the first year
    priced: tuple[PricedLine, ...]
    not_priced: tuple[tuple[str, str], ...]   # (measure, why not)
    benefits: Band
    costs: Band
    net_benefit: Band
    roi_pct: Band | None                  # None when the programme costs nothing
    benefit_cost_ratio: Band | None
    chance_of_loss: float | None          # share of outcomes where benefits fall short of costs
    draws: int
    seed: int
    method: str
    explanation: str

    def to_dict(self) -> dict:
        return _plain(self)


METHOD = (
    "Monte Carlo: each draw takes every priced effect from a distribution matching its interval "
    "and every unit value and cost from a triangular distribution over its range"
)


def roi_range(
    effects: Sequence[MeasureEffect],
    costs: Range,
    *,
    periods_per_year: float = 12.0,
    ramp_up_periods: int = 0,
    observed_periods_after_ramp_up: int | None = None,
    currency: str = "USD",
    band_level: float = 0.9,
    draws: int = 20_000,
    seed: int = 0,
    period_name: str = "month",
) -> RoiRange:
    """First-year Phillips ROI of the clear effects against the programme's costs, as a range.

    The first year is the `periods_per_year` periods after the first `ramp_up_periods` periods
    from the start. Benefits are −change × periods per year × people × unit value (a fall in a
    cost measure saves money). When fewer periods than a year were observed after the ramp-up,
    the explanation says the year is extrapolated from them.
    """
    if not 0 < band_level < 1:
        raise ValueError("band_level must be between 0 and 1, e.g. 0.9")
    rng = np.random.default_rng(seed)
    quantiles = ((1 - band_level) / 2, (1 + band_level) / 2)

    def band(values: np.ndarray) -> Band:
        low, high = np.quantile(values, quantiles)
        return Band(float(low), float(values.mean()), float(high))

    priced, not_priced = [], []
    total = np.zeros(draws)
    for effect in effects:
        if not effect.clear_effect:
            not_priced.append((effect.measure, effect.reason_not_clear or
                               "the two methods do not both find an effect clear of chance"))
            continue
        per_year = -effect.effect_draws(rng, draws) * periods_per_year * effect.people
        money = per_year * effect.unit_value.draw(rng, draws)
        total += money
        priced.append(PricedLine(effect.measure, effect.unit, band(-per_year), band(money)))
    cost_draws = costs.draw(rng, draws)
    net = total - cost_draws
    with np.errstate(divide="ignore", invalid="ignore"):
        has_costs = bool((cost_draws > 0).all())
        roi = band(net / cost_draws * 100) if has_costs else None
        ratio = band(total / cost_draws) if has_costs else None
    first = ramp_up_periods + 1
    first_year = (f"{period_name}s {first} to {ramp_up_periods + round(periods_per_year)} after the "
                  f"start (the first year after a ramp-up of {ramp_up_periods} {period_name}(s))")
    result = dict(
        currency=currency, band_level=band_level, first_year=first_year, priced=tuple(priced),
        not_priced=tuple(not_priced), benefits=band(total), costs=band(cost_draws), net_benefit=band(net),
        roi_pct=roi, benefit_cost_ratio=ratio,
        chance_of_loss=float((net < 0).mean()) if priced else None, draws=draws, seed=seed, method=METHOD,
    )
    return RoiRange(**result, explanation=_explain(result, periods_per_year, observed_periods_after_ramp_up,
                                                   period_name))


def _explain(r: dict, periods_per_year: float, observed: int | None, period_name: str) -> str:
    c, level = r["currency"], f"{r['band_level']:.0%}"
    if not r["priced"]:
        text = ("Nothing is priced: no measure has an effect that both methods find clear of chance, so "
                "no benefit can honestly be put in money.")
    else:
        b = r["benefits"]
        text = f"First-year benefits between {_money(b.low, c)} and {_money(b.high, c)} ({level} of simulated outcomes)"
        if r["roi_pct"] is not None:
            roi, ratio = r["roi_pct"], r["benefit_cost_ratio"]
            text = (
                f"ROI between {_signed(roi.low, ',.0f')}% and {_signed(roi.high, ',.0f')}% ({level} of "
                f"simulated outcomes; {_signed(roi.expected, ',.0f')}% on average), a benefit–cost ratio "
                f"of {_signed(ratio.low, '.2f')} to {_signed(ratio.high, '.2f')}. " + text
                + f" against costs of about {_money(r['costs'].expected, c)}. In "
                f"{r['chance_of_loss']:.0%} of outcomes the benefits fall short of the costs."
            )
        else:
            text += "; with no programme costs entered, ROI cannot be computed."
    text += f" The first year is {r['first_year']}."
    if r["priced"] and observed is not None and observed < periods_per_year:
        text += (f" Only {observed} {period_name}(s) after the ramp-up were observed, so the year is "
                 "extrapolated from them.")
    if r["not_priced"]:
        text += " Not priced: " + "; ".join(f"{m} ({why})" for m, why in r["not_priced"]) + "."
    return text + " The band combines the effects' intervals with the unit values' and costs' ranges."


__all__ = ["Band", "MeasureEffect", "PricedLine", "Range", "RoiRange", "roi_range"]
