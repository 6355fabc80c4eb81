"""Knowledge flow between departments on a small loaded fixture, with small groups merged, and
totals that add up from the cells shown, so that none gives a merged department away."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from lookdown.ingest.write import load_frames
from lookdown.measures.flow import knowledge_flow
from lookdown.measures.guard import SMALLER_DEPARTMENTS as OTHER

MARCH = dict(start=date(2024, 3, 1), end=date(2024, 3, 31))


def people(**departments):
    rows = []
    for department, count in departments.items():
        prefix = department[:2].lower()
        rows += [{"person_id": f"{prefix}{i}", "department": department} for i in range(1, count + 1)]
    return pd.DataFrame(rows)


def event(when, who, kind, thread=None, target=None):
    return {"occurred_at": when, "person_id": who, "kind": kind, "thread_id": thread, "target_person_id": target}


ACTIVITY = pd.DataFrame([
    # q1: Sales asks, two Support people answer (2 answers Support -> Sales; crosses).
    event("2024-03-01 09:00", "sa1", "question", "q1"),
    event("2024-03-01 10:00", "su1", "answer", "q1"),
    event("2024-03-01 11:00", "su2", "answer", "q1"),
    # q2: Support asks, Support answers (within).
    event("2024-03-04 09:00", "su3", "question", "q2"),
    event("2024-03-04 09:30", "su4", "answer", "q2"),
    # q3: Legal asks; Sales and Finance answer (crosses).
    event("2024-03-05 09:00", "le1", "question", "q3"),
    event("2024-03-05 10:00", "sa2", "answer", "q3"),
    event("2024-03-05 10:30", "fi1", "answer", "q3"),
    # q4: Finance asks, Legal answers (inside the merged group).
    event("2024-03-06 09:00", "fi2", "question", "q4"),
    event("2024-03-06 12:00", "le2", "answer", "q4"),
    # q5: Sales asks, answers it themselves (not counted), another Sales person answers.
    event("2024-03-07 09:00", "sa3", "question", "q5"),
    event("2024-03-07 09:10", "sa3", "answer", "q5"),
    event("2024-03-07 09:20", "sa4", "answer", "q5"),
    # q6: nobody answers.
    event("2024-03-08 09:00", "sa5", "question", "q6"),
    # A reply from Sales to Support.
    event("2024-03-02 15:00", "sa1", "reply", target="su1"),
    # q7: someone missing from the people file asks; Sales answers.
    event("2024-03-11 09:00", "ghost", "question", "q7"),
    event("2024-03-11 10:00", "sa6", "answer", "q7"),
    # Outside the range.
    event("2024-05-02 09:00", "sa1", "question", "q8"),
    event("2024-05-02 10:00", "su1", "answer", "q8"),
])


def test_matrix_counts_and_cross_department_share(db):
    load_frames(db, {"people": people(Sales=6, Support=5, Legal=3, Finance=3), "activity": ACTIVITY},
                kind="test", source="test")
    flow = knowledge_flow(db, **MARCH)
    # Legal (3), Finance (3) and the one unknown person are merged: 7 people >= 5.
    assert flow.departments == ("Sales", "Support", OTHER)
    assert flow.merged_departments == ("Finance", "Legal", "Unknown")
    assert flow.matrix == (
        (1, 1, 2),   # Sales answered Sales (q5), replied to Support, answered Legal (q3) and the unknown asker (q7)
        (2, 1, 0),   # Support answered Sales twice (q1) and Support once (q2)
        (0, 0, 2),   # Finance -> Legal (q3), Legal -> Finance (q4)
    )
    assert flow.answers_total == 9
    # Between two different groups shown: the off-diagonal cells, nothing hidden inside the
    # merged group (Finance <-> Legal stays inside it).
    assert flow.answers_across == 5 == sum(flow.matrix[r][c] for r in range(3) for c in range(3) if r != c)
    assert flow.questions_answered == 6      # q1, q2, q3, q4, q5, q7
    assert flow.questions_answered_across == 3  # q1, q3 (Sales answered Legal) and q7 (the unknown asker is merged)
    assert flow.questions_undetermined == 0
    assert flow.share_answered_across == pytest.approx(3 / 6)
    assert flow.share_by_department == {"Sales": 0.5, "Support": 0.0, OTHER: pytest.approx(2 / 3)}
    frame = flow.matrix_frame()
    assert frame.loc["Support", "Sales"] == 2
    assert "50" in flow.explanation and OTHER in flow.explanation
    assert {"from": "Support", "to": "Sales", "value": 2, "suppressed": False} in flow.cells()
    data = json.loads(json.dumps(flow.to_dict()))
    assert data["matrix"][0] == [1, 1, 2]


def test_a_lone_small_department_is_merged_with_the_next_smallest(db):
    load_frames(db, {"people": people(Sales=6, Support=5, Legal=2), "activity": pd.DataFrame([
        event("2024-03-01 09:00", "le1", "question", "q1"),
        event("2024-03-01 10:00", "sa1", "answer", "q1"),
        event("2024-03-02 09:00", "su1", "question", "q2"),
        event("2024-03-02 10:00", "sa2", "answer", "q2"),
    ])}, kind="test", source="test")
    flow = knowledge_flow(db, **MARCH)
    # Legal alone (2 people) would be readable; Support (5) joins it so the group has 7.
    assert flow.departments == ("Sales", OTHER)
    assert flow.merged_departments == ("Legal", "Support")
    assert flow.matrix == ((0, 2), (0, 0))
    assert "Legal" not in flow.departments


def test_min_group_size_argument_and_setting(db):
    load_frames(db, {"people": people(Sales=6, Support=5, Legal=3, Finance=3), "activity": ACTIVITY},
                kind="test", source="test")
    db.set_min_group_size(6)
    flow = knowledge_flow(db, **MARCH)
    assert flow.min_group_size == 6
    assert flow.departments == ("Sales", OTHER)
    assert flow.matrix == ((1, 3), (2, 3))   # Other -> Other: Support -> Support, Finance <-> Legal
    # At 3 only the unknown person is too small; Finance (3, first of the two smallest) joins them.
    smaller = knowledge_flow(db, **MARCH, min_group_size=3)
    assert smaller.departments == ("Sales", "Support", "Legal", OTHER)
    assert smaller.merged_departments == ("Finance", "Unknown")
    with pytest.raises(ValueError, match="cannot be below 3"):
        knowledge_flow(db, **MARCH, min_group_size=2)


def test_organisation_below_the_minimum_is_hidden(db):
    load_frames(db, {"people": people(Sales=2, Support=2), "activity": pd.DataFrame([
        event("2024-03-01 09:00", "sa1", "question", "q1"),
        event("2024-03-01 10:00", "su1", "answer", "q1"),
    ])}, kind="test", source="test")
    flow = knowledge_flow(db, **MARCH)
    assert flow.hidden is True
    assert flow.matrix == () and flow.questions_answered == 0
    assert "fewer than 5 people" in flow.explanation


def test_empty_range(db):
    load_frames(db, {"people": people(Sales=6)}, kind="test", source="test")
    flow = knowledge_flow(db, **MARCH)
    assert flow.answers_total == 0 and flow.share_answered_across is None
    assert flow.matrix == ((0,),)
