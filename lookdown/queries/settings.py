"""The organisation's own settings for what it shows: its name, logo and accent colour (on the
Present page and in every export), and the currency its money is in.

They live in the database's `settings` table, so they travel with the data file and every reader
of it sees the same. The currency is a unit, not a label: money measures read amounts in it, and
the money assumptions record the currency their unit values are in (`Assumptions.currency`), so a
change of currency is never a silent relabelling of figures made in another one.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from lookdown.queries.assumptions import SETTING as ASSUMPTIONS_SETTING

ORGANISATION = "organisation_name"
LOGO = "organisation_logo"
ACCENT = "accent_colour"
CURRENCY = "currency"

DEFAULT_ACCENT = "#0072B2"
DEFAULT_CURRENCY = "USD"
# A logo is shown on a title slide and a report's first page: a few hundred kilobytes is plenty.
MAX_LOGO_BYTES = 2_000_000
LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpeg"}

# The currencies offered in the menu (ISO 4217); any other three-letter code is accepted too.
CURRENCIES = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "NZD", "JPY", "CNY", "INR", "SEK", "NOK", "DKK",
              "PLN", "CZK", "BRL", "MXN", "ZAR", "SGD", "HKD")

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Logo:
    data: bytes
    mime: str          # image/png or image/jpeg

    @property
    def extension(self) -> str:
        return LOGO_TYPES[self.mime]


@dataclass(frozen=True)
class Branding:
    organisation: str   # '' when none is saved
    accent: str         # '#RRGGBB'
    logo: Logo | None

    @property
    def name(self) -> str:
        """How the organisation is named where a name is needed."""
        return self.organisation or "Your organisation"


def check_accent(colour: str) -> str:
    colour = (colour or "").strip()
    if not _HEX.match(colour):
        raise ValueError(f"An accent colour is written #RRGGBB (such as {DEFAULT_ACCENT}), not '{colour}'.")
    return colour.upper()


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if not _CODE.match(code):
        raise ValueError(f"A currency is a three-letter ISO 4217 code such as EUR or USD, not '{code}'.")
    return code


def _image_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def load_branding(db) -> Branding:
    """The saved name, accent colour and logo; a saved value that cannot be used is left out."""
    accent = db.setting(ACCENT) or DEFAULT_ACCENT
    if not _HEX.match(accent):
        accent = DEFAULT_ACCENT
    logo = None
    stored = db.setting(LOGO)
    if stored:
        try:
            record = json.loads(stored)
            data = base64.b64decode(record["data"], validate=True)
            if record.get("mime") in LOGO_TYPES and _image_type(data) == record["mime"]:
                logo = Logo(data, record["mime"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            logo = None
    return Branding(organisation=(db.setting(ORGANISATION) or "").strip(), accent=accent, logo=logo)


def save_branding(db, *, organisation: str, accent: str) -> None:
    """Keep the organisation's name and accent colour with the data."""
    db.set_setting(ORGANISATION, (organisation or "").strip()[:120])
    db.set_setting(ACCENT, check_accent(accent))


def save_logo(db, data: bytes) -> Logo:
    """Keep a PNG or JPEG logo with the data (refused when it is neither, or too large)."""
    mime = _image_type(data)
    if mime is None:
        raise ValueError("A logo must be a PNG or JPEG image.")
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(f"A logo must be smaller than {MAX_LOGO_BYTES // 1_000_000} MB.")
    db.set_setting(LOGO, json.dumps({"mime": mime, "data": base64.b64encode(data).decode("ascii")}))
    return Logo(data, mime)


def remove_logo(db) -> None:
    db.cursor().execute("delete from settings where key = $k", {"k": LOGO})


def load_currency(db) -> str:
    """The currency the organisation's money is in: the saved setting; before there was one, the
    currency of saved money assumptions; else US dollars."""
    saved = db.setting(CURRENCY)
    if saved and _CODE.match(saved):
        return saved
    stored = db.setting(ASSUMPTIONS_SETTING)
    if stored:
        try:
            code = json.loads(stored).get("currency", "")
        except (ValueError, AttributeError):
            code = ""
        if isinstance(code, str) and _CODE.match(code.strip().upper()):
            return code.strip().upper()
    return DEFAULT_CURRENCY


def save_currency(db, code: str) -> str:
    code = check_currency(code)
    db.set_setting(CURRENCY, code)
    return code


__all__ = [
    "CURRENCIES", "DEFAULT_ACCENT", "DEFAULT_CURRENCY", "MAX_LOGO_BYTES", "Branding", "Logo", "check_accent",
    "check_currency", "load_branding", "load_currency", "remove_logo", "save_branding", "save_currency",
    "save_logo",
]
