"""The disclosure plan: which segments are shown together, and the exact check that no sum or
difference of figures is about fewer people than the minimum."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lookdown.ingest.write import load_frames
from lookdown.measures import disclosure_plan, run_measure
from lookdown.measures.guard import small_combination
from lookdown.present.privacy import merged_note


def design(cells: list[tuple[int, ...]], groups: int) -> np.ndarray:
    """Rows: cells of people (which group of each segmentation they are in); columns: groups."""
    out = np.zeros((len(cells), groups))
    for row, members in enumerate(cells):
        out[row, list(members)] = 1.0
    return out


def test_a_difference_of_two_groups_that_leaves_a_few_people_is_found():
    # Departments 0 (Engineering) and 1 (Sales); locations 2 (Paris) and 3 (London). Paris is
    # Engineering and 3 people of Sales: Paris minus Engineering is those 3.
    cells = [(0, 2), (1, 2), (1, 3)]
    assert small_combination(design(cells, 4), np.array([40, 3, 30]), 5)
    assert not small_combination(design(cells, 4), np.array([40, 6, 30]), 5)


def test_three_views_that_isolate_one_person_only_together_are_found():
    # x is in department 0, location 2 and level 4; department 0 is x and A, location 2 is x and
    # B, level 4 is x, A and B: department + location - level = x. No two views alone do it.
    cells = [(0, 2, 4), (0, 3, 4), (1, 2, 4), (1, 3, 5)]  # x, A, B, everyone else
    people = np.array([1, 20, 20, 50])
    assert small_combination(design(cells, 6), people, 5)
    assert not small_combination(design(cells, 6)[:, [0, 1, 2, 3]], people, 5)
    assert not small_combination(design(cells, 6)[:, [0, 1, 4, 5]], people, 5)


def test_a_group_spread_thin_across_departments_is_safe_when_it_is_large_enough():
    # Ten directors, two in each of five departments: every cell is small, but the only figure
    # that avoids the large cells is all ten of them.
    cells = [(d, 5) for d in range(5)] + [(d, 6) for d in range(5)]
    people = np.array([2] * 5 + [40] * 5)
    assert not small_combination(design(cells, 7), people, 5)
    assert small_combination(design(cells, 7), np.array([1] * 5 + [40] * 5), 6)


def organisation(locations: dict[str, str]) -> dict[str, pd.DataFrame]:
    people = [(f"s{i}", "Sales") for i in range(8)] + [(f"e{i}", "Engineering") for i in range(9)]
    people += [(f"l{i}", "Legal") for i in range(2)]
    frame = pd.DataFrame(people, columns=["person_id", "department"]).assign(hire_date="2020-01-01")
    frame["location"] = [locations.get(p, "London") for p in frame["person_id"]]
    activity = pd.DataFrame({"occurred_at": [f"2024-0{m}-0{d} 09:00" for m in (1, 2, 3) for d in (1, 2)],
                             "person_id": "s0", "kind": "share"})
    return {"people": frame, "activity": activity}


def test_a_location_that_is_a_department_and_two_people_more_is_merged_away(db, catalogue):
    # Paris is Engineering and two people of Sales: Paris minus Engineering would be those two.
    load_frames(db, organisation({**{f"e{i}": "Paris" for i in range(9)}, "s0": "Paris", "s1": "Paris"}),
                kind="t", source="t")
    plan = disclosure_plan(db)
    assert plan.grouping("department").merged == ("Legal", "Sales")
    location = plan.grouping("location")
    assert location.overlap and not location.split  # Paris and London would give the two away
    result = run_measure(db, catalogue["resources_shared"], by="location")
    assert set(result.frame["segment"]) == {"Smaller locations"}
    assert "would let someone work out figures about fewer than 5 people" in merged_note(location, 5)


def test_a_location_that_cuts_departments_in_large_parts_is_shown(db):
    load_frames(db, organisation({f"{d}{i}": "Paris" for d in "se" for i in range(4)}), kind="t", source="t")
    location = disclosure_plan(db).grouping("location")
    assert location.groups == ("London", "Paris") and not location.overlap


def test_the_plan_follows_the_data_version(db):
    load_frames(db, organisation({}), kind="t", source="t")
    assert disclosure_plan(db).grouping("department").merged == ("Legal", "Sales")
    more = pd.DataFrame({"person_id": [f"l{i}" for i in range(2, 9)], "department": "Legal",
                         "hire_date": "2020-01-01"})
    load_frames(db, {"people": more}, kind="t", source="t")
    assert disclosure_plan(db).grouping("department").merged == ()


def test_on_the_demo_the_plan_sizes_groups_as_the_headcount_does(demo_db):
    plan = disclosure_plan(demo_db)
    stored = demo_db.cursor().execute(
        "select period, segment, people from headcount_rollup where grain = 'month' and by_key = 'location'").df()
    stored = stored.pivot(index="period", columns="segment", values="people")
    stored.index = pd.to_datetime(stored.index)
    sizes = plan.group_sizes("location", "month")[stored.columns]
    assert (sizes.loc[stored.index].to_numpy() == stored.to_numpy()).all()
