"""What would the pilot group have looked like without the pilot? A projection of its own trend.

The pilot's values before the start are fitted with a straight line (OLS on time; with two
full years of data before the start, plus one dummy per calendar month, quarter or week of the
year, as in the trend verdict) and the line is carried forward. After the start, actual values
are compared with the projection: the average gap, with a confidence interval that counts both
the uncertainty of the fitted line and the period-to-period noise of the actual values.

This is a second, independent view next to the difference-in-differences: it does not need a
comparison group, but it assumes the earlier trend would have continued.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from lookdown.analysis.series import (
    NO_POST,
    NO_PRE,
    OK,
    SEASON_NAME,
    SUPPRESSED,
    TOO_FEW,
    as_series,
    grid_positions,
    infer_grain,
    season_keys,
    seasonal_plan,
    step,
    suppressed_count,
)
from lookdown.formats import finite, fmt, fmt_p, fmt_pct, jsonable, with_unit
from lookdown.periods import PERIODS_PER_YEAR

CAVEATS = (
    "It assumes the pilot's earlier trend would have carried on unchanged; the further past the "
    "start, the less certain that is.",
    "Anything else that changed for the pilot group at the same time is included in the gap.",
    "The interval assumes the periods vary independently around the line; slow drifts would "
    "make the real uncertainty larger.",
)


@dataclass(frozen=True)
class ProjectionPoint:
    period: str
    phase: str                # before | start | after
    actual: float | None
    projected: float | None   # the fitted line before the start, the projection after it
    low: float | None         # prediction interval (after the start only)
    high: float | None

    def to_dict(self) -> dict:
        return jsonable(self)


@dataclass(frozen=True)
class PilotProjection:
    status: str
    unit: str
    per_head: bool
    start: str
    grain: str | None
    confidence: float
    periods_before: int
    periods_after: int
    suppressed_cells: int
    seasonality_removed: bool
    seasonality: str
    slope_per_year: float | None          # the pre-start trend
    actual_after: float | None            # mean of the actual values after the start
    projected_after: float | None         # mean of the projection over the same periods
    average_gap: float | None             # actual − projected, per period, in the unit
    gap_ci_low: float | None
    gap_ci_high: float | None
    average_gap_pct: float | None         # in percent of the projected level
    p_value: float | None
    significant: bool | None
    points: tuple[ProjectionPoint, ...]
    method: str
    caveats: tuple[str, ...]
    explanation: str

    def to_dict(self) -> dict:
        return jsonable(self)

    def frame(self) -> pd.DataFrame:
        """The points as a frame (period, phase, actual, projected, low, high) for charts."""
        frame = pd.DataFrame([p.to_dict() for p in self.points],
                             columns=["period", "phase", "actual", "projected", "low", "high"])
        frame["period"] = pd.to_datetime(frame["period"])
        return frame


METHOD = "OLS of the pilot's values before the start on time{season}, projected forward"


def project_pilot(
    pilot,
    *,
    start: date,
    per_head: bool,
    unit: str = "",
    grain: str | None = None,
    confidence: float = 0.95,
    min_periods: int = 6,
) -> PilotProjection:
    """Fit the pilot's trend before `start`, project it forward and measure the gap after it.

    `pilot` is a frame with period, value (and people when per_head; suppressed cells are
    missing), or a plain period series when per_head is False. When the start falls inside a
    period, that period is shown but used on neither side.
    """
    series = as_series(pilot, per_head=per_head)
    suppressed = suppressed_count(pilot)
    start_ts = pd.Timestamp(start)
    observed = series.dropna()
    if grain is None:
        grain = infer_grain(series.index) if len(series) >= 2 else None
    base = dict(unit=unit, per_head=per_head, start=start_ts.date().isoformat(), grain=grain,
                confidence=confidence, suppressed_cells=suppressed, caveats=CAVEATS)
    if observed.empty or grain is None:
        status = SUPPRESSED if suppressed else NO_PRE
        return _empty(status, base, 0, 0, "No projection: the pilot group has no values"
                      + (" (they are hidden because the group is small)." if suppressed else "."))

    grid = pd.DatetimeIndex(sorted(set(series.index)))
    before = np.array([(stamp + step(grain)) <= start_ts for stamp in grid])
    after = np.asarray(grid >= start_ts)
    values = series.reindex(grid).to_numpy(dtype=float)
    has = ~np.isnan(values)
    n_pre, n_post = int((before & has).sum()), int((after & has).sum())
    if n_pre == 0:
        return _empty(NO_PRE, base, n_pre, n_post,
                      f"No projection: the pilot group has no values before {start_ts.date()}.")
    if n_post == 0:
        return _empty(NO_POST, base, n_pre, n_post,
                      f"No projection yet: the pilot group has no values from {start_ts.date()} on.")
    if n_pre < min_periods:
        return _empty(TOO_FEW, base, n_pre, n_post,
                      f"No projection: {n_pre} period(s) before the start; at least {min_periods} "
                      "are needed to fit a trend worth carrying forward.")

    t = grid_positions(grid, grain).astype(float)
    keys = season_keys(grid, grain)
    remove, seasonality = seasonal_plan(grain, n_pre)
    if remove:
        seasonality = (
            f"Seasonal pattern included: the line was fitted with each {SEASON_NAME[grain]}'s usual "
            "level, so the projection keeps the seasons."
        )
    pre_levels = np.unique(keys[before & has])
    if remove and not set(np.unique(keys[after & has])) <= set(pre_levels):
        remove = False
        seasonality = "Seasonal pattern not removed: some seasons after the start never occur before it."
    columns = [np.ones(len(grid)), t]
    if remove:
        columns += [(keys == level).astype(float) for level in pre_levels[1:]]
    design = np.column_stack(columns)

    fit_rows = before & has
    fit = sm.OLS(values[fit_rows], design[fit_rows]).fit()
    alpha = 1 - confidence
    prediction = fit.get_prediction(design).summary_frame(alpha=alpha)
    projected = prediction["mean"].to_numpy()

    gap_rows = after & has
    m = int(gap_rows.sum())
    actual_after = float(values[gap_rows].mean())
    projected_after = float(projected[gap_rows].mean())
    gap = actual_after - projected_after
    x_bar = design[gap_rows].mean(axis=0)
    variance = float(x_bar @ fit.cov_params() @ x_bar) + float(fit.scale) / m
    se = np.sqrt(variance)
    dof = fit.df_resid
    if dof >= 1 and se > 0:
        q = stats.t.ppf(1 - alpha / 2, dof)
        low, high = gap - q * se, gap + q * se
        pvalue = float(2 * stats.t.sf(abs(gap / se), dof))
    else:
        low = high = pvalue = None

    points = []
    for i, stamp in enumerate(grid):
        phase = "after" if after[i] else "before" if before[i] else "start"
        points.append(ProjectionPoint(
            period=stamp.date().isoformat(),
            phase=phase,
            actual=finite(values[i]),
            projected=finite(projected[i]),
            low=finite(prediction["obs_ci_lower"].iloc[i]) if after[i] else None,
            high=finite(prediction["obs_ci_upper"].iloc[i]) if after[i] else None,
        ))

    result = dict(
        status=OK, **base, periods_before=n_pre, periods_after=n_post,
        seasonality_removed=remove, seasonality=seasonality,
        slope_per_year=float(fit.params[1]) * PERIODS_PER_YEAR[grain],
        actual_after=actual_after, projected_after=projected_after, average_gap=gap,
        gap_ci_low=low, gap_ci_high=high,
        average_gap_pct=gap / abs(projected_after) * 100 if projected_after != 0 else None,
        p_value=pvalue, significant=None if low is None else bool(low > 0 or high < 0),
        points=tuple(points),
        method=METHOD.format(season=" and season" if remove else "") + (
            f"; {confidence:.0%} interval for the average gap from the fit's parameter "
            f"covariance plus the actual values' noise, Student's t with {dof:.0f} degrees of freedom"
        ),
    )
    return PilotProjection(explanation=_explain(result), **result)


def _empty(status: str, base: dict, n_pre: int, n_post: int, text: str) -> PilotProjection:
    return PilotProjection(
        status=status, **base, periods_before=n_pre, periods_after=n_post,
        seasonality_removed=False, seasonality="Not applicable.", slope_per_year=None,
        actual_after=None, projected_after=None, average_gap=None, gap_ci_low=None,
        gap_ci_high=None, average_gap_pct=None, p_value=None, significant=None, points=(),
        method=METHOD.format(season=""), explanation=text,
    )


def _explain(r: dict) -> str:
    unit = f"{r['unit']} per person" if r["per_head"] else r["unit"]
    per = f"per {r['grain']}"
    level = f"{r['confidence']:.0%}"
    text = (
        f"Had the pilot group kept to its trend from before {r['start']} "
        f"({with_unit(r['slope_per_year'], unit, signed=True)} per year), it would have averaged "
        f"{with_unit(r['projected_after'], unit)} {per} afterwards; it actually averaged "
        f"{with_unit(r['actual_after'], unit)}. The gap is {with_unit(r['average_gap'], unit, signed=True)} "
        f"{per} ({fmt_pct(r['average_gap_pct'])} of the projected level)"
    )
    if r["gap_ci_low"] is None:
        text += "; there is too little data for a confidence interval."
    else:
        text += (
            f", {level} confidence interval {fmt(r['gap_ci_low'], signed=True)} to "
            f"{fmt(r['gap_ci_high'], signed=True)} ({fmt_p(r['p_value'])}). "
        )
        text += ("The interval excludes zero." if r["significant"]
                 else "The interval includes zero, so the pilot may simply have followed its old trend.")
    text += " " + r["seasonality"]
    text += (" This assumes the earlier trend would have continued, and counts anything else that changed at "
             "the same time.")
    return text


# -- do the two methods agree? ----------------------------------------------------------------


@dataclass(frozen=True)
class MethodAgreement:
    verdict: str             # agree: clear effect | agree: no clear effect | same direction, different certainty
                             # | opposite directions | cannot compare
    agree: bool | None       # both clear and in the same direction, or both not clear
    same_sign: bool | None
    same_significance: bool | None
    did_estimate: float | None
    did_significant: bool | None
    projection_estimate: float | None
    projection_significant: bool | None
    explanation: str

    def to_dict(self) -> dict:
        return jsonable(self)


def compare_methods(did, projection: PilotProjection) -> MethodAgreement:
    """Whether the difference-in-differences and the projection agree in sign and significance."""
    d, g = getattr(did, "did", None), projection.average_gap
    d_sig, g_sig = getattr(did, "significant", None), projection.significant
    if d is None or g is None or d_sig is None or g_sig is None:
        return MethodAgreement(
            "cannot compare", None, None, None, d, d_sig, g, g_sig,
            "The two methods cannot be compared: at least one has no estimate with a confidence interval.",
        )
    same_sign = bool(np.sign(d) == np.sign(g))
    same_significance = d_sig == g_sig
    direction = "a decrease" if d < 0 else "an increase"
    if same_sign and d_sig and g_sig:
        verdict = "agree: clear effect"
        text = (f"Both methods find {direction} that chance alone is unlikely to explain: the comparison "
                "with the rest of the organisation and the projection of the pilot's own trend.")
    elif not d_sig and not g_sig:
        verdict = "agree: no clear effect"
        text = "Neither method finds a change that stands out from chance."
    elif same_sign:
        verdict = "same direction, different certainty"
        strong = "comparison with the rest" if d_sig else "projection of the pilot's own trend"
        text = (f"Both methods point to {direction}, but only the {strong} is clear of chance; "
                "treat the effect as likely in direction but uncertain in size.")
    else:
        verdict = "opposite directions"
        text = ("The methods point in opposite directions, so neither result should be presented as "
                "an effect of the programme.")
    agree = (same_sign and d_sig and g_sig) or (not d_sig and not g_sig)
    return MethodAgreement(verdict, bool(agree), same_sign, same_significance,
                           d, d_sig, g, g_sig, text)


__all__ = ["MethodAgreement", "PilotProjection", "ProjectionPoint", "compare_methods", "project_pilot"]
