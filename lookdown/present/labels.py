"""How things read on screen and in exports: segmentations, periods, comparison windows, kinds of
file, and labels at the start of a line."""
from __future__ import annotations

from datetime import date

import pandas as pd

from lookdown.ingest.readers import READER_LABELS
from lookdown.periods import GRAIN_NOUNS

# How each segmentation reads in a menu.
SEGMENT_LABELS = {
    "none": "Whole organisation",
    "department": "Department",
    "cohort": "Pilot cohort vs rest",
    "location": "Location",
    "job_level": "Job level",
}


def segment_label(by: str) -> str:
    return SEGMENT_LABELS.get(by, by.replace("_", " ").capitalize())


def period_label(period: date | pd.Timestamp, grain: str) -> str:
    """'Jul 2024', '2024 Q3' or 'Week of 1 Jul 2024'."""
    day = period.date() if isinstance(period, pd.Timestamp) else period
    if grain == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if grain == "week":
        return f"Week of {day.day} {day:%b %Y}"
    return f"{day:%b %Y}"


def window_parts(periods: int, grain: str) -> tuple[str, str]:
    """('last 9 months', 'first 9 months'), or ('last month', 'first month')."""
    singular, plural = GRAIN_NOUNS[grain]
    noun = singular if periods == 1 else f"{periods} {plural}"
    return f"last {noun}", f"first {noun}"


def window_label(periods: int, grain: str) -> str:
    """'last 9 months vs first 9 months', or 'last month vs first month'."""
    return " vs ".join(window_parts(periods, grain))


FILE_KIND_LABELS = {
    **READER_LABELS,
    "needs_mapping": "needs a column mapping",
    "unknown": "not recognised",
    "demo": "demo organisation",
}


def heading(label: str) -> str:
    """A label at the start of a line: first letter up, the rest as written ('HR people records')."""
    return label[:1].upper() + label[1:]


def month_label(day: date) -> str:
    return f"{day:%b %Y}"
