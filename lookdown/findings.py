"""Findings: a measure through the engine (and so the privacy guard), then an analysis — the trend
of each segment, and a pilot against the rest of the organisation, for a cohort in the cohorts
file or for departments chosen on the spot.

The pages, the exports and the command line ask here, so they answer the same question the
same way: every figure comes from a guarded measure result, never from the raw tables.

A pilot chosen from departments is made of the department groups the privacy guard shows: each
department that was always at least the minimum group size, and "Smaller departments", the
others together (lookdown.measures.guard). A department inside that group can be chosen only
with the rest of it, so a pilot with and without a small department is never two groups that
could be subtracted. The measure is computed for these groups, the chosen ones are added up into
the pilot and every other one (including people whose department is unknown) into "Rest", and
the guard runs on the two (lookdown.measures.run_grouped). Adding departments up is only right
for counts and sums (measures filled with zero, compared per person): a rate or a median of two
departments is not the sum of theirs. Those measures can be compared only for cohorts loaded in
the cohorts table, where the measure's own SQL computes them for the whole group.
"""
from __future__ import annotations

from datetime import date

from lookdown.analysis.pilot import CohortComparison, compare_pilot, pilot_and_rest
from lookdown.analysis.projection import compare_methods, project_pilot
from lookdown.analysis.trend import TrendVerdict, trend_by_segment
from lookdown.measures import Grouping, Measure, MeasureResult, disclosure_plan, run_grouped, run_measure, segmentations
from lookdown.queries.cohorts import cohort_start, cohorts
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
    if cohort not in result.grouping.groups:
        raise ValueError(cohort_not_shown(result.grouping, cohort, result.min_group_size))
    pilot, rest = pilot_and_rest(result, cohort)
    heads = per_head(measure)
    did = compare_pilot(pilot, rest, start=started, per_head=heads, unit=measure.unit, grain=grain)
    projection = project_pilot(pilot, start=started, per_head=heads, unit=measure.unit, grain=grain)
    return CohortComparison(cohort, started, result, did, projection, compare_methods(did, projection))


def cohort_not_shown(grouping: Grouping, cohort: str, min_group_size: int) -> str:
    """Why a loaded cohort cannot be compared: the guard counts it in the rest of the organisation."""
    if cohort in grouping.small:
        why = f"it had fewer than {min_group_size} people at some point"
    elif grouping.overlap:
        why = ("beside the departments (or locations or job levels), its figures would let someone "
               f"work out figures about fewer than {min_group_size} people")
    else:
        why = f"it is shown together with cohorts that had fewer than {min_group_size} people"
    return f"The cohort '{cohort}' is not shown on its own but counted in the rest of the organisation: {why}."


# -- pilots made of departments ----------------------------------------------------------------

CHOSEN = "Chosen departments"
REST = "Rest"
UNKNOWN = "Unknown"  # the department of people missing from the people file

NOT_ADDITIVE = (
    "{label} is a rate or a median, and the rate of two departments is not the sum of theirs, so it "
    "cannot be built from departments here. Compare it for a pilot cohort loaded in the cohorts "
    "file, where it is computed for the whole group."
)


def can_combine(measure: Measure) -> bool:
    """Whether departments can be added up for this measure (counts and sums, compared per person)."""
    return per_head(measure)


def department_groups(db: Database, *, min_group_size: int | None = None) -> dict[str, tuple[str, ...]]:
    """The department groups a pilot can be made of, with the departments in each (and 'Unknown'
    when people missing from the people file are shown with them): the groups the privacy guard
    shows, except people missing from the people file on their own, who are in the rest."""
    grouping = disclosure_plan(db, min_group_size).grouping("department")
    return {group: grouping.members(group) for group in grouping.groups if group != grouping.unknown}


def chosen_groups(db: Database, chosen: list[str] | tuple[str, ...], *,
                  min_group_size: int | None = None) -> list[str]:
    """The department groups named by `chosen`: groups as shown ('Sales', 'Smaller departments'),
    or every department of the merged group by name. Refused, with the reason, otherwise."""
    groups = department_groups(db, min_group_size=min_group_size)
    members = {d: group for group, departments in groups.items() for d in departments if d != UNKNOWN}
    unknown = [name for name in chosen if name not in groups and name not in members]
    if unknown:
        raise ValueError(f"Unknown department(s): {', '.join(unknown)}. Departments: {', '.join(groups)}")
    picked = {name if name in groups else members[name] for name in chosen}
    for group in sorted(picked):
        named = [d for d in groups[group] if d in chosen]
        missing = [d for d in groups[group] if d not in chosen and d != UNKNOWN]
        if group not in chosen and missing:
            smallest = min_group_size or db.min_group_size
            raise ValueError(
                f"{', '.join(named)} can only be chosen together with {', '.join(missing)}, as '{group}': "
                f"departments that had fewer than {smallest} people are shown only together, so that "
                f"none of them can be worked out. Choose '{group}'.")
    return sorted(picked)


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
    """The measure for the chosen department groups together (`name`) and for everyone else
    ('Rest'), guarded like any result segmented by cohort."""
    if not can_combine(measure):
        raise ValueError(NOT_ADDITIVE.format(label=measure.label))
    if "department" not in segmentations(db):
        raise ValueError("No departments are loaded.")
    if not chosen:
        raise ValueError("Choose at least one department for the pilot group.")
    picked = chosen_groups(db, chosen, min_group_size=min_group_size)
    if set(picked) >= set(department_groups(db, min_group_size=min_group_size)):
        raise ValueError("Every department is in the pilot group, so there is no one left to compare with.")
    if name == REST:
        raise ValueError(f"The pilot group cannot be called '{REST}'.")
    return run_grouped(db, measure, dict.fromkeys(picked, name), others=REST, grain=grain,
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
