"""Hand-worked value cases for every measure in measures/.

Each case gives a few rows per table in the shape of the CSV templates (loaded through the app's
own loader), the query parameters, and the exact rows the engine must return:
`(period, segment, value, people, suppressed)`, with `value=None` for an empty or hidden cell.
When people are loaded, `people` is the segment's headcount in the period; otherwise it is the
number of people the measure saw in the cell; it is None for a hidden cell. Segments are shown as
the privacy guard groups them: a department that ever had fewer people than the minimum, or
whose size is unknown, is inside "Smaller departments".

Most cases use the same six people over January and February 2024, in two departments of three,
so a segmented result has four cells: January and February for Sales and for Support.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

JAN, FEB, MAR, APR = "2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"
START, END = date(2024, 1, 1), date(2024, 2, 29)
END_OF_JANUARY = date(2024, 1, 31)


@dataclass(frozen=True)
class Case:
    title: str
    tables: dict[str, list[dict]]
    expected: list[tuple]
    by: str = "department"
    grain: str = "month"
    start: date = START
    end: date = END
    min_group_size: int = 3


def email(name: str | None) -> str | None:
    return f"{name}@example.com" if name else None


def person(name, department, *, manager=None, hired="2023-01-01", left=None, leaving=None, regretted=None):
    return {
        "person_id": email(name), "department": department, "manager_id": email(manager),
        "hire_date": hired, "termination_date": left, "termination_type": leaving, "regretted": regretted,
    }


def event(at, name, kind, *, thread=None, target=None, space_type=None):
    return {
        "occurred_at": at, "person_id": email(name), "kind": kind, "thread_id": thread,
        "target_person_id": email(target), "space_type": space_type,
    }


def with_colleagues(events: list[dict], first: str = "2024-01-01", last: str = "2024-01-31") -> list[dict]:
    """The events, and three colleagues posting on the first and the last day. Without a people
    file, the organisation is everyone the data mentions, each from the first to the last day it
    mentions them, and the privacy guard shows a figure only for periods in which the
    organisation has at least the minimum number of people throughout; posts change none of the
    measures these cases are about."""
    return events + [event(f"{day} 07:00", name, "post") for day in (first, last) for name in ("gus", "hal", "ivy")]


# Ann manages Bob and Cat in Sales; Dan manages Eve and Fay in Support.
ROSTER = [
    person("ann", "Sales"),
    person("bob", "Sales", manager="ann"),
    person("cat", "Sales", manager="ann"),
    person("dan", "Support"),
    person("eve", "Support", manager="dan"),
    person("fay", "Support", manager="dan"),
]

# Question threads, with the hours to the first answer by someone other than the asker:
#   January, Sales askers:   t1 ann (2h; Cat's follow-up question is the same thread),
#                            t2 bob (only Bob answered himself: unanswered), t3 bob (6h)
#   January, Support askers: t4 dan (1.5h), t6 fay (asked 31 Jan, answered 1 Feb: 10h)
#   February:                t5 eve (unanswered)
#   March (outside range):   t7 ann
THREADS = [
    event("2024-01-05 09:00", "ann", "question", thread="t1"),
    event("2024-01-05 09:30", "cat", "question", thread="t1"),
    event("2024-01-05 11:00", "bob", "answer", thread="t1", target="ann"),
    event("2024-01-06 09:00", "cat", "answer", thread="t1", target="ann"),
    event("2024-01-10 08:00", "bob", "question", thread="t2"),
    event("2024-01-10 09:00", "bob", "answer", thread="t2"),
    event("2024-01-20 10:00", "bob", "question", thread="t3"),
    event("2024-01-20 16:00", "dan", "answer", thread="t3", target="bob"),
    event("2024-01-08 14:00", "dan", "question", thread="t4"),
    event("2024-01-08 15:30", "eve", "answer", thread="t4", target="dan"),
    event("2024-01-31 22:00", "fay", "question", thread="t6"),
    event("2024-02-01 08:00", "ann", "answer", thread="t6", target="fay"),
    event("2024-02-02 09:00", "eve", "question", thread="t5"),
    event("2024-03-01 09:00", "ann", "question", thread="t7"),
]

# Training requests; Dan's is cancelled, one row names only a department, one is out of range.
TRAINING = [
    {"requested_on": "2024-01-04", "person_id": email("ann"), "course": "Negotiation", "status": "requested",
     "cost": 500, "seat_hours": 8, "production_hours": 2},
    {"requested_on": "2024-01-09", "person_id": email("bob"), "course": "Excel", "status": "approved",
     "cost": 1200.50, "seat_hours": 16, "production_hours": 4},
    {"requested_on": "2024-01-22", "person_id": email("bob"), "course": "SQL", "status": "completed",
     "cost": 300, "seat_hours": 4, "production_hours": None},
    {"requested_on": "2024-01-15", "person_id": email("dan"), "course": "Coaching", "status": "cancelled",
     "cost": 900, "seat_hours": 8, "production_hours": 6},
    {"requested_on": "2024-01-18", "department": "Support", "course": "Product update", "status": None,
     "cost": 2000, "seat_hours": 24, "production_hours": 10},
    {"requested_on": "2024-02-07", "person_id": email("cat"), "course": "Writing", "status": "requested",
     "cost": None, "seat_hours": None, "production_hours": 3},
    {"requested_on": "2024-03-05", "person_id": email("ann"), "course": "Finance", "status": "requested",
     "cost": 100, "seat_hours": 2, "production_hours": 1},
]

# Eight people, four leavers. Headcount (employed at any time in the month):
#   January: Sales 3 (Cat joins 1 Feb), Support 4;  February: Sales 3 (Bob gone), Support 3 (Hal gone).
# Ivy and Joe stay throughout, so that neither department ever has fewer than three people.
LEAVERS = [
    person("ann", "Sales"),
    person("ivy", "Sales"),
    person("joe", "Support"),
    person("bob", "Sales", left="2024-01-15", leaving="voluntary", regretted=True),
    person("cat", "Sales", hired="2024-02-01"),
    person("gil", "Sales", left="2024-02-10", leaving="involuntary", regretted=False),
    person("dan", "Support"),
    person("eve", "Support", left="2024-02-20", leaving="voluntary", regretted=False),
    person("fay", "Support", left="2024-02-29", leaving="retirement", regretted=True),
    person("hal", "Support", left="2024-01-31", leaving="voluntary", regretted=False),
]

MANAGER_TIME = [
    {"period_start": "2024-01-01", "manager_id": email("ann"), "direction_hours": 10, "direct_reports": 2},
    {"period_start": "2024-01-15", "manager_id": email("ann"), "direction_hours": 5, "direct_reports": 2},
    {"period_start": "2024-01-01", "manager_id": email("dan"), "direction_hours": 6, "direct_reports": 2},
    {"period_start": "2024-02-01", "manager_id": email("ann"), "direction_hours": 8, "direct_reports": 2},
    {"period_start": "2024-02-01", "manager_id": email("dan"), "direction_hours": 4, "direct_reports": 0},
]

# Days from start to stop: i1 111, i2 85, i3 75, i6 28. Marketing appears only in initiatives, so
# its size is unknown: the guard shows it with Sales (the first of the two smallest departments)
# as "Smaller departments".
INITIATIVES = [
    {"initiative_id": "i1", "department": "Sales", "started_on": "2023-10-01", "ended_on": "2024-01-20",
     "outcome": "stopped", "stage_at_end": "build", "spend": 50000, "contributors": 4},
    {"initiative_id": "i2", "department": "Sales", "started_on": "2023-11-01", "ended_on": "2024-01-25",
     "outcome": "stopped", "stage_at_end": "design", "spend": 8000, "contributors": 3},
    {"initiative_id": "i3", "department": "Support", "started_on": "2023-12-01", "ended_on": "2024-02-14",
     "outcome": "stopped", "stage_at_end": "launch", "spend": 12000, "contributors": 5},
    {"initiative_id": "i4", "department": "Support", "started_on": "2023-06-01", "ended_on": "2024-02-10",
     "outcome": "launched", "stage_at_end": "launch", "spend": 90000, "contributors": 9},
    {"initiative_id": "i5", "department": "Sales", "started_on": "2024-01-01", "ended_on": None,
     "outcome": "ongoing", "stage_at_end": None, "spend": 3000, "contributors": 2},
    {"initiative_id": "i6", "department": "Marketing", "started_on": "2024-01-02", "ended_on": "2024-01-30",
     "outcome": "stopped", "stage_at_end": "build", "spend": 7000, "contributors": 6},
]

# A date inside a month stands for that month.
MARKETING = [
    {"month": "2024-01-01", "channel": "search", "amount": 1000},
    {"month": "2024-01-20", "channel": "social", "amount": 500},
    {"month": "2024-03-01", "channel": "events", "amount": 700},
]


def by_department(jan_sales, jan_support, feb_sales, feb_support, people=(3, 3, 3, 3)):
    """The four cells of a roster case, all visible."""
    return [
        (JAN, "Sales", jan_sales, people[0], False),
        (JAN, "Support", jan_support, people[1], False),
        (FEB, "Sales", feb_sales, people[2], False),
        (FEB, "Support", feb_support, people[3], False),
    ]


CASES: dict[str, list[Case]] = {
    "questions_asked": [
        Case("one per thread, by the asker's department, zero when none",
             {"people": ROSTER, "activity": THREADS},
             by_department(3, 2, 0, 1)),
        Case("no people loaded: people are the distinct askers; a cell of one asker is hidden",
             {"activity": with_colleagues(THREADS, last="2024-03-01")},
             [(JAN, "All", 5, 4, False), (FEB, "All", None, None, True)], by="none"),
    ],
    "questions_answered": [
        Case("answered by someone other than the asker, in the month of asking",
             {"people": ROSTER, "activity": THREADS},
             by_department(2, 2, 0, 0)),
        Case("no people loaded: people are the distinct askers",
             {"activity": with_colleagues(THREADS, last="2024-03-01")},
             [(JAN, "All", 4, 4, False)], by="none", end=END_OF_JANUARY),
    ],
    "answer_rate": [
        Case("answered share of the month's questions; empty when none were asked",
             {"people": ROSTER, "activity": THREADS},
             by_department(2 / 3, 1.0, None, 0.0)),
        Case("no people loaded, whole organisation",
             {"activity": with_colleagues(THREADS, last="2024-03-01")},
             [(JAN, "All", 0.8, 4, False)], by="none", end=END_OF_JANUARY),
    ],
    "median_hours_to_first_answer": [
        Case("median over answered questions only",
             {"people": ROSTER, "activity": THREADS},
             by_department(4.0, 5.75, None, None)),
        Case("no people loaded: median of 1.5, 2, 6 and 10 hours",
             {"activity": with_colleagues(THREADS, last="2024-03-01")},
             [(JAN, "All", 4.0, 4, False)], by="none", end=END_OF_JANUARY),
    ],
    "feedback_given": [
        Case("feedback events by the giver's department",
             {"people": ROSTER, "activity": [
                 event("2024-01-03 10:00", "ann", "feedback", target="bob"),
                 event("2024-01-03 11:00", "ann", "feedback", target="cat"),
                 event("2024-01-20 11:00", "cat", "feedback", target="ann"),
                 event("2024-01-15 09:00", "eve", "feedback", target="dan"),
                 event("2024-01-16 09:00", "fay", "reaction", target="dan"),
                 event("2024-02-10 09:00", "bob", "feedback", target="ann"),
             ]},
             by_department(3, 1, 1, 0)),
        Case("no people loaded: people are the distinct givers",
             {"activity": with_colleagues([
                 event("2024-01-03 10:00", "ann", "feedback", target="bob"),
                 event("2024-01-03 11:00", "ann", "feedback", target="cat"),
                 event("2024-01-20 11:00", "cat", "feedback", target="ann"),
                 event("2024-01-15 09:00", "eve", "feedback", target="dan"),
             ])},
             [(JAN, "All", 4, 3, False)], by="none", end=END_OF_JANUARY),
    ],
    "active_contributors": [
        Case("reactions, kudos and advocacy alone do not make a contributor",
             {"people": ROSTER, "activity": [
                 event("2024-01-02 09:00", "ann", "post"),
                 event("2024-01-02 10:00", "bob", "reaction", target="ann"),
                 event("2024-01-03 10:00", "cat", "kudos", target="ann"),
                 event("2024-01-04 10:00", "cat", "advocacy"),
                 event("2024-01-05 10:00", "dan", "share"),
                 event("2024-01-06 10:00", "eve", "reply", target="dan"),
                 event("2024-01-07 10:00", "fay", "question", thread="q1"),
                 event("2024-02-01 10:00", "ann", "answer", thread="q1", target="fay"),
                 event("2024-02-02 10:00", "ann", "feedback", target="bob"),
                 event("2024-02-03 10:00", "eve", "reaction", target="ann"),
             ]},
             by_department(1, 3, 1, 0)),
    ],
    "reactions_and_kudos": [
        Case("reactions and kudos by the giver's department",
             {"people": ROSTER, "activity": [
                 event("2024-01-02 09:00", "bob", "reaction", target="ann"),
                 event("2024-01-02 09:05", "bob", "reaction", target="cat"),
                 event("2024-01-08 09:00", "cat", "kudos", target="bob"),
                 event("2024-01-09 09:00", "dan", "reaction", target="eve"),
                 event("2024-01-10 09:00", "fay", "post"),
                 event("2024-02-14 09:00", "eve", "kudos", target="fay"),
             ]},
             by_department(3, 1, 0, 1)),
    ],
    "reciprocity": [
        Case("a pair counts in a department only when both people are in it",
             {"people": ROSTER, "activity": [
                 # Sales: Ann and Bob both ways; Ann to Cat and Bob to Cat one way only.
                 event("2024-01-04 09:00", "ann", "reply", target="bob"),
                 event("2024-01-05 09:00", "bob", "reaction", target="ann"),
                 event("2024-01-06 09:00", "ann", "kudos", target="cat"),
                 event("2024-01-07 09:00", "bob", "reply", target="cat"),
                 # Support: Dan and Eve both ways.
                 event("2024-01-08 09:00", "dan", "answer", target="eve"),
                 event("2024-01-09 09:00", "eve", "feedback", target="dan"),
                 # Cat to Dan one way, across departments: in neither department.
                 event("2024-01-10 09:00", "cat", "reaction", target="dan"),
                 # February: one way only; January's reply back does not count.
                 event("2024-02-03 09:00", "ann", "reply", target="bob"),
             ]},
             by_department(1 / 3, 1.0, 0.0, None)),
        Case("whole organisation: every pair, and people are the pairs' members",
             {"activity": with_colleagues([
                 event("2024-01-04 09:00", "ann", "reply", target="bob"),
                 event("2024-01-05 09:00", "bob", "reaction", target="ann"),
                 event("2024-01-06 09:00", "ann", "kudos", target="cat"),
                 event("2024-01-07 09:00", "bob", "reply", target="cat"),
                 event("2024-01-08 09:00", "dan", "answer", target="eve"),
                 event("2024-01-09 09:00", "eve", "feedback", target="dan"),
                 event("2024-01-10 09:00", "cat", "reaction", target="dan"),
             ])},
             [(JAN, "All", 0.4, 5, False)], by="none", end=END_OF_JANUARY),
    ],
    "cross_department_interactions": [
        Case("counted for the person reaching out; unknown departments left out",
             {"people": ROSTER, "activity": [
                 event("2024-01-04 09:00", "cat", "reaction", target="dan"),
                 event("2024-01-05 09:00", "dan", "reply", target="cat"),
                 event("2024-01-06 09:00", "ann", "answer", target="dan"),
                 event("2024-01-07 09:00", "ann", "reply", target="bob"),
                 event("2024-01-08 09:00", "eve", "reply", target="zed"),
                 event("2024-01-09 09:00", "zed", "reaction", target="ann"),
                 event("2024-02-05 09:00", "fay", "kudos", target="ann"),
             ]},
             # Zed, missing from the people file, is one person: shown with Sales (the first of the
             # two smallest departments), so that the total minus the departments is not about him.
             [(JAN, "Smaller departments", 2, 4, False), (JAN, "Support", 1, 3, False),
              (FEB, "Smaller departments", 0, 3, False), (FEB, "Support", 1, 3, False)]),
    ],
    "social_space_share": [
        Case("social events over events in a space of known type",
             {"people": ROSTER, "activity": [
                 event("2024-01-02 09:00", "ann", "post", space_type="work"),
                 event("2024-01-02 10:00", "ann", "post", space_type="social"),
                 event("2024-01-03 10:00", "bob", "reaction", space_type="social", target="ann"),
                 event("2024-01-03 11:00", "bob", "post"),
                 event("2024-01-04 10:00", "cat", "post", space_type="work"),
                 event("2024-01-04 11:00", "cat", "reply", space_type="work", target="ann"),
                 event("2024-01-05 10:00", "dan", "post", space_type="work"),
                 event("2024-02-06 10:00", "eve", "post", space_type="social"),
             ]},
             by_department(0.4, 0.0, None, 1.0)),
    ],
    "advocacy_posts": [
        Case("advocacy posts by the author's department",
             {"people": ROSTER, "activity": [
                 event("2024-01-10 09:00", "ann", "advocacy"),
                 event("2024-01-17 09:00", "ann", "advocacy"),
                 event("2024-01-18 09:00", "cat", "post"),
                 event("2024-01-19 09:00", "dan", "advocacy"),
                 event("2024-02-02 09:00", "fay", "post"),  # activity in February, but no advocacy
             ]},
             by_department(2, 1, 0, 0)),
    ],
    "resources_shared": [
        Case("shares by the sharer's department",
             {"people": ROSTER, "activity": [
                 event("2024-01-10 09:00", "bob", "share"),
                 event("2024-01-11 09:00", "cat", "share"),
                 event("2024-02-12 09:00", "fay", "share"),
                 event("2024-02-13 09:00", "fay", "share"),
                 event("2024-02-14 09:00", "fay", "post"),
             ]},
             by_department(2, 0, 0, 2)),
    ],
    "peer_answer_share": [
        Case("answers by people who manage nobody over all answers",
             {"people": ROSTER, "activity": [
                 event("2024-01-10 09:00", "ann", "answer"),
                 event("2024-01-10 10:00", "bob", "answer"),
                 event("2024-01-11 10:00", "bob", "answer"),
                 event("2024-01-12 10:00", "cat", "answer"),
                 event("2024-01-13 10:00", "dan", "answer"),
                 event("2024-01-14 10:00", "dan", "answer"),
                 event("2024-02-15 10:00", "eve", "answer"),
             ]},
             by_department(0.75, 0.0, None, 1.0)),
        Case("someone missing from the people file counts as a peer",
             {"people": ROSTER, "activity": [
                 event("2024-01-10 09:00", "ann", "answer"),
                 event("2024-01-10 10:00", "bob", "answer"),
                 event("2024-01-11 10:00", "bob", "answer"),
                 event("2024-01-12 10:00", "cat", "answer"),
                 event("2024-01-13 10:00", "dan", "answer"),
                 event("2024-01-14 10:00", "dan", "answer"),
                 event("2024-01-15 10:00", "zed", "answer"),
             ]},
             [(JAN, "All", 4 / 7, 6, False)], by="none", end=END_OF_JANUARY),
    ],
    "training_requests": [
        Case("cancelled requests left out; a department-only row counts for its department",
             {"people": ROSTER, "training": TRAINING},
             by_department(3, 1, 1, 0)),
    ],
    "training_expense": [
        Case("cost of requests that were not cancelled",
             {"people": ROSTER, "training": TRAINING},
             by_department(2000.50, 2000, 0, 0)),
    ],
    "training_seat_hours": [
        Case("seat hours of requests that were not cancelled",
             {"people": ROSTER, "training": TRAINING},
             by_department(28, 24, 0, 0)),
    ],
    "training_production_hours": [
        Case("production hours, cancelled requests included",
             {"people": ROSTER, "training": TRAINING},
             by_department(6, 16, 3, 0)),
    ],
    "voluntary_leavers": [
        Case("resignations in the month of the last day",
             {"people": LEAVERS},
             by_department(1, 1, 0, 1, people=(4, 5, 4, 4))),
        Case("by quarter: everyone employed in the quarter is in the headcount",
             {"people": LEAVERS},
             [("2024-01-01", "All", 3, 10, False)], by="none", grain="quarter", end=date(2024, 3, 31)),
    ],
    "voluntary_turnover_rate": [
        Case("resignations over the mean of first- and last-day headcount",
             # Sales Jan 1/((4+3)/2); Support Jan 1/((5+5)/2); Sales Feb 0; Support Feb 1/((4+3)/2).
             {"people": LEAVERS},
             by_department(1 / 3.5, 0.2, 0.0, 1 / 3.5, people=(4, 5, 4, 4))),
        Case("a range starting mid-month measures only the days inside it",
             # 16-31 January: eight employed on both days (Bob left on the 15th); Hal resigned.
             {"people": LEAVERS},
             [(JAN, "All", 1 / 8, 9, False)], by="none", start=date(2024, 1, 16), end=END_OF_JANUARY),
    ],
    "regretted_leavers": [
        Case("leavers the organisation wanted to keep, whatever the reason",
             {"people": LEAVERS},
             by_department(1, 0, 0, 1, people=(4, 5, 4, 4))),
    ],
    "manager_direction_hours": [
        Case("direction hours by the manager's department",
             {"people": ROSTER, "manager_time": MANAGER_TIME},
             by_department(15, 6, 8, 4)),
        Case("a month with no reported hours shows zero; months after the last report show nothing",
             {"people": ROSTER, "manager_time": MANAGER_TIME + [
                 {"period_start": "2024-04-01", "manager_id": email("ann"), "direction_hours": 3}]},
             [(JAN, "All", 21, 6, False), (FEB, "All", 12, 6, False), (MAR, "All", 0, 6, False),
              (APR, "All", 3, 6, False)],
             by="none", end=date(2024, 5, 31)),
    ],
    "direction_hours_per_report": [
        Case("hours over reports; rows without reports left out",
             {"people": ROSTER, "manager_time": MANAGER_TIME},
             by_department(3.75, 3.0, 4.0, None)),
    ],
    "marketing_spend": [
        Case("monthly spend with an empty month shown as zero",
             {"people": ROSTER, "marketing_spend": MARKETING},
             [(JAN, "All", 1500, 6, False), (FEB, "All", 0, 6, False), (MAR, "All", 700, 6, False)],
             by="none", end=date(2024, 3, 31)),
        Case("no people loaded: spend describes nobody and is never hidden",
             {"marketing_spend": MARKETING},
             [(JAN, "All", 1500, None, False)], by="none", end=END_OF_JANUARY),
    ],
    "late_stop_spend": [
        Case("spend of initiatives stopped in build or launch, in the month they stopped",
             {"people": ROSTER, "initiatives": INITIATIVES},
             [
                 (JAN, "Smaller departments", 57000, 3, False),   # Sales 50000, Marketing 7000
                 (JAN, "Support", 0, 3, False),
                 (FEB, "Smaller departments", 0, 3, False),
                 (FEB, "Support", 12000, 3, False),
             ]),
        Case("no people loaded: people are the initiatives' contributors",
             {"initiatives": INITIATIVES},
             [(JAN, "All", 57000, 10, False)], by="none", end=END_OF_JANUARY),
    ],
    "median_days_to_stop": [
        Case("median days from start to stop, any stage",
             {"people": ROSTER, "initiatives": INITIATIVES},
             [
                 (JAN, "Smaller departments", 85.0, 3, False),   # Sales 111 and 85, Marketing 28
                 (JAN, "Support", None, 3, False),
                 (FEB, "Smaller departments", None, 3, False),
                 (FEB, "Support", 75.0, 3, False),
             ]),
        Case("no people loaded: median of 111, 85 and 28 days",
             {"initiatives": INITIATIVES},
             [(JAN, "All", 85.0, 13, False)], by="none", end=END_OF_JANUARY),
    ],
}
