"""Exports with their own headers: suggested mappings onto a template, and saved mappings.

`suggest_mapping(headers, table)` proposes, for each header, the template column it most likely
holds (exact template names first, then the synonyms in lookdown.contract.SYNONYMS). Once a user
confirms a mapping, `save_mapping` stores it in the database; the next file with the same headers
is then recognised without asking again (`saved_mapping`).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from lookdown.contract import SYNONYMS, TEMPLATES
from lookdown.store import Database


def normalise(header: str) -> str:
    """'Employee_ID ' -> 'employee id'; '(User)' parts kept as words."""
    text = str(header).replace("\ufeff", "").strip()
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def signature(headers: list[str]) -> str:
    """The same headers, in any order and case, give the same signature."""
    names = sorted(normalise(h) for h in headers if normalise(h))
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Suggestion:
    table: str
    mapping: dict[str, str | None]  # header -> template column (None: not used)
    missing_required: list[str]
    score: float  # share of the template's required columns found, plus a little per extra match

    @property
    def complete(self) -> bool:
        return not self.missing_required


def suggest_mapping(headers: list[str], table: str) -> dict[str, str | None]:
    """For each header, the template column of `table` it most likely holds (or None)."""
    return _suggest(headers, table).mapping


def _suggest(headers: list[str], table: str) -> Suggestion:
    template = TEMPLATES[table]
    synonyms = SYNONYMS.get(table, {})
    columns = [c.name for c in template.columns]
    # Candidate (rank, header index, column): exact template names rank first, then synonyms in
    # the order listed (earlier synonyms are better matches).
    candidates: list[tuple[int, int, str]] = []
    # Compared without spaces, so 'DateofHire', 'Date of Hire' and 'date_of_hire' all match.
    compact = {column: [s.replace(" ", "") for s in synonyms.get(column, ())] for column in columns}
    for i, header in enumerate(headers):
        norm = normalise(header).replace(" ", "")
        if not norm:
            continue
        for column in columns:
            if norm == column.replace("_", ""):
                candidates.append((0, i, column))
            elif norm in compact[column]:
                candidates.append((1 + compact[column].index(norm), i, column))
    mapping: dict[str, str | None] = dict.fromkeys(headers)
    taken_headers: set[int] = set()
    taken_columns: set[str] = set()
    for _, i, column in sorted(candidates):
        if i in taken_headers or column in taken_columns:
            continue
        mapping[headers[i]] = column
        taken_headers.add(i)
        taken_columns.add(column)
    missing = [c for c in template.required if c not in taken_columns]
    for group in template.one_of:
        if not any(c in taken_columns for c in group):
            missing.append(" or ".join(group))
    required = template.required or columns
    found = sum(1 for c in required if c in taken_columns)
    score = found / len(required) + 0.01 * len(taken_columns)
    return Suggestion(table, mapping, missing, score)


def best_suggestion(headers: list[str]) -> Suggestion:
    """The template the headers fit best (complete mappings first, then the most columns)."""
    suggestions = [_suggest(headers, table) for table in TEMPLATES]
    return max(suggestions, key=lambda s: (s.complete, s.score))


def exact_template(headers: list[str]) -> str | None:
    """The template whose column names the headers use (case-insensitively), if any."""
    names = {str(h).strip().lower().lstrip("\ufeff") for h in headers}
    best = None
    for table, template in TEMPLATES.items():
        columns = {c.name for c in template.columns}
        if not set(template.required) <= names:
            continue
        if any(not (set(group) & names) for group in template.one_of):
            continue
        overlap = len(columns & names)
        if best is None or overlap > best[0]:
            best = (overlap, table)
    return best[1] if best else None


def template_mapping(headers: list[str], table: str) -> dict[str, str]:
    columns = {c.name for c in TEMPLATES[table].columns}
    out = {}
    for header in headers:
        name = str(header).strip().lower().lstrip("\ufeff")
        if name in columns and name not in out.values():
            out[header] = name
    return out


# -- Saved mappings ---------------------------------------------------------------------------


def save_mapping(db: Database, headers: list[str], table: str, mapping: dict[str, str | None]) -> str:
    """Remember a confirmed mapping for files with these headers; returns the signature."""
    if table not in TEMPLATES:
        raise ValueError(f"Unknown table '{table}'")
    columns = {c.name for c in TEMPLATES[table].columns}
    clean = {h: c for h, c in mapping.items() if c}
    unknown = sorted(set(clean.values()) - columns)
    if unknown:
        raise ValueError(f"{table} has no column(s) {', '.join(unknown)}")
    db.require_writable()
    sig = signature(headers)
    db.cursor().execute(
        "insert or replace into column_mappings (signature, target_table, mapping, headers) "
        "values ($s, $t, $m, $h)",
        {"s": sig, "t": table, "m": json.dumps(clean), "h": json.dumps(list(headers))},
    )
    return sig


def saved_mapping(db: Database | None, headers: list[str]) -> tuple[str, dict[str, str]] | None:
    """(table, {header: column}) saved for files with these headers, matched by normalised name."""
    if db is None:
        return None
    row = db.cursor().execute(
        "select target_table, mapping from column_mappings where signature = $s", {"s": signature(headers)}
    ).fetchone()
    if row is None:
        return None
    table, stored = row[0], json.loads(row[1])
    by_norm = {normalise(h): c for h, c in stored.items()}
    return table, {h: by_norm[normalise(h)] for h in headers if normalise(h) in by_norm}
