"""Findings: a measure through the engine (and so the privacy guard), then an analysis — the trend
of each segment, and a pilot against the rest of the organisation, for a cohort in the cohorts
file or for departments chosen on the spot.

The pages, the exports and the command line ask here, so they answer the same question the
same way: every figure comes from a guarded measure result, never from the raw tables.

A pilot chosen from departments: the measure is computed by department, the chosen departments'
figures are added up into one group and every other department's (including people whose
department is unknown) into "Rest", and only then does the privacy guard run, on the two groups
(lookdown.measures.run_grouped). So a small department inside a large group counts in full, yet
no figure about fewer people than the minimum group size leaves the engine. Adding departments
up is only right for counts and sums (measures filled with zero, compared per person): a rate or
a median of two departments is not the sum of theirs. Those measures can be compared only for
cohorts loaded in the cohorts table, where the measure's own SQL computes them for the whole group.
"""
from __future__ import annotations

from datetime import date

from lookdown.analysis.pilot import CohortComparison, compare_pilot, pilot_and_rest
from lookdown.analysis.projection import compare_methods, project_pilot
from lookdown.analysis.trend import TrendVerdict, trend_by_segment
from lookdown.measures import Measure, MeasureResult, run_grouped, run_measure, segmentations
from lookdown.queries.cohorts import cohort_start, cohorts, departments
from lookdown.store import Database


def per_head(measure: Measure) -> bool:
    """Counts and sums (filled with zero) are compared per person; rates and medians as they are."""
    return measure.fill == "zero" and measure.segmentable


def measure_trends(db: Database, measure: Measure, *, by: str = "none", grain: str = "month",
                   start: date | None = None, end: date | None = None) -> tuple[MeasureResult, dict[str, TrendVerdict]]:
    """A verdict (shrinking, growing, no clear trend) for every segment of a measure."""
    result = run_measure(db, measure, grain=grain, by=by, start=start, end=end)
    heads = per_head(measure) and by != "none"
    unit = f"{measure.unit} per person" if heads else measure.unit
    return result, trend_by_segment(result, unit=unit, per_head=heads)


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


# -- pilots made of departments ----------------------------------------------------------------

CHOSEN = "Chosen departments"
REST = "Rest"

NOT_ADDITIVE = (
    "{label} is a rate or a median, and the rate of two departments is not the sum of theirs, so it "
    "cannot be built from departments here. Compare it for a pilot cohort loaded in the cohorts "
    "file, where it is computed for the whole group."
)


def can_combine(measure: Measure) -> bool:
    """Whether departments can be added up for this measure (counts and sums, compared per person)."""
    return per_head(measure)


def department_cohort_result(
    db: Database,
    measure: Measure,
    chosen: list[str] | tuple[str, ...],
    *,
    grain: str = "month",
    start: date | None = None,
    end: date | None = None,
    min_group_size: int | None = None,
    name: str = CHOSEN,
) -> MeasureResult:
    """The measure for the chosen departments together (`name`) and for everyone else ('Rest'),
    guarded like any result segmented by cohort."""
    if not can_combine(measure):
        raise ValueError(NOT_ADDITIVE.format(label=measure.label))
    if "department" not in segmentations(db):
        raise ValueError("No departments are loaded.")
    chosen = sorted(set(chosen))
    if not chosen:
        raise ValueError("Choose at least one department for the pilot group.")
    known = departments(db)
    unknown = [d for d in chosen if d not in known]
    if unknown:
        raise ValueError(f"Unknown department(s): {', '.join(unknown)}. Departments: {', '.join(known)}")
    if set(chosen) >= set(known):
        raise ValueError("Every department is in the pilot group, so there is no one left to compare with.")
    if name == REST:
        raise ValueError(f"The pilot group cannot be called '{REST}'.")
    return run_grouped(db, measure, dict.fromkeys(chosen, name), others=REST, grain=grain,
                       start=start, end=end, min_group_size=min_group_size)


def compare_departments(
    db: Database,
    measure: Measure,
    chosen: list[str] | tuple[str, ...],
    *,
    start_on: date,
    grain: str = "month",
    start: date | None = None,
    end: date | None = None,
    name: str = CHOSEN,
) -> CohortComparison:
    """Difference-in-differences and projection for a pilot group made of `chosen` departments
    that started on `start_on`: the same two methods as for a loaded cohort."""
    result = department_cohort_result(db, measure, chosen, grain=grain, start=start, end=end, name=name)
    pilot, rest = pilot_and_rest(result, name)
    did = compare_pilot(pilot, rest, start=start_on, per_head=True, unit=measure.unit, grain=grain)
    projection = project_pilot(pilot, start=start_on, per_head=True, unit=measure.unit, grain=grain)
    return CohortComparison(name, start_on, result, did, projection, compare_methods(did, projection))
