"""Fixtures shared by every test tier: an empty database, the catalogue, and the demo
organisation, built once per test session (tests/fixtures.py has the small organisation)."""
from __future__ import annotations

from pathlib import Path

import pytest

from lookdown.measures import Catalogue
from lookdown.store import Database
from tests import fixtures


@pytest.fixture(autouse=True)
def own_measures_apart(tmp_path, monkeypatch):
    """Every test reads and writes custom measures in a folder of its own, never measures/custom/."""
    monkeypatch.setenv("LOOKDOWN_CUSTOM_MEASURES", str(tmp_path / "custom-measures"))


@pytest.fixture
def db():
    """An empty in-memory Lookdown database with a fixed pseudonymisation key."""
    database = Database(None, key="0" * 64)
    yield database
    database.close()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory) -> Path:
    """The demo organisation (seed 7) in a closed database file, built once per test session.
    Never opened here: tests open copies of it (fixtures.copy_database) or demo_db."""
    from lookdown.demo import build_demo_file

    path = tmp_path_factory.mktemp("demo") / "lookdown.duckdb"
    build_demo_file(path)
    return path


@pytest.fixture(scope="session")
def demo_db(demo_path, tmp_path_factory):
    """The demo, opened once for the whole session: shared by every test that asks for it, so
    treat it as read-only."""
    database = Database(fixtures.copy_database(demo_path, tmp_path_factory.mktemp("demo-open") / "lookdown.duckdb"))
    yield database
    database.close()
