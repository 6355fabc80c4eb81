"""Reading and checking a file in a scratch connection, before anything touches the database.

Every reader ends with a `Staged`: the good rows shaped like a template (identifiers still in
clear, in memory only), and the problems found (line, column, value, reason). Nothing here writes
to the user's tables, so `inspect_file` and `import_files` share this code. A preview reads in a
DuckDB of its own; an import reads in a cursor of the user's database, in temporary tables only,
so a large file's rows never leave DuckDB on their way in (TempRows).
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import duckdb

from lookdown.contract import DATE_COLUMN, ENUM_SYNONYMS, OLD_DATES_ALLOWED, TEMPLATES, Column, Template
from lookdown.ingest import limits
from lookdown.ingest.limits import ImportProblem
from lookdown.ingest.mapping import normalise
from lookdown.ingest.sources import CsvText
from lookdown.store import QUIET_SQL, run_watched

if TYPE_CHECKING:  # pandas and pyarrow are imported only by the readers that need them
    import pandas as pd
    import pyarrow as pa

PARSE_SQL = Path(__file__).with_name("parse.sql").read_text()
MAX_VALUE_CHARS = 200
# One rejected line of read_csv -> a reason users can act on.
CSV_ERRORS = {
    "MISSING COLUMNS": "the line has fewer columns than the header",
    "TOO MANY COLUMNS": "the line has more columns than the header",
    "UNQUOTED VALUE": "a value has a quote inside it that is not doubled",
    "LINE SIZE OVER MAXIMUM": "the line is too long",
    "INVALID UNICODE": "the line has characters that are not valid text",
    "INVALID ENCODING": "the line has characters that are not valid text",
    "CAST": "a value could not be read",
}
PROBLEM_COLUMNS = ["line", "column_name", "value", "reason"]
# A control character no text holds (lookdown.ingest.sources.CONTROL_BYTES), as a regular
# expression DuckDB runs (on files that hold one only), and why a value holding one is rejected.
CONTROL_PATTERN = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
CONTROL_REASON = "holds a control character (such as a NUL byte) that text never holds: the file may be damaged"


class Problem(NamedTuple):
    """One rejected row, or one thing wrong with it: where (file line, column), what (the value,
    never an identifier) and why."""

    line: int | None
    column_name: str | None
    value: str | None
    reason: str


def in_file_order(problems) -> list[Problem]:
    """Problems sorted by line (those without a line last), in their order within a line."""
    return sorted((Problem(*p) for p in problems), key=lambda p: (p.line is None, p.line or 0))


# The staging tables a file's rows are read from (Scratch below), and the names
# TempRows gives them: only names of this shape are ever put into its SQL.
STAGING_PARTS = ("raw", "flags", "problems", "lines")


_TEMP_NAME = re.compile(r"ld_rows_\d+(_(" + "|".join(STAGING_PARTS) + r"))?")


def _checked(name: str) -> str:
    if not _TEMP_NAME.fullmatch(name):
        raise ValueError(f"not a staging table name: {name!r}")
    return name


@dataclass
class TempRows:
    """Rows kept inside one DuckDB connection, as a temporary view over temporary tables that
    belong to it: a large file is read, checked and written without its rows ever leaving
    DuckDB, or being copied between the checks and the load. Only that connection (the one that
    staged them, which then runs the load's transaction) can read them."""

    con: duckdb.DuckDBPyConnection
    name: str
    num_rows: int
    column_names: list[str]
    tables: list[str]
    _numbers = itertools.count(1)

    @classmethod
    def adopt(cls, con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, str]]:
        """A fresh name, and the staging tables ld_<part> renamed to belong to it (the next
        file staged reuses the ld_* names): (name, {part: table})."""
        name = f"ld_rows_{next(cls._numbers)}"
        tables = {part: _checked(f"{name}_{part}") for part in STAGING_PARTS}
        for part, table in tables.items():
            con.execute(f"alter table ld_{part} rename to {table}")  # names from the allowlist above
        return name, tables

    @classmethod
    def view(cls, con: duckdb.DuckDBPyConnection, name: str, select_sql: str, tables: list[str],
             num_rows: int) -> TempRows:
        """The rows of a query (built from constants) over `tables`, which are dropped with them."""
        name, tables = _checked(name), [_checked(t) for t in tables]
        con.execute(f"create temp view {name} as {select_sql}").fetchall()
        columns = [d[0] for d in con.execute(f"select * from {name} limit 0").description]
        return cls(con, name, num_rows, columns, tables)

    def head(self, n: int) -> pd.DataFrame:
        return self.con.execute(f"select * from {_checked(self.name)} order by rec limit $n", {"n": n}).df()

    def drop(self) -> None:
        self.con.execute(f"drop view if exists {_checked(self.name)}").fetchall()
        for table in self.tables:
            self.con.execute(f"drop table if exists {_checked(table)}").fetchall()


@dataclass
class Staged:
    """A file read and checked, ready to be written (or previewed)."""

    file_kind: str
    table: str | None
    rows: pa.Table | TempRows | None
    problems: list[Problem]  # in file order
    rows_read: int
    rejected: int
    period: tuple[datetime, datetime] | None = None
    source_key: str | None = None
    replace_period: bool = False
    notices: list[str] = field(default_factory=list)
    facts: dict[str, int] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)  # the file's headers, as exported

    @property
    def good(self) -> int:
        return 0 if self.rows is None else self.rows.num_rows


class Scratch:
    """A connection with the value parsers, for reading and checking files: a cursor of the
    database the rows will be written to, or an in-memory DuckDB of its own."""

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None):
        self.con = con if con is not None else duckdb.connect()
        self.con.execute(QUIET_SQL)
        self.con.execute(PARSE_SQL)
        # Told the share of a file read so far (0 to 1) while it is read: an import's progress.
        self.on_read = None
        # The file last read (read_csv) holds a control character: its values are checked for one.
        self.control_characters = False
        self.raw_names: list[str] = []

    @property
    def on_read(self) -> Callable[[float], None] | None:
        return self._on_read

    @on_read.setter
    def on_read(self, callback: Callable[[float], None] | None) -> None:
        self._on_read, self._last_share = callback, -1.0

    def read_share(self, done: int, total: int) -> None:
        """For readers that go through a file in Python: `done` of `total` (bytes, files) read,
        passed on to on_read when it moved on by a percent or more (a Slack export can hold
        tens of thousands of day files). Checks the import's budget (lookdown.ingest.limits)."""
        limits.check()
        if self.on_read is None or total <= 0:
            return
        share = min(done / total, 1.0)
        if share >= 1.0 or share - self._last_share >= 0.01:
            self._last_share = share
            self.on_read(share)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def clear_rejects(self) -> None:
        for table in ("reject_errors", "reject_scans"):
            ((exists,),) = self.con.execute(
                "select count(*) from duckdb_tables() where table_name = $t and temporary", {"t": table}
            ).fetchall()
            if exists:
                self.con.execute("delete from " + table)  # constant names

    def read_csv(self, csv: CsvText, names: list[str]) -> None:
        """The file into temp table ld_raw (all text, our column names); bad lines are kept in
        reject_errors (cleared first)."""
        self.clear_rejects()
        csv.count_in_background()
        self.raw_names = list(names)
        run_watched(
            self.con,
            "create or replace temp table ld_raw as select * from read_csv($path, header = true, "
            "delim = $delim, quote = '\"', escape = '\"', columns = $columns, "
            "null_padding = false, store_rejects = true, auto_detect = false, "
            "max_line_size = 10000000)",
            {"path": str(csv.path), "delim": csv.delimiter, "columns": dict.fromkeys(names, "VARCHAR")},
            self.on_read, check=limits.check,
        )
        if self.on_read is not None:
            self.on_read(1.0)
        self.con.execute(
            "create or replace temp table ld_rejects as select line, error_type, column_name from reject_errors"
        ).fetchall()
        self.clear_rejects()
        # Every line is the header, a record or a rejected line unless some are empty (or inside
        # quotes): only then is the file searched for empty lines.
        ((records,),) = self.con.execute("select count(*) from ld_raw").fetchall()
        ((rejected,),) = self.con.execute("select count(distinct line) from ld_rejects").fetchall()
        blank = [] if csv.line_count() == 1 + records + rejected else csv.blank_lines()
        self.control_characters = csv.has_control_characters
        self.con.execute("create or replace temp table ld_blank_lines (line bigint)").fetchall()
        if blank:
            self.con.execute("insert into ld_blank_lines select unnest($lines)", {"lines": blank})

    def number_lines(self, needed: str = "select rowid as rec from ld_raw") -> None:
        """Temp table ld_lines(rec, line): the file line of the records of ld_raw, counting the
        header as line 1. read_csv numbers lines by record and rejected records take a number, so
        the good record i (1-based) sits after every rejected or empty line r_j (the j-th) with
        r_j - 1 - j < i. Without such lines record i sits on line i + 2 and only the records the
        query `needed` returns are numbered (every record otherwise)."""
        self.con.execute(
            "create or replace temp table ld_linemap as "
            "select line - 1 - j as t, max(j) as k from (select line, row_number() over (order by line) as j "
            "from (select line from ld_rejects union select line from ld_blank_lines)) group by all"
        ).fetchall()
        ((gaps,),) = self.con.execute("select count(*) from ld_linemap").fetchall()
        records = "select rowid as rec from ld_raw" if gaps else needed
        self.con.execute(
            "create or replace temp table ld_lines as "
            "select raw.rec, raw.rec + 2 + coalesce(m.k, 0) as line "
            f"from ({records}) as raw asof left join ld_linemap as m on raw.rec + 1 > m.t"
        ).fetchall()

    def csv_problems(self, known_columns: set[str]) -> list[Problem]:
        """Lines read_csv rejected, as problems."""
        rows = self.con.execute(
            "select line, error_type, column_name from ld_rejects order by line"
        ).fetchall()
        out = []
        seen = set()
        for line, error_type, column in rows:
            if line in seen:
                continue
            seen.add(line)
            reason = CSV_ERRORS.get(error_type, str(error_type).lower())
            out.append(Problem(line, column if column in known_columns else None, None, reason))
        return out


# -- Templates (and mapped exports) -----------------------------------------------------------


def _is_number(column: Column) -> bool:
    return column.type.startswith("decimal") or column.type in ("double", "integer", "bigint")


def _sql_list(values: tuple[str, ...]) -> str:
    assert all("'" not in v for v in values)  # contract values
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _parse_expr(template: Template, column: Column, present: bool, offset_free: bool) -> str:
    """How the (cleaned) text of a template column is read (names from the contract).
    offset_free: no value of this date column has a time-zone offset (a faster parser reads it)."""
    name = column.name
    ref = f"cl.{name}" if present else "null::varchar"
    if column.allowed:
        synonyms = ENUM_SYNONYMS.get((template.table, name), {})
        if not synonyms:
            return f"lower({ref})"
        assert all("'" not in k + v for k, v in synonyms.items())  # contract constants
        whens = " ".join(f"when '{k}' then '{v}'" for k, v in synonyms.items())
        return f"case lower({ref}) {whens} else lower({ref}) end"
    if name == "month":
        return f"ld_month_c({ref}, f.{name}__dayfirst, f.tz_)"
    plain = "_plain" if offset_free else ""
    if column.type == "date":
        return f"ld_date{plain}_c({ref}, f.{name}__dayfirst, f.tz_)"
    if column.type == "timestamp":
        return f"ld_timestamp{plain}_c({ref}, f.{name}__dayfirst, f.tz_)"
    if _is_number(column):
        return (
            f"ld_amount_c({ref}, coalesce(f.{name}__vote, 0) > 0 "
            f"or (coalesce(f.{name}__vote, 0) = 0 and f.semicolon_))"
        )
    if column.type == "boolean":
        return f"ld_bool_c({ref})"
    return ref


def _output_expr(column: Column) -> str:
    name = column.name
    if column.type.startswith("decimal"):
        return f"round(s.{name}, 2)::{column.type} as {name}"
    if column.type == "integer":
        return f"s.{name}::integer as {name}"
    return f"s.{name}"


def _flags_sql(template: Template, present: set[str], ascii_file: bool) -> str:
    """Per-column reading choices voted over the whole file: D/M slash dates, decimal commas;
    and which columns need cleaning (ascii_file: no value can hold a non-breaking space)."""
    parts = []
    for column in template.columns:
        name = column.name
        if column.type in ("date", "timestamp"):
            if name in present:
                parts.append(
                    f"(count(*) filter (where ld_slash_dayfirst({name})) > 0 and "
                    f"count(*) filter (where ld_slash_monthfirst({name})) = 0) as {name}__dayfirst"
                )
                parts.append(f"coalesce(bool_and(ld_offset_free({name})), true) as {name}__offset_free")
            else:
                parts.append(f"false as {name}__dayfirst")
        elif _is_number(column):
            if name in present:
                parts.append(f"sum(ld_decimal_comma_vote({name})) as {name}__vote")
            else:
                parts.append(f"0 as {name}__vote")
    # Whether a column has any value ld_clean would change (spaces at an end, non-ASCII text, an
    # empty string): columns without one are read as they are, which saves cleaning every value.
    # An empty string or a leading space sorts before '!', so min() finds them; LIKE is the
    # cheapest test for a trailing space; strlen <> length, for characters beyond ASCII.
    for name in sorted(present):
        beyond_ascii = "" if ascii_file else f"strlen({name}) <> length({name}) or "
        parts.append(
            f"coalesce(min({name}) < '!' or bool_or({beyond_ascii}{name} like '% '), false) as {name}__clean"
        )
    # count(*) keeps this an aggregate (one row) even when no column needs a vote.
    columns = ", ".join(["count(*) as rows_", *parts])
    return "create or replace temp table ld_colflags as select " + columns + " from ld_raw"


def _checks(template: Template, control: bool = False) -> list[tuple[str, str, str]]:
    """(column, condition on s/f, reason) for every check of a template (contract names only);
    control: the file holds a control character, so every value is checked for one."""
    table = template.table
    checks: list[tuple[str, str, str]] = []
    for column in template.columns:
        name = column.name
        raw = f"s.{name}__raw"  # the cleaned text
        if control:
            checks.append((name, f"regexp_matches({raw}, '{CONTROL_PATTERN}')", CONTROL_REASON))
        if column.required:
            checks.append((name, f"{raw} is null", "missing required value"))
        if column.allowed:
            checks.append((
                name,
                f"s.{name} is not null and not list_contains({_sql_list(column.allowed)}, s.{name})",
                "unknown value (expected " + ", ".join(column.allowed) + ")",
            ))
        elif column.type in ("date", "timestamp"):
            what = "not a month" if name == "month" else "not a date"
            checks.append((name, f"{raw} is not null and s.{name} is null", what))
            checks.append((name, f"s.{name}::date > f.today_", "date in the future"))
            if (table, name) not in OLD_DATES_ALLOWED:
                checks.append((name, f"s.{name}::date < date '1990-01-01'", "date before 1990"))
        elif _is_number(column):
            checks.append((name, f"{raw} is not null and s.{name} is null", "not a number"))
            checks.append((name, f"s.{name} < 0", "negative value"))
            checks.append((name, f"abs(s.{name}) >= 1e12", "value too large"))
            if column.type == "integer":
                checks.append((name, f"s.{name} <> floor(s.{name})", "not a whole number"))
        elif column.type == "boolean":
            checks.append((name, f"{raw} is not null and s.{name} is null", "not true or false (use yes/no)"))
    for group in template.one_of:
        condition = " and ".join(f"s.{c} is null" for c in group)
        checks.append(("/".join(group), condition, "needs a value in " + " or ".join(group)))
    if table == "people":
        checks.append(("termination_type", "s.termination_type is not null and s.termination_date is null",
                       "a termination type needs a termination date"))
        checks.append(("termination_date", "s.termination_date < s.hire_date", "before the hire date"))
    if table == "initiatives":
        checks.append(("ended_on", "s.ended_on < s.started_on", "before the start date"))
    return checks


def _template_names(csv: CsvText, template: Template, mapping: dict[str, str]) -> tuple[list[str], set[str]]:
    """The names to read the file's columns as (a template column, or ignored_<i>) and the
    template columns present; refuses a file that lacks a required column."""
    known = {c.name for c in template.columns}
    names: list[str] = []
    present: set[str] = set()
    for i, header in enumerate(csv.headers):
        target = mapping.get(header)
        if target in known and target not in present:
            names.append(target)
            present.add(target)
        else:
            names.append(f"ignored_{i}")
    missing = [c for c in template.required if c not in present]
    if missing:
        raise ImportProblem(f"{template.table}: missing required column(s): {', '.join(missing)}")
    for group in template.one_of:
        if not any(c in present for c in group):
            raise ImportProblem(f"{template.table}: needs at least one of the columns {' or '.join(group)}")
    return names, present


def _parsing_sql(con: duckdb.DuckDBPyConnection, template: Template, present: set[str]) -> Callable[[str, str], str]:
    """A builder of the query that cleans and parses the read rows (`raw`) with the file's flags
    (`flags`): each column is cleaned once (ld_clean, only where a value needs it, as
    ld_colflags found), then parsed by the *_c parsers. Rows with every cell empty (Excel's
    trailing ';;;;' lines) are skipped, like empty lines."""
    needs_clean = con.execute(
        "select " + ", ".join(f"{name}__clean" for name in sorted(present)) + " from ld_colflags"
    ).fetchone()
    dated = [c.name for c in template.columns if c.type in ("date", "timestamp") and c.name in present]
    offset_free = set()
    if dated:
        flags = con.execute("select " + ", ".join(f"{n}__offset_free" for n in dated) + " from ld_colflags").fetchone()
        offset_free = {n for n, free in zip(dated, flags) if free}
    cleaned = ", ".join(
        f"ld_clean(raw.{name}) as {name}" if dirty else f"raw.{name} as {name}"
        for name, dirty in zip(sorted(present), needs_clean)
    )
    parsed = ",\n  ".join(
        f"{_parse_expr(template, c, c.name in present, c.name in offset_free)} as {c.name}, "
        f"{'cl.' + c.name if c.name in present else 'null::varchar'} as {c.name}__raw"
        for c in template.columns
    )
    any_value = "coalesce(" + ", ".join(f"cl.{name}" for name in sorted(present)) + ")"

    def stage_sql(raw: str, flags: str) -> str:
        return (
            f"select cl.rec,\n  {parsed}\n"
            f"from (select raw.rowid as rec, {cleaned} from {raw} as raw) as cl, "
            f"{flags} as f where {any_value} is not null"
        )

    return stage_sql


def _problems_sql(template: Template, control: bool = False) -> str:
    """Every check of the template in one scan of ld_stage: a list of (hit, column, value,
    reason) per row, keeping the hits, into ld_problems (a value's control characters, when the
    file holds any, shown as U+FFFD)."""
    known = {c.name for c in template.columns}
    entries, hits = [], []
    for column, condition, reason in _checks(template, control):
        hits.append(f"coalesce({condition}, false)")
        value = "null::varchar"
        if column in known and not template.column(column).identifier:
            value = f"left(s.{column}__raw, {MAX_VALUE_CHARS})"
            if control:
                value = f"left(regexp_replace(s.{column}__raw, '{CONTROL_PATTERN}', '\ufffd', 'g'), {MAX_VALUE_CHARS})"
        assert "'" not in reason and "'" not in column
        entries.append(
            f"struct_pack(hit := coalesce({condition}, false), column_name := '{column}', "
            f"value := {value}, reason := '{reason}')"
        )
    return (
        "create or replace temp table ld_problems as select rec, p.column_name, p.value, p.reason from ("
        "select s.rec, unnest(list_filter([" + ",\n".join(entries) + "], lambda x: x.hit)) as p "
        "from ld_stage as s, ld_flags as f where " + (" or ".join(hits) or "false") + ")"
    )


def stage_template_csv(
    scratch: Scratch,
    csv: CsvText,
    table: str,
    mapping: dict[str, str],
    *,
    tz: str,
    today: date,
    file_kind: str = "template",
) -> Staged:
    """A CSV whose columns map (header -> template column) onto a template table: read, checked
    in one scan (every problem with its line), and its good rows kept as TempRows that are parsed
    once more as they are written."""
    template = TEMPLATES[table]
    known = {c.name for c in template.columns}
    names, present = _template_names(csv, template, mapping)
    con = scratch.con
    scratch.read_csv(csv, names)
    con.execute(
        "create or replace temp table ld_params as "
        "select $tz::varchar as tz_, $today::date as today_, $semicolon::boolean as semicolon_",
        {"tz": tz, "today": today, "semicolon": csv.delimiter == ";"},
    ).fetchall()
    con.execute(_flags_sql(template, present, csv.ascii)).fetchall()
    con.execute("create or replace temp table ld_flags as select * from ld_params, ld_colflags").fetchall()
    stage_sql = _parsing_sql(con, template, present)
    # A view, not a table: the parsers run in the checks' scan and again when the good rows are
    # written, which is cheaper than storing every parsed and cleaned value in between.
    con.execute("create or replace temp view ld_stage as " + stage_sql("ld_raw", "ld_flags")).fetchall()

    con.execute(_problems_sql(template, scratch.control_characters)).fetchall()
    scratch.number_lines(needed="select distinct rec from ld_problems")
    value_problems = con.execute(
        "select l.line, p.column_name, p.value, p.reason from ld_problems as p "
        "join ld_lines as l on l.rec = p.rec order by p.rec, p.column_name"
    ).fetchall()
    problems = in_file_order(scratch.csv_problems(known) + value_problems)

    ((read,),) = con.execute("select count(*) from ld_stage").fetchall()
    ((bad_records,),) = con.execute("select count(distinct rec) from ld_problems").fetchall()
    ((gaps,),) = con.execute("select count(*) from ld_linemap").fetchall()
    ((bad_lines,),) = con.execute("select count(distinct line) from ld_rejects").fetchall()
    date_column = DATE_COLUMN[table]
    # (The anti-join only when some record has a problem: most files have none.)
    period = con.execute(
        f"select min(s.{date_column})::timestamp, max(s.{date_column})::timestamp from ld_stage as s "
        + ("where s.rec not in (select rec from ld_problems)" if bad_records else "")
    ).fetchone()

    # The good rows: a view over this file's own copies of the tables it reads, parsed once more
    # as they are written.
    con.execute("drop view ld_stage")
    name, tables = TempRows.adopt(con)
    outputs = ", ".join(_output_expr(c) for c in template.columns)
    # Without rejected or empty lines before it, record i sits on line i + 2 (the header is line 1).
    line, lines = (("l.line", f"join {tables['lines']} as l on l.rec = s.rec") if gaps
                   else ("s.rec + 2 as line", ""))
    good = f"where s.rec not in (select rec from {tables['problems']})" if bad_records else ""
    rows = TempRows.view(
        con, name,
        f"select s.rec, {line}, {outputs} from ({stage_sql(tables['raw'], tables['flags'])}) as s "
        f"{lines} {good}",
        list(tables.values()), num_rows=read - bad_records,
    )
    notices = list(csv.notices)
    ignored = [h for h, n in zip(csv.headers, names) if n.startswith("ignored_")]
    if ignored:
        notices.append(f"Ignored column(s) not in the {table} template: {', '.join(ignored)}")
    con.execute("drop table if exists ld_linemap")
    return Staged(
        file_kind=file_kind,
        table=table,
        rows=rows,
        problems=problems,
        rows_read=read + bad_lines,
        rejected=bad_records + bad_lines,
        period=tuple(period) if period[0] is not None else None,
        notices=notices,
        mapping={h: n for h, n in zip(csv.headers, names) if not n.startswith("ignored_")},
        headers=list(csv.headers),
    )


ACTIVITY_COLUMNS = [
    "rec", "line", "occurred_at", "person_id", "person_id_alt", "kind", "space", "space_type",
    "thread_id", "target_person_id", "target_person_id_alt", "platform", "event_id",
]


def activity_period(rows: pa.Table) -> tuple[datetime, datetime] | None:
    if rows.num_rows == 0:
        return None
    import pyarrow.compute as pc

    bounds = pc.min_max(rows["occurred_at"])
    lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
    return (lo, hi) if lo is not None else None


# -- shared by the readers of exports with their own column names --------------------------


def report_columns(csv: CsvText, allowlist: dict[str, str]) -> tuple[list[str], set[str]]:
    """The names to read an export's columns as: a known header becomes its internal name from
    `allowlist`, any other `extra_<i>`. Returns the names and the internal names found."""
    names, found = [], set()
    for i, header in enumerate(csv.headers):
        internal = allowlist.get(normalise(header))
        if internal and internal not in found:
            names.append(internal)
            found.add(internal)
        else:
            names.append(f"extra_{i}")
    return names, found


def column_or_null(found: set[str], name: str) -> str:
    """raw.<name> when the file has the column, else NULL (names come from a reader's allowlist)."""
    return f"raw.{name}" if name in found else "null::varchar"


def problems_and_rows(scratch: Scratch, checks: list[tuple[str, str, str]], expand_sql: str, params: dict):
    """The shared tail of the report readers: `checks` on ld_base -> problems with their file
    lines; the good rows expanded to events by `expand_sql`. Returns (rows, problems, rows read,
    rows rejected)."""
    con = scratch.con
    scratch.number_lines()
    selects = [
        f"select b.rec, '{column}' as column_name, {value} as value, '{reason}' as reason "
        f"from ld_base as b where {condition}"
        for column, condition, reason, value in checks
    ]
    if scratch.control_characters:  # any value of the row holding a control character rejects it
        every_value = "concat_ws(chr(10), " + ", ".join(f"raw.{name}" for name in scratch.raw_names) + ")"
        selects.append(f"select raw.rowid as rec, null::varchar as column_name, null::varchar as value, "
                       f"'{CONTROL_REASON}' as reason from ld_raw as raw "
                       f"where regexp_matches({every_value}, '{CONTROL_PATTERN}')")
    con.execute("create or replace temp table ld_problems as " + " union all ".join(selects)).fetchall()
    problems = con.execute(
        "select l.line, p.column_name, p.value, p.reason from ld_problems as p "
        "join ld_lines as l on l.rec = p.rec order by l.line"
    ).fetchall()
    problems = in_file_order(scratch.csv_problems(set()) + problems)
    rows = con.sql(expand_sql, params=params).to_arrow_table()
    ((read,),) = con.execute("select count(*) from ld_raw").fetchall()
    ((bad,),) = con.execute("select count(distinct rec) from ld_problems").fetchall()
    ((bad_lines,),) = con.execute("select count(distinct line) from ld_rejects").fetchall()
    return rows, problems, read + bad_lines, bad + bad_lines
