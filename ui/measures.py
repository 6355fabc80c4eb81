"""The Measures page's glue: the catalogue's cards and sparklines, and the editor's check,
preview and save (the checks and the sandbox are the core's: lookdown.measures)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lookdown.measures import Measure, MeasureResult, run_measure
from lookdown.measures.catalogue import check_custom, custom_dir
from lookdown.measures.custom import blank_measure, copy_of, save_custom, value_test_skeleton
from lookdown.measures.sandbox import SandboxError
from lookdown.present.overview import trend
from ui import auth
from ui.data import PageData, measure_results


@dataclass(frozen=True)
class Checked:
    """What Check found: the measure (None when refused), its problems, and a guarded preview."""

    measure: Measure | None
    problems: list[str]
    preview: MeasureResult | None = None


def starting_text(data: PageData, start_from: str | None, name: str) -> str:
    """The editor's first text: a blank measure, or a copy of the one chosen."""
    if start_from is None:
        return blank_measure(name)
    return copy_of(data.catalogue[start_from], name)


def check(data: PageData, name: str, text: str, *, by: str, grain: str) -> Checked:
    """The catalogue's checks of a custom measure, then its cells through the sandbox and the guard."""
    try:
        file_name = f"{name}.sql"
        measure, problems = check_custom(text, file_name, {m.name: m for m in data.catalogue})
    except ValueError as problem:
        return Checked(None, [str(problem)])
    if measure is None:
        return Checked(None, problems)
    if data.empty:
        return Checked(measure, [])
    try:
        preview = run_measure(data.db, measure, grain=grain, by=by if measure.segmentable else "none")
    except (SandboxError, ValueError) as problem:
        return Checked(None, [f"{file_name}: {problem}"])
    return Checked(measure, [], preview)


def save(data: PageData, name: str, text: str) -> Path:
    """Write the measure into measures/custom/ (editors only); the catalogue picks it up at once."""
    with auth.acting():
        return save_custom(data.db, custom_dir(), name, text, catalogue=data.catalogue)


def sparklines(data: PageData, measures: list[Measure]) -> dict[str, list[float]]:
    """Each measure's whole-organisation monthly figures over the loaded data (hidden cells left out)."""
    if data.empty:
        return {}
    results = measure_results(data, measures, grain="month", by="none", start=data.coverage.start,
                              end=data.coverage.end)
    return {name: trend(result) for name, result in results.items()}


__all__ = ["Checked", "check", "save", "sparklines", "starting_text", "value_test_skeleton"]
