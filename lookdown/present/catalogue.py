"""The Measures page's words for the catalogue: what each measure counts, in which unit, which
way is good, and which tables it reads (and whether they hold data)."""
from __future__ import annotations

from dataclasses import dataclass

from lookdown.contract import TABLE_LABELS
from lookdown.measures import Measure
from lookdown.present.overview import WANTED_WORDS

PILLAR_TITLES = {"cost": "Costs that should shrink", "collaboration": "Collaboration", "engagement": "Engagement",
                 "learning": "Learning"}


@dataclass(frozen=True)
class MeasureCard:
    measure: Measure
    tables: tuple[tuple[str, bool], ...]  # (table label, holds data)

    @property
    def title(self) -> str:
        return self.measure.label + (" · yours" if self.measure.custom else "")

    @property
    def facts(self) -> str:
        """'In requests. This should go down. Reads training records (no data yet).'"""
        reads = ", ".join(label + ("" if loaded else " (no data yet)") for label, loaded in self.tables)
        return f"In {self.measure.unit}. {WANTED_WORDS.get(self.measure.direction, '')} Reads {reads or 'no table'}."

    @property
    def ready(self) -> bool:
        return all(loaded for _, loaded in self.tables)


def measure_cards(measures, empty_tables) -> dict[str, list[MeasureCard]]:
    """The catalogue grouped by pillar (costs first), each measure with the state of its tables."""
    empty = set(empty_tables)
    grouped: dict[str, list[MeasureCard]] = {pillar: [] for pillar in PILLAR_TITLES}
    for measure in sorted(measures, key=lambda m: (m.custom, m.label.lower())):
        tables = tuple((TABLE_LABELS.get(t, t), t not in empty) for t in measure.sources)
        grouped.setdefault(measure.pillar, []).append(MeasureCard(measure, tables))
    return {pillar: cards for pillar, cards in grouped.items() if cards}
