"""The sweep on a Dask dataframe: each worker process decides its partitions with its own evaluator.

A cold cluster would have every worker send every combination it meets through the engine, so the
first sweep of two workers gained nothing from the second one. :func:`sweep_dask` therefore shares
what the workers learn, in one lazy graph:

1. *look*: each partition gives evenly spaced rows (a sample), the columns the rules read; no engine runs;
2. *learn*: those rows are cut into shares by their discrete fields, so that rows of one combination
   land in one share, and each share is decided by whichever worker takes it: each combination of
   the sample goes through the engine once in the cluster; each share returns what was new to its
   evaluator (:meth:`~lawbasis.tables.frame.BulkEvaluator.export_knowledge`);
3. *decide*: every partition's task first takes all of it (once per worker process,
   :meth:`~lawbasis.tables.frame.BulkEvaluator.import_knowledge`), then decides its rows; keys the
   sample missed are decided by the engine there, as before.

Steps 1 and 2 only save engine runs: every answer is still ``evaluate()``'s, and a table they cannot
read is left to step 3, which raises the error it always raised.
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
from lawbasis.tables.frame import _meta, _to_date, evaluator

# rows of each partition that step 1 takes (evenly spaced): enough to meet the common combinations
# (measured on the bench's customer table: 25,000 of 100,000 rows held 76% of the engine runs), few
# enough that a warm sweep hardly notices the extra pass
_SAMPLE = 25_000
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


def _look(frame: pd.DataFrame, columns: frozenset[str]) -> pd.DataFrame:
    """Step 1: evenly spaced rows of ``frame`` (at most ``_SAMPLE``), the ``columns`` the rules read."""
    read = [c for c in frame.columns if (c[6:] if isinstance(c, str) and c.startswith("dates.") else c) in columns]
    return frame[read].iloc[:: max(len(frame) // _SAMPLE, 1)]


def _spread(looks: list[pd.DataFrame], shares: int, discrete: frozenset[str]) -> list[pd.DataFrame]:
    """Step 2's shares: the rows of step 1 cut in ``shares`` parts by their discrete fields, so that a
    combination is decided in one share only."""
    found = [look for look in looks if len(look)]
    if not found:
        return [pd.DataFrame()] * shares
    rows = pd.concat(found)
    fields = [c for c in rows.columns if (c[6:] if isinstance(c, str) and c.startswith("dates.") else c) in discrete]
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


def sweep_dask(
    table: Any,
    as_of: str | _dt.date | None = None,
    *,
    rules_dir: str | Path | None = None,
    rules: Sequence[str | Path] | None = None,
    share: bool = True,
) -> Any:
    """The sweep on a ``dask.dataframe.DataFrame``: a lazy frame of :data:`DECISION_COLUMNS`, partition by partition.

    ``rules_dir`` and ``rules`` choose the rule set as :class:`lawbasis.Engine` does. Each worker
    process builds its own engine (durable_rules cannot be pickled); ``as_of`` defaults to
    today *on the client*, so every worker decides for the same day. With ``share`` (the default), the
    combinations of the table are first spread over the workers and what each learns is given to all
    (see the module documentation): a cold cluster then runs each combination through the engine
    about once instead of once per worker. See :mod:`lawbasis.bulk` for running it on a cluster.
    """
    from dask.delayed import delayed

    day = _to_date(as_of) if as_of is not None else _dt.date.today()
    # workers rebuild the engine from what is pickled: the directory and the layer list, as strings
    directory = str(rules_dir) if rules_dir is not None else None
    layers = tuple(str(r) for r in rules) if rules is not None else None
    if not share:
        return table.map_partitions(_partition, day, directory, layers, meta=_meta())
    # which columns the rules read: the rule set's vocabulary, known to this process's evaluator
    bulk = evaluator(directory, layers)
    columns, discrete = bulk.columns_read, frozenset(bulk.fields)
    looks = table.map_partitions(_look, columns, meta=_look(table._meta, columns)).to_delayed()
    shares = delayed(_spread, nout=_SHARES)(looks, _SHARES, discrete)
    learned = [delayed(_learn)(shares[i], day, directory, layers) for i in range(_SHARES)]
    knowledge = delayed(_gather)(learned)
    return table.map_partitions(_partition, day, directory, layers, knowledge, meta=_meta())
