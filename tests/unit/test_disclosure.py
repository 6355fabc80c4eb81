"""The differencing attacks, tried on the demo as an attacker would (its Legal department has 3
people and must never be revealed): a pilot with and without Legal, the rest of each, the
knowledge flow's totals beside its cells, and every view of a month put together."""
from __future__ import annotations

import itertools
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lookdown.cli import main
from lookdown.findings import can_combine, department_cohort_result, department_groups
from lookdown.measures import SMALLER_DEPARTMENTS, run_measure
from lookdown.measures.flow import knowledge_flow

ENGINEERING_AND_IT = ["Engineering", "IT"]


def test_the_demo_has_a_department_below_the_minimum(demo_db):
    sizes = dict(demo_db.cursor().execute("select department, count(*) from people group by 1").fetchall())
    assert sizes["Legal"] < demo_db.min_group_size <= min(n for d, n in sizes.items() if d != "Legal")


def test_a_pilot_with_and_without_a_small_department_cannot_be_subtracted(demo_db, catalogue):
    additive = [m for m in catalogue if can_combine(m)]
    assert len(additive) == 16
    for measure in additive:
        without = department_cohort_result(demo_db, measure, ENGINEERING_AND_IT).frame
        with pytest.raises(ValueError, match="Legal can only be chosen together with HR, as 'Smaller departments'"):
            department_cohort_result(demo_db, measure, ENGINEERING_AND_IT + ["Legal"])
        # The nearest pilot that can be asked for adds HR and Legal together: its difference is
        # their figure, at least 60 people, never Legal's.
        wider = department_cohort_result(demo_db, measure, ENGINEERING_AND_IT + [SMALLER_DEPARTMENTS]).frame
        both = without.merge(wider, on=["period", "segment"], suffixes=("_without", "_with"))
        pilot = both[both["segment"] == "Chosen departments"].set_index("period")
        rest = both[both["segment"] == "Rest"].set_index("period")
        assert (pilot["people_with"] - pilot["people_without"] >= 60).all(), measure.name
        assert (rest["people_without"] - rest["people_with"] >= 60).all(), measure.name
        split = run_measure(demo_db, measure, by="department").frame
        smaller = split[split["segment"] == SMALLER_DEPARTMENTS].set_index("period")["value"]
        pd.testing.assert_series_equal((pilot["value_with"] - pilot["value_without"]).rename("value"),
                                       smaller.reindex(pilot.index), check_names=False)


def test_the_command_line_refuses_the_same_pilot(demo_db, capsys):
    argv = ["--db", str(demo_db.path), "compare", "training_requests", "--departments", "Engineering,IT,Legal",
            "--start", "2024-07-01", "--format", "json"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Legal can only be chosen together with HR" in err and "Choose 'Smaller departments'" in err


def test_no_total_minus_the_flow_cells_beside_it_leaves_anything(demo_db, capsys):
    flow = knowledge_flow(demo_db, start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert "Legal" not in flow.departments and set(flow.merged_departments) == {"HR", "Legal"}
    cells = np.array(flow.matrix)
    assert flow.answers_total == cells.sum()
    assert flow.answers_across == cells.sum() - np.trace(cells)
    # The same from the command line's JSON, as a script would try it.
    assert main(["--db", str(demo_db.path), "flow", "--from", "2025-01-01", "--to", "2025-12-31"]) == 0
    out = json.loads(capsys.readouterr().out)
    off_diagonal = sum(c["value"] for c in out["cells"] if c["from"] != c["to"] and not c["suppressed"])
    assert out["answers_across_departments"] - off_diagonal == 0
    assert out["answers_total"] == sum(c["value"] for c in out["cells"])


def _in_span(vectors: list[np.ndarray], target: np.ndarray) -> bool:
    basis = np.array(vectors).T
    coefficients, *_ = np.linalg.lstsq(basis, target, rcond=None)
    return bool(np.allclose(basis @ coefficients, target, atol=1e-6))


def test_every_view_of_a_month_together_reveals_no_department_below_the_minimum(demo_db, catalogue):
    """The whole organisation, every department group, and every pilot of up to three department
    groups with its rest: as vectors over departments, no small department is in their span."""
    measure, month = catalogue["training_requests"], pd.Timestamp(2024, 3, 1)
    names = [d for (d,) in demo_db.cursor().execute("select distinct department from people order by 1").fetchall()]
    index = {d: i for i, d in enumerate(names)}

    def vector(members) -> np.ndarray:
        out = np.zeros(len(names))
        out[[index[m] for m in members]] = 1.0
        return out

    shown = [np.ones(len(names))]  # the whole organisation
    split = run_measure(demo_db, measure, by="department").frame
    for row in split[(split["period"] == month) & ~split["suppressed"]].itertuples():
        shown.append(vector(department_groups(demo_db).get(row.segment, (row.segment,))))
    groups = list(department_groups(demo_db))
    for size in (1, 2, 3):
        for chosen in itertools.combinations(groups, size):
            frame = department_cohort_result(demo_db, measure, list(chosen)).frame
            cells = frame[(frame["period"] == month) & ~frame["suppressed"]]
            members = [d for g in chosen for d in department_groups(demo_db)[g]]
            if "Chosen departments" in set(cells["segment"]):
                shown.append(vector(members))
            if "Rest" in set(cells["segment"]):
                shown.append(np.ones(len(names)) - vector(members))
    assert not _in_span(shown, vector(["Legal"]))
    # HR and Legal together are what can be worked out: a group of more than 60 people.
    assert _in_span(shown, vector(["HR", "Legal"]))
