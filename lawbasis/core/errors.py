"""The error hierarchy: every bad input or broken rule file surfaces as a LawbasisError.

Users catch one class; the CLI maps it to exit status 2 and a single line on stderr.
"""

from __future__ import annotations

import math
import pickle
import reprlib
from typing import Any

# a message shows at most this much of the offending value: it goes on one line of stderr
_SHOWN_MAX = 200
_short = reprlib.Repr()
_short.maxlevel, _short.maxstring, _short.maxother = 3, 80, 80


def shown(value: object) -> str:
    """``repr(value)`` for a one-line message: never raises, at most ``_SHOWN_MAX`` characters.

    ``repr`` itself fails on the very inputs an error must report: a structure nested past the
    recursion limit (RecursionError) or an integer of more than 4300 digits (ValueError, Python's
    int-to-string limit).
    """
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any failing __repr__: fall back to a bounded description
        if isinstance(value, int):
            text = f"<an integer of about {math.floor(value.bit_length() * math.log10(2)) + 1} digits>"
        else:
            try:
                text = _short.repr(value)
            except Exception:  # noqa: BLE001
                text = f"<{type(value).__name__} object>"
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 3] + "..."


def _restore(cls: type[LawbasisError], args: tuple[Any, ...]) -> LawbasisError:
    # BaseException.__new__ keeps args; the fields come back from the pickled __dict__ (__setstate__)
    return cls.__new__(cls, *args)


class LawbasisError(Exception):
    """Base class of every error lawbasis raises on purpose.

    Every subclass pickles with its class, fields and notes (``add_note``), whatever its
    ``__init__`` takes, so an error raised in a worker process (``concurrent.futures``,
    ``multiprocessing``, Dask) arrives whole in the parent and leaves the pool usable.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls cls(*self.args), i.e. __init__ with the message alone: a
        # TypeError for any subclass with fields, which breaks process pools for good.
        state: dict[str, Any] = {}
        for name, item in self.__dict__.items():
            try:
                pickle.dumps(item)
            except Exception:  # noqa: BLE001 - an unpicklable or too deeply nested value: keep its text
                item = shown(item)
            state[name] = item
        return _restore, (type(self), self.args), state


class InputError(LawbasisError, ValueError):
    """Facts that are not valid: unknown key, wrong type, unknown value, bad date or date order.

    ``field`` names the offending field (dotted for ``dates.x``), ``value`` is what was given and
    ``allowed`` describes what would have been accepted.
    """

    def __init__(self, field: str, value: object, allowed: str, problem: str | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.problem = problem
        head = problem or "invalid value"
        super().__init__(f"{field!r}: {head} (got {shown(value)}); allowed: {allowed}")


class UnknownPolicyError(InputError):
    """A policy id that no loaded rule file defines."""


class UnknownPurposeError(InputError):
    """A purpose id that the policy does not define."""


class RuleFileError(LawbasisError):
    """A rule file that cannot be loaded: names the file, the rule id (if any) and the problem."""

    def __init__(self, file: str, rule: str | None, problem: str) -> None:
        self.file = file
        self.rule = rule
        self.problem = problem
        where = f"{file}" + (f", rule {rule!r}" if rule else "")
        super().__init__(f"{where}: {problem}")


class EngineError(LawbasisError):
    """The rules misbehaved at evaluation time (an action failed, or conclusions conflict).

    This is a defect in a rule set, never in the user's facts; the message names the rules involved.
    """
