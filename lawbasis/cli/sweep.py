"""``lawbasis sweep TABLE --as-of DATE``: what to do today with every row of a table of activities.

Reads CSV or Parquet (one row per activity, columns as documented in :mod:`lawbasis.bulk`), streams it
through :func:`lawbasis.bulk.sweep_file` in chunks (memory bounded by ``--chunksize``), and writes the
input columns followed by the decision columns, ``action_today`` being one of ``keep``, ``delete``,
``anonymise``, ``hold``. Output goes to ``--output FILE`` (CSV, or Parquet for ``.parquet``/``.pq``) or
as CSV to stdout. A one-line summary (rows per action) goes to stderr, with a progress bar while
running when stderr is a terminal (``--progress always|never`` to force).

This module imports pandas only when the command runs, so the rest of the CLI stays quick. Without
the ``bulk`` extra (pandas, pyarrow, tqdm) the command says so and which extra to install (exit 2).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from lawbasis.core.errors import InputError, LawbasisError

# the top-level modules of the ``bulk`` extra that the command imports
_BULK_MODULES = frozenset({"numpy", "pandas", "pyarrow", "tqdm"})
_MAX_CHUNK = 2**31 - 1
RULES_HELP = (
    "use the rule directory DIR instead of the built-in rules (on top of them if its lawbasis.yaml says 'extends: builtin'); "
    "repeat to add layers on top of the first, in order"
)


def add_sweep_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``sweep`` command to the CLI's sub-parsers."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "sweep",
        help="decide every row of a CSV/Parquet table of activities: keep, delete, anonymise or hold today",
    )
    p.add_argument("table", metavar="TABLE", help="CSV or Parquet file, one activity per row (dates as columns, e.g. contract_ended)")
    p.add_argument("--as-of", dest="as_of", metavar="DATE", required=True, help="the day to decide for (YYYY-MM-DD)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the decisions here (.csv, .parquet); default CSV on stdout")
    p.add_argument("--keep", metavar="COLUMNS", help="comma-separated input columns to copy into the output (default: all)")
    p.add_argument(
        "--chunksize",
        type=int,
        default=200_000,
        metavar="ROWS",
        help="rows per chunk (memory bound, decided 50000 at a time at most; default 200000)",
    )
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto", help="progress bar on stderr (auto: on a terminal)")
    p.add_argument("--rules", metavar="DIR", action="append", default=argparse.SUPPRESS, help=RULES_HELP)
    p.add_argument("--strict", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


def run_sweep(args: argparse.Namespace) -> int:
    """Run ``lawbasis sweep``; returns the exit status. Bad input raises ``LawbasisError`` (exit 2)."""
    try:
        return _run_sweep(args)
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in _BULK_MODULES:
            raise  # not a missing extra: a defect (exit 3)
        raise LawbasisError(
            f"lawbasis sweep needs the 'bulk' extra, which is not installed (no module named {exc.name!r}): pip install 'lawbasis[bulk]'"
        ) from None


def _run_sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from lawbasis.core.activity import parse_date
    from lawbasis.tables import bulk

    as_of = parse_date("--as-of", args.as_of)
    table = Path(args.table)
    if not table.is_file():
        raise InputError("TABLE", str(table), "a readable CSV or Parquet file", "no such file")
    if table.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise InputError("TABLE", str(table), "a file ending in .csv, .parquet or .pq", "unknown format")
    if args.chunksize < 1:
        raise InputError("--chunksize", args.chunksize, "a positive number of rows", "not positive")
    if args.chunksize > _MAX_CHUNK:  # the readers take a C long; a chunk that size would not fit in memory anyway
        raise InputError("--chunksize", args.chunksize, f"at most {_MAX_CHUNK} rows", "too large")
    rules: list[str] = getattr(args, "rules", None) or []
    for directory in rules:
        if not Path(directory).is_dir():
            raise InputError("--rules", directory, "a rule directory", "not a directory")
    # the first --rules is the rule set (as Engine(rules_dir) takes it), each further one a layer on it
    rules_dir, layers = (rules[0], rules[1:] or None) if rules else (None, None)
    keep = None if args.keep is None else [c.strip() for c in args.keep.split(",") if c.strip()]
    if args.output:
        bulk.check_output(table, args.output, "--output")
    total = bulk.count_rows(table)
    _arrow_returns_memory()
    disable = {"auto": None, "always": False, "never": True}[args.progress]
    bar = tqdm(total=total, unit="rows", unit_scale=True, file=sys.stderr, disable=disable, desc="sweep")
    try:
        if args.output:
            counts = bulk.sweep_file(
                table, args.output, as_of, rules_dir=rules_dir, rules=layers, chunksize=args.chunksize, keep=keep, progress=bar.update
            )
        else:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "decisions.csv"
                counts = bulk.sweep_file(
                    table, out, as_of, rules_dir=rules_dir, rules=layers, chunksize=args.chunksize, keep=keep, progress=bar.update
                )
                _copy_to_stdout(out)
    except InputError as exc:
        if exc.field != "keep":
            raise
        raise InputError("--keep", exc.value, exc.allowed, exc.problem) from None
    finally:
        bar.close()
    rows = sum(counts.values())
    summary = ", ".join(f"{action} {counts[action]}" for action in bulk.ACTIONS_TODAY)
    sys.stderr.write(f"lawbasis sweep: {rows} rows as of {as_of.isoformat()}: {summary}\n")
    return 0


def _arrow_returns_memory() -> None:
    """This process's Arrow buffers from jemalloc, handed back to the system as soon as they are freed.

    pyarrow's default pool (mimalloc) keeps freed chunks for reuse. Measured by hand on 2026-11-26, a
    1,000,000-row CSV sweep peaked at 468 MB with it and at 236 MB with jemalloc returning memory at
    once (with the batches and blocks of :mod:`lawbasis.tables.files`), 7% slower. The CLI's process is
    its own, so it chooses; a program calling :func:`lawbasis.bulk.sweep_file` keeps its own pool. Where
    pyarrow was built without jemalloc, the default pool stays.
    """
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return
    pa.set_memory_pool(pool)


def _copy_to_stdout(path: Path) -> None:
    """The CSV file's UTF-8 bytes on stdout, whatever its text encoding (the same bytes as ``-o``)."""
    sys.stdout.flush()
    raw = getattr(sys.stdout, "buffer", None)
    with path.open("rb") as f:
        if raw is not None:
            shutil.copyfileobj(f, raw, 1 << 20)
            raw.flush()
        else:  # a text-only stream (io.StringIO): nothing to encode
            for line in f:
                sys.stdout.write(line.decode("utf-8"))
    sys.stdout.flush()


__all__ = ["add_sweep_parser", "run_sweep"]
