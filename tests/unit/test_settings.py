"""The organisation's settings kept with the data: name, accent colour, logo and currency."""
from __future__ import annotations

import pytest

from lookdown.analysis.money import Assumptions
from lookdown.present.analysis_charts import currency_problem
from lookdown.queries.assumptions import save_assumptions
from lookdown.queries.settings import (
    DEFAULT_ACCENT,
    load_branding,
    load_currency,
    remove_logo,
    save_branding,
    save_currency,
    save_logo,
)
from tests.unit.test_exports import LOGO


def test_branding_is_kept_with_the_data(db):
    assert load_branding(db).name == "Your organisation" and load_branding(db).accent == DEFAULT_ACCENT
    save_branding(db, organisation="  Acme  ", accent="#117733")
    save_logo(db, LOGO)
    saved = load_branding(db)
    assert (saved.organisation, saved.accent, saved.logo.mime, saved.logo.data) == ("Acme", "#117733", "image/png", LOGO)
    remove_logo(db)
    assert load_branding(db).logo is None


def test_a_logo_must_be_a_picture_and_a_colour_must_be_a_colour(db):
    with pytest.raises(ValueError, match="PNG or JPEG"):
        save_logo(db, b"<svg></svg>")
    with pytest.raises(ValueError, match="#RRGGBB"):
        save_branding(db, organisation="Acme", accent="green")


def test_the_currency_is_a_setting_that_earlier_saved_assumptions_seed(db):
    assert load_currency(db) == "USD"
    save_assumptions(db, Assumptions(currency="GBP"))
    assert load_currency(db) == "GBP"  # saved before the setting existed
    assert save_currency(db, "eur") == "EUR" and load_currency(db) == "EUR"
    with pytest.raises(ValueError, match="three-letter"):
        save_currency(db, "euro")


def test_unit_values_in_another_currency_are_named_not_relabelled():
    assert currency_problem(Assumptions(), "USD", saved=False) == ""
    problem = currency_problem(Assumptions(), "EUR", saved=False)
    assert "US figures in US dollars" in problem and "EUR" in problem
    assert "saved when the currency was GBP" in currency_problem(Assumptions(currency="GBP"), "EUR", saved=True)
