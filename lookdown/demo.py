"""The demo organisation: three years (2023-2025) of a made-up company of about 1,500 people.

An L&D leader who opens Lookdown without data of their own sees the whole idea on this company.
Every row is generated from one seed with numpy's `default_rng`, so the same seed always gives
the same database, and all dates are fixed, so the output never depends on today's date.

The story lives only in the generated rows, never in the measures or the charts. On 1 July 2024
Customer Support and Sales (the "Social learning pilot" cohort) start asking and answering each
other's questions in the open. Over about three months their questions, answers, answers by
peers rather than managers and shared resources rise. About three months later their training
requests, training spend and seat hours, voluntary turnover and their managers' direction hours
fall, and their initiatives are stopped earlier and cheaper. The rest of the organisation moves
only with the seasons and noise. Marketing spend and advocacy posts have nothing to do with the
pilot, so an analysis can show "no effect" on them. Legal has three people, so privacy
suppression is visible whenever a measure is split by department.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lookdown.ingest.write import load_frames
from lookdown.store import Database

KIND = "demo"
SOURCE = "demo organisation"

FIRST_DAY = np.datetime64("2023-01-01", "D")
LAST_DAY = np.datetime64("2025-12-31", "D")
MONTHS = np.arange("2023-01", "2026-01", dtype="datetime64[M]")  # 36 months
N_MONTHS = len(MONTHS)
# Day offsets (from FIRST_DAY) of each month's first day, plus the day after the last month.
MONTH_START = np.append((MONTHS.astype("datetime64[D]") - FIRST_DAY).astype(np.int64),
                        (LAST_DAY + 1 - FIRST_DAY).astype(np.int64))
DAYS_IN_MONTH = np.diff(MONTH_START)
CALENDAR_MONTH = MONTHS.astype(np.int64) % 12  # 0 = January
N_DAYS = int(MONTH_START[-1])

PILOT = "Social learning pilot"
PILOT_START = np.datetime64("2024-07-01", "D")
PILOT_DEPARTMENTS = ("Customer Support", "Sales")
_m = np.arange(N_MONTHS)
_pilot_month = int((PILOT_START.astype("datetime64[M]") - MONTHS[0]).astype(np.int64))  # 18
# How far the pilot has taken up open collaboration: a third in July 2024, fully from September.
ADOPTION = np.clip((_m - _pilot_month + 1) / 3, 0, 1)
# Its effect on training, turnover and direction follows the adoption three months later.
EFFECT = np.clip((_m - _pilot_month - 2) / 3, 0, 1)

# Full-effect changes in the pilot (multipliers on the rest-of-organisation baseline).
TRAINING_DROP = 0.45
VOLUNTARY_TURNOVER_DROP = 0.40
DIRECTION_DROP = 0.25


@dataclass(frozen=True)
class Department:
    name: str
    positions: int  # filled or vacant seats; about 3% are vacant at any time
    platform: str  # the chat tool the department mostly uses
    pay: float  # salary factor
    channels: tuple[str, ...]  # its work channels
    courses: tuple[str, ...]  # course tags it favours


DEPARTMENTS = (
    Department("Customer Support", 270, "Teams", 0.85, ("support-help", "support-escalations", "support-knowledge"),
               ("service", "tools", "core")),
    Department("Sales", 205, "Teams", 1.05, ("sales-deals", "sales-enablement", "sales-questions"),
               ("sales", "tools", "core")),
    Department("Engineering", 310, "Slack", 1.25, ("eng-help", "eng-platform", "eng-incidents"),
               ("tech", "delivery")),
    Department("Operations", 205, "Teams", 0.9, ("ops-floor", "ops-planning", "ops-safety"),
               ("delivery", "core", "data")),
    Department("Finance", 92, "Teams", 1.1, ("finance-close", "finance-questions"), ("data", "finance")),
    Department("Marketing", 112, "Slack", 1.0, ("marketing-campaigns", "marketing-content"),
               ("sales", "data", "core")),
    Department("HR", 62, "Teams", 0.95, ("people-team", "hr-questions"), ("lead", "core")),
    Department("Product", 124, "Slack", 1.2, ("product-roadmap", "product-research"),
               ("delivery", "data", "tech")),
    Department("IT", 160, "Slack", 1.1, ("it-help", "it-projects"), ("tech", "tools")),
    Department("Legal", 3, "Teams", 1.35, ("legal-requests",), ("core",)),
)
DEPARTMENT_NAMES = np.array([d.name for d in DEPARTMENTS], dtype=object)
N_DEPARTMENTS = len(DEPARTMENTS)
IS_PILOT_DEPARTMENT = np.array([d.name in PILOT_DEPARTMENTS for d in DEPARTMENTS])

LOCATIONS = np.array(["London", "Manchester", "Dublin", "Lisbon"], dtype=object)
LOCATION_SHARE = np.array([0.4, 0.25, 0.2, 0.15])

IC_LEVELS = np.array(["Associate", "Professional", "Senior", "Principal"], dtype=object)
IC_LEVEL_SHARE = np.array([0.3, 0.4, 0.22, 0.08])
NEW_HIRE_LEVEL_SHARE = np.array([0.45, 0.35, 0.15, 0.05])
IC_SALARY = np.array([32_000, 45_000, 60_000, 80_000])
MANAGER_SALARY, DIRECTOR_SALARY = 72_000, 110_000

# Monthly factors by calendar month (January first).
ACTIVITY_SEASON = np.array([1.0, 1.02, 1.03, 0.97, 1.0, 0.97, 0.92, 0.72, 1.03, 1.05, 1.04, 0.82])
TRAINING_SEASON = np.array([1.2, 1.2, 1.2, 1.0, 1.0, 0.95, 0.9, 0.75, 1.05, 1.05, 1.0, 0.8])
TURNOVER_SEASON = np.array([1.2, 1.0, 1.0, 1.0, 1.0, 1.05, 1.0, 0.9, 1.15, 1.0, 0.9, 0.8])
MARKETING_SEASON = np.array([0.9, 1.0, 1.1, 1.0, 1.0, 0.95, 0.85, 0.7, 1.1, 1.15, 1.2, 0.9])

# Collaboration: events per person per month at baseline, the share in social spaces, and the
# pilot's multiplier once fully adopted (advocacy is untouched by the pilot).
KINDS = ("post", "question", "reply", "reaction", "kudos", "share", "feedback", "advocacy")
BASE_RATE = np.array([1.3, 0.65, 1.6, 3.2, 0.3, 0.45, 0.15, 0.12])
SOCIAL_SHARE = np.array([0.28, 0.03, 0.22, 0.25, 0.2, 0.08, 0.0, 0.0])
PILOT_MULTIPLIER = np.array([1.3, 2.0, 1.7, 1.5, 1.8, 2.5, 1.6, 1.0])
TARGETED = np.array([False, False, True, True, True, False, True, False])
SOCIAL_CHANNELS = np.array(["random", "pets", "running-club", "book-club", "food", "music", "weekend-plans"],
                           dtype=object)

# Courses: name, tag, format, cost, seat hours (out of work), production hours per learner.
COURSES = (
    ("Excel for everyday analysis", "data", "e-learning", 250, 6, 0.3),
    ("SQL for beginners", "data", "e-learning", 300, 10, 0.3),
    ("Data storytelling", "data", "virtual classroom", 650, 7, 1.5),
    ("Handling difficult customer conversations", "service", "classroom", 900, 14, 3.0),
    ("Complaint resolution", "service", "virtual classroom", 550, 7, 1.5),
    ("Zendesk advanced workflows", "tools", "e-learning", 350, 5, 0.4),
    ("Salesforce essentials", "tools", "virtual classroom", 600, 8, 1.0),
    ("Negotiation skills", "sales", "classroom", 1400, 14, 3.0),
    ("Consultative selling", "sales", "classroom", 1800, 21, 4.0),
    ("Product fundamentals", "core", "e-learning", 200, 4, 0.5),
    ("Writing clearly at work", "core", "virtual classroom", 450, 6, 1.0),
    ("Presentation skills", "core", "classroom", 950, 7, 2.0),
    ("Time management", "core", "e-learning", 220, 3, 0.2),
    ("Data protection essentials", "core", "e-learning", 200, 2, 0.2),
    ("Project management essentials", "delivery", "classroom", 1300, 21, 3.0),
    ("Agile delivery", "delivery", "virtual classroom", 800, 12, 1.5),
    ("Cloud practitioner certification", "tech", "certification", 2500, 28, 0.0),
    ("Kubernetes in practice", "tech", "classroom", 2200, 21, 2.5),
    ("Secure coding", "tech", "e-learning", 400, 8, 0.5),
    ("Financial modelling", "finance", "classroom", 1600, 14, 3.0),
    ("Leading remote teams", "lead", "virtual classroom", 1200, 10, 2.0),
    ("Coaching for managers", "lead", "coaching", 3000, 12, 0.0),
    ("Industry conference", "core", "conference", 2800, 16, 0.0),
)

MARKETING_CHANNELS = (("Paid search", 42_000), ("Paid social", 26_000), ("Events", 30_000),
                      ("Content", 14_000), ("Display", 9_000), ("Email", 4_500))
STAGES = np.array(["idea", "design", "build", "launch"], dtype=object)

_NO_END = 10**6  # day offset standing for "still employed"


class DemoFileExists(FileExistsError, ValueError):
    """The database file exists and replacing it was not asked for."""


def build_demo(db: Database, *, seed: int = 7) -> dict[str, int]:
    """Generate the demo organisation and load it into an empty database in one transaction.

    Returns the rows loaded per table.
    """
    if any(db.coverage().rows.values()):
        raise ValueError("The demo organisation can only be loaded into an empty database.")
    frames = generate_demo(seed=seed)
    results = load_frames(db, frames, kind=KIND, source=SOURCE)
    return {result.table: result.loaded for result in results}


def build_demo_file(path: Path, *, force: bool = False, seed: int = 7) -> dict[str, int]:
    """Create a database file holding the demo organisation.

    An existing file is replaced only with `force`; its pseudonymisation key file is kept.
    """
    path = Path(path)
    wal = path.with_name(path.name + ".wal")
    if path.exists() and not force:
        raise DemoFileExists(f"{path} already exists; rebuild it with `python -m lookdown demo --force`.")
    for old in (path, wal):
        old.unlink(missing_ok=True)
    db = Database(path)
    try:
        return build_demo(db, seed=seed)
    finally:
        db.close()


def generate_demo(*, seed: int = 7) -> dict[str, pd.DataFrame]:
    """All the demo's rows, shaped like the CSV templates (person identifiers in the clear)."""
    rng = np.random.default_rng(seed)
    org = _people(rng)
    exposure = _exposure(org)
    frames = {"people": org.frame()}
    frames["activity"] = _activity(rng, org, exposure)
    frames["training"] = _training(rng, org, exposure)
    frames["manager_time"] = _manager_time(rng, org)
    frames["marketing_spend"] = _marketing_spend(rng)
    frames["initiatives"] = _initiatives(rng)
    frames["cohorts"] = pd.DataFrame({
        "cohort": [PILOT] * len(PILOT_DEPARTMENTS),
        "department": list(PILOT_DEPARTMENTS),
        "person_id": [None] * len(PILOT_DEPARTMENTS),
        "started_on": [pd.Timestamp(str(PILOT_START))] * len(PILOT_DEPARTMENTS),
    })
    return frames


# -- people ----------------------------------------------------------------------------------


@dataclass
class _Org:
    dept: np.ndarray  # department index
    manager: np.ndarray  # person index of the manager, -1 for department heads
    is_manager: np.ndarray
    is_head: np.ndarray
    hire: np.ndarray  # day offsets from FIRST_DAY (negative before 2023)
    end: np.ndarray  # last employed day, _NO_END when still employed
    leave_type: np.ndarray  # '' when still employed
    regretted: np.ndarray  # 1 yes, 0 no, -1 not a voluntary leaver
    level: np.ndarray
    location: np.ndarray
    salary: np.ndarray
    propensity: np.ndarray  # how much the person collaborates (mean 1)
    learner: np.ndarray  # how much the person asks for training (mean 1)

    def __len__(self) -> int:
        return len(self.dept)

    @property
    def pilot(self) -> np.ndarray:
        return IS_PILOT_DEPARTMENT[self.dept]

    def ids(self) -> np.ndarray:
        return np.char.mod("p%05d@demo.example", np.arange(1, len(self) + 1)).astype(object)

    def frame(self) -> pd.DataFrame:
        ids = self.ids()
        leaver = self.end < _NO_END
        regretted = pd.array(np.where(self.regretted < 0, None, self.regretted == 1), dtype="boolean")
        return pd.DataFrame({
            "person_id": ids,
            "department": DEPARTMENT_NAMES[self.dept],
            "manager_id": np.where(self.manager >= 0, ids[np.maximum(self.manager, 0)], None),
            "hire_date": FIRST_DAY + self.hire,
            "termination_date": np.where(leaver, FIRST_DAY + np.where(leaver, self.end, 0),
                                         np.datetime64("NaT", "D")),
            "termination_type": np.where(leaver, self.leave_type, None),
            "regretted": regretted,
            "annual_salary": self.salary,
            "location": self.location,
            "job_level": self.level,
        })


def _people(rng: np.random.Generator) -> _Org:
    """Seats in each department, their first holders, then 36 months of leavers and replacements."""
    sizes = np.array([d.positions for d in DEPARTMENTS])
    seat_dept = np.repeat(np.arange(N_DEPARTMENTS), sizes)
    n_seats = len(seat_dept)
    first_seat = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(n_seats) - first_seat[seat_dept]  # 0 is the department head
    n_managers = np.maximum(1, np.rint(sizes / 8).astype(int))
    seat_is_manager = rank < n_managers[seat_dept]
    seat_is_head = rank == 0
    # Line managers report to the head; everyone else to a line manager (the head when none).
    n_line = n_managers - 1
    ic_rank = rank - n_managers[seat_dept]
    line_choice = 1 + np.where(n_line[seat_dept] > 0, ic_rank % np.maximum(n_line[seat_dept], 1), -1)
    seat_manager = np.where(seat_is_head, -1,
                            np.where(seat_is_manager, first_seat[seat_dept], first_seat[seat_dept] + line_choice))

    # The first holder of each seat is person number seat + 1.
    tenure_years = np.where(seat_is_manager, 3 + rng.gamma(2.0, 2.5, n_seats), rng.exponential(4.0, n_seats))
    hire = [-(np.minimum(tenure_years, 30) * 365.25).astype(np.int64) - 1]
    person_seat = [np.arange(n_seats)]
    new_hire = [np.zeros(n_seats, bool)]
    holder = np.arange(n_seats)
    n_people = n_seats
    end_person, end_day, end_type = [], [], []
    refill_month = np.full(n_seats, -1)
    # Expected leavers carried over from month to month per leaving type and department.
    carry = rng.random((3, N_DEPARTMENTS))
    leave_noise = rng.lognormal(0, 0.2, (3, N_DEPARTMENTS, N_MONTHS))
    all_hire = hire[0].copy()

    for m in range(N_MONTHS):
        start, days = MONTH_START[m], DAYS_IN_MONTH[m]
        # Vacant seats filled this month by a new hire.
        fill = np.flatnonzero((holder < 0) & (refill_month == m))
        if len(fill):
            new_ids = np.arange(n_people, n_people + len(fill))
            n_people += len(fill)
            day = start + rng.integers(0, days, len(fill))
            hire.append(day)
            person_seat.append(fill)
            new_hire.append(np.ones(len(fill), bool))
            all_hire = np.concatenate([all_hire, day])
            holder[fill] = new_ids
        # Leavers among individual contributors hired before this month.
        occupied = holder >= 0
        eligible = occupied & ~seat_is_manager
        eligible[occupied] &= all_hire[holder[occupied]] < start
        seats = np.flatnonzero(eligible)
        people = holder[seats]
        tenure = start - all_hire[people]
        pilot = IS_PILOT_DEPARTMENT[seat_dept[seats]]
        voluntary = (0.0105 * TURNOVER_SEASON[CALENDAR_MONTH[m]] * np.where(tenure < 365, 1.6, 1.0)
                     * (1 - VOLUNTARY_TURNOVER_DROP * EFFECT[m] * pilot))
        involuntary = np.full(len(seats), 0.0022)
        retirement = np.where(tenure > 8 * 365, 0.004, 0.0)
        kind = np.full(len(seats), "", dtype=object)
        for t, (name, hazard) in enumerate((("voluntary", voluntary), ("involuntary", involuntary),
                                            ("retirement", retirement))):
            hazard = np.where(kind == "", hazard, 0.0)
            chosen = _pick_leavers(rng, seat_dept[seats], hazard, carry[t], leave_noise[t, :, m])
            kind[chosen] = name
        leaving = kind != ""
        end_person.append(people[leaving])
        end_day.append(start + rng.integers(0, days, leaving.sum()))
        end_type.append(kind[leaving])
        holder[seats[leaving]] = -1
        refill_month[seats[leaving]] = m + rng.integers(1, 4, leaving.sum())

    seat = np.concatenate(person_seat)
    hired_later = np.concatenate(new_hire)
    n = len(seat)
    end = np.full(n, _NO_END, dtype=np.int64)
    leave_type = np.full(n, "", dtype=object)
    leavers = np.concatenate(end_person)
    end[leavers] = np.concatenate(end_day)
    leave_type[leavers] = np.concatenate(end_type)
    regretted = np.full(n, -1)
    voluntary = leave_type == "voluntary"

    dept = seat_dept[seat]
    is_manager = seat_is_manager[seat]
    is_head = seat_is_head[seat]
    level = np.where(hired_later, rng.choice(IC_LEVELS, n, p=NEW_HIRE_LEVEL_SHARE),
                     rng.choice(IC_LEVELS, n, p=IC_LEVEL_SHARE))
    level = np.where(is_manager, "Manager", level)
    level = np.where(is_head, "Director", level).astype(object)
    senior = np.isin(level, ["Senior", "Principal"])
    regretted[voluntary] = (rng.random(voluntary.sum()) < np.where(senior[voluntary], 0.6, 0.4)).astype(int)
    base_salary = np.select([is_head, is_manager], [DIRECTOR_SALARY, MANAGER_SALARY], IC_SALARY[_level_index(level)])
    pay = np.array([d.pay for d in DEPARTMENTS])[dept]
    salary = np.round(base_salary * pay * rng.lognormal(0, 0.07, n), -2)
    return _Org(
        dept=dept,
        manager=seat_manager[seat],  # managers never leave, so a seat's manager is its first holder
        is_manager=is_manager,
        is_head=is_head,
        hire=np.concatenate(hire),
        end=end,
        leave_type=leave_type,
        regretted=regretted,
        level=level,
        location=rng.choice(LOCATIONS, n, p=LOCATION_SHARE),
        salary=salary,
        propensity=np.where(rng.random(n) < 0.08, 0.05, rng.gamma(1.6, 1 / 1.6, n)) * np.where(is_manager, 1.3, 1.0),
        learner=rng.gamma(2.0, 0.5, n) * np.where(is_manager, 1.2, 1.0),
    )


def _pick_leavers(rng, dept, hazard, carry, noise) -> np.ndarray:
    """Who leaves this month. Each department loses its expected number of leavers (with some
    noise), carried over months so that small departments lose someone now and then and the
    yearly totals stay near expectation; who leaves is drawn in proportion to each hazard."""
    expected = np.bincount(dept, weights=hazard, minlength=N_DEPARTMENTS) * noise
    before = np.floor(carry)
    carry += expected  # updated in place for the next month
    count = (np.floor(carry) - before).astype(int)
    # Weighted sampling without replacement: the largest log-hazard plus Gumbel noise wins.
    key = np.full(len(hazard), -np.inf)
    positive = hazard > 0
    key[positive] = np.log(hazard[positive]) + rng.gumbel(size=positive.sum())
    order = np.lexsort((-key, dept))
    sorted_dept = dept[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_dept, sorted_dept)
    chosen = np.zeros(len(hazard), bool)
    chosen[order[(rank < count[sorted_dept]) & np.isfinite(key[order])]] = True
    return chosen


def _level_index(level: np.ndarray) -> np.ndarray:
    index = np.zeros(len(level), dtype=int)
    for i, name in enumerate(IC_LEVELS):
        index[level == name] = i
    return index


def _exposure(org: _Org) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per person and month: the share of the month employed and the employed day range [lo, hi)."""
    lo = np.maximum(org.hire[:, None], MONTH_START[None, :-1])
    hi = np.minimum(np.minimum(org.end, N_DAYS - 1)[:, None] + 1, MONTH_START[None, 1:])
    share = np.clip(hi - lo, 0, None) / DAYS_IN_MONTH[None, :]
    return share, lo, hi


# -- when things happen ----------------------------------------------------------------------


def _day_weights() -> np.ndarray:
    """Relative busyness of each day: quiet weekends, a quiet end of December and New Year's Day."""
    days = FIRST_DAY + np.arange(N_DAYS)
    weekday = (days.astype(np.int64) + 3) % 7  # 0 = Monday
    weights = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.07, 0.04])[weekday]
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    day_of_month = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    weights = np.where((month == 11) & (day_of_month >= 22), weights * 0.25, weights)
    weights = np.where((month == 11) & np.isin(day_of_month, [25, 26]), weights * 0.1, weights)
    return np.where((month == 0) & (day_of_month == 1), weights * 0.1, weights)


_CUMULATIVE = np.concatenate([[0.0], np.cumsum(_day_weights())])


def _days_between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A day in [lo, hi) for each row, drawn by the day weights."""
    target = _CUMULATIVE[lo] + rng.random(len(lo)) * (_CUMULATIVE[hi] - _CUMULATIVE[lo])
    day = np.searchsorted(_CUMULATIVE, target, side="right") - 1
    return np.clip(day, lo, hi - 1)


def _working_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    hours = 7.0 + 13.5 * rng.beta(3.2, 3.8, n)  # mostly 10:00 to 16:00, rarely before 8 or after 18
    return (hours * 3600).astype(np.int64)


def _timestamps(day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return FIRST_DAY.astype("datetime64[s]") + day * 86_400 + seconds


# -- collaboration ---------------------------------------------------------------------------


class _Pools:
    """Who can be picked as an answerer or target: people employed for most of a month,
    grouped by month, department and role (0 individual contributor, 1 manager)."""

    def __init__(self, org: _Org, share: np.ndarray):
        person, month = np.nonzero(share >= 0.5)
        group = self.group(month, org.dept[person], org.is_manager[person].astype(int))
        order = np.argsort(group, kind="stable")
        self.members = person[order]
        self.size = np.bincount(group, minlength=N_MONTHS * N_DEPARTMENTS * 2)
        self.offset = np.concatenate([[0], np.cumsum(self.size)[:-1]])
        self.largest = int(np.argmax([d.positions for d in DEPARTMENTS]))

    @staticmethod
    def group(month, dept, role):
        return (month * N_DEPARTMENTS + dept) * 2 + role

    def pick(self, rng, month, dept, role, exclude):
        """One person per row from the row's group, never the excluded person."""
        role = role.copy()
        dept = dept.copy()
        for _ in range(3):
            g = self.group(month, dept, role)
            empty = self.size[g] == 0
            role[empty] = 1 - role[empty]
            g = self.group(month, dept, role)
            size = self.size[g]
            slot = (rng.random(len(g)) * np.maximum(size, 1)).astype(np.int64)
            picked = np.where(size > 0, self.members[np.minimum(self.offset[g] + slot, len(self.members) - 1)], -1)
            clash = (picked == exclude) & (size > 1)
            shifted = self.offset[g] + (slot + 1) % np.maximum(size, 1)
            picked = np.where(clash, self.members[np.minimum(shifted, len(self.members) - 1)], picked)
            bad = (picked == exclude) | (picked < 0)
            if not bad.any():
                return picked
            # A group of one holding the excluded person: look in the other role, then elsewhere.
            role = np.where(bad, 1 - role, role)
            dept = np.where(bad & (role == 0), self.largest, dept)
        raise RuntimeError("could not pick distinct people")  # unreachable with the demo's sizes


def _other_department(rng, dept, month):
    """A department other than `dept`; for the pilot once adopted, mostly its partner department."""
    weights = np.array([d.positions for d in DEPARTMENTS], float)
    other = rng.choice(N_DEPARTMENTS, len(dept), p=weights / weights.sum())
    same = other == dept
    other[same] = (dept[same] + rng.integers(1, N_DEPARTMENTS, same.sum())) % N_DEPARTMENTS
    pilot_ids = np.flatnonzero(IS_PILOT_DEPARTMENT)
    in_pilot = IS_PILOT_DEPARTMENT[dept] & (rng.random(len(dept)) < ADOPTION[month])
    partner = pilot_ids[(np.searchsorted(pilot_ids, dept[in_pilot]) + 1) % len(pilot_ids)]
    other[in_pilot] = partner
    return other


def _activity(rng, org: _Org, exposure) -> pd.DataFrame:
    share, lo, hi = exposure
    pilot = org.pilot
    dept_noise = rng.lognormal(0, 0.06, (N_DEPARTMENTS, N_MONTHS))
    uplift = 1 + (PILOT_MULTIPLIER[None, None, :] - 1) * (ADOPTION[None, :, None] * pilot[:, None, None])
    rate = (BASE_RATE[None, None, :] * uplift
            * (org.propensity[:, None] * share * ACTIVITY_SEASON[CALENDAR_MONTH][None, :]
               * dept_noise[org.dept])[:, :, None])
    counts = rng.poisson(rate)
    person, month, kind = np.nonzero(counts)
    reps = counts[person, month, kind]
    person, month, kind = np.repeat(person, reps), np.repeat(month, reps), np.repeat(kind, reps)
    day = _days_between(rng, lo[person, month], hi[person, month])
    at = _timestamps(day, _working_seconds(rng, len(person)))
    dept = org.dept[person]
    pools = _Pools(org, share)

    # Where: a social channel, an organisation-wide channel, or the department's own channels.
    # Part of adopting social collaboration: the pilot also talks more in social spaces.
    social = rng.random(len(person)) < SOCIAL_SHARE[kind] * (1 + 0.35 * ADOPTION[month] * pilot[person])
    space = _work_channel(rng, dept)
    is_question = kind == KINDS.index("question")
    space = np.where(is_question & (rng.random(len(person)) < 0.25), "ask-anything", space)
    community = is_question & pilot[person] & (rng.random(len(person)) < 0.5 * ADOPTION[month])
    space = np.where(community, "social-learning", space)
    space = np.where(kind == KINDS.index("advocacy"), "company-news", space)
    space = np.where(social, rng.choice(SOCIAL_CHANNELS, len(person)), space).astype(object)
    platform = _platform(rng, dept)

    # Whom replies, reactions, kudos and feedback were for: mostly a colleague in the department.
    target = np.full(len(person), -1)
    aimed = TARGETED[kind]
    a_dept = np.where(rng.random(aimed.sum()) < 0.85, dept[aimed], _other_department(rng, dept[aimed], month[aimed]))
    to_manager = rng.random(aimed.sum()) < np.where(kind[aimed] == KINDS.index("feedback"), 0.3, 0.15)
    target[aimed] = pools.pick(rng, month[aimed], a_dept, to_manager.astype(int), person[aimed])

    # Questions get answers from other people, hours later.
    q = np.flatnonzero(is_question)
    thread = np.char.mod("q%06d", np.arange(1, len(q) + 1)).astype(object)
    thread_of = np.full(len(person), None, dtype=object)
    thread_of[q] = thread
    q_pilot = pilot[person[q]] * ADOPTION[month[q]]
    answered = rng.random(len(q)) < 0.55 + 0.3 * q_pilot
    n_answers = answered * (1 + rng.poisson(0.5 + 0.3 * q_pilot))
    src = np.repeat(np.arange(len(q)), n_answers)
    asker = person[q][src]
    ans_month = month[q][src]
    ans_pilot = q_pilot[src]
    ans_dept = np.where(rng.random(len(src)) < 0.8, dept[q][src], _other_department(rng, dept[q][src], ans_month))
    by_manager = rng.random(len(src)) < 0.4 * (1 - 0.6 * ans_pilot)
    answerer = pools.pick(rng, ans_month, ans_dept, by_manager.astype(int), asker)
    delay_hours = rng.lognormal(np.log(2.5 * (1 - 0.5 * ans_pilot)), 1.1)
    ans_at = at[q][src] + (delay_hours * 3600).astype(np.int64)
    keep = ans_at <= LAST_DAY.astype("datetime64[s]") + 86_399

    ids = org.ids()
    columns = {
        "occurred_at": np.concatenate([at, ans_at[keep]]),
        "person_id": ids[np.concatenate([person, answerer[keep]])],
        "kind": np.concatenate([np.array(KINDS, dtype=object)[kind], np.full(keep.sum(), "answer", dtype=object)]),
        "space": np.concatenate([space, space[q][src][keep]]),
        "space_type": np.concatenate([np.where(social, "social", "work").astype(object),
                                      np.full(keep.sum(), "work", dtype=object)]),
        "thread_id": np.concatenate([thread_of, thread[src][keep]]),
        "target_person_id": np.concatenate([target, asker[keep]]),
        "platform": np.concatenate([platform, platform[q][src][keep]]),
    }
    targets = columns["target_person_id"]
    columns["target_person_id"] = np.where(targets >= 0, ids[np.maximum(targets, 0)], None)
    order = np.argsort(columns["occurred_at"], kind="stable")
    return pd.DataFrame({name: values[order] for name, values in columns.items()})


def _work_channel(rng, dept: np.ndarray) -> np.ndarray:
    table = [np.array(d.channels, dtype=object) for d in DEPARTMENTS]
    widest = max(len(t) for t in table)
    grid = np.array([np.resize(t, widest) for t in table], dtype=object)  # repeats short lists
    counts = np.array([len(t) for t in table])
    return grid[dept, (rng.random(len(dept)) * counts[dept]).astype(int)]


def _platform(rng, dept: np.ndarray) -> np.ndarray:
    home = np.array([d.platform for d in DEPARTMENTS], dtype=object)[dept]
    other = np.where(home == "Slack", "Teams", "Slack")
    return np.where(rng.random(len(dept)) < 0.06, other, home).astype(object)


# -- training --------------------------------------------------------------------------------


def _training(rng, org: _Org, exposure) -> pd.DataFrame:
    share, lo, hi = exposure
    # New joiners ask for more training in their first three months.
    onboarding = np.where((MONTH_START[None, :-1] - org.hire[:, None]) < 90, 2.0, 1.0)
    effect = 1 - TRAINING_DROP * EFFECT[None, :] * org.pilot[:, None]
    rate = (0.15 * TRAINING_SEASON[CALENDAR_MONTH][None, :] * org.learner[:, None] * share
            * onboarding * effect)
    counts = rng.poisson(rate)
    person, month = np.nonzero(counts)
    reps = counts[person, month]
    person, month = np.repeat(person, reps), np.repeat(month, reps)
    day = _days_between(rng, lo[person, month], hi[person, month])
    dept = org.dept[person]

    tags = np.array([c[1] for c in COURSES])
    weights = np.array([[3.0 if tag in d.courses else 0.4 for tag in tags] for d in DEPARTMENTS])
    weights[:, tags == "lead"] = 0.05
    chance = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    course = (rng.random(len(person))[:, None] > chance[dept]).sum(axis=1).clip(0, len(COURSES) - 1)
    lead = np.flatnonzero(tags == "lead")
    managers = org.is_manager[person] & (rng.random(len(person)) < 0.5)
    course[managers] = rng.choice(lead, managers.sum())

    name, _, fmt, cost, seat, production = (np.array(col, dtype=object) for col in zip(*COURSES))
    recent = day >= N_DAYS - 45
    status = np.where(recent, rng.choice(["requested", "approved", "completed", "cancelled"], len(day),
                                         p=[0.45, 0.4, 0.1, 0.05]),
                      rng.choice(["completed", "cancelled"], len(day), p=[0.9, 0.1])).astype(object)
    ids = org.ids()
    return pd.DataFrame({
        "requested_on": FIRST_DAY + day,
        "person_id": ids[person],
        "department": DEPARTMENT_NAMES[dept],
        "course": name[course],
        "status": status,
        "cost": np.round((cost[course].astype(float) * rng.lognormal(0, 0.12, len(day))).clip(200, 3000), 2),
        "seat_hours": np.round(seat[course].astype(float) * rng.uniform(0.9, 1.1, len(day)) * 2) / 2,
        "production_hours": np.round(production[course].astype(float), 1),
        "format": fmt[course],
    }).sort_values("requested_on", kind="stable", ignore_index=True)


# -- managers, marketing, initiatives --------------------------------------------------------


def _manager_time(rng, org: _Org) -> pd.DataFrame:
    mid = MONTH_START[:-1] + 14
    employed = (org.hire[:, None] <= mid[None, :]) & (org.end[:, None] >= mid[None, :])
    recent = employed & ((mid[None, :] - org.hire[:, None]) < 60)  # new joiners need more direction
    has_manager = org.manager >= 0
    n = len(org)
    reports = np.stack([np.bincount(org.manager[has_manager & employed[:, m]], minlength=n)
                        for m in range(N_MONTHS)], axis=1)
    joiners = np.stack([np.bincount(org.manager[has_manager & recent[:, m]], minlength=n)
                        for m in range(N_MONTHS)], axis=1)
    managers = np.flatnonzero(org.is_manager)
    effect = 1 - DIRECTION_DROP * EFFECT[None, :] * org.pilot[managers][:, None]
    hours = ((2.0 * reports[managers] + 3.0 * joiners[managers] + 3.0)
             * ACTIVITY_SEASON[CALENDAR_MONTH][None, :] * effect
             * rng.lognormal(0, 0.08, (len(managers), N_MONTHS)))
    ids = org.ids()
    return pd.DataFrame({
        "period_start": np.tile(MONTHS.astype("datetime64[D]"), len(managers)),
        "manager_id": np.repeat(ids[managers], N_MONTHS),
        "direction_hours": (np.round(hours * 2) / 2).ravel(),
        "direct_reports": reports[managers].ravel(),
    })


def _marketing_spend(rng) -> pd.DataFrame:
    channels = np.array([c for c, _ in MARKETING_CHANNELS], dtype=object)
    base = np.array([b for _, b in MARKETING_CHANNELS], float)
    season = MARKETING_SEASON[CALENDAR_MONTH][:, None] * np.ones((1, len(channels)))
    events = channels == "Events"
    season[:, events] *= np.where(np.isin(CALENDAR_MONTH, [2, 5, 9]), 1.8, 0.7)[:, None]
    amount = base[None, :] * season * rng.lognormal(0, 0.12, (N_MONTHS, len(channels)))
    return pd.DataFrame({
        "month": np.repeat(MONTHS.astype("datetime64[D]"), len(channels)),
        "channel": np.tile(channels, N_MONTHS),
        "amount": np.round(amount, 2).ravel(),
    })


def _initiatives(rng, n: int = 105) -> pd.DataFrame:
    weights = np.array([d.positions for d in DEPARTMENTS], float) ** 0.7
    weights[DEPARTMENT_NAMES == "Legal"] = 0
    dept = rng.choice(N_DEPARTMENTS, n, p=weights / weights.sum())
    start = np.sort(rng.integers(0, MONTH_START[-3], n))
    pilot = IS_PILOT_DEPARTMENT[dept]
    # Four in ten initiatives are stopped, in the pilot and elsewhere, before and after it began.
    group = pilot * 2 + (start >= MONTH_START[_pilot_month])
    order = np.lexsort((rng.random(n), group))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.searchsorted(group[order], group[order])
    stopped = rank < np.rint(0.4 * np.bincount(group, minlength=4))[group]

    # Months an initiative runs before it is stopped; the stage it reached follows from them.
    edges = np.array([0.7, 2.0, 4.0, 8.0, 12.0])  # idea, design, build, launch
    usual = rng.choice(4, n, p=[0.15, 0.25, 0.35, 0.25])
    months = np.where(stopped, rng.uniform(edges[usual], edges[usual + 1]), rng.uniform(6, 14))
    # Once the pilot has taken hold, its teams hear early that an idea will not work: what would
    # have run on is stopped soon after, and new ideas are mostly stopped at the idea or design stage.
    effect_day = MONTH_START[_pilot_month + 3]
    early = rng.choice(4, n, p=[0.45, 0.35, 0.15, 0.05])
    early_end = np.maximum(start + rng.uniform(edges[early], edges[early + 1]) * 30.4,
                           effect_day + rng.integers(0, 45, n))
    caught = stopped & pilot & (start + months * 30.4 >= effect_day)
    months = np.where(caught, np.minimum(months, (early_end - start) / 30.4), months)

    end = start + (months * 30.4).astype(np.int64)
    ongoing = end >= N_DAYS
    months = np.where(ongoing, (N_DAYS - 1 - start) / 30.4, months)
    stage = np.where(stopped | ongoing, np.searchsorted(edges[1:4], months, side="right"), 3)
    contributors = 3 + rng.poisson(4 + 2 * stage)
    burn = 1_500 * rng.lognormal(0, 0.25, n) * np.array([0.4, 0.6, 1.0, 1.3])[stage]
    return pd.DataFrame({
        "initiative_id": np.char.mod("INI-%03d", np.arange(1, n + 1)).astype(object),
        "department": DEPARTMENT_NAMES[dept],
        "started_on": FIRST_DAY + start,
        "ended_on": np.where(ongoing, np.datetime64("NaT", "D"), FIRST_DAY + np.minimum(end, N_DAYS - 1)),
        "outcome": np.where(ongoing, "ongoing", np.where(stopped, "stopped", "launched")).astype(object),
        "stage_at_end": np.where(ongoing, None, STAGES[stage]),
        "spend": np.round(burn * contributors * months, 2),
        "contributors": contributors,
    })
