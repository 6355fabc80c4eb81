"""The CSV templates users fill: the contract between their exports and the canonical tables.

Each template lists its columns in order, which are required, and which hold person
identifiers (these become keyed hashes, `person_id` -> `person_key`, on the way in).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type of the canonical column
    required: bool = False
    identifier: bool = False  # a person identifier: pseudonymised on import
    allowed: tuple[str, ...] = ()  # enum values, when the column is an enum
    help: str = ""

    @property
    def canonical(self) -> str:
        """The column's name in the database (identifiers are stored as keys)."""
        return self.name.removesuffix("_id") + "_key" if self.identifier else self.name


@dataclass(frozen=True)
class Template:
    table: str
    columns: tuple[Column, ...]
    # Groups of columns of which at least one must be filled (e.g. person_id or department).
    one_of: tuple[tuple[str, ...], ...] = ()

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ACTIVITY_KINDS = ("post", "question", "answer", "reply", "reaction", "kudos", "share", "feedback", "advocacy")

TEMPLATES: dict[str, Template] = {
    t.table: t
    for t in (
        Template("people", (
            Column("person_id", "varchar", required=True, identifier=True, help="an employee id or e-mail"),
            Column("department", "varchar", required=True),
            Column("manager_id", "varchar", identifier=True),
            Column("hire_date", "date"),
            Column("termination_date", "date"),
            Column("termination_type", "varchar", allowed=("voluntary", "involuntary", "retirement", "other")),
            Column("regretted", "boolean", help="true when the organisation wanted to keep the leaver"),
            Column("annual_salary", "decimal(14,2)"),
            Column("location", "varchar"),
            Column("job_level", "varchar"),
        )),
        Template("activity", (
            Column("occurred_at", "timestamp", required=True),
            Column("person_id", "varchar", required=True, identifier=True),
            Column("kind", "varchar", required=True, allowed=ACTIVITY_KINDS),
            Column("space", "varchar", help="channel, group or community"),
            Column("space_type", "varchar", allowed=("work", "social")),
            Column("thread_id", "varchar", help="a question and its answers share one thread_id"),
            Column("target_person_id", "varchar", identifier=True, help="whom the reply or reaction was for"),
            Column("platform", "varchar"),
        )),
        Template("training", (
            Column("requested_on", "date", required=True),
            Column("person_id", "varchar", identifier=True),
            Column("department", "varchar"),
            Column("course", "varchar"),
            Column("status", "varchar", allowed=("requested", "approved", "completed", "cancelled")),
            Column("cost", "decimal(14,2)"),
            Column("seat_hours", "double", help="hours out of work"),
            Column("production_hours", "double", help="hours to build or deliver"),
            Column("format", "varchar"),
        ), one_of=(("person_id", "department"),)),
        Template("manager_time", (
            Column("period_start", "date", required=True),
            Column("manager_id", "varchar", required=True, identifier=True),
            Column("direction_hours", "double", required=True),
            Column("direct_reports", "integer"),
        )),
        Template("marketing_spend", (
            Column("month", "date", required=True, help="YYYY-MM or a date"),
            Column("channel", "varchar"),
            Column("amount", "decimal(14,2)", required=True),
        )),
        Template("initiatives", (
            Column("initiative_id", "varchar", required=True),
            Column("department", "varchar"),
            Column("started_on", "date", required=True),
            Column("ended_on", "date"),
            Column("outcome", "varchar", required=True, allowed=("launched", "stopped", "ongoing")),
            Column("stage_at_end", "varchar", allowed=("idea", "design", "build", "launch")),
            Column("spend", "decimal(14,2)"),
            Column("contributors", "integer"),
        )),
        Template("cohorts", (
            Column("cohort", "varchar", required=True),
            Column("department", "varchar"),
            Column("person_id", "varchar", identifier=True),
            Column("started_on", "date", required=True),
        ), one_of=(("department", "person_id"),)),
    )
}
