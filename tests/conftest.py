"""Fixtures shared by every test tier."""
from __future__ import annotations

import pytest

from lookdown.measures import Catalogue
from lookdown.store import Database


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
def demo_db(tmp_path_factory):
    """The demo organisation (seed 7) in a database file, built once per test session.

    Shared by every test that asks for it, so treat it as read-only.
    """
    from lookdown.demo import build_demo_file

    path = tmp_path_factory.mktemp("demo") / "lookdown.duckdb"
    build_demo_file(path)
    database = Database(path)
    yield database
    database.close()
