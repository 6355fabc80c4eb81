"""The pilot cohorts loaded: the reads that are not measures (which cohorts there are, and when
each started). What a pilot of departments can be made of is the privacy guard's to say
(lookdown.findings.department_groups)."""
from __future__ import annotations

from datetime import date

from lookdown.store import Database

COHORT_STARTS_SQL = "select cohort, min(started_on) as started_on from cohorts group by cohort order by 2, 1"


def cohorts(db: Database) -> list[tuple[str, date]]:
    """Every pilot cohort with its start date, earliest first."""
    return [tuple(row) for row in db.cursor().execute(COHORT_STARTS_SQL).fetchall()]


def cohort_start(db: Database, cohort: str) -> date | None:
    """When a cohort's pilot started (its earliest start date in the cohorts table)."""
    row = db.cursor().execute(
        "select min(started_on) from cohorts where cohort = $cohort", {"cohort": cohort}
    ).fetchone()
    return row[0] if row else None


def cohort_starts(db: Database) -> list[tuple[date, str]]:
    """When each pilot cohort started, as chart markers: [(day, 'Pilot starts')]."""
    return [(started_on, f"{cohort} starts") for cohort, started_on in cohorts(db)]
