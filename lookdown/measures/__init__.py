"""Measures: the catalogue of SQL files (catalogue.py), the engine that runs them (engine.py,
frame.sql) and the one privacy guard every figure passes (guard.py); the knowledge flow between
departments is computed and guarded here too (flow.py)."""
from lookdown.measures.catalogue import (
    CUSTOM_FOLDER,
    MEASURES_DIR,
    OUTPUT_COLUMNS,
    PARAMETERS,
    PILLARS,
    Catalogue,
    CatalogueError,
    Measure,
    parse_measure,
)
from lookdown.measures.engine import MeasureResult, run_grouped, run_measure, run_measures, segmentations
from lookdown.measures.guard import SMALLER_DEPARTMENTS, DisclosurePlan, Grouping, disclosure_plan, guard

__all__ = [
    "CUSTOM_FOLDER",
    "MEASURES_DIR",
    "OUTPUT_COLUMNS",
    "PARAMETERS",
    "PILLARS",
    "SMALLER_DEPARTMENTS",
    "Catalogue",
    "CatalogueError",
    "DisclosurePlan",
    "Grouping",
    "Measure",
    "MeasureResult",
    "disclosure_plan",
    "guard",
    "parse_measure",
    "run_grouped",
    "run_measure",
    "run_measures",
    "segmentations",
]
