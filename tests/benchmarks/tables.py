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


def write_parts(where: str, parts: int, size: int) -> list[str]:
    """The Dask bench's table: ``parts`` Parquet files of ``size`` rows (customer id first, dates as date32),
    as a user's partitioned export has them."""
    paths = []
    for i in range(parts):
        part = make_table(size, seed=100 + i)
        part.insert(0, "customer_id", np.arange(i * size, (i + 1) * size))
        for column in part.columns:
            if str(part[column].dtype).startswith("datetime"):
                part[column] = part[column].dt.date
        paths.append(f"{where}/part-{i:03d}.parquet")
        part.to_parquet(paths[-1], index=False)
    return paths


def count_actions(decided: pd.DataFrame) -> pd.Series:
    return decided["action_today"].value_counts()


def one_process(paths: list[str], share: bool | None = False) -> pd.Series:
    """The Dask sweep of ``paths`` in this process alone (the synchronous scheduler): the same reads, dtypes
    and functions as on the cluster, with no parallelism. Returns the rows per action."""
    import dask.dataframe as dd

    from lawbasis.bulk import sweep_dask

    table = dd.read_parquet(paths)
    counted = sweep_dask(table, AS_OF, share=share).map_partitions(count_actions, meta=pd.Series(dtype="int64"))
    return counted.compute(scheduler="sync").groupby(level=0).sum()


def pool_work(paths: list[str]) -> int:
    """Decide ``paths`` in this process (the machine-ceiling measurement: plain processes, no Dask cluster)."""
    return int(one_process(paths).sum())
