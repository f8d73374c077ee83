"""CSV and Parquet tables streamed chunk by chunk through the evaluator (:func:`sweep_file`).

The file path stays in Arrow: pyarrow reads the table (a streaming CSV reader, or a Parquet file's
batches), only the columns the rules read become a pandas frame for the evaluator (text as
categories, dates as ``datetime64``), and pyarrow writes the input columns as they were read
followed by the decision columns. Reading the next chunk and writing the previous one run in
threads of their own beside the engine (pyarrow releases the GIL), so a sweep's time is mostly the
engine's: the distinct combinations it meets, then a few passes over each column.

Output columns and types
------------------------
The kept input columns come first, as read: from CSV every cell as text (empty cells empty), from
Parquet in the file's own types. Then :data:`~lawbasis.tables.frame.DECISION_COLUMNS`: text columns
(empty, or null in Parquet, where the decision has no value), ``objection_continues``,
``may_process`` and ``extended`` as booleans (``true``/``false`` in CSV), and ``retention_until`` as a
date (``YYYY-MM-DD`` in CSV, ``date32`` in Parquet; empty or null when unknown). In CSV every text
value is quoted (``"keep"``), as pyarrow writes it; booleans, dates and empty cells are not.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import io
import os
import queue
import secrets
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lawbasis.core.errors import InputError
from lawbasis.tables.frame import _BOOL_COLUMNS, ACTIONS_TODAY, DECISION_COLUMNS, AnswerRows, BulkEvaluator, evaluator, field_of

if TYPE_CHECKING:
    import pyarrow as pa

# CSV bytes per block of the streaming reader: blocks are parsed in pyarrow's threads and gathered
# into chunks of ``chunksize`` rows. 1 MiB rather than 4: a lower peak for about the same time
# (measured by hand on 2026-11-26 on the bench's 1,000,000-row CSV: 236 MB against 284 MB)
_BLOCK = 1 << 20
# rows decided at a time by sweep_file, whatever the chunksize above it: memory holds three batches
# (being read, decided, written); a bigger batch saves a little time per row and costs memory
# (measured by hand on the same CSV: 288 MB at 50,000 rows, 356 MB at 200,000)
_BATCH = 50_000
# compressed CSV output pyarrow can write (the codec by suffix), and suffixes of compressions it cannot
_CODECS = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4", ".br": "brotli"}
_NOT_WRITABLE = frozenset({".xz", ".zip", ".tar", ".tgz"})


def read_chunks(path: str | Path, chunksize: int = 200_000) -> Iterator[pd.DataFrame]:
    """Read a CSV or Parquet table in chunks of about ``chunksize`` rows (every CSV column as text).

    A file that cannot be read as its suffix says (not UTF-8, ragged or empty CSV, corrupt Parquet,
    unreadable) is an InputError naming the file.
    """
    start = 0
    for chunk in read_tables(path, chunksize):
        frame = chunk.to_pandas(date_as_object=False)
        frame.index = pd.RangeIndex(start, start + len(frame))  # rows numbered in the file, as errors name them
        start += len(frame)
        yield frame


def read_tables(path: str | Path, chunksize: int = 200_000) -> Iterator[pa.Table]:
    """The table as pyarrow tables of ``chunksize`` rows (the last one shorter), in file order.

    CSV: every column as text, empty cells null. Parquet: the file's own types. An unreadable file
    is an InputError naming it (raised when the bad part is reached).
    """
    import pyarrow as pa

    path = Path(path)
    try:
        batches = _parquet_batches(path, chunksize) if _is_parquet(path) else _csv_batches(path)
        pending: list[pa.RecordBatch] = []
        rows = 0
        for batch in batches:
            pending.append(batch)
            rows += batch.num_rows
            while rows >= chunksize:
                table = pa.Table.from_batches(pending)
                yield table.slice(0, chunksize)
                rest = table.slice(chunksize)
                pending, rows = rest.to_batches(), rest.num_rows
        if rows:
            yield pa.Table.from_batches(pending)
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(path, exc) from None


def table_schema(path: str | Path) -> pa.Schema:
    """The columns of the table (as :func:`read_tables` gives them) without reading its rows."""
    import pyarrow as pa

    path = Path(path)
    try:
        if _is_parquet(path):
            import pyarrow.parquet as pq

            return pq.read_schema(path)
        return _csv_reader(path).schema
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(path, exc) from None


def _parquet_batches(path: Path, chunksize: int) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as source:
        yield from source.iter_batches(batch_size=chunksize)


def _csv_reader(path: Path) -> Any:
    """A streaming reader that gives every column as text (a CSV cell is text; the rules say what it means)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(block_size=_BLOCK)
    # a path as text: pyarrow decompresses by suffix (.csv.gz) only then
    names = pacsv.open_csv(str(path), read_options=read).schema.names  # the header (and one block, to infer types)
    convert = pacsv.ConvertOptions(column_types={name: pa.string() for name in names}, strings_can_be_null=True, null_values=[""])
    return pacsv.open_csv(str(path), read_options=read, convert_options=convert)


def _csv_batches(path: Path) -> Iterator[pa.RecordBatch]:
    yield from _csv_reader(path)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def _unreadable(path: Path, exc: Exception) -> InputError:
    allowed = "a Parquet file" if _is_parquet(path) else "a UTF-8 CSV file: a header row, then rows of as many fields"
    detail = getattr(exc, "strerror", None) or str(exc)
    if isinstance(exc, UnicodeDecodeError) or "invalid UTF8" in detail:
        detail = f"not UTF-8 ({detail})"
    elif detail.strip() == "Empty CSV file":
        detail = "empty: no header row"
    return InputError("table", str(path), allowed, f"cannot read it: {' '.join(detail.split())}")


def count_rows(path: str | Path) -> int | None:
    """Rows in a table file, cheaply (Parquet metadata; a line count for CSV)."""
    path = Path(path)
    try:
        if _is_parquet(path):
            import pyarrow as pa
            import pyarrow.parquet as pq

            try:
                return int(pq.ParquetFile(path).metadata.num_rows)
            except pa.ArrowException as exc:
                raise _unreadable(path, exc) from None
        with path.open("rb") as f:
            return max(sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1, 0)
    except OSError as exc:
        raise _unreadable(path, exc) from None


def check_output(source: str | Path, output: str | Path, field: str = "output") -> Path:
    """The file ``output`` will really be written to (symbolic links followed), or an InputError.

    Writing the input as it is being read would truncate it mid-read: the output may not be the
    source, however it is named (relative path, symbolic or hard link).
    """
    target = Path(os.path.realpath(output))
    if target.is_dir():
        raise InputError(field, str(output), "a file path to write", "a directory")
    try:
        same = os.path.samefile(source, target)
    except OSError:  # the output does not exist yet (or the source cannot be read: reported when read)
        same = False
    if same:
        raise InputError(field, str(output), f"a file other than the input {str(source)!r}", "the same file as the input")
    return target


# --- Arrow <-> the evaluator ----------------------------------------------------------------------


def evaluator_frame(table: pa.Table, start: int = 0, bulk: BulkEvaluator | None = None) -> pd.DataFrame:
    """The columns of ``table`` the rules of ``bulk`` (default: the built-in rules' evaluator) read,
    shaped for the evaluator: text as categories (hashed once, in Arrow), ISO dates as ``datetime64``
    where every cell of the column is one (otherwise the text, so the evaluator's error names the bad
    cell). Rows are numbered from ``start``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    bulk = bulk if bulk is not None else evaluator()
    read, dated = bulk.columns_read, frozenset([*bulk.date_keys, "as_of"])
    arrays: list[Any] = []
    names: list[str] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        bare = field_of(name)
        if bare not in read:
            continue
        kind = column.type
        if bare in dated:
            if pa.types.is_string(kind) or pa.types.is_large_string(kind):
                with contextlib.suppress(pa.ArrowInvalid):
                    column = pc.cast(column, pa.date32())
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            column = pc.dictionary_encode(column)
        arrays.append(column)
        names.append(name)
    frame = pa.Table.from_arrays(arrays, names=names).to_pandas(date_as_object=False)
    frame.index = pd.RangeIndex(start, start + len(table))
    return frame


def answer_arrays(rows: AnswerRows, *, plain: bool) -> list[pa.Array]:
    """The decision columns of :meth:`BulkEvaluator.answer_rows`' numbers as Arrow arrays (see "Output
    columns and types"): each text column a dictionary array whose indices are the answer numbers and
    whose dictionary is the column's value per answer (no pass over text per row); ``plain`` turns them
    into ordinary strings (Parquet), else they stay dictionary-encoded (CSV writes the text). None is
    empty, and in CSV an empty string too ("no bases stopped" and "no value" are both an empty cell, as
    pandas wrote them)."""
    import pyarrow as pa

    out: list[pa.Array] = []
    for name in DECISION_COLUMNS:
        if name == "retention_until":
            until = rows.until.astype("datetime64[D]")
            out.append(pa.array(until.view(np.int64).astype(np.int32), type=pa.date32(), mask=np.isnat(until)))
        elif name in _BOOL_COLUMNS:
            out.append(pa.array(rows.per_answer[name][rows.answers]))
        else:
            values = rows.per_answer[name].tolist()
            empty = np.array([v is None or (not plain and v == "") for v in values], dtype=bool)
            indices = pa.array(rows.answers.astype(np.int32), mask=empty[rows.answers])
            dictionary = pa.array(["" if e else v for v, e in zip(values, empty, strict=True)], type=pa.string())
            array = pa.DictionaryArray.from_arrays(indices, dictionary)
            out.append(array.cast(pa.string()) if plain else array)
    return out


def decision_schema(*, plain: bool) -> list[pa.Field]:
    import pyarrow as pa

    text = pa.string() if plain else pa.dictionary(pa.int32(), pa.string())
    kinds = {**dict.fromkeys(_BOOL_COLUMNS, pa.bool_()), "retention_until": pa.date32()}
    return [pa.field(name, kinds.get(name, text)) for name in DECISION_COLUMNS]


# --- the sweep ------------------------------------------------------------------------------------


class _Worker:
    """A thread that runs ``step`` on each item put to it, in order, one at a time: :meth:`put` waits
    until the previous item is done (so memory holds one item in the thread, not a queue of them).

    An exception in the thread is raised in the caller at its next :meth:`put` or at :meth:`finish`.
    """

    def __init__(self, step: Callable[[Any], None]) -> None:
        self._step = step
        self._items: queue.Queue[Any] = queue.Queue()
        self._idle = threading.Semaphore(1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="lawbasis-sweep-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._items.get()
            if item is _END:
                return
            if self._error is None:
                try:
                    self._step(item)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
                    self._error = exc
            del item
            self._idle.release()

    def put(self, item: Any) -> None:
        self._idle.acquire()
        self._raise()
        self._items.put(item)

    def finish(self) -> None:
        self._items.put(_END)
        self._thread.join()
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error


_END = object()


class _Prefetch:
    """The items of ``items``, produced by a thread (started at once) one ahead of the consumer: the
    next is read while the consumer works on the last (memory: two items); an exception in the thread
    is raised in the consumer."""

    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items
        self._found: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._wanted = threading.Semaphore(1)  # the next item may be read
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="lawbasis-sweep-reader", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            while self._wait():
                item = next(self._items, _END)
                if item is _END:
                    self._found.put(("end", None))
                    return
                self._found.put(("item", item))
                del item
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            self._found.put(("error", exc))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()  # the reader's file, in this thread, where the generator runs

    def _wait(self) -> bool:
        """Until the consumer has taken the last item (True) or stopped (False)."""
        while not self._stop.is_set():
            if self._wanted.acquire(timeout=0.05):
                return not self._stop.is_set()
        return False

    def __iter__(self) -> Iterator[Any]:
        while True:
            kind, item = self._found.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            self._wanted.release()  # read the next one while this one is worked on
            yield item
            del item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def sweep_file(
    source: str | Path,
    output: str | Path,
    as_of: str | _dt.date | None = None,
    *,
    rules_dir: str | Path | None = None,
    rules: Sequence[str | Path] | None = None,
    chunksize: int = 200_000,
    keep: Iterable[str] | None = (),
    progress: Any = None,
) -> dict[str, int]:
    """Stream ``source`` (CSV or Parquet) through the rules into ``output`` (CSV or Parquet, by suffix).

    Memory is bounded by ``chunksize``: three chunks at most are held (being read, decided, written),
    of ``min(chunksize, 50000)`` rows each.
    ``keep`` names input columns to copy in front of the decisions; None copies every input column
    whose name is not a decision column. ``progress`` is called with each chunk's row count.
    Returns the number of rows per ``action_today``. The rows go to a hidden file beside ``output``
    that replaces it once every row is decided: a failed sweep leaves ``output`` as it was. Column
    types: see the module documentation.
    """
    target = check_output(source, output)
    parquet = _is_parquet(Path(output))
    if not parquet and target.suffix.lower() in _NOT_WRITABLE:
        allowed = f"a .csv file, compressed as {', '.join(f'.csv{s}' for s in _CODECS)}, or .parquet"
        raise InputError("output", str(output), allowed, f"cannot write {target.suffix} compression")
    # hidden, and ending in the output's own name (its suffix says the compression)
    part = target.with_name(f".part-{secrets.token_hex(4)}-{target.name}")
    try:
        part.open("xb").close()  # an unwritable output fails now, not after the first chunk
        if target.exists():
            shutil.copymode(target, part)
    except OSError as exc:
        _remove(part)
        raise InputError("output", str(output), "a path where a file can be written", f"cannot write: {exc.strerror or exc}") from None
    counts = dict.fromkeys(ACTIONS_TODAY, 0)
    chunks = _Prefetch(read_tables(source, min(chunksize, _BATCH)))  # reading starts now, beside the engine's start
    sink = _Sink(part, parquet)
    done = False
    try:
        try:
            bulk = evaluator(rules_dir, rules)
            schema = None
            start = 0
            for chunk in chunks:
                decided = bulk.answer_rows(evaluator_frame(chunk, start, bulk), as_of)
                start += chunk.num_rows
                columns = _kept(chunk.column_names, keep)
                per_action = np.bincount(decided.answers, minlength=len(decided.per_answer["action_today"]))
                for action, number in zip(decided.per_answer["action_today"].tolist(), per_action.tolist(), strict=True):
                    counts[str(action)] += number
                arrays = [chunk.column(c) for c in columns] + answer_arrays(decided, plain=parquet)
                if schema is None:
                    schema = _schema(chunk.schema, columns, parquet)
                sink.put(_table(arrays, schema))
                if progress is not None:
                    progress(chunk.num_rows)
                del chunk, decided, arrays  # not alive while the next chunk is decided
            if schema is None:  # an empty table still gets a header
                found = table_schema(source)
                schema = _schema(found, _kept(found.names, keep), parquet)
                sink.put(schema.empty_table())
            sink.finish()
        except BaseException:
            sink.abort()
            raise
        finally:
            chunks.close()
        os.replace(part, target)
        done = True
    except OSError as exc:  # reading errors are InputErrors already: this is the output (disk full, say)
        raise InputError("output", str(output), "a path where a file can be written", f"cannot write: {exc.strerror or exc}") from None
    finally:
        if not done:
            _remove(part)
    return counts


def _kept(names: list[str], keep: Iterable[str] | None) -> list[str]:
    if keep is None:
        return [c for c in names if c not in DECISION_COLUMNS]
    columns = list(keep)
    for name in columns:
        if name not in names:
            raise InputError("keep", name, f"columns of the table ({', '.join(names)})", "unknown column")
    return columns


def _schema(found: pa.Schema, columns: list[str], parquet: bool) -> pa.Schema:
    import pyarrow as pa

    return pa.schema([*(found.field(c) for c in columns), *decision_schema(plain=parquet)])


def _table(arrays: list[Any], schema: pa.Schema) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_arrays(arrays, schema=schema)


class _Sink:
    """The output file, written in a thread of its own (pyarrow releases the GIL while it writes)."""

    def __init__(self, path: Path, parquet: bool) -> None:
        self._path = path
        self._parquet = parquet
        self._writer: Any = None
        self._stream: Any = None
        self._worker = _Worker(self._write)

    def put(self, table: pa.Table) -> None:
        self._worker.put(table)

    def _write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._open(table.schema)
        self._writer.write_table(table)

    def _open(self, schema: pa.Schema) -> None:
        import pyarrow as pa

        if self._parquet:
            import pyarrow.parquet as pq

            self._writer = pq.ParquetWriter(self._path, schema)
            return
        import pyarrow.csv as pacsv

        codec = _CODECS.get(self._path.suffix.lower())
        self._stream = pa.CompressedOutputStream(str(self._path), codec) if codec else pa.OSFile(str(self._path), "wb")
        # the header as people write it (a name quoted only when it must be); pyarrow would quote every name
        line = io.StringIO()
        csv.writer(line, lineterminator="\n").writerow(schema.names)
        self._stream.write(line.getvalue().encode("utf-8"))
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        self._writer = pacsv.CSVWriter(self._stream, schema, write_options=options)

    def finish(self) -> None:
        """Write what is queued and close the file; a failed write raises here."""
        try:
            self._worker.finish()
        finally:
            self._close()

    def abort(self) -> None:
        """Stop (the sweep failed): close the file without raising; it is removed."""
        with contextlib.suppress(Exception):
            self._worker.finish()
        with contextlib.suppress(Exception):
            self._close()

    def _close(self) -> None:
        writer, stream, self._writer, self._stream = self._writer, self._stream, None, None
        if writer is not None:
            writer.close()
        if stream is not None:
            stream.close()


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):  # not there (or its directory is not): nothing to clean
        path.unlink()


def to_output(decided: pd.DataFrame) -> pd.DataFrame:
    """Decisions as pandas writes them to files: ``retention_until`` as an ISO date string (empty when unknown)."""
    out = decided.copy()
    until = decided["retention_until"].to_numpy().astype("datetime64[D]")
    text = np.datetime_as_string(until, unit="D").astype(object)
    text[np.isnat(until)] = None
    out["retention_until"] = text
    return out


__all__ = [
    "answer_arrays",
    "check_output",
    "count_rows",
    "evaluator_frame",
    "read_chunks",
    "read_tables",
    "sweep_file",
    "table_schema",
    "to_output",
]
