"""Did the pilot group change more than everyone else? A difference-in-differences comparison.

The pilot's change from before to after its start is compared with the change in the rest of
the organisation over the same periods: whatever moved both groups (seasons, a hiring freeze,
a budget cut) cancels out, and what is left is the pilot's extra change.

Estimation: on the period-level panel (one row per group per period), OLS of the value on
pilot, after-start and pilot × after-start; the interaction coefficient is the
difference-in-differences. Its standard error is Driscoll–Kraay (statsmodels 'hac-groupsum'):
heteroskedasticity- and autocorrelation-robust with a small number of lags, and robust to the
two groups sharing the same shocks in the same period. The interval uses Student's t with one
degree of freedom per period less two, because two groups observed in T periods carry only T
independent differences. Only periods in which both groups have a value are used, so the
means, the DiD and the regression describe the same periods.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from lookdown.analysis.series import (
    NO_POST,
    NO_PRE,
    OK,
    SUPPRESSED,
    TOO_FEW,
    as_series,
    grid_positions,
    infer_grain,
    newey_west_lags,
    step,
    suppressed_count,
)
from lookdown.formats import finite, fmt, fmt_p, fmt_pct, fmt_period, jsonable, with_unit

if TYPE_CHECKING:
    from lookdown.analysis.projection import MethodAgreement, PilotProjection
    from lookdown.measures import MeasureResult

MIN_PERIODS_EACH_SIDE = 3
MIN_PERIODS_PARALLEL_CHECK = 4

LIMITATIONS = (
    "Self-selection: groups chosen for, or volunteering for, a pilot often differ from the rest "
    "in ways that also change the measure.",
    "Other changes at the same time (a new manager, a reorganisation, a policy or budget change "
    "that touched only the pilot group) show up here as if the programme caused them.",
    "It is one method. Read it next to the projection of the pilot's own earlier trend; a "
    "finding both methods agree on is more trustworthy.",
)


@dataclass(frozen=True)
class ParallelTrends:
    """Did the pilot−rest gap already drift before the start? (A drift biases the DiD.)"""

    tested: bool
    passed: bool | None
    p_value: float | None
    gap_slope_per_period: float | None
    periods: int
    note: str

    def to_dict(self) -> dict:
        return jsonable(self)


@dataclass(frozen=True)
class PilotComparison:
    status: str                     # ok | no pre-period | no post-period | too few periods | suppressed
    unit: str
    per_head: bool
    start: str
    grain: str | None
    confidence: float
    pilot_before: float | None      # mean per period, in the unit (per person when per_head)
    pilot_after: float | None
    rest_before: float | None
    rest_after: float | None
    pilot_change_pct: float | None
    rest_change_pct: float | None
    did: float | None               # difference-in-differences in the unit
    did_ci_low: float | None
    did_ci_high: float | None
    did_pct_points: float | None    # the DiD in percentage points of the pilot's baseline
    ci_low: float | None            # confidence interval of did_pct_points
    ci_high: float | None
    p_value: float | None
    significant: bool | None
    periods_before: int
    periods_after: int
    periods_dropped: int            # periods where only one group had a value
    suppressed_cells: int
    transition_period: str | None   # the period the start falls inside, left out
    maxlags: int | None
    method: str
    parallel_trends: ParallelTrends
    limitations: tuple[str, ...]
    explanation: str

    def to_dict(self) -> dict:
        return jsonable(self)


def _pct_change(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return (after - before) / abs(before) * 100


def compare_pilot(
    pilot,
    rest,
    *,
    start: date,
    per_head: bool,
    unit: str,
    grain: str | None = None,
    confidence: float = 0.95,
    maxlags: int | None = None,
) -> PilotComparison:
    """Difference-in-differences of a pilot group against the rest of the organisation.

    `pilot` and `rest` are frames with period, value and (for per_head) people, and optionally
    suppressed; or plain period series when per_head is False. When the start falls inside a
    period, that period is left out of both sides.
    """
    p = as_series(pilot, per_head=per_head)
    r = as_series(rest, per_head=per_head)
    suppressed = suppressed_count(pilot) + suppressed_count(rest)
    start_ts = pd.Timestamp(start)
    periods = p.index.union(r.index)
    if grain is None:
        grain = infer_grain(periods) if len(periods) >= 2 else None

    after_mask = periods >= start_ts
    if grain is not None:
        before_mask = np.array([(stamp + step(grain)) <= start_ts for stamp in periods])
    else:
        before_mask = periods < start_ts
    transition = periods[~after_mask & ~before_mask]
    p_all, r_all = p.reindex(periods), r.reindex(periods)
    both = (p_all.notna() & r_all.notna()).to_numpy()
    used = after_mask | before_mask
    dropped = int((used & ~both & (p_all.notna() | r_all.notna()).to_numpy()).sum())

    pre = both & before_mask
    post = both & after_mask
    n_pre, n_post = int(pre.sum()), int(post.sum())
    unit_words = f"{unit} per person" if per_head else unit
    empty = dict(
        unit=unit, per_head=per_head, start=start_ts.date().isoformat(), grain=grain,
        confidence=confidence, periods_before=n_pre, periods_after=n_post,
        periods_dropped=dropped, suppressed_cells=suppressed,
        transition_period=fmt_period(transition[0], grain) if len(transition) and grain else None,
        limitations=LIMITATIONS,
    )
    no_estimate = dict(
        pilot_before=None, pilot_after=None, rest_before=None, rest_after=None,
        pilot_change_pct=None, rest_change_pct=None, did=None, did_ci_low=None,
        did_ci_high=None, did_pct_points=None, ci_low=None, ci_high=None, p_value=None,
        significant=None, maxlags=None, method=_method(None, None, confidence),
    )

    if p.notna().sum() == 0:
        status = SUPPRESSED if suppressed_count(pilot) else NO_PRE
        text = (
            "No comparison: every value of the pilot group is hidden because the group is smaller "
            "than the minimum group size, or there is no data for it."
            if status == SUPPRESSED else "No comparison: the pilot group has no data."
        )
        return PilotComparison(status=status, **empty, **no_estimate,
                               parallel_trends=_untested(0, "No data before the start."),
                               explanation=text)
    if n_pre == 0 or n_post == 0:
        status = NO_PRE if n_pre == 0 else NO_POST
        text = (
            f"No comparison: there are no periods before {start_ts.date()} with values for both "
            "groups, so there is no baseline to compare against. Load earlier data, or use a "
            "later start."
            if status == NO_PRE else
            f"No comparison yet: there are no periods from {start_ts.date()} on with values for both "
            "groups."
        )
        return PilotComparison(status=status, **empty, **no_estimate,
                               parallel_trends=_untested(n_pre, "Not enough periods before the start."),
                               explanation=text + _suppressed_note(suppressed))

    pb, pa = float(p_all[pre].mean()), float(p_all[post].mean())
    rb, ra = float(r_all[pre].mean()), float(r_all[post].mean())
    did = (pa - pb) - (ra - rb)
    did_pp = did / abs(pb) * 100 if pb != 0 else None
    means = dict(
        pilot_before=pb, pilot_after=pa, rest_before=rb, rest_after=ra,
        pilot_change_pct=_pct_change(pb, pa), rest_change_pct=_pct_change(rb, ra), did=did,
        did_pct_points=did_pp,
    )
    parallel = parallel_trends_check(
        p_all[pre], r_all[pre], grain=grain, confidence=confidence,
    )

    if n_pre < MIN_PERIODS_EACH_SIDE or n_post < MIN_PERIODS_EACH_SIDE:
        result = dict(
            status=TOO_FEW, **empty, **means, did_ci_low=None, did_ci_high=None, ci_low=None,
            ci_high=None, p_value=None, significant=None, maxlags=None,
            method=_method(None, None, confidence), parallel_trends=parallel,
        )
        return PilotComparison(explanation=_explain(result, unit_words), **result)

    common = periods[both & used]
    post_flag = np.asarray(common >= start_ts, dtype=float)
    fit, lags = did_regression(
        p_all.reindex(common).to_numpy(), r_all.reindex(common).to_numpy(), post_flag, maxlags=maxlags,
    )
    se = float(np.sqrt(max(float(fit.cov_params()[3, 3]), 0.0)))
    dof = len(common) - 2
    q = stats.t.ppf(0.5 + confidence / 2, dof)
    estimate = float(fit.params[3])
    low, high = estimate - q * se, estimate + q * se
    pvalue = float(2 * stats.t.sf(abs(estimate / se), dof)) if se > 0 else None
    scale = 100 / abs(pb) if pb != 0 else None
    result = dict(
        status=OK, **empty, **means, did_ci_low=low, did_ci_high=high,
        ci_low=None if scale is None else low * scale,
        ci_high=None if scale is None else high * scale,
        p_value=pvalue, significant=None if pvalue is None else bool(low > 0 or high < 0),
        maxlags=lags, method=_method(lags, dof, confidence), parallel_trends=parallel,
    )
    result["did"] = estimate
    return PilotComparison(explanation=_explain(result, unit_words), **result)


def did_regression(pilot_values, rest_values, post, *, maxlags: int | None = None):
    """OLS of value on [1, pilot, post, pilot×post] over the stacked panel (pilot rows, then
    rest rows, same periods in the same order), with Driscoll–Kraay standard errors.

    Returns the statsmodels result and the number of lags used.
    """
    pilot_values = np.asarray(pilot_values, dtype=float)
    rest_values = np.asarray(rest_values, dtype=float)
    post = np.asarray(post, dtype=float)
    n = len(post)
    lags = newey_west_lags(n) if maxlags is None else int(maxlags)
    y = np.concatenate([pilot_values, rest_values])
    group = np.concatenate([np.ones(n), np.zeros(n)])
    after = np.concatenate([post, post])
    design = np.column_stack([np.ones(2 * n), group, after, group * after])
    time = np.concatenate([np.arange(n), np.arange(n)])
    fit = sm.OLS(y, design).fit(
        cov_type="hac-groupsum",
        cov_kwds={"time": time, "maxlags": lags, "use_correction": "hac", "df_correction": False},
    )
    return fit, lags


def parallel_trends_check(pilot_pre: pd.Series, rest_pre: pd.Series, *, grain: str | None,
                          confidence: float = 0.95) -> ParallelTrends:
    """Test whether the pilot−rest gap had a slope before the start (OLS on time, HAC errors).

    Passing means no drift was detected, which is necessary for the DiD but does not prove the
    groups would have moved together afterwards.
    """
    gap = (pilot_pre - rest_pre).dropna()
    n = len(gap)
    if n < MIN_PERIODS_PARALLEL_CHECK:
        return _untested(n, f"Not checked: {n} period(s) before the start; at least "
                            f"{MIN_PERIODS_PARALLEL_CHECK} are needed.")
    if grain is not None:
        time = grid_positions(gap.index, grain).astype(float)
    else:
        time = np.arange(n, dtype=float)
    values = gap.to_numpy(dtype=float)
    if np.ptp(values) <= 1e-12 * max(1.0, abs(values.mean())):
        return ParallelTrends(True, True, 1.0, 0.0, n,
                              "The gap between the groups was constant before the start.")
    lags = newey_west_lags(n)
    fit = sm.OLS(values, sm.add_constant(time)).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True},
    )
    slope, se = float(fit.params[1]), float(fit.bse[1])
    pvalue = float(2 * stats.t.sf(abs(slope / se), n - 2)) if se > 0 else 0.0
    passed = pvalue >= 1 - confidence
    per = f"per {grain}" if grain else "per period"
    if passed:
        note = (
            f"Before the start the gap between the groups did not drift measurably ({fmt_p(pvalue)}). "
            "This is needed for the comparison to be fair, but it does not prove the groups would "
            "have kept moving together."
        )
        if n < 8:
            note += f" With only {n} periods before the start, the check could miss a real drift."
    else:
        note = (
            f"Before the start the gap between the groups was already changing by {fmt(slope, signed=True)} "
            f"{per} ({fmt_p(pvalue)}): the groups were on different paths, so the comparison is "
            "probably biased. Give more weight to the projection of the pilot's own trend."
        )
    return ParallelTrends(True, passed, pvalue, slope, n, note)


def _untested(n: int, note: str) -> ParallelTrends:
    return ParallelTrends(False, None, None, None, n, note)


def _method(lags: int | None, dof: int | None, confidence: float) -> str:
    text = "difference-in-differences (OLS with a pilot × after-start interaction)"
    if lags is None:
        return text + "; no confidence interval (too few periods)"
    return (
        f"{text}; {confidence:.0%} confidence interval from Driscoll–Kraay (HAC) standard errors "
        f"with {lags} lag(s) and Student's t with {dof} degrees of freedom"
    )


def _suppressed_note(suppressed: int) -> str:
    if not suppressed:
        return ""
    return (
        f" {suppressed} cell(s) were hidden because they describe fewer people than the minimum "
        "group size; they are left out, not counted as zero."
    )


def _explain(r: dict, unit_words: str) -> str:
    per = f"per {r['grain']}" if r["grain"] else "per period"
    level = f"{r['confidence']:.0%}"
    parts = [
        f"Before {r['start']} the pilot averaged {with_unit(r['pilot_before'], unit_words)} {per} and "
        f"the rest {with_unit(r['rest_before'], unit_words)}; from then on, "
        f"{with_unit(r['pilot_after'], unit_words)} and {with_unit(r['rest_after'], unit_words)}. "
        f"The pilot changed by {fmt_pct(r['pilot_change_pct'])}, the rest by {fmt_pct(r['rest_change_pct'])}.",
    ]
    pp = "" if r["did_pct_points"] is None else (
        f" ({fmt(r['did_pct_points'], signed=True)} percentage points of the pilot's starting level)"
    )
    parts.append(
        f"Beyond what changed for everyone, the pilot changed by "
        f"{with_unit(r['did'], unit_words, signed=True)} {per}{pp}."
    )
    if r["status"] == TOO_FEW:
        parts.append(
            f"This rests on {r['periods_before']} period(s) before and {r['periods_after']} after; at "
            f"least {MIN_PERIODS_EACH_SIDE} on each side are needed for a confidence interval, so "
            "treat it as a first look, not a finding."
        )
    else:
        interval = (
            f"{level} confidence interval {fmt(r['did_ci_low'], signed=True)} to "
            f"{fmt(r['did_ci_high'], signed=True)} {unit_words}"
        )
        if r["ci_low"] is not None:
            interval += f" ({fmt(r['ci_low'], signed=True)} to {fmt(r['ci_high'], signed=True)} points)"
        if r["significant"]:
            parts.append(f"The {interval} excludes zero, so chance alone is an unlikely explanation.")
        else:
            parts.append(f"The {interval} includes zero, so this could be chance.")
    parts.append(r["parallel_trends"].note)
    if r["transition_period"]:
        parts.append(f"The period {r['transition_period']}, in which the pilot started, is left out.")
    if r["periods_dropped"]:
        parts.append(f"{r['periods_dropped']} period(s) with a value for only one group are left out.")
    parts.append(
        "What this does not show: that the programme caused the difference. Groups chosen for a "
        "pilot can differ from the rest, and anything else that changed for them at the same time "
        "is included. It is one method among several."
    )
    return " ".join(parts) + _suppressed_note(r["suppressed_cells"])


# -- building the groups from a cohort-segmented measure result --------------------------------


def pilot_and_rest(result, cohort: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pilot cohort's rows and the 'Rest' rows of a measure result computed with by='cohort'.

    With several cohorts in the result, name the one to compare; the others are left out (the
    rest stays the people in no cohort).
    """
    by = getattr(result, "by", "cohort")
    if by != "cohort":
        raise ValueError(f"Compare a pilot with a result segmented by cohort, not by '{by}'.")
    frame = getattr(result, "frame", result)
    segments = [s for s in pd.unique(frame["segment"]) if s != "Rest"]
    if cohort is None:
        if not segments:
            raise ValueError("The result holds no pilot cohort, only 'Rest'. Load a cohorts file first.")
        if len(segments) > 1:
            raise ValueError(f"Several cohorts in the result ({', '.join(map(str, segments))}); choose one.")
        cohort = segments[0]
    elif cohort not in segments:
        raise ValueError(f"No cohort named '{cohort}'. Cohorts: {', '.join(map(str, segments)) or 'none'}")
    columns = [c for c in ("period", "segment", "value", "people", "suppressed") if c in frame.columns]
    pilot = frame.loc[frame["segment"] == cohort, columns].reset_index(drop=True)
    rest = frame.loc[frame["segment"] == "Rest", columns].reset_index(drop=True)
    return pilot, rest


@dataclass(frozen=True)
class CohortComparison:
    """A pilot against the rest by two methods: difference-in-differences and projection."""

    cohort: str
    start: date
    result: MeasureResult  # the guarded result both groups come from
    did: PilotComparison
    projection: PilotProjection
    agreement: MethodAgreement

    def to_dict(self) -> dict:
        return {
            "measure": self.result.measure.name,
            "cohort": self.cohort,
            "cohort_start": self.start.isoformat(),
            "grain": self.result.grain,
            **self.did.to_dict(),
            "projection": self.projection.to_dict(),
            "methods_agree": self.agreement.to_dict(),
            "series": self.series(),
        }

    def series(self) -> list[dict]:
        """The figures compared, period by period: for the pilot and the rest, the value (per
        person when the comparison is per head), the group's size, and whether it was hidden."""
        frame = self.result.frame
        rows = []
        for group, segment in (("pilot", self.cohort), ("rest", "Rest")):
            part = frame[frame["segment"] == segment]
            values = as_series(part, per_head=self.did.per_head)
            for period, value, people, hidden in zip(part["period"], values.reindex(pd.to_datetime(part["period"])),
                                                     part["people"], part["suppressed"]):
                rows.append({"period": pd.Timestamp(period).date().isoformat(), "group": group,
                             "value": finite(value), "people": None if pd.isna(people) else int(people),
                             "suppressed": bool(hidden)})
        return sorted(rows, key=lambda row: (row["period"], row["group"]))


def compare_json(comparison: PilotComparison) -> dict:
    """The comparison as plain JSON (the CLI's `compare` output)."""
    return comparison.to_dict()


__all__ = [
    "CohortComparison",
    "ParallelTrends",
    "PilotComparison",
    "compare_json",
    "compare_pilot",
    "did_regression",
    "parallel_trends_check",
    "pilot_and_rest",
]
