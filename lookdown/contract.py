"""The CSV templates users fill: the contract between their exports and the canonical tables.

Each template lists its columns in order, which are required, and which hold person
identifiers (these become keyed hashes, `person_id` -> `person_key`, on the way in).
"""
from __future__ import annotations

from dataclasses import dataclass

# The canonical tables users fill from the CSV templates, with the column that dates each row.
CANONICAL_TABLES: dict[str, str] = {
    "people": "hire_date",
    "activity": "occurred_at",
    "training": "requested_on",
    "manager_time": "period_start",
    "marketing_spend": "month",
    "initiatives": "started_on",
    "cohorts": "started_on",
}

# The tables as an L&D leader names them: where a figure's numbers come from.
TABLE_LABELS: dict[str, str] = {
    "people": "HR people records",
    "activity": "collaboration platform activity",
    "training": "training records",
    "manager_time": "manager time records",
    "marketing_spend": "marketing spend records",
    "initiatives": "initiatives register",
    "cohorts": "pilot cohort list",
    "identity_map": "identity map",
}

# How results can be split (the allowlist for a measure's `$by`): the whole organisation, a
# person's department or pilot cohort, or an attribute of the people file.
SEGMENTATIONS = ("none", "department", "cohort", "location", "job_level")


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


# -- Keys: what makes two rows "the same row" ---------------------------------------------------
# Loading the same file (or the same rows) again must not double count. Each table has a key of
# canonical columns; an incoming row whose key matches a loaded row replaces it (or is skipped when
# nothing changed). For tables where identical rows can legitimately repeat (three seats on the same
# course on the same day), `unique` is False and rows are matched occurrence by occurrence.
@dataclass(frozen=True)
class Key:
    columns: tuple[str, ...]  # canonical column names
    unique: bool  # one row per key (a later row in the same file wins)


KEYS: dict[str, Key] = {
    "people": Key(("person_key",), unique=True),
    # An event is its content but space_type (a later row may correct it); events from platform
    # exports are matched by the platform's own id instead (lookdown.load).
    "activity": Key(("occurred_at", "person_key", "kind", "space", "thread_id", "target_person_key", "platform"),
                    unique=True),
    "training": Key(("requested_on", "person_key", "department", "course", "cost"), unique=False),
    "manager_time": Key(("period_start", "manager_key"), unique=True),
    "marketing_spend": Key(("month", "channel"), unique=True),
    "initiatives": Key(("initiative_id",), unique=True),
    "cohorts": Key(("cohort", "department", "person_key"), unique=True),
}

# The column that dates each row of a template (used for date ranges and date checks).
DATE_COLUMN: dict[str, str] = CANONICAL_TABLES

# Date columns that may legitimately hold dates before 1990 (long-serving employees).
OLD_DATES_ALLOWED = frozenset({("people", "hire_date")})

# -- Words exports use for enum values --------------------------------------------------------
# Lower-case export value -> contract value. Values already in `allowed` need no entry.
ENUM_SYNONYMS: dict[tuple[str, str], dict[str, str]] = {
    ("training", "status"): {
        "registered": "requested", "pending approval": "requested", "pending": "requested",
        "submitted": "requested", "request": "requested", "assigned": "approved",
        "enrolled": "approved", "in progress": "approved", "started": "approved",
        "complete": "completed", "done": "completed", "passed": "completed", "attended": "completed",
        "denied": "cancelled", "rejected": "cancelled", "withdrawn": "cancelled",
        "canceled": "cancelled", "cancelled by user": "cancelled",
    },
    ("people", "termination_type"): {
        "resignation": "voluntary", "resigned": "voluntary", "quit": "voluntary",
        "voluntarily terminated": "voluntary", "voluntary termination": "voluntary",
        "terminated for cause": "involuntary", "dismissal": "involuntary", "dismissed": "involuntary",
        "layoff": "involuntary", "laid off": "involuntary", "redundancy": "involuntary",
        "involuntary termination": "involuntary", "retired": "retirement",
    },
    ("initiatives", "outcome"): {"live": "launched", "shipped": "launched", "cancelled": "stopped",
                                 "canceled": "stopped", "abandoned": "stopped", "in progress": "ongoing"},
    ("activity", "space_type"): {"business": "work", "professional": "work", "non-work": "social",
                                 "fun": "social", "community": "social"},
}

# -- Header synonyms for exports whose columns do not follow the templates ------------------------
# Normalised header (lower case, letters and digits separated by single spaces) -> column.
# Listed per table because the same header means different things in different exports.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "person_id": ("employee id", "employee number", "employeenumber", "emp id", "empid", "worker id",
                      "worker", "user id", "person id", "staff id", "personnel number", "email",
                      "e mail", "work email", "id"),
        "department": ("department", "dept", "org unit", "organisation unit", "organization unit",
                       "division", "team", "business unit", "cost center", "cost centre"),
        "manager_id": ("manager id", "managerid", "manager", "supervisor id", "line manager id",
                       "reports to", "manager email", "managername", "manager name"),
        "hire_date": ("hire date", "date of hire", "dateofhire", "start date", "joined", "join date",
                      "hired on", "original hire date", "employment start"),
        "termination_date": ("termination date", "date of termination", "dateoftermination", "leave date",
                             "leaving date", "exit date", "end date", "terminated on"),
        "termination_type": ("termination type", "term reason", "termreason", "leaving reason",
                             "termination reason", "exit type", "employment status", "employmentstatus"),
        "regretted": ("regretted", "regrettable", "regretted loss", "regretted leaver"),
        "annual_salary": ("annual salary", "salary", "base salary", "yearly salary", "annual pay"),
        "location": ("location", "office", "site", "work location", "city", "job location"),
        "job_level": ("job level", "joblevel", "level", "grade", "band", "pay grade"),
    },
    "training": {
        "requested_on": ("requested on", "request date", "requested", "registration date", "registered on",
                         "assigned date", "assigned_date", "enrollment date", "enrolment date",
                         "enrollment created at", "date", "completion date", "completed on",
                         "completion moment", "enrollment completion date"),
        "person_id": ("employee id", "employee number", "user id", "worker", "worker id", "id user",
                      "student id", "username", "person id", "email", "learner", "learner id"),
        "department": ("department", "dept", "org unit", "team", "team name", "division", "branch"),
        "course": ("course", "training title", "title", "course name", "course title", "learning content",
                   "title item", "item title", "training", "program", "programme", "description"),
        "status": ("status", "transcript status", "completion status", "assignment status",
                   "enrollment status", "completion status desc"),
        "cost": ("cost", "price", "item cost", "training cost", "fee", "amount", "spend", "tuition"),
        "seat_hours": ("seat hours", "training hours", "hours", "total hours", "credit hours", "duration hours",
                       "time out of work"),
        "production_hours": ("production hours", "development hours", "delivery hours", "build hours"),
        "format": ("format", "training type", "delivery method", "type", "item type", "modality"),
    },
    "activity": {
        "occurred_at": ("occurred at", "timestamp", "date", "time", "created at", "created", "posted at",
                        "creation date", "datetime", "when"),
        "person_id": ("person id", "user id", "user", "author", "sender id", "sender email", "email",
                      "employee id", "poster"),
        "kind": ("kind", "type", "activity type", "event type", "action"),
        "space": ("space", "channel", "group", "group name", "community", "forum", "team"),
        "space_type": ("space type", "channel type"),
        "thread_id": ("thread id", "thread", "topic id", "conversation id", "parent id"),
        "target_person_id": ("target person id", "recipient", "recipient id", "to", "replied to user"),
        "platform": ("platform", "tool", "source", "application", "app"),
    },
    "manager_time": {
        "period_start": ("period start", "period", "week", "week starting", "month", "date"),
        "manager_id": ("manager id", "manager", "manager email", "employee id"),
        "direction_hours": ("direction hours", "hours", "coaching hours", "one to one hours", "1 1 hours",
                            "hours directing", "time spent"),
        "direct_reports": ("direct reports", "reports", "team size", "span of control"),
    },
    "marketing_spend": {
        "month": ("month", "period", "date", "month start"),
        "channel": ("channel", "campaign", "medium", "source"),
        "amount": ("amount", "spend", "cost", "budget", "value", "total"),
    },
    "initiatives": {
        "initiative_id": ("initiative id", "project id", "id", "initiative", "project", "idea id"),
        "department": ("department", "dept", "team", "business unit"),
        "started_on": ("started on", "start date", "start", "kickoff", "created"),
        "ended_on": ("ended on", "end date", "end", "closed", "completed on"),
        "outcome": ("outcome", "status", "result"),
        "stage_at_end": ("stage at end", "stage", "last stage", "phase"),
        "spend": ("spend", "cost", "budget spent", "amount"),
        "contributors": ("contributors", "team size", "people", "participants"),
    },
    "cohorts": {
        "cohort": ("cohort", "pilot", "group", "wave", "programme", "program"),
        "department": ("department", "dept", "team", "business unit"),
        "person_id": ("person id", "employee id", "user id", "email"),
        "started_on": ("started on", "start date", "start", "launch date", "go live"),
    },
}
