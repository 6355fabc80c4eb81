"""The demo organisation: reproducible, the right shape, private, and telling the story through
the real measures (the story must come out of the rows, not out of the measures)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import statsmodels.formula.api as smf

from lookdown.demo import PILOT, DemoFileExists, build_demo, build_demo_file, generate_demo
from lookdown.measures import run_measure
from lookdown.store import Database

BEFORE = pd.Timestamp("2024-07-01")  # the pilot starts
AFTER = pd.Timestamp("2024-10-01")  # adoption done, effects under way

# Aggregates that do not depend on the pseudonymisation key, so two builds can be compared.
FINGERPRINT_SQL = """
select 'people', count(*), count(distinct department)::double,
       sum(annual_salary)::double, count(termination_date)::double from people
union all
select 'activity', count(*), count(distinct person_key)::double,
       sum(epoch(occurred_at))::double, count(thread_id)::double from activity
union all
select 'training', count(*), sum(cost)::double, sum(seat_hours), sum(production_hours) from training
union all
select 'manager_time', count(*), sum(direction_hours), sum(direct_reports)::double, 0 from manager_time
union all
select 'marketing_spend', count(*), sum(amount)::double, 0, 0 from marketing_spend
union all
select 'initiatives', count(*), sum(spend)::double, sum(contributors)::double, 0 from initiatives
union all
select 'cohorts', count(*), 0, 0, 0 from cohorts
order by 1
"""


def fingerprint(db: Database) -> list[tuple]:
    return [tuple(round(v, 2) if isinstance(v, float) else v for v in row)
            for row in db.cursor().execute(FINGERPRINT_SQL).fetchall()]


def per_head(frame: pd.DataFrame, segment: str, start=None, end=None) -> float:
    cells = frame[frame["segment"] == segment]
    if start is not None:
        cells = cells[cells["period"] >= start]
    if end is not None:
        cells = cells[cells["period"] < end]
    return cells["value"].sum() / cells["people"].sum()


def change(frame: pd.DataFrame, segment: str) -> float:
    """Relative change per head from before the pilot to after its effects set in."""
    return per_head(frame, segment, start=AFTER) / per_head(frame, segment, end=BEFORE) - 1


def scalar(db: Database, sql: str, params: dict | None = None):
    ((value,),) = db.cursor().execute(sql, params or {}).fetchall()
    return value


# -- reproducible and quick ------------------------------------------------------------------


def test_same_seed_same_rows_other_seed_other_rows():
    first, second = generate_demo(seed=7), generate_demo(seed=7)
    assert first.keys() == second.keys()
    for table in first:
        pd.testing.assert_frame_equal(first[table], second[table])
    other = generate_demo(seed=8)
    assert other["training"]["cost"].sum() != first["training"]["cost"].sum()
    assert len(other["activity"]) != len(first["activity"])


def test_rebuild_with_force_is_identical_and_keeps_the_key(tmp_path, demo_db):
    path = tmp_path / "lookdown.duckdb"
    Database(path).close()  # an existing database with its key file
    key = path.with_suffix(".key").read_text()
    path.with_name(path.name + ".wal").write_bytes(b"a stale write-ahead log")

    with pytest.raises(DemoFileExists):
        build_demo_file(path)
    counts = build_demo_file(path, force=True)  # `make bench` reports how long this takes

    assert path.with_suffix(".key").read_text() == key
    rebuilt = Database(path)
    try:
        assert fingerprint(rebuilt) == fingerprint(demo_db)
        assert rebuilt.coverage().rows == counts
        # The kept key still turns the demo's e-mail addresses into the stored keys.
        assert scalar(rebuilt, "select count(*) from people where person_key = $k",
                      {"k": rebuilt.person_key("p00001@demo.example")}) == 1
    finally:
        rebuilt.close()


def test_refuses_a_database_that_already_holds_data(demo_db):
    with pytest.raises(ValueError, match="empty"):
        build_demo(demo_db)


def test_loaded_as_one_demo_upload_per_table(demo_db):
    rows = demo_db.cursor().execute(
        "select kind, source, count(*), sum(rows_loaded) from uploads group by all").fetchall()
    assert len(rows) == 1
    kind, source, uploads, loaded = rows[0]
    assert (kind, source, uploads) == ("demo", "demo organisation", 7)
    assert loaded == sum(demo_db.coverage().rows.values())


# -- shape -----------------------------------------------------------------------------------


def test_people_departments_and_managers(demo_db):
    employed = scalar(demo_db, "select count(*) from people where hire_date <= date '2024-06-15' "
                               "and (termination_date is null or termination_date >= date '2024-06-15')")
    assert 1_400 <= employed <= 1_600
    assert scalar(demo_db, "select count(*) from people") < 2_500  # leavers and their replacements

    sizes = dict(demo_db.cursor().execute(
        "select department, count(*) from people where termination_date is null group by all").fetchall())
    assert 9 <= len(sizes) <= 12
    assert [d for d, n in sizes.items() if n < 5] == ["Legal"]
    assert {"Customer Support", "Sales", "Engineering"} <= sizes.keys()

    managers = scalar(demo_db, "select count(distinct manager_key) from people")
    assert 1 / 10 < managers / employed < 1 / 6
    # A manager's key is a person's key.
    assert scalar(demo_db, "select count(*) from people where manager_key is not null "
                           "and manager_key not in (select person_key from people)") == 0
    assert scalar(demo_db, "select count(distinct location) from people") >= 3
    assert scalar(demo_db, "select count(distinct job_level) from people") >= 4


def test_leavers(demo_db):
    rows = dict(demo_db.cursor().execute(
        "select termination_type, count(*) from people where termination_date is not null group by all"
    ).fetchall())
    assert set(rows) == {"voluntary", "involuntary", "retirement"}
    assert rows["voluntary"] > rows["involuntary"] > rows["retirement"] > 0
    assert scalar(demo_db, "select count(*) from people where termination_type = 'voluntary' "
                           "and regretted") > 0
    assert scalar(demo_db, "select min(termination_date) >= date '2023-01-01' "
                           "and max(termination_date) <= date '2025-12-31' from people")
    # Headcount stays roughly stable: leavers are replaced.
    counts = [scalar(demo_db, "select count(*) from people where hire_date <= $d "
                              "and (termination_date is null or termination_date >= $d)", {"d": d})
              for d in (date(2023, 1, 15), date(2024, 6, 15), date(2025, 12, 15))]
    assert max(counts) / min(counts) < 1.05


def test_collaboration_events(demo_db):
    cur = demo_db.cursor()
    assert 300_000 <= scalar(demo_db, "select count(*) from activity") <= 600_000
    ((months, first, last),) = cur.execute(
        "select count(distinct date_trunc('month', occurred_at)), min(occurred_at)::date, "
        "max(occurred_at)::date from activity").fetchall()
    assert months == 36 and first >= date(2023, 1, 1) and last <= date(2025, 12, 31)
    kinds = {k for (k,) in cur.execute("select distinct kind from activity").fetchall()}
    assert kinds == {"post", "question", "answer", "reply", "reaction", "kudos", "share", "feedback", "advocacy"}
    assert {p for (p,) in cur.execute("select distinct platform from activity").fetchall()} == {"Slack", "Teams"}
    social = scalar(demo_db, "select avg((space_type = 'social')::int) from activity")
    assert 0.15 <= social <= 0.25
    # Weekends and August are quiet.
    weekend = scalar(demo_db, "select avg((dayofweek(occurred_at) in (0, 6))::int) from activity")
    assert weekend < 0.05
    by_month = dict(cur.execute("select month(occurred_at), count(*) from activity group by all").fetchall())
    assert by_month[8] < 0.85 * by_month[9]
    # Reactions, kudos, replies and feedback are aimed at someone else.
    assert scalar(demo_db, "select count(*) from activity where kind in ('reaction', 'kudos', 'reply', "
                           "'feedback') and (target_person_key is null or target_person_key = person_key)") == 0


def test_questions_are_answered_by_others_hours_later(demo_db):
    cur = demo_db.cursor()
    # Every answer shares a question's thread, is by someone else and is aimed at the asker.
    ((answers, matched),) = cur.execute("""
        select count(*), count(q.thread_id)
        from activity as a
        left join questions as q
          on q.thread_id = a.thread_id and q.asker_key = a.target_person_key
         and q.asker_key <> a.person_key and a.occurred_at > q.asked_at
        where a.kind = 'answer'
    """).fetchall()
    assert answers > 20_000 and matched == answers
    answered = scalar(demo_db, "select avg((answers_by_others > 0)::int) from questions")
    assert 0.5 < answered < 0.9
    hours = scalar(demo_db, "select median(epoch(first_answer_at - asked_at) / 3600) from questions "
                            "where first_answer_at is not null")
    assert 0.5 < hours < 6
    # Mostly within the department, some across departments.
    same = scalar(demo_db, """
        select avg((pa.department = pq.department)::int)
        from activity as a
        join people as pa on pa.person_key = a.person_key
        join people as pq on pq.person_key = a.target_person_key
        where a.kind = 'answer'
    """)
    assert 0.7 < same < 0.95


def test_the_other_tables(demo_db):
    cur = demo_db.cursor()
    training = scalar(demo_db, "select count(*) from training")
    per_person_month = training / (1_500 * 36)
    assert 0.08 < per_person_month < 0.2
    assert scalar(demo_db, "select min(cost) >= 200 and max(cost) <= 3000 from training")
    statuses = dict(cur.execute("select status, count(*) from training group by all").fetchall())
    assert statuses["completed"] > 0.7 * training and statuses["cancelled"] > 0
    # More training is asked for in the first quarter than in the summer.
    q1, summer = cur.execute("select count(*) filter (where quarter(requested_on) = 1), "
                             "count(*) filter (where month(requested_on) in (7, 8, 9)) from training").fetchall()[0]
    assert q1 > 1.1 * summer

    assert scalar(demo_db, "select count(distinct period_start) from manager_time") == 36
    assert scalar(demo_db, "select count(distinct manager_key) from manager_time") == scalar(
        demo_db, "select count(distinct manager_key) from people")
    assert scalar(demo_db, "select count(distinct month) from marketing_spend") == 36
    assert 90 <= scalar(demo_db, "select count(*) from initiatives") <= 120
    outcomes = {o for (o,) in cur.execute("select distinct outcome from initiatives").fetchall()}
    assert outcomes == {"launched", "stopped", "ongoing"}
    # Initiatives stopped late cost more than those stopped early.
    early, late = cur.execute(
        "select avg(spend) filter (where stage_at_end in ('idea', 'design')), "
        "avg(spend) filter (where stage_at_end in ('build', 'launch')) from initiatives "
        "where outcome = 'stopped'").fetchall()[0]
    assert late > 3 * early

    cohorts = cur.execute("select cohort, department, started_on from cohorts order by department").fetchall()
    assert cohorts == [(PILOT, "Customer Support", date(2024, 7, 1)), (PILOT, "Sales", date(2024, 7, 1))]
    assert demo_db.coverage().start == date(2023, 1, 1)
    assert demo_db.coverage().end == date(2025, 12, 31)


# -- the story, through the real measures ----------------------------------------------------


def test_pilot_asks_and_answers_more(demo_db, catalogue):
    frame = run_measure(demo_db, catalogue["questions_answered"], by="cohort").frame
    assert set(frame["segment"]) == {PILOT, "Rest"}
    assert 300 <= frame.loc[frame["segment"] == PILOT, "people"].max() <= 600
    assert change(frame, PILOT) > 0.5
    assert abs(change(frame, "Rest")) < 0.1


def test_pilot_asks_for_less_training(demo_db, catalogue):
    frame = run_measure(demo_db, catalogue["training_requests"], by="cohort").frame
    assert change(frame, PILOT) < -0.25
    assert abs(change(frame, "Rest")) < 0.1


def test_training_effect_survives_a_difference_in_differences(demo_db, catalogue):
    frame = run_measure(demo_db, catalogue["training_requests"], by="cohort").frame
    frame = frame.assign(
        per_head=frame["value"] / frame["people"],
        pilot=(frame["segment"] == PILOT).astype(int),
        post=(frame["period"] >= BEFORE).astype(int),
    )
    fit = smf.ols("per_head ~ pilot * post", data=frame).fit(cov_type="HC1")
    low, high = fit.conf_int().loc["pilot:post"]
    assert high < 0, (low, high)


def test_pilot_turnover_direction_and_initiatives_fall(demo_db):
    cur = demo_db.cursor()

    def split(sql: str) -> dict[tuple[bool, bool], float]:
        return {(bool(p), bool(a)): v for p, a, v in cur.execute(sql, {"before": BEFORE.date(),
                                                                      "after": AFTER.date()}).fetchall()}

    # Voluntary leavers per month, pilot vs rest (their sizes do not change).
    counts = split("""
        select department in ('Customer Support', 'Sales'), termination_date >= $after, count(*)
        from people
        where termination_type = 'voluntary' and (termination_date < $before or termination_date >= $after)
        group by all
    """)
    leavers = {(pilot, after): n / (15 if after else 18) for (pilot, after), n in counts.items()}
    assert leavers[(True, True)] / leavers[(True, False)] < 0.75
    assert abs(leavers[(False, True)] / leavers[(False, False)] - 1) < 0.15

    direction = split("""
        select p.department in ('Customer Support', 'Sales'), m.period_start >= $after,
               sum(m.direction_hours) / sum(m.direct_reports)
        from manager_time as m join people as p on p.person_key = m.manager_key
        where m.period_start < $before or m.period_start >= $after
        group by all
    """)
    assert direction[(True, True)] / direction[(True, False)] < 0.85
    assert abs(direction[(False, True)] / direction[(False, False)] - 1) < 0.05

    days = split("""
        select department in ('Customer Support', 'Sales'), ended_on >= $after,
               median(ended_on - started_on)
        from initiatives where outcome = 'stopped' and (ended_on < $before or ended_on >= $after)
        group by all
    """)
    assert days[(True, True)] < 0.6 * days[(True, False)]
    assert days[(True, True)] < days[(False, True)]


def test_marketing_spend_and_advocacy_are_untouched(demo_db, catalogue):
    yearly = [v for (v,) in demo_db.cursor().execute(
        "select sum(amount)::double from marketing_spend group by year(month) order by year(month)").fetchall()]
    assert max(yearly) / min(yearly) < 1.1
    advocacy = demo_db.cursor().execute("""
        select s.segment, a.day >= $after, sum(a.events)
        from activity_daily as a join person_segments('cohort') as s on s.person_key = a.person_key
        where a.kind = 'advocacy' and (a.day < $before or a.day >= $after)
        group by all
    """, {"before": BEFORE.date(), "after": AFTER.date()}).fetchall()
    rate = {(segment, after): events / (15 if after else 18) for segment, after, events in advocacy}
    pilot_change = rate[(PILOT, True)] / rate[(PILOT, False)]
    rest_change = rate[("Rest", True)] / rate[("Rest", False)]
    assert abs(pilot_change - rest_change) < 0.1


# -- privacy ---------------------------------------------------------------------------------


def test_the_tiny_department_is_shown_only_with_the_next_smallest(demo_db, catalogue):
    result = run_measure(demo_db, catalogue["training_requests"], by="department")
    frame = result.frame
    assert "Legal" not in set(frame["segment"]) and result.grouping.merged == ("HR", "Legal")
    smaller = frame[frame["segment"] == "Smaller departments"]
    assert len(smaller) == 36 and not smaller["suppressed"].any() and (smaller["people"] >= 5).all()
    engineering = frame[frame["segment"] == "Engineering"]
    assert not engineering["suppressed"].any()


def test_no_clear_identifier_is_stored(demo_db):
    # Every person key column holds numbers (keyed hashes), so no e-mail or name can be stored there.
    key_types = demo_db.cursor().execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where column_name in ('person_key', 'manager_key', 'target_person_key', 'asker_key', 'alias_key')"
    ).fetchall()
    assert len(key_types) >= 10
    assert {data_type for _, _, data_type in key_types} == {"UBIGINT"}, key_types
    assert scalar(demo_db, "select count(*) from people where person_key is null") == 0
