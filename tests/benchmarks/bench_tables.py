"""Bulk evaluation on the tables users actually have (issue 14): one figure per table shape, and a scale curve.

Every shape holds the same activities (200,000 rows by default, 7 date columns, a few hundred to ~2,000
distinct combinations): the frame as ``pd.DataFrame(...)`` builds it from Python lists (pandas 3: the
``str`` dtype, Arrow-backed), ``object``, ``string[pyarrow]`` and ``category`` columns, ``datetime64`` date
columns in ns/us/s units, and frames from ``pd.read_csv`` (default and ``engine="pyarrow"``) and
``pd.read_parquet``. Each shape's figure is a warm :meth:`BulkEvaluator.evaluate_frame` divided by the
vectorised date arithmetic over the same date columns (:func:`baselines.dates_arithmetic`), both timed
in the same run on the same frame.

The scale curve decides 1k to 1M rows of 100 to 10,000 distinct combinations, cold (a fresh evaluator
over one shared engine whose memo is cleared) and warm, so the cold part is seen to grow with the
combinations and the warm part with the rows.

``python tests/benchmarks/bench_tables.py`` prints the figures alone (``--no-curve``: without the curve).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from baselines import dates_arithmetic  # noqa: E402

import lawbasis  # noqa: E402
from lawbasis.bulk import DECISION_COLUMNS, BulkEvaluator  # noqa: E402
from lawbasis.core.activity import CHANNELS, CONSENTS, CUSTOMER_STATUSES, OBJECTIONS  # noqa: E402

AS_OF = dt.date(2026, 11, 22)
SHAPE_ROWS = int(os.environ.get("LAWBASIS_BENCH_SHAPE_ROWS", "200000"))
TARGET = 3.0
#: the date columns of the benchmark tables (7, as in a customer database)
DATES = (
    "contact_collected",
    "contract_ended",
    "relationship_ended",
    "fiscal_year_end",
    "recorded",
    "consent_withdrawn",
    "objection_received",
)
TEXT = ("policy", "purpose", "customer_status", "channel", "consent", "objection")


def make_records(n: int, seed: int = 0, variety: int = 1, engine: lawbasis.Engine | None = None) -> dict[str, list[Any]]:
    """n activities as Python lists (text, bool, ISO date strings or None), like rows from a customer database.

    Every policy/purpose, each purpose with its own channel and its own set of known dates; status,
    consent, objection and dispute vary per row. ``variety`` > 1 gives each purpose that many profiles
    (channel, known dates, personalised): more distinct combinations for the same rows.
    """
    engine = engine or lawbasis.default_engine()
    profile = np.random.default_rng(12345)  # the shape of the database: the same for every seed
    pairs = [(p.id, u.id) for p in engine.policies() for u in p.purposes.values()] * variety
    keys = DATES[1:5]
    known = np.array([[profile.random() < 0.5 for _ in keys] for _ in pairs])
    channel_of = np.array([profile.choice(np.array([None, *CHANNELS[:3]], dtype=object)) for _ in pairs], dtype=object)
    personalised_of = np.array([profile.random() < 0.3 for _ in pairs])
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(pairs), n)
    consent = rng.choice(np.array(CONSENTS, dtype=object), n, p=[0.35, 0.45, 0.1, 0.1])
    objection = rng.choice(np.array(OBJECTIONS, dtype=object), n, p=[0.9, 0.05, 0.05])
    columns: dict[str, Any] = {
        "policy": np.array([p for p, _ in pairs], dtype=object)[pick],
        "purpose": np.array([u for _, u in pairs], dtype=object)[pick],
        "customer_status": rng.choice(np.array(CUSTOMER_STATUSES, dtype=object), n, p=[0.1, 0.6, 0.3]),
        "channel": channel_of[pick],
        "consent": consent,
        "objection": objection,
        "dispute": rng.random(n) < 0.01,
    }
    if variety > 1:
        columns["personalised"] = personalised_of[pick]
    collected = np.datetime64("2013-01-01", "D") + rng.integers(0, 3 * 365, n).astype("timedelta64[D]")
    start = np.datetime64("2016-01-01", "D")
    dates = {"contact_collected": np.where(rng.random(n) < 0.8, collected, np.datetime64("NaT"))}
    for j, key in enumerate(keys):
        days = start + rng.integers(0, 10 * 365, n).astype("timedelta64[D]")
        dates[key] = np.where(known[pick, j], days, np.datetime64("NaT"))
    withdrawn = np.datetime64("2024-01-01", "D") + rng.integers(0, 1200, n).astype("timedelta64[D]")
    dates["consent_withdrawn"] = np.where(consent == "withdrawn", withdrawn, np.datetime64("NaT"))
    received = np.datetime64("2025-01-01", "D") + rng.integers(0, 700, n).astype("timedelta64[D]")
    dates["objection_received"] = np.where(objection != "none", received, np.datetime64("NaT"))
    out: dict[str, list[Any]] = {k: v.tolist() for k, v in columns.items()}
    for key in DATES:
        text = np.datetime_as_string(dates[key].astype("datetime64[D]")).astype(object)
        text[np.isnat(dates[key])] = None
        out[key] = text.tolist()
    return out


def shapes(records: dict[str, list[Any]], tmp: Path) -> dict[str, Callable[[], pd.DataFrame]]:
    """Builders of the same table in every shape a user gets from pandas (each called once)."""
    base = pd.DataFrame(records)  # pandas 3: text as the default str dtype (Arrow-backed)

    def datetimes(unit: str) -> pd.DataFrame:
        return base.assign(**{k: pd.to_datetime(base[k], format="ISO8601").astype(f"datetime64[{unit}]") for k in DATES})

    def read_csv(**kw: Any) -> pd.DataFrame:
        path = tmp / "table.csv"
        if not path.exists():
            base.to_csv(path, index=False)
        return pd.read_csv(path, **kw)

    def read_parquet(source: pd.DataFrame, name: str) -> pd.DataFrame:
        path = tmp / name
        source.to_parquet(path, index=False)
        return pd.read_parquet(path)

    return {
        "pd.DataFrame(lists): str (Arrow)": lambda: base,
        "object": lambda: base.astype({k: object for k in (*TEXT, *DATES)}),
        "string[pyarrow]": lambda: base.astype({k: "string[pyarrow]" for k in (*TEXT, *DATES)}),
        "category": lambda: base.astype({k: "category" for k in (*TEXT, *DATES)}),
        "datetime64[ns] dates": lambda: datetimes("ns"),
        "datetime64[us] dates": lambda: datetimes("us"),
        "datetime64[s] dates": lambda: datetimes("s"),
        "pd.read_csv": lambda: read_csv(),
        "pd.read_csv(engine='pyarrow')": lambda: read_csv(engine="pyarrow"),
        "pd.read_parquet (text dates)": lambda: read_parquet(base, "text.parquet"),
        "pd.read_parquet (date dates)": lambda: read_parquet(datetimes("s"), "dates.parquet"),
    }


def best(fn: Callable[[], Any], repeat: int = 3, clock: Callable[[], float] = time.perf_counter) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def table_shapes(rows: int = SHAPE_ROWS, repeat: int = 5) -> dict[str, Any]:
    """Warm evaluate_frame vs the date arithmetic, per table shape (same frame, same run)."""
    records = make_records(rows)
    bulk = BulkEvaluator(lawbasis.Engine())
    out: dict[str, Any] = {}
    reference: pd.DataFrame | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in shapes(records, Path(tmp)).items():
            frame = build()
            decided = bulk.evaluate_frame(frame, AS_OF)  # the first shape warms the evaluator (every combination)
            if reference is None:
                reference = decided
            else:  # every shape gives the same answers
                pd.testing.assert_frame_equal(decided, reference)
            # interleaved, so both see the same machine load; wall time is the figure, CPU time (this
            # process) the check on it when the machine is shared
            t_bulk, t_dates, c_bulk, c_dates = [], [], [], []
            for _ in range(repeat):
                t_bulk.append(best(lambda f=frame: bulk.evaluate_frame(f, AS_OF), 1))
                t_dates.append(best(lambda f=frame: dates_arithmetic(f, AS_OF), 1))
                c_bulk.append(best(lambda f=frame: bulk.evaluate_frame(f, AS_OF), 1, time.process_time))
                c_dates.append(best(lambda f=frame: dates_arithmetic(f, AS_OF), 1, time.process_time))
            out[name] = {
                "rows": rows,
                "dtypes": sorted({str(t) for t in frame.dtypes}),
                "bulk_s": min(t_bulk),
                "dates_s": min(t_dates),
                "ratio": min(t_bulk) / min(t_dates),
                "bulk_cpu_s": min(c_bulk),
                "dates_cpu_s": min(c_dates),
                "cpu_ratio": min(c_bulk) / min(c_dates),
                "target": TARGET,
                "met": min(t_bulk) / min(t_dates) <= TARGET,
            }
    assert reference is not None and list(reference.columns) == list(DECISION_COLUMNS)
    return {"rows": rows, "distinct_engine_runs": bulk.evaluations, "shapes": out}


def curve_table(rows: int, combinations: int, seed: int = 7) -> pd.DataFrame:
    """``rows`` activities over ``combinations`` distinct profiles (discrete facts + which dates are known);
    each row's dates are its profile's, shifted by its own number of days (so the dates differ per row)."""
    pool = pd.DataFrame(make_records(max(4 * combinations, 20_000), seed=seed, variety=max(1, combinations // 1500)))
    signature = pool[[c for c in pool.columns if c not in DATES]].astype(str).join(pool[list(DATES)].notna())
    profiles = pool[~signature.duplicated()].head(combinations).reset_index(drop=True)
    rng = np.random.default_rng(seed)
    table = profiles.iloc[rng.integers(0, len(profiles), rows)].reset_index(drop=True)
    shift = pd.to_timedelta(rng.integers(-200, 200, rows), unit="D")
    for key in DATES:  # the same shift for every date of a row keeps their order
        table[key] = (pd.to_datetime(table[key], format="ISO8601") + shift).dt.strftime("%Y-%m-%d")
    return table


def scale_curve(
    rows: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000), combinations: tuple[int, ...] = (100, 1_000, 10_000)
) -> list[dict[str, Any]]:
    """Cold (fresh evaluator, engine memo cleared) and warm sweeps of rows x distinct profiles."""
    engine = lawbasis.Engine()
    out = []
    for wanted in combinations:
        full = curve_table(max(rows), wanted)
        for n in rows:
            frame = full.head(n)
            engine.clear_memo()
            bulk = BulkEvaluator(engine)
            gc.collect()
            t0 = time.perf_counter()
            bulk.evaluate_frame(frame, AS_OF)
            cold = time.perf_counter() - t0  # sampled once: the engine runs dominate it
            warm = best(lambda f=frame, b=bulk: b.evaluate_frame(f, AS_OF), 3 if n < 1_000_000 else 2)
            out.append(
                {
                    "rows": n,
                    "profiles": wanted,
                    "engine_runs": bulk.evaluations,
                    "cold_s": cold,
                    "warm_s": warm,
                    "warm_rows_per_s": n / warm,
                    "cold_minus_warm_per_engine_run_ms": 1000 * (cold - warm) / max(1, bulk.evaluations),
                }
            )
            print(
                f"  curve {n:>9,} rows x {wanted:>6,} profiles, {bulk.evaluations:>6,} engine runs: cold {cold:.3f} s, warm {warm:.4f} s",
                file=sys.stderr,
            )
    return out


def run(curve: bool = True) -> dict[str, Any]:
    """The figures for run.py (a dict, written to the bench JSON)."""
    result = table_shapes()
    if curve:
        result["curve"] = scale_curve()
    return result


def lines(result: dict[str, Any], row: Callable[..., None]) -> None:
    """One table row per shape (bulk / date arithmetic wall time, ratio, target, met; the CPU-time ratio in
    the name), then the curve, through run.py's ``row``."""
    for name, s in result["shapes"].items():
        row(
            f"bulk {s['rows']:,} rows, {name} (CPU {s['cpu_ratio']:.2f}x)",
            f"{s['bulk_s'] * 1000:.0f} / {s['dates_s'] * 1000:.0f} ms",
            s["ratio"],
            s["target"],
        )
    row("  engine runs for that table (distinct combinations x status)", f"{result['distinct_engine_runs']}")
    for c in result.get("curve", []):
        row(
            f"  curve {c['rows']:>9,} rows x {c['profiles']:>6,} profiles ({c['engine_runs']:>6,} engine runs): cold / warm",
            f"{c['cold_s']:.2f} / {c['warm_s']:.3f} s",
        )


if __name__ == "__main__":
    got = run(curve="--no-curve" not in sys.argv)
    printed: list[str] = []

    def _row(name: str, value: str, ratio: float | None = None, target: float | None = None) -> None:
        ok = "" if target is None or ratio is None else ("yes" if ratio <= target else "NO")
        printed.append(
            f"{name:70} {value:>16} {'' if ratio is None else f'{ratio:8.2f}x':>9} {'' if target is None else f'<= {target:g}x':>8}  {ok}"
        )

    lines(got, _row)
    print("\n".join(printed))
