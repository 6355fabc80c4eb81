"""The engine completes the period x segment grid and sizes every cell's group."""
import pandas as pd

from lookdown.ingest.write import load_frames
from lookdown.measures import run_measure


def test_without_people_empty_periods_count_zero_for_the_most_people_ever_seen(db, catalogue):
    # Without a people file, someone counts from the first to the last day the data mentions them.
    requests = [(day, f"p{i}", "Sales") for day in ("2024-01-03", "2024-04-02") for i in range(6)]
    requests.append(("2024-03-05", "p1", "Sales"))
    load_frames(db, {"training": pd.DataFrame(requests, columns=["requested_on", "person_id", "department"])},
                kind="t", source="t")
    frame = run_measure(db, catalogue["training_requests"], min_group_size=3).frame
    # February: nobody asked; the group is sized by the most people seen in a period (6).
    assert frame["value"].tolist()[:2] == [6.0, 0.0] and pd.isna(frame["value"].tolist()[2])
    assert frame["period"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    # March: one person asked, hidden, and so is how many people the hidden figure was about.
    assert frame["people"].tolist()[:2] == [6, 6] and pd.isna(frame["people"].tolist()[2])
    assert frame["suppressed"].tolist() == [False, False, True, False]


def test_with_people_the_grid_is_the_headcount_and_rates_stay_blank_when_empty(db, catalogue):
    people = pd.DataFrame({"person_id": [f"p{i}" for i in range(5)], "department": ["Sales"] * 5,
                           "hire_date": ["2023-01-01"] * 5})
    activity = pd.DataFrame({"occurred_at": ["2024-01-02 09:00", "2024-01-02 10:00", "2024-03-01 09:00"],
                             "person_id": ["p0", "p1", "p2"], "kind": ["question", "answer", "post"],
                             "thread_id": ["t1", "t1", None]})
    load_frames(db, {"people": people, "activity": activity}, kind="t", source="t")
    rate = run_measure(db, catalogue["answer_rate"], min_group_size=3).frame
    assert rate["people"].tolist() == [5, 5, 5]
    assert rate["value"].tolist()[0] == 1.0 and rate["value"].isna().tolist() == [False, True, True]
    asked = run_measure(db, catalogue["questions_asked"], min_group_size=3).frame
    assert asked["value"].tolist() == [1.0, 0.0, 0.0]


def test_counts_are_zero_only_where_the_measures_own_tables_have_data(db, catalogue):
    people = pd.DataFrame({"person_id": [f"p{i}" for i in range(5)], "department": ["Sales"] * 5,
                           "hire_date": ["2023-01-01"] * 5})
    activity = pd.DataFrame({"occurred_at": ["2024-01-02 09:00", "2024-06-20 09:00"], "person_id": ["p0", "p1"],
                             "kind": ["post", "post"]})
    training = pd.DataFrame({"requested_on": ["2024-03-04", "2024-05-06"], "person_id": ["p0", "p1"]})
    load_frames(db, {"people": people, "activity": activity, "training": training}, kind="t", source="t")
    frame = run_measure(db, catalogue["training_requests"], min_group_size=3).frame
    assert frame["period"].dt.strftime("%m").tolist() == ["01", "02", "03", "04", "05", "06"]
    # Before March and after May nothing about training is loaded: blank, not "no requests".
    assert frame["value"].fillna(-1).tolist() == [-1, -1, 1.0, 0.0, 1.0, -1]
    assert db.coverage().range_of(["training"]) == (pd.Timestamp("2024-03-04").date(), pd.Timestamp("2024-05-06").date())


def test_measures_run_side_by_side_give_each_its_own_result_in_order(demo_db, catalogue):
    from lookdown.measures import run_measures

    chosen = [catalogue[name] for name in ("training_requests", "questions_answered", "reciprocity",
                                           "voluntary_turnover_rate", "answer_rate")]
    together = run_measures(demo_db, chosen, grain="quarter", by="department")
    for measure, result in zip(chosen, together, strict=True):
        alone = run_measure(demo_db, measure, grain="quarter", by="department")
        assert result.measure is measure
        pd.testing.assert_frame_equal(result.frame, alone.frame)
