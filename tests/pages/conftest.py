"""Page tests run the app in-process with Streamlit's AppTest against a database file."""
from __future__ import annotations

import pytest
import streamlit as st

from tests import fixtures


@pytest.fixture(scope="session")
def fixture_db_path(tmp_path_factory):
    """The small fixture organisation in a closed database file."""
    return fixtures.build(tmp_path_factory.mktemp("fixture") / "lookdown.duckdb")


@pytest.fixture(autouse=True)
def app_env(monkeypatch, fixture_db_path):
    """Every page test starts with empty Streamlit caches and LOOKDOWN_DB on the fixture file. The
    app does not watch the inbox on its own unless a test asks (LOOKDOWN_INBOX_SECONDS)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("LOOKDOWN_DB", str(fixture_db_path))
    monkeypatch.setenv("LOOKDOWN_INBOX_SECONDS", "0")
    yield fixture_db_path
    st.cache_data.clear()
    st.cache_resource.clear()
