"""Write an N-row activity CSV in the template's shape, for import benchmarks.

    python scripts/make_activity_csv.py N PATH [--seed 7] [--people P]

The same N and seed always give the same file. Rows are in time order over two years: questions
open threads, answers and replies join the latest question's thread and are addressed to its
asker, reactions are addressed to the previous row's author.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

KINDS = np.array(["post", "question", "answer", "reply", "reaction", "share", "kudos"])
WEIGHTS = np.array([0.30, 0.10, 0.18, 0.17, 0.17, 0.05, 0.03])
SPACES = np.array(["general", "help-excel", "help-sql", "onboarding", "random", "sales-tips", "it-support"])
SPACE_TYPES = np.array(["work", "work", "work", "work", "social", "work", "work"])
START = np.datetime64("2023-01-02T08:00:00")
SECONDS = 2 * 365 * 24 * 3600
CHUNK = 500_000


def _ids(prefix: str, numbers: np.ndarray, width: int, suffix: str) -> pd.Series:
    """'p000042@example.org' for each number; None where the number is negative."""
    text = prefix + pd.Series(numbers).astype(str).str.zfill(width) + suffix
    return text.where(pd.Series(numbers) >= 0, None)


def activity_frame(n: int, *, seed: int = 7, people: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    people = people or max(50, n // 200)
    offsets = np.sort(rng.integers(0, SECONDS, size=n))
    occurred = (START + offsets.astype("timedelta64[s]")).astype("datetime64[s]")
    person = rng.integers(0, people, size=n)
    kind = rng.choice(len(KINDS), size=n, p=WEIGHTS)
    space = rng.integers(0, len(SPACES), size=n)
    index = np.arange(n)
    is_question = kind == 1
    # The latest question at or before each row (-1 before the first one).
    latest = np.maximum.accumulate(np.where(is_question, index, -1))
    in_thread = np.isin(kind, [2, 3]) & (latest >= 0)
    thread_row = np.where(is_question, index, np.where(in_thread, latest, -1))
    asker = np.where(thread_row >= 0, person[np.maximum(thread_row, 0)], -1)
    previous_author = np.concatenate([[-1], person[:-1]])
    target = np.where(in_thread, asker, np.where(np.isin(kind, [4, 6]), previous_author, -1))
    frame = pd.DataFrame({
        "occurred_at": pd.Series(occurred).dt.strftime("%Y-%m-%d %H:%M:%S"),
        "person_id": _ids("p", person, 6, "@example.org"),
        "kind": KINDS[kind],
        "space": SPACES[np.where(thread_row >= 0, space[np.maximum(thread_row, 0)], space)],
        "space_type": None,
        "thread_id": _ids("t", thread_row, 9, ""),
        "target_person_id": _ids("p", target, 6, "@example.org"),
        "platform": "benchmark",
    })
    frame["space_type"] = frame["space"].map(dict(zip(SPACES, SPACE_TYPES)))
    return frame


def write_activity_csv(n: int, path: Path, *, seed: int = 7, people: int | None = None) -> Path:
    frame = activity_frame(n, seed=seed, people=people)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        for start in range(0, max(n, 1), CHUNK):
            frame.iloc[start:start + CHUNK].to_csv(out, index=False, header=start == 0, lineterminator="\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--people", type=int, default=None)
    args = parser.parse_args(argv)
    write_activity_csv(args.rows, args.path, seed=args.seed, people=args.people)
    print(f"wrote {args.rows:,} activity rows to {args.path}")


if __name__ == "__main__":
    main()
