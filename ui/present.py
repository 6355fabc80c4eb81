"""The Present page's glue: the story, cached per data version, settings and choices, and the
exports made from it when a download button is pressed (each once per story)."""
from __future__ import annotations

import hashlib
from datetime import date

import streamlit as st

from lookdown.present.exports.deck import build_deck
from lookdown.present.exports.images import chart_image
from lookdown.present.exports.pdf import build_pdf
from lookdown.present.exports.report import build_report
from lookdown.present.story import Story, build_story
from lookdown.present.story_charts import Chart
from lookdown.queries.assumptions import SETTING as ASSUMPTIONS
from lookdown.queries.settings import (
    ACCENT,
    CURRENCY,
    LOGO,
    ORGANISATION,
    Branding,
    load_branding,
    remove_logo,
    save_branding,
    save_logo,
)
from ui.data import PageData


def _settings_signature(data: PageData) -> str:
    """Changes whenever a setting the story shows changes (they do not change the data version)."""
    text = "\x00".join(data.db.setting(key) or "" for key in (ORGANISATION, ACCENT, LOGO, CURRENCY, ASSUMPTIONS))
    return hashlib.sha1(text.encode()).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=50)
def _story(_data: PageData, key: tuple) -> Story:
    *_, cohort, departments, start_on, start, end, measures = key
    return build_story(_data.db, _data.catalogue, cohort=cohort, departments=departments, start_on=start_on,
                       start=start, end=end, measures=list(measures) or None)


def story(data: PageData, *, cohort: str | None, departments: tuple[str, ...], start_on: date | None,
          start: date, end: date, measures: tuple[str, ...]) -> Story:
    """The story for the page's choices: the same one the exports are made from."""
    key = (data.path, data.version, data.min_group_size, _settings_signature(data), cohort,
           tuple(sorted(departments)), start_on, start, end, tuple(measures))
    return _story(data, key)


@st.cache_resource(show_spinner=False, max_entries=20)
def deck(_story: Story, key: int) -> bytes:
    return build_deck(_story)


@st.cache_resource(show_spinner=False, max_entries=20)
def report(_story: Story, key: int) -> bytes:
    return build_report(_story).encode("utf-8")


@st.cache_resource(show_spinner=False, max_entries=20)
def pdf(_story: Story, key: int) -> bytes:
    return build_pdf(_story)


@st.cache_resource(show_spinner=False, max_entries=200)
def image(_story: Story, _chart: Chart, key: tuple) -> bytes:
    return chart_image(_chart, _story, key[-1]).data


def branding(data: PageData) -> Branding:
    return load_branding(data.db)


def save_organisation(data: PageData, *, organisation: str, accent: str, logo: bytes | None,
                      forget_logo: bool) -> None:
    save_branding(data.db, organisation=organisation, accent=accent)
    if forget_logo:
        remove_logo(data.db)
    elif logo:
        save_logo(data.db, logo)


__all__ = ["branding", "deck", "image", "pdf", "report", "save_organisation", "story"]
