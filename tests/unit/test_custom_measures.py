"""The organisation's own measures: read from measures/custom/, run in the sandbox, and guarded
with the engine's own group sizes, so a query cannot talk its way past the privacy guard."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from lookdown.measures import MEASURES_DIR, Catalogue, run_measure
from lookdown.store import Database
from tests import fixtures

BUILT_IN = MEASURES_DIR / "training_requests.sql"
HEADER = """-- name: {name}
-- label: {label}
-- description: A measure written for a test.
-- pillar: cost
-- unit: requests
-- format: ,.0f
-- direction: down
-- sources: training
-- fill: zero
"""


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    db = Database(fixtures.build(tmp_path_factory.mktemp("custom") / "lookdown.duckdb"))
    yield db
    db.close()


def catalogue_with(tmp_path: Path, **files: str) -> Catalogue:
    """The built-in catalogue plus these custom files (name -> text)."""
    folder = tmp_path / "custom"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.sql").write_text(text)
    return Catalogue.load(custom=folder)


def test_an_honest_copy_of_a_built_in_measure_gives_its_numbers(org, tmp_path):
    text = BUILT_IN.read_text().replace("-- name: training_requests", "-- name: my_requests")
    catalogue = catalogue_with(tmp_path, my_requests=text)
    mine, theirs = catalogue["my_requests"], catalogue["training_requests"]
    assert mine.custom and not theirs.custom
    for by in ("none", "department", "cohort"):
        pd.testing.assert_frame_equal(run_measure(org, mine, by=by).frame, run_measure(org, theirs, by=by).frame)
    # Legal (4 people) never shows alone, as for the built-in measure: the guard shows it merged.
    by_department = run_measure(org, mine, by="department").frame
    assert "Legal" not in set(by_department["segment"]) and "Smaller departments" in set(by_department["segment"])


def test_a_made_up_people_column_does_not_reveal_a_small_group(org, tmp_path):
    lying = HEADER.format(name="lying", label="Lying") + (
        "select date_trunc($grain, requested_on)::date as period, coalesce(ps.segment, 'Unknown') as segment, "
        "count(*) as value, 1000 as people from training as t "
        "left join person_segments($by) as ps using (person_key) "
        "where requested_on between $start and $end group by all")
    frame = run_measure(org, catalogue_with(tmp_path, lying=lying)["lying"], by="department").frame
    assert "Legal" not in set(frame["segment"])  # its 4 people are only ever shown with another group's
    merged = frame[frame["segment"] == "Smaller departments"]
    assert len(merged) and (merged["people"] == 34).all()  # the engine's headcount, not the query's 1000


def test_rows_one_per_person_never_come_out(org, tmp_path):
    per_person = HEADER.format(name="per_person", label="Per person") + (
        "select date_trunc($grain, requested_on)::date as period, person_key::varchar as segment, "
        "count(*) as value, 5 as people from training where requested_on between $start and $end group by all")
    grouped = HEADER.format(name="grouped", label="Grouped") + (
        "select date_trunc($grain, requested_on)::date as period, 'Sales' as segment, "
        "count(*) filter (where person_key = (select min(person_key) from training)) as value, 30 as people "
        "from training where requested_on between $start and $end group by all")
    catalogue = catalogue_with(tmp_path, per_person=per_person, grouped=grouped)
    frame = run_measure(org, catalogue["per_person"], by="department").frame
    keys = {str(k) for (k,) in org.cursor().execute("select distinct person_key from training").fetchall()}
    assert not set(frame["segment"]) & keys
    assert set(frame["segment"]) <= {"Smaller departments", "Support", "Unknown"}
    assert frame["value"].fillna(0).eq(0).all()  # nothing counted under a segment it invented


def test_a_broken_or_borrowing_custom_file_is_left_out_and_said_why(tmp_path):
    catalogue = catalogue_with(
        tmp_path,
        training_requests=BUILT_IN.read_text(),
        sneaky=HEADER.format(name="sneaky", label="Sneaky") + "select * from read_csv('/etc/passwd')",
        twice=HEADER.format(name="twice", label="Twice") + "select 1; select 2",
    )
    assert "sneaky" not in catalogue and "twice" not in catalogue
    assert not catalogue["training_requests"].custom
    assert "is a built-in measure" in catalogue.rejected["training_requests.sql"][0]
    assert "file system operations are disabled" in catalogue.rejected["sneaky.sql"][0]
    assert "exactly one SELECT statement" in catalogue.rejected["twice.sql"][0]


def test_the_default_custom_folder_is_inside_the_measures_folder(tmp_path):
    folder = tmp_path / "measures"
    shutil.copytree(MEASURES_DIR, folder, ignore=shutil.ignore_patterns("custom"))
    (folder / "custom").mkdir()
    (folder / "custom" / "mine.sql").write_text(
        BUILT_IN.read_text().replace("-- name: training_requests", "-- name: mine"))
    assert Catalogue.load(folder)["mine"].custom


def test_check_measure_passes_an_honest_copy_and_previews_it_under_the_guard(org, tmp_path, capsys):
    from lookdown.cli import main

    mine = tmp_path / "my_requests.sql"
    mine.write_text(BUILT_IN.read_text().replace("-- name: training_requests", "-- name: my_requests"))
    assert main(["--db", str(org.path), "check-measure", str(mine), "--by", "department", "--format", "json"]) == 0
    import json

    answer = json.loads(capsys.readouterr().out)
    assert answer["passes"] and not answer["problems"]
    assert {r["segment"] for r in answer["rows"]} == {"Smaller departments", "Support"}  # Legal never alone
    built_in = run_measure(org, Catalogue.load()["training_requests"], by="department").frame
    assert sum(r["value"] or 0 for r in answer["rows"]) == built_in["value"].sum()


@pytest.mark.parametrize("sql, reason", [
    ("select * from read_csv('/etc/passwd')", "file system operations are disabled"),
    ("copy training to '/tmp/out.csv'", "this is a copy statement, not a SELECT"),
    ("select 1 as period", "returns columns"),
])
def test_check_measure_refuses_with_the_reason_and_exit_1(org, tmp_path, capsys, sql, reason):
    from lookdown.cli import main

    bad = tmp_path / "bad.sql"
    bad.write_text(HEADER.format(name="bad", label="Bad") + sql)
    assert main(["--db", str(org.path), "check-measure", str(bad)]) == 1
    assert reason in capsys.readouterr().err


def test_a_blank_measure_and_a_copy_pass_the_checks_and_save_into_the_custom_folder(org, tmp_path):
    import ast

    from lookdown.measures.catalogue import check_custom
    from lookdown.measures.custom import blank_measure, copy_of, save_custom, value_test_skeleton
    from lookdown.store import audit

    catalogue = Catalogue.load()
    blank = blank_measure("new_requests")
    assert check_custom(blank, "new_requests.sql", {m.name: m for m in catalogue})[1] == []
    copy = copy_of(catalogue["training_requests"], "requests_without_elearning")
    folder = tmp_path / "custom"
    saved = save_custom(org, folder, "requests_without_elearning", copy, catalogue=catalogue)
    assert saved == folder / "requests_without_elearning.sql" and saved.read_text().startswith(
        "-- name: requests_without_elearning")
    reloaded = Catalogue.load(custom=folder)
    assert reloaded["requests_without_elearning"].custom
    assert audit.trail(org).iloc[0]["detail"].startswith("added measures/custom/requests_without_elearning.sql")
    ast.parse(value_test_skeleton(reloaded["requests_without_elearning"]))


def test_saving_is_refused_for_a_viewer_and_for_a_measure_that_fails_its_checks(org, tmp_path):
    from lookdown.measures.custom import blank_measure, save_custom
    from lookdown.store.access import VIEWER, Actor, NotAllowed, acting_as

    catalogue = Catalogue.load()
    with acting_as(Actor("Ann", VIEWER)), pytest.raises(NotAllowed):
        save_custom(org, tmp_path, "mine", blank_measure("mine"), catalogue=catalogue)
    with pytest.raises(ValueError, match=r"Not saved: .*exactly one SELECT"):
        save_custom(org, tmp_path, "mine", blank_measure("mine") + "; select 2", catalogue=catalogue)
    with pytest.raises(ValueError, match="lower-case letters"):
        save_custom(org, tmp_path, "../escape", blank_measure("mine"), catalogue=catalogue)
    assert not list(tmp_path.glob("*.sql"))
