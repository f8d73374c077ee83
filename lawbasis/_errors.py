"""The error hierarchy: every bad input or broken rule file surfaces as a LawbasisError.

Users catch one class; the CLI maps it to exit status 2 and a single line on stderr.
"""
from __future__ import annotations


class LawbasisError(Exception):
    """Base class of every error lawbasis raises on purpose."""


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
        super().__init__(f"{field!r}: {head} (got {value!r}); allowed: {allowed}")


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
