"""Hypothesis strategies for testing services against lawbasis (and lawbasis against itself).

Every strategy builds inputs the way docs/reference/facts.md defines them, so a property test can range over
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
  (``after`` in the vocabulary) and the coupling of ``consent_withdrawn`` / ``objection_received``
  to ``consent`` / ``objection``;
* :func:`invalid_activity_cases` / :func:`invalid_activity_dicts` -- inputs that must be refused with a :class:`lawbasis.LawbasisError`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from lawbasis.core.activity import Activity
from lawbasis.core.errors import InputError
from lawbasis.core.vocabulary import BUILTIN, Field, Vocabulary, fact_value
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


def _constrainable(vocabulary: Vocabulary) -> tuple[str, ...]:
    """What ``activities`` lets a caller fix: every declared field, ``dates`` and ``as_of``."""
    return (*vocabulary.fields, "dates", "as_of")


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


def _repair_order(dates: dict[str, _dt.date], order: Sequence[tuple[str, str]] = BUILTIN.date_order) -> dict[str, _dt.date]:
    """Move every later date of an ordered pair up to its earlier date where it came before it."""
    changed = True
    while changed:  # the order is acyclic (a key is ordered after keys declared before it), so this ends
        changed = False
        for earlier, later in order:
            if earlier in dates and later in dates and dates[later] < dates[earlier]:
                dates[later] = dates[earlier]
                changed = True
    return dates


def _fits(vocabulary: Vocabulary, key: str, facts: Mapping[str, Any]) -> bool:
    """Whether a date key may be given with these facts (``consent_withdrawn`` only with consent withdrawn)."""
    requires = vocabulary.dates[key].requires
    return requires is None or fact_value(facts.get(requires[0], vocabulary.fields[requires[0]].default)) in requires[1]


@st.composite
def _dates(
    draw: st.DrawFn,
    facts: Mapping[str, Any],
    keys: Sequence[str] | None,
    required: Sequence[str],
    min_value: _dt.date,
    max_value: _dt.date,
    vocabulary: Vocabulary = BUILTIN,
) -> dict[str, _dt.date]:
    known = vocabulary.date_keys
    allowed = [k for k in (keys if keys is not None else known) if k in known and _fits(vocabulary, k, facts)]
    chosen = set(required) | set(draw(st.lists(st.sampled_from(allowed), unique=True)) if allowed else [])
    out = {key: draw(st.dates(min_value=min_value, max_value=max_value)) for key in known if key in chosen}
    return _repair_order(out, vocabulary.date_order)


def activity_dates(
    consent: str = "none",
    objection: str = "none",
    *,
    keys: Sequence[str] | None = None,
    required: Sequence[str] = (),
    min_value: _dt.date = MIN_DATE,
    max_value: _dt.date = MAX_DATE,
    engine: Engine | None = None,
    **facts: Any,
) -> st.SearchStrategy[dict[str, _dt.date]]:
    """``dates`` mappings valid for an activity with this ``consent`` and ``objection`` (and other ``facts``).

    Every ordered pair of dates comes out in order (equal dates allowed), ``consent_withdrawn``
    only when ``consent`` is ``"withdrawn"``, and ``objection_received`` only when there is an
    objection (and so for any date key the vocabulary couples to a field). ``keys`` limits the keys
    drawn from; ``required`` keys are always present. ``engine`` gives the vocabulary (the built-in
    one by default), so a rule directory's own date keys are drawn too.

    >>> from hypothesis import find
    >>> from lawbasis.strategies import activity_dates
    >>> d = find(activity_dates("withdrawn", required=["contact_collected", "consent_withdrawn"]),
    ...          lambda d: d["contact_collected"].year >= 2020)
    >>> sorted(d), d["contact_collected"] <= d["consent_withdrawn"]
    (['consent_withdrawn', 'contact_collected'], True)
    """
    vocabulary = engine.vocabulary if engine is not None else BUILTIN
    given = {"consent": consent, "objection": objection, **facts}
    for key in required:
        if key not in vocabulary.dates:
            raise InputError("required", key, ", ".join(vocabulary.date_keys), "unknown date key")
        if not _fits(vocabulary, key, given):
            field, allowed = vocabulary.dates[key].requires or ("", ())
            wanted = f"{field} " + " or ".join(repr(v) for v in allowed)
            raise InputError("required", key, wanted, f"{field} is {fact_value(given.get(field))!r}")
    return _dates(given, keys, tuple(required), min_value, max_value, vocabulary)


def _field_strategy(field: Field) -> st.SearchStrategy[Any]:
    """Every value a declared field can take."""
    if field.type == "bool":
        return st.booleans()
    values = st.sampled_from(field.values)
    return st.one_of(st.none(), values) if field.nullable else values


def _as_strategy(value: Any) -> st.SearchStrategy[Any]:
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


@st.composite
def _activities(
    draw: st.DrawFn,
    pairs: st.SearchStrategy[tuple[str, str]],
    fixed: dict[str, st.SearchStrategy[Any]],
    date_keys: Sequence[str] | None,
    required_dates: Sequence[str],
    vocabulary: Vocabulary = BUILTIN,
) -> Activity:
    policy, purpose = draw(pairs)
    values: dict[str, Any] = {}
    for name, field in vocabulary.fields.items():
        values[name] = draw(fixed[name]) if name in fixed else draw(_field_strategy(field))
    for field in vocabulary.fields.values():
        # mirrored fields agree where their values overlap: the drawn one follows the fixed one
        other = vocabulary.fields.get(field.mirrors or "")
        if other is not None and values[field.name] in other.values and values[field.name] != values[other.name]:
            if field.name in fixed:
                values[other.name] = values[field.name]
            else:
                values[field.name] = values[other.name]
    values["as_of"] = draw(fixed["as_of"]) if "as_of" in fixed else draw(as_of_dates())
    if "dates" in fixed:
        values["dates"] = draw(fixed["dates"])
    else:
        values["dates"] = draw(_dates(values, date_keys, required_dates, MIN_DATE, MAX_DATE, vocabulary))
    return Activity(policy=policy, purpose=purpose, vocabulary=vocabulary, **values)


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
    vocabulary = eng.vocabulary
    constrainable = _constrainable(vocabulary)
    fixed: dict[str, st.SearchStrategy[Any]] = {}
    for name, value in constraints.items():
        if name not in constrainable:
            raise InputError(name, value, ", ".join(constrainable), "not an Activity field")
        if not isinstance(value, st.SearchStrategy):
            # validate a fixed value now, with the same checks (and messages) an Activity makes
            Activity(policy="x", purpose="x", vocabulary=vocabulary, **{name: value})
        fixed[name] = _as_strategy(value)
    for key in (*(date_keys or ()), *required_dates):
        if key not in vocabulary.dates:
            raise InputError("date_keys", key, ", ".join(vocabulary.date_keys), "unknown date key")
    return _activities(pairs, fixed, tuple(date_keys) if date_keys is not None else None, tuple(required_dates), vocabulary)


def _drop_defaults(draw: st.DrawFn, data: dict[str, Any], vocabulary: Vocabulary) -> dict[str, Any]:
    out = {}
    defaults: dict[str, Any] = {**vocabulary.defaults(), "as_of": None}
    mirrored = {f.name for f in vocabulary.fields.values() if f.mirrors is not None}
    for key, value in data.items():
        # a mirrored field stays (its default follows the field it mirrors, not its own)
        is_default = key not in mirrored and key in defaults and value == defaults[key] and type(value) is type(defaults[key])
        if (is_default or (key == "dates" and not value)) and draw(st.booleans()):
            continue
        out[key] = value
    return out


@st.composite
def _dicts(draw: st.DrawFn, inner: st.SearchStrategy[Activity], sparse: bool) -> dict[str, Any]:
    activity = draw(inner)
    data = activity.to_dict()
    return _drop_defaults(draw, data, activity.vocabulary) if sparse else data


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


# --- invalid inputs (docs/reference/facts.md) -----------------------------------------------------

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


_Case = tuple[str, Any]


def _unknown_key(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    known = {"policy", "purpose", *eng.vocabulary.fields, "dates", "as_of"}
    key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in known))
    data[key] = draw(st.one_of(st.none(), st.text(max_size=5), st.integers()))
    return key, data


def _missing(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    key = draw(st.sampled_from(["policy", "purpose"]))
    del data[key]
    return key, data


def _wrong_type(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    fields = eng.vocabulary.fields
    name = draw(st.sampled_from(["policy", "purpose", *fields, "as_of", "dates"]))
    field = fields.get(name)
    if field is not None and field.type == "bool":
        value = draw(st.one_of(_WRONG_TYPES, st.sampled_from(["true", "false", "yes", 0, 1, None])))
    elif name == "dates":
        value = draw(st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)))
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
    elif field is not None and field.nullable:  # None is a value there
        value = draw(st.one_of(_WRONG_TYPES, st.booleans()))
    else:  # policy, purpose and the enum fields take strings only
        value = draw(st.one_of(_WRONG_TYPES, st.booleans(), st.none()))
    data[name] = value
    return name, data


def _unknown_value(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    name = draw(st.sampled_from([f.name for f in eng.vocabulary.fields.values() if f.type == "enum"]))
    allowed = eng.vocabulary.fields[name].values
    data[name] = draw(st.text(max_size=12).filter(lambda v: v not in allowed))
    return name, data


def _unknown_policy(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    known = {p.id for p in eng.policies()}
    data["policy"] = draw(st.text(min_size=1, max_size=12).filter(lambda v: v not in known))
    return "policy", data


def _unknown_purpose(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    known = {p.id for p in eng.purposes(data["policy"])}
    data["purpose"] = draw(st.text(min_size=1, max_size=12).filter(lambda v: v not in known))
    return "purpose", data


def _unknown_date_key(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    dates = dict(data.get("dates") or {})
    key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in eng.vocabulary.dates))
    dates[key] = "2025-01-01"
    data["dates"] = dates
    return f"dates.{key}", data


def _satisfy(vocabulary: Vocabulary, key: str, data: dict[str, Any], draw: st.DrawFn) -> None:
    """Set the field a date key is coupled to so that the date may be given."""
    requires = vocabulary.dates[key].requires
    if requires is not None and not _fits(vocabulary, key, data):
        data[requires[0]] = _from_fact_value(vocabulary.fields[requires[0]], draw(st.sampled_from(requires[1])))


def _from_fact_value(field: Field, value: str) -> Any:
    if field.type == "bool":
        return value == "true"
    return None if value == "null" else value


def _impossible_date(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    key = draw(st.sampled_from(["as_of", *eng.vocabulary.date_keys]))
    value = draw(_IMPOSSIBLE_DATES)
    if key == "as_of":
        data["as_of"] = value
        return "as_of", data
    _satisfy(eng.vocabulary, key, data, draw)
    data["dates"] = {**(data.get("dates") or {}), key: value}
    return f"dates.{key}", data


def _uncoupled_date(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    """A date given while the field it is coupled to says it cannot be (a withdrawal without withdrawn consent)."""
    vocabulary = eng.vocabulary
    key = draw(st.sampled_from([k for k, d in vocabulary.dates.items() if d.requires is not None]))
    field_name, allowed = vocabulary.dates[key].requires or ("", ())
    field = vocabulary.fields[field_name]
    data[field_name] = _from_fact_value(field, draw(st.sampled_from([v for v in field.rule_values if v not in allowed])))
    # only this one defect: other dates coupled to the field go, and nothing is ordered before it
    dates = {k: v for k, v in (data.get("dates") or {}).items() if _fits(vocabulary, k, data) and k not in vocabulary.dates[key].after}
    dates[key] = draw(st.dates(MIN_DATE, MAX_DATE)).isoformat()
    data["dates"] = dates
    return f"dates.{key}", data


def _wrong_order(draw: st.DrawFn, data: dict[str, Any], eng: Engine) -> _Case:
    """One later date of an ordered pair strictly before its earlier date."""
    earlier, later = draw(st.sampled_from(eng.vocabulary.date_order))
    first = draw(st.dates(_dt.date(2016, 1, 1), MAX_DATE))
    gap = draw(st.integers(min_value=1, max_value=3000))
    _satisfy(eng.vocabulary, later, data, draw)
    _satisfy(eng.vocabulary, earlier, data, draw)
    data["dates"] = {earlier: first.isoformat(), later: max(_dt.date(2000, 1, 1), first - _dt.timedelta(days=gap)).isoformat()}
    return f"dates.{later}", data


_DEFECTS: dict[str, Any] = {
    "unknown_key": _unknown_key,
    "missing": _missing,
    "wrong_type": _wrong_type,
    "unknown_value": _unknown_value,
    "unknown_policy": _unknown_policy,
    "unknown_purpose": _unknown_purpose,
    "unknown_date_key": _unknown_date_key,
    "impossible_date": _impossible_date,
    "uncoupled_date": _uncoupled_date,
    "wrong_order": _wrong_order,
}


@st.composite
def invalid_activity_cases(draw: st.DrawFn, engine: Engine | None = None) -> tuple[str, Any]:
    """``(field, facts)``: facts with exactly one defect docs/reference/facts.md refuses, and the field at fault.

    The field is what :class:`lawbasis.InputError` must name (``dates.<key>`` for dates). Defects:
    unknown key, missing policy/purpose, wrong type, unknown value, unknown policy or purpose,
    unknown date key, impossible date, a date the facts rule out (a ``consent_withdrawn`` date
    without withdrawn consent, an ``objection_received`` date without an objection), and dates in
    the wrong order. Fields, values and date keys come from the engine's vocabulary.

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
    kind = draw(st.sampled_from(sorted(_DEFECTS)))
    case: _Case = _DEFECTS[kind](draw, data, eng)
    return case


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
