"""Hypothesis strategies for testing services against lawbasis (and lawbasis against itself).

Every strategy builds inputs the way SPEC section 4 defines them, so a property test can range over
every policy and purpose an engine loads, including a user's own rule directory (``engine=``).

>>> from hypothesis import given, settings
>>> from lawbasis.strategies import activities
>>> import lawbasis
>>> @settings(max_examples=10)
... @given(activities("jetpak-dk", "marketing", objection="direct_marketing"))
... def test_objection_stops_marketing(activity):
...     decision = lawbasis.evaluate(activity)
...     assert decision.objection.continues is False
>>> test_objection_stops_marketing()

Strategies:

* :func:`activities` -- valid :class:`lawbasis.Activity` objects (any policy, one policy, one
  purpose; any field can be fixed or given its own strategy);
* :func:`activity_dicts` -- the same in JSON form (what a service would send over the wire);
* :func:`activity_dates` -- ``dates`` objects that respect the order the facts require
  (``DATE_ORDER``) and the coupling of ``consent_withdrawn`` / ``objection_received`` to
  ``consent`` / ``objection``;
* :func:`invalid_activity_cases` / :func:`invalid_activity_dicts` -- inputs SPEC section 7 says
  must be refused with a :class:`lawbasis.LawbasisError`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import attrs
from hypothesis import strategies as st

from lawbasis.core.activity import (
    CHANNELS,
    CONSENTS,
    CORPORATE_EVENTS,
    CUSTOMER_STATUSES,
    DATE_KEYS,
    DATE_ORDER,
    OBJECTIONS,
    Activity,
)
from lawbasis.core.errors import InputError
from lawbasis.engine.host import Engine, default_engine

__all__ = [
    "activities",
    "activity_dates",
    "activity_dicts",
    "as_of_dates",
    "invalid_activity_cases",
    "invalid_activity_dicts",
    "policy_purposes",
]

#: The span generated dates fall in. Wide enough to cross leap years and every bundled window.
MIN_DATE = _dt.date(2015, 1, 1)
MAX_DATE = _dt.date(2035, 12, 31)

_BOOL_FIELDS = (
    "personalised",
    "compelling_grounds",
    "dispute",
    "special_category",
    "erasure_requested",
    "acquirer_similar",
)
_CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "customer_status": CUSTOMER_STATUSES,
    "consent": CONSENTS,
    "objection": OBJECTIONS,
    "corporate_event": CORPORATE_EVENTS,
}
_FIELDS = tuple(f.name for f in attrs.fields(Activity))
_CONSTRAINABLE = tuple(f for f in _FIELDS if f not in ("policy", "purpose"))
_DEFAULTS: dict[str, Any] = {
    f.name: f.default
    for f in attrs.fields(Activity)
    if not isinstance(f.default, attrs.Factory)  # type: ignore[arg-type]
}


def _engine(engine: Engine | None) -> Engine:
    return engine if engine is not None else default_engine()


def policy_purposes(policy: str | None = None, *, engine: Engine | None = None) -> st.SearchStrategy[tuple[str, str]]:
    """``(policy, purpose)`` pairs the engine knows; with ``policy``, that policy's purposes only.

    >>> from hypothesis import find
    >>> from lawbasis.strategies import policy_purposes
    >>> find(policy_purposes("jetpak-dk"), lambda pair: pair[1] == "marketing")
    ('jetpak-dk', 'marketing')
    """
    eng = _engine(engine)
    ids = [policy] if policy is not None else [p.id for p in eng.policies()]
    pairs = [(pid, purpose.id) for pid in ids for purpose in eng.purposes(pid)]
    return st.sampled_from(pairs)


def as_of_dates(min_value: _dt.date = MIN_DATE, max_value: _dt.date = MAX_DATE) -> st.SearchStrategy[_dt.date]:
    """Days on which a question may be asked (``as_of``)."""
    return st.dates(min_value=min_value, max_value=max_value)


def _repair_order(dates: dict[str, _dt.date]) -> dict[str, _dt.date]:
    """Move every later date of a DATE_ORDER pair up to its earlier date where it came before it."""
    changed = True
    while changed:  # DATE_ORDER is acyclic, so this ends after at most len(DATE_ORDER) rounds
        changed = False
        for earlier, later in DATE_ORDER:
            if earlier in dates and later in dates and dates[later] < dates[earlier]:
                dates[later] = dates[earlier]
                changed = True
    return dates


@st.composite
def _dates(
    draw: st.DrawFn,
    consent: str,
    objection: str,
    keys: Sequence[str] | None,
    required: Sequence[str],
    min_value: _dt.date,
    max_value: _dt.date,
) -> dict[str, _dt.date]:
    allowed = [k for k in (keys if keys is not None else DATE_KEYS) if k in DATE_KEYS]
    if consent != "withdrawn":
        allowed = [k for k in allowed if k != "consent_withdrawn"]
    if objection == "none":
        allowed = [k for k in allowed if k != "objection_received"]
    chosen = set(required) | set(draw(st.lists(st.sampled_from(allowed), unique=True)) if allowed else [])
    out = {key: draw(st.dates(min_value=min_value, max_value=max_value)) for key in DATE_KEYS if key in chosen}
    return _repair_order(out)


def activity_dates(
    consent: str = "none",
    objection: str = "none",
    *,
    keys: Sequence[str] | None = None,
    required: Sequence[str] = (),
    min_value: _dt.date = MIN_DATE,
    max_value: _dt.date = MAX_DATE,
) -> st.SearchStrategy[dict[str, _dt.date]]:
    """``dates`` mappings valid for an activity with this ``consent`` and ``objection``.

    Every pair of ``DATE_ORDER`` comes out in order (equal dates allowed), ``consent_withdrawn``
    only when ``consent`` is ``"withdrawn"``, and ``objection_received`` only when there is an
    objection. ``keys`` limits the keys drawn from; ``required`` keys are always present.

    >>> from hypothesis import find
    >>> from lawbasis.strategies import activity_dates
    >>> d = find(activity_dates("withdrawn", required=["contact_collected", "consent_withdrawn"]),
    ...          lambda d: d["contact_collected"].year >= 2020)
    >>> sorted(d), d["contact_collected"] <= d["consent_withdrawn"]
    (['consent_withdrawn', 'contact_collected'], True)
    """
    for key in required:
        if key not in DATE_KEYS:
            raise InputError("required", key, ", ".join(DATE_KEYS), "unknown date key")
    if "consent_withdrawn" in required and consent != "withdrawn":
        raise InputError("required", "consent_withdrawn", "consent 'withdrawn'", f"consent is {consent!r}")
    if "objection_received" in required and objection == "none":
        raise InputError("required", "objection_received", "an objection", "objection is 'none'")
    return _dates(consent, objection, keys, tuple(required), min_value, max_value)


def _field_strategy(name: str) -> st.SearchStrategy[Any]:
    if name in _BOOL_FIELDS:
        return st.booleans()
    if name in _CHOICE_FIELDS:
        return st.sampled_from(_CHOICE_FIELDS[name])
    if name == "channel":
        return st.one_of(st.none(), st.sampled_from(CHANNELS))
    if name == "as_of":
        return as_of_dates()
    raise AssertionError(name)  # pragma: no cover - every constrainable field is handled above


def _as_strategy(value: Any) -> st.SearchStrategy[Any]:
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


@st.composite
def _activities(
    draw: st.DrawFn,
    pairs: st.SearchStrategy[tuple[str, str]],
    fixed: dict[str, st.SearchStrategy[Any]],
    date_keys: Sequence[str] | None,
    required_dates: Sequence[str],
) -> Activity:
    policy, purpose = draw(pairs)
    values: dict[str, Any] = {}
    for name in _CONSTRAINABLE:
        if name == "dates":
            continue
        values[name] = draw(fixed[name]) if name in fixed else draw(_field_strategy(name))
    if "dates" in fixed:
        values["dates"] = draw(fixed["dates"])
    else:
        values["dates"] = draw(_dates(values["consent"], values["objection"], date_keys, required_dates, MIN_DATE, MAX_DATE))
    return Activity(policy=policy, purpose=purpose, **values)


def activities(
    policy: str | None = None,
    purpose: str | None = None,
    *,
    engine: Engine | None = None,
    date_keys: Sequence[str] | None = None,
    required_dates: Sequence[str] = (),
    **constraints: Any,
) -> st.SearchStrategy[Activity]:
    """Valid :class:`lawbasis.Activity` objects.

    ``policy`` and ``purpose`` narrow the draw (by default: every purpose of every policy the engine
    loads; pass ``engine=lawbasis.Engine("my_rules")`` for your own rule directory). Any other
    Activity field given as a keyword is fixed to that value, or drawn from it when it is a
    hypothesis strategy. ``dates`` are drawn with :func:`activity_dates` so that they fit the drawn
    ``consent`` and ``objection`` (restrict the keys with ``date_keys``; ``required_dates`` are
    always present). ``as_of`` is always a concrete day, so answers never depend on the clock
    (pass ``as_of=None`` to ask "today").

    >>> from hypothesis import find, strategies as st
    >>> from lawbasis.strategies import activities
    >>> a = find(activities("jetpak-dk", "marketing", customer_status="customer", objection="general"),
    ...          lambda a: a.channel == "email")
    >>> a.policy, a.purpose, a.customer_status, a.objection, a.channel
    ('jetpak-dk', 'marketing', 'customer', 'general', 'email')
    >>> a = find(activities("jetpak-se", consent=st.sampled_from(["given", "explicit"])), lambda a: a.dispute)
    >>> a.consent in ("given", "explicit")
    True

    Unknown policies, purposes and fields, and fixed values an Activity would refuse, raise
    :class:`lawbasis.InputError` at once rather than at draw time.
    """
    eng = _engine(engine)
    if purpose is not None and policy is None:
        raise InputError("purpose", purpose, "a purpose together with its policy", "no policy given")
    if policy is not None:
        known = [p.id for p in eng.purposes(policy)]  # raises UnknownPolicyError
        if purpose is not None and purpose not in known:
            raise InputError("purpose", purpose, ", ".join(known), f"not a purpose of {policy}")
    pairs = st.just((policy, purpose)) if policy is not None and purpose is not None else policy_purposes(policy, engine=eng)
    fixed: dict[str, st.SearchStrategy[Any]] = {}
    for name, value in constraints.items():
        if name not in _CONSTRAINABLE:
            raise InputError(name, value, ", ".join(_CONSTRAINABLE), "not an Activity field")
        if not isinstance(value, st.SearchStrategy):
            # validate a fixed value now, with the same checks (and messages) an Activity makes
            Activity(policy="x", purpose="x", **{name: value})
        fixed[name] = _as_strategy(value)
    for key in (*(date_keys or ()), *required_dates):
        if key not in DATE_KEYS:
            raise InputError("date_keys", key, ", ".join(DATE_KEYS), "unknown date key")
    return _activities(pairs, fixed, tuple(date_keys) if date_keys is not None else None, tuple(required_dates))


def _drop_defaults(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        is_default = key in _DEFAULTS and (value == _DEFAULTS[key] or (key == "dates" and not value))
        if is_default and draw(st.booleans()):
            continue
        out[key] = value
    return out


@st.composite
def _dicts(draw: st.DrawFn, inner: st.SearchStrategy[Activity], sparse: bool) -> dict[str, Any]:
    data = draw(inner).to_dict()
    return _drop_defaults(draw, data) if sparse else data


def activity_dicts(
    policy: str | None = None,
    purpose: str | None = None,
    *,
    sparse: bool = True,
    **kwargs: Any,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid activities in JSON form (dates as ``YYYY-MM-DD`` strings), as a service sends them.

    Takes the arguments of :func:`activities`. With ``sparse`` (the default) keys whose value is
    the default are sometimes left out, as a real client would.

    >>> import json, lawbasis
    >>> from lawbasis.strategies import activity_dicts
    >>> from hypothesis import find
    >>> data = find(activity_dicts("jetpak-se", "bookkeeping"), lambda d: "dispute" in d)
    >>> lawbasis.evaluate(json.loads(json.dumps(data))).basis_letters
    ['c']
    """
    return _dicts(activities(policy, purpose, **kwargs), sparse)


# --- invalid inputs (SPEC section 7) ---------------------------------------------------------

_WRONG_TYPES: st.SearchStrategy[Any] = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.binary(max_size=4),
)
_IMPOSSIBLE_DATES = st.sampled_from(
    [
        "2025-02-30",
        "2023-02-29",
        "2025-13-01",
        "2025-00-10",
        "2025-04-31",
        "2025-1-1",
        "20250101",
        "2025/01/01",
        "01-01-2025",
        "",
        "today",
        "2025-01-01T00:00:00",
        " 2025-01-01",
        "2025-01-01 ",
    ]
)


def _valid(engine: Engine | None) -> st.SearchStrategy[dict[str, Any]]:
    return activity_dicts(engine=engine, sparse=True)


@st.composite
def invalid_activity_cases(draw: st.DrawFn, engine: Engine | None = None) -> tuple[str, Any]:  # noqa: C901
    """``(field, facts)``: facts with exactly one defect SPEC section 7 names, and the field at fault.

    The field is what :class:`lawbasis.InputError` must name (``dates.<key>`` for dates). Defects:
    unknown key, missing policy/purpose, wrong type, unknown value, unknown policy or purpose,
    unknown date key, impossible date, a ``consent_withdrawn`` date without withdrawn consent, an
    ``objection_received`` date without an objection, and dates in the wrong order.

    >>> import lawbasis
    >>> from hypothesis import find
    >>> from lawbasis.strategies import invalid_activity_cases
    >>> field, facts = find(invalid_activity_cases(), lambda case: case[0].startswith("dates."))
    >>> try:
    ...     lawbasis.evaluate(facts)
    ... except lawbasis.InputError as error:
    ...     print(error.field == field)
    True
    """
    eng = _engine(engine)
    data = draw(_valid(engine))
    kind = draw(
        st.sampled_from(
            [
                "unknown_key",
                "missing",
                "wrong_type",
                "unknown_value",
                "unknown_policy",
                "unknown_purpose",
                "unknown_date_key",
                "impossible_date",
                "withdrawn_without_withdrawal",
                "objection_date_without_objection",
                "wrong_order",
            ]
        )
    )
    if kind == "unknown_key":
        key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in _FIELDS))
        data[key] = draw(st.one_of(st.none(), st.text(max_size=5), st.integers()))
        return key, data
    if kind == "missing":
        key = draw(st.sampled_from(["policy", "purpose"]))
        del data[key]
        return key, data
    if kind == "wrong_type":
        name = draw(st.sampled_from([f for f in _FIELDS if f != "dates"] + ["dates"]))
        if name in _BOOL_FIELDS:
            value = draw(st.one_of(_WRONG_TYPES, st.sampled_from(["true", "false", "yes", 0, 1, None])))
        elif name == "dates":
            value = draw(st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)))
        elif name == "channel":
            value = draw(st.one_of(_WRONG_TYPES, st.booleans()))
        elif name == "as_of":
            value = draw(
                st.one_of(
                    st.integers(),
                    st.floats(allow_nan=False),
                    st.booleans(),
                    st.lists(st.integers(), max_size=1),
                    st.datetimes(min_value=_dt.datetime(2000, 1, 1), max_value=_dt.datetime(2040, 1, 1)),
                )
            )
        else:  # policy, purpose and the choice fields take strings only
            value = draw(st.one_of(_WRONG_TYPES, st.booleans(), st.none()))
        data[name] = value
        return name, data
    if kind == "unknown_value":
        name = draw(st.sampled_from([*_CHOICE_FIELDS, "channel"]))
        allowed = _CHOICE_FIELDS.get(name, CHANNELS)
        data[name] = draw(st.text(max_size=12).filter(lambda v: v not in allowed))
        return name, data
    if kind == "unknown_policy":
        known = {p.id for p in eng.policies()}
        data["policy"] = draw(st.text(min_size=1, max_size=12).filter(lambda v: v not in known))
        return "policy", data
    if kind == "unknown_purpose":
        known = {p.id for p in eng.purposes(data["policy"])}
        data["purpose"] = draw(st.text(min_size=1, max_size=12).filter(lambda v: v not in known))
        return "purpose", data
    dates = dict(data.get("dates") or {})
    if kind == "unknown_date_key":
        key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in DATE_KEYS))
        dates[key] = "2025-01-01"
        data["dates"] = dates
        return f"dates.{key}", data
    if kind == "impossible_date":
        key = draw(st.sampled_from(["as_of", *DATE_KEYS]))
        value = draw(_IMPOSSIBLE_DATES)
        if key == "as_of":
            data["as_of"] = value
            return "as_of", data
        if key == "consent_withdrawn":
            data["consent"] = "withdrawn"
        if key == "objection_received" and data.get("objection", "none") == "none":
            data["objection"] = "general"
        dates[key] = value
        data["dates"] = dates
        return f"dates.{key}", data
    if kind == "withdrawn_without_withdrawal":
        data["consent"] = draw(st.sampled_from([c for c in CONSENTS if c != "withdrawn"]))
        dates.pop("contact_collected", None)  # so that no order check can fire first
        dates["consent_withdrawn"] = draw(st.dates(MIN_DATE, MAX_DATE)).isoformat()
        data["dates"] = dates
        return "dates.consent_withdrawn", data
    if kind == "objection_date_without_objection":
        data["objection"] = "none"
        dates.pop("contact_collected", None)
        if data.get("consent") != "withdrawn":
            dates.pop("consent_withdrawn", None)
        dates["objection_received"] = draw(st.dates(MIN_DATE, MAX_DATE)).isoformat()
        data["dates"] = dates
        return "dates.objection_received", data
    # wrong order: one later date of a DATE_ORDER pair strictly before its earlier date
    earlier, later = draw(st.sampled_from(DATE_ORDER))
    first = draw(st.dates(_dt.date(2016, 1, 1), MAX_DATE))
    gap = draw(st.integers(min_value=1, max_value=3000))
    dates = {earlier: first.isoformat(), later: max(_dt.date(2000, 1, 1), first - _dt.timedelta(days=gap)).isoformat()}
    if later == "consent_withdrawn":
        data["consent"] = "withdrawn"
    if later == "objection_received":
        data["objection"] = draw(st.sampled_from(["general", "direct_marketing"]))
    data["dates"] = dates
    return f"dates.{later}", data


def invalid_activity_dicts(engine: Engine | None = None) -> st.SearchStrategy[Any]:
    """Facts that must be refused with a :class:`lawbasis.InputError` (see
    :func:`invalid_activity_cases`, which also says which field is at fault).

    >>> import lawbasis
    >>> from hypothesis import find
    >>> from lawbasis.strategies import invalid_activity_dicts
    >>> facts = find(invalid_activity_dicts(), lambda facts: "consent" in facts)
    >>> lawbasis.Activity.from_dict(facts)
    Traceback (most recent call last):
    ...
    lawbasis.core.errors.InputError: ...
    """
    return invalid_activity_cases(engine).map(lambda case: case[1])
