"""Knowledge flow between departments: who answers whom, and how much crosses department lines.

The counts come from three SQL files beside this module (bound date parameters only). Before
anything leaves this module, the privacy guard (lookdown.measures.guard.merge_small_groups)
merges departments smaller than the minimum group size into "Other (small groups)"; if that
merged group is itself still too small, the next smallest departments join it until it is large
enough, so no figure describes fewer people than the minimum. If the whole organisation is below
the minimum, nothing is shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from lookdown.formats import fmt, jsonable
from lookdown.measures.guard import OTHER, check_min_group_size, merge_small_groups

UNKNOWN = "Unknown"
_SQL = {name: Path(__file__).with_name(f"flow_{name}.sql").read_text() for name in ("groups", "pairs", "questions")}


@dataclass(frozen=True)
class KnowledgeFlow:
    start: str
    end: str
    min_group_size: int
    departments: tuple[str, ...]          # row and column order of the matrix
    matrix: tuple[tuple[int, ...], ...]   # answers and replies from row department to column department
    merged_departments: tuple[str, ...]   # departments shown as OTHER
    hidden: bool                          # True when the whole organisation is below the minimum
    answers_total: int
    answers_across: int                   # answers and replies between two different known departments
    questions_answered: int
    questions_answered_across: int
    questions_undetermined: int           # askers or answerers missing from the people table
    share_answered_across: float | None   # of the answered questions whose departments are known
    share_by_department: dict[str, float | None]  # the same, by the asker's department
    explanation: str

    merged_name = OTHER  # what the merged departments are shown as

    def to_dict(self) -> dict:
        return jsonable(self)

    def matrix_frame(self) -> pd.DataFrame:
        """The matrix as a frame: index = answering department, columns = department answered."""
        frame = pd.DataFrame(list(self.matrix), index=list(self.departments), columns=list(self.departments))
        frame.index.name, frame.columns.name = "from", "to"
        return frame


def knowledge_flow(db, *, start: date, end: date, min_group_size: int | None = None) -> KnowledgeFlow:
    """Answers and replies between departments from `start` to `end` (both included)."""
    min_size = check_min_group_size(db.min_group_size if min_group_size is None else int(min_group_size))
    params = {"start": start, "end": end}
    cur = db.cursor()
    sizes_frame = cur.execute(_SQL["groups"], params).df()
    pairs = cur.execute(_SQL["pairs"], params).df()
    questions = cur.execute(_SQL["questions"], params).df()

    sizes = {str(d): int(n) for d, n in zip(sizes_frame["department"], sizes_frame["people"])}
    for name in list(pairs["from_department"]) + list(pairs["to_department"]) + list(questions["asker_department"]):
        sizes.setdefault(str(name), 0)
    mapping, merged, hidden = merge_small_groups(sizes, min_size)
    base = dict(start=pd.Timestamp(start).date().isoformat(), end=pd.Timestamp(end).date().isoformat(),
                min_group_size=min_size)
    if hidden or not sizes:
        return KnowledgeFlow(
            **base, departments=(), matrix=(), merged_departments=(), hidden=bool(sizes),
            answers_total=0, answers_across=0, questions_answered=0, questions_answered_across=0,
            questions_undetermined=0, share_answered_across=None, share_by_department={},
            explanation=(
                f"Not shown: fewer than {min_size} people in total, so any figure would describe "
                "individuals." if sizes else "No answers or replies in this range."
            ),
        )

    order = sorted({g for g in mapping.values() if g != OTHER}, key=lambda g: (-sizes[g], g))
    if OTHER in mapping.values():
        order.append(OTHER)
    cells = pairs.assign(
        from_group=pairs["from_department"].map(mapping), to_group=pairs["to_department"].map(mapping),
    ).groupby(["from_group", "to_group"])["events"].sum()
    matrix = tuple(
        tuple(int(cells.get((row, column), 0)) for column in order) for row in order
    )
    crossing = pairs[(pairs["from_department"] != pairs["to_department"])
                     & (pairs["from_department"] != UNKNOWN) & (pairs["to_department"] != UNKNOWN)]
    across_events = int(crossing["events"].sum())

    q = questions.assign(group=questions["asker_department"].map(mapping))
    by_group = q.groupby("group")[["answered", "answered_across", "undetermined"]].sum()
    answered = int(by_group["answered"].sum())
    across = int(by_group["answered_across"].sum())
    undetermined = int(by_group["undetermined"].sum())
    known = answered - undetermined
    share = across / known if known > 0 else None
    share_by = {}
    for group in order:
        if group in by_group.index:
            row = by_group.loc[group]
            k = int(row["answered"] - row["undetermined"])
            share_by[group] = float(row["answered_across"]) / k if k > 0 else None

    result = dict(
        **base, departments=tuple(order), matrix=matrix, merged_departments=merged, hidden=False,
        answers_total=int(pairs["events"].sum()), answers_across=across_events,
        questions_answered=answered, questions_answered_across=across,
        questions_undetermined=undetermined, share_answered_across=share, share_by_department=share_by,
    )
    return KnowledgeFlow(explanation=_explain(result), **result)


def _explain(r: dict) -> str:
    if r["answers_total"] == 0 and r["questions_answered"] == 0:
        return f"No answers or replies between {r['start']} and {r['end']}."
    parts = [
        f"From {r['start']} to {r['end']}, colleagues gave {r['answers_total']:,} answers and replies; "
        f"{r['answers_across']:,} went to someone in another department."
    ]
    if r["share_answered_across"] is not None:
        parts.append(
            f"Of the {r['questions_answered'] - r['questions_undetermined']:,} answered questions whose "
            f"departments are known, {fmt(r['share_answered_across'] * 100)}% were answered by someone "
            "from another department: knowledge crossing department lines."
        )
    if r["questions_undetermined"]:
        parts.append(
            f"{r['questions_undetermined']:,} answered question(s) involve people missing from the people "
            "file and are left out of that share."
        )
    if r["merged_departments"]:
        parts.append(
            f"To protect small groups, {len(r['merged_departments'])} department(s) are shown together "
            f"as '{OTHER}' (each group shown has at least {r['min_group_size']} people); answers between "
            "two of them count as crossing department lines."
        )
    return " ".join(parts)


__all__ = ["OTHER", "UNKNOWN", "KnowledgeFlow", "knowledge_flow"]
