"""``lawbasis sweep`` from a fresh process and the Dask sweep, against baselines measured in the same run.

Each function returns a dict for ``run.py`` (which prints the table). Run alone for a quick look:
``python tests/benchmarks/bench_sweep.py [cli|dask]`` (sizes from ``LAWBASIS_BENCH_SWEEP_ROWS`` and
``LAWBASIS_BENCH_DASK_ROWS``).

- CLI (issue 14): ``lawbasis sweep`` of a 1,000,000-row CSV and Parquet file, each in a fresh process,
  against a fresh ``python -c`` that reads the same file with pandas (pyarrow engine) and writes it in the
  same format; peak RSS of the sweep against a fresh process that only reads one chunk of the file.
  Time and memory are measured by a parent process of their own (``ru_maxrss`` of its one child).
- Dask: 2,000,000 rows in 8 Parquet files read with ``dask.dataframe.read_parquet`` on a 2-worker
  LocalCluster against the same graph on the synchronous scheduler in one process, cold (fresh
  processes) and warm, and the machine's ceiling (the same work in two plain processes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from tables import AS_OF, count_actions, make_table, pool_work, write_parts  # noqa: E402

SWEEP_ROWS = int(os.environ.get("LAWBASIS_BENCH_SWEEP_ROWS", "1000000"))
DASK_ROWS = int(os.environ.get("LAWBASIS_BENCH_DASK_ROWS", "2000000"))
CHUNK = 200_000  # the CLI's default --chunksize

# runs argv[1:] as a child and prints its wall time and peak RSS (this process does nothing else)
_TIMER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
done = subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - t
if done.returncode:
    sys.exit(done.stderr)
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def timed(argv: list[str]) -> dict[str, float]:
    """Wall time and peak RSS of ``argv`` run as a fresh process."""
    done = subprocess.run([sys.executable, "-c", _TIMER, json.dumps(argv)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def customer_files(rows: int, where: Path) -> dict[str, Path]:
    """The bench's customer table with an id column (14 columns), as CSV (ISO dates as text) and as
    Parquet (dates as date32, text as strings), as a user's export would have them."""
    table = make_table(rows)
    table.insert(0, "customer_id", np.arange(rows))
    for column in table.columns:
        if str(table[column].dtype).startswith("datetime"):
            table[column] = table[column].dt.date  # date32 in Parquet, YYYY-MM-DD in CSV
    paths = {"csv": where / "customers.csv", "parquet": where / "customers.parquet"}
    table.to_csv(paths["csv"], index=False)
    table.to_parquet(paths["parquet"], index=False)
    return paths


def cli_sweep(rows: int = SWEEP_ROWS, repeat: int = 2) -> dict[str, Any]:
    """``lawbasis sweep`` cold (a fresh process per run) against pandas reading and writing the same file."""
    lawbasis_cli = [sys.executable, "-m", "lawbasis.cli"]
    out: dict[str, Any] = {"rows": rows, "chunksize": CHUNK, "target_ratio": 1.5, "target_memory_ratio": 2.0}
    with tempfile.TemporaryDirectory(prefix="lawbasis-bench-") as tmp:
        where = Path(tmp)
        paths = customer_files(rows, where)
        for kind, path in paths.items():
            target = where / f"decisions.{kind}"
            copy = where / f"pandas.{kind}"
            if kind == "csv":
                baseline = f"import pandas as pd; pd.read_csv({str(path)!r}, engine='pyarrow').to_csv({str(copy)!r}, index=False)"
                chunk = f"import pandas as pd; next(iter(pd.read_csv({str(path)!r}, chunksize={CHUNK})))"
            else:
                baseline = f"import pandas as pd; pd.read_parquet({str(path)!r}).to_parquet({str(copy)!r}, index=False)"
                chunk = f"import pyarrow.parquet as pq; next(pq.ParquetFile({str(path)!r}).iter_batches({CHUNK})).to_pandas()"
            sweep = [*lawbasis_cli, "sweep", str(path), "--as-of", AS_OF.isoformat(), "-o", str(target), "--progress", "never"]
            runs: dict[str, list[dict[str, float]]] = {"baseline": [], "sweep": [], "chunk": []}
            for _ in range(repeat):  # interleaved, so a busy moment of the machine hits both
                runs["baseline"].append(timed(_python(baseline)))
                runs["sweep"].append(timed(sweep))
                runs["chunk"].append(timed(_python(chunk)))
            warm = _warm(path, target)
            best = {name: min(r["seconds"] for r in found) for name, found in runs.items()}
            peak = {name: min(r["peak_mb"] for r in found) for name, found in runs.items()}
            out[kind] = {
                "sweep_s": best["sweep"],
                "pandas_read_write_s": best["baseline"],
                "ratio": best["sweep"] / best["baseline"],
                "ratios": [s["seconds"] / b["seconds"] for s, b in zip(runs["sweep"], runs["baseline"], strict=True)],
                "sweep_peak_mb": peak["sweep"],
                "pandas_read_write_peak_mb": peak["baseline"],
                "one_chunk_peak_mb": peak["chunk"],
                "memory_ratio": peak["sweep"] / peak["chunk"],
                # the same sweep again in the process that ran it: what is left once the engine has
                # started and has run every combination (the part that grows with rows)
                "in_process_first_s": warm["first_s"],
                "in_process_again_s": warm["again_s"],
                "engine_runs": warm["engine_runs"],
                "again_ratio": warm["again_s"] / best["baseline"],
            }
        # where a cold sweep's time goes: the engine's start and its runs, measured in one process
        out["startup"] = _startup()
    return out


def _warm(path: Path, target: Path) -> dict[str, float]:
    """``sweep_file`` twice in one fresh process: the first run, and the second (the evaluator warm)."""
    code = (
        "import json, time; from lawbasis.bulk import sweep_file; t = time.perf_counter(); "
        f"sweep_file({str(path)!r}, {str(target)!r}, {AS_OF.isoformat()!r}, keep=None); f = time.perf_counter() - t; "
        "import lawbasis.bulk; runs = lawbasis.bulk.evaluator(None).evaluations; "
        f"t = time.perf_counter(); sweep_file({str(path)!r}, {str(target)!r}, {AS_OF.isoformat()!r}, keep=None); "
        "print(json.dumps({'first_s': f, 'again_s': time.perf_counter() - t, 'engine_runs': runs}))"
    )
    done = subprocess.run(_python(code), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _startup() -> dict[str, float]:
    """A fresh process: importing the bulk path, building the engine (load and compile the rules)."""
    code = (
        "import json, time; t = time.perf_counter(); import lawbasis.tables.bulk as b; i = time.perf_counter() - t; "
        "t = time.perf_counter(); b.evaluator(None); e = time.perf_counter() - t; "
        "print(json.dumps({'import_s': i, 'engine_s': e}))"
    )
    done = subprocess.run(_python(code), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


# --- Dask ------------------------------------------------------------------------------------------


def machine_ceiling(paths: list[str]) -> dict[str, Any]:
    """The same work in one and in two plain processes (multiprocessing, no Dask cluster): what two cores give."""
    from multiprocessing import get_context

    half = len(paths) // 2
    with get_context("spawn").Pool(2) as pool:
        pool.map(pool_work, [paths[:1], paths[1:2]], chunksize=1)  # build the engine and warm both processes
        pool.map(pool_work, [paths[:half], paths[half:]], chunksize=1)
        one, two = [], []
        for _ in range(2):
            t0 = time.perf_counter()
            pool.map(pool_work, [paths])
            one.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pool.map(pool_work, [paths[:half], paths[half:]], chunksize=1)
            two.append(time.perf_counter() - t0)
    return {"one_process_s": min(one), "two_processes_s": min(two), "speedup": min(one) / min(two)}


_ONE_PROCESS = """
import json, sys, time
sys.path.insert(0, {here!r})
t = time.perf_counter()
from tables import one_process
import lawbasis.bulk
paths = json.loads(sys.argv[1])
times, cpu = [], []
for _ in range(3):
    t, c = time.perf_counter(), time.process_time()
    counts = one_process(paths)
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
    if len(times) == 1:
        runs = lawbasis.bulk.evaluator(None).evaluations
warm = 1 + min(range(2), key=lambda i: times[1 + i])
print(json.dumps({{"cold_s": times[0], "warm_s": times[warm], "warm_cpu_s": cpu[warm], "runs": runs,
                  "counts": {{str(k): int(v) for k, v in counts.items()}}}}))
"""


def _single(paths: list[str]) -> dict[str, Any]:
    """One fresh process: the first sweep (cold: its engine built and every combination run) and the best
    of two more (warm). The imports are not timed (the cluster's workers import before the clock too)."""
    code = _ONE_PROCESS.format(here=str(HERE))
    done = subprocess.run([sys.executable, "-c", code, json.dumps(paths)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _tree_cpu() -> float:
    """CPU seconds used so far by this process (scheduler and client) and its children (nannies' workers)."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:  # a child that has just exited
            continue
    return total


def _dask_runs(paths: list[str], environ: dict[str, str], share: bool | None) -> tuple[list[float], pd.Series, int]:
    """Sweeps on a fresh 2-worker LocalCluster whose workers start with ``environ``: [cold, best warm, CPU
    seconds of the best warm run in scheduler, client and workers together]."""
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from lawbasis.bulk import sweep_dask

    saved = dict(os.environ)  # the nanny writes pre-spawn variables into this process's environment
    from lawbasis.bulk import WORKER_CONFIG

    # what the module documentation asks of a cluster: the workers' environment and configuration
    settings = {**WORKER_CONFIG, **{f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in environ.items()}}
    try:
        with (
            dask.config.set(settings),
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", scheduler_port=0) as cluster,
            Client(cluster) as client,
        ):
            client.run(lambda: __import__("lawbasis.tables.bulk"))  # the import is not the sweep's (one process imports too)
            times, cpu = [], []
            for attempt in range(3):  # the first is cold; the figure is the best of the two warm runs
                t0, c0 = time.perf_counter(), _tree_cpu()
                table = dd.read_parquet(paths)
                lazy = sweep_dask(table, AS_OF, share=share).map_partitions(count_actions, meta=pd.Series(dtype="int64"))
                counts = lazy.compute()
                times.append(time.perf_counter() - t0)
                cpu.append(_tree_cpu() - c0)
                if attempt == 0:
                    runs = sum(client.run(lambda: __import__("lawbasis.bulk").bulk.evaluator(None).evaluations).values())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    warm = 1 + min(range(2), key=lambda i: times[1 + i])
    return [times[0], times[warm], cpu[warm]], counts.groupby(level=0).sum(), runs


def dask_sweep(rows: int = DASK_ROWS) -> dict[str, Any]:
    """Dask on two workers against one process, cold and warm; engine runs with and without sharing."""
    from lawbasis.bulk import WORKER_CONFIG, WORKER_ENVIRONMENT

    parts = 8
    with tempfile.TemporaryDirectory(prefix="lawbasis-bench-dask-") as tmp:
        paths = write_parts(tmp, parts, rows // parts)
        # each side twice from scratch (a fresh process, a fresh cluster), interleaved: a cold figure is one
        # run per start, so the best of two starts, as the file sweep takes the best of two fresh processes
        singles, clusters = [], []
        for _ in range(2):
            singles.append(_single(paths))
            clusters.append(_dask_runs(paths, dict(WORKER_ENVIRONMENT), share=None))
        ceiling = machine_ceiling(paths)
        alone, alone_counts, alone_runs = _dask_runs(paths, dict(WORKER_ENVIRONMENT), share=False)
    single = dict(min(singles, key=lambda x: x["warm_s"]))  # the best warm run with its CPU time
    single["cold_s"] = min(x["cold_s"] for x in singles)
    best_warm = min(clusters, key=lambda x: x[0][1])
    shared = [min(x[0][0] for x in clusters), best_warm[0][1], best_warm[0][2]]
    counts, shared_runs = clusters[0][1], clusters[0][2]
    assert counts.to_dict() == alone_counts.to_dict() == single["counts"]
    return {
        "rows": rows,
        "partitions": parts,
        "workers": 2,
        "input": "8 Parquet files (dates as date32), dask.dataframe.read_parquet",
        "machine_ceiling": ceiling,
        "worker_environment": dict(WORKER_ENVIRONMENT),
        "worker_config": dict(WORKER_CONFIG),
        "single_process_cold_s": single["cold_s"],
        "single_process_s": single["warm_s"],
        "single_process_engine_runs": single["runs"],
        "dask_two_workers_cold_s": shared[0],
        "dask_two_workers_s": shared[1],
        "dask_two_workers_cpu_s": shared[2],
        "single_process_cpu_s": single["warm_cpu_s"],
        "dask_engine_runs_cold": shared_runs,
        "speedup": single["warm_s"] / shared[1],
        "speedup_cold": single["cold_s"] / shared[0],
        "target_speedup": 1.6,
        "target_speedup_cold": 1.2,
        "efficiency": (single["warm_s"] / shared[1]) / ceiling["speedup"],
        "no_sharing_cold_s": alone[0],
        "no_sharing_s": alone[1],
        "no_sharing_engine_runs_cold": alone_runs,
        "speedup_no_sharing": single["warm_s"] / alone[1],
        "speedup_cold_no_sharing": single["cold_s"] / alone[0],
        "actions": {str(k): int(v) for k, v in counts.items()},
    }


def dask_larger(rows: int = 3 * DASK_ROWS) -> dict[str, Any]:
    """The same comparison on a table three times as large (warm and cold, sharing as by default): Dask's
    own work per sweep (scheduler, client, per-task bookkeeping) is about fixed, so its share shrinks."""
    from lawbasis.bulk import WORKER_ENVIRONMENT

    with tempfile.TemporaryDirectory(prefix="lawbasis-bench-dask-") as tmp:
        paths = write_parts(tmp, 8, rows // 8)
        single = _single(paths)
        shared, counts, _runs = _dask_runs(paths, dict(WORKER_ENVIRONMENT), share=None)
    assert counts.to_dict() == single["counts"]
    return {
        "rows": rows,
        "single_process_s": single["warm_s"],
        "single_process_cold_s": single["cold_s"],
        "dask_two_workers_s": shared[1],
        "dask_two_workers_cold_s": shared[0],
        "speedup": single["warm_s"] / shared[1],
        "speedup_cold": single["cold_s"] / shared[0],
    }


def dask_in_fresh_process() -> dict[str, Any]:
    """The Dask figures from a process of their own: a process that holds large tables makes the client
    and scheduler threads compete with a large heap (measured: 1.9 s instead of 1.1 s for one sweep)."""
    done = subprocess.run([sys.executable, __file__, "dask"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def rows_table(r: dict[str, Any]) -> list[tuple[str, str, float | None, float | None, bool | None]]:
    """The rows ``run.py`` prints: (figure, value, ratio, target, met), where met means ratio >= target
    for speedups and <= target otherwise."""
    out: list[tuple[str, str, float | None, float | None, bool | None]] = []
    cli = r.get("cli")
    if cli:
        for kind in ("csv", "parquet"):
            c = cli[kind]
            out.append(
                (
                    f"lawbasis sweep {cli['rows']:,}-row {kind.upper()}, fresh process, vs pandas read+write",
                    f"{c['sweep_s']:.2f} s",
                    c["ratio"],
                    1.5,
                    c["ratio"] <= 1.5,
                )
            )
            out.append(("  pandas (pyarrow engine) read + write, fresh process", f"{c['pandas_read_write_s']:.2f} s", None, None, None))
            out.append(
                ("  same sweep again in-process (engine warm) vs pandas", f"{c['in_process_again_s']:.2f} s", c["again_ratio"], None, None)
            )
            if "engine_runs" in c:
                out.append(("  engine runs of the first sweep (distinct combinations x status)", f"{c['engine_runs']:,}", None, None, None))
            out.append(
                (
                    f"  peak RSS vs a process reading one {cli['chunksize']:,}-row chunk",
                    f"{c['sweep_peak_mb']:.0f}/{c['one_chunk_peak_mb']:.0f} MB",
                    c["memory_ratio"],
                    2.0,
                    c["memory_ratio"] <= 2.0,
                )
            )
        s = cli["startup"]
        out.append(("  fresh process: import bulk path / build engine", f"{s['import_s']:.2f}/{s['engine_s']:.2f} s", None, None, None))
    dk = r.get("dask")
    if dk:
        out.append(
            (
                f"dask {dk['rows']:,} rows, 2 workers, warm: speedup over 1 process",
                f"{dk['dask_two_workers_s']:.2f} s",
                dk["speedup"],
                1.6,
                dk["speedup"] >= 1.6,
            )
        )
        out.append(
            (
                "  first (cold) run on fresh workers, sharing what they learn: speedup",
                f"{dk['dask_two_workers_cold_s']:.2f} s",
                dk["speedup_cold"],
                1.2,
                dk["speedup_cold"] >= 1.2,
            )
        )
        out.append(
            (
                "  engine runs, cold: 2 workers sharing / 1 process",
                f"{dk['dask_engine_runs_cold']}/{dk['single_process_engine_runs']}",
                dk["dask_engine_runs_cold"] / dk["single_process_engine_runs"],
                None,
                None,
            )
        )
        out.append(
            ("  one process, warm / first run", f"{dk['single_process_s']:.2f}/{dk['single_process_cold_s']:.2f} s", None, None, None)
        )
        out.append(("  share=False throughout: warm speedup", f"{dk['no_sharing_s']:.2f} s", dk["speedup_no_sharing"], None, None))
        out.append(
            (
                "  without sharing: cold speedup, engine runs",
                f"{dk['no_sharing_cold_s']:.2f} s, {dk['no_sharing_engine_runs_cold']}",
                dk["speedup_cold_no_sharing"],
                None,
                None,
            )
        )
        out.append(
            (
                "  CPU of the warm sweep: Dask (workers, scheduler, client) / one process",
                f"{dk['dask_two_workers_cpu_s']:.2f}/{dk['single_process_cpu_s']:.2f} s",
                dk["dask_two_workers_cpu_s"] / dk["single_process_cpu_s"],
                None,
                None,
            )
        )
        out.append(
            (
                "  speedup that CPU allows on 2 cores (2 x one process's CPU / Dask's)",
                "",
                2 * dk["single_process_cpu_s"] / dk["dask_two_workers_cpu_s"],
                None,
                None,
            )
        )
        big = dk.get("larger")
        if big:
            out.append(
                (
                    f"  same at {big['rows']:,} rows: warm / cold speedup",
                    f"{big['dask_two_workers_s']:.2f}/{big['dask_two_workers_cold_s']:.2f} s",
                    big["speedup"],
                    None,
                    None,
                )
            )
            out.append(
                ("    (cold speedup at that size)", f"{big['single_process_cold_s']:.2f} s one process", big["speedup_cold"], None, None)
            )
        ce = dk["machine_ceiling"]
        out.append(("  machine ceiling: same work in 2 plain processes vs 1", f"{ce['two_processes_s']:.2f} s", ce["speedup"], None, None))
        out.append(("  Dask warm speedup as a share of the ceiling", f"{dk['efficiency'] * 100:.0f} %", None, None, None))
    return out


def main() -> int:
    what = sys.argv[1:] or ["cli", "dask"]
    results: dict[str, Any] = {}
    if "dask" in what:
        results["dask"] = dask_sweep()
        results["dask"]["larger"] = dask_larger()
        if what == ["dask"]:  # the figures for run.py's dask_in_fresh_process
            print(json.dumps(results["dask"]))
            return 0
    if "cli" in what:
        results["cli"] = cli_sweep()
    print(json.dumps(results, indent=2))
    for name, value, ratio, target, met in rows_table(results):
        shown = "" if ratio is None else f"{ratio:.2f}x"
        goal = "" if target is None else f"{target:g}x"
        print(f"{name:70} {value:>18} {shown:>8} {goal:>6} {'' if met is None else ('yes' if met else 'NO')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
