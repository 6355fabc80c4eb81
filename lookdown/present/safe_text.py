"""Text from the data, made safe for where it goes: a spreadsheet, Markdown, a Plotly figure.

Names of departments, cohorts, files, columns and spaces come from uploads, so they can hold
anything. Each kind of output has its one way of showing them as text:

- `spreadsheet_cell` / `spreadsheet_csv`: every CSV Lookdown writes (downloads and the command
  line) escapes text a spreadsheet would run as a formula, as OWASP recommends: a cell beginning
  with =, +, -, @, a tab or a carriage return gets a leading single quote, which spreadsheets take
  as "this is text". Numbers stay numbers: a numeric cell, or a text cell that is a plain number
  such as -5, is what it says in any spreadsheet. JSON output is never escaped.
- `markdown_text`: every piece of data shown through Streamlit's Markdown (st.markdown, captions,
  alerts, metric labels and help, widget labels) has each character that can begin markup
  backslash-escaped (CommonMark makes an escaped character literal text), so no link, image,
  HTML, emphasis, colour or formula syntax in a name can render, and line breaks become spaces.
- `plotly_text`: Plotly draws a few HTML tags in titles, labels, legends and hover text (<a>,
  <b>, <br>, <span style>...): names going into a figure have <, > and & written as entities,
  which Plotly shows as the characters themselves.
"""
from __future__ import annotations

import html
import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# What can begin markup inside a line: emphasis, code, links and images ([), HTML and autolinks,
# tables, strike-through, Streamlit's $math$, entities and e-mail autolinks; the colon of a URL
# and the dot of "www." (autolinks); and at the start, what makes a heading (#) or a list item
# (-, + or a number and a dot, followed by a space). Line breaks are gone, so nothing else can
# begin a block.
_MARKUP = re.compile(r"[\\`*_\[\]<>|~$&@]|:(?=//)|(?<=www)\.|^[#+-](?=[\s#]|$)", re.IGNORECASE)
_NUMBERED = re.compile(r"^(\d+)\.(?=\s|$)")
_LONGEST_TICKS = re.compile(r"`+")


def spreadsheet_cell(value):
    """A cell a spreadsheet reads as what it says: text that would start a formula gets a leading
    single quote; numbers, and text that is a plain number (-5, +3.5), are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_csv(frame: pd.DataFrame) -> str:
    """A table as CSV to open in a spreadsheet: headers and text cells through spreadsheet_cell,
    numeric columns as they are."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_bool_dtype(safe[column]):
            safe[column] = safe[column].map(spreadsheet_cell)
    safe.columns = [spreadsheet_cell(str(column)) for column in safe.columns]
    return safe.to_csv(index=False)


def markdown_text(value, *, code: bool = False) -> str:
    """A value from the data as literal text inside Markdown. code=True shows it as inline code
    (a column name, a file name): fenced with more backticks than it holds, where nothing is
    interpreted."""
    text = " ".join(str(value).splitlines())
    if code:
        ticks = "`" * (max((len(run) for run in _LONGEST_TICKS.findall(text)), default=0) + 1)
        return f"{ticks} {text} {ticks}" if text.startswith("`") or text.endswith("`") else f"{ticks}{text}{ticks}"
    return _NUMBERED.sub(r"\1\\.", _MARKUP.sub(lambda match: "\\" + match.group(0), text))


def plotly_text(value) -> str:
    """A value from the data as literal text in a Plotly figure (title, label, legend, hover)."""
    return html.escape(str(value), quote=False)
