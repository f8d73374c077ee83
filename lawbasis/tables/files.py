"""CSV and Parquet tables streamed chunk by chunk through the evaluator (:func:`sweep_file`)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lawbasis.core.errors import InputError
from lawbasis.tables.frame import ACTIONS_TODAY, DECISION_COLUMNS, iter_sweep


def read_chunks(path: str | Path, chunksize: int = 200_000) -> Iterator[pd.DataFrame]:
    """Read a CSV or Parquet table in chunks of about ``chunksize`` rows (dates stay strings in CSV).

    A file that cannot be read as its suffix says (not UTF-8, ragged or empty CSV, corrupt Parquet,
    unreadable) is an InputError naming the file.
    """
    path = Path(path)
    if _is_parquet(path):
        import pyarrow as pa
        import pyarrow.parquet as pq

        start = 0
        try:
            with pq.ParquetFile(path) as source:
                for batch in source.iter_batches(batch_size=chunksize):
                    frame = batch.to_pandas(date_as_object=False)
                    frame.index = pd.RangeIndex(start, start + len(frame))
                    start += len(frame)
                    yield frame
        except (OSError, pa.ArrowException) as exc:
            raise _unreadable(path, exc) from None
        return
    try:
        with pd.read_csv(path, chunksize=chunksize, dtype=str, keep_default_na=False, na_values=[""]) as reader:
            yield from reader
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _unreadable(path, exc) from None


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def _unreadable(path: Path, exc: Exception) -> InputError:
    allowed = "a Parquet file" if _is_parquet(path) else "a UTF-8 CSV file: a header row, then rows of at most as many fields"
    detail = getattr(exc, "strerror", None) or str(exc)
    if isinstance(exc, UnicodeDecodeError):
        detail = f"not UTF-8 ({exc})"
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

    Memory is bounded by ``chunksize``. ``progress`` is called with each chunk's row count.
    Returns the number of rows per ``action_today``. The rows go to a hidden file beside ``output``
    that replaces it once every row is decided: a failed sweep leaves ``output`` as it was.
    """
    target = check_output(source, output)
    parquet = _is_parquet(Path(output))
    # hidden, and ending in the output's own name: pandas infers compression (.csv.gz) from it
    part = target.with_name(f".part-{secrets.token_hex(4)}-{target.name}")
    try:
        part.open("xb").close()  # an unwritable output fails now, not after the first chunk
        if target.exists():
            shutil.copymode(target, part)
    except OSError as exc:
        _remove(part)
        raise InputError("output", str(output), "a path where a file can be written", f"cannot write: {exc.strerror or exc}") from None
    counts = dict.fromkeys(ACTIONS_TODAY, 0)
    writer: Any = None
    first = True
    done = False
    try:
        try:
            for decided in iter_sweep(read_chunks(source, chunksize), as_of, rules_dir=rules_dir, rules=rules, keep=keep):
                for action, number in decided["action_today"].value_counts().items():
                    counts[str(action)] += int(number)
                if parquet:
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    table = pa.Table.from_pandas(to_output(decided), preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(part, table.schema)
                    writer.write_table(table)
                else:
                    to_output(decided).to_csv(part, mode="w" if first else "a", header=first, index=False)
                first = False
                if progress is not None:
                    progress(len(decided))
            if first:  # an empty table still gets a header
                empty = pd.DataFrame(columns=[*(keep or ()), *DECISION_COLUMNS])
                if parquet:
                    empty.to_parquet(part, index=False)
                else:
                    empty.to_csv(part, index=False)
        finally:
            if writer is not None:
                writer.close()
        os.replace(part, target)
        done = True
    except OSError as exc:  # reading errors are InputErrors already: this is the output (disk full, say)
        raise InputError("output", str(output), "a path where a file can be written", f"cannot write: {exc.strerror or exc}") from None
    finally:
        if not done:
            _remove(part)
    return counts


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):  # not there (or its directory is not): nothing to clean
        path.unlink()


def to_output(decided: pd.DataFrame) -> pd.DataFrame:
    """Decisions as written to files: ``retention_until`` as an ISO date string (empty when unknown)."""
    out = decided.copy()
    until = decided["retention_until"].to_numpy().astype("datetime64[D]")
    text = np.datetime_as_string(until, unit="D").astype(object)
    text[np.isnat(until)] = None
    out["retention_until"] = text
    return out
