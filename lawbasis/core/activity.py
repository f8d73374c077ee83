"""Facts about one processing activity: the validated input of every evaluation (docs/reference/facts.md).

``Activity`` is a frozen attrs class. It checks every field at construction, so nothing downstream
re-checks types: the engine can trust an Activity completely.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from lawbasis.core.errors import InputError

CUSTOMER_STATUSES = ("prospect", "customer", "former_customer")
CHANNELS = ("email", "sms", "mms", "automated_call", "phone", "post", "web", "social")
CONSENTS = ("none", "given", "explicit", "withdrawn")
OBJECTIONS = ("none", "general", "direct_marketing")
CORPORATE_EVENTS = ("none", "acquired", "split", "ceased", "database_transferred")
DATE_KEYS = (
    "contact_collected",
    "contract_ended",
    "relationship_ended",
    "fiscal_year_end",
    "recorded",
    "competition_ended",
    "registered",
    "consent_withdrawn",
    "objection_received",
)
#: Dates of events that take effect on their date: dated after ``as_of`` they are scheduled, and the
#: decision as of ``as_of`` is the one without them (docs/explanation/legal-model.md).
SCHEDULED_EVENTS = ("consent_withdrawn", "objection_received")
# Pairs (earlier, later) whose order is fixed by what the dates mean: nothing can end, be withdrawn
# or be objected to before the contact details it concerns were collected. See docs/decisions.md.
DATE_ORDER = (
    ("contact_collected", "contract_ended"),
    ("contact_collected", "relationship_ended"),
    ("contact_collected", "consent_withdrawn"),
    ("contact_collected", "objection_received"),
)

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
    """An immutable, hashable mapping of the known ``dates`` keys to ``datetime.date``."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        if items is None:
            items = {}
        if isinstance(items, Dates):
            self._items: dict[str, _dt.date] = dict(items._items)
            return
        if not isinstance(items, Mapping):
            raise InputError("dates", items, "an object of ISO dates", f"wrong type {type(items).__name__}")
        parsed = {}
        for key, value in items.items():
            if key not in DATE_KEYS:
                raise InputError(f"dates.{key}", value, ", ".join(DATE_KEYS), "unknown date key")
            parsed[key] = parse_date(f"dates.{key}", value)
        self._items = {k: parsed[k] for k in DATE_KEYS if k in parsed}

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


def _choice(allowed: tuple[str, ...], nullable: bool = False) -> Any:
    def check(inst: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
        if value is None and nullable:
            return
        if not isinstance(value, str):
            raise InputError(attribute.name, value, ", ".join(allowed), f"wrong type {type(value).__name__}")
        if value not in allowed:
            raise InputError(attribute.name, value, ", ".join(allowed), "unknown value")

    return check


def _boolean(inst: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, bool):
        raise InputError(attribute.name, value, "true or false", f"wrong type {type(value).__name__}")


def _identifier(inst: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, str):
        raise InputError(attribute.name, value, "a string id", f"wrong type {type(value).__name__}")
    if not value:
        raise InputError(attribute.name, value, "a non-empty string id", "empty")


def _to_dates(value: object) -> Dates:
    if isinstance(value, Dates):
        return value
    return Dates(value)  # type: ignore[arg-type]


def _to_as_of(value: object) -> _dt.date | None:
    if value is None:
        return None
    return parse_date("as_of", value)


@attrs.frozen(kw_only=True)
class Activity:
    """One personal-data processing activity, as facts.

    >>> a = Activity(policy="jetpak-dk", purpose="marketing", channel="email", consent="given")
    >>> a.customer_status
    'customer'
    >>> Activity(policy="jetpak-dk", purpose="marketing", consent="maybe")
    Traceback (most recent call last):
    ...
    lawbasis.core.errors.InputError: 'consent': unknown value (got 'maybe'); allowed: none, given, explicit, withdrawn
    """

    policy: str = attrs.field(validator=_identifier)
    purpose: str = attrs.field(validator=_identifier)
    customer_status: str = attrs.field(default="customer", validator=_choice(CUSTOMER_STATUSES))
    channel: str | None = attrs.field(default=None, validator=_choice(CHANNELS, nullable=True))
    personalised: bool = attrs.field(default=False, validator=_boolean)
    consent: str = attrs.field(default="none", validator=_choice(CONSENTS))
    objection: str = attrs.field(default="none", validator=_choice(OBJECTIONS))
    compelling_grounds: bool = attrs.field(default=False, validator=_boolean)
    dispute: bool = attrs.field(default=False, validator=_boolean)
    special_category: bool = attrs.field(default=False, validator=_boolean)
    erasure_requested: bool = attrs.field(default=False, validator=_boolean)
    corporate_event: str = attrs.field(default="none", validator=_choice(CORPORATE_EVENTS))
    acquirer_similar: bool = attrs.field(default=False, validator=_boolean)
    dates: Dates = attrs.field(factory=Dates, converter=_to_dates)
    as_of: _dt.date | None = attrs.field(default=None, converter=_to_as_of)

    def __attrs_post_init__(self) -> None:
        if "consent_withdrawn" in self.dates and self.consent != "withdrawn":
            raise InputError(
                "dates.consent_withdrawn",
                self.dates["consent_withdrawn"].isoformat(),
                "a consent_withdrawn date only when consent is 'withdrawn'",
                f"consent is {self.consent!r}",
            )
        if "objection_received" in self.dates and self.objection == "none":
            raise InputError(
                "dates.objection_received",
                self.dates["objection_received"].isoformat(),
                "an objection_received date only when objection is 'general' or 'direct_marketing'",
                "objection is 'none'",
            )
        for earlier, later in DATE_ORDER:
            if earlier in self.dates and later in self.dates and self.dates[later] < self.dates[earlier]:
                raise InputError(
                    f"dates.{later}",
                    self.dates[later].isoformat(),
                    f"a date on or after dates.{earlier} ({self.dates[earlier].isoformat()})",
                    "dates in the wrong order",
                )

    @classmethod
    def from_dict(cls, data: object) -> Activity:
        """Build from a JSON object. Unknown keys and wrong types are errors."""
        if isinstance(data, Activity):
            return data
        if not isinstance(data, Mapping):
            raise InputError("activity", data, "a JSON object of facts", f"wrong type {type(data).__name__}")
        known = [f.name for f in attrs.fields(cls)]
        for key in data:
            if key not in known:
                raise InputError(str(key), data[key], ", ".join(known), "unknown key")
        for required in ("policy", "purpose"):
            if required not in data:
                raise InputError(required, None, "a required field", "missing")
        kwargs = dict(data)
        if kwargs.get("dates") is None:
            kwargs.pop("dates", None)
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; ``from_dict(a.to_dict()) == a``."""
        out: dict[str, Any] = {}
        for f in attrs.fields(type(self)):
            value = getattr(self, f.name)
            if f.name == "dates":
                value = value.to_dict()
            elif f.name == "as_of":
                value = value.isoformat() if value is not None else None
            out[f.name] = value
        return out

    def replace(self, **changes: Any) -> Activity:
        """A copy with some facts changed (validated like the original)."""
        return attrs.evolve(self, **changes)
