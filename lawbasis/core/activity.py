"""Facts about one processing activity: the validated input of every evaluation (docs/reference/facts.md).

An ``Activity`` checks every fact against a :class:`~lawbasis.core.vocabulary.Vocabulary` at
construction (the built-in one unless an engine with a ``facts:`` block supplies its own), so nothing
downstream re-checks types: the engine can trust an Activity completely. Its fields are the declared
ones: ``activity.consent`` reads a fact, ``activity.fact(name)`` reads any declared field by name.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from lawbasis.core.errors import InputError
from lawbasis.core.vocabulary import BUILTIN, Field, Vocabulary, fact_value

# The built-in vocabulary's values, under the names other modules and users import.
CUSTOMER_STATUSES = BUILTIN.fields["customer_status"].values
CHANNELS = BUILTIN.fields["channel"].values
CONSENTS = BUILTIN.fields["consent"].values
OBJECTIONS = BUILTIN.fields["objection"].values
CORPORATE_EVENTS = BUILTIN.fields["corporate_event"].values
DATE_KEYS = BUILTIN.date_keys
#: Dates of events that take effect on their date: dated after ``as_of`` they are scheduled, and the
#: decision as of ``as_of`` is the one without them (docs/explanation/legal-model.md).
SCHEDULED_EVENTS = BUILTIN.scheduled_events
# Pairs (earlier, later) whose order is fixed by what the dates mean: nothing can end, be withdrawn
# or be objected to before the contact details it concerns were collected. See docs/decisions.md.
DATE_ORDER = BUILTIN.date_order

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(field: str, value: object) -> _dt.date:
    """Parse a strict ISO 8601 calendar date (``YYYY-MM-DD``) or accept a ``datetime.date``."""
    if isinstance(value, _dt.datetime):
        raise InputError(field, value, "an ISO date YYYY-MM-DD", "a datetime is not a date")
    if isinstance(value, _dt.date):
        return value
    if not isinstance(value, str):
        raise InputError(field, value, "an ISO date YYYY-MM-DD", f"wrong type {type(value).__name__}")
    if not _ISO_DATE.match(value):
        raise InputError(field, value, "an ISO date YYYY-MM-DD", "not an ISO date")
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(field, value, "an ISO date YYYY-MM-DD", "impossible date") from None


class Dates(Mapping[str, _dt.date]):
    """An immutable, hashable mapping of the declared ``dates`` keys to ``datetime.date``."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] | None = None, vocabulary: Vocabulary = BUILTIN) -> None:
        if items is None:
            items = {}
        if isinstance(items, Dates) and all(k in vocabulary.dates for k in items._items):
            self._items: dict[str, _dt.date] = dict(items._items)
            return
        if not isinstance(items, Mapping):
            raise InputError("dates", items, "an object of ISO dates", f"wrong type {type(items).__name__}")
        keys = vocabulary.date_keys
        parsed = {}
        for key, value in items.items():
            if key not in vocabulary.dates:
                raise InputError(f"dates.{key}", value, ", ".join(keys), "unknown date key")
            parsed[key] = parse_date(f"dates.{key}", value)
        self._items = {k: parsed[k] for k in keys if k in parsed}

    def __getitem__(self, key: str) -> _dt.date:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Dates({ {k: v.isoformat() for k, v in self._items.items()} })"

    def to_dict(self) -> dict[str, str]:
        return {k: v.isoformat() for k, v in self._items.items()}


def _check_identifier(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InputError(name, value, "a string id", f"wrong type {type(value).__name__}")
    if not value:
        raise InputError(name, value, "a non-empty string id", "empty")
    return value


def _check_field(field: Field, value: object) -> Any:
    if field.type == "bool":
        if not isinstance(value, bool):
            raise InputError(field.name, value, "true or false", f"wrong type {type(value).__name__}")
        return value
    if value is None and field.nullable:
        return None
    if not isinstance(value, str):
        raise InputError(field.name, value, field.allowed(), f"wrong type {type(value).__name__}")
    if value not in field.values:
        raise InputError(field.name, value, field.allowed(), "unknown value")
    return value


def _resolve_mirrors(vocabulary: Vocabulary, given: Mapping[str, Any], facts: dict[str, Any]) -> None:
    """A field that mirrors another (``data_subject`` and ``customer_status``): whichever is given sets the other."""
    for field in vocabulary.fields.values():
        if field.mirrors is None:
            continue
        other = vocabulary.fields[field.mirrors]
        mine, theirs = facts[field.name], facts[other.name]
        if field.name in given and other.name in given:
            if mine in other.values and mine != theirs:
                raise InputError(
                    field.name,
                    mine,
                    f"{theirs!r} (the {other.name} given) or a value that is not a {other.name} "
                    f"({', '.join(v for v in field.values if v not in other.values)})",
                    f"contradicts {other.name}",
                )
        elif field.name in given:
            if mine in other.values:
                facts[other.name] = mine
        else:
            facts[field.name] = theirs


class Activity:
    """One personal-data processing activity, as facts (docs/reference/facts.md).

    Keyword arguments are the declared fields (``vocabulary=`` names the vocabulary they are checked
    against; the built-in one by default), ``dates`` and ``as_of``. Immutable and hashable.

    >>> a = Activity(policy="jetpak-dk", purpose="marketing", channel="email", consent="given")
    >>> a.customer_status, a.data_subject
    ('customer', 'customer')
    >>> Activity(policy="jetpak-dk", purpose="marketing", consent="maybe")
    Traceback (most recent call last):
    ...
    lawbasis.core.errors.InputError: 'consent': unknown value (got 'maybe'); allowed: none, given, explicit, withdrawn
    """

    __slots__ = ("policy", "purpose", "dates", "as_of", "vocabulary", "_facts")

    if TYPE_CHECKING:  # the built-in fields, typed for mypy; every declared field reads the same way
        policy: str
        purpose: str
        dates: Dates
        as_of: _dt.date | None
        vocabulary: Vocabulary
        _facts: dict[str, Any]
        customer_status: str
        data_subject: str
        recipient: str
        channel: str | None
        personalised: bool
        consent: str
        objection: str
        compelling_grounds: bool
        dispute: bool
        special_category: bool
        art9_condition: str
        erasure_requested: bool
        corporate_event: str
        acquirer_similar: bool

    def __init__(
        self,
        *,
        policy: object = None,
        purpose: object = None,
        dates: object = None,
        as_of: object = None,
        vocabulary: Vocabulary | None = None,
        **facts: Any,
    ) -> None:
        vocab = vocabulary if vocabulary is not None else BUILTIN
        for name in facts:
            if name not in vocab.fields:
                raise InputError(name, facts[name], ", ".join(vocab.fields), "not an Activity field")
        set_ = object.__setattr__
        set_(self, "policy", _check_identifier("policy", policy))
        set_(self, "purpose", _check_identifier("purpose", purpose))
        checked = {name: _check_field(field, facts[name]) if name in facts else field.default for name, field in vocab.fields.items()}
        _resolve_mirrors(vocab, facts, checked)
        set_(self, "_facts", checked)
        set_(self, "vocabulary", vocab)
        set_(self, "dates", Dates(dates if dates is not None else {}, vocab))  # type: ignore[arg-type]  # Dates checks the type
        set_(self, "as_of", None if as_of is None else parse_date("as_of", as_of))
        self._check_dates()

    def _check_dates(self) -> None:
        vocab, dates = self.vocabulary, self.dates
        for key in dates:
            requires = vocab.dates[key].requires
            if requires is None:
                continue
            field, allowed = requires
            value = fact_value(self._facts[field])
            if value not in allowed:
                raise InputError(
                    f"dates.{key}",
                    dates[key].isoformat(),
                    f"a {key} date only when {field} is " + " or ".join(repr(v) for v in allowed),
                    f"{field} is {value!r}",
                )
        for earlier, later in vocab.date_order:
            if earlier in dates and later in dates and dates[later] < dates[earlier]:
                raise InputError(
                    f"dates.{later}",
                    dates[later].isoformat(),
                    f"a date on or after dates.{earlier} ({dates[earlier].isoformat()})",
                    "dates in the wrong order",
                )

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and name != "vocabulary":
            try:
                return self._facts[name]
            except (KeyError, AttributeError):
                pass
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Activity is immutable: use activity.replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Activity is immutable")

    def fact(self, name: str) -> Any:
        """The value of a declared field (its default when not given)."""
        if name not in self._facts:
            raise InputError(name, None, ", ".join(self._facts), "not an Activity field")
        return self._facts[name]

    @property
    def facts(self) -> dict[str, Any]:
        """Every declared field with its value, in declaration order (a copy)."""
        return dict(self._facts)

    def _key(self) -> tuple[Any, ...]:
        return (self.policy, self.purpose, tuple((k, type(v), v) for k, v in self._facts.items()), self.dates, self.as_of)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activity):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in (("policy", self.policy), ("purpose", self.purpose), *self._facts.items()))
        return f"Activity({inner}, dates={self.dates!r}, as_of={self.as_of!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.vocabulary, self.to_dict()))

    def __copy__(self) -> Activity:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Activity:
        return self

    @classmethod
    def from_dict(cls, data: object, vocabulary: Vocabulary | None = None) -> Activity:
        """Build from a JSON object (docs/reference/facts.md). Unknown keys and wrong types are errors.

        An Activity checked against another vocabulary than ``vocabulary`` is checked again against it.
        """
        vocab = vocabulary if vocabulary is not None else BUILTIN
        if isinstance(data, Activity):
            if data.vocabulary is vocab or data.vocabulary == vocab:
                return data
            data = data._given()
        if not isinstance(data, Mapping):
            raise InputError("activity", data, "a JSON object of facts", f"wrong type {type(data).__name__}")
        known = ["policy", "purpose", *vocab.fields, "dates", "as_of"]
        for key in data:
            if key not in known:
                raise InputError(str(key), data[key], ", ".join(known), "unknown key")
        for required in ("policy", "purpose"):
            if required not in data:
                raise InputError(required, None, "a required field", "missing")
        return cls(vocabulary=vocab, **data)

    def _given(self) -> dict[str, Any]:
        """The facts that differ from the defaults (what to check again against another vocabulary)."""
        out: dict[str, Any] = {"policy": self.policy, "purpose": self.purpose}
        for name, value in self._facts.items():
            field = self.vocabulary.fields[name]
            if value != field.default or type(value) is not type(field.default):
                out[name] = value
        out["dates"] = self.dates
        out["as_of"] = self.as_of
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; ``from_dict(a.to_dict()) == a``."""
        return {
            "policy": self.policy,
            "purpose": self.purpose,
            **self._facts,
            "dates": self.dates.to_dict(),
            "as_of": self.as_of.isoformat() if self.as_of is not None else None,
        }

    def replace(self, **changes: Any) -> Activity:
        """A copy with some facts changed (validated like the original, with the same vocabulary).

        Of two mirrored fields (``data_subject`` and ``customer_status``), changing one moves the other
        with it where their values overlap.
        """
        data: dict[str, Any] = {"policy": self.policy, "purpose": self.purpose, **self._facts, "dates": self.dates, "as_of": self.as_of}
        fields = self.vocabulary.fields
        for field in fields.values():
            if field.mirrors is None:
                continue
            other = fields[field.mirrors]
            if field.name in changes and other.name not in changes and changes[field.name] in other.values:
                del data[other.name]
            elif other.name in changes and field.name not in changes and self._facts[field.name] in other.values:
                del data[field.name]
        data.update(changes)
        return Activity(vocabulary=self.vocabulary, **data)


def _rebuild(vocabulary: Vocabulary, data: dict[str, Any]) -> Activity:
    return Activity.from_dict(data, vocabulary)
