"""Every measure returns the hand-worked values of its cases, through the app's loader and engine.

A measure file without a case in cases.py fails here, so no measure ships untested.
"""
from __future__ import annotations

import math
import re
from datetime import date

import pandas as pd
import pytest

from lookdown.ingest.write import load_frames
from lookdown.measures import MEASURES_DIR, run_measure
from tests.measures.cases import CASES, JAN, ROSTER, Case, event, person

MEASURE_FILES = sorted(MEASURES_DIR.glob("*.sql"))


def _case_params():
    for path in MEASURE_FILES:
        cases = CASES.get(path.stem)
        if not cases:
            yield pytest.param(path.stem, None, id=f"{path.stem}-no case")
            continue
        for case in cases:
            yield pytest.param(path.stem, case, id=f"{path.stem}-{case.title}")


def load(db, tables: dict[str, list[dict]]) -> None:
    load_frames(db, {table: pd.DataFrame(rows) for table, rows in tables.items()}, kind="test", source="cases")


def result_rows(frame: pd.DataFrame) -> list[tuple]:
    """The frame as (period, segment, value, people, suppressed) with None for missing values."""
    return [
        (
            period.strftime("%Y-%m-%d"),
            segment,
            None if pd.isna(value) else float(value),
            None if pd.isna(people) else int(people),
            bool(suppressed),
        )
        for period, segment, value, people, suppressed in frame[
            ["period", "segment", "value", "people", "suppressed"]
        ].itertuples(index=False)
    ]


def assert_rows(actual: list[tuple], expected: list[tuple]) -> None:
    assert [row[:2] for row in actual] == [row[:2] for row in expected], "cells differ"
    for got, want in zip(actual, expected):
        cell = f"{got[0]} {got[1]}"
        if want[2] is None:
            assert got[2] is None, f"{cell}: expected no value, got {got[2]}"
        else:
            assert got[2] is not None and math.isclose(got[2], want[2], rel_tol=1e-9), (
                f"{cell}: value {got[2]} != {want[2]}"
            )
        assert got[3:] == tuple(want[3:]), f"{cell}: (people, suppressed) {got[3:]} != {tuple(want[3:])}"


@pytest.mark.parametrize(("name", "case"), list(_case_params()))
def test_measure_returns_hand_worked_values(db, catalogue, name: str, case: Case | None):
    assert case is not None, f"measures/{name}.sql has no value case in tests/measures/cases.py"
    load(db, case.tables)
    result = run_measure(
        db, catalogue[name], grain=case.grain, by=case.by, start=case.start, end=case.end,
        min_group_size=case.min_group_size,
    )
    assert_rows(result_rows(result.frame), case.expected)


def test_every_case_names_a_measure_file():
    assert set(CASES) <= {path.stem for path in MEASURE_FILES}


def test_every_measure_has_a_segmented_case(catalogue):
    for measure in catalogue:
        if measure.segmentable:
            assert any(case.by == "department" for case in CASES.get(measure.name, [])), measure.name


def test_zero_filled_measures_show_an_empty_cell_as_zero(catalogue):
    """Each zero-filled measure has a case whose expected cells include a visible 0."""
    for measure in catalogue:
        if measure.fill == "zero":
            cells = [row for case in CASES.get(measure.name, []) for row in case.expected]
            assert any(value == 0 and not hidden for _, _, value, _, hidden in cells), measure.name


# -- the catalogue ---------------------------------------------------------------------------


def test_catalogue_loads_every_measure_file(catalogue):
    assert sorted(m.name for m in catalogue) == [path.stem for path in MEASURE_FILES]
    assert len(catalogue) == 25


def test_cost_measures_are_paired_with_a_driver_and_only_they_are(catalogue):
    for measure in catalogue:
        if measure.pillar == "cost":
            assert measure.direction == "down", measure.name
            assert catalogue[measure.paired_with].pillar != "cost", measure.name
        else:
            assert measure.paired_with == "", measure.name


def test_shares_are_formatted_as_percentages_and_never_zero_filled(catalogue):
    for measure in catalogue:
        if measure.unit.startswith("share"):
            assert (measure.format, measure.fill) == (".1%", "none"), measure.name


def test_measures_read_rollups_not_raw_events(catalogue):
    for measure in catalogue:
        assert not re.search(r"\b(from|join)\s+activity\b", measure.sql), measure.name


# -- the engine and its privacy guard ----------------------------------------------------------

# Sales has six people, Support two and Finance seven.
SMALL_TEAM = (
    [person(name, "Sales") for name in ("ann", "bob", "cat", "gus", "ivy", "jon")]
    + [person(name, "Support") for name in ("dan", "fay")]
    + [person(name, "Finance") for name in ("kim", "lee", "max", "ned", "oli", "pat", "quy")]
)

FEEDBACK_IN_JANUARY = [
    event("2024-01-03 09:00", "ann", "feedback", target="bob"),
    event("2024-01-04 09:00", "bob", "feedback", target="ann"),
    event("2024-01-05 09:00", "dan", "feedback", target="fay"),
    event("2024-01-06 09:00", "kim", "feedback", target="lee"),
    event("2024-01-07 09:00", "lee", "feedback", target="kim"),
    event("2024-01-08 09:00", "max", "feedback", target="kim"),
]


def test_a_small_department_is_shown_with_the_next_smallest(db, catalogue):
    load(db, {"people": SMALL_TEAM, "activity": FEEDBACK_IN_JANUARY})
    result = run_measure(db, catalogue["feedback_given"], by="department",
                         start=date(2024, 1, 1), end=date(2024, 1, 31), min_group_size=5)
    # Support (2 people) is never shown alone, so no total minus the others gives it away.
    assert result_rows(result.frame) == [
        (JAN, "Finance", 3.0, 7, False),
        (JAN, "Smaller departments", 3.0, 8, False),   # Sales (6) and Support (2) together
    ]
    assert result.grouping.merged == ("Sales", "Support") and result.suppressed_cells == 0


def test_the_database_minimum_group_size_applies_by_default(db, catalogue):
    load(db, {"people": SMALL_TEAM, "activity": FEEDBACK_IN_JANUARY})
    db.set_min_group_size(7)
    result = run_measure(db, catalogue["feedback_given"], by="none",
                         start=date(2024, 1, 1), end=date(2024, 2, 29))
    # February is after the last loaded event: nothing is known about it, so it has no cell.
    assert result_rows(result.frame) == [(JAN, "All", 6.0, 15, False)]
    split = run_measure(db, catalogue["feedback_given"], by="department",
                        start=date(2024, 1, 1), end=date(2024, 1, 31))
    # At 7, Sales (6) joins Support (2): 8 people.
    assert [row[1:4] for row in result_rows(split.frame)] == [("Finance", 3.0, 7), ("Smaller departments", 3.0, 8)]


def test_an_organisation_wide_measure_cannot_be_segmented(db, catalogue):
    load(db, {"people": ROSTER})
    with pytest.raises(ValueError, match="organisation-wide"):
        run_measure(db, catalogue["marketing_spend"], by="department",
                    start=date(2024, 1, 1), end=date(2024, 1, 31))


@pytest.mark.parametrize("by", ["favourite_colour", "location"])
def test_a_segmentation_outside_the_allowlist_is_refused(db, catalogue, by):
    """`location` is offered only once some person has a location."""
    load(db, {"people": ROSTER})
    with pytest.raises(ValueError, match="Cannot segment by"):
        run_measure(db, catalogue["questions_asked"], by=by, start=date(2024, 1, 1), end=date(2024, 1, 31))
