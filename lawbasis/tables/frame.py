"""Deciding one pandas table of activities: the grouping evaluator behind :mod:`lawbasis.bulk` (read its
documentation for how rows are grouped and why every answer is ``evaluate()``'s)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lawbasis.core.activity import SCHEDULED_EVENTS
from lawbasis.core.calendar import LAST_DAY, Period, window_overflow
from lawbasis.core.decision import CONCLUSIONS, Decision, conclusions
from lawbasis.core.errors import InputError, LawbasisError
from lawbasis.core.vocabulary import BUILTIN, KINDS, Vocabulary, anchor_parts
from lawbasis.engine.host import Engine, default_engine


def discrete_fields(vocabulary: Vocabulary = BUILTIN) -> dict[str, Any]:
    """The discrete columns of a table (everything but the dates and ``as_of``) with the value of an absent column.

    A field that mirrors another (``data_subject``) has None: absent, it follows the other (None is
    never passed to the engine).
    """
    return {"policy": None, "purpose": None, **{f.name: None if f.mirrors else f.default for f in vocabulary.fields.values()}}


#: The discrete fields of the built-in vocabulary with their defaults (an engine's own: ``BulkEvaluator.fields``).
DISCRETE_FIELDS: dict[str, Any] = discrete_fields()
BOOL_FIELDS = tuple(k for k, v in DISCRETE_FIELDS.items() if isinstance(v, bool))

#: The conclusion columns of a decision (:data:`lawbasis.explore.CONCLUSIONS`) without the objection's reason.
DECISION_COLUMNS = tuple(c for c in CONCLUSIONS if c != "objection_reason")
#: The values of ``action_today``: the vocabulary of the rules' ``today`` conclusion.
ACTIONS_TODAY: tuple[str, ...] = KINDS["today"]["action"] or ()
#: Environment for Dask worker processes (see "Running on a cluster" in :mod:`lawbasis.bulk`).
WORKER_ENVIRONMENT: Mapping[str, str] = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "33554432"}
#: Dask configuration for the worker processes (see "Running on a cluster" in :mod:`lawbasis.bulk`).
WORKER_CONFIG: Mapping[str, Any] = {"distributed.worker.profile.enabled": False}

# a group's window status: None when no retention fact (no window), else the engine's statuses
_STATUSES: tuple[str | None, ...] = (None, *(KINDS["window"]["status"] or ()))
_STATUS_CODES = {status: i for i, status in enumerate(_STATUSES)}

_NAT = np.datetime64("NaT", "D")
_NAT_TICKS = np.iinfo(np.int64).min  # NaT as int64
# datetime.date's range: numpy's datetime64 reaches far past it, so the vectorised calendar checks it
_FIRST_DAY, _LAST_DAY = np.datetime64(_dt.date.min, "D"), np.datetime64(LAST_DAY, "D")
# the date-free columns, copied from each row's answer; retention_until is computed per row
_FIXED = tuple(c for c in DECISION_COLUMNS if c != "retention_until")
_BOOL_COLUMNS = ("objection_continues", "may_process", "extended")
_TEXT_COLUMNS = tuple(c for c in _FIXED if c not in _BOOL_COLUMNS)  # object columns, in output order


# --- vectorised calendar (same arithmetic as lawbasis.core.calendar) ------------------------------------


def _per_day(start: np.ndarray, compute: Callable[[np.ndarray], np.ndarray], missing: Any = _NAT) -> np.ndarray:
    """``compute`` (a function of each day alone) for every element of ``start`` (datetime64[D]); NaT gives ``missing``.

    A column of a large table repeats a few thousand days: computed once per day of the span they
    cover and looked up per row, instead of the calendar conversions per row.
    """
    ticks = start.view(np.int64)
    known = ticks != _NAT_TICKS
    if len(start) < 4096 or not known.any():
        return np.where(known, compute(start), missing)
    low = _earliest(ticks)
    high = int(ticks.max())  # NaT is the smallest int64
    if high - low >= len(start) // 2:  # days too spread to repeat: no gain
        return np.where(known, compute(start), missing)
    table = np.append(compute(np.arange(low, high + 1).astype("datetime64[D]")), np.array([missing]).astype(np.asarray(missing).dtype))
    # NaT - low wraps to a number no smaller than the span as unsigned: it looks up the last entry, ``missing``
    at = np.minimum((ticks - low).view(np.uint64), np.uint64(high - low + 1))
    out: np.ndarray = table[at]
    return out


def _earliest(ticks: np.ndarray) -> int:
    """The smallest day of int64 day numbers holding at least one that is not NaT (NaT - 1 wraps to the largest
    int64, so one plain minimum skips it; faster than a masked one)."""
    return int((ticks - 1).min()) + 1


def add_period(start: np.ndarray, period: Period) -> np.ndarray:
    """``start`` (datetime64[D]) plus ``period``: calendar months clamped to the month's last day, then days.

    Equal to ``Period.add_to`` element by element; NaT stays NaT.
    """
    return _per_day(np.asarray(start, dtype="datetime64[D]"), lambda days: _add_period(days, period))


def _add_period(start: np.ndarray, period: Period) -> np.ndarray:
    months = period.years * 12 + period.months
    if months:
        month = start.astype("datetime64[M]")
        first = month.astype("datetime64[D]")
        day = (start - first).astype(np.int64)  # 0-based day of month
        target = month + np.timedelta64(months, "M")
        target_first = target.astype("datetime64[D]")
        length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - target_first).astype(np.int64)
        start = target_first + np.minimum(day, length - 1)
    if period.days:
        start = start + np.timedelta64(period.days, "D")
    return start


def _round_up(days: np.ndarray, rounding: str | None) -> np.ndarray:
    """The last day of each day's year (``end_of_year``) or month (``end_of_month``); None leaves the days as they are."""
    if rounding is None:
        return days
    if rounding == "end_of_year":
        following = days.astype("datetime64[Y]") + np.timedelta64(1, "Y")
    else:
        following = days.astype("datetime64[M]") + np.timedelta64(1, "M")
    last: np.ndarray = following.astype("datetime64[D]") - np.timedelta64(1, "D")
    return last


def _anchor_source(anchor: str) -> str:
    """The ``dates`` key an anchor reads (``end_of_year(KEY)``: KEY; a named anchor: the key it names)."""
    return anchor_parts(anchor, BUILTIN.anchors)[0]


def _anchor_and_period(anchor: str, period: Period, days: np.ndarray) -> np.ndarray:
    """The window end for anchor dates read from the anchor's source column (rounded first where the anchor says so)."""
    return _add_period(_round_up(days, anchor_parts(anchor, BUILTIN.anchors)[1]), period)


def anchor_dates(anchor: str, dates: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The date an anchor names, per row (NaT where unknown); None if the table lacks its column.

    The same as :func:`lawbasis.core.calendar.anchor_date`: a ``dates`` key, the end of the year or
    month of one (``end_of_year(KEY)``, ``end_of_month(KEY)``), or a named anchor.
    """
    source, rounding = anchor_parts(anchor, BUILTIN.anchors)
    base = dates.get(source)
    if base is None or rounding is None:
        return base
    return _per_day(base, lambda days: _round_up(days, rounding))  # one pass per distinct day


def parse_date_column(name: str, column: pd.Series) -> np.ndarray:
    """A column of ISO dates (strings, ``date`` or ``datetime64``, numpy- or Arrow-backed) as datetime64[D];
    empty cells are NaT."""
    if isinstance(column.dtype, pd.ArrowDtype) and pa.types.is_timestamp(column.dtype.pyarrow_dtype):
        # read_parquet(dtype_backend="pyarrow"), Dask: the same instants as numpy datetimes
        if column.dtype.pyarrow_dtype.tz is not None:
            raise InputError(f"dates.{name}", str(column.dtype), "an ISO date YYYY-MM-DD", "a datetime is not a date")
        column = column.astype(f"datetime64[{column.dtype.pyarrow_dtype.unit}]")
    if pd.api.types.is_datetime64_any_dtype(column.dtype) and not isinstance(column.dtype, pd.ArrowDtype):
        return _from_datetimes(name, column)
    if isinstance(column.dtype, pd.CategoricalDtype):
        # each category parsed once, at the first row that holds it (so an error names that row)
        codes = column.cat.codes.to_numpy()
        used, first = np.unique(codes, return_index=True)
        first, used = first[used >= 0], used[used >= 0]
        out_table = np.full(len(column.cat.categories) + 1, _NAT)  # the last entry is for empty cells (code -1)
        if len(used):
            texts = pd.Series(np.asarray(column.cat.categories, dtype=object)[used], index=column.index[first], dtype=object)
            out_table[used] = parse_date_column(name, texts)
        parsed: np.ndarray = out_table[codes]
        return parsed
    fast = _from_arrow(column)
    if fast is not None:
        return fast
    return _parse_slowly(name, column)


def _from_datetimes(name: str, column: pd.Series) -> np.ndarray:
    values = column.to_numpy()
    if getattr(column.dt, "tz", None) is not None:
        raise InputError(f"dates.{name}", str(column.dtype), "an ISO date YYYY-MM-DD", "a datetime is not a date")
    unit, count = np.datetime_data(values.dtype)
    ticks = values.view(np.int64)
    nat = ticks == _NAT_TICKS
    if unit in ("D", "W", "M", "Y"):  # no time of day to refuse
        out: np.ndarray = values.astype("datetime64[D]")
    else:
        per_day = int(np.timedelta64(1, "D") // np.timedelta64(count, unit))  # type: ignore[call-overload]
        days = ticks // per_day  # floor division: an instant before 1970 stays on its own day
        # a time of day shows as a day that does not convert back to the same instant (cheaper than %)
        bad = days * per_day != ticks
        bad &= ~nat
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"dates.{name}", str(values[i]), "an ISO date YYYY-MM-DD", f"a datetime is not a date (row {column.index[i]!r})"
            )
        if nat.any():
            days[nat] = _NAT_TICKS
        out = days.view("datetime64[D]")
    if unit != "ns" and not nat.all():  # nanoseconds reach 1677-2262 only
        day_ticks = out.view(np.int64)
        low = _earliest(day_ticks)
        if low < _FIRST_DAY.astype(np.int64) or day_ticks.max() > _LAST_DAY.astype(np.int64):  # NaT is the smallest int64
            outside = (out < _FIRST_DAY) | (out > _LAST_DAY)  # NaT compares false
            i = int(np.flatnonzero(outside)[0])
            raise InputError(f"dates.{name}", str(out[i]), "an ISO date YYYY-MM-DD", f"year outside 1-9999 (row {column.index[i]!r})")
    return out


def _from_arrow(column: pd.Series) -> np.ndarray | None:
    """Text or ``date`` cells parsed in C by Arrow (strict ``YYYY-MM-DD``), or None when a cell needs a
    closer look: then :func:`_parse_slowly` finds it and says what is wrong with it."""
    try:
        if isinstance(column.dtype, pd.StringDtype) or isinstance(column.dtype, pd.ArrowDtype):
            array = pa.array(column.array)
        elif column.dtype == object:
            # what the cells are, asked in C; Arrow alone would read a datetime after a date as that date
            values = column.to_numpy()
            kind = pd.api.types.infer_dtype(values, skipna=True)
            if kind == "empty":
                return np.full(len(column), _NAT)
            if kind == "string":
                array = pa.array(values, type=pa.string(), from_pandas=True)
            elif kind == "date" and set(map(type, values)) <= {_dt.date, type(None)}:  # read_csv(engine="pyarrow")
                array = pa.array(values, type=pa.date32(), from_pandas=True)
            else:
                return None
        else:
            return None
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type) or pa.types.is_date64(array.type):
            array = pc.cast(array, pa.date32())
        elif not (pa.types.is_date32(array.type) or pa.types.is_null(array.type)):
            return None  # datetimes, numbers, mixed types
        days = array.to_numpy(zero_copy_only=False) if not pa.types.is_null(array.type) else np.full(len(column), _NAT)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    days = np.asarray(days, dtype="datetime64[D]")
    if ((days < _FIRST_DAY) | (days > _LAST_DAY)).any():  # year 0000 and such: datetime.date says why
        return None
    return days


def _parse_slowly(name: str, column: pd.Series) -> np.ndarray:
    """The cell-by-cell parse, kept for columns Arrow refused: it names the first bad cell's row and problem."""
    present = column.notna().to_numpy().copy()
    if column.dtype == object:
        present &= (column != "").to_numpy()
    out = np.full(len(column), _NAT)
    if not present.any():
        return out
    values = column[present]
    textual = isinstance(values.dtype, pd.StringDtype) or pd.api.types.infer_dtype(values, skipna=True) == "string"
    if textual:
        ok = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool)
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise InputError(f"dates.{name}", values.iloc[i], "an ISO date YYYY-MM-DD", f"not an ISO date (row {values.index[i]!r})")
        try:
            days = np.array(values.to_numpy(dtype=str), dtype="datetime64[D]")
        except ValueError:
            days = np.array([_NAT])  # numpy refused one: find it below
        if ((days < _FIRST_DAY) | (days > _LAST_DAY) | np.isnat(days)).any():  # year 0000 included
            for index, text in values.items():
                try:
                    _dt.date.fromisoformat(text)
                except ValueError:
                    raise InputError(f"dates.{name}", text, "an ISO date YYYY-MM-DD", f"impossible date (row {index!r})") from None
        if len(days) != len(values):  # pragma: no cover - numpy and datetime agree on what a date is
            raise AssertionError(f"dates.{name}: numpy refused a date datetime.date accepts")
        out[present] = days
        return out
    for index, value in values.items():
        if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date | str):
            raise InputError(f"dates.{name}", value, "an ISO date YYYY-MM-DD", f"wrong type {type(value).__name__} (row {index!r})")
    return parse_date_column(name, values.map(lambda v: v if isinstance(v, str) else v.isoformat()).reindex(column.index))


# --- the evaluator -------------------------------------------------------------------------------


class _Window:
    """The window the rules chose for one key, as the engine's calendar step saw it."""

    __slots__ = ("status", "period", "anchor", "cuts")

    def __init__(self, status: str | None, period: Period | None, anchor: str | None, cuts: tuple[str, ...]) -> None:
        self.status = status  # None: no retention fact, no window; else the representative's status
        self.period = period
        self.anchor = anchor
        self.cuts = cuts

    @classmethod
    def of(cls, decision: Decision) -> _Window:
        """The window of a decision: its status and cut dates as the calendar step left them on ``Retention``."""
        r = decision.retention
        if r.status is None:
            return cls(None, None, None, ())
        usable = r.period is not None and r.from_ is not None
        return cls(r.status, Period.parse(r.period) if usable and r.period else None, r.from_ if usable else None, r.cuts)

    @property
    def per_row(self) -> bool:
        return self.status in ("open", "closed")


class _Codes:
    """One table's facts as small integer codes per row: what its rows' keys are made of."""

    __slots__ = ("codes", "values", "dates", "as_of", "when", "duties", "event", "event_table", "index", "duty_rows")

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.codes: dict[str, np.ndarray] = {}  # discrete field -> code per row (into values)
        self.values: dict[str, list[Any]] = {}  # discrete field -> its normalised distinct values
        self.dates: dict[str, np.ndarray] = {}  # date key -> datetime64[D] per row (NaT: not given)
        self.as_of = np.empty(0, dtype="datetime64[D]")
        self.when: dict[str, np.ndarray] = {}  # date key -> 0 not given, 1 after as_of, 2 on or before it
        self.duties: dict[tuple[str, str], np.ndarray] = {}  # statutory duty -> 0 unknown, 1 running, 2 ended
        # rows with a withdrawal or objection after as_of: the same date and duty codes as of that date,
        # numbered per table (0: none); event_table gives each number's codes in the evaluator's column order
        self.event = np.empty(0, dtype=np.int64)
        self.event_table = np.empty((1, 0), dtype=np.int64)
        self.duty_rows: dict[tuple[str, str], np.ndarray | None] | None = None  # BulkEvaluator._duty_rows, once per table


def _fixed(decision: Decision) -> tuple[Any, ...]:
    """The date-free columns of one decision: the same flattening as the exploration grid."""
    columns = conclusions(decision)
    return tuple(columns[name] for name in _FIXED)


def _code_of_day(dates: np.ndarray, days: np.ndarray) -> np.ndarray:
    """0 where the date is not given, 1 where it is after ``days``, 2 where it is on or before."""
    code: np.ndarray = (~np.isnat(dates)).view(np.int8) + (dates <= days).view(np.int8)  # NaT compares false
    return code


def field_of(column: Any) -> Any:
    """The field a column holds: its name, less a ``dates.`` prefix (a date key may be given either way)."""
    return column[6:] if isinstance(column, str) and column.startswith("dates.") else column


def columns_read(vocabulary: Vocabulary = BUILTIN) -> frozenset[str]:
    """The fields a table's columns are read for: the discrete fields, the date keys and ``as_of``."""
    return frozenset([*discrete_fields(vocabulary), *vocabulary.date_keys, "as_of"])


def _column_names(frame: pd.DataFrame, read: frozenset[str], date_keys: Sequence[str]) -> dict[Any, Any]:
    """Field name -> the frame's column for it (bare or ``dates.``-prefixed); refuses duplicates of the columns
    ``read`` and a missing key field."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError("frame", frame, "a pandas DataFrame, one activity per row", f"wrong type {type(frame).__name__}")
    columns: dict[Any, Any] = {}
    for c in frame.columns:
        name = field_of(c)
        if name in columns and name in read:  # which of the two would be read is anybody's guess
            field = f"dates.{name}" if name in date_keys else str(name)
            raise InputError(field, [columns[name], c], "one column per field", "duplicate column")
        columns[name] = c
    for required in ("policy", "purpose"):
        if required not in columns:
            raise InputError(required, None, "a column of the table", "missing")
    return columns


def _discrete_codes(
    frame: pd.DataFrame, columns: Mapping[Any, Any], into: _Codes, fields: Mapping[str, Any], bool_fields: frozenset[str]
) -> None:
    """Codes per row of every discrete field (``fields``: name -> value of an absent column), values normalised
    once per distinct value."""
    n = len(frame)
    for field, default in fields.items():
        if field not in columns:  # a constant code: a read-only view, no memory per row
            into.codes[field], into.values[field] = np.broadcast_to(np.int64(0), (n,)), [default]
            continue
        column = frame[columns[field]]
        if column.dtype == bool:  # no hashing needed: the values are the codes
            into.codes[field], into.values[field] = column.to_numpy().view(np.int8), [False, True]
            continue
        try:
            raw_codes, uniques = _factorize(column)
        except TypeError:  # a cell holds an unhashable value (a list, a dict)
            index, value = next((i, v) for i, v in column.items() if not isinstance(v, Hashable))
            raise InputError(field, value, "a single value per cell", f"wrong type {type(value).__name__} (row {index!r})") from None
        canon: dict[tuple[type, Any], int] = {}
        lookup = np.empty(len(uniques) + 1, dtype=np.int64)
        found: list[Any] = []
        for j, value in enumerate([*uniques, default]):  # the last entry is for empty cells (code -1)
            value = _to_bool(value) if field in bool_fields else (default if isinstance(value, str) and value == "" else value)
            if isinstance(value, np.generic):
                value = value.item()
            k = (type(value), value)
            if k not in canon:
                canon[k] = len(found)
                found.append(value)
            lookup[j] = canon[k]
        identity = len(found) == len(uniques) + 1 and not (raw_codes < 0).any()  # nothing merged, no empty cells
        into.codes[field], into.values[field] = (raw_codes if identity else lookup[raw_codes]), found


def _factorize(column: pd.Series) -> tuple[np.ndarray, Sequence[Any]]:
    """Codes per row (-1: empty) and the distinct values; Arrow-backed text is dictionary-encoded by Arrow itself."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        array = pa.array(column.array)
        if isinstance(array, pa.ChunkedArray):  # one dictionary for the whole column (pd.concat, read_csv chunks)
            array = array.combine_chunks()
        encoded = pc.dictionary_encode(array)
        indices = encoded.indices
        codes = (indices.fill_null(-1) if indices.null_count else indices).to_numpy(zero_copy_only=False)
        return codes, encoded.dictionary.to_pylist()
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return np.asarray(codes), uniques


def _read_dates(
    frame: pd.DataFrame,
    columns: Mapping[Any, Any],
    as_of: str | _dt.date | None,
    into: _Codes,
    date_keys: Sequence[str],
    date_order: Iterable[tuple[str, str]],
) -> None:
    """The date columns of ``date_keys`` as datetime64[D], checked for order (``date_order``); ``as_of`` per row."""
    n = len(frame)
    dates = {key: parse_date_column(key, frame[columns[key]]) for key in date_keys if key in columns}
    for earlier, later in date_order:
        if earlier in dates and later in dates:
            wrong = dates[later] < dates[earlier]  # NaT compares false
            if wrong.any():
                i = int(np.flatnonzero(wrong)[0])
                raise InputError(
                    f"dates.{later}",
                    str(dates[later][i]),
                    f"a date on or after dates.{earlier} ({dates[earlier][i]})",
                    f"dates in the wrong order (row {frame.index[i]!r})",
                )
    default_as_of = _to_date(as_of) if as_of is not None else _dt.date.today()
    as_of_days = np.broadcast_to(np.datetime64(default_as_of, "D"), (n,))
    if "as_of" in columns:
        given = parse_date_column("as_of", frame[columns["as_of"]])
        as_of_days = np.where(np.isnat(given), as_of_days, given)
    into.dates, into.as_of = dates, as_of_days
    into.when = {k: _code_of_day(dates[k], as_of_days) for k in dates}


def _group_rows(radix: list[int], key_columns: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows grouped by key (one int64 code per row, mixed radix): each row's group, and each group's first row."""
    if not radix:
        inverse = np.zeros(n, dtype=np.int64)
    elif float(np.prod(np.array(radix, dtype=float))) < 2.0**62:
        # int32 where the codes fit: half the memory traffic of int64
        width: type[np.signedinteger[Any]] = np.int32 if float(np.prod(np.array(radix, dtype=float))) < 2.0**31 else np.int64
        key_codes: np.ndarray = np.zeros(n, dtype=width)
        for r, c in zip(radix, key_columns, strict=True):
            np.multiply(key_codes, r, out=key_codes)
            np.add(key_codes, c, out=key_codes, casting="same_kind")
        inverse = pd.factorize(key_codes)[0]  # hashing, O(n); groups numbered by first appearance
    else:  # pragma: no cover - thousands of distinct values in several columns
        inverse = pd.factorize(pd.MultiIndex.from_arrays(key_columns))[0]
    # groups are numbered by first appearance, so a group's first row is where the running maximum grows
    running = np.maximum.accumulate(inverse)
    first = np.flatnonzero(np.concatenate(([True], running[1:] > running[:-1])))
    return inverse, first


def _window_ends(window: _Window, dates: Mapping[str, np.ndarray], rows: np.ndarray, index: pd.Index) -> np.ndarray:
    """The engine's calendar step for many rows: anchor + period, cut short by the earliest cut date."""
    ends: list[np.ndarray] = []
    anchored = _anchored_end(window, dates, rows, index)
    if anchored is not None:
        ends.append(anchored)
    ends += [dates[c][rows] for c in window.cuts]
    if not ends:
        return np.full(len(rows), _NAT)
    end = ends[0]
    for other in ends[1:]:
        end = np.fmin(end, other)  # an unknown anchor leaves the cut dates alone, as in the engine
    return end


def _anchored_end(
    window: _Window, dates: Mapping[str, np.ndarray], rows: np.ndarray | None, index: pd.Index, mask: np.ndarray | None = None
) -> np.ndarray | None:
    """Anchor + period for ``rows`` (all rows when None; NaT where the anchor is unknown), None when the window has none.

    An end past 9999-12-31 is the engine's InputError (:func:`lawbasis.core.calendar.window_overflow`)
    for the first such row (among those ``mask`` marks): numpy would carry on to year 10002, and the
    answer would depend on whether that row was the one the engine saw.
    """
    if window.anchor is None or window.period is None:
        return None
    anchor, period = window.anchor, window.period
    source = _anchor_source(anchor)
    if source not in dates:
        return None
    column = dates[source] if rows is None else dates[source][rows]
    end = _per_day(column, lambda days: _anchor_and_period(anchor, period, days))  # one pass per distinct day
    over = end > _LAST_DAY  # NaT compares false
    if mask is not None:
        over &= mask
    if over.any():
        at = int(np.flatnonzero(over)[0])
        i = at if rows is None else int(rows[at])
        raise window_overflow(period.text, anchor, str(dates[source][i]), f" (row {index[i]!r})")
    return end


class AnswerRows(NamedTuple):
    """A table's decisions as numbers (:meth:`BulkEvaluator.answer_rows`): ``answers[i]`` is row i's answer
    number, ``until[i]`` its window end (``datetime64[D]``, NaT when unknown), and ``per_answer[column]``
    holds each decision column's value per answer number (``retention_until`` aside)."""

    answers: np.ndarray
    until: np.ndarray
    per_answer: dict[str, np.ndarray]


class BulkEvaluator:
    """Decides tables with one engine, caching the answer of every combination it has seen.

    Thread-safe: one table at a time, under a lock (the engine runs one session at a time anyway).
    Not picklable across processes: build one per process, as :func:`evaluator` does. What it learns
    (value numbers, the window of each key, the answer of each key and window status) only grows,
    except that a rejected table leaves none of its values or keys behind;
    none of it can change an answer, since every entry is what ``evaluate()`` concluded.
    """

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine if engine is not None else default_engine()
        vocabulary = self.engine.vocabulary
        #: the discrete columns read, with the value of an absent column (the engine's vocabulary)
        self.fields = discrete_fields(vocabulary)
        self._bool_fields = frozenset(f.name for f in vocabulary.fields.values() if f.type == "bool")
        self._date_keys = vocabulary.date_keys
        self._date_order = vocabulary.date_order
        self._read = columns_read(vocabulary)  # the columns evaluate_frame reads

        self._lock = threading.RLock()
        # every value seen in a discrete field of an accepted table gets a number for good, so a key
        # is a tuple of ints
        self._value_ids: dict[str, dict[tuple[type, Any], int]] = {field: {} for field in self.fields}
        self._values: dict[str, list[Any]] = {field: [] for field in self.fields}
        # the keys seen, numbered; per key: its discrete facts, the window the rules chose (its status:
        # that of the first row seen), the per-row window's number (-1 when the status is the same for
        # every row), the held window's (anchor, period) number (-1: none) and its answer id per
        # window status (-1: not yet seen). Kept as lists, mirrored in arrays for the per-row steps.
        self._groups: dict[bytes, int] = {}
        self._facts: list[dict[str, Any]] = []
        self._windows: list[_Window] = []
        self._group_spec: list[int] = []
        self._group_held: list[int] = []
        self._group_answers: list[list[int]] = []
        self._arrays: dict[str, np.ndarray] = {}
        self._specs: list[_Window] = []  # distinct per-row windows (anchor, period, cuts)
        self._spec_ids: dict[tuple[Any, ...], int] = {}
        self._held: list[tuple[str, Period]] = []  # distinct (anchor, period) of windows not decided per row
        self._held_ids: dict[tuple[str, Period], int] = {}
        # the statutory duties (period, anchor) of the loaded policies, and which policies have each
        self._duties: dict[tuple[str, str], frozenset[str]] = {}
        for info in self.engine.policies():
            for duty in self.engine.compiled(info.id).duties:
                self._duties[duty] = self._duties.get(duty, frozenset()) | {info.id}
        self._answers: list[tuple[Any, ...]] = []  # distinct date-free answers
        self._answer_ids: dict[tuple[Any, ...], int] = {}
        self._per_answer: dict[str, np.ndarray] = {}  # column values per answer id
        self.evaluations = 0  # how many times the engine ran (for benchmarks and tests)

    @property
    def columns_read(self) -> frozenset[str]:
        """The columns :meth:`evaluate_frame` reads (discrete fields, date keys, ``as_of``; dates also as ``dates.KEY``)."""
        return self._read

    @property
    def date_keys(self) -> tuple[str, ...]:
        """The date keys of this evaluator's vocabulary, in declared order."""
        return tuple(self._date_keys)

    def _value_id(self, field: str, value: Any) -> int:
        ids = self._value_ids[field]
        key = (type(value), value)
        found = ids.get(key)
        if found is None:
            found = ids[key] = len(self._values[field])
            self._values[field].append(value)
        return found

    def _answer_id(self, answer: tuple[Any, ...]) -> int:
        found = self._answer_ids.get(answer)
        if found is None:
            found = self._answer_ids[answer] = len(self._answers)
            self._answers.append(answer)
        return found

    # --- public entry -----------------------------------------------------------------------------

    def evaluate_frame(self, frame: pd.DataFrame, as_of: str | _dt.date | None = None) -> pd.DataFrame:
        """The decision columns for every row of ``frame`` (same index). See the module documentation.

        A table that is rejected leaves nothing behind: the values it numbered and the keys it
        added are forgotten, so bad tables cannot grow the evaluator.
        """
        with self._numbering(keep=True):
            answer_ids, until = self._rows(frame, as_of)
            if len(frame) == 0:
                return _meta().set_axis(frame.index)
            return self._output(answer_ids, until, frame.index)

    def answer_rows(self, frame: pd.DataFrame, as_of: str | _dt.date | None = None) -> AnswerRows:
        """What :meth:`evaluate_frame` computes before it builds the columns: each row's answer number,
        each row's window end, and every column's value per answer number (a file sweep builds Arrow
        columns from these without a pandas frame). The same errors, and the same "nothing left behind"."""
        with self._numbering(keep=True):
            answer_ids, until = self._rows(frame, as_of)
            return AnswerRows(answer_ids, until, dict(self._columns_per_answer()))

    def unknown_rows(self, frame: pd.DataFrame, as_of: str | _dt.date | None = None) -> pd.DataFrame:
        """The rows of ``frame``, one per combination, whose combination this evaluator has not seen:
        the rows :meth:`evaluate_frame` would send through the engine (a combination seen before with
        another window status aside). The engine does not run and nothing is kept. A table
        :meth:`evaluate_frame` refuses before deciding (a bad date, an unhashable cell) raises the same
        error; a value only the engine refuses (``consent: maybe``) is in a row given here, and refused
        when that row is decided."""
        with self._numbering(keep=False):
            table = self._coded(frame, as_of)
            if table is None:
                return frame.iloc[:0]
            _, first = self._group_rows(table)
            known = self._groups
            rows = [int(i) for i, key in zip(first.tolist(), self._keys(table, first), strict=True) if key not in known]
            return frame.iloc[rows]

    @contextlib.contextmanager
    def _numbering(self, *, keep: bool) -> Iterator[None]:
        """Under the lock: the values and keys numbered inside are forgotten if it raises, and also when it
        returns unless ``keep``."""
        with self._lock:
            sizes = {field: len(found) for field, found in self._values.items()}
            groups = len(self._groups)
            try:
                yield
            except BaseException:
                self._forget(sizes, groups)
                raise
            if not keep:
                self._forget(sizes, groups)

    def _forget(self, sizes: Mapping[str, int], groups: int) -> None:
        """Undo the numbering of a rejected table: values past ``sizes`` and keys past ``groups``."""
        # the keys hold the forgotten numbers, which the next table may give to other values; the
        # specs and answers added stay (what evaluate() concluded, looked up by content, few)
        for key in list(self._groups)[groups:]:
            del self._groups[key]
        for kept in (self._facts, self._windows, self._group_spec, self._group_held, self._group_answers):
            del kept[groups:]
        self._arrays.clear()
        for field, size in sizes.items():
            found, ids = self._values[field], self._value_ids[field]
            for value in found[size:]:
                del ids[(type(value), value)]
            del found[size:]

    def _coded(self, frame: pd.DataFrame, as_of: str | _dt.date | None) -> _Codes | None:
        """The frame's facts as codes per row (None for a frame without rows, once its columns are checked)."""
        columns = _column_names(frame, self._read, self._date_keys)
        if len(frame) == 0:
            return None
        table = _Codes(frame.index)
        _discrete_codes(frame, columns, table, self.fields, self._bool_fields)
        _read_dates(frame, columns, as_of, table, self._date_keys, self._date_order)
        self._derived_codes(table)
        return table

    def _rows(self, frame: pd.DataFrame, as_of: str | _dt.date | None) -> tuple[np.ndarray, np.ndarray]:
        """Each row's answer number and window end (the steps of :meth:`evaluate_frame` but the columns)."""
        table = self._coded(frame, as_of)
        if table is None:
            return np.zeros(0, dtype=np.int64), np.full(0, _NAT)
        # 1. group rows by key: discrete facts + the date codes (one int64 code per row)
        inverse, first = self._group_rows(table)
        ids = self._group_ids(table, first)
        # 2. each row's window end and status, computed once per distinct window over its rows
        until, status = self._ends(table, ids, inverse)
        self._check_held(table, ids, inverse)
        # 3. each row's answer: its group's answer for its status (the engine decides a pair never seen)
        return self._answers_of(table, ids, inverse, status), until

    # --- steps of _rows ---------------------------------------------------------------------

    def _derived_codes(self, table: _Codes) -> None:
        """What the engine derives from the dates before the rules run: each statutory duty's status on
        as_of, and for rows with a withdrawal or objection after as_of, the same codes as of that date."""
        dates = table.dates
        table.duties = self._duty_codes(table)
        scheduled = np.zeros(len(table.index), dtype=bool)
        for event in SCHEDULED_EVENTS:
            if event in table.when:
                scheduled |= table.when[event] == 1
        rows = np.flatnonzero(scheduled)
        table.event = np.zeros(len(table.index), dtype=np.int64)
        # a key has the same width in every table (none scheduled: all zeros), so a combination has one key
        # whether or not its table holds scheduled events, and keys travel between evaluators (import_knowledge)
        table.event_table = np.zeros((1, len(SCHEDULED_EVENTS) * (len(self._date_keys) + len(self._duties))), dtype=np.int64)
        if not len(rows):
            return
        # the rows with a scheduled event are few: their codes as of each event are computed for them alone
        duty_ends = self._duty_ends(table, rows)
        blocks = []
        for event in SCHEDULED_EVENTS:
            names = [*self._date_keys, *(f"{d[0]} {d[1]}" for d in self._duties)]
            block = np.zeros((len(rows), len(names)), dtype=np.int64)
            if event in table.when:
                mine = table.when[event][rows] == 1
                day = np.where(mine, dates[event][rows], _NAT)
                for j, key in enumerate(self._date_keys):
                    if key in dates:
                        block[:, j] = np.where(mine, _code_of_day(dates[key][rows], day), 0)
                for j, duty in enumerate(self._duties, start=len(self._date_keys)):
                    if duty in duty_ends:
                        block[:, j] = np.where(mine, _duty_code(duty_ends[duty], day), 0)
            blocks.append(block)
        matrix = np.hstack(blocks)
        codes, distinct = _factorize_rows(matrix)
        table.event[rows] = codes + 1
        table.event_table = np.vstack([np.zeros((1, matrix.shape[1]), dtype=np.int64), distinct])

    def _duty_ends(self, table: _Codes, rows: np.ndarray | None = None) -> dict[tuple[str, str], np.ndarray]:
        """Each statutory duty's end for ``rows`` (all when None; NaT where the row's policy lacks the duty
        or its anchor date is unknown).

        An end past 9999-12-31 is the engine's InputError, for every row of a policy with that duty.
        """
        out: dict[tuple[str, str], np.ndarray] = {}
        for (period, anchor), mine in self._duty_rows(table).items():
            own = mine if rows is None or mine is None else mine[rows]
            end = _anchored_end(_Window(None, Period.parse(period), anchor, ()), table.dates, rows, table.index, own)
            if end is not None:
                out[(period, anchor)] = end if own is None else np.where(own, end, _NAT)
        return out

    def _duty_rows(self, table: _Codes) -> dict[tuple[str, str], np.ndarray | None]:
        """The statutory duties of the table's policies, each with the rows whose policy has it (None: every row)."""
        if table.duty_rows is not None:
            return table.duty_rows
        out: dict[tuple[str, str], np.ndarray | None] = {}
        policies, codes = table.values["policy"], table.codes["policy"]
        for duty, owners in self._duties.items():
            mine = np.array([p in owners for p in policies], dtype=bool)
            if mine.any():
                out[duty] = None if mine.all() else mine[codes]
        table.duty_rows = out
        return out

    def _duty_codes(self, table: _Codes) -> dict[tuple[str, str], np.ndarray]:
        """Each duty's status per row on as_of (:func:`_duty_code`). With one as_of for the table, looked up
        per distinct anchor day: the end grows with the anchor, so the latest day tells whether any overflows."""
        if table.as_of.strides != (0,):  # an as_of per row
            return {duty: _duty_code(end, table.as_of) for duty, end in self._duty_ends(table).items()}
        out: dict[tuple[str, str], np.ndarray] = {}
        as_of = table.as_of[0]
        for (period, anchor), mine in self._duty_rows(table).items():
            source = _anchor_source(anchor)
            if source not in table.dates:
                continue
            length = Period.parse(period)
            latest = np.array([table.dates[source].view(np.int64).max()]).view("datetime64[D]")
            if (_anchor_and_period(anchor, length, latest) > _LAST_DAY).any():
                # raises for the first row that overflows
                _anchored_end(_Window(None, length, anchor, ()), table.dates, None, table.index, mine)

            def code_of(days: np.ndarray, anchor: str = anchor, period: Period = length) -> np.ndarray:
                return np.where(as_of > _anchor_and_period(anchor, period, days), 2, 1).astype(np.int8)

            code = _per_day(table.dates[source], code_of, np.int8(0))
            out[(period, anchor)] = code if mine is None else code * mine.view(np.int8)
        return out

    def _group_rows(self, table: _Codes) -> tuple[np.ndarray, np.ndarray]:
        varying = [f for f in self.fields if len(table.values[f]) > 1]
        dated = [k for k in self._date_keys if k in table.when]
        radix = [len(table.values[f]) for f in varying] + [3] * len(dated) + [3] * len(table.duties)
        key_columns = [table.codes[f] for f in varying] + [table.when[k] for k in dated] + list(table.duties.values())
        if len(table.event_table) > 1:
            radix.append(len(table.event_table))
            key_columns.append(table.event)
        return _group_rows(radix, key_columns, len(table.index))

    def _group_ids(self, table: _Codes, first: np.ndarray) -> np.ndarray:
        """The evaluator's number of each group's key (value ids + date codes: the same in every table);
        the engine decides the first row of a key never seen."""
        keys = self._keys(table, first)
        found = self._groups
        ids = [found.get(key, -1) for key in keys]
        for j in [j for j, g in enumerate(ids) if g < 0]:  # the groups of one table have distinct keys
            ids[j] = self._new_group(keys[j], int(first[j]), table)
        return np.array(ids, dtype=np.int64)

    def _keys(self, table: _Codes, first: np.ndarray) -> list[bytes]:
        """Each group's key as bytes (value ids + date codes of its first row: the same in every table)."""
        groups = len(first)
        zeros = np.zeros(groups, dtype=np.int64)
        global_ids = {f: np.array([self._value_id(f, v) for v in table.values[f]], dtype=np.int64) for f in self.fields}
        key_matrix = np.column_stack(
            [global_ids[f][table.codes[f][first]] for f in self.fields]
            + [table.when[k][first].astype(np.int64) if k in table.when else zeros for k in self._date_keys]
            + [table.duties[d][first].astype(np.int64) if d in table.duties else zeros for d in self._duties]
            + [table.event_table[table.event[first]]]
        )
        # keys as bytes: no container objects per group, so no garbage-collector passes over the heap
        as_bytes = np.ascontiguousarray(key_matrix.astype(np.int32)).view(np.dtype((np.void, 4 * key_matrix.shape[1])))
        return cast(list[bytes], as_bytes.reshape(-1).tolist())

    def _new_group(self, key: bytes, i: int, table: _Codes) -> int:
        """The first row of a key never seen: the engine decides it; its window is the key's window."""
        ids = np.frombuffer(key, dtype=np.int32).tolist()
        facts = {field: self._values[field][ids[j]] for j, field in enumerate(self.fields)}
        decision = self._decide(facts, _row_dates(table.dates, i), _as_date(table.as_of[i]), table.index[i])
        window = _Window.of(decision)
        answers = [-1] * len(_STATUSES)
        answers[_STATUS_CODES[window.status]] = self._answer_id(_fixed(decision))
        return self._add_group(key, facts, window, answers)

    def _add_group(self, key: bytes, facts: dict[str, Any], window: _Window, answers: list[int]) -> int:
        """Number a new key with its facts, window and answer ids per window status; its window's spec
        (per-row windows) or held window is numbered too."""
        spec = held = -1
        if window.per_row:
            spec = self._spec_ids.setdefault((window.anchor, window.period, window.cuts), len(self._specs))
            if spec == len(self._specs):
                self._specs.append(window)
        elif window.anchor is not None and window.period is not None:
            held = self._held_ids.setdefault((window.anchor, window.period), len(self._held))
            if held == len(self._held):
                self._held.append((window.anchor, window.period))
        number = len(self._facts)
        self._groups[key] = number
        self._facts.append(facts)
        self._windows.append(window)
        self._group_spec.append(spec)
        self._group_held.append(held)
        self._group_answers.append(answers)
        self._arrays.clear()
        return number

    def _array(self, name: str) -> np.ndarray:
        """The per-key lists as arrays (rebuilt after keys or answers were added)."""
        if not self._arrays:
            self._arrays["spec"] = np.array(self._group_spec, dtype=np.int64)
            self._arrays["held"] = np.array(self._group_held, dtype=np.int64)
            self._arrays["status"] = np.array(
                [_STATUS_CODES[w.status] if s < 0 else 0 for w, s in zip(self._windows, self._group_spec, strict=True)], dtype=np.int8
            )
            self._arrays["answers"] = np.array(self._group_answers, dtype=np.int64).reshape(-1, len(_STATUSES))
        return self._arrays[name]

    def _ends(self, table: _Codes, ids: np.ndarray, inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every row's window end and status: the end computed once per distinct window (anchor, period,
        cuts) over all rows that share it; the status of keys whose window is not decided per row is the key's."""
        n = len(inverse)
        status = self._array("status")[ids][inverse]
        until = np.full(n, _NAT)
        group_spec = self._array("spec")[ids]
        specs = np.unique(group_spec[group_spec >= 0])
        if not len(specs):
            return until, status
        local = np.full(int(specs[-1]) + 2, -1, dtype=np.int64)  # evaluator's spec number -> 0..k-1 (-1 last: none)
        local[specs] = np.arange(len(specs))
        # rows of each window, by one stable sort of small integers (a radix sort)
        row_spec = local[group_spec].astype(np.int8 if len(specs) < 127 else np.int32)[inverse]
        order = np.argsort(row_spec, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(row_spec + 1, minlength=len(specs) + 1))))
        for at, spec in enumerate(specs.tolist()):
            rows = order[bounds[at + 1] : bounds[at + 2]]
            end = _window_ends(self._specs[spec], table.dates, rows, table.index)
            if np.isnat(end).any():  # pragma: no cover - presence is part of the key
                raise AssertionError("a window end is missing where the key says it is known")
            until[rows] = end
            status[rows] = np.where(table.as_of[rows] > end, _STATUS_CODES["closed"], _STATUS_CODES["open"])
        return until, status

    def _check_held(self, table: _Codes, ids: np.ndarray, inverse: np.ndarray) -> None:
        """The engine computes the end of a held (or otherwise not per-row) window too and rejects one past
        9999-12-31, so the rows of such keys are checked the same way."""
        group_held = self._array("held")[ids]
        kinds = np.unique(group_held[group_held >= 0])
        if not len(kinds):
            return
        row_held: np.ndarray | None = None
        for kind in kinds.tolist():
            anchor, period = self._held[kind]
            window = _Window(None, period, anchor, ())
            source = _anchor_source(anchor)
            if source not in table.dates:
                continue
            # the end grows with the anchor date: if the column's latest date does not overflow, no row does
            latest = np.array([table.dates[source].view(np.int64).max()]).view("datetime64[D]")  # NaT is the smallest int64
            start = anchor_dates(anchor, {source: latest})
            if start is None or not (add_period(start, period) > _LAST_DAY).any():
                continue
            row_held = group_held[inverse] if row_held is None else row_held
            _anchored_end(window, table.dates, np.flatnonzero(row_held == kind), table.index)

    def _answers_of(self, table: _Codes, ids: np.ndarray, inverse: np.ndarray, status: np.ndarray) -> np.ndarray:
        """Each row's answer id: its group's answer for its status; a (group, status) never seen is decided by
        the engine for one of its rows."""
        width = len(_STATUSES)
        pair = inverse * width + status
        known = self._array("answers")[ids].reshape(-1)
        answer_ids: np.ndarray = known[pair]
        if (answer_ids >= 0).all():
            return answer_ids
        sample = np.empty(len(ids) * width, dtype=np.int64)
        sample[pair] = np.arange(len(inverse))  # some row of each pair (its answer is the answer of every row of it)
        for p in np.flatnonzero(np.bincount(pair[answer_ids < 0], minlength=len(ids) * width)).tolist():
            g, window_status = divmod(p, width)
            i = int(sample[p])
            group = int(ids[g])
            decision = self._decide(self._facts[group], _row_dates(table.dates, i), _as_date(table.as_of[i]), table.index[i])
            known[p] = self._group_answers[group][window_status] = self._answer_id(_fixed(decision))
        self._arrays.clear()
        decided: np.ndarray = known[pair]
        return decided

    def _output(self, answer_ids: np.ndarray, until: np.ndarray, index: pd.Index) -> pd.DataFrame:
        """The decision columns: each answer's values taken per row (no copies of the table's objects).

        The text columns are taken in one 2-D gather straight into the frame's object block (a third
        of the time of one gather and one Series per column); the others are inserted beside it.
        """
        per_answer = self._columns_per_answer()
        block = per_answer["text"][:, answer_ids]
        out = pd.DataFrame(block.T, index=index, columns=list(_TEXT_COLUMNS), dtype=object, copy=False)
        for at, name in enumerate(DECISION_COLUMNS):
            if name in _BOOL_COLUMNS:
                out.insert(at, name, per_answer[name][answer_ids])
            elif name == "retention_until":
                out.insert(at, name, until.astype("datetime64[s]"))
        return out

    def _columns_per_answer(self) -> dict[str, np.ndarray]:
        """Each output column's value per answer id (rebuilt only when new answers were added); the text
        columns as one array, a row per column."""
        if len(self._per_answer.get("lawful", ())) != len(self._answers):
            answers = self._answers
            for j, name in enumerate(_FIXED):
                if name in _BOOL_COLUMNS:
                    self._per_answer[name] = np.array([bool(a[j]) for a in answers], dtype=bool)
                else:
                    column = np.empty(len(answers), dtype=object)
                    column[:] = [a[j] for a in answers]
                    self._per_answer[name] = column
            text = np.empty((len(_TEXT_COLUMNS), len(answers)), dtype=object)
            for j, name in enumerate(_TEXT_COLUMNS):
                text[j] = self._per_answer[name]
            self._per_answer["text"] = text
        return self._per_answer

    # one row -> Decision
    def _decide(self, row: dict[str, Any], dates: dict[str, _dt.date], as_of: _dt.date, index: Any) -> Decision:
        facts = {k: v for k, v in row.items() if v is not None}  # None: the default (or a mirrored field's)
        facts["dates"] = dates
        facts["as_of"] = as_of
        self.evaluations += 1
        try:
            return self.engine.evaluate(facts)
        except LawbasisError as exc:
            exc.add_note(f"in row {index!r} of the table")
            raise

    # --- sharing what an evaluator learned with others (the Dask sweep) ------------------------------

    def known_keys(self) -> int:
        """How many keys (combinations) this evaluator knows: a mark for :meth:`export_knowledge`."""
        with self._lock:
            return len(self._groups)

    def export_knowledge(self, since: int = 0) -> list[tuple[Any, ...]]:
        """What this evaluator learned, key by key from the ``since``-th (see :meth:`known_keys`), in a
        form another process's evaluator can take (:meth:`import_knowledge`): the key's field values
        and date codes, its window, and its answer for each window status it has seen. Plain tuples
        of strings, numbers and None: they pickle small."""
        with self._lock:
            out: list[tuple[Any, ...]] = []
            fields = len(self.fields)
            for key, number in list(self._groups.items())[since:]:
                ids = np.frombuffer(key, dtype=np.int32).tolist()
                values = tuple(self._values[f][ids[j]] for j, f in enumerate(self.fields))
                window = self._windows[number]
                shape = (window.status, window.period.text if window.period else None, window.anchor, window.cuts)
                answers = tuple((_STATUSES[s], self._answers[a]) for s, a in enumerate(self._group_answers[number]) if a >= 0)
                out.append((values, tuple(ids[fields:]), shape, answers))
            return out

    def import_knowledge(self, knowledge: Iterable[tuple[Any, ...]]) -> int:
        """Take what another evaluator of the same rules learned (:meth:`export_knowledge`); returns
        the number of keys that were new here. Every entry is what ``evaluate()`` concluded for that
        key, so taking it changes no answer; entries of keys of another width (other rules) are skipped."""
        added = 0
        with self._lock:
            width = len(self._codes_width())
            for values, codes, shape, answers in knowledge:
                if len(codes) != width or len(values) != len(self.fields):
                    continue
                ids = [self._value_id(f, v) for f, v in zip(self.fields, values, strict=True)]
                key = np.array([*ids, *codes], dtype=np.int32).tobytes()
                number = self._groups.get(key)
                if number is None:
                    status, period, anchor, cuts = shape
                    window = _Window(status, Period.parse(period) if period else None, anchor, tuple(cuts))
                    number = self._add_group(key, dict(zip(self.fields, values, strict=True)), window, [-1] * len(_STATUSES))
                    added += 1
                known = self._group_answers[number]
                for status, answer in answers:
                    if known[_STATUS_CODES[status]] < 0:
                        known[_STATUS_CODES[status]] = self._answer_id(tuple(answer))
            self._arrays.clear()
        return added

    def _codes_width(self) -> tuple[str, ...]:
        """The date and duty codes that follow the field values in a key (as :meth:`_group_ids` builds it)."""
        duties = tuple(f"{d[0]} {d[1]}" for d in self._duties)
        events = tuple(f"{e} {c}" for e in SCHEDULED_EVENTS for c in (*self._date_keys, *duties))
        return (*self._date_keys, *duties, *events)


def _duty_code(end: np.ndarray, days: np.ndarray) -> np.ndarray:
    """A duty's status per row on ``days``, as the engine's clock step gives it before the rules run:
    0 where the row's policy has no such duty or its anchor date is unknown, 1 while it runs, 2 once ended."""
    known = ~np.isnat(end)
    code: np.ndarray = known.view(np.int8) + (known & (days > end)).view(np.int8)
    return code


def _factorize_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number among the distinct rows of a small-integer matrix, and the distinct rows."""
    if matrix.shape[1] == 0:
        return np.zeros(len(matrix), dtype=np.int64), np.zeros((1, 0), dtype=np.int64)
    as_bytes = np.ascontiguousarray(matrix.astype(np.int8)).view(np.dtype((np.void, matrix.shape[1])))
    codes, uniques = pd.factorize(pd.Series(as_bytes.reshape(-1).tolist(), dtype=object))
    distinct = np.frombuffer(b"".join(uniques), dtype=np.int8).reshape(len(uniques), -1).astype(np.int64)
    return codes.astype(np.int64), distinct


def _meta() -> pd.DataFrame:
    """An empty frame of :data:`DECISION_COLUMNS` with the dtypes :meth:`BulkEvaluator.evaluate_frame` gives."""
    dtypes = {**dict.fromkeys(_BOOL_COLUMNS, bool), "retention_until": "datetime64[s]"}
    return pd.DataFrame({name: pd.Series(dtype=dtypes.get(name, object)) for name in DECISION_COLUMNS})


def _to_bool(value: Any) -> Any:
    """``true``/``false`` in any case (CSV) and numpy booleans as bool; anything else as given (Activity rejects it)."""
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.lower(), value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _to_date(value: str | _dt.date) -> _dt.date:
    from lawbasis.core.activity import parse_date

    return parse_date("as_of", value)


def _as_date(value: np.datetime64) -> _dt.date:
    return value.astype("datetime64[D]").astype(_dt.date)  # type: ignore[no-any-return]


def _row_dates(dates: Mapping[str, np.ndarray], i: int) -> dict[str, _dt.date]:
    return {k: _as_date(v[i]) for k, v in dates.items() if not np.isnat(v[i])}


_evaluators: dict[tuple[str | None, tuple[str, ...] | None], BulkEvaluator] = {}
_evaluators_lock = threading.Lock()


def evaluator(rules_dir: str | Path | None = None, rules: Sequence[str | Path] | None = None) -> BulkEvaluator:
    """This process's evaluator for a rule directory and layers on it, as ``Engine(rules_dir, rules=rules)``
    takes them (both None: the built-in rules), built on first use."""
    # keyed on the layers as given: Engine(d) and Engine(rules=[d]) are different rule sets
    key = (str(rules_dir) if rules_dir is not None else None, tuple(str(r) for r in rules) if rules is not None else None)
    with _evaluators_lock:
        found = _evaluators.get(key)
        if found is None:
            built_in = rules_dir is None and rules is None
            found = BulkEvaluator(None if built_in else Engine(rules_dir, rules=rules))
            _evaluators[key] = found
        return found


def evaluate_frame(
    frame: pd.DataFrame,
    as_of: str | _dt.date | None = None,
    *,
    rules_dir: str | Path | None = None,
    rules: Sequence[str | Path] | None = None,
) -> pd.DataFrame:
    """Decide every row of a table of activities; returns :data:`DECISION_COLUMNS` with the same index.

    ``rules_dir`` and ``rules`` choose the rule set as :class:`lawbasis.Engine` does (a directory, and
    layers on it; both None: the built-in rules).

    >>> import pandas as pd
    >>> table = pd.DataFrame({"policy": ["jetpak-dk"] * 2, "purpose": ["marketing"] * 2,
    ...                       "channel": ["email"] * 2, "consent": ["given"] * 2,
    ...                       "contract_ended": ["2025-06-30", "2020-01-31"]})
    >>> out = evaluate_frame(table, as_of="2026-01-01")
    >>> out[["bases", "retention_until", "action_today"]].astype(str).values.tolist()
    [['a', '2028-06-30', 'keep'], ['a', '2023-01-31', 'delete']]
    """
    return evaluator(rules_dir, rules).evaluate_frame(frame, as_of)


def iter_sweep(
    chunks: Iterable[pd.DataFrame],
    as_of: str | _dt.date | None = None,
    *,
    rules_dir: str | Path | None = None,
    rules: Sequence[str | Path] | None = None,
    keep: Iterable[str] | None = (),
) -> Iterator[pd.DataFrame]:
    """Decide a stream of tables chunk by chunk (memory: one chunk at a time).

    ``keep`` names input columns to copy in front of the decisions (an id column, say); None copies
    every input column whose name is not a decision column.
    """
    bulk = evaluator(rules_dir, rules)
    for chunk in chunks:
        decided = bulk.evaluate_frame(chunk, as_of)
        columns = [c for c in chunk.columns if c not in DECISION_COLUMNS] if keep is None else list(keep)
        yield pd.concat([chunk[columns], decided], axis=1) if columns else decided
