"""The words for what the privacy guard held back, and why: short notes the pages show beside a
figure whose groups were merged, so that nobody wonders where a department went."""
from __future__ import annotations

from lookdown.measures import Grouping
from lookdown.present.safe_text import markdown_text

# What each segmentation's groups are called in a sentence, and what the segment of people the
# data has no value for means there.
_NOUNS = {"department": ("department", "departments"), "cohort": ("cohort", "cohorts"),
          "location": ("location", "locations"), "job_level": ("job level", "job levels")}
_UNKNOWN_WORDS = {
    "department": "people missing from the people file",
    "cohort": "everyone in no cohort",
    "location": "people with no location recorded",
    "job_level": "people with no job level recorded",
}


def _listed(names: list[str]) -> str:
    """'HR, Legal and Sales', each name from the data shown as text (these notes are Markdown)."""
    names = [markdown_text(name) for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def member_names(grouping: Grouping, members) -> str:
    """'HR, Legal and people missing from the people file'."""
    return _listed([(_UNKNOWN_WORDS[grouping.by] if m == grouping.unknown else m) for m in members])


def merged_note(grouping: Grouping | None, min_group_size: int) -> str | None:
    """Why some segments are shown together (or inside the rest, for cohorts); None when none are."""
    if grouping is None or not grouping.merged:
        return None
    rest = {grouping.unknown} if grouping.by == "cohort" else set()
    merged = [m for m in grouping.merged if m not in rest]
    if not merged:
        return None
    small = [m for m in grouping.small if m not in rest]
    joined = [m for m in merged if m not in small]
    if grouping.by == "cohort":
        text = f"**Counted in '{grouping.merged_name}':** {member_names(grouping, merged)}."
    else:
        text = f"**Shown together as '{grouping.merged_name}':** {member_names(grouping, merged)}."
    them = "it" if len(small) == 1 else "them"
    if small:
        text += (f" {member_names(grouping, small)} had fewer than {min_group_size} people at some point, so "
                 f"{'is' if len(small) == 1 else 'are'} never shown alone: otherwise a figure, or the difference "
                 f"between two (a group with and without {them}, a total minus its parts), would be about "
                 f"fewer than {min_group_size} people.")
    if joined and not grouping.overlap:
        text += f" {member_names(grouping, joined)} joined {them} so that the group is large enough."
    elif joined:
        text += (f" {member_names(grouping, joined)} joined too: shown apart, beside the departments, "
                 f"{'it' if len(joined) == 1 else 'they'} would let someone work out figures about fewer than "
                 f"{min_group_size} people.")
    return text


def single_group_note(grouping: Grouping | None) -> str | None:
    """When a segmentation has one group left: it is the whole organisation, nothing to compare."""
    if grouping is None or grouping.split:
        return None
    one, many = _NOUNS[grouping.by]
    return (f"Not split by {one}: to protect small groups, all {many} are shown together, which is the whole "
            "organisation.")


def pilot_groups_caption(groups: dict[str, tuple[str, ...]], min_group_size: int) -> str | None:
    """For the Pilot page's choice of departments: what the merged group holds and why."""
    merged = {group: members for group, members in groups.items() if members != (group,)}
    if not merged:
        return None
    def named(member: str) -> str:
        return _UNKNOWN_WORDS["department"] if member == "Unknown" else member

    parts = [f"'{markdown_text(group)}' is {_listed([named(m) for m in members])} together"
             for group, members in merged.items()]
    return (f"{'; '.join(parts)}: departments that had fewer than {min_group_size} people at any time "
            "can only be chosen with others, so that a pilot with and without one of them never gives "
            "its figures away.")


def flow_note(merged: tuple[str, ...], merged_name: str, min_group_size: int) -> str | None:
    """For the Knowledge flow page: which departments are shown together, and how totals count them."""
    if not merged:
        return None
    listed = _listed([(_UNKNOWN_WORDS["department"] if m == "Unknown" else m) for m in merged])
    return (f"**Shown together as '{merged_name}':** {listed}. Departments that had fewer than {min_group_size} "
            "people at some point are never shown alone, so that no cell, and no total minus the cells beside "
            "it, is about fewer people; when they are too few together, the next smallest department joins "
            "them. Answers between two of them count as inside that group, in the cells and in the totals.")
