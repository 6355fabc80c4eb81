"""Sections of the README generated from the code, so the documentation cannot drift.

`python scripts/update_readme.py` rewrites them; a test fails when the README is out of date.
"""
from __future__ import annotations

import re

from lookdown.contract import TEMPLATES
from lookdown.measures import Catalogue

SECTIONS = ("contract", "measures")


def contract_markdown() -> str:
    lines = ["| file | columns (**required**) |", "|---|---|"]
    for template in TEMPLATES.values():
        cells = []
        for column in template.columns:
            text = f"**{column.name}**" if column.required else column.name
            if column.allowed:
                text += " (" + " \\| ".join(column.allowed) + ")"
            elif column.help:
                text += f" ({column.help})"
            cells.append(text)
        note = "".join(f"; one of {' or '.join(group)} is required" for group in template.one_of)
        lines.append(f"| `{template.table}.csv` | {', '.join(cells)}{note} |")
    return "\n".join(lines)


def measures_markdown(catalogue: Catalogue) -> str:
    lines = ["| pillar | name | what it counts | good when |", "|---|---|---|---|"]
    good = {"down": "it shrinks", "up": "it grows", "neutral": "balanced"}
    order = {"cost": 0, "collaboration": 1, "engagement": 2, "learning": 3}
    for measure in sorted(catalogue, key=lambda m: (order[m.pillar], m.name)):
        lines.append(f"| {measure.pillar} | `{measure.name}` | {measure.description} | {good[measure.direction]} |")
    return "\n".join(lines)


def render(section: str, catalogue: Catalogue) -> str:
    return contract_markdown() if section == "contract" else measures_markdown(catalogue)


def rewrite(readme: str, catalogue: Catalogue) -> str:
    """The README with every generated section replaced by its current text."""
    for section in SECTIONS:
        pattern = re.compile(rf"(<!-- {section}:start -->\n).*?(<!-- {section}:end -->)", re.S)
        if not pattern.search(readme):
            raise ValueError(f"README.md has no <!-- {section}:start --> ... <!-- {section}:end --> markers")
        text = render(section, catalogue)
        readme = pattern.sub(lambda m, text=text: m.group(1) + text + "\n" + m.group(2), readme)
    return readme
