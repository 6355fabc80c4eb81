"""Trend and lagged-correlation verdicts that survive autocorrelation.

Monthly business series remember last month: a busy month tends to follow a busy month. The
textbook Mann–Kendall trend test and Pearson's correlation test assume the opposite (every
period independent), and on remembering series they claim trends and links that are not there.
This module corrects both, and says when the correction leaves too little to claim anything.

Trend: Mann–Kendall on the series prewhitened with its lag-1 autocorrelation (von Storch's
prewhitening), where the autocorrelation is estimated around the Theil–Sen trend, corrected for
its small-sample bias (Hamed 2009: (n·r + 1) / (n − 4)) and taken at its one-sided upper
confidence bound, because short series understate how much they remember — and never below
`PERSISTENCE_FLOOR`, because a slow drift under month-to-month noise barely shows in the lag-1
autocorrelation of 24–36 periods at all. When the bound reaches `STRONG_AUTOCORRELATION`, no
trend is claimed: a series that wanders like that draws "trends" by chance. Prewhitening is
preferred to "trend-free prewhitening" (which adds the estimated trend back and claims trends on
drifting noise) and to variance corrections built on the sample autocorrelations (too noisy at
24–36 periods). With two or more cycles of seasons, the seasonal Mann–Kendall test (Hirsch,
Slack & Smith 1982) is run on the prewhitened series, so each season is compared only with the
same season in other years; with only two cycles that leaves one comparison per season, so a
trend must be large to be shown.

Lagged correlation: Spearman's rank correlation between the outcome and the driver some periods
earlier (ranks, so one exceptional month cannot make a link on its own), with the effective
sample size of Bretherton et al. (1999), n·(1 − r₁ₓ·r₁ᵧ) / (1 + r₁ₓ·r₁ᵧ), so two smooth series
are not credited with more independent periods than they have. Series that drift or trend
(lag-1 autocorrelation at or above `CHANGES_ABOVE` once a straight line is taken out) are
compared by their period-to-period changes instead, because two independent drifting series
correlate at every lag. When each series' seasonal means are taken out, every estimated mean
costs one period: the effective sample shrinks by the factor (n − seasons) / n, which is exact
for independent periods. The best of several lags is judged with a Bonferroni adjustment.

Pure functions over numpy arrays; they return small frozen results with plain-language fields.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

SHRINKING, GROWING, NO_CLEAR_TREND = "shrinking", "growing", "no clear trend"
TOO_FEW, GAP, NO_CHANGE, NOISE, REMEMBERS = (
    "too few periods", "gap in the data", "no change", "too much noise",
    "too strongly autocorrelated",
)

STRONG_AUTOCORRELATION = 0.8
"""Upper bound of the lag-1 autocorrelation at which a trend claim is refused: the series wanders
too much for a direction to mean anything."""

PERSISTENCE_FLOOR = 0.7
"""The smallest autocorrelation a trend test prewhitens with. Random-walk drift under monthly
noise shows a lag-1 autocorrelation well below its real persistence; with less than this the
methods benchmark (bench/METHODS.md) finds prewhitened Mann–Kendall calling drifting
organisations shrinking or growing more than 6% of the time at 36 months."""

CHANGES_ABOVE = 0.3
"""Bias-corrected lag-1 autocorrelation (around a straight line) from which a series is treated
as drifting, and lagged correlations are computed on period-to-period changes."""


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
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
    if x is None or not math.isfinite(x):
        return "n/a"
    text = f"{x:+.3g}" if signed else f"{x:.3g}"
    return text.replace("-", "−")


def _p_words(p: float | None) -> str:
    if p is None:
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


# -- autocorrelation ---------------------------------------------------------------------------


def lag1_autocorrelation(residuals) -> float:
    """The sample lag-1 autocorrelation of a series (0 for a constant series)."""
    values = np.asarray(residuals, dtype=float)
    if len(values) < 3 or np.ptp(values) <= 1e-12 * max(1.0, float(np.abs(values).max())):
        return 0.0
    centred = values - values.mean()
    return float(centred[1:] @ centred[:-1] / (centred @ centred))


def bias_corrected_lag1(r1: float, n: int) -> float:
    """Hamed's (2009) correction of a lag-1 autocorrelation estimated around a fitted trend,
    which short series bias towards zero: (n·r₁ + 1) / (n − 4)."""
    if n <= 4:
        raise ValueError("The bias correction needs more than 4 periods.")
    return float(np.clip((n * r1 + 1) / (n - 4), -0.999, 0.999))


def autocorrelation_upper_bound(r1_corrected: float, n: int, confidence: float) -> float:
    """One-sided upper confidence bound of a lag-1 autocorrelation (normal approximation with
    variance (1 − ρ²)/n), kept within [0, 0.999]: the conservative value to correct with."""
    rho = min(max(r1_corrected, -0.999), 0.999)
    bound = rho + stats.norm.ppf(confidence) * math.sqrt((1 - rho * rho) / n)
    return float(np.clip(bound, 0.0, 0.999))


# -- trend -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendTest:
    """Is a series shrinking, growing, or is there no clear trend, with autocorrelation allowed for."""

    verdict: str                         # shrinking | growing | no clear trend
    reason: str | None                   # why no trend is claimed; None when one is
    periods: int
    confidence: float
    unit: str
    mean: float | None
    slope_per_year: float | None         # Theil–Sen (seasonal Theil–Sen when seasons are handled)
    slope_per_year_low: float | None     # widened for autocorrelation (Hamed–Rao factor at the value used)
    slope_per_year_high: float | None
    slope_pct_of_mean_per_year: float | None
    lag1_autocorrelation: float | None   # bias-corrected, around the trend
    # What the series was prewhitened with: its upper bound, at least PERSISTENCE_FLOOR.
    autocorrelation_used: float | None
    p_value: float | None                # Mann–Kendall on the prewhitened series
    seasonality_handled: bool
    method: str
    explanation: str

    def to_dict(self) -> dict:
        return _plain(self)


TREND_METHOD = (
    "Theil–Sen slope; Mann–Kendall test on the series prewhitened with the upper confidence bound "
    f"of its bias-corrected lag-1 autocorrelation (at least {PERSISTENCE_FLOOR:g})"
)
SEASONAL_TREND_METHOD = (
    "Seasonal Theil–Sen slope; seasonal Mann–Kendall test (each season against the same season in "
    "other years) on the series prewhitened with the upper confidence bound of its bias-corrected "
    f"lag-1 autocorrelation (at least {PERSISTENCE_FLOOR:g})"
)


def trend_test(
    values,
    *,
    season_keys=None,
    confidence: float = 0.95,
    min_periods: int = 8,
    periods_per_year: float = 12.0,
    unit: str = "",
) -> TrendTest:
    """The trend of a regular series (one value per period, oldest first).

    `season_keys` gives each period's season (e.g. its calendar month); seasons are handled
    only when every season occurs at least twice. A missing value (NaN) inside the series
    means no verdict: a trend drawn across a gap could mislead.
    """
    if not 0.5 < confidence < 1:
        raise ValueError("confidence must be between 0.5 and 1, e.g. 0.95")
    y = np.asarray(values, dtype=float)
    n = int(np.isfinite(y).sum())
    keys = None if season_keys is None else np.asarray(season_keys)
    if keys is not None and len(keys) != len(y):
        raise ValueError("season_keys must give one season per value.")
    seasonal = keys is not None and n == len(y) and bool(
        (np.unique(keys, return_counts=True)[1] >= 2).all())
    base = dict(periods=n, confidence=confidence, unit=unit,
                method=SEASONAL_TREND_METHOD if seasonal else TREND_METHOD, seasonality_handled=seasonal)
    empty = dict(mean=None, slope_per_year=None, slope_per_year_low=None, slope_per_year_high=None,
                 slope_pct_of_mean_per_year=None, lag1_autocorrelation=None, autocorrelation_used=None,
                 p_value=None)
    if n < max(min_periods, 6):
        return TrendTest(NO_CLEAR_TREND, TOO_FEW, **base, **empty, explanation=(
            f"Not enough data to judge a trend: {n} period(s) with a value, and at least "
            f"{max(min_periods, 6)} are needed."))
    if n < len(y):
        return TrendTest(NO_CLEAR_TREND, GAP, **base, **empty, explanation=(
            f"No verdict: {len(y) - n} period(s) inside the range have no value, and a trend drawn "
            "across a gap could mislead."))
    t = np.arange(n, dtype=float)
    mean = float(y.mean())
    scale = max(1.0, abs(mean))
    if np.ptp(y) <= 1e-12 * scale:
        return TrendTest(NO_CLEAR_TREND, NO_CHANGE, **base, **dict(empty, mean=mean, slope_per_year=0.0),
                         explanation=f"No trend: the value is the same in all {n} periods.")

    slope, pairwise = _sen_slope(t, y, keys if seasonal else None)
    residuals = y - slope * t
    if seasonal:
        for key in np.unique(keys):
            residuals[keys == key] -= residuals[keys == key].mean()
    else:
        residuals -= residuals.mean()
    r_corrected = bias_corrected_lag1(lag1_autocorrelation(residuals), n)
    r_bound = autocorrelation_upper_bound(r_corrected, n, confidence)
    r_used = max(r_bound, PERSISTENCE_FLOOR)

    whitened = y[1:] - r_used * y[:-1]
    whitened_keys = keys[1:] if seasonal else None
    s_stat, s_var = _mann_kendall(whitened, whitened_keys)
    if s_var <= 0 or s_stat == 0:
        p = 1.0
    elif seasonal:  # normal approximation with a continuity correction
        p = float(2 * stats.norm.sf((abs(s_stat) - 1) / math.sqrt(s_var)))
    else:  # Kendall's tau of the values against time is the Mann–Kendall test
        p = float(stats.kendalltau(t[1:], whitened).pvalue)
    inflation = _hamed_rao_factor(n, r_used)
    low, high = _sen_interval(pairwise, _mann_kendall(y, keys if seasonal else None)[1] * inflation,
                              confidence)
    alpha = 1 - confidence
    if r_bound >= STRONG_AUTOCORRELATION:
        verdict, reason = NO_CLEAR_TREND, REMEMBERS
    elif p <= alpha:
        verdict, reason = (GROWING if s_stat > 0 else SHRINKING), None
    else:
        verdict, reason = NO_CLEAR_TREND, NOISE
    result = dict(
        verdict=verdict, reason=reason, **base, mean=mean, slope_per_year=slope * periods_per_year,
        slope_per_year_low=low * periods_per_year, slope_per_year_high=high * periods_per_year,
        slope_pct_of_mean_per_year=slope * periods_per_year / abs(mean) * 100 if abs(mean) > 1e-12 else None,
        lag1_autocorrelation=r_corrected, autocorrelation_used=r_used, p_value=p,
    )
    return TrendTest(**result, explanation=_explain_trend(result))


def _sen_slope(t: np.ndarray, y: np.ndarray, keys) -> tuple[float, np.ndarray]:
    """The (seasonal) Theil–Sen slope and the sorted pairwise slopes it is the median of."""
    groups = [np.ones(len(y), bool)] if keys is None else [keys == k for k in np.unique(keys)]
    slopes = []
    for member in groups:
        ts, ys = t[member], y[member]
        i, j = np.triu_indices(len(ys), k=1)
        slopes.append((ys[j] - ys[i]) / (ts[j] - ts[i]))
    pairwise = np.sort(np.concatenate(slopes))
    return float(np.median(pairwise)), pairwise


def _mann_kendall(y: np.ndarray, keys) -> tuple[float, float]:
    """Mann–Kendall S and its variance with the tie correction; summed over seasons when `keys`
    is given (seasons treated as independent, as in the seasonal Kendall test)."""
    groups = [np.ones(len(y), bool)] if keys is None else [keys == k for k in np.unique(keys)]
    total, variance = 0.0, 0.0
    for member in groups:
        ys = y[member]
        m = len(ys)
        if m < 2:
            continue
        i, j = np.triu_indices(m, k=1)
        total += float(np.sign(ys[j] - ys[i]).sum())
        _, ties = np.unique(ys, return_counts=True)
        variance += (m * (m - 1) * (2 * m + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18
    return total, variance


def _hamed_rao_factor(n: int, rho: float) -> float:
    """Hamed & Rao's (1998) variance factor n/n* for Mann–Kendall S, evaluated with the rank
    autocorrelations of an AR(1) process at `rho` (not with noisy sample autocorrelations)."""
    lags = np.arange(1, n)
    rank_acf = 6 / np.pi * np.arcsin(rho ** lags / 2)
    weights = (n - lags) * (n - lags - 1) * (n - lags - 2)
    return float(1 + 2 / (n * (n - 1) * (n - 2)) * (weights * rank_acf).sum())


def _sen_interval(pairwise: np.ndarray, s_variance: float, confidence: float) -> tuple[float, float]:
    """The Theil–Sen slope's confidence interval by the rank rule of scipy.stats.theilslopes,
    with the given variance of S."""
    count = len(pairwise)
    spread = stats.norm.ppf(0.5 + confidence / 2) * math.sqrt(max(s_variance, 0.0))
    lower = min(max(int(np.round((count - spread) / 2)) - 1, 0), count - 1)
    upper = min(max(int(np.round((count + spread) / 2)), 0), count - 1)
    return float(pairwise[lower]), float(pairwise[upper])


def _explain_trend(r: dict) -> str:
    unit = f" {r['unit']}" if r["unit"] else ""
    per_year = f"{_num(r['slope_per_year'], signed=True)}{unit} per year"
    if r["slope_pct_of_mean_per_year"] is not None:
        per_year += f" ({_num(r['slope_pct_of_mean_per_year'], signed=True)}% of the average per year)"
    memory = (
        f"Each period can carry over part of the one before (lag-1 autocorrelation about "
        f"{_num(r['lag1_autocorrelation'])}); the test allows for up to {_num(r['autocorrelation_used'])}, "
        "because slow drifts hide in short series."
    )
    season = (" Seasons were allowed for: each period was compared only with the same season in "
              "other years.") if r["seasonality_handled"] else ""
    if r["reason"] == REMEMBERS:
        why = ("the series is too short to rule out" if r["lag1_autocorrelation"] < 0.5
               else "the series carries over so much from one period to the next that it cannot be told apart from")
        return (
            f"No trend claimed: over {r['periods']} periods the best estimate is {per_year}, but "
            f"{why} a series that merely wanders, and wandering series draw lines like this by "
            f"chance. {memory}{season}"
        )
    if r["reason"] == NOISE:
        return (
            f"No clear trend: over {r['periods']} periods the best estimate is {per_year}, but once "
            f"the carry-over from period to period is allowed for, a flat line fits about as well "
            f"({_p_words(r['p_value'])}). {memory}{season}"
        )
    direction = "Shrinking" if r["verdict"] == SHRINKING else "Growing"
    return (
        f"{direction}: about {per_year} over {r['periods']} periods (likely range "
        f"{_num(r['slope_per_year_low'], signed=True)} to {_num(r['slope_per_year_high'], signed=True)}"
        f"{unit} per year). A steady direction like this would rarely appear by chance, even allowing "
        f"for the carry-over from period to period ({_p_words(r['p_value'])}). {memory}{season}"
    )


# -- lagged correlation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LagRow:
    lag: int
    pairs: int
    correlation: float | None
    effective_pairs: float | None        # Bretherton's effective number of independent pairs
    p_value: float | None

    def to_dict(self) -> dict:
        return _plain(self)


@dataclass(frozen=True)
class LagTest:
    """Does the outcome move with the driver some periods earlier, allowing for autocorrelation?"""

    compared: str                        # "levels around their trends" | "period-to-period changes"
    seasonality_removed: bool
    rows: tuple[LagRow, ...]
    best_lag: int | None
    best_correlation: float | None
    best_p_adjusted: float | None        # Bonferroni over the lags tried
    unlikely_chance: bool
    enough_data: bool
    warning: str | None
    confidence: float
    method: str
    explanation: str

    def to_dict(self) -> dict:
        return _plain(self)


LAG_METHOD = (
    "Spearman rank correlation at each lag with Bretherton's effective number of independent "
    "pairs, Student's t, Bonferroni over the lags tried"
)


def lagged_correlation_test(
    driver,
    outcome,
    *,
    max_lag: int = 6,
    season_keys=None,
    confidence: float = 0.95,
    min_pairs: int = 12,
) -> LagTest:
    """Correlation of `outcome` with `driver` shifted 0..max_lag periods earlier.

    Both are regular series on the same periods (NaN where missing). With `season_keys` and
    every season seen at least twice, each series' seasonal pattern (its mean per season) is
    taken out first, so a shared calendar does not pass for a link.
    """
    if max_lag < 0:
        raise ValueError("max_lag must be 0 or more")
    x = np.asarray(driver, dtype=float).copy()
    y = np.asarray(outcome, dtype=float).copy()
    if len(x) != len(y):
        raise ValueError("driver and outcome must cover the same periods")
    removed, seasons = False, 0
    if season_keys is not None:
        keys = np.asarray(season_keys)
        if len(keys) != len(x):
            raise ValueError("season_keys must give one season per period.")
        counts_x = np.array([np.isfinite(x[keys == k]).sum() for k in np.unique(keys)])
        counts_y = np.array([np.isfinite(y[keys == k]).sum() for k in np.unique(keys)])
        if (counts_x >= 2).all() and (counts_y >= 2).all():
            for k in np.unique(keys):
                x[keys == k] -= np.nanmean(x[keys == k])
                y[keys == k] -= np.nanmean(y[keys == k])
            removed, seasons = True, len(np.unique(keys))

    kept = 1 - seasons / len(x)  # each season's mean taken out costs one period
    drifting = [name for name, series in (("driver", x), ("outcome", y)) if _drifts(series)]
    use_changes = bool(drifting)
    if use_changes:
        x, y = np.diff(x), np.diff(y)
    else:
        x, y = _detrended(x), _detrended(y)

    rows = []
    for lag in range(max_lag + 1):
        a = x[: len(x) - lag] if lag else x
        b = y[lag:]
        both = np.isfinite(a) & np.isfinite(b)
        rows.append(_lag_row(lag, a[both], b[both], kept))
    tested = [row for row in rows if row.p_value is not None]
    best = max(tested, key=lambda row: (abs(row.correlation), -row.lag)) if tested else None
    adjusted = None if best is None else min(1.0, best.p_value * len(tested))
    enough = best is not None and best.pairs >= min_pairs
    unlikely = bool(enough and adjusted is not None and adjusted <= 1 - confidence)
    warning = None
    if use_changes:
        warning = (
            f"The {' and the '.join(drifting)} drift{'s' if len(drifting) == 1 else ''} or trend"
            f"{'s' if len(drifting) == 1 else ''} over time, and any two drifting series correlate; so "
            "the changes from one period to the next were compared instead of the levels."
        )
    if best is not None and not enough:
        warning = " ".join(filter(None, [warning, (
            f"Only {best.pairs} overlapping periods; with fewer than {min_pairs}, a correlation can "
            "appear or vanish with a single period.")]))
    result = dict(
        compared="period-to-period changes" if use_changes else "levels around their trends",
        seasonality_removed=removed, rows=tuple(rows),
        best_lag=None if best is None else best.lag,
        best_correlation=None if best is None else best.correlation,
        best_p_adjusted=adjusted, unlikely_chance=unlikely, enough_data=enough, warning=warning,
        confidence=confidence, method=LAG_METHOD,
    )
    return LagTest(**result, explanation=_explain_lag(result, len(tested)))


def effective_pairs(a, b) -> float:
    """Bretherton et al.'s (1999) effective number of independent pairs for the correlation of
    two autocorrelated series: n·(1 − r₁ₐ·r₁ᵦ) / (1 + r₁ₐ·r₁ᵦ), kept between 3 and n."""
    n = len(a)
    product = lag1_autocorrelation(np.asarray(a) - np.mean(a)) * lag1_autocorrelation(np.asarray(b) - np.mean(b))
    return float(min(n, max(3.0, n * (1 - product) / (1 + product))))


def _drifts(series: np.ndarray) -> bool:
    values = series[np.isfinite(series)]
    if len(values) <= 5:
        return False
    return bias_corrected_lag1(lag1_autocorrelation(_detrended(values)), len(values)) >= CHANGES_ABOVE


def _detrended(series: np.ndarray) -> np.ndarray:
    """The series less its least-squares straight line (NaN stays NaN)."""
    out = np.full(len(series), np.nan)
    known = np.isfinite(series)
    if known.sum() < 3:
        return out
    t = np.flatnonzero(known).astype(float)
    fit = stats.linregress(t, series[known])
    out[known] = series[known] - (fit.intercept + fit.slope * t)
    return out


def _lag_row(lag: int, a: np.ndarray, b: np.ndarray, kept: float) -> LagRow:
    """Spearman's correlation of one lag, judged on `kept` × Bretherton's effective pairs."""
    n = len(a)
    if n < 4 or np.ptp(a) <= 0 or np.ptp(b) <= 0:
        return LagRow(lag, n, None, None, None)
    rank_a, rank_b = stats.rankdata(a), stats.rankdata(b)
    r = float(np.corrcoef(rank_a, rank_b)[0, 1])
    n_eff = effective_pairs(rank_a, rank_b) * kept
    dof = max(n_eff - 2, 1.0)
    t_stat = r * math.sqrt(dof / max(1 - r * r, 1e-12))
    return LagRow(lag, n, r, n_eff, float(2 * stats.t.sf(abs(t_stat), dof)))


def _explain_lag(r: dict, tested: int) -> str:
    if r["best_lag"] is None:
        return " ".join(filter(None, [
            "No correlation could be computed: the two series overlap in too few periods or do not vary.",
            r["warning"]]))
    lag = r["best_lag"]
    when = "in the same period" if lag == 0 else f"{lag} period{'s' if lag > 1 else ''} earlier"
    strength = abs(r["best_correlation"])
    words = "strongly" if strength >= 0.7 else "moderately" if strength >= 0.4 else "weakly"
    direction = "falls when the driver rises" if r["best_correlation"] < 0 else "rises with the driver"
    what = "Their changes from period to period" if r["compared"] == "period-to-period changes" else "The two series"
    verdict = "unlikely to be chance" if r["unlikely_chance"] else "it could be chance"
    text = (
        f"{what} line up best with the driver {when}: the outcome {words} {direction} "
        f"(r = {_num(r['best_correlation'])}). Neighbouring periods resemble each other, so the "
        f"periods count for fewer independent observations than there are, and {tested} lags were "
        f"tried; allowing for both ({_p_words(r['best_p_adjusted'])}): {verdict}."
    )
    if r["seasonality_removed"]:
        text += " Each series' usual seasonal pattern was taken out first."
    return " ".join(filter(None, [text, r["warning"],
                                  "Correlation is not causation: both may follow something else."]))


__all__ = [
    "CHANGES_ABOVE",
    "GROWING",
    "NO_CLEAR_TREND",
    "PERSISTENCE_FLOOR",
    "SHRINKING",
    "STRONG_AUTOCORRELATION",
    "LagRow",
    "LagTest",
    "TrendTest",
    "autocorrelation_upper_bound",
    "bias_corrected_lag1",
    "effective_pairs",
    "lag1_autocorrelation",
    "lagged_correlation_test",
    "trend_test",
]
