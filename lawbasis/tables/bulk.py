"""Deciding whole tables of activities: pandas, streaming files, and Dask clusters.

The legal reasoning reads only *discrete* facts: the enumerated and boolean fields of an activity,
which ``dates`` keys are present (the engine asserts a ``has_<key>`` flag for each), and, between
strata, the *status* of the retention window (``open``, ``closed``, ``held``, ``unknown``,
``open_ended``). The date values themselves only move the window's end date. So a table of a
million customers has a few hundred distinct combinations, and each is sent through the engine once:

1. rows are grouped by *key* = discrete facts + date presence (one hashing pass over an integer code
   per row);
2. the first row of a key never seen before is evaluated with :meth:`lawbasis.Engine.evaluate`; its
   trace tells which window the rules chose (period, anchor, cut dates, hold), exactly as the
   engine's calendar step saw them;
3. each distinct window's end date is computed for all rows that share it at once (numpy
   ``datetime64``, months clamped like :mod:`lawbasis.core.calendar`), and compared with ``as_of``:
   ``open`` or ``closed``;
4. for each (key, window status) pair, one *real row* of that pair is evaluated, and its date-free
   conclusions (lawful, bases, objection, may_process, retention, findings) are copied to every row
   of the pair; ``retention_until`` is the per-row date from step 3.

No conclusion is computed in Python: every discrete answer is what ``evaluate()`` gave for a row
whose rules saw exactly the same facts, and ``tests/test_bulk.py`` checks the result row by row
against ``evaluate()`` on random tables, also with an evaluator that has seen earlier tables.
What steps 2 and 4 learn is kept on the :class:`BulkEvaluator` (values are numbered for good, so a
key means the same in every table; a rejected table's numbers are taken back), so streaming a file chunk by chunk calls the engine once per
combination in total, not per chunk.

Speed: on a warm evaluator the cost is a few passes over each column. Hashing the text columns
(``policy``, ``purpose``, ...) is the largest part; columns of dtype ``category`` (or ``bool``) skip
it, so a table read with dictionary-encoded columns is faster still.

Input table (:func:`evaluate_frame`)
------------------------------------
One row per activity. Columns are the facts of an activity (docs/reference/facts.md): ``policy`` and ``purpose`` (required),
and any of ``customer_status``, ``channel``, ``personalised``, ``consent``, ``objection``,
``compelling_grounds``, ``dispute``, ``special_category``, ``erasure_requested``, ``corporate_event``,
``acquirer_similar`` (missing column or empty cell: the default). Dates are one column per ``dates``
key, named by the bare key (``contract_ended``) or dotted (``dates.contract_ended``; both are
accepted, the bare name is what :func:`evaluate_frame` documents and what the CLI writes back);
an empty cell means the date is not known. Date cells are ISO strings ``YYYY-MM-DD``, ``datetime.date``
or ``datetime64`` values. An optional ``as_of`` column overrides the ``as_of`` argument per row.
Booleans may be ``bool`` or the strings ``true``/``false``. Other columns are ignored and not copied.

Output columns (:data:`DECISION_COLUMNS`)
-----------------------------------------
``lawful`` (``yes``/``no``/``undetermined``), ``bases`` (sorted letters joined by ``,``; empty when
none), ``objection_applies`` (``21(1)``, ``21(2)`` or None), ``objection_continues`` (bool),
``may_process`` (bool), ``retention_period``, ``retention_from`` (None when not stated),
``retention_action`` (``delete``/``anonymise``), ``retention_until`` (``datetime64``; NaT when
unknown, open-ended or held), ``extended`` (bool: a pending dispute holds the data), ``findings``
(finding codes joined by commas, in the order of ``Decision.findings``, as in
:func:`lawbasis.explore.grid`) and ``action_today`` (``Decision.action_today``, concluded by the rules
``gdpr/today/*`` in ``rules/gdpr.yaml``):

* ``hold``: a pending dispute holds the data past its window (``extended``);
* ``delete`` / ``anonymise``: the retention window ended before ``as_of`` (``as_of > retention_until``);
  the value is the window's end action;
* ``keep``: otherwise (inside the window, or no end date can be given, or no window at all).

The rules decide ``action_today`` from the window alone: objections, withdrawals and erasure requests
act through the ``cut`` dates the rules conclude, which shorten the window. A purpose that may not
be processed (``may_process`` false) but whose window is still open is ``keep``: the data may still
be needed for another purpose; filter on ``may_process`` to stop the processing itself.

Running on a cluster (:func:`sweep_dask`)
-----------------------------------------
durable_rules objects cannot be pickled, so nothing of the engine travels: every worker process
builds its own :class:`~lawbasis.Engine` on first use (about 0.2 s) and keeps it, with its cache of
combinations, for the rest of its life. Each worker needs lawbasis installed (``pip install
lawbasis[bulk]``) and, with ``rules_dir`` or ``rules``, those directories at the same paths (or use the built-in rules).
On a real cluster::

    from dask.distributed import Client
    import dask.dataframe as dd
    from lawbasis.bulk import sweep_dask

    client = Client("tcp://scheduler:8786")           # workers started with: dask worker tcp://scheduler:8786
    table = dd.read_parquet("s3://bucket/activities/")  # one row per activity, columns as above
    decisions = sweep_dask(table, as_of="2026-11-22")   # lazy, no shuffle
    decisions.to_parquet("s3://bucket/decisions/")      # each worker writes its own partitions

Start workers with one thread each (``--nthreads 1``) and as many processes as cores
(``--nworkers``): the engine runs under a per-process lock, so threads do not add throughput.

Give the worker processes :data:`WORKER_ENVIRONMENT` (``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_``, both 32 MiB). Dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``:
memory freed at the top of the heap goes back to the system at once and is faulted in again by the
next allocation, and setting any glibc malloc threshold also turns off glibc's dynamic mmap threshold
(every array above 128 KiB then comes from a fresh ``mmap``). Timed by hand on this project's 2-core
machine, the trim threshold made each engine run of a cold worker several times slower, and the
mmap threshold a warm sweep markedly slower per row. And :data:`WORKER_CONFIG` turns off the
workers' statistical profiler, which samples the stack of the running task every 10 ms under the
GIL (warm sweeps a little faster without it). Set both
in the Dask configuration of the machine that starts the workers (the nanny applies the environment
before it spawns them, and passes its configuration on)::

    # ~/.config/dask/lawbasis.yaml
    distributed:
      nanny:
        pre-spawn-environ:
          MALLOC_MMAP_THRESHOLD_: 33554432
          MALLOC_TRIM_THRESHOLD_: 33554432
      worker:
        profile:
          enabled: false

or in the environment of ``dask worker`` itself. 32 MiB is the ceiling glibc's own dynamic threshold
would reach.
Partitions of 100,000 to 1,000,000 rows keep per-partition overhead (one ``evaluate`` per new
combination, then cached) negligible.
"""

from __future__ import annotations

from lawbasis.tables.distributed import sweep_dask
from lawbasis.tables.files import check_output, count_rows, read_chunks, sweep_file, to_output
from lawbasis.tables.frame import (
    ACTIONS_TODAY,
    DECISION_COLUMNS,
    WORKER_CONFIG,
    WORKER_ENVIRONMENT,
    BulkEvaluator,
    add_period,
    evaluate_frame,
    evaluator,
    iter_sweep,
    parse_date_column,
)

__all__ = [
    "ACTIONS_TODAY",
    "DECISION_COLUMNS",
    "WORKER_CONFIG",
    "WORKER_ENVIRONMENT",
    "BulkEvaluator",
    "add_period",
    "check_output",
    "count_rows",
    "evaluate_frame",
    "evaluator",
    "iter_sweep",
    "parse_date_column",
    "read_chunks",
    "sweep_dask",
    "sweep_file",
    "to_output",
]
