"""Property tests of the privacy guard: random organisations (departments of random sizes, some
below the minimum, people joining and leaving, locations, cohorts by department or by person,
people missing from the people file) and random sequences of queries through the public
functions (a measure by each segmentation and grain, pilots made of department groups and their
rest, the knowledge flow), then an attacker's check of everything shown together.

Every figure shown is a sum over people and days, so each is a vector over (person, day); what
can be worked out from them is their span. For every set of fewer people than the minimum, and
every day, piece of a week or period, the figure of that set over that time must not lie in the
span (checked by least squares, independently of how the guard decides). Shown figures must
also be what they say: each equals the sum over the people its label names."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lookdown.findings import department_cohort_result, department_groups
from lookdown.ingest.write import load_frames
from lookdown.measures import Catalogue, run_measure
from lookdown.measures.flow import knowledge_flow
from lookdown.periods import GRAINS, next_period, period_start
from lookdown.store import Database

MIN_SIZE = 3  # the smallest allowed: every set of one or two people is a target
CATALOGUE = Catalogue.load()
SHARES = CATALOGUE["resources_shared"]  # one 'share' event counts one, by the person sharing


@dataclass
class Organisation:
    people: pd.DataFrame            # person_id, department, location, hire_date, termination_date
    outsiders: list[str]            # people missing from the people file
    cohorts: pd.DataFrame           # cohort, department or person_id, started_on
    first: date
    last: date
    shares: dict[tuple[str, date], int]   # (person, day) -> events
    answers: list[tuple[str, str, date]]  # (answerer, asker, day)

    def __post_init__(self):
        self._rows = self.people.set_index("person_id").to_dict("index")

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=k) for k in range((self.last - self.first).days + 1)]

    def everyone(self) -> list[str]:
        return list(self.people["person_id"]) + self.outsiders

    def can_act(self, person: str, day: date) -> bool:
        """Someone in the people file while employed; anyone else from the first to the last day
        the data mentions them (the guard's rule, as for employment)."""
        if person in self.outsiders:
            mentioned = [d for p, d in self.shares if p == person]
            return bool(mentioned) and min(mentioned) <= day <= max(mentioned)
        row = self._rows[person]
        hired = row["hire_date"] if isinstance(row["hire_date"], date) else date.min
        left = row["termination_date"] if isinstance(row["termination_date"], date) else date.max
        return hired <= day <= left

    def segment(self, person: str, by: str) -> str:
        """The segment the measures put someone in (schema.sql derive_person_segments)."""
        if by == "cohort":
            department = None if person in self.outsiders else self._rows[person]["department"]
            named = self.cohorts[(self.cohorts["person_id"] == person) | (self.cohorts["department"] == department)]
            return named["cohort"].iloc[0] if len(named) else "Rest"
        value = None if person in self.outsiders else self._rows[person][by]
        return value if isinstance(value, str) else "Unknown"


@st.composite
def organisations(draw) -> Organisation:
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    first = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 90)))
    last = first + timedelta(days=draw(st.integers(20, 45)))
    span = (last - first).days
    sizes = draw(st.lists(st.integers(1, 7), min_size=2, max_size=4))
    # Locations: none, at random, or following departments but for a few people (who can then
    # be worked out by subtracting a department from a location, unless the guard stops it).
    locations = draw(st.sampled_from(["none", "random", "aligned"]))
    rows, n = [], 0
    for d, size in enumerate(sizes):
        for _ in range(size):
            n += 1
            hired = first + timedelta(days=rng.randint(1, span)) if rng.random() < 0.2 else None
            left = None
            if rng.random() < 0.2:
                earliest = hired or first
                left = earliest + timedelta(days=rng.randint(0, (last - earliest).days))
            location = {"none": None, "random": rng.choice(["North", "South", None]),
                        "aligned": "North" if d % 2 == 0 else "South"}[locations]
            rows.append({"person_id": f"p{n:02d}", "department": f"D{d}", "location": location,
                         "hire_date": hired, "termination_date": left})
    people = pd.DataFrame(rows)
    if locations == "aligned":
        for i in rng.sample(range(len(people)), rng.randint(1, 2)):
            people.loc[i, "location"] = "South" if people.loc[i, "location"] == "North" else "North"
    outsiders = [f"x{i}" for i in range(draw(st.integers(0, 2)))]
    kind = draw(st.sampled_from(["none", "departments", "people", "nearly a department"]))
    if kind == "nearly a department":
        # One department's people, give or take one or two: a cohort an attacker would subtract.
        department = rng.choice(sorted(people["department"].unique()))
        own = list(people.loc[people["department"] == department, "person_id"])
        others = [p for p in people["person_id"] if p not in own]
        chosen = own[: len(own) - rng.randint(0, min(2, len(own) - 1))] + rng.sample(others, min(len(others),
                                                                                        rng.randint(0, 2)))
        cohorts = pd.DataFrame({"cohort": "Pilot", "department": None, "person_id": chosen, "started_on": first})
    elif kind == "departments":
        chosen = rng.sample(sorted(people["department"].unique()), rng.randint(1, len(sizes) - 1))
        cohorts = pd.DataFrame({"cohort": "Pilot", "department": chosen, "person_id": None, "started_on": first})
    elif kind == "people":
        chosen = rng.sample(list(people["person_id"]), rng.randint(1, len(people)))
        cohorts = pd.DataFrame({"cohort": "Pilot", "department": None, "person_id": chosen, "started_on": first})
    else:
        cohorts = pd.DataFrame(columns=["cohort", "department", "person_id", "started_on"])
    org = Organisation(people, outsiders, cohorts, first, last, {}, [])
    for day in org.days:
        for person in people["person_id"]:
            if org.can_act(person, day) and rng.random() < 0.3:
                org.shares[(person, day)] = rng.randint(1, 3)
        for person in outsiders:
            if rng.random() < 0.2 or (day == first and person == outsiders[0]):
                org.shares[(person, day)] = rng.randint(1, 3)
    # Data on the first and the last day, so the data spans exactly first..last.
    for day in (first, last):
        if not any(d == day for _, d in org.shares):
            org.shares[(outsiders[0] if outsiders else "x-edge", day)] = 1
            if not outsiders:
                org.outsiders.append("x-edge")
    for _ in range(rng.randint(0, 12)):
        asker, answerer = rng.sample(list(people["person_id"]), 2)
        day = first + timedelta(days=rng.randint(0, span))
        if org.can_act(asker, day) and org.can_act(answerer, day):
            org.answers.append((answerer, asker, day))
    return org


def load(org: Organisation) -> Database:
    db = Database(None, key="0" * 64)
    events, minute = [], 0
    for (person, day), count in sorted(org.shares.items()):
        for _ in range(count):
            minute += 1
            events.append({"occurred_at": pd.Timestamp(day) + pd.Timedelta(minutes=minute), "person_id": person,
                           "kind": "share"})
    for k, (answerer, asker, day) in enumerate(org.answers):
        asked = pd.Timestamp(day) + pd.Timedelta(hours=20, minutes=k)
        events.append({"occurred_at": asked, "person_id": asker, "kind": "question", "thread_id": f"t{k}"})
        events.append({"occurred_at": asked + pd.Timedelta(seconds=30), "person_id": answerer, "kind": "answer",
                       "thread_id": f"t{k}", "target_person_id": asker})
    frames = {"people": org.people.astype(object).where(org.people.notna(), None), "activity": pd.DataFrame(events)}
    if len(org.cohorts):
        frames["cohorts"] = org.cohorts
    load_frames(db, frames, kind="test", source="hypothesis")
    db.set_min_group_size(MIN_SIZE)
    return db


queries = st.lists(
    st.one_of(
        st.tuples(st.just("measure"), st.sampled_from(["none", "department", "cohort", "location"]),
                  st.sampled_from(GRAINS)),
        st.tuples(st.just("pilot"), st.integers(1, 2**5), st.sampled_from(GRAINS)),
    ),
    min_size=4, max_size=12,
)


@dataclass(frozen=True)
class Figure:
    people: frozenset[str]
    first: date
    last: date
    value: float


def shown_figures(db: Database, org: Organisation, asked) -> list[Figure]:
    """Every figure the queries showed, with the people its label names and the days it covers."""
    figures = []
    everyone = frozenset(org.everyone())
    groups = department_groups(db)
    names = sorted(groups)
    for query in asked:
        if query[0] == "measure":
            _, by, grain = query
            if (by == "location" and org.people["location"].isna().all()) or (by == "cohort" and org.cohorts.empty):
                continue
            result = run_measure(db, SHARES, by=by, grain=grain)
            for row in result.frame[~result.frame["suppressed"]].itertuples():
                if by == "none":
                    people = everyone
                else:
                    segments = set(result.grouping.members(row.segment))
                    people = frozenset(p for p in everyone if org.segment(p, by) in segments)
                figures.append(Figure(people, row.period.date(), next_period(row.period.date(), grain)
                                      - timedelta(days=1), row.value))
        else:
            _, mask, grain = query
            chosen = [g for i, g in enumerate(names) if mask >> i & 1]
            if not chosen or len(chosen) == len(names):
                continue
            frame = department_cohort_result(db, SHARES, chosen, grain=grain).frame
            departments = {d for g in chosen for d in groups[g]}
            inside = frozenset(p for p in everyone if org.segment(p, "department") in departments)
            for row in frame[~frame["suppressed"]].itertuples():
                people = inside if row.segment == "Chosen departments" else everyone - inside
                figures.append(Figure(people, row.period.date(), next_period(row.period.date(), grain)
                                      - timedelta(days=1), row.value))
    return figures


def spans(org: Organisation) -> list[tuple[date, date]]:
    """Every day, every piece of a week inside one month, and every period of every grain."""
    found = [(d, d) for d in org.days]
    for grain in GRAINS:
        start = period_start(org.first, grain)
        while start <= org.last:
            found.append((start, next_period(start, grain) - timedelta(days=1)))
            start = next_period(start, grain)
    cuts = sorted({d for d in org.days if d.weekday() == 0 or d.day == 1} | {org.first})
    found += [(a, b - timedelta(days=1)) for a, b in zip(cuts, cuts[1:] + [org.last + timedelta(days=1)])]
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(org=organisations(), asked=queries)
def test_no_set_of_fewer_people_than_the_minimum_can_be_worked_out(org, asked):
    db = load(org)
    try:
        figures = shown_figures(db, org, asked)
        flow = knowledge_flow(db, start=org.first, end=org.last)
        groups = department_groups(db)
    finally:
        db.close()
    people = org.everyone()
    # The coordinates a figure can hold something in: a person on a day they could act.
    coordinates = [(p, d) for p in people for d in org.days if org.can_act(p, d)]
    where = {c: i for i, c in enumerate(coordinates)}
    times = spans(org)

    def indicator(members, first: date, last: date) -> np.ndarray:
        out = np.zeros(len(coordinates))
        for p in members:
            for k in range((last - first).days + 1):
                i = where.get((p, first + timedelta(days=k)))
                if i is not None:
                    out[i] = 1.0
        return out

    # Each figure is what its label says: the sum over the people it names and the days it covers.
    values = np.array([org.shares.get(c, 0) for c in coordinates], dtype=float)
    shown = np.array([indicator(f.people, f.first, f.last) for f in figures]).reshape(len(figures), len(coordinates))
    assert np.allclose(shown @ values, [f.value for f in figures])

    # Two figures over the same days are about the same people, or differ by at least the minimum.
    for a, b in itertools.combinations(figures, 2):
        if (a.first, a.last) == (b.first, b.last):
            active = {p for p in a.people | b.people if any(org.can_act(p, d) for d in org.days
                                                            if a.first <= d <= a.last)}
            differ = (a.people ^ b.people) & active
            assert not differ or len(differ) >= MIN_SIZE, (a, b)

    # No set of fewer people than the minimum, over any day, piece of a week or period, lies in
    # the span of what was shown. Residuals add up, so each person's are computed once.
    if len(figures):
        u, s, _ = np.linalg.svd(shown.T, full_matrices=False)
        basis = u[:, s > 1e-9 * s.max()]
        singles = np.array([[indicator([p], a, b) for a, b in times] for p in people])  # person x time x coord
        residuals = singles - (singles @ basis) @ basis.T
        for size in range(1, MIN_SIZE):
            for chosen in itertools.combinations(range(len(people)), size):
                target = singles[list(chosen)].sum(axis=0)
                left = residuals[list(chosen)].sum(axis=0)
                for t, (a, b) in enumerate(times):
                    if target[t].any():
                        assert np.abs(left[t]).max() > 1e-6, (
                            f"{[people[i] for i in chosen]} from {a} to {b} can be worked out")

    # The knowledge flow: its rows are department groups of at least the minimum in every month
    # they have anyone, and its totals add up from its cells.
    if flow.departments:
        cells = np.array(flow.matrix)
        assert flow.answers_total == cells.sum()
        alone = [i for i, g in enumerate(flow.departments) if g == "Unknown"]
        across = cells.sum() - np.trace(cells) - sum(cells[i].sum() + cells[:, i].sum() - 2 * cells[i, i]
                                                     for i in alone)
        assert flow.answers_across == across
        for group in flow.departments:
            members = [p for p in people
                       if org.segment(p, "department") in (groups.get(group) or (group,))]
            month = period_start(org.first, "month")
            while month <= org.last:
                last = next_period(month, "month") - timedelta(days=1)
                here = {p for p in members for d in org.days if month <= d <= last and org.can_act(p, d)}
                assert not here or len(here) >= MIN_SIZE, (group, month, sorted(here))
                month = next_period(month, "month")
