"""Deciding one pandas table of activities: the grouping evaluator behind :mod:`lawbasis.bulk` (read its
documentation for how rows are grouped and why every answer is ``evaluate()``'s)."""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lawbasis.analysis.explore import CONCLUSIONS, conclusions
from lawbasis.core.activity import SCHEDULED_EVENTS
from lawbasis.core.calendar import LAST_DAY, Period, window_overflow
from lawbasis.core.decision import Decision
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

#: The grid's conclusion columns (:data:`lawbasis.explore.CONCLUSIONS`) without the objection's reason.
DECISION_COLUMNS = tuple(c for c in CONCLUSIONS if c != "objection_reason")
#: The values of ``action_today``: the vocabulary of the rules' ``today`` conclusion.
ACTIONS_TODAY: tuple[str, ...] = KINDS["today"]["action"] or ()
#: Environment for Dask worker processes (see "Running on a cluster" above).
WORKER_ENVIRONMENT: Mapping[str, str] = {"MALLOC_MMAP_THRESHOLD_": "33554432"}

_WINDOW_RULE = "calendar/window"
# a group's window status: None when no retention fact (no window), else the engine's statuses
_STATUSES: tuple[str | None, ...] = (None, *(KINDS["window"]["status"] or ()))
_STATUS_CODES = {status: i for i, status in enumerate(_STATUSES)}

_NAT = np.datetime64("NaT", "D")
# datetime.date's range: numpy's datetime64 reaches far past it, so the vectorised calendar checks it
_FIRST_DAY, _LAST_DAY = np.datetime64(_dt.date.min, "D"), np.datetime64(LAST_DAY, "D")
# the date-free columns, copied from each row's answer; retention_until is computed per row
_FIXED = tuple(c for c in DECISION_COLUMNS if c != "retention_until")
_BOOL_COLUMNS = ("objection_continues", "may_process", "extended")


# --- vectorised calendar (same arithmetic as lawbasis.core.calendar) ------------------------------------


def add_period(start: np.ndarray, period: Period) -> np.ndarray:
    """``start`` (datetime64[D]) plus ``period``: calendar months clamped to the month's last day, then days.

    Equal to ``Period.add_to`` element by element; NaT stays NaT.
    """
    start = np.asarray(start, dtype="datetime64[D]")
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


def anchor_dates(anchor: str, dates: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The date an anchor names, per row (NaT where unknown); None if the table lacks its column.

    The same as :func:`lawbasis.core.calendar.anchor_date`: a ``dates`` key, the end of the year or
    month of one (``end_of_year(KEY)``, ``end_of_month(KEY)``), or a named anchor.
    """
    source, rounding = anchor_parts(anchor, BUILTIN.anchors)
    base = dates.get(source)
    if base is None or rounding is None:
        return base
    if rounding == "end_of_year":
        following = base.astype("datetime64[Y]") + np.timedelta64(1, "Y")
    else:
        following = base.astype("datetime64[M]") + np.timedelta64(1, "M")
    last: np.ndarray = following.astype("datetime64[D]") - np.timedelta64(1, "D")
    return last


def parse_date_column(name: str, column: pd.Series) -> np.ndarray:
    """A column of ISO dates (strings, ``date`` or ``datetime64``) as datetime64[D]; empty cells are NaT."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        values = column.to_numpy()
        if getattr(column.dt, "tz", None) is not None:
            raise InputError(f"dates.{name}", str(column.dtype), "an ISO date YYYY-MM-DD", "a datetime is not a date")
        out: np.ndarray = values.astype("datetime64[D]")
        unit, count = np.datetime_data(values.dtype)
        per_day = int(np.timedelta64(1, "D") // np.timedelta64(count, unit)) if unit not in ("D", "W", "M", "Y") else 1  # type: ignore[call-overload]
        ticks = values.view(np.int64)
        # a time of day shows as a date that does not convert back to the same instant (cheaper than %)
        bad = (out.view(np.int64) * per_day != ticks) & (ticks != np.iinfo(np.int64).min) if per_day > 1 else np.zeros(0, dtype=bool)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"dates.{name}", str(values[i]), "an ISO date YYYY-MM-DD", f"a datetime is not a date (row {column.index[i]!r})"
            )
        outside = (out < _FIRST_DAY) | (out > _LAST_DAY)  # NaT compares false
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            raise InputError(f"dates.{name}", str(out[i]), "an ISO date YYYY-MM-DD", f"year outside 1-9999 (row {column.index[i]!r})")
        return out
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
    present = column.notna().to_numpy().copy()
    if column.dtype == object:
        present &= (column != "").to_numpy()
    out = np.full(len(column), _NAT)
    if not present.any():
        return out
    values = column[present]
    # a string dtype (pandas 3's default ``str``, ``string[pyarrow]``) holds nothing but text; other
    # columns are asked in C (infer_dtype) rather than cell by cell in Python
    textual = isinstance(values.dtype, pd.StringDtype) or pd.api.types.infer_dtype(values, skipna=True) == "string"
    if textual:
        ok = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool)
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise InputError(f"dates.{name}", values.iloc[i], "an ISO date YYYY-MM-DD", f"not an ISO date (row {values.index[i]!r})")
        try:
            out[present] = np.array(values.to_numpy(dtype=str), dtype="datetime64[D]")
        except ValueError:
            for index, text in values.items():
                try:
                    _dt.date.fromisoformat(text)
                except ValueError:
                    raise InputError(f"dates.{name}", text, "an ISO date YYYY-MM-DD", f"impossible date (row {index!r})") from None
            raise  # pragma: no cover - numpy and datetime agree on what a date is
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

    @property
    def per_row(self) -> bool:
        return self.status in ("open", "closed")


class _Group:
    """What the evaluator knows about one key (discrete facts + which dates are present)."""

    __slots__ = ("facts", "window", "spec", "answers")

    def __init__(self, facts: dict[str, Any], window: _Window, spec: int) -> None:
        self.facts = facts  # the discrete facts, as given to evaluate()
        self.window = window  # the window the rules chose (its status: that of the first row seen)
        self.spec = spec  # the per-row window's number, -1 when the status is the same for every row
        self.answers = [-1] * len(_STATUSES)  # answer id per window status, -1 when not yet seen


def _window_of(decision: Decision) -> _Window:
    cuts: list[str] = []
    for step in decision.trace:
        found = step.concluded.get("cut")  # the calendar step itself lists the cuts of scheduled events
        for cut in found if isinstance(found, list) else [found] if found else []:
            if cut["date"] in decision.activity.dates and cut["date"] not in cuts:
                cuts.append(cut["date"])
        if step.rule == _WINDOW_RULE:
            status = step.concluded["window"]["status"]
            period = decision.retention.period
            anchor = decision.retention.from_
            usable = period is not None and anchor is not None
            return _Window(status, Period.parse(period) if usable and period else None, anchor if usable else None, tuple(cuts))
    return _Window(None, None, None, ())


def _anchored_end(window: _Window, dates: Mapping[str, np.ndarray], rows: np.ndarray, index: pd.Index) -> np.ndarray | None:
    """Anchor + period for ``rows`` (NaT where the anchor is unknown), None when the window has none.

    An end past 9999-12-31 is the engine's InputError (:func:`lawbasis.core.calendar.window_overflow`)
    for the first such row: numpy would carry on to year 10002, and the answer would depend on
    whether that row was the one the engine saw.
    """
    if window.anchor is None or window.period is None:
        return None
    source = anchor_parts(window.anchor, BUILTIN.anchors)[0]
    start = anchor_dates(window.anchor, {source: dates[source][rows]} if source in dates else {})
    if start is None:
        return None
    end = add_period(start, window.period)
    over = end > _LAST_DAY  # NaT compares false
    if over.any():
        i = int(rows[int(np.flatnonzero(over)[0])])
        raise window_overflow(window.period.text, window.anchor, str(dates[source][i]), f" (row {index[i]!r})")
    return end


def _window_end(window: _Window, dates: Mapping[str, np.ndarray], rows: np.ndarray, index: pd.Index) -> np.ndarray:
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


def _fixed(decision: Decision) -> tuple[Any, ...]:
    """The date-free columns of one decision: the same flattening as the exploration grid."""
    columns = conclusions(decision)
    return tuple(columns[name] for name in _FIXED)


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
        self._read = frozenset([*self.fields, *self._date_keys, "as_of"])  # the columns evaluate_frame reads
        self._lock = threading.RLock()
        # every value seen in a discrete field of an accepted table gets a number for good, so a key
        # is a tuple of ints
        self._value_ids: dict[str, dict[tuple[type, Any], int]] = {field: {} for field in self.fields}
        self._values: dict[str, list[Any]] = {field: [] for field in self.fields}
        self._groups: dict[bytes, _Group] = {}
        self._specs: list[_Window] = []  # distinct per-row windows (anchor, period, cuts)
        # the statutory duties (period, anchor) of the loaded policies, and which policies have each
        self._duties: dict[tuple[str, str], frozenset[str]] = {}
        for info in self.engine.policies():
            for duty in self.engine.compiled(info.id).duties:
                self._duties[duty] = self._duties.get(duty, frozenset()) | {info.id}
        self._spec_ids: dict[tuple[Any, ...], int] = {}
        self._answers: list[tuple[Any, ...]] = []  # distinct date-free answers
        self._answer_ids: dict[tuple[Any, ...], int] = {}
        self._per_answer: dict[str, np.ndarray] = {}  # column values per answer id
        self.evaluations = 0  # how many times the engine ran (for benchmarks and tests)

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

    def _duty_ends(
        self, policy_codes: np.ndarray, policies: list[Any], dates: Mapping[str, np.ndarray], index: pd.Index
    ) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        """Each statutory duty's end, for the rows whose policy has it and whose anchor date is known.

        An end past 9999-12-31 is the engine's InputError, for every row.
        """
        out: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        for (period, anchor), owners in self._duties.items():
            mine = np.array([p in owners for p in policies], dtype=bool)
            if not mine.any():
                continue
            rows = np.flatnonzero(mine[policy_codes])
            end = _anchored_end(_Window(None, Period.parse(period), anchor, ()), dates, rows, index)
            if end is None:
                out[(period, anchor)] = (rows[:0], np.empty(0, dtype="datetime64[D]"))
            else:
                known = ~np.isnat(end)
                out[(period, anchor)] = (rows[known], end[known])
        return out

    @staticmethod
    def _duty_codes(ends: Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]], days: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        """Each duty's status per row on ``days``, as the engine's clock step gives it before the rules run:
        0 where the row's policy has no such duty or its anchor date is unknown, 1 while it runs, 2 once ended."""
        out: dict[tuple[str, str], np.ndarray] = {}
        for duty, (rows, end) in ends.items():
            code = np.zeros(len(days), dtype=np.int8)
            code[rows] = np.where(days[rows] > end, 2, 1)
            out[duty] = code
        return out

    def _new_group(self, key: bytes, i: int, dates: Mapping[str, np.ndarray], as_of_days: np.ndarray, index: Any) -> _Group:
        """The first row of a key never seen: the engine decides it; its trace gives the key's window."""
        ids = np.frombuffer(key, dtype=np.int32).tolist()
        facts = {field: self._values[field][ids[j]] for j, field in enumerate(self.fields)}
        decision = self._decide(facts, _row_dates(dates, i), _as_date(as_of_days[i]), index)
        window = _window_of(decision)
        spec = -1
        if window.per_row:
            found = (window.anchor, window.period, window.cuts)
            if found not in self._spec_ids:
                self._spec_ids[found] = len(self._specs)
                self._specs.append(window)
            spec = self._spec_ids[found]
        group = _Group(facts, window, spec)
        group.answers[_STATUS_CODES[window.status]] = self._answer_id(_fixed(decision))
        self._groups[key] = group
        return group

    def _columns_per_answer(self) -> dict[str, np.ndarray]:
        """Each output column's value per answer id (rebuilt only when new answers were added)."""
        if len(self._per_answer.get("lawful", ())) != len(self._answers):
            answers = self._answers
            for j, name in enumerate(_FIXED):
                if name in _BOOL_COLUMNS:
                    self._per_answer[name] = np.array([bool(a[j]) for a in answers], dtype=bool)
                else:
                    column = np.empty(len(answers), dtype=object)
                    column[:] = [a[j] for a in answers]
                    self._per_answer[name] = column
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

    def evaluate_frame(self, frame: pd.DataFrame, as_of: str | _dt.date | None = None) -> pd.DataFrame:
        """The decision columns for every row of ``frame`` (same index). See the module documentation.

        A table that is rejected leaves nothing behind: the values it numbered and the keys it
        added are forgotten, so bad tables cannot grow the evaluator.
        """
        with self._lock:
            sizes = {field: len(found) for field, found in self._values.items()}
            groups = len(self._groups)
            try:
                return self._evaluate_frame(frame, as_of)
            except BaseException:
                self._forget(sizes, groups)
                raise

    def _forget(self, sizes: Mapping[str, int], groups: int) -> None:
        """Undo the numbering of a rejected table: values past ``sizes`` and keys past ``groups``."""
        # the keys hold the forgotten numbers, which the next table may give to other values; the
        # specs and answers added stay (what evaluate() concluded, looked up by content, few)
        for key in list(self._groups)[groups:]:
            del self._groups[key]
        for field, size in sizes.items():
            found, ids = self._values[field], self._value_ids[field]
            for value in found[size:]:
                del ids[(type(value), value)]
            del found[size:]

    def _evaluate_frame(self, frame: pd.DataFrame, as_of: str | _dt.date | None) -> pd.DataFrame:
        if not isinstance(frame, pd.DataFrame):
            raise InputError("frame", frame, "a pandas DataFrame, one activity per row", f"wrong type {type(frame).__name__}")
        n = len(frame)
        columns: dict[Any, Any] = {}
        for c in frame.columns:
            name = c[6:] if isinstance(c, str) and c.startswith("dates.") else c
            if name in columns and name in self._read:  # which of the two would be read is anybody's guess
                field = f"dates.{name}" if name in self._date_keys else str(name)
                raise InputError(field, [columns[name], c], "one column per field", "duplicate column")
            columns[name] = c
        for required in ("policy", "purpose"):
            if required not in columns:
                raise InputError(required, None, "a column of the table", "missing")
        if n == 0:
            return _meta().set_axis(frame.index)
        # discrete facts: codes per row, values normalised once per distinct value
        codes: dict[str, np.ndarray] = {}
        values: dict[str, list[Any]] = {}
        for field, default in self.fields.items():
            if field not in columns:  # a constant code: a read-only view, no memory per row
                codes[field], values[field] = np.broadcast_to(np.int64(0), (n,)), [default]
                continue
            column = frame[columns[field]]
            if column.dtype == bool:  # no hashing needed: the values are the codes
                codes[field], values[field] = column.to_numpy().view(np.int8), [False, True]
                continue
            try:
                raw_codes, uniques = pd.factorize(column, use_na_sentinel=True)
            except TypeError:  # a cell holds an unhashable value (a list, a dict)
                index, value = next((i, v) for i, v in column.items() if not isinstance(v, Hashable))
                raise InputError(field, value, "a single value per cell", f"wrong type {type(value).__name__} (row {index!r})") from None
            canon: dict[tuple[type, Any], int] = {}
            lookup = np.empty(len(uniques) + 1, dtype=np.int64)
            found: list[Any] = []
            for j, value in enumerate([*uniques, default]):  # the last entry is for empty cells (code -1)
                value = _to_bool(value) if field in self._bool_fields else (default if isinstance(value, str) and value == "" else value)
                if isinstance(value, np.generic):
                    value = value.item()
                k = (type(value), value)
                if k not in canon:
                    canon[k] = len(found)
                    found.append(value)
                lookup[j] = canon[k]
            identity = len(found) == len(uniques) + 1 and not (raw_codes < 0).any()  # nothing merged, no empty cells
            codes[field], values[field] = (raw_codes if identity else lookup[raw_codes]), found
        dates = {key: parse_date_column(key, frame[columns[key]]) for key in self._date_keys if key in columns}
        present = {key: ~np.isnat(values) for key, values in dates.items()}
        for earlier, later in self._date_order:
            if earlier in dates and later in dates:
                wrong = present[earlier] & present[later] & (dates[later] < dates[earlier])
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

        # what the engine derives from the dates before the rules run: for each date, given and on
        # or before as_of (0: not given, 1: later than as_of, 2: passed); for each statutory duty of
        # the policies in the table, its status on as_of (0: unknown, 1: running, 2: ended)
        when = {k: present[k].astype(np.int8) + (present[k] & (dates[k] <= as_of_days)).astype(np.int8) for k in present}
        duty_ends = self._duty_ends(codes["policy"], values["policy"], dates, frame.index)
        duties = self._duty_codes(duty_ends, as_of_days)
        # a withdrawal or objection dated after as_of is asked of the rules again as of its own date: the
        # same codes as of that date join the key of the rows that have one (0 for every other row)
        on_the_event: dict[tuple[str, str], np.ndarray] = {}
        for event in SCHEDULED_EVENTS:
            if event not in when or not (when[event] == 1).any():
                continue
            scheduled = when[event] == 1
            day = np.where(scheduled, dates[event], _NAT)
            for date_key in self._date_keys:
                if date_key in present:
                    code = present[date_key].astype(np.int8) + (present[date_key] & (dates[date_key] <= day)).astype(np.int8)
                    on_the_event[(event, date_key)] = np.where(scheduled, code, 0).astype(np.int8)
            for duty, code in self._duty_codes(duty_ends, day).items():
                on_the_event[(event, f"{duty[0]} {duty[1]}")] = np.where(scheduled, code, 0).astype(np.int8)

        # 1. group rows by key: discrete facts + the date codes above (one int64 code per row)
        varying = [f for f in self.fields if len(values[f]) > 1]
        radix = (
            [len(values[f]) for f in varying]
            + [3 for k in self._date_keys if k in present]
            + [3 for _ in duties]
            + [3 for _ in on_the_event]
        )
        columns_of_key = (
            [codes[f] for f in varying]
            + [when[k] for k in self._date_keys if k in present]
            + list(duties.values())
            + list(on_the_event.values())
        )
        if not radix:
            inverse = np.zeros(n, dtype=np.int64)
        elif float(np.prod(np.array(radix, dtype=float))) < 2.0**62:
            key_codes = np.zeros(n, dtype=np.int64)
            for r, c in zip(radix, columns_of_key, strict=True):
                key_codes *= r
                key_codes += c
            inverse = pd.factorize(key_codes)[0]  # hashing, O(n); groups numbered by first appearance
        else:  # pragma: no cover - thousands of distinct values in several columns
            inverse = pd.factorize(pd.MultiIndex.from_arrays(columns_of_key))[0]
        # groups are numbered by first appearance, so a group's first row is where the running maximum grows
        running = np.maximum.accumulate(inverse)
        first = np.flatnonzero(np.concatenate(([True], running[1:] > running[:-1])))
        groups = len(first)

        # the key of each group as numbers that mean the same in every table: value ids + date presence
        global_ids = {f: np.array([self._value_id(f, v) for v in values[f]], dtype=np.int64) for f in self.fields}
        key_matrix = np.column_stack(
            [global_ids[f][codes[f][first]] for f in self.fields]
            + [when[k][first].astype(np.int64) if k in when else np.zeros(groups, dtype=np.int64) for k in self._date_keys]
            + [duties[d][first].astype(np.int64) if d in duties else np.zeros(groups, dtype=np.int64) for d in self._duties]
            + [
                on_the_event[(e, c)][first].astype(np.int64) if (e, c) in on_the_event else np.zeros(groups, dtype=np.int64)
                for e in SCHEDULED_EVENTS
                for c in (*self._date_keys, *(f"{d[0]} {d[1]}" for d in self._duties))
            ]
        )
        # keys as bytes: no container objects per group, so no garbage-collector passes over the heap
        as_bytes = np.ascontiguousarray(key_matrix.astype(np.int32)).view(np.dtype((np.void, 4 * key_matrix.shape[1])))
        keys = [bytes(k) for k in as_bytes.reshape(-1).tolist()]
        found_groups: list[_Group] = []
        for i0, key in zip(first.tolist(), keys, strict=True):
            group = self._groups.get(key)
            if group is None:
                group = self._new_group(key, i0, dates, as_of_days, frame.index[i0])
            found_groups.append(group)

        # 2. the end date of every row, computed once per distinct window (anchor, period, cuts)
        #    over all rows that share it; the status of every row
        group_status = np.array([_STATUS_CODES[g.window.status] if g.spec < 0 else 0 for g in found_groups], dtype=np.int8)
        status = group_status[inverse]
        until = np.full(n, _NAT)
        local: dict[int, int] = {}
        group_spec = np.array([local.setdefault(g.spec, len(local)) if g.spec >= 0 else -1 for g in found_groups], dtype=np.int64)
        if local:
            # rows of each window, by one stable sort of small integers (a radix sort)
            small = np.int8 if len(local) < 127 else np.int32
            row_spec = group_spec.astype(small)[inverse]
            order = np.argsort(row_spec, kind="stable")
            bounds = np.concatenate(([0], np.cumsum(np.bincount(row_spec + 1, minlength=len(local) + 1))))
            for spec, at in local.items():
                rows = order[bounds[at + 1] : bounds[at + 2]]
                end = _window_end(self._specs[spec], dates, rows, frame.index)
                if np.isnat(end).any():  # pragma: no cover - presence is part of the key
                    raise AssertionError("a window end is missing where the key says it is known")
                until[rows] = end
                status[rows] = np.where(as_of_days[rows] > end, _STATUS_CODES["closed"], _STATUS_CODES["open"])

        # the engine computes the end of a held window too (and rejects one past 9999-12-31), so the
        # rows of keys whose status does not vary per row are checked the same way
        unchecked = [(j, g.window) for j, g in enumerate(found_groups) if g.spec < 0 and g.window.anchor is not None]
        if unchecked:
            kinds: dict[tuple[Any, ...], int] = {}
            mark = np.full(groups, -1, dtype=np.int64)
            for j, window in unchecked:
                mark[j] = kinds.setdefault((window.anchor, window.period), len(kinds))
            row_mark = mark[inverse]
            for (anchor, period), kind in kinds.items():
                _anchored_end(_Window(None, period, anchor, ()), dates, np.flatnonzero(row_mark == kind), frame.index)

        # 3. the answer of every row: its group's answer for its status; a (group, status) never seen
        #    is decided by the engine for one of its rows
        width = len(_STATUSES)
        pair = inverse * width + status
        table = np.array([g.answers for g in found_groups], dtype=np.int64).reshape(-1)
        answer_ids = table[pair]
        if (answer_ids < 0).any():
            sample = np.empty(groups * width, dtype=np.int64)
            sample[pair] = np.arange(n)  # some row of each pair (its answer is the answer of every row of it)
            for p in np.flatnonzero(np.bincount(pair[answer_ids < 0], minlength=groups * width)).tolist():
                g, window_status = divmod(p, width)
                i = int(sample[p])
                decision = self._decide(found_groups[g].facts, _row_dates(dates, i), _as_date(as_of_days[i]), frame.index[i])
                table[p] = found_groups[g].answers[window_status] = self._answer_id(_fixed(decision))
            answer_ids = table[pair]

        # 4. columns: each answer's values taken per row (no copies of the table's objects)
        per_answer = self._columns_per_answer()
        out: dict[str, pd.Series] = {}
        for name in _FIXED:
            of_answer = per_answer[name]
            out[name] = pd.Series(of_answer[answer_ids], index=frame.index, dtype=of_answer.dtype, copy=False, name=name)
        out["retention_until"] = pd.Series(until.astype("datetime64[s]"), index=frame.index, copy=False, name="retention_until")
        return pd.concat([out[name] for name in DECISION_COLUMNS], axis=1)


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


_evaluators: dict[str | None, BulkEvaluator] = {}
_evaluators_lock = threading.Lock()


def evaluator(rules_dir: str | Path | None = None) -> BulkEvaluator:
    """This process's evaluator for a rule directory (None: the built-in rules), built on first use."""
    key = str(rules_dir) if rules_dir is not None else None
    with _evaluators_lock:
        found = _evaluators.get(key)
        if found is None:
            found = BulkEvaluator(Engine(rules_dir) if rules_dir is not None else None)
            _evaluators[key] = found
        return found


def evaluate_frame(frame: pd.DataFrame, as_of: str | _dt.date | None = None, *, rules_dir: str | Path | None = None) -> pd.DataFrame:
    """Decide every row of a table of activities; returns :data:`DECISION_COLUMNS` with the same index.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"policy": ["jetpak-dk"] * 2, "purpose": ["marketing"] * 2,
    ...                       "channel": ["email"] * 2, "consent": ["given"] * 2,
    ...                       "contract_ended": ["2025-06-30", "2020-01-31"]})
    >>> out = evaluate_frame(table, as_of="2026-01-01")
    >>> out[["bases", "retention_until", "action_today"]].astype(str).values.tolist()
    [['a', '2028-06-30', 'keep'], ['a', '2023-01-31', 'delete']]
    """
    return evaluator(rules_dir).evaluate_frame(frame, as_of)


def iter_sweep(
    chunks: Iterable[pd.DataFrame],
    as_of: str | _dt.date | None = None,
    *,
    rules_dir: str | Path | None = None,
    keep: Iterable[str] | None = (),
) -> Iterator[pd.DataFrame]:
    """Decide a stream of tables chunk by chunk (memory: one chunk at a time).

    ``keep`` names input columns to copy in front of the decisions (an id column, say); None copies
    every input column whose name is not a decision column.
    """
    bulk = evaluator(rules_dir)
    for chunk in chunks:
        decided = bulk.evaluate_frame(chunk, as_of)
        columns = [c for c in chunk.columns if c not in DECISION_COLUMNS] if keep is None else list(keep)
        yield pd.concat([chunk[columns], decided], axis=1) if columns else decided
