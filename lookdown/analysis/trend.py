"""Is a measure shrinking, growing, or is there no clear trend?

The slope is the Theil–Sen estimator (the median of the slopes between every pair of periods),
which a few unusual periods cannot drag around. Whether the trend is real is decided by the
Mann–Kendall test: its statistic S counts, over every pair of periods, whether the later value
is higher or lower, which is exactly Kendall's tau between the values and time; so the test is
run as `scipy.stats.kendalltau(time, values)` (tau-b, whose p-value carries the Mann–Kendall
variance with its correction for ties).

Seasons must not look like trends. With two full years of data (24 months, 8 quarters or 104
weeks), the seasonal Mann–Kendall test is used instead (Hirsch, Slack & Smith 1982): each
calendar month (quarter, week of the year) is compared only with the same season in other
years, the per-season statistics S are summed with their variances, and the slope is the
seasonal Theil–Sen slope (the median of the within-season pairwise slopes). This is preferred
to subtracting estimated seasonal means, which shrinks the noise and makes the test claim
trends too often. With less data, the result says seasonality was not removed.

Limits, stated in the docstring rather than hidden: the Mann–Kendall test assumes the periods
are independent once the trend is removed; strongly autocorrelated series (slow drifts) can
look more certain than they are.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from lookdown.analysis.series import as_series, complete, season_keys, seasonal_plan, suppressed_count
from lookdown.formats import finite, fmt, fmt_p, fmt_pct, fmt_period, jsonable, with_unit
from lookdown.periods import GRAIN_ADJECTIVE, PERIODS_PER_YEAR, check_grain

SHRINKING, GROWING, NO_CLEAR_TREND = "shrinking", "growing", "no clear trend"
TOO_FEW, GAP, NOISE, NO_CHANGE = "too few periods", "gap in the data", "too much noise", "no change"


@dataclass(frozen=True)
class TrendVerdict:
    verdict: str                     # shrinking | growing | no clear trend
    reason: str | None               # why there is no verdict; None when a trend is claimed
    grain: str
    unit: str
    confidence: float
    periods: int                     # periods with a value
    suppressed_cells: int            # values hidden to protect small groups (counted as missing)
    start: str | None
    end: str | None
    missing_periods: tuple[str, ...]  # periods inside the range without a value
    mean: float | None
    slope_per_period: float | None
    slope_per_year: float | None
    slope_per_year_low: float | None  # Theil–Sen confidence interval, per year
    slope_per_year_high: float | None
    slope_pct_of_mean_per_year: float | None
    kendall_tau: float | None
    p_value: float | None
    seasonality_removed: bool
    seasonality: str
    method: str
    explanation: str

    def to_dict(self) -> dict:
        return jsonable(self)


METHOD = (
    "Theil–Sen slope; Mann–Kendall trend test (Kendall's tau of the values against time)"
)


def trend_verdict(
    series,
    *,
    grain: str,
    unit: str,
    confidence: float = 0.95,
    min_periods: int = 8,
    segment: str | None = None,
    per_head: bool = False,
) -> TrendVerdict:
    """The trend of one period series (or one segment of a measure-result frame).

    Hidden (suppressed) cells count as missing. With `per_head`, a frame's value is divided by
    its people (so a growing group does not look like a growing measure). A trend is claimed
    only when there are at least `min_periods` periods with a value, no period inside the range
    is missing, and the Mann–Kendall p-value is below 1 − `confidence`.
    """
    check_grain(grain)
    if not 0.5 < confidence < 1:
        raise ValueError("confidence must be between 0.5 and 1, e.g. 0.95")
    hidden = suppressed_count(series if segment is None else _segment_rows(series, segment))
    full = complete(as_series(series, segment=segment, per_head=per_head), grain)
    observed = full.dropna()
    n = len(observed)
    adjective = GRAIN_ADJECTIVE[grain]
    base = dict(grain=grain, unit=unit, confidence=confidence, periods=n, method=METHOD,
                suppressed_cells=hidden)
    if n == 0:
        return TrendVerdict(
            verdict=NO_CLEAR_TREND, reason=TOO_FEW, start=None, end=None, missing_periods=(),
            mean=None, slope_per_period=None, slope_per_year=None, slope_per_year_low=None,
            slope_per_year_high=None, slope_pct_of_mean_per_year=None, kendall_tau=None,
            p_value=None, seasonality_removed=False, seasonality="No data, so nothing was adjusted.",
            explanation=(
                "No trend can be shown: every value of this group is hidden, either because it has "
                "fewer people than the minimum group size or to protect a smaller group that could "
                "otherwise be worked out from the total." if hidden else
                f"No data to judge a trend: there is no {adjective} value in this range."
            ),
            **base,
        )

    missing = tuple(fmt_period(p, grain) for p in full.index[full.isna()])
    t = np.flatnonzero(full.notna().to_numpy()).astype(float)
    y = observed.to_numpy(dtype=float)
    mean = float(y.mean())
    remove, seasonality = seasonal_plan(grain, n)
    keys = season_keys(observed.index, grain)

    per_year = PERIODS_PER_YEAR[grain]
    slope = low = high = tau = p = None
    scale = max(1.0, abs(mean))
    if remove:
        constant = all(float(np.ptp(y[keys == k])) <= 1e-9 * scale for k in np.unique(keys))
    else:
        constant = float(np.ptp(y)) <= 1e-9 * scale
    if constant:
        slope = low = high = 0.0
    elif remove:
        slope, low, high, tau, p = seasonal_mann_kendall(t, y, keys, confidence)
    elif n >= 3:
        fit = stats.theilslopes(y, t, alpha=confidence)
        slope, low, high = float(fit.slope), float(fit.low_slope), float(fit.high_slope)
        mk = stats.kendalltau(t, y)
        tau, p = finite(mk.statistic), finite(mk.pvalue)

    slope_year = None if slope is None else slope * per_year
    pct = None
    if slope_year is not None and abs(mean) > 1e-12:
        pct = slope_year / abs(mean) * 100

    if n < min_periods:
        verdict, reason = NO_CLEAR_TREND, TOO_FEW
    elif missing:
        verdict, reason = NO_CLEAR_TREND, GAP
    elif constant:
        verdict, reason = NO_CLEAR_TREND, NO_CHANGE
    elif p is None or p >= 1 - confidence:
        verdict, reason = NO_CLEAR_TREND, NOISE
    else:
        verdict, reason = (SHRINKING if tau < 0 else GROWING), None

    result = dict(
        verdict=verdict, reason=reason, start=fmt_period(full.index[0], grain),
        end=fmt_period(full.index[-1], grain), missing_periods=missing, mean=mean,
        slope_per_period=slope, slope_per_year=slope_year,
        slope_per_year_low=None if low is None else low * per_year,
        slope_per_year_high=None if high is None else high * per_year,
        slope_pct_of_mean_per_year=pct, kendall_tau=tau, p_value=p,
        seasonality_removed=remove, seasonality=seasonality, **base,
    )
    if remove:
        result["method"] = SEASONAL_METHOD
    words = dict(result, raw_constant=float(np.ptp(y)) <= 1e-9 * scale)
    text = _explain(words, min_periods)
    if hidden:
        text += (
            f" {hidden} value(s) are hidden to protect small groups (fewer people than the minimum "
            "group size, or a smaller group that could be worked out from the total); they count as "
            "missing, not as zero."
        )
    return TrendVerdict(explanation=text, **result)


SEASONAL_METHOD = (
    "Seasonal Theil–Sen slope; seasonal Mann–Kendall trend test (each season compared only with "
    "the same season in other years)"
)


def seasonal_mann_kendall(t: np.ndarray, y: np.ndarray, keys: np.ndarray, confidence: float):
    """Seasonal Mann–Kendall test and seasonal Theil–Sen slope with its confidence interval.

    S sums, within each season, the signs of every later-minus-earlier difference; its variance
    is the sum of the seasons' Mann–Kendall variances (with the correction for tied values).
    The p-value uses the normal approximation with a continuity correction, and the slope's
    interval follows the same rank rule as scipy.stats.theilslopes. Returns
    (slope, low, high, tau, p) per period; tau is S over the number of within-season pairs.
    """
    total_s, variance, slopes = 0.0, 0.0, []
    for key in np.unique(keys):
        in_season = keys == key
        ts, ys = t[in_season], y[in_season]
        order = np.argsort(ts)
        ts, ys = ts[order], ys[order]
        count = len(ys)
        if count < 2:
            continue
        i, j = np.triu_indices(count, k=1)
        total_s += float(np.sign(ys[j] - ys[i]).sum())
        _, ties = np.unique(ys, return_counts=True)
        variance += (count * (count - 1) * (2 * count + 5)
                     - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18
        slopes.append((ys[j] - ys[i]) / (ts[j] - ts[i]))
    if not slopes or variance <= 0:
        return None, None, None, None, None
    slopes = np.sort(np.concatenate(slopes))
    pairs = len(slopes)
    z = (total_s - np.sign(total_s)) / np.sqrt(variance)
    p = float(2 * stats.norm.sf(abs(z)))
    spread = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(variance)
    lower = max(int(np.round((pairs - spread) / 2)) - 1, 0)
    upper = min(int(np.round((pairs + spread) / 2)), pairs - 1)
    return float(np.median(slopes)), float(slopes[lower]), float(slopes[upper]), total_s / pairs, p


def _segment_rows(data, segment: str):
    frame = getattr(data, "frame", data)
    return frame[frame["segment"] == segment]


def _explain(r: dict, min_periods: int) -> str:
    grain, unit, n = r["grain"], r["unit"], r["periods"]
    adjective = GRAIN_ADJECTIVE[grain]
    level = f"{r['confidence']:.0%}"
    per_year = with_unit(r["slope_per_year"], unit, signed=True) + " per year"
    if r["slope_pct_of_mean_per_year"] is not None:
        per_year += f" ({fmt_pct(r['slope_pct_of_mean_per_year'])} of the average per year)"
    season = "" if not r["seasonality_removed"] else (
        " Seasons were allowed for: each period was compared only with the same time of year."
    )
    reason = r["reason"]
    if reason == TOO_FEW:
        return (
            f"Not enough data to judge a trend: {n} {adjective} value{'s' if n != 1 else ''}, "
            f"and at least {min_periods} are needed."
        )
    if reason == GAP:
        shown = ", ".join(r["missing_periods"][:6]) + (" …" if len(r["missing_periods"]) > 6 else "")
        return (
            f"No verdict: {len(r['missing_periods'])} period(s) inside {r['start']} to {r['end']} have "
            f"no value ({shown}), because the data was not loaded or the group was too small to "
            "show. A trend drawn across a gap could mislead, so none is claimed."
        )
    if reason == NO_CHANGE:
        if r["seasonality_removed"] and not r["raw_constant"]:
            return (
                f"No trend: once the usual seasonal pattern is taken out, the level is the same in "
                f"all {n} {adjective} periods."
            )
        return f"No trend: the value is the same in all {n} {adjective} periods."
    if reason == NOISE:
        return (
            f"No clear trend: over {n} {adjective} periods the values move up and down too much to "
            f"tell a direction at {level} confidence ({fmt_p(r['p_value'])}). The best estimate is "
            f"{per_year}, but a flat line fits the data about as well.{season}"
        )
    direction = "shrinking" if r["verdict"] == SHRINKING else "growing"
    if not r["seasonality_removed"]:
        season = (
            " Seasonality was not removed (less than two years of data), so part of this may be "
            "a seasonal pattern rather than a lasting trend."
        )
    return (
        f"{direction.capitalize()}: about {per_year}, from {r['start']} to {r['end']} ({n} {adjective} "
        f"periods; likely range {fmt(r['slope_per_year_low'], signed=True)} to "
        f"{fmt(r['slope_per_year_high'], signed=True)} per year). A steady pattern like this would "
        f"rarely appear by chance ({fmt_p(r['p_value'])}).{season}"
    )


def trend_by_segment(
    result,
    *,
    grain: str | None = None,
    unit: str | None = None,
    confidence: float = 0.95,
    min_periods: int = 8,
    per_head: bool = False,
) -> dict[str, TrendVerdict]:
    """A verdict for every segment of a measure result (or a frame with a segment column)."""
    frame = getattr(result, "frame", result)
    grain = grain or getattr(result, "grain", None)
    if grain is None:
        raise ValueError("Pass grain= when giving a plain frame.")
    if unit is None:
        measure = getattr(result, "measure", None)
        unit = measure.unit if measure is not None else ""
    if "segment" not in frame.columns:
        frame = frame.assign(segment="All")
    return {
        str(segment): trend_verdict(
            rows, grain=grain, unit=unit, confidence=confidence, min_periods=min_periods,
            per_head=per_head,
        )
        for segment, rows in frame.groupby("segment", sort=True)
    }


def trend_json(verdicts: dict[str, TrendVerdict]) -> dict:
    """`trend_by_segment` output as plain JSON: {segment: verdict dict}."""
    return {segment: verdict.to_dict() for segment, verdict in verdicts.items()}


__all__ = ["TrendVerdict", "trend_by_segment", "trend_json", "trend_verdict"]
