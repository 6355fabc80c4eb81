"""Analyses run against the database: the glue between the measure engine and the pure methods.

The pages and the command line call these, so both answer the same question the same way:
every figure comes from a guarded measure result, never from the raw tables.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lookdown.analysis.pilot import PilotComparison, cohort_start, compare_pilot, pilot_and_rest
from lookdown.analysis.projection import MethodAgreement, PilotProjection, compare_methods, project_pilot
from lookdown.analysis.trend import TrendVerdict, trend_by_segment
from lookdown.measures import Measure, MeasureResult, run_measure
from lookdown.store import Database


def per_head(measure: Measure) -> bool:
    """Counts and sums (filled with zero) are compared per person; rates and medians as they are."""
    return measure.fill == "zero" and measure.segmentable


def cohorts(db: Database) -> list[tuple[str, date]]:
    """Every pilot cohort with its start date, earliest first."""
    return [tuple(row) for row in db.cursor().execute(
        "select cohort, min(started_on) from cohorts group by cohort order by 2, 1").fetchall()]


def measure_trends(db: Database, measure: Measure, *, by: str = "none", grain: str = "month",
                   start: date | None = None, end: date | None = None) -> tuple[MeasureResult, dict[str, TrendVerdict]]:
    """A verdict (shrinking, growing, no clear trend) for every segment of a measure."""
    result = run_measure(db, measure, grain=grain, by=by, start=start, end=end)
    heads = per_head(measure) and by != "none"
    unit = f"{measure.unit} per person" if heads else measure.unit
    return result, trend_by_segment(result, unit=unit, per_head=heads)


@dataclass(frozen=True)
class CohortComparison:
    """A pilot against the rest by two methods: difference-in-differences and projection."""

    cohort: str
    start: date
    result: MeasureResult
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
        }


def compare_cohort(db: Database, measure: Measure, *, cohort: str | None = None, grain: str = "month",
                   start_override: date | None = None, start: date | None = None,
                   end: date | None = None) -> CohortComparison:
    """Compare a pilot cohort with the rest of the organisation on one measure.

    The cohort's start date comes from the cohorts table unless `start_override` is given.
    `start` and `end` limit the periods compared (default: everything loaded).
    """
    known = cohorts(db)
    if not known:
        raise ValueError("No pilot cohort is loaded: add a cohorts.csv (cohort, department or person_id, "
                         "started_on).")
    if cohort is None:
        cohort = known[0][0]
    started = start_override or cohort_start(db, cohort)
    if started is None:
        raise ValueError(f"No cohort named '{cohort}'. Cohorts: {', '.join(name for name, _ in known)}")
    if not measure.segmentable:
        raise ValueError(f"{measure.label} is an organisation-wide figure: it cannot be compared by cohort.")
    result = run_measure(db, measure, grain=grain, by="cohort", start=start, end=end)
    pilot, rest = pilot_and_rest(result, cohort)
    heads = per_head(measure)
    did = compare_pilot(pilot, rest, start=started, per_head=heads, unit=measure.unit, grain=grain)
    projection = project_pilot(pilot, start=started, per_head=heads, unit=measure.unit, grain=grain)
    return CohortComparison(cohort, started, result, did, projection, compare_methods(did, projection))
