"""Numbers and periods as people read them, one way everywhere: d3 formats (a measure's `format`,
as Plotly draws it), rounded figures for sentences, p-values and period codes; and values as
JSON carries them (jsonable).

A missing value reads MISSING wherever it appears.
"""
from __future__ import annotations

import dataclasses
import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

MISSING = "—"

_D3_SPEC = re.compile(
    r"^(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+( ])?(?P<symbol>[$#])?(?P<zero>0)?"
    r"(?P<width>\d+)?(?P<comma>,)?(?:\.(?P<precision>\d+))?(?P<trim>~)?(?P<type>[a-z%])?$"
)
_SI = {-8: "y", -7: "z", -6: "a", -5: "f", -4: "p", -3: "n", -2: "µ", -1: "m",
       0: "", 1: "k", 2: "M", 3: "G", 4: "T", 5: "P", 6: "E", 7: "Z", 8: "Y"}


def _trim(text: str) -> str:
    if "." not in text:
        return text
    mantissa, _, exponent = text.partition("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + ("e" + exponent if exponent else "")


def _fixed(number: float, decimals: int, comma: str) -> str:
    """Fixed-point text rounding halves up, as JavaScript's toFixed (and so Plotly) does."""
    exact = Decimal(number).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{exact:{comma}.{decimals}f}"


def format_value(value: float | None, spec: str) -> str:
    """Format a number with a d3 format string (the `format` of a measure), as Plotly would.

    Covers what measures use: sign, '$', ',', precision, '~' and the types f, d, e, g, r, s, %.
    Missing values read MISSING.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    match = _D3_SPEC.match(spec or "")
    if not match:
        return f"{value:,}"
    p = match.groupdict()
    kind = p["type"] or ""
    precision = int(p["precision"]) if p["precision"] is not None else None
    comma = "," if p["comma"] else ""
    trim = bool(p["trim"])
    number = abs(float(value))
    suffix = ""
    if kind == "%":
        number_text = _fixed(number * 100, 6 if precision is None else precision, comma)
        suffix = "%"
    elif kind == "d":
        number_text = _fixed(number, 0, comma)
    elif kind == "f":
        number_text = _fixed(number, 6 if precision is None else precision, comma)
    elif kind == "e":
        number_text = f"{number:.{6 if precision is None else precision}e}"
    elif kind == "s":
        digits = 6 if precision is None else max(1, precision)
        exponent = 0 if number == 0 else math.floor(math.log10(number) / 3)
        exponent = max(-8, min(8, exponent))
        scaled = number / 1000 ** exponent
        places = digits - 1 - (0 if scaled == 0 else math.floor(math.log10(scaled)))
        number_text, suffix = _fixed(round(scaled, places), max(0, places), ""), _SI[exponent]
    elif kind == "r":
        digits = 6 if precision is None else max(1, precision)
        places = digits - 1 - (0 if number == 0 else math.floor(math.log10(number)))
        number_text = _fixed(round(number, places), max(0, places), comma)
    else:  # g, or no type: d3 trims insignificant zeros in both
        digits = 12 if precision is None else max(1, precision)
        number_text = f"{number:{comma}.{digits}g}"
        trim = trim or not kind
    if trim:
        number_text = _trim(number_text)
    negative = value < 0 and float(number_text.replace(",", "").split("e")[0] or 0) != 0
    symbol = "$" if p["symbol"] == "$" else ""
    sign = p["sign"] or "-"
    if negative:
        if sign == "(":
            return f"({symbol}{number_text}{suffix})"
        return f"-{symbol}{number_text}{suffix}"
    lead = {"+": "+", " ": " "}.get(sign, "")
    return f"{lead}{symbol}{number_text}{suffix}"


# -- figures in sentences ---------------------------------------------------------------------


def fmt(x: float | None, *, signed: bool = False) -> str:
    """A number rounded for reading: 1,234 / 12.3 / 1.23 / 0.012."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return MISSING
    ax = abs(x)
    if ax >= 100:
        text = f"{x:,.0f}"
    elif ax >= 10:
        text = f"{x:,.1f}"
    elif ax == 0:
        text = "0"
    elif ax >= 1:
        text = f"{x:,.2f}"
    else:
        text = f"{x:.2g}"
    if signed and x > 0:
        text = "+" + text
    return text.replace("-", "−")


def fmt_p(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def fmt_pct(x: float | None, *, signed: bool = True) -> str:
    return MISSING if x is None else fmt(x, signed=signed) + "%"


def fmt_period(stamp, grain: str) -> str:
    stamp = pd.Timestamp(stamp)
    if grain == "month":
        return stamp.strftime("%Y-%m")
    if grain == "quarter":
        return f"{stamp.year}-Q{stamp.quarter}"
    return stamp.strftime("%Y-%m-%d")


def with_unit(x: float | None, unit: str, *, signed: bool = False) -> str:
    return f"{fmt(x, signed=signed)} {unit}".strip()


# -- values as JSON carries them -----------------------------------------------------------------


def finite(x) -> float | None:
    """A plain float, or None for missing / infinite values."""
    if x is None:
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def jsonable(obj: Any) -> Any:
    """Plain JSON types: numpy numbers to Python, NaN to None, dates to ISO strings."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return finite(obj)
    if isinstance(obj, datetime):
        stamp = pd.Timestamp(obj)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    return obj
