"""Lookdown: `streamlit run app.py` (or `python -m lookdown serve`).

The pages are listed in ui/navigation.py (PAGES): adding a page is one line there.
"""
import ui

ui.run_app()
