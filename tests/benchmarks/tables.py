"""Benchmark tables and the functions that run on worker processes.

A module of its own (not the ``__main__`` script) so that Dask and multiprocessing send these
functions by reference: functions of ``__main__`` are pickled by value with their globals.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

import lawbasis
from lawbasis.core.activity import CHANNELS, CONSENTS, CUSTOMER_STATUSES, OBJECTIONS

AS_OF = dt.date(2026, 11, 22)


def make_table(n: int, seed: int = 0, engine: lawbasis.Engine | None = None) -> pd.DataFrame:
    """n activities like a customer database: every policy/purpose, each purpose with its own channel and
    its own set of known dates; status, consent, objection and dispute vary per row. A few thousand
    distinct combinations at most; dates as datetime64 (as read from Parquet)."""
    engine = engine or lawbasis.default_engine()
    profile = np.random.default_rng(12345)  # the shape of the database: the same for every seed
    pairs = [(p.id, u.id) for p in engine.policies() for u in p.purposes.values()]
    keys = ("contact_collected", "contract_ended", "fiscal_year_end", "recorded", "relationship_ended")
    known = np.array([[profile.random() < 0.5 for _ in keys] for _ in pairs])
    channel_of = np.array([profile.choice(np.array([None, *CHANNELS[:3]], dtype=object)) for _ in pairs], dtype=object)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(pairs), n)
    objection = rng.choice(np.array(OBJECTIONS, dtype=object), n, p=[0.9, 0.05, 0.05])
    table = pd.DataFrame(
        {
            "policy": np.array([p for p, _ in pairs], dtype=object)[pick],
            "purpose": np.array([u for _, u in pairs], dtype=object)[pick],
            "customer_status": rng.choice(np.array(CUSTOMER_STATUSES, dtype=object), n, p=[0.1, 0.6, 0.3]),
            "channel": channel_of[pick],
            "consent": rng.choice(np.array(CONSENTS[:3], dtype=object), n, p=[0.4, 0.5, 0.1]),
            "objection": objection,
            "dispute": rng.random(n) < 0.01,
        }
    )
    start = np.datetime64("2016-01-01", "D")
    collected = np.datetime64("2013-01-01", "D") + rng.integers(0, 3 * 365, n).astype("timedelta64[D]")
    for j, key in enumerate(keys):
        days = collected if key == "contact_collected" else start + rng.integers(0, 10 * 365, n).astype("timedelta64[D]")
        days = days.copy()
        days[~known[pick, j]] = np.datetime64("NaT")
        table[key] = days.astype("datetime64[s]")
    received = np.datetime64("2025-01-01", "D") + rng.integers(0, 700, n).astype("timedelta64[D]")
    received[objection == "none"] = np.datetime64("NaT")
    table["objection_received"] = received.astype("datetime64[s]")
    return table


def bench_partition(i: int, n: int, run: str = "") -> pd.DataFrame:  # run: only makes each sweep's keys its own
    part = make_table(n, seed=100 + i)
    part.index = pd.RangeIndex(i * n, (i + 1) * n)
    return part


def count_actions(decided: pd.DataFrame) -> pd.Series:
    return decided["action_today"].value_counts()


def pool_work(args: tuple[int, int, int]) -> int:
    """Generate and decide ``count`` partitions in this process (the machine-ceiling measurement)."""
    from lawbasis.bulk import evaluator

    first, size, count = args
    for i in range(first, first + count):
        evaluator(None).evaluate_frame(bench_partition(i, size), AS_OF)
    return count
