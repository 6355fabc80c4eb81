"""Does the outcome move with the collaboration activity some periods earlier?

For each lag k = 0..max_lag, the outcome in period t is correlated with the driver in period
t − k (Pearson, and Spearman's rank correlation, which a few extreme periods cannot dominate),
over the periods where both have a value. The best lag is the one with the strongest Pearson
correlation; because several lags are tried, its p-value is also given Bonferroni-adjusted.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lookdown.analysis.series import as_series, infer_grain, regular_index
from lookdown.formats import finite, fmt, fmt_p, jsonable

MIN_OVERLAP = 12

CAVEAT = (
    "Correlation is not causation: two measures can move together because both follow something "
    "else (company growth, the seasons, a reorganisation), and any two measures that drift over "
    "time tend to correlate at every lag."
)


@dataclass(frozen=True)
class LagRow:
    lag: int
    n: int
    pearson_r: float | None
    pearson_p: float | None
    spearman_rho: float | None
    spearman_p: float | None

    def to_dict(self) -> dict:
        return jsonable(self)


@dataclass(frozen=True)
class LagCorrelation:
    grain: str
    max_lag: int
    rows: tuple[LagRow, ...]
    best_lag: int | None
    best_r: float | None
    best_p: float | None
    best_p_adjusted: float | None   # Bonferroni over the lags tested
    best_n: int | None
    enough_data: bool
    warning: str | None
    same_at_every_lag: bool         # a flat profile: the sign of two drifting series
    profile_note: str | None
    caveat: str
    explanation: str

    def to_dict(self) -> dict:
        return jsonable(self)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.to_dict() for r in self.rows])


def _correlate(kind, x: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        result = kind(x, y)
    return finite(result.statistic), finite(result.pvalue)


def lagged_correlation(
    driver,
    outcome,
    max_lag: int = 6,
    *,
    grain: str | None = None,
    min_overlap: int = MIN_OVERLAP,
) -> LagCorrelation:
    """Correlation of `outcome` with `driver` shifted 0..max_lag periods earlier.

    Both are period series or measure-result frames of one segment (hidden cells are missing).
    """
    if max_lag < 0:
        raise ValueError("max_lag must be 0 or more")
    x_series, y_series = as_series(driver), as_series(outcome)
    both = x_series.dropna().index.union(y_series.dropna().index)
    if grain is None:
        grain = infer_grain(both) if len(both) >= 2 else "month"
    if len(both):
        grid = regular_index(both.min(), both.max(), grain)
    else:
        grid = pd.DatetimeIndex([], name="period")
    x_full, y_full = x_series.reindex(grid), y_series.reindex(grid)

    rows = []
    for lag in range(max_lag + 1):
        shifted = x_full.shift(lag)
        mask = (shifted.notna() & y_full.notna()).to_numpy()
        x, y = shifted.to_numpy()[mask], y_full.to_numpy()[mask]
        r, p = _correlate(stats.pearsonr, x, y)
        rho, rho_p = _correlate(stats.spearmanr, x, y)
        rows.append(LagRow(lag, int(mask.sum()), r, p, rho, rho_p))

    tested = [row for row in rows if row.pearson_r is not None]
    best = max(tested, key=lambda row: (abs(row.pearson_r), -row.lag)) if tested else None
    max_n = max((row.n for row in rows), default=0)
    enough = best is not None and best.n >= min_overlap
    warning = None
    if not enough:
        overlap = best.n if best is not None else max_n
        warning = (
            f"Only {overlap} overlapping {grain}s; with fewer than {min_overlap}, correlations are "
            "unreliable and can appear or vanish with a single period."
        )
    strengths = [abs(row.pearson_r) for row in tested]
    flat = (
        len(tested) >= 3 and best is not None and abs(best.pearson_r) >= 0.3
        and min(strengths) >= 0.8 * max(strengths)
        and len({np.sign(row.pearson_r) for row in tested}) == 1
    )
    profile_note = (
        "The correlation is about as strong at every lag, which is what two series that both "
        "drift over time look like; the best lag is not meaningful and the link may be the drift "
        "alone. Compare the trends instead, or a pilot against the rest."
        if flat else None
    )
    adjusted = None if best is None or best.pearson_p is None else min(1.0, best.pearson_p * len(tested))
    result = dict(
        grain=grain, max_lag=max_lag, rows=tuple(rows),
        best_lag=None if best is None else best.lag,
        best_r=None if best is None else best.pearson_r,
        best_p=None if best is None else best.pearson_p,
        best_p_adjusted=adjusted, best_n=None if best is None else best.n,
        enough_data=enough, warning=warning, same_at_every_lag=flat, profile_note=profile_note,
        caveat=CAVEAT,
    )
    return LagCorrelation(explanation=_explain(result, len(tested)), **result)


def _explain(r: dict, tested: int) -> str:
    if r["best_lag"] is None:
        text = "No correlation could be computed: the two series overlap in too few periods or do not vary."
        return " ".join(filter(None, [text, r["warning"]]))
    lag, grain = r["best_lag"], r["grain"]
    when = "in the same " + grain if lag == 0 else f"{lag} {grain}{'s' if lag > 1 else ''} earlier"
    strength = abs(r["best_r"])
    words = "strongly" if strength >= 0.7 else "moderately" if strength >= 0.4 else "weakly"
    direction = "goes down when the driver goes up" if r["best_r"] < 0 else "goes up with the driver"
    clear = r["best_p_adjusted"] is not None and r["best_p_adjusted"] < 0.05
    text = (
        f"The outcome is most closely related to the driver {when}: it {words} {direction} "
        f"(r = {fmt(r['best_r'])}, {r['best_n']} periods). {tested} lags were tried, so the chance "
        f"of a match this strong by luck is judged with that in mind ({fmt_p(r['best_p_adjusted'])}, "
        f"adjusted): {'unlikely to be chance' if clear else 'it could be chance'}."
    )
    return " ".join(filter(None, [text, r["profile_note"], r["warning"], CAVEAT]))


__all__ = ["LagCorrelation", "LagRow", "lagged_correlation"]
