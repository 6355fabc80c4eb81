"""The privacy guard: the one place that decides which figures may be shown.

Every figure a page, an export or a command shows passes through here, from the measure engine
(guard) or from the knowledge flow (merge_small_groups); nothing else computes a small-group rule.
"""
from __future__ import annotations

import pandas as pd

from lookdown.store import SMALLEST_ALLOWED_GROUP_SIZE

OTHER = "Other (small groups)"


def check_min_group_size(size: int) -> int:
    """The minimum group size asked for, refused when it is below the smallest allowed."""
    if size < SMALLEST_ALLOWED_GROUP_SIZE:
        raise ValueError(f"The minimum group size cannot be below {SMALLEST_ALLOWED_GROUP_SIZE}.")
    return size


def guard(frame: pd.DataFrame, min_group_size: int, *, segmented: bool, additive: bool = True,
          organisation_wide: bool = False) -> pd.DataFrame:
    """Suppress every cell describing fewer than `min_group_size` people.

    A cell whose group size is unknown is suppressed too, unless the measure is an
    organisation-wide figure (marketing spend) that describes no group of people.
    In a segmented result of an additive measure (a count or sum) the segments add up to the
    organisation's total, which anyone can ask for; so when a period has exactly one hidden cell,
    the next smallest is hidden too, and the hidden value cannot be recomputed by subtraction.
    Rates and medians cannot be recomputed that way, and their parts are themselves guarded counts.
    """
    out = frame.copy()
    people = out["people"]
    unknown = people.isna() & (not organisation_wide)
    small = (people.notna() & (people < min_group_size)).fillna(False) | unknown
    out["suppressed"] = small.astype(bool)
    if segmented and additive and len(out):
        informative = out["value"].notna()
        hidden = (out["suppressed"] & informative).groupby(out["period"]).transform("sum")
        candidates = out[~out["suppressed"] & informative & (hidden == 1)]
        # Per period, the candidate describing the fewest people (ties: by segment name).
        smallest = candidates.sort_values(["period", "people", "segment"]).drop_duplicates("period").index
        out.loc[smallest, "suppressed"] = True
    out.loc[out["suppressed"], "value"] = float("nan")
    return out.reset_index(drop=True)


def merge_small_groups(sizes: dict[str, int], min_group_size: int) -> tuple[dict[str, str], tuple[str, ...], bool]:
    """Map each group (a department) to what may be shown for it: itself, or OTHER for groups
    smaller than the minimum, joined by the next smallest until OTHER is large enough. Returns
    the mapping, the merged names, and whether everything must be hidden (the whole is too small)."""
    if sum(sizes.values()) < min_group_size:
        return {}, tuple(sorted(sizes)), True
    small = {d for d, n in sizes.items() if n < min_group_size}
    if small:
        rest = sorted((n, d) for d, n in sizes.items() if d not in small)
        while sum(sizes[d] for d in small) < min_group_size and rest:
            small.add(rest.pop(0)[1])
    mapping = {d: (OTHER if d in small else d) for d in sizes}
    return mapping, tuple(sorted(small)), False
