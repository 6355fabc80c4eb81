"""The analysis core: pure functions over guarded measure results, each returning a small frozen
result with a plain-language `explanation` and a `to_dict()` for JSON. Nothing here opens a
database or runs SQL (lookdown.findings runs the measures, then these).

- trend: is a measure shrinking, growing, or is there no clear trend?
- pilot: difference-in-differences of a pilot cohort against the rest of the organisation
- projection: the pilot's own earlier trend carried forward, and whether both methods agree
- lag: correlation of an outcome with a driver some periods earlier
- money: Phillips ROI from isolated effects and documented unit values
- pilot_value: what the pilot's isolated effects are worth
"""
from lookdown.analysis.lag import LagCorrelation, lagged_correlation
from lookdown.analysis.money import Assumptions, Benefit, RoiResult, benefit_from_comparison, roi
from lookdown.analysis.pilot import CohortComparison, PilotComparison, compare_json, compare_pilot, pilot_and_rest
from lookdown.analysis.projection import MethodAgreement, PilotProjection, compare_methods, project_pilot
from lookdown.analysis.trend import TrendVerdict, trend_by_segment, trend_json, trend_verdict

__all__ = [
    "Assumptions", "Benefit", "CohortComparison", "LagCorrelation", "MethodAgreement", "PilotComparison",
    "PilotProjection", "RoiResult", "TrendVerdict", "benefit_from_comparison",
    "compare_json", "compare_methods", "compare_pilot", "lagged_correlation",
    "pilot_and_rest", "project_pilot", "roi", "trend_by_segment", "trend_json", "trend_verdict",
]
