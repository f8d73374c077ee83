"""The sweep on a Dask dataframe: each worker process decides its partitions with its own evaluator.

A cold cluster would have every worker send every combination it meets through the engine, so the
first sweep of two workers gained nothing from the second one. :func:`sweep_dask` therefore shares
what the workers learn, in one lazy graph:

1. *look*: a few partitions (:data:`_LOOK`, evenly spaced) give one row per combination the evaluator
   of the worker that reads them has not seen (:meth:`~lawbasis.tables.frame.BulkEvaluator.unknown_rows`;
   no engine runs). On a warm cluster they give nothing;
2. *learn*: those rows are cut into shares by their discrete fields, so that rows of one combination
   land in one share, and each share is decided by whichever worker takes it: each combination the
   look found goes through the engine once in the cluster; each share returns what was new to its
   evaluator (:meth:`~lawbasis.tables.frame.BulkEvaluator.export_knowledge`);
3. *decide*: every partition's task first takes all of it (once per worker process,
   :meth:`~lawbasis.tables.frame.BulkEvaluator.import_knowledge`), then decides its rows; combinations
   the looked-at partitions did not hold are decided by the engine there, as before.

The looked-at partitions are read twice (step 1 reads only the columns the rules read, and Dask pushes
that projection into ``read_parquet``); that is why a warm cluster skips steps 1 and 2 (see
:func:`sweep_dask`'s ``share``). Steps 1 and 2 only save engine runs: every answer is still
``evaluate()``'s, and a table they cannot read is left to step 3, which raises the error it always raised.
"""

from __future__ import annotations

import datetime as _dt
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lawbasis.core.errors import LawbasisError
from lawbasis.core.vocabulary import BUILTIN
from lawbasis.tables.frame import _evaluators, _meta, _to_date, columns_read, discrete_fields, evaluator, field_of

# partitions step 1 looks at: enough to meet the common combinations of a table whose partitions are
# alike, few enough that reading them twice costs little
_LOOK = 4
# shares of step 2: more than workers, so a busy worker does not hold the others up
_SHARES = 8

_imported: dict[tuple[str | None, tuple[str, ...] | None], set[str]] = {}
_imported_lock = threading.Lock()


def _partition(
    frame: pd.DataFrame, as_of: _dt.date, rules_dir: str | None, layers: tuple[str, ...] | None, knowledge: Any = None
) -> pd.DataFrame:
    bulk = evaluator(rules_dir, layers)
    if knowledge is not None:
        token, entries = knowledge
        with _imported_lock:
            seen = _imported.setdefault((rules_dir, layers), set())
            fresh = token not in seen
            seen.add(token)
        if fresh:
            bulk.import_knowledge(entries)
    return bulk.evaluate_frame(frame, as_of)


def _look(
    frame: pd.DataFrame, columns: frozenset[str], as_of: _dt.date, rules_dir: str | None, layers: tuple[str, ...] | None
) -> pd.DataFrame:
    """Step 1: one row of each combination of ``frame`` this worker's evaluator has not seen, the ``columns``
    the rules read (none from a table the evaluator refuses: step 3 reports it)."""
    read = _read(frame, columns)
    try:
        return evaluator(rules_dir, layers).unknown_rows(frame[read], as_of)
    except LawbasisError:
        return frame[read].iloc[:0]


def _read(frame: pd.DataFrame, columns: frozenset[str]) -> list[Any]:
    """The columns of ``frame`` the rules read (a date key also as ``dates.KEY``)."""
    return [c for c in frame.columns if field_of(c) in columns]


def _spread(looks: list[pd.DataFrame], shares: int, discrete: frozenset[str]) -> list[pd.DataFrame]:
    """Step 2's shares: the rows of step 1 cut in ``shares`` parts by their discrete fields, so that a
    combination is decided in one share only."""
    found = [look for look in looks if len(look)]
    if not found:
        return [pd.DataFrame()] * shares
    rows = pd.concat(found)
    fields = [c for c in rows.columns if field_of(c) in discrete]
    try:
        part = pd.util.hash_pandas_object(rows[fields], index=False).to_numpy() % shares if fields else np.zeros(len(rows), dtype=int)
    except (TypeError, ValueError):  # unhashable cells: step 3 reports them
        return [pd.DataFrame()] * shares
    return [rows[part == i] for i in range(shares)]


def _learn(share: pd.DataFrame, as_of: _dt.date, rules_dir: str | None, layers: tuple[str, ...] | None) -> list[Any]:
    """Step 2: decide one share on this worker; what was new to its evaluator."""
    if not len(share):
        return []
    bulk = evaluator(rules_dir, layers)
    since = bulk.known_keys()
    try:
        bulk.evaluate_frame(share, as_of)
    except LawbasisError:  # step 3 reports it where the table has it
        return []
    return bulk.export_knowledge(since)


def _gather(learned: list[list[Any]]) -> tuple[str, list[Any]]:
    """All shares' knowledge, with a token so that a worker process takes it once."""
    return uuid.uuid4().hex, [entry for part in learned for entry in part]


def _known_keys(rules_dir: str | None, layers: tuple[str, ...] | None) -> int:
    """On a worker: how many combinations its evaluator of these rules knows (0 when it has none yet)."""
    found = _evaluators.get((rules_dir, layers))
    return found.known_keys() if found is not None else 0


def _cold_cluster(rules_dir: str | None, layers: tuple[str, ...] | None) -> bool:
    """Whether sharing can save engine runs: a ``distributed`` client is active and one of its workers has
    not decided a combination of these rules yet. Without such a client the sweep runs in this process
    (one evaluator: nothing to share)."""
    try:
        from distributed import default_client
    except ImportError:
        return False
    try:
        client = default_client()  # type: ignore[no-untyped-call]
    except ValueError:  # no client: the local schedulers
        return False
    known = client.run(_known_keys, rules_dir, layers)
    return not known or min(known.values()) == 0


def _columns(rules_dir: str | None, layers: tuple[str, ...] | None) -> tuple[frozenset[str], frozenset[str]]:
    """The columns the rules read and the discrete ones among them: from the built-in vocabulary, or (a
    rule directory or layers, whose ``facts:`` add fields) from this process's evaluator of them."""
    if rules_dir is None and layers is None:
        return columns_read(BUILTIN), frozenset(discrete_fields(BUILTIN))
    bulk = evaluator(rules_dir, layers)
    return bulk.columns_read, frozenset(bulk.fields)


def sweep_dask(
    table: Any,
    as_of: str | _dt.date | None = None,
    *,
    rules_dir: str | Path | None = None,
    rules: Sequence[str | Path] | None = None,
    share: bool | None = None,
) -> Any:
    """The sweep on a ``dask.dataframe.DataFrame``: a lazy frame of :data:`DECISION_COLUMNS`, partition by partition.

    ``rules_dir`` and ``rules`` choose the rule set as :class:`lawbasis.Engine` does. Each worker
    process builds its own engine (durable_rules cannot be pickled); ``as_of`` defaults to
    today *on the client*, so every worker decides for the same day. With ``share``, the combinations
    of a few partitions are first spread over the workers and what each learns is given to all (see
    the module documentation): a cold cluster then runs each combination through the engine about
    once instead of once per worker. ``share=None`` (the default) shares when it can save engine
    runs: a ``distributed`` client is active and one of its workers has not yet decided a combination
    of these rules (a fresh or newly joined worker); a warm cluster skips the extra pass, whose reads
    would cost more than the few new combinations it could save. See :mod:`lawbasis.bulk` for running
    it on a cluster.
    """
    from dask.delayed import delayed

    day = _to_date(as_of) if as_of is not None else _dt.date.today()
    # workers rebuild the engine from what is pickled: the directory and the layer list, as strings
    directory = str(rules_dir) if rules_dir is not None else None
    layers = tuple(str(r) for r in rules) if rules is not None else None
    if share is None:
        share = _cold_cluster(directory, layers)
    if not share:
        return table.map_partitions(_partition, day, directory, layers, meta=_meta())
    columns, discrete = _columns(directory, layers)
    n = table.npartitions
    looked = sorted({round(i * (n - 1) / max(_LOOK - 1, 1)) for i in range(min(_LOOK, n))})
    looks = [
        table.partitions[i]
        .map_partitions(_look, columns, day, directory, layers, meta=table._meta[_read(table._meta, columns)])
        .to_delayed()[0]
        for i in looked
    ]
    shares = delayed(_spread, nout=_SHARES)(looks, _SHARES, discrete)
    learned = [delayed(_learn)(shares[i], day, directory, layers) for i in range(_SHARES)]
    knowledge = delayed(_gather)(learned)
    return table.map_partitions(_partition, day, directory, layers, knowledge, meta=_meta())
