"""The organisations every test tier shares, loaded the way every import is: a small
hand-made one (below) and the demo (built once per test session, in tests/conftest.py).

54 people in three departments through 2024: Sales (30), Support (20, the pilot cohort from July)
and Legal (4, smaller than the default minimum group size, so its cells are hidden when split by
department). Questions answered by colleagues grow each month; training requests shrink.
Marketing spend, manager time and initiatives are left empty on purpose.
"""
from __future__ import annotations

import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from lookdown.ingest.write import load_frames
from lookdown.store import Database

DEPARTMENTS = {"Sales": 30, "Support": 20, "Legal": 4}
MONTHS = [date(2024, m, 1) for m in range(1, 13)]


def people_frame() -> pd.DataFrame:
    rows = []
    n = 0
    for department, size in DEPARTMENTS.items():
        for _ in range(size):
            n += 1
            rows.append({
                "person_id": f"p{n:03d}",
                "department": department,
                "hire_date": "2020-01-01",
                "location": "London" if n % 2 else "Leeds",
            })
    return pd.DataFrame(rows)


def frames() -> dict[str, pd.DataFrame]:
    rng = random.Random(7)
    people = people_frame()
    ids = list(people["person_id"])
    by_department = {d: list(people.loc[people["department"] == d, "person_id"]) for d in DEPARTMENTS}

    activity = []
    for m, month in enumerate(MONTHS, start=1):
        for q in range(5 + 2 * m):  # 7 answered questions in January, 29 in December
            asker, answerer = rng.sample(ids, 2)
            asked = datetime(month.year, month.month, 1 + q % 27, 9, 0)
            thread = f"t{m:02d}-{q:02d}"
            activity.append({"occurred_at": asked, "person_id": asker, "kind": "question",
                             "thread_id": thread, "space_type": "work"})
            activity.append({"occurred_at": asked + timedelta(hours=2), "person_id": answerer,
                             "kind": "answer", "thread_id": thread, "target_person_id": asker,
                             "space_type": "work"})

    training = []
    for m, month in enumerate(MONTHS, start=1):
        for r in range(22 - m):  # 21 requests in January, 10 in December
            department = "Sales" if r % 2 else "Support"
            training.append({"requested_on": date(month.year, month.month, 1 + r % 27),
                             "person_id": rng.choice(by_department[department]),
                             "course": "Excel", "status": "requested", "cost": 400})
        # Legal asks for one course a month: a group of 4, hidden when split by department.
        training.append({"requested_on": date(month.year, month.month, 15),
                         "person_id": rng.choice(by_department["Legal"]),
                         "course": "Contracts", "status": "requested", "cost": 900})

    cohorts = pd.DataFrame([{"cohort": "Pilot", "department": "Support", "started_on": "2024-07-01"}])
    return {
        "people": people,
        "activity": pd.DataFrame(activity),
        "training": pd.DataFrame(training),
        "cohorts": cohorts,
    }


def build(path: Path, rename: dict[str, str] | None = None) -> Path:
    """Write the organisation to a database file and close it, ready for the app to open.
    `rename` gives departments other names (names made to attack a page, say), as HR would."""
    tables = frames()
    for table in ("people", "cohorts"):
        tables[table]["department"] = tables[table]["department"].replace(rename or {})
    db = Database(path)
    try:
        load_frames(db, tables, kind="test", source="fixture")
    finally:
        db.close()
    return path


def copy_database(source: Path, target: Path) -> Path:
    """A copy of a closed database file and its key, for a test that writes or a server that must
    be the only process opening its file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    shutil.copy(source.with_suffix(".key"), target.with_suffix(".key"))
    return target
