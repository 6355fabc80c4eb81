"""What is loaded: rows and date ranges of every canonical table, in one scan."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from lookdown.contract import CANONICAL_TABLES

# The dates that bound the facts measures report on: (first, last) expressions per table.
# People count by their leaving dates (hire dates reach back decades before any other data);
# an initiative runs until it ends; cohorts date no facts.
FACT_DATES: dict[str, tuple[str, str]] = {
    **{table: (column, column) for table, column in CANONICAL_TABLES.items() if table not in ("people", "cohorts")},
    "people": ("termination_date", "termination_date"),
    "initiatives": ("started_on", "coalesce(ended_on, started_on)"),
}

# Rows and date ranges of every canonical table in one scan; names come from the constants above.
_COVERAGE_SQL = " union all ".join(
    f"select '{table}', count(*), min({column})::date, max({column})::date, "
    f"min({FACT_DATES.get(table, ('null', 'null'))[0]})::date, "
    f"max({FACT_DATES.get(table, ('null', 'null'))[1]})::date from {table}"
    for table, column in CANONICAL_TABLES.items()
)


@dataclass(frozen=True)
class Coverage:
    """What is loaded: the range of the facts, rows per table, and each table's date range."""

    start: date | None
    end: date | None
    rows: dict[str, int]
    ranges: dict[str, tuple[date | None, date | None]]  # by the column that dates each row
    fact_ranges: dict[str, tuple[date, date]]  # tables holding facts: the dates they cover

    @property
    def empty_tables(self) -> list[str]:
        return [table for table, n in self.rows.items() if n == 0]

    def range_of(self, tables) -> tuple[date, date] | None:
        """The dates covered by the facts of these tables, or None when they hold none."""
        spans = [self.fact_ranges[t] for t in tables if t in self.fact_ranges]
        if not spans:
            return None
        return min(lo for lo, _ in spans), max(hi for _, hi in spans)


def read_coverage(cur: duckdb.DuckDBPyConnection) -> Coverage:
    rows, ranges, facts = {}, {}, {}
    for table, n, lo, hi, fact_lo, fact_hi in cur.execute(_COVERAGE_SQL).fetchall():
        rows[table] = n
        ranges[table] = (lo, hi)
        if fact_lo is not None:
            facts[table] = (fact_lo, fact_hi)
    span = Coverage(None, None, rows, ranges, facts).range_of(facts)
    start, end = span if span else (None, None)
    return Coverage(start=start, end=end, rows=rows, ranges=ranges, fact_ranges=facts)

