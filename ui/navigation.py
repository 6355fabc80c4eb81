"""The app's pages and the one call every page starts with.

`app.py` runs `run_app()`: page settings, the navigation, then the chosen page. Each page's first
line is `data = ui.start_page(title)`, which shows the title, opens the data and shows the banner. A page also works
when Streamlit runs its file on its own: because the folder is called `pages/`, a fresh server
answering a deep link such as /overview runs that file without `app.py` (its older, file-based
routing). `start_page()` notices, applies the page settings and registers the navigation itself,
which also switches the server to the navigation below for every later visit.
"""
from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from lookdown.store.access import set_actor
from ui.auth import gate, sign_in_required
from ui.banner import banner
from ui.data import PageData, open_data

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"

# One line per page: (file in pages/, title in the menu, icon). The first is the home page.
PAGES: list[tuple[str, str, str]] = [
    ("overview.py", "Look down", ":material/trending_down:"),
    ("upload.py", "Upload", ":material/upload_file:"),
    ("data.py", "Data", ":material/database:"),
    ("explore.py", "Explore a measure", ":material/query_stats:"),
    ("pilot.py", "Pilot vs rest", ":material/compare_arrows:"),
    ("money.py", "What it is worth", ":material/payments:"),
    ("flow.py", "Knowledge flow", ":material/hub:"),
    ("measures.py", "Measures", ":material/functions:"),
    ("present.py", "Present", ":material/co_present:"),
]

# Set while app.py runs the chosen page in this script thread.
_routed = threading.local()


def configure_page() -> None:
    st.set_page_config(page_title="Lookdown", page_icon=":material/trending_down:", layout="wide")


def navigation():
    """Register the pages; returns the one the visitor asked for."""
    pages = []
    for index, (file, title, icon) in enumerate(PAGES):
        path = PAGES_DIR / file
        if index == 0:
            # The home page lives at "/"; its file name stays a working address too (/overview),
            # so links made by the file-based routing keep working.
            pages.append(st.Page(path, title=title, icon=icon, default=True, url_path="home"))
            pages.append(st.Page(path, title=title, icon=icon, url_path=path.stem, visibility="hidden"))
        else:
            pages.append(st.Page(path, title=title, icon=icon))
    return st.navigation(pages)


def run_app() -> None:
    """The whole of app.py."""
    configure_page()
    page = navigation()
    _routed.active = True
    try:
        page.run()
    finally:
        _routed.active = False


def start_page(title: str) -> PageData:
    """Set up what a page needs: settings and navigation when run on its own, the title, the data
    and the banner. Stops the page with guidance when there is no database."""
    if not getattr(_routed, "active", False):
        configure_page()
        navigation()
        if "_lookdown_started" not in st.session_state:
            # A visit that starts on a deep link: rerun at once, now through the navigation, before
            # the visitor touches a widget. Widgets made by this file-based run belong to another
            # page, so the first input (a dropped file) would otherwise be lost.
            st.session_state["_lookdown_started"] = True
            st.rerun()
    st.session_state["_lookdown_started"] = True
    st.title(title)
    set_actor(gate())
    data = open_data()
    signed_in(data)
    banner(data)
    return data


def signed_in(data: PageData) -> None:
    """In a shared installation, who is signed in, with which role, and a way out."""
    if not sign_in_required():
        return
    with st.sidebar:
        role = data.actor.role or "no role"
        st.caption(f"Signed in as **{data.actor.email or data.actor.name}** ({role}).")
        st.button("Sign out", on_click=st.logout, key="sidebar-sign-out", icon=":material/logout:")
