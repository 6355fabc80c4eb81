"""The privacy guard: the one place that decides which figures may be shown.

Hiding each small cell is not enough: anyone who can ask for two groups that differ by a few
people (a pilot with and without a three-person department, a total beside its shown parts)
gets the few people's figure by subtraction. So the guard decides, once per version of the data
and minimum group size, how every segmentation may be shown (the disclosure plan), and every
figure is computed for those groups only:

1. In each segmentation (department, cohort, location, job level) a segment that had some, but
   fewer than the minimum number of, people in any piece of time (a week, or the part of a week
   in one month: what a difference of periods can narrow a figure down to), or whose size is
   unknown, is shown only inside a merged group ("Smaller departments"; for cohorts, "Rest"),
   joined by the next smallest segments until the merged group is large enough in every piece.
   The decision covers the whole span of the data, so a quarter minus its months, or a month
   minus its weeks, never isolates a time in which a group was small.
2. Departments are the building blocks of everything else: a pilot chosen from departments, its
   rest, the knowledge flow between departments and the totals beside them are sums of these
   groups, each at least the minimum, so no sum or difference of them is about fewer people.
3. Cohorts, locations and job levels cut across departments. Each joins the plan only if no sum
   or difference of any figures that could then be shown, for any of the groups shown, is about
   fewer than the minimum number of people (checked exactly, by linear algebra on who belongs to
   which group, in every piece of time); otherwise its smallest groups are merged further, down
   to a single group (the whole organisation) if need be.
4. A figure over a period is withheld where its group had some, but too few, people in a piece
   of the period: only possible for a group that is everyone (the whole organisation, or all
   segments merged), which cannot be merged with anything.

The engine (engine.py) runs measures for the plan's groups and passes every result through
`guard`; the knowledge flow (flow.py) shows departments as the plan groups them.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import linalg, sparse

from lookdown.contract import SEGMENTATIONS
from lookdown.periods import GRAINS, next_period, period_start
from lookdown.store import SMALLEST_ALLOWED_GROUP_SIZE

# What the segments shown together are called, per segmentation. Cohorts merge into the rest of
# the organisation, which is what a cohort too small to show is part of.
MERGED_NAMES = {
    "department": "Smaller departments",
    "cohort": "Rest",
    "location": "Smaller locations",
    "job_level": "Smaller job levels",
}
SMALLER_DEPARTMENTS = MERGED_NAMES["department"]
# The order segmentations join the plan: departments first (pilots chosen on the spot and the
# knowledge flow are made of them), then the loaded pilot cohorts, then people's attributes.
PLAN_ORDER = ("department", "cohort", "location", "job_level")
assert set(PLAN_ORDER) == set(SEGMENTATIONS) - {"none"}

_SQL = {name: Path(__file__).with_name(f"guard_{name}.sql").read_text() for name in ("people", "segments")}
_TOLERANCE = 1e-9
PIECE = "piece"  # the days no period boundary of any grain splits
# How many hyperplanes the exact check may try in one period before it assumes the worst.
_MAX_HYPERPLANES = 20_000


def check_min_group_size(size: int) -> int:
    """The minimum group size asked for, refused when it is below the smallest allowed."""
    if size < SMALLEST_ALLOWED_GROUP_SIZE:
        raise ValueError(f"The minimum group size cannot be below {SMALLEST_ALLOWED_GROUP_SIZE}.")
    return size


@dataclass(frozen=True)
class Grouping:
    """How one segmentation is shown: every segment as itself, or inside the merged group."""

    by: str
    shown: Mapping[str, str]      # every segment the data names -> the group it is shown in
    groups: tuple[str, ...]       # the groups with anyone in them, the merged one last
    merged: tuple[str, ...]       # the segments shown together as `merged_name`, sorted
    merged_name: str
    small: tuple[str, ...] = ()   # those of them that had too few people (or an unknown number)
    overlap: bool = False         # merged beyond the small segments, so views cannot be subtracted
    unknown: str = "Unknown"      # the segment of people the data has no value for

    @property
    def split(self) -> bool:
        """Whether there are two groups or more to compare (one is the whole organisation)."""
        return len(self.groups) > 1

    def group_of(self, segment: str) -> str:
        return self.shown.get(segment, segment)

    def members(self, group: str) -> tuple[str, ...]:
        """The segments shown as `group`."""
        return tuple(sorted(s for s, g in self.shown.items() if g == group))


@dataclass(frozen=True)
class DisclosurePlan:
    """How every segmentation may be shown for one version of the data and minimum group size,
    with the size of every group shown in every period of every grain and in every piece."""

    min_group_size: int
    groupings: Mapping[str, Grouping]
    sizes: Mapping[tuple[str, str], pd.DataFrame] = field(repr=False)  # (by, grain or PIECE) -> period x group
    pieces_in: Mapping[str, np.ndarray] = field(repr=False)  # grain -> the period each piece lies in

    def grouping(self, by: str) -> Grouping | None:
        """The grouping of a segmentation; None for the organisation as a whole."""
        return None if by == "none" else self.groupings[by]

    def group_sizes(self, by: str, grain: str) -> pd.DataFrame:
        """People in every group shown (columns) in every period of `grain` (index)."""
        return self.sizes[(by, grain)]

    def unsafe(self, by: str, grain: str, groups: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Period x group: True where a piece of the period holds some, but fewer than the minimum,
        of the group's people. A figure over that period, beside figures over other periods (a
        quarter minus its months, a week minus a month), could be narrowed down to that piece, so
        it is not shown. The groups are those of `by`, or unions of them (`groups` maps each to
        its union). Never true for a group of the plan but the whole organisation in one group."""
        pieces = self.sizes[(by, PIECE)]
        if groups is not None:
            pieces = pieces.T.groupby(lambda g: groups.get(g, g)).sum().T
        thin = (pieces > 0) & (pieces < self.min_group_size)
        periods = self.sizes[(by, grain)].index
        found = thin.groupby(self.pieces_in[grain]).any()
        found.index = periods[found.index]
        return found.reindex(periods, fill_value=False)


def guard(frame: pd.DataFrame, min_group_size: int, *, sizes: pd.DataFrame | None = None,
          unsafe: pd.DataFrame | None = None, organisation_wide: bool = False) -> pd.DataFrame:
    """Suppress every cell about fewer than `min_group_size` people, and every cell the plan
    marks `unsafe` (period x group: a piece of the period holds too few of the group).

    `sizes` (period x group, from the plan) gives each group's size where the measure's own count
    falls short: people missing from the people file, who count when they appear in the data.
    A cell whose group size is unknown is suppressed, unless the measure is an organisation-wide
    figure (marketing spend) that describes no group of people. The value and the size of a
    suppressed cell are both left out. No second cell is hidden to protect a first: the plan
    already makes every group shown at least the minimum in every period, and hiding a neighbour
    in one view would not stop another view from showing it.
    """
    out = frame.copy()
    if sizes is not None and len(out):
        planned = sizes.stack()
        planned = planned[planned > 0]
        keys = pd.MultiIndex.from_arrays([out["period"], out["segment"]])
        known = pd.Series(planned.reindex(keys).to_numpy(), index=out.index)
        out["people"] = known.astype("Int64").fillna(out["people"]).astype("Int64")
    people = out["people"]
    unknown = people.isna() & (not organisation_wide)
    small = (people.notna() & (people < min_group_size)).fillna(False) | unknown
    if unsafe is not None and len(out):
        marked = unsafe.stack()
        keys = pd.MultiIndex.from_arrays([out["period"], out["segment"]])
        small |= pd.Series(marked.reindex(keys).fillna(False).to_numpy(dtype=bool), index=out.index)
    out["suppressed"] = small.astype(bool)
    out.loc[out["suppressed"], "value"] = float("nan")
    out["people"] = out["people"].mask(out["suppressed"])
    return out.reset_index(drop=True)


# -- the plan ------------------------------------------------------------------------------------

_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PLANS_LOCK = threading.Lock()


def disclosure_plan(db, min_group_size: int | None = None) -> DisclosurePlan:
    """The plan for this database's data now, kept until its data version changes."""
    min_size = check_min_group_size(db.min_group_size if min_group_size is None else int(min_group_size))
    version = db.data_version()
    with _PLANS_LOCK:
        kept = _PLANS.setdefault(db, {})
        key = (version, min_size)
        if key not in kept:
            kept.clear()  # an older version is never asked for again
            kept[key] = build_plan(_Members.read(db), min_size)
        return kept[key]


@dataclass
class _Members:
    """Who belongs to which segment, and who counts when (guard_people.sql): in each period of
    each grain (for the size shown beside a figure) and in each piece of time, the days that no period boundary of
    any grain splits (a week, or the part of a week in one month), for the rule. Any figure over
    whole periods is a sum over pieces, and a difference of periods can isolate a piece (a month
    minus its whole weeks leaves the days at its edges), so groups are judged piece by piece."""

    segments: dict[str, np.ndarray]            # by -> segment code of every person
    names: dict[str, list[str]]                # by -> segment names, by code
    unknown: dict[str, str]                    # by -> the segment of people with no value
    sizeless: dict[str, set[str]]              # by -> departments named by rows about no person
    periods: dict[str, pd.DatetimeIndex]       # grain -> period starts
    present: dict[str, sparse.csr_matrix]      # grain or PIECE -> period x person, 1 when counted
    pieces: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))  # first day of each piece
    counted: dict[str, set[str]] = field(default_factory=dict)  # by -> segments with anyone, or sizeless

    @classmethod
    def read(cls, db) -> _Members:
        cur = db.cursor()
        people = cur.execute(_SQL["people"]).df()
        segments = cur.execute(_SQL["segments"]).df()
        unknown = dict(cur.execute("select b, unknown_segment(b) from unnest($b::varchar[]) as t(b)",
                                   {"b": list(PLAN_ORDER)}).fetchall())
        coverage = db.coverage()
        return cls.build(people, segments, unknown, coverage.start, coverage.end)

    @classmethod
    def build(cls, people: pd.DataFrame, segments: pd.DataFrame, unknown: dict[str, str],
              start: date | None, end: date | None) -> _Members:
        keys = pd.Index(people["person_key"])
        codes, names, sizeless = {}, {}, {}
        for by in PLAN_ORDER:
            rows = segments[segments["by_key"] == by]
            named = rows[rows["person_key"].notna()]
            per_person = pd.Series(named["segment"].to_numpy(), index=named["person_key"].to_numpy())
            per_person = per_person[~per_person.index.duplicated()].reindex(keys).fillna(unknown[by])
            every = sorted(set(per_person) | set(rows["segment"]) | {unknown[by]})
            names[by] = every
            codes[by] = pd.Categorical(per_person, categories=every).codes.astype(np.int64)
            # A department named by rows about no one in particular has an unknown size. In the
            # other segmentations such rows follow their department (which is guarded), so the
            # segment they fall into is sized by its people only.
            sizeless[by] = set(rows["segment"]) - set(per_person) if by == "department" else set()
        periods, present = {}, {}
        for grain in GRAINS:
            periods[grain] = _period_starts(start, end, grain)
            ends = pd.DatetimeIndex([next_period(d.date(), grain) for d in periods[grain]])
            present[grain] = _presence(people, periods[grain], ends)
        # Pieces cover the data's span only: no figure holds anything from outside it.
        cuts = pd.DatetimeIndex([])
        if start is not None and end is not None:
            first, after = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
            inside = {day for g in GRAINS for day in periods[g] if first < day < after}
            cuts = pd.DatetimeIndex(sorted(inside | {first, after}))
        present[PIECE] = _presence(people, cuts[:-1], cuts[1:])
        members = cls(codes, names, unknown, sizeless, periods, present, pieces=cuts[:-1])
        members.counted = {by: {names[by][i] for i in np.where(members.all_sizes(by).sum(axis=0) > 0)[0]}
                           | sizeless[by] for by in PLAN_ORDER}
        return members

    def sizes(self, by: str, unit: str) -> np.ndarray:
        """People per period of `unit` (a grain, or PIECE; rows) and segment (columns, by code)."""
        codes = self.segments[by]
        onehot = sparse.csr_matrix((np.ones(len(codes)), (np.arange(len(codes)), codes)),
                                   shape=(len(codes), len(self.names[by])))
        return np.asarray((self.present[unit] @ onehot).todense())

    def all_sizes(self, by: str) -> np.ndarray:
        """People per piece of time and segment: a segment at least the minimum in every piece it
        has anyone in is at least the minimum in every period of every grain too."""
        return self.sizes(by, PIECE)


def _period_starts(start: date | None, end: date | None, grain: str) -> pd.DatetimeIndex:
    if start is None or end is None:
        return pd.DatetimeIndex([])
    found, day = [], period_start(start, grain)
    while day <= end:
        found.append(day)
        day = next_period(day, grain)
    return pd.DatetimeIndex(found)


def _presence(people: pd.DataFrame, starts: pd.DatetimeIndex, ends: pd.DatetimeIndex) -> sparse.csr_matrix:
    """Interval x person: 1 when someone counts at any time in the interval [start, end): while
    employed for the people file (the headcount's rule, schema.sql derive_headcount), from the
    first to the last day the data mentions them for anyone else (guard_people.sql)."""
    if not len(starts):
        return sparse.csr_matrix((0, len(people)))

    def days(values, missing: int) -> np.ndarray:
        stamps = pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]")
        return np.where(np.isnat(stamps), missing, stamps.astype(np.int64))

    hired = days(people["hire_date"], np.iinfo(np.int64).min)
    left = days(people["termination_date"], np.iinfo(np.int64).max)
    first, after = days(starts, 0), days(ends, 0)
    counted = (hired[None, :] < after[:, None]) & (left[None, :] >= first[:, None])
    return sparse.csr_matrix(counted, dtype=np.float64)


def build_plan(members: _Members, min_group_size: int) -> DisclosurePlan:
    """Decide how every segmentation may be shown (the module's rules 1 to 3)."""
    sizes = {by: members.all_sizes(by) for by in PLAN_ORDER}
    groupings: dict[str, Grouping] = {}
    published: list[Grouping] = []
    for by in PLAN_ORDER:
        if by == "department":
            def keeps_the_others_safe(candidate: Grouping) -> bool:
                return all(not _leaks([candidate, _merge_small(other, members, sizes[other], min_group_size)],
                                      members, min_group_size)
                           for other in PLAN_ORDER[1:])
            grouping = _merge_small(by, members, sizes[by], min_group_size, prefer=keeps_the_others_safe)
        else:
            grouping = _merge_small(by, members, sizes[by], min_group_size)
            while grouping.split and _leaks(published + [grouping], members, min_group_size):
                grouping = _merge_one_more(grouping, members, sizes[by], min_group_size)
        groupings[by] = grouping
        if grouping.split:
            published.append(grouping)
    group_sizes = {}
    for by, grouping in groupings.items():
        for unit in (*GRAINS, PIECE):
            index = members.pieces if unit == PIECE else members.periods[unit]
            raw = pd.DataFrame(members.sizes(by, unit), index=index, columns=members.names[by])
            group_sizes[(by, unit)] = raw.T.groupby(lambda s, g=grouping: g.group_of(s)).sum().T.astype("int64")
    for unit in (*GRAINS, PIECE):
        index = members.pieces if unit == PIECE else members.periods[unit]
        everyone = np.asarray(members.present[unit].sum(axis=1)).ravel().astype("int64")
        group_sizes[("none", unit)] = pd.DataFrame({"All": everyone}, index=index)
    pieces_in = {grain: np.searchsorted(members.periods[grain], members.pieces, side="right") - 1
                 for grain in GRAINS}
    return DisclosurePlan(min_group_size, groupings, group_sizes, pieces_in)


def _merge_small(by: str, members: _Members, sizes: np.ndarray, min_size: int, *,
                 prefer: Callable[[Grouping], bool] | None = None) -> Grouping:
    """Rule 1: merge the segments that were ever small, or are of unknown size, until the merged
    group is at least `min_size` in every piece it has anyone in (every piece, when a segment of
    unknown size is in it). `prefer` picks, among the candidates to join, the first it accepts."""
    names = members.names[by]
    counted = np.where((sizes > 0).any(axis=0))[0]
    sizeless = members.sizeless[by]
    small = {names[i] for i in counted if ((sizes[:, i] > 0) & (sizes[:, i] < min_size)).any()} | sizeless
    merged = set(small)
    if merged and by == "cohort":
        merged.add(members.unknown[by])  # small cohorts count in the rest
    while merged and not _large_enough(merged, names, sizes, sizeless, min_size):
        candidates = _by_size([names[i] for i in counted if names[i] not in merged], names, sizes)
        if not candidates:
            break
        chosen = candidates[0]
        if prefer is not None:
            chosen = next((c for c in candidates if prefer(_grouping(by, names, merged | {c}, members))),
                          candidates[0])
        merged.add(chosen)
    return replace(_grouping(by, names, merged, members), small=tuple(sorted(small)))


def _merge_one_more(grouping: Grouping, members: _Members, sizes: np.ndarray, min_size: int) -> Grouping:
    """Rule 3's remedy: the smallest segment still shown on its own joins the merged group (at
    worst every segment does: one group is the whole organisation, which any view adds up to)."""
    names = members.names[grouping.by]
    merged = set(grouping.merged)
    if grouping.by == "cohort":
        merged.add(grouping.unknown)  # cohorts merge into the rest
    counted = [names[i] for i in np.where((sizes > 0).any(axis=0))[0]]
    candidates = _by_size([s for s in counted if s not in merged], names, sizes)
    merged.update(candidates[:1] or counted)
    return replace(_grouping(grouping.by, names, merged, members), small=grouping.small, overlap=True)


def _grouping(by: str, names: list[str], merged: set[str], members: _Members) -> Grouping:
    merged_name = MERGED_NAMES[by]
    shown = {name: (merged_name if name in merged else name) for name in names}
    anyone = {shown[name] for name in members.counted[by]}
    groups = tuple(sorted(anyone - {merged_name})) + ((merged_name,) if merged_name in anyone else ())
    return Grouping(by, shown, groups, tuple(sorted(merged)), merged_name, unknown=members.unknown[by])


def _large_enough(merged: set[str], names: list[str], sizes: np.ndarray, sizeless: set[str], min_size: int) -> bool:
    columns = [i for i, name in enumerate(names) if name in merged]
    total = sizes[:, columns].sum(axis=1)
    if merged & sizeless:
        return bool((total >= min_size).all())
    return bool(((total == 0) | (total >= min_size)).all())


def _by_size(candidates: Iterable[str], names: list[str], sizes: np.ndarray) -> list[str]:
    """Smallest first: by the fewest people a segment ever had in a period it had anyone, then name."""
    index = {name: i for i, name in enumerate(names)}

    def fewest(name: str) -> int:
        column = sizes[:, index[name]]
        return int(column[column > 0].min())

    return sorted(candidates, key=lambda name: (fewest(name), name))


# -- rule 3: can any sum or difference of what is shown be about fewer than the minimum? ---------


def _leaks(groupings: list[Grouping], members: _Members, min_size: int) -> bool:
    """Whether, in some piece of time, a combination of figures for the groups of these groupings
    (any measure that adds up over people: a count, a sum, a headcount) could be about fewer than
    `min_size` people. Figures over periods are sums over pieces, and pieces hold different
    days, so a combination is safe when its part in every piece is."""
    if len(groupings) < 2:
        return False  # one partition into groups of at least min_size: every combination is whole groups
    columns, offsets = [], 0
    for grouping in groupings:
        names = members.names[grouping.by]
        shown = pd.Categorical([grouping.group_of(n) for n in names])
        columns.append(shown.codes[members.segments[grouping.by]] + offsets)
        offsets += len(shown.categories)
    people = np.column_stack(columns)
    cells, cell_of = np.unique(people, axis=0, return_inverse=True)
    cell_of = cell_of.ravel()
    onehot = sparse.csr_matrix((np.ones(len(cell_of)), (np.arange(len(cell_of)), cell_of)),
                               shape=(len(cell_of), len(cells)))
    design = np.zeros((len(cells), offsets))
    for column in range(cells.shape[1]):
        design[np.arange(len(cells)), cells[:, column]] = 1.0
    spaces: dict[bytes, np.ndarray] = {}
    counts = np.asarray((members.present[PIECE] @ onehot).todense()).round().astype(np.int64)
    for row in np.unique(counts, axis=0):
        nonzero, large = row > 0, row >= min_size
        if not nonzero.any():
            continue
        # Pieces with the same cells, large and small, share the subspace; only weights differ.
        key = nonzero.tobytes() + large.tobytes()
        if key not in spaces:
            spaces[key] = _small_cell_space(design[nonzero], large[nonzero])
        if _fewest_people_below(spaces[key], row[nonzero & ~large], min_size):
            return True
    return False


def small_combination(design: np.ndarray, people: np.ndarray, min_size: int) -> bool:
    """Whether some nonzero combination of the columns of `design` (each a group: which cells
    belong to it) is nonzero only on cells holding fewer than `min_size` people in all.

    Each row is a cell of people who belong to the same groups, `people` says how many. A
    combination of group figures is a combination of cell figures; one that is nonzero on a cell
    of at least min_size people is about at least that many. So only the combinations that vanish
    on every large cell matter (`_small_cell_space`), and among them the one about the fewest
    people is searched for (`_fewest_people_below`).
    """
    large = people >= min_size
    return _fewest_people_below(_small_cell_space(design, large), people[~large], min_size)


def _small_cell_space(design: np.ndarray, large: np.ndarray) -> np.ndarray:
    """An orthonormal basis (as columns, one row per small cell) of the combinations of groups
    that are zero on every large cell, restricted to the small cells."""
    small = design[~large]
    if not len(small):
        return np.zeros((0, 0))
    if large.any():
        gram = design[large].T @ design[large]
        values, vectors = np.linalg.eigh(gram)
        kernel = vectors[:, values <= _TOLERANCE * max(1.0, values.max())]
        small = small @ kernel
    u, s, _ = np.linalg.svd(small, full_matrices=False)
    rank = int((s > _TOLERANCE * max(1.0, s.max(initial=0.0))).sum())
    return u[:, :rank]


def _fewest_people_below(basis: np.ndarray, weights: np.ndarray, min_size: int) -> bool:
    """Whether some nonzero combination of the basis's columns is nonzero only on rows (cells)
    holding fewer than `min_size` people. The combination Q z is nonzero on the rows of Q not
    orthogonal to z, so the fewest people such a combination is about is the weight of the rows
    outside the heaviest hyperplane spanned by rows of Q."""
    rank = basis.shape[1]
    if rank == 0:
        return False
    involved = np.linalg.norm(basis, axis=1) > _TOLERANCE
    basis, weights = basis[involved], weights[involved]
    if weights.sum() < min_size:
        return True
    if rank == 1:
        return False  # every combination is a multiple of one, about all of these cells' people
    # Rows pointing the same way lie in the same hyperplanes: one representative each.
    directions: dict[bytes, int] = {}
    representatives, weight_of = [], []
    for row, weight in zip(basis, weights):
        unit = row / row[np.argmax(np.abs(row))]
        key = np.round(unit, 8).tobytes()
        if key not in directions:
            directions[key] = len(representatives)
            representatives.append(unit)
            weight_of.append(0)
        weight_of[directions[key]] += int(weight)
    reps, weight_of = np.array(representatives), np.array(weight_of)
    for tried, chosen in enumerate(combinations(range(len(reps)), rank - 1)):
        if tried >= _MAX_HYPERPLANES:
            return True  # too many to try: assume the worst, so the plan merges more
        normal = linalg.null_space(reps[list(chosen)])
        if normal.shape[1] != 1:
            continue  # the chosen rows do not span a hyperplane
        outside = np.abs(reps @ normal[:, 0]) > _TOLERANCE
        if 0 < weight_of[outside].sum() < min_size:
            return True
    return False


__all__ = [
    "MERGED_NAMES",
    "SMALLER_DEPARTMENTS",
    "DisclosurePlan",
    "Grouping",
    "build_plan",
    "check_min_group_size",
    "disclosure_plan",
    "guard",
    "small_combination",
]
