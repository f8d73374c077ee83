"""The sweep on a Dask dataframe: each worker process decides its partitions with its own evaluator."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from lawbasis.tables.frame import _meta, _to_date, evaluator


def _partition(frame: pd.DataFrame, as_of: _dt.date, rules_dir: str | None, rules: tuple[str, ...] | None) -> pd.DataFrame:
    return evaluator(rules_dir, rules).evaluate_frame(frame, as_of)


def sweep_dask(
    table: Any, as_of: str | _dt.date | None = None, *, rules_dir: str | Path | None = None, rules: Sequence[str | Path] | None = None
) -> Any:
    """The sweep on a ``dask.dataframe.DataFrame``: a lazy frame of :data:`DECISION_COLUMNS`, partition by partition.

    ``rules_dir`` and ``rules`` choose the rule set as :class:`lawbasis.Engine` does. Each worker
    process builds its own engine (durable_rules cannot be pickled); ``as_of`` defaults to
    today *on the client*, so every worker decides for the same day. See the module documentation
    for running it on a cluster.
    """
    day = _to_date(as_of) if as_of is not None else _dt.date.today()
    # workers rebuild the engine from what is pickled: the directory and the layer list, as strings
    layers = tuple(str(r) for r in rules) if rules is not None else None
    return table.map_partitions(_partition, day, str(rules_dir) if rules_dir is not None else None, layers, meta=_meta())
