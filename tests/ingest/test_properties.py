"""Properties of the CSV template reader, tried on generated values (Hypothesis): text comes back
as written (cleaned only as documented), a control character never gets in, and a date reads as
the same day in every format the reader accepts."""
from __future__ import annotations

import csv
import functools
import io
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lookdown.ingest import import_files
from lookdown.ingest.stage import Scratch
from lookdown.store import Database
from tests.ingest.conftest import TODAY

# Every example imports files into a database of its own, which takes a moment: a few dozen each.
PROPERTY = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text a cell may hold: any character but control characters (a line break inside quotes is a
# value's own, but the reader keeps lines apart) and lone surrogates (not text).
CELL = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40)


def cleaned(value: str) -> str | None:
    """What the reader keeps of a cell (ld_clean): non-breaking spaces as spaces, no BOM
    characters, no spaces at either end, and nothing for an empty cell."""
    text = value.replace("\xa0", " ").replace("\u202f", " ").replace("\ufeff", "").strip(" ")
    return text or None


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def imported(files: dict[str, bytes]):
    db = Database(None, key="0" * 64)
    reports = import_files(db, list(files.items()), today=TODAY, timezone="UTC")
    return db, reports


@PROPERTY
@given(st.lists(st.tuples(CELL.filter(lambda v: cleaned(v) is not None), CELL), min_size=1, max_size=15))
def test_text_comes_back_as_written(rows):
    content = csv_bytes(["person_id", "department", "location", "job_level"],
                        [[f"p{i}", department, location, str(i)] for i, (department, location) in enumerate(rows)])
    db, (report,) = imported({"people.csv": content})
    try:
        assert report.succeeded and report.rejected == 0, report.errors
        stored = db.cursor().execute("select job_level, department, location from people").fetchall()
        assert sorted(stored, key=lambda r: int(r[0])) == [
            (str(i), cleaned(department), cleaned(location)) for i, (department, location) in enumerate(rows)]
    finally:
        db.close()


CONTROLS = st.sampled_from([chr(c) for c in [*range(9), 11, 12, *range(14, 32), 127]])


@PROPERTY
@given(CELL, CONTROLS, CELL)
def test_a_value_holding_a_control_character_is_rejected_never_stored(before, control, after):
    department = before + control + after
    content = csv_bytes(["person_id", "department"], [["p1", department], ["p2", "Sales"]])
    db, (report,) = imported({"people.csv": content})
    try:
        assert report.rejected == 1
        assert report.errors[0]["line"] == 2 and report.errors[0]["column"] == "department"
        assert control not in repr(db.cursor().execute("select department from people").fetchall())
    finally:
        db.close()


# Every way the reader accepts a day (README: ISO, M/D/YYYY, D.M.YYYY, Excel serials, epoch
# milliseconds, ...), each written out as an export would.
FORMATS = {
    "iso": lambda d: d.isoformat(),
    "iso-time": lambda d: f"{d.isoformat()}T00:00:00",
    "us-slash": lambda d: f"{d.month}/{d.day}/{d.year}",
    "european-slash": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "dotted": lambda d: f"{d.day}.{d.month}.{d.year}",
    "year-slash": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    "compact": lambda d: f"{d:%Y%m%d}",
    "month-name": lambda d: f"{d:%b} {d.day}, {d.year}",
    "day-month-name": lambda d: f"{d.day} {d:%B %Y}",
    "excel-serial": lambda d: str((d - date(1899, 12, 30)).days),
    "epoch-ms": lambda d: str(int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)),
    "epoch-s": lambda d: str(int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())),
}
# A day-first column is told by a day above 12 in it (the reader votes over the column).
DAY_FIRST_WITNESS = date(2020, 12, 25)


DAYS = st.lists(st.dates(min_value=date(2002, 1, 1), max_value=TODAY), min_size=1, max_size=12)


@functools.cache
def _parser() -> Scratch:
    """One connection with the parsers, for every example (setting one up takes a moment)."""
    return Scratch()


@settings(max_examples=300, deadline=None)
@given(DAYS)
def test_the_date_parser_reads_the_same_day_in_every_accepted_format(days):
    """The parsers every reader uses (lookdown/ingest/parse.sql), chosen per column as a
    template column chooses them (the day-first vote, the faster parser for a column without
    offsets): hundreds of examples in one DuckDB."""
    values = [(name, i, write(day)) for name, write in FORMATS.items()
              for i, day in enumerate(days + ([DAY_FIRST_WITNESS] if name == "european-slash" else []))]
    read = _parser().con.execute(
        "with v as (select unnest($names) as name, unnest($rows) as i, ld_clean(unnest($texts)) as t), "
        "flags as (select name, count(*) filter (where ld_slash_dayfirst(t)) > 0 "
        "  and count(*) filter (where ld_slash_monthfirst(t)) = 0 as dayfirst, "
        "  coalesce(bool_and(ld_offset_free(t)), true) as offset_free from v group by name) "
        "select v.name, v.i, case when f.offset_free then ld_date_plain_c(v.t, f.dayfirst, 'UTC') "
        "  else ld_date_c(v.t, f.dayfirst, 'UTC') end from v join flags as f using (name)",
        {"names": [n for n, _, _ in values], "rows": [i for _, i, _ in values], "texts": [t for _, _, t in values]},
    ).fetchall()
    got = {(name, i): day for name, i, day in read}
    for name in FORMATS:
        assert [got[(name, i)] for i in range(len(days))] == days, name


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DAYS)
def test_a_date_imports_as_the_same_day_in_every_accepted_format(days):
    """The same through the whole import, a few times (twelve files an example): one file per
    format, as an export would write it."""
    files = {}
    for name, write in FORMATS.items():
        column = days + ([DAY_FIRST_WITNESS] if name == "european-slash" else [])
        files[f"{name}.csv"] = csv_bytes(["requested_on", "department", "course"],
                                         [[write(day), str(i), name] for i, day in enumerate(column)])
    db, reports = imported(files)
    try:
        assert all(r.succeeded and r.rejected == 0 for r in reports), [(r.file, r.errors) for r in reports]
        stored = db.cursor().execute("select course, department, requested_on from training").fetchall()
        read = {(course, int(i)): day for course, i, day in stored}
        for name in FORMATS:
            assert [read[(name, i)] for i in range(len(days))] == days, name
    finally:
        db.close()
