"""Did a pilot made of departments change more than the rest? Judged against placebo pilots.

A pilot of a few departments is compared with the rest of the organisation in two independent
ways, and each is judged the same honest way: by re-running it with every other set of as many
departments pretending to be the pilot (randomization inference). If the real pilot's effect is
no more extreme than most placebo pilots', chance explains it. This stays right when monthly
series remember last month, when departments drift apart, and when organisation-wide shocks hit
departments unequally — all of which make a regression's standard errors too small — as long
as the pilot's departments are no more unusual than any other choice of as many would have been.

1. Difference-in-differences (`compare_with_placebos`): the pilot's change from before to after
   its start, less the rest's change over the same periods. Two estimands:
   - "difference": in the measure's unit (per person when per head), also given as a % of the
     pilot's baseline (its average before the start);
   - "ratio": (pilot after / pilot before) ÷ (rest after / rest before) − 1, the log DiD, for
     money and other lumpy, skewed measures where an additive change can exceed 100% of the level.
2. Synthetic control (`synthetic_control`): the pilot against a weighted mix of the other groups
   whose weights make the mix follow the pilot before the start (Abadie, Diamond & Hainmueller
   2010, with the intercept of Ferman & Pinto so levels need not match). It uses the rest of the
   organisation differently, so it is not fooled the same way when groups are exposed unequally
   to something that happened before the start.

A claim of "a clear effect" needs both to find it, in the same direction (`methods_agree`).

Randomization inference needs enough possible placebo pilots: with G groups and k in the pilot
there are C(G, k), and the smallest possible p-value is 1 / C(G, k); below 1 / (1 − confidence)
assignments (20 at 95%) nothing can be shown that way. Then both methods fall back to a
time-series model of the gap between the pilot and its comparison (`level_shift_test`): feasible
GLS with AR(1) errors (statsmodels GLSAR), which rests on a stronger assumption — that the gap
would have wandered no more than such a model allows. Its autocorrelation is taken at the larger
of the data's upper confidence bound and `PERSISTENCE_FLOOR`, because 24–36 periods cannot reveal
a slow drift hidden under month-to-month noise, and a smaller value claims effects too often on
drifting departments (see bench/METHODS.md).

Privacy: departments smaller than the minimum group size take part only merged into a group of
at least that size (`merge_small_departments`), and every placebo figure is a function of such
groups' totals, so no combination of them reveals one small department's series.

Pure functions over pandas frames and numpy arrays; results are small frozen dataclasses with
plain-language fields and `to_dict()`.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.tsa.stattools import acf

DIFFERENCE, RATIO = "difference", "ratio"
ESTIMANDS = (DIFFERENCE, RATIO)
RANDOMIZATION = "randomization across departments"
FALLBACK = "time-series model (fallback)"
OK, TOO_FEW_PERIODS, NOT_POSITIVE = "ok", "too few periods", "not positive"

MIN_PERIODS_EACH_SIDE = 3
RATIO_REACH = math.log(1e4)  # a ratio interval is searched up to 10,000 times either way

PERSISTENCE_FLOOR = 0.7
"""The smallest AR(1) coefficient the fallback allows for. Short series hide slow drifts under
month-to-month noise; at this value the methods benchmark keeps the fallback's false effects at
or below 6% on random-walk and AR(1) departments, 24 and 36 months (bench/METHODS.md)."""

EFFECT_PCT_MEANING = {
    DIFFERENCE: "% of the pilot's baseline (its average before the start)",
    RATIO: "% of the level the pilot would have had (its baseline moved as the comparison moved)",
}
_PCT_OF = {DIFFERENCE: "the pilot's baseline", RATIO: "the level the pilot would have had"}


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _num(x: float | None, signed: bool = False) -> str:
    """A number rounded for reading, with a real minus sign."""
    if x is None or not math.isfinite(x):
        return "n/a"
    ax = abs(x)
    text = (f"{x:,.0f}" if ax >= 100 else f"{x:,.1f}" if ax >= 10 else f"{x:,.2f}" if ax >= 1
            else "0" if ax == 0 else f"{x:.2g}")
    if signed and x > 0:
        text = "+" + text
    return text.replace("-", "−")


def _p_words(p: float | None) -> str:
    if p is None:
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def assignments_needed(confidence: float) -> int:
    """The fewest possible placebo assignments for which a randomization p-value can fall to
    1 − confidence: 20 at 95%."""
    return math.ceil(1 / (1 - confidence) - 1e-9)


# -- groups -------------------------------------------------------------------------------------


def merge_small_departments(people: Mapping[str, float] | pd.Series, *, min_group_size: int,
                            pilot: Iterable[str]) -> dict[str, str]:
    """A mapping department → group in which every group has at least `min_group_size` people.

    `people` is each department's smallest headcount over the periods compared. Departments
    already large enough are their own group. Small ones are merged with other small ones on the
    same side (pilot or rest), smallest first, and a remainder still too small joins the
    smallest large-enough group on its side; the pilot and the rest are never mixed. Group names
    join their departments' names with ' + '.
    """
    sizes = {department: float(size) for department, size in dict(people).items()}
    pilot = set(pilot)
    unknown = pilot - set(sizes)
    if unknown:
        raise ValueError(f"Unknown pilot department(s): {', '.join(sorted(map(str, unknown)))}")
    mapping: dict[str, str] = {}
    for side, which in ((pilot, "pilot"), (set(sizes) - pilot, "rest of the organisation")):
        if not side:
            continue
        if sum(sizes[d] for d in side) < min_group_size:
            raise ValueError(f"The {which} has fewer than {min_group_size} people, so it cannot be shown.")
        by_size = sorted(side, key=lambda d: (sizes[d], str(d)))
        groups = [[d] for d in by_size if sizes[d] >= min_group_size]
        pending: list[str] = []
        for department in (d for d in by_size if sizes[d] < min_group_size):
            pending.append(department)
            if sum(sizes[d] for d in pending) >= min_group_size:
                groups.append(pending)
                pending = []
        if pending:
            if not groups:
                raise ValueError(f"Too few people in the {which} to form a group.")
            min(groups, key=lambda g: (sum(sizes[d] for d in g), str(g))).extend(pending)
        for members in groups:
            name = " + ".join(sorted(map(str, members)))
            for department in members:
                mapping[department] = name
    return mapping


@dataclass(frozen=True, eq=False)
class PilotPanel:
    """Group-level series of one measure: the input of both methods.

    `values` and `people` are periods × groups; `pilot` marks the pilot's groups. With
    `per_head`, a set of groups is compared by its value per person (its values' total over its
    people's total), otherwise by its total.
    """

    periods: pd.Index
    groups: tuple[str, ...]
    members: Mapping[str, tuple[str, ...]]
    values: np.ndarray
    people: np.ndarray
    pilot: np.ndarray
    per_head: bool
    min_group_size: int

    @property
    def pilot_groups(self) -> tuple[str, ...]:
        return tuple(g for g, flag in zip(self.groups, self.pilot) if flag)

    @property
    def rest_groups(self) -> tuple[str, ...]:
        return tuple(g for g, flag in zip(self.groups, self.pilot) if not flag)


def pilot_panel(values: pd.DataFrame, people: pd.DataFrame, pilot: Iterable[str], *,
                groups: Mapping[str, str] | None = None, min_group_size: int = 5,
                per_head: bool = True) -> PilotPanel:
    """Sum department series (periods × departments) into groups and check them.

    `groups` maps every department to its group (default: each department alone); every group
    must be wholly in the pilot or wholly in the rest, and have at least `min_group_size` people
    in every period. The values must be totals (counts or sums) so that groups can be added up.
    """
    if not values.index.equals(people.index) or set(values.columns) != set(people.columns):
        raise ValueError("values and people must have the same periods and departments.")
    if values.isna().to_numpy().any() or people.isna().to_numpy().any():
        raise ValueError("Every department needs a value and a headcount in every period "
                         "(hidden or missing cells cannot be compared).")
    departments = list(values.columns)
    pilot = set(pilot)
    unknown = pilot - set(departments)
    if unknown:
        raise ValueError(f"Unknown pilot department(s): {', '.join(sorted(map(str, unknown)))}")
    mapping = {d: d for d in departments} if groups is None else dict(groups)
    missing = set(departments) - set(mapping)
    if missing:
        raise ValueError(f"No group for department(s): {', '.join(sorted(map(str, missing)))}")
    names = sorted({mapping[d] for d in departments}, key=str)
    members = {g: tuple(sorted((d for d in departments if mapping[d] == g), key=str)) for g in names}
    flags = []
    for group, in_group in members.items():
        sides = {d in pilot for d in in_group}
        if len(sides) > 1:
            raise ValueError(f"Group '{group}' mixes pilot and other departments.")
        flags.append(sides.pop())
    membership = np.zeros((len(departments), len(names)))
    position = {d: i for i, d in enumerate(departments)}
    for j, group in enumerate(names):
        membership[[position[d] for d in members[group]], j] = 1.0
    grouped_values = values.to_numpy(float) @ membership
    grouped_people = people[departments].to_numpy(float) @ membership
    smallest = grouped_people.min(axis=0)
    too_small = [g for g, size in zip(names, smallest) if size < min_group_size]
    if too_small:
        raise ValueError(
            f"Group(s) {', '.join(map(str, too_small))} have fewer than {min_group_size} people in some "
            "period; merge them with other departments (merge_small_departments) first.")
    flags = np.array(flags, dtype=bool)
    if not flags.any() or flags.all():
        raise ValueError("The pilot and the rest each need at least one group.")
    return PilotPanel(values.index, tuple(names), members, grouped_values, grouped_people, flags,
                      per_head, min_group_size)


# -- assignments ------------------------------------------------------------------------------


def placebo_assignments(groups: int, pilot: np.ndarray, *, max_assignments: int,
                        seed: int = 0) -> tuple[np.ndarray, int, bool]:
    """Every way to choose as many groups as the pilot has, or a seeded random sample of them.

    Returns (a boolean matrix with one row per assignment, the real pilot first; the number of
    possible assignments; whether all were enumerated). A sample is drawn with replacement with
    numpy's Generator and keeps the real assignment, so the test stays exact.
    """
    k = int(pilot.sum())
    possible = math.comb(groups, k)
    if possible <= max_assignments:
        rows = np.zeros((possible, groups), dtype=bool)
        real = tuple(np.flatnonzero(pilot))
        rows[0, list(real)] = True
        i = 1
        for combo in itertools.combinations(range(groups), k):
            if combo != real:
                rows[i, list(combo)] = True
                i += 1
        return rows, possible, True
    rng = np.random.default_rng(seed)
    picks = np.argsort(rng.random((max_assignments - 1, groups)), axis=1)[:, :k]
    rows = np.zeros((max_assignments, groups), dtype=bool)
    rows[0] = pilot
    np.put_along_axis(rows[1:], picks, True, axis=1)
    return rows, possible, False


def randomization_p_value(statistics: np.ndarray) -> float:
    """Two-sided randomization p-value: the share of assignments (the real one first and
    included) whose statistic is at least as far from zero as the real one's. Undefined placebo
    statistics count as at least as extreme."""
    real = abs(statistics[0])
    extreme = ~np.isfinite(statistics) | (np.abs(statistics) >= real * (1 - 1e-9) - 1e-12)
    return float(extreme.mean())


# -- the comparison windows -----------------------------------------------------------------------


def _label(period) -> str:
    """A period as text: an ISO date for dates, as it is otherwise."""
    if isinstance(period, (pd.Timestamp, np.datetime64)) or hasattr(period, "isoformat"):
        return pd.Timestamp(period).date().isoformat()
    return str(period)


def _windows(panel: PilotPanel, start, ramp_up_periods: int) -> tuple[np.ndarray, np.ndarray]:
    after = np.asarray(panel.periods >= start)
    order = np.cumsum(after)
    post = after & (order > ramp_up_periods)
    return ~after, post


def _series(panel: PilotPanel, members: np.ndarray) -> np.ndarray:
    """Per-person (or total) series of sets of groups: periods × sets, for a sets × groups mask."""
    mask = members.T.astype(float)
    totals = panel.values @ mask
    if panel.per_head:
        return totals / (panel.people @ mask)
    return totals


def _did(pilot: np.ndarray, rest: np.ndarray, pre: np.ndarray, post: np.ndarray, estimand: str) -> np.ndarray:
    if estimand == DIFFERENCE:
        return (pilot[post].mean(0) - pilot[pre].mean(0)) - (rest[post].mean(0) - rest[pre].mean(0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.log(pilot[post].mean(0)) - np.log(pilot[pre].mean(0))
                - np.log(rest[post].mean(0)) + np.log(rest[pre].mean(0)))


def _check(estimand: str, confidence: float) -> None:
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be one of {', '.join(ESTIMANDS)}, not '{estimand}'")
    if not 0.5 < confidence < 1:
        raise ValueError("confidence must be between 0.5 and 1, e.g. 0.95")


# -- the time-series fallback ---------------------------------------------------------------------


@dataclass(frozen=True)
class LevelShift:
    """A level shift in a gap series from GLS with AR(1) errors."""

    estimate: float
    low: float
    high: float
    p_value: float
    autocorrelation_estimated: float   # bias-corrected lag-1 autocorrelation of the OLS residuals
    autocorrelation_used: float        # the larger of its upper bound and PERSISTENCE_FLOOR
    degrees_of_freedom: float
    ratio_to_baseline: tuple[float | None, float | None, float | None]  # Fieller: estimate / baseline

    def to_dict(self) -> dict:
        return _plain(self)


def level_shift_test(gap, post, *, confidence: float = 0.95, baseline=None) -> LevelShift:
    """Feasible GLS of a gap series on [1, after-start] with AR(1) errors (statsmodels GLSAR).

    The AR(1) coefficient is the larger of `PERSISTENCE_FLOOR` and the one-sided upper
    confidence bound of the OLS residuals' bias-corrected lag-1 autocorrelation. With
    `baseline` (the pilot's own series on the same periods), the shift is also given as a share
    of the pilot's level before the start, with Fieller's interval, so the baseline's own
    uncertainty is in it; None where that interval is unbounded.
    """
    gap = np.asarray(gap, dtype=float)
    post = np.asarray(post, dtype=float)
    n = len(gap)
    design = np.column_stack([np.ones(n), post])
    residuals = sm.OLS(gap, design).fit().resid
    r1 = 0.0 if np.ptp(residuals) <= 1e-12 * max(1.0, float(np.abs(gap).max())) else float(
        acf(residuals, nlags=1, fft=False)[1])
    corrected = float(np.clip((n * r1 + 1) / (n - 4), -0.999, 0.999))
    bound = corrected + stats.norm.ppf(confidence) * math.sqrt((1 - corrected ** 2) / n)
    rho = float(min(max(bound, PERSISTENCE_FLOOR), 0.99))
    model = sm.GLSAR(gap, design, rho=[rho])
    fit = model.fit()
    estimate, se, dof = float(fit.params[1]), float(fit.bse[1]), float(fit.df_resid)
    q = stats.t.ppf(0.5 + confidence / 2, dof)
    ratio = (None, None, None)
    if baseline is not None:
        ratio = _fieller(model, fit, np.asarray(baseline, dtype=float), q)
    return LevelShift(estimate, estimate - q * se, estimate + q * se, float(fit.pvalues[1]),
                      corrected, rho, dof, ratio)


def _fieller(model, fit, baseline: np.ndarray, q: float) -> tuple[float | None, float | None, float | None]:
    """Fieller's interval for (shift in the gap) / (the pilot's level before the start), both
    estimated on the same whitened design, with their covariance from the whitened residuals."""
    x = model.wexog
    xtx_inv = np.linalg.inv(x.T @ x)
    pilot_fit = np.linalg.lstsq(x, model.whiten(baseline), rcond=None)[0]
    pilot_resid = model.whiten(baseline) - x @ pilot_fit
    gap_resid = model.wendog - x @ fit.params
    dof = len(gap_resid) - x.shape[1]
    s_gg, s_pp = gap_resid @ gap_resid / dof, pilot_resid @ pilot_resid / dof
    s_gp = gap_resid @ pilot_resid / dof
    b, mu = float(fit.params[1]), float(pilot_fit[0])
    v_bb, v_mm, v_bm = s_gg * xtx_inv[1, 1], s_pp * xtx_inv[0, 0], s_gp * xtx_inv[0, 1]
    if mu == 0:
        return None, None, None
    a = mu * mu - q * q * v_mm
    half_b = b * mu - q * q * v_bm
    c = b * b - q * q * v_bb
    disc = half_b * half_b - a * c
    if a <= 0 or disc < 0:
        return b / mu, None, None
    root = math.sqrt(disc)
    return b / mu, (half_b - root) / a, (half_b + root) / a


# -- difference-in-differences with randomization inference ----------------------------------------


@dataclass(frozen=True)
class PlaceboComparison:
    """The pilot against the rest: difference-in-differences, judged against placebo pilots."""

    status: str                          # ok | too few periods | not positive
    estimand: str                        # difference | ratio
    inference: str                       # randomization across departments | time-series model (fallback)
    unit: str                            # e.g. "training requests per person per month"
    confidence: float
    start: str
    periods_before: int
    periods_after: int
    ramp_up_periods_left_out: int
    pilot_groups: tuple[str, ...]
    rest_groups: tuple[str, ...]
    pilot_before: float | None           # average per period, in the unit
    pilot_after: float | None
    rest_before: float | None
    rest_after: float | None
    effect: float | None                 # in the unit, per period: the pilot's change beyond the rest's
    effect_low: float | None
    effect_high: float | None
    effect_pct: float | None             # the effect in % (see effect_pct_meaning)
    effect_pct_low: float | None
    effect_pct_high: float | None
    effect_pct_meaning: str
    p_value: float | None
    significant: bool | None
    possible_assignments: int
    assignments_used: int
    all_assignments_enumerated: bool
    placebo_effects_pct: tuple[float, ...]   # every placebo pilot's effect, in the same % terms
    assumptions: str
    explanation: str

    def to_dict(self) -> dict:
        return _plain(self)


def compare_with_placebos(
    panel: PilotPanel,
    start,
    *,
    estimand: str = DIFFERENCE,
    ramp_up_periods: int = 0,
    confidence: float = 0.95,
    max_assignments: int = 5000,
    seed: int = 0,
    unit: str = "",
    period_name: str = "period",
) -> PlaceboComparison:
    """Difference-in-differences of the pilot against the rest, with randomization inference.

    Periods before `start` are the baseline; from `start` on, after leaving out the first
    `ramp_up_periods`, the comparison period. The p-value is the share of placebo assignments
    (all of them, or `max_assignments` drawn with `seed`) whose effect is at least as extreme as
    the real one's; the interval collects every constant effect the test does not reject
    (searched outward from the estimate). With fewer possible assignments than
    `assignments_needed(confidence)`, the time-series fallback is used instead and says so.
    """
    _check(estimand, confidence)
    pre, post = _windows(panel, start, ramp_up_periods)
    unit_words = _unit_words(unit, panel.per_head, period_name)
    rows, possible, enumerated = placebo_assignments(len(panel.groups), panel.pilot,
                                                     max_assignments=max_assignments, seed=seed)
    pilot_series, rest_series = _series(panel, rows), _series(panel, ~rows)
    means = dict(
        pilot_before=float(pilot_series[pre, 0].mean()) if pre.any() else None,
        pilot_after=float(pilot_series[post, 0].mean()) if post.any() else None,
        rest_before=float(rest_series[pre, 0].mean()) if pre.any() else None,
        rest_after=float(rest_series[post, 0].mean()) if post.any() else None,
    )
    base = dict(
        estimand=estimand, unit=unit_words, confidence=confidence, start=_label(start),
        periods_before=int(pre.sum()), periods_after=int(post.sum()),
        ramp_up_periods_left_out=int(ramp_up_periods), pilot_groups=panel.pilot_groups,
        rest_groups=panel.rest_groups, effect_pct_meaning=EFFECT_PCT_MEANING[estimand],
        possible_assignments=possible, **means,
    )
    needed = assignments_needed(confidence)
    inference = RANDOMIZATION if possible >= needed else FALLBACK
    empty = dict(inference=inference, effect=None, effect_low=None, effect_high=None, effect_pct=None,
                 effect_pct_low=None, effect_pct_high=None, p_value=None, significant=None,
                 assignments_used=0, all_assignments_enumerated=enumerated, placebo_effects_pct=(),
                 assumptions=_assumptions(inference, needed, possible))
    if pre.sum() < MIN_PERIODS_EACH_SIDE or post.sum() < MIN_PERIODS_EACH_SIDE:
        return PlaceboComparison(status=TOO_FEW_PERIODS, **base, **empty, explanation=(
            f"No comparison: {int(pre.sum())} period(s) before the start and {int(post.sum())} after "
            f"it; at least {MIN_PERIODS_EACH_SIDE} on each side are needed."))
    if estimand == RATIO and not _ratio_possible(pilot_series[:, 0], rest_series[:, 0], pre, post,
                                                 every_period=inference == FALLBACK):
        return PlaceboComparison(status=NOT_POSITIVE, **base, **empty, explanation=(
            "No ratio comparison: it needs values above zero (in every period for the time-series "
            "fallback); compare the difference instead."))

    if inference == RANDOMIZATION:
        result = _randomization(panel, rows, pilot_series, rest_series, pre, post, estimand, confidence)
        result["assignments_used"] = len(rows)
    else:
        result = _fallback_did(pilot_series[:, 0], rest_series[:, 0], pre, post, estimand, confidence)
        result["assignments_used"] = 0
    fields = dict(base, **result, inference=inference, all_assignments_enumerated=enumerated,
                  assumptions=_assumptions(inference, needed, possible))
    return PlaceboComparison(status=OK, **fields, explanation=_explain_did(fields, period_name))


def _ratio_possible(pilot: np.ndarray, rest: np.ndarray, pre: np.ndarray, post: np.ndarray, *,
                    every_period: bool) -> bool:
    """A ratio needs both groups' averages above zero on each side of the start; the time-series
    fallback takes logarithms of every period, so it needs every period above zero."""
    window = pre | post
    if every_period:
        return bool(pilot[window].min() > 0 and rest[window].min() > 0)
    return bool(min(pilot[pre].mean(), pilot[post].mean(), rest[pre].mean(), rest[post].mean()) > 0)


def _randomization(panel, rows, pilot_series, rest_series, pre, post, estimand, confidence) -> dict:
    alpha = 1 - confidence
    statistic = _did(pilot_series, rest_series, pre, post, estimand)
    p = randomization_p_value(statistic)
    baseline = float(pilot_series[pre, 0].mean())
    pilot_after = float(pilot_series[post, 0].mean())
    if estimand == DIFFERENCE:
        dose = _additive_dose(panel, rows, post)

        def p_at(effect):
            return randomization_p_value(statistic - effect * dose)

        low, high = _invert(p_at, float(statistic[0]), _scale(statistic), alpha,
                            reach=1e6 * _scale(statistic))
        effect = float(statistic[0])
        pct = [None if v is None or baseline <= 0 else 100 * v / baseline for v in (effect, low, high)]
        placebo_pct = statistic[1:] / baseline * 100 if baseline > 0 else np.full(len(statistic) - 1, np.nan)
    else:
        p_at = _multiplicative_p(panel, rows, pre, post)
        log_low, log_high = _invert(p_at, float(statistic[0]), _scale(statistic), alpha,
                                    reach=RATIO_REACH)
        logs = (float(statistic[0]), log_low, log_high)
        pct = [None if v is None else 100 * math.expm1(v) for v in logs]
        # the pilot's observed level less the level it would have had: after × (1 − e^(−effect))
        effect, low, high = [None if v is None else pilot_after * -math.expm1(-v) for v in logs]
        placebo_pct = 100 * np.expm1(statistic[1:])
    return dict(effect=effect, effect_low=low, effect_high=high, effect_pct=pct[0], effect_pct_low=pct[1],
                effect_pct_high=pct[2], p_value=p, significant=bool(p <= alpha),
                placebo_effects_pct=tuple(float(v) for v in placebo_pct))


def _additive_dose(panel: PilotPanel, rows: np.ndarray, post: np.ndarray) -> np.ndarray:
    """How much each assignment's DiD moves per unit of a constant effect on the real pilot's
    groups (1 for the real pilot): the basis of the additive test inversion."""
    pilot_people = panel.people * panel.pilot
    # per head, the effect reaches a set of groups in proportion to its people in the pilot; as a
    # total, the pilot's total effect is shared among its groups by their people
    spread = panel.people if panel.per_head else pilot_people.sum(axis=1, keepdims=True)

    def share(mask: np.ndarray) -> np.ndarray:
        reached = pilot_people @ mask.T
        return reached / (spread @ mask.T) if panel.per_head else reached / spread

    side, other = share(rows.astype(float)), share((~rows).astype(float))
    return side[post].mean(0) - other[post].mean(0)


def _multiplicative_p(panel: PilotPanel, rows: np.ndarray, pre: np.ndarray, post: np.ndarray):
    """p(effect) for the sharp null 'the pilot's values after the start are e^effect times what
    they would have been': undo the effect on the pilot's groups and re-run every assignment."""
    pilot_values = panel.values * panel.pilot
    other_values = panel.values * ~panel.pilot

    def parts(mask):
        people = panel.people @ mask.T if panel.per_head else 1.0
        fixed = (other_values @ mask.T) / people
        moved = (pilot_values @ mask.T) / people
        before = (panel.values @ mask.T / people)[pre].mean(0)
        return fixed[post].mean(0), moved[post].mean(0), before

    side, other = parts(rows.astype(float)), parts((~rows).astype(float))

    def p_at(log_effect):
        undo = math.exp(-log_effect)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            statistic = (np.log((side[0] + undo * side[1]) / side[2])
                         - np.log((other[0] + undo * other[1]) / other[2]))
        return randomization_p_value(statistic)

    return p_at


def _scale(statistic: np.ndarray) -> float:
    finite = statistic[np.isfinite(statistic)]
    spread = float(np.std(finite)) if len(finite) > 1 else 0.0
    return max(spread, abs(float(statistic[0])), 1e-9)


def _invert(p_at, estimate: float, scale: float, alpha: float, *,
            reach: float) -> tuple[float | None, float | None]:
    """The ends of the set of effects the test does not reject, searched outward from the
    estimate: step out until rejected, then bisect. None where nothing within `reach` of the
    estimate is rejected (the interval is unbounded for practical purposes)."""
    bounds = []
    for direction in (-1.0, 1.0):
        inside, step = estimate, scale / 4
        outside = None
        while step <= reach:
            candidate = estimate + direction * step
            if p_at(candidate) <= alpha:
                outside = candidate
                break
            inside, step = candidate, step * 2
        if outside is None:
            bounds.append(None)
            continue
        for _ in range(60):
            middle = (inside + outside) / 2
            if p_at(middle) <= alpha:
                outside = middle
            else:
                inside = middle
        bounds.append(inside)
    return bounds[0], bounds[1]


def _fallback_did(pilot: np.ndarray, rest: np.ndarray, pre: np.ndarray, post: np.ndarray,
                  estimand: str, confidence: float) -> dict:
    used = pre | post
    after = post[used].astype(float)
    if estimand == DIFFERENCE:
        shift = level_shift_test(pilot[used] - rest[used], after, confidence=confidence,
                                 baseline=pilot[used])
        ratio = shift.ratio_to_baseline
        effect, low, high = shift.estimate, shift.low, shift.high
        pct = [None if v is None else 100 * v for v in ratio]
    else:
        shift = level_shift_test(np.log(pilot[used]) - np.log(rest[used]), after, confidence=confidence)
        logs = (shift.estimate, shift.low, shift.high)
        pct = [100 * math.expm1(v) for v in logs]
        pilot_after = float(pilot[post].mean())
        effect, low, high = [pilot_after * -math.expm1(-v) for v in logs]
    return dict(effect=effect, effect_low=low, effect_high=high, effect_pct=pct[0], effect_pct_low=pct[1],
                effect_pct_high=pct[2], p_value=shift.p_value, significant=bool(shift.low > 0 or shift.high < 0),
                placebo_effects_pct=())


def _unit_words(unit: str, per_head: bool, period_name: str) -> str:
    words = unit or "units"
    if per_head:
        words += " per person"
    return f"{words} per {period_name}"


def _assumptions(inference: str, needed: int, possible: int) -> str:
    if inference == RANDOMIZATION:
        return (
            "Randomization inference: it assumes only that, had the programme done nothing, the "
            "pilot's groups would have been no more unusual than any other choice of as many groups. "
            "It does not assume that months are independent or that groups move in parallel."
        )
    return (
        f"Too few departments for randomization inference: there are only {possible} ways to choose "
        f"a placebo pilot, and at least {needed} are needed for a p-value that could fall below the "
        "threshold. The result rests instead on a stronger assumption: that the gap between the "
        "groups would have wandered no more than a time-series model with month-to-month memory "
        f"allows (GLS with AR(1) errors, memory taken as at least {PERSISTENCE_FLOOR:g}). Treat it as "
        "weaker evidence."
    )


def _explain_did(r: dict, period_name: str) -> str:
    unit = r["unit"]
    parts = [
        f"Before {r['start']} the pilot averaged {_num(r['pilot_before'])} {unit} and the rest "
        f"{_num(r['rest_before'])}; afterwards {_num(r['pilot_after'])} and {_num(r['rest_after'])}.",
    ]
    if r["ramp_up_periods_left_out"]:
        parts.append(f"The first {r['ramp_up_periods_left_out']} {period_name}(s) after the start, the "
                     "ramp-up, are left out.")
    level = f"{r['confidence']:.0%}"
    pct = r["effect_pct"]
    interval = (f"{_num(r['effect_pct_low'], True)}% to {_num(r['effect_pct_high'], True)}%"
                if r["effect_pct_low"] is not None and r["effect_pct_high"] is not None
                else "an interval too wide to state")
    parts.append(
        f"Beyond what changed for the rest, the pilot changed by {_num(r['effect'], True)} {unit}: "
        f"{_num(pct, True)}% of {_PCT_OF[r['estimand']]} ({level} interval {interval})."
    )
    if r["inference"] == RANDOMIZATION:
        how = "each of" if r["all_assignments_enumerated"] else f"{r['assignments_used']:,} drawn at random from"
        share = round(r["p_value"] * r["assignments_used"])
        parts.append(
            f"Judged against placebo pilots: re-running the comparison with {how} the "
            f"{r['possible_assignments']:,} ways to choose as many groups, {share:,} show a change at "
            f"least this large ({_p_words(r['p_value'])})."
        )
    else:
        parts.append(f"Judged by the time-series fallback ({_p_words(r['p_value'])}).")
    parts.append("Chance alone is an unlikely explanation." if r["significant"]
                 else "This could be chance.")
    if r["inference"] == FALLBACK:
        parts.append(r["assumptions"])
    return " ".join(parts)


# -- synthetic control with placebo-in-space inference ---------------------------------------------


@dataclass(frozen=True)
class SyntheticComparison:
    """The pilot against a weighted mix of the other groups that tracked it before the start."""

    status: str
    estimand: str
    inference: str
    unit: str
    confidence: float
    weights: Mapping[str, float]         # the real pilot's synthetic comparison: group → weight (> 0 only)
    pre_period_gap: float | None         # root mean square gap before the start, in the unit
    effect: float | None                 # in the unit, per period
    effect_pct: float | None             # see effect_pct_meaning
    effect_pct_low: float | None         # from the fallback only; placebo-in-space gives a p-value
    effect_pct_high: float | None
    effect_pct_meaning: str
    p_value: float | None
    significant: bool | None
    possible_assignments: int
    assignments_used: int
    placebo_effects_pct: tuple[float, ...]
    assumptions: str
    explanation: str

    def to_dict(self) -> dict:
        return _plain(self)


def simplex_weights(target, donors) -> np.ndarray:
    """Non-negative weights summing to one that bring the donors' weighted series (columns of
    `donors`) closest to `target` in least squares: NNLS (scipy) with the sum-to-one constraint
    as an extra row weighted far above the data."""
    target = np.asarray(target, dtype=float)
    donors = np.asarray(donors, dtype=float)
    if donors.shape[1] == 1:
        return np.ones(1)
    scale = max(float(np.abs(donors).max()), float(np.abs(target).max()), 1e-12)
    heavy = 1e4 * scale * math.sqrt(len(target))
    weights, _ = optimize.nnls(np.vstack([donors, np.full(donors.shape[1], heavy)]),
                               np.append(target, heavy))
    return weights / weights.sum()


def _synthetic_gap(treated: np.ndarray, donors: np.ndarray, pre: np.ndarray, estimand: str):
    """The gap between a treated series and its synthetic comparison, and the weights.

    Difference: fitted on pre-period deviations from each series' own baseline (an intercept),
    gap in the unit. Ratio: fitted on each series relative to its own baseline, gap as the log
    of treated over synthetic (NaN where the synthetic is not positive).
    """
    if estimand == DIFFERENCE:
        centre_t, centre_d = treated[pre].mean(), donors[pre].mean(0)
        weights = simplex_weights(treated[pre] - centre_t, donors[pre] - centre_d)
        synthetic = centre_t + (donors - centre_d) @ weights
        return treated - synthetic, weights
    rel_t, rel_d = treated / treated[pre].mean(), donors / donors[pre].mean(0)
    weights = simplex_weights(rel_t[pre], rel_d[pre])
    synthetic = rel_d @ weights
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(rel_t / synthetic), weights


def _synthetic_effect(treated, donors, pre, post, estimand) -> tuple[float, np.ndarray, np.ndarray]:
    gap, weights = _synthetic_gap(treated, donors, pre, estimand)
    if estimand == DIFFERENCE:
        return float(gap[post].mean() - gap[pre].mean()), weights, gap
    rel_t = treated / treated[pre].mean()
    synthetic = (donors / donors[pre].mean(0)) @ weights
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.log(rel_t[post].mean() / synthetic[post].mean())), weights, gap


def synthetic_control(
    panel: PilotPanel,
    start,
    *,
    estimand: str = DIFFERENCE,
    ramp_up_periods: int = 0,
    confidence: float = 0.95,
    max_assignments: int = 1000,
    seed: int = 0,
    unit: str = "",
    period_name: str = "period",
) -> SyntheticComparison:
    """Synthetic control of the pilot from the other groups, with placebo-in-space inference.

    Each placebo assignment (the same ones as `compare_with_placebos`) gets its own synthetic
    comparison from the groups outside it; the p-value is the share whose average gap after the
    start is at least as extreme as the real pilot's. The average gap is used rather than the
    ratio of fit errors after and before the start because with 12–18 periods before the start
    a synthetic can match almost perfectly, which makes that ratio unstable.
    """
    _check(estimand, confidence)
    pre, post = _windows(panel, start, ramp_up_periods)
    rows, possible, _ = placebo_assignments(len(panel.groups), panel.pilot,
                                            max_assignments=max_assignments, seed=seed)
    needed = assignments_needed(confidence)
    inference = RANDOMIZATION if possible >= needed else FALLBACK
    unit_words = _unit_words(unit, panel.per_head, period_name)
    group_series = panel.values / panel.people if panel.per_head else panel.values
    treated = _series(panel, rows[:1])[:, 0]
    base = dict(estimand=estimand, inference=inference, unit=unit_words, confidence=confidence,
                effect_pct_meaning=EFFECT_PCT_MEANING[estimand], possible_assignments=possible,
                assumptions=_synthetic_assumptions(inference, needed, possible))
    empty = dict(weights={}, pre_period_gap=None, effect=None, effect_pct=None, effect_pct_low=None,
                 effect_pct_high=None, p_value=None, significant=None, assignments_used=0,
                 placebo_effects_pct=())
    if pre.sum() < MIN_PERIODS_EACH_SIDE or post.sum() < MIN_PERIODS_EACH_SIDE:
        return SyntheticComparison(status=TOO_FEW_PERIODS, **base, **empty, explanation=(
            f"No synthetic control: at least {MIN_PERIODS_EACH_SIDE} periods are needed on each side of the start."))
    if estimand == RATIO and min(group_series[pre].mean(0).min(), treated[pre].mean(), treated[post].mean()) <= 0:
        return SyntheticComparison(status=NOT_POSITIVE, **base, **empty, explanation=(
            "No ratio synthetic control: every group needs an average above zero before the start."))

    donors_mask = ~panel.pilot
    effect, weights, gap = _synthetic_effect(treated, group_series[:, donors_mask], pre, post, estimand)
    baseline = float(treated[pre].mean())
    pilot_after = float(treated[post].mean())
    weight_map = {g: float(w) for g, w in zip(np.array(panel.groups)[donors_mask], weights) if w > 1e-6}
    pre_fit = float(np.sqrt(np.mean(gap[pre] ** 2))) if estimand == DIFFERENCE else float(
        np.sqrt(np.mean((np.expm1(gap[pre]) * baseline) ** 2)))
    alpha = 1 - confidence
    low_pct = high_pct = None
    placebo_pct: tuple[float, ...] = ()
    used = 0
    if inference == RANDOMIZATION:
        statistics = np.empty(len(rows))
        statistics[0] = effect
        all_series = _series(panel, rows)
        for i in range(1, len(rows)):
            statistics[i] = _synthetic_effect(all_series[:, i], group_series[:, ~rows[i]], pre, post, estimand)[0]
        p = randomization_p_value(statistics)
        significant = bool(p <= alpha)
        used = len(rows)
        if estimand == DIFFERENCE:
            placebo_pct = tuple(float(v) for v in statistics[1:] / baseline * 100) if baseline > 0 else ()
        else:
            placebo_pct = tuple(float(v) for v in 100 * np.expm1(statistics[1:]))
    else:
        window = pre | post
        if estimand == RATIO and not np.isfinite(gap[window]).all():
            return SyntheticComparison(status=NOT_POSITIVE, **base, **empty, explanation=(
                "No ratio synthetic control: the synthetic comparison is not above zero in every period."))
        shift = level_shift_test(gap[window], post[window].astype(float), confidence=confidence,
                                 baseline=treated[window] if estimand == DIFFERENCE else None)
        p, significant = shift.p_value, bool(shift.low > 0 or shift.high < 0)
        effect = shift.estimate
        if estimand == DIFFERENCE:
            low_pct, high_pct = [None if v is None else 100 * v for v in shift.ratio_to_baseline[1:]]
        else:
            low_pct, high_pct = 100 * math.expm1(shift.low), 100 * math.expm1(shift.high)
    if estimand == DIFFERENCE:
        effect_units, effect_pct = effect, (100 * effect / baseline if baseline > 0 else None)
    else:
        effect_units, effect_pct = pilot_after * -math.expm1(-effect), 100 * math.expm1(effect)
    fields = dict(base, weights=weight_map, pre_period_gap=pre_fit, effect=effect_units, effect_pct=effect_pct,
                  effect_pct_low=low_pct, effect_pct_high=high_pct, p_value=p, significant=significant,
                  assignments_used=used, placebo_effects_pct=placebo_pct)
    return SyntheticComparison(status=OK, **fields, explanation=_explain_synthetic(fields))


def _synthetic_assumptions(inference: str, needed: int, possible: int) -> str:
    if inference == RANDOMIZATION:
        return (
            "Placebo-in-space inference: every other choice of as many groups gets its own synthetic "
            "comparison, and the real pilot must stand out among them. It assumes the pilot's groups "
            "were no more unusual than any other choice."
        )
    return (
        f"Too few departments for placebo-in-space inference ({possible} possible placebo pilots; at "
        f"least {needed} needed). The gap to the synthetic comparison is judged instead by a "
        "time-series model with month-to-month memory (GLS with AR(1) errors), a stronger assumption."
    )


def _explain_synthetic(r: dict) -> str:
    mix = ", ".join(f"{g} {w:.0%}" for g, w in sorted(r["weights"].items(), key=lambda kv: -kv[1]))
    text = (
        f"Synthetic control: a mix of the other groups ({mix}) followed the pilot before the start to "
        f"within {_num(r['pre_period_gap'])} {r['unit']} on average. Afterwards the pilot differed from "
        f"that mix by {_num(r['effect'], True)} {r['unit']} ({_num(r['effect_pct'], True)}% of "
        f"{_PCT_OF[r['estimand']]})."
    )
    if r["inference"] == RANDOMIZATION:
        text += (f" Of {r['assignments_used']:,} placebo pilots, each with its own synthetic comparison, "
                 f"the real one stands out with {_p_words(r['p_value'])}.")
    else:
        text += f" Judged by the time-series fallback ({_p_words(r['p_value'])}). {r['assumptions']}"
    return text + (" Chance alone is an unlikely explanation." if r["significant"] else " This could be chance.")


# -- do the two methods agree? -------------------------------------------------------------------


CLEAR_EFFECT, NO_CLEAR_EFFECT, ONE_METHOD, OPPOSITE, CANNOT_TELL = (
    "clear effect", "no clear effect", "only one method finds it", "methods disagree", "cannot tell",
)


@dataclass(frozen=True)
class Agreement:
    # clear effect | no clear effect | only one method finds it | methods disagree | cannot tell
    verdict: str
    clear_effect: bool
    direction: str | None        # decrease | increase (when both methods find the same one)
    explanation: str

    def to_dict(self) -> dict:
        return _plain(self)


def methods_agree(comparison: PlaceboComparison, synthetic: SyntheticComparison) -> Agreement:
    """'A clear effect' only when the difference-in-differences and the synthetic control both
    find an effect clear of chance, in the same direction; anything else is said in words."""
    if comparison.status != OK or synthetic.status != OK or comparison.significant is None \
            or synthetic.significant is None:
        return Agreement(CANNOT_TELL, False, None,
                         "No verdict: at least one of the two methods could not be run on this data.")
    first, second = comparison.effect_pct, synthetic.effect_pct
    same = first is not None and second is not None and np.sign(first) == np.sign(second) and first != 0
    direction = None if first is None else ("decrease" if first < 0 else "increase")
    weaker = " (both on the time-series fallback, so weaker evidence)" if (
        comparison.inference == FALLBACK and synthetic.inference == FALLBACK) else ""
    if comparison.significant and synthetic.significant:
        if same:
            return Agreement(CLEAR_EFFECT, True, direction, (
                f"A clear effect{weaker}: both the comparison with the rest of the organisation "
                f"({_num(first, True)}%) and the synthetic control ({_num(second, True)}%) find a "
                f"{direction} that chance alone is unlikely to explain."))
        return Agreement(OPPOSITE, False, None, (
            "The methods disagree: they point in opposite directions, so no effect of the programme "
            "should be claimed."))
    if not comparison.significant and not synthetic.significant:
        return Agreement(NO_CLEAR_EFFECT, False, None,
                         "No clear effect: neither method finds a change that stands out from chance.")
    which = "comparison with the rest" if comparison.significant else "synthetic control"
    return Agreement(ONE_METHOD, False, None, (
        f"Not a clear effect: only the {which} finds a change clear of chance. Treat it as a lead to "
        "watch, not a result."))


__all__ = [
    "CLEAR_EFFECT",
    "DIFFERENCE",
    "ESTIMANDS",
    "FALLBACK",
    "PERSISTENCE_FLOOR",
    "RANDOMIZATION",
    "RATIO",
    "Agreement",
    "LevelShift",
    "PilotPanel",
    "PlaceboComparison",
    "SyntheticComparison",
    "assignments_needed",
    "compare_with_placebos",
    "level_shift_test",
    "merge_small_departments",
    "methods_agree",
    "pilot_panel",
    "placebo_assignments",
    "randomization_p_value",
    "simplex_weights",
    "synthetic_control",
]
