"""Knowledge flow between departments: who answers whom, and how much crosses department lines.

The counts come from three SQL files beside this module (bound date parameters only). Before
anything leaves this module, departments are shown as the privacy guard's disclosure plan groups
them (lookdown.measures.guard): a department that ever had fewer people than the minimum group
size is inside "Smaller departments", itself at least the minimum. Every total is a sum of the
cells shown (answers between two departments of the same group stay inside that group), so no
total minus the cells beside it gives a figure about a hidden department. The range is widened
to whole months. If in some month a group shown (then the whole organisation, all of it merged)
has fewer people than the minimum, nothing is shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from lookdown.formats import fmt, jsonable
from lookdown.measures.guard import SMALLER_DEPARTMENTS, check_min_group_size, disclosure_plan
from lookdown.periods import next_period, period_start

UNKNOWN = "Unknown"
_SQL = {name: Path(__file__).with_name(f"flow_{name}.sql").read_text() for name in ("groups", "pairs", "questions")}


@dataclass(frozen=True)
class KnowledgeFlow:
    start: str
    end: str
    min_group_size: int
    departments: tuple[str, ...]          # row and column order of the matrix: the groups shown
    matrix: tuple[tuple[int, ...], ...]   # answers and replies from row group to column group
    merged_departments: tuple[str, ...]   # departments shown together as merged_name
    hidden: bool                          # True when the organisation was below the minimum in a month
    answers_total: int                    # every cell of the matrix
    answers_across: int                   # the cells between two different groups of known departments
    questions_answered: int
    questions_answered_across: int
    questions_undetermined: int           # askers or answerers missing from the people table
    share_answered_across: float | None   # of the answered questions whose departments are known
    share_by_department: dict[str, float | None]  # the same, by the asker's group
    explanation: str

    merged_name = SMALLER_DEPARTMENTS  # what the merged departments are shown as

    def to_dict(self) -> dict:
        return jsonable(self)

    def matrix_frame(self) -> pd.DataFrame:
        """The matrix as a frame: index = answering group, columns = group answered."""
        frame = pd.DataFrame(list(self.matrix), index=list(self.departments), columns=list(self.departments))
        frame.index.name, frame.columns.name = "from", "to"
        return frame

    def cells(self) -> list[dict]:
        """Every cell of the matrix as {from, to, value, suppressed}: the groups shown are all at
        least the minimum size, so no cell is suppressed; a hidden flow has no cells."""
        return [{"from": row, "to": column, "value": value, "suppressed": False}
                for row, values in zip(self.departments, self.matrix)
                for column, value in zip(self.departments, values)]


def knowledge_flow(db, *, start: date, end: date, min_group_size: int | None = None) -> KnowledgeFlow:
    """Answers and replies between department groups over the whole months from `start` to `end`."""
    min_size = check_min_group_size(db.min_group_size if min_group_size is None else int(min_group_size))
    start = period_start(pd.Timestamp(start).date(), "month")
    end = next_period(period_start(pd.Timestamp(end).date(), "month"), "month") - timedelta(days=1)
    plan = disclosure_plan(db, min_size)
    grouping = plan.grouping("department")
    params = {"start": start, "end": end}
    cur = db.cursor()
    sizes_frame = cur.execute(_SQL["groups"], params).df()
    pairs = cur.execute(_SQL["pairs"], params).df()
    questions = cur.execute(_SQL["questions"], params).df()

    base = dict(start=start.isoformat(), end=end.isoformat(), min_group_size=min_size)
    # A range minus a shorter one is a month: every group must be large enough in every month.
    months = plan.group_sizes("department", "month")
    months = months[(months.index >= pd.Timestamp(start)) & (months.index <= pd.Timestamp(end))]
    thin = bool(((months > 0) & (months < min_size)).to_numpy().any())
    if thin or sizes_frame.empty:
        return KnowledgeFlow(
            **base, departments=(), matrix=(), merged_departments=(), hidden=thin,
            answers_total=0, answers_across=0, questions_answered=0, questions_answered_across=0,
            questions_undetermined=0, share_answered_across=None, share_by_department={},
            explanation=(
                f"Not shown: in some month of this range the organisation had fewer than {min_size} people, "
                "so any figure would describe individuals." if thin else "No answers or replies in this range."
            ),
        )

    group = grouping.group_of
    sizes = sizes_frame.assign(group=sizes_frame["department"].map(group)).groupby("group")["people"].sum()
    seen = set(sizes.index) | set(pairs["from_department"].map(group)) | set(pairs["to_department"].map(group))
    order = sorted((g for g in seen if g != grouping.merged_name), key=lambda g: (-sizes.get(g, 0), g))
    if grouping.merged_name in seen:
        order.append(grouping.merged_name)
    unknown_alone = group(UNKNOWN) == UNKNOWN  # people missing from the people file, shown as such

    cells = pairs.assign(from_group=pairs["from_department"].map(group), to_group=pairs["to_department"].map(group),
                         ).groupby(["from_group", "to_group"])["events"].sum()
    matrix = tuple(tuple(int(cells.get((row, column), 0)) for column in order) for row in order)
    across_events = sum(value for (row, column), value in cells.items()
                        if row != column and not (unknown_alone and UNKNOWN in (row, column)))

    # Per asker group: questions answered, answered from another group, and undetermined (no
    # answer known to cross, and the asker or an answerer is missing from the people file).
    tallies = {g: [0, 0, 0] for g in order}
    for asker, answerers, count in questions.itertuples(index=False):
        asker_known = not (unknown_alone and asker == UNKNOWN)
        known = [group(d) for d in answerers if not (unknown_alone and d == UNKNOWN)]
        crosses = asker_known and any(g != group(asker) for g in known)
        unclear = not crosses and (not asker_known or len(known) < len(answerers))
        tally = tallies.setdefault(group(asker), [0, 0, 0])
        tally[0] += count
        tally[1] += count * crosses
        tally[2] += count * unclear
    answered, across, undetermined = (sum(t[i] for t in tallies.values()) for i in range(3))
    known_questions = answered - undetermined
    share_by = {g: (t[1] / (t[0] - t[2]) if t[0] > t[2] else None) for g, t in tallies.items() if t[0] > 0}

    result = dict(
        **base, departments=tuple(order), matrix=matrix, merged_departments=grouping.merged, hidden=False,
        answers_total=int(pairs["events"].sum()), answers_across=int(across_events),
        questions_answered=int(answered), questions_answered_across=int(across),
        questions_undetermined=int(undetermined),
        share_answered_across=across / known_questions if known_questions > 0 else None,
        share_by_department=share_by,
    )
    return KnowledgeFlow(explanation=_explain(result, grouping.merged_name), **result)


def _explain(r: dict, merged_name: str) -> str:
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
            f"as '{merged_name}' (each group shown has at least {r['min_group_size']} people); answers "
            "between two of them count as inside that group, so that no total gives them away."
        )
    return " ".join(parts)


__all__ = ["UNKNOWN", "KnowledgeFlow", "knowledge_flow"]
