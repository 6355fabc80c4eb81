"""The measure catalogue loads strictly and reports every problem at once."""
import textwrap

import numpy as np
import pandas as pd
import pytest

from lookdown.measures import Catalogue, CatalogueError, guard

GOOD_HEADER = """\
-- name: {name}
-- label: Things
-- description: How many things happened. A second sentence that
--   continues on an indented line.
-- pillar: collaboration
-- unit: things
-- format: ,.0f
-- direction: up
-- sources: activity
-- fill: zero
"""
GOOD_SQL = """
with final as (
    select day as period, 'All' as segment, sum(events)::double as value, count(*) as people
    from activity_daily
    where day between $start and $end
    group by all
)
select * from final
"""


def write(directory, name, text):
    (directory / f"{name}.sql").write_text(textwrap.dedent(text))


def test_a_good_file_loads_with_its_metadata(tmp_path):
    write(tmp_path, "things", GOOD_HEADER.format(name="things") + GOOD_SQL)
    measure = Catalogue.load(tmp_path)["things"]
    assert measure.description == "How many things happened. A second sentence that continues on an indented line."
    assert measure.parameters == {"start", "end"}
    assert measure.fill == "zero" and measure.segments == "any" and measure.sources == ("activity",)


def test_every_problem_is_reported_at_once(tmp_path):
    write(tmp_path, "renamed", GOOD_HEADER.format(name="other") + GOOD_SQL)
    write(tmp_path, "extra_key", GOOD_HEADER.format(name="extra_key") + "-- colour: red\n" + GOOD_SQL)
    write(tmp_path, "no_label", GOOD_HEADER.format(name="no_label").replace("-- label: Things\n", "") + GOOD_SQL)
    write(tmp_path, "bad_enum", GOOD_HEADER.format(name="bad_enum").replace("direction: up", "direction: sideways") + GOOD_SQL)
    write(tmp_path, "bad_param", GOOD_HEADER.format(name="bad_param") + GOOD_SQL.replace("$end", "$finish"))
    write(tmp_path, "two_statements", GOOD_HEADER.format(name="two_statements") + "select 1; drop table people")
    write(tmp_path, "bad_source", GOOD_HEADER.format(name="bad_source").replace("sources: activity", "sources: payroll") + GOOD_SQL)
    with pytest.raises(CatalogueError) as caught:
        Catalogue.load(tmp_path)
    text = "\n".join(caught.value.problems)
    assert "renamed.sql: name 'other' must equal the file name 'renamed'" in text
    assert "extra_key.sql: unknown header key 'colour'" in text
    assert "no_label.sql: missing header key 'label'" in text
    assert "bad_enum.sql: direction 'sideways' is not one of down, up, neutral" in text
    assert "bad_param.sql: unknown parameter(s) $finish" in text
    assert "two_statements.sql: must hold exactly one SELECT statement; this SQL holds 2" in text
    assert "bad_source.sql: source 'payroll' is not one of" in text
    assert len(caught.value.problems) == 7


def test_sql_that_does_not_run_or_returns_the_wrong_columns_is_rejected(tmp_path):
    write(tmp_path, "broken", GOOD_HEADER.format(name="broken") + "select nonsense from nowhere")
    write(tmp_path, "wrong_columns", GOOD_HEADER.format(name="wrong_columns") + "select 1 as period, 2 as value")
    with pytest.raises(CatalogueError) as caught:
        Catalogue.load(tmp_path)
    text = "\n".join(caught.value.problems)
    assert "broken.sql: the SQL does not run" in text
    assert "wrong_columns.sql: returns columns ['period', 'value']" in text


def test_paired_with_must_name_a_measure(tmp_path):
    write(tmp_path, "costs", GOOD_HEADER.format(name="costs") + "-- paired_with: ghosts\n" + GOOD_SQL)
    with pytest.raises(CatalogueError, match="paired_with 'ghosts' is not a measure"):
        Catalogue.load(tmp_path)


def test_the_shipped_catalogue_loads(catalogue):
    assert "training_requests" in catalogue and len(catalogue) >= 2


def frame(rows):
    return pd.DataFrame(rows, columns=["period", "segment", "value", "people"]).astype({"people": "Int64"})


def test_guard_hides_small_groups_and_how_many_people_they_hold():
    out = guard(frame([("2024-01-01", "All", 10.0, 4)]), 5)
    assert out["suppressed"].tolist() == [True] and np.isnan(out["value"][0]) and pd.isna(out["people"][0])


def test_guard_hides_no_second_cell_the_plan_already_keeps_every_group_large():
    rows = [("2024-01-01", "Big", 50.0, 40), ("2024-01-01", "Small", 3.0, 2), ("2024-01-01", "Mid", 9.0, 12)]
    out = guard(frame(rows), 5)
    assert out["suppressed"].tolist() == [False, True, False]


def test_guard_sizes_groups_from_the_plan_where_the_measure_saw_fewer():
    # People missing from the people file: the measure saw 2 of them ask, the plan knows 7 appeared.
    sizes = pd.DataFrame({"Unknown": [7]}, index=pd.DatetimeIndex(["2024-01-01"]))
    rows = [(pd.Timestamp("2024-01-01"), "Unknown", 3.0, 2)]
    out = guard(frame(rows), 5, sizes=sizes)
    assert out["people"].tolist() == [7] and out["suppressed"].tolist() == [False]


def test_guard_keeps_organisation_wide_cells_without_people():
    out = guard(frame([("2024-01-01", "All", 1000.0, None)]), 5, organisation_wide=True)
    assert out["suppressed"].tolist() == [False] and out["value"].tolist() == [1000.0]


def test_guard_hides_cells_of_unknown_group_size_unless_organisation_wide():
    out = guard(frame([("2024-01-01", "Sales", 2.0, None)]), 5)
    assert out["suppressed"].tolist() == [True]
