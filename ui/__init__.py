"""Streamlit glue shared by the pages: navigation, the cached database and catalogue, cached
measure results, the shared controls and the banner every page shows.

The only place outside `pages/` and `app.py` that imports streamlit; `lookdown/` stays free of it.
"""
from ui.controls import Choice, controls
from ui.data import PageData, cohort_markers, measure_result, measure_results, pair_chart
from ui.navigation import PAGES, run_app, start_page

__all__ = ["PAGES", "Choice", "PageData", "cohort_markers", "controls", "measure_result", "measure_results",
           "pair_chart", "run_app", "start_page"]
