"""A pilot group defined on the spot from departments, compared with everyone else.

The cohorts table names the pilots an organisation has loaded. To ask "what if the pilot had been
Engineering and IT?", this module builds the same two groups from departments instead: the
measure is computed by department, the chosen departments' figures are added up into one group
and every other department's (including people whose department is unknown) into "Rest", and only
then does the privacy guard run, on the two groups. So a small department inside a large group
counts in full, yet no figure about fewer people than the minimum group size leaves this module.

Adding departments up is only right for counts and sums (measures filled with zero, compared per
person): a rate or a median of two departments is not the sum of theirs. Those measures can be
compared only for cohorts loaded in the cohorts table, where the measure's own SQL computes them
for the whole group.
"""
from __future__ import annotations

from datetime import date

from lookdown.analysis.pilot import compare_pilot, pilot_and_rest
from lookdown.analysis.projection import compare_methods, project_pilot
from lookdown.analysis.runs import CohortComparison, per_head
from lookdown.measures import Measure, MeasureResult, run_grouped, segmentations
from lookdown.store import Database

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


def departments(db: Database) -> list[str]:
    """The departments a group can be made of: every department segment the measures know."""
    rows = db.cursor().execute(
        "select distinct segment from department_segment_map where by_key = 'department' "
        "union select distinct segment from person_segment_map where by_key = 'department' "
        "order by 1"
    ).fetchall()
    return [str(segment) for (segment,) in rows if segment is not None and segment != "Unknown"]


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
    return run_grouped(db, measure, {department: name for department in chosen}, others=REST, grain=grain,
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


__all__ = ["CHOSEN", "REST", "can_combine", "compare_departments", "department_cohort_result", "departments"]
