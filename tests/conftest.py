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
