"""Abuse: every bad input of SPEC section 7, fuzzed JSON and random Python values.

Each gets a LawbasisError (never another exception type), and the engine answers the next call
exactly as before.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lawbasis
from lawbasis.core.activity import DATE_KEYS
from lawbasis.strategies import activity_dicts, invalid_activity_cases
from tests.conftest import MARKETING_EMAIL, scaled

ENGINE = lawbasis.default_engine()
REFERENCE = MARKETING_EMAIL
EXPECTED = ENGINE.evaluate(REFERENCE).to_dict()


def still_sane(engine: lawbasis.Engine = ENGINE) -> None:
    decision = engine.evaluate(REFERENCE)
    assert decision.to_dict() == EXPECTED
    assert decision.basis_letters == ["a"] and decision.retention.until == _dt.date(2028, 6, 30)


def refused(facts: Any, engine: lawbasis.Engine = ENGINE) -> lawbasis.LawbasisError:
    try:
        engine.evaluate(facts)
    except lawbasis.LawbasisError as exc:
        still_sane(engine)
        return exc
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{type(exc).__name__} escaped for {facts!r}: {exc}")
    pytest.fail(f"accepted {facts!r}")


SPEC_7 = [
    # (what, facts, error class, field)
    ("unknown policy", {"policy": "acme-dk", "purpose": "marketing"}, lawbasis.UnknownPolicyError, "policy"),
    ("unknown purpose", {"policy": "jetpak-dk", "purpose": "lottery"}, lawbasis.UnknownPurposeError, "purpose"),
    ("purpose of another policy", {"policy": "jetpak-dk", "purpose": "check_in"}, lawbasis.UnknownPurposeError, "purpose"),
    ("unknown key", {**REFERENCE, "colour": "red"}, lawbasis.InputError, "colour"),
    ("missing policy", {"purpose": "marketing"}, lawbasis.InputError, "policy"),
    ("missing purpose", {"policy": "jetpak-dk"}, lawbasis.InputError, "purpose"),
    ("wrong type: bool as string", {**REFERENCE, "dispute": "true"}, lawbasis.InputError, "dispute"),
    ("wrong type: bool as int", {**REFERENCE, "personalised": 1}, lawbasis.InputError, "personalised"),
    ("wrong type: choice as bool", {**REFERENCE, "consent": True}, lawbasis.InputError, "consent"),
    ("wrong type: dates as list", {**REFERENCE, "dates": ["2025-01-01"]}, lawbasis.InputError, "dates"),
    ("wrong type: date as int", {**REFERENCE, "dates": {"contract_ended": 20250630}}, lawbasis.InputError, "dates.contract_ended"),
    ("wrong type: policy as list", {**REFERENCE, "policy": ["jetpak-dk"]}, lawbasis.InputError, "policy"),
    ("unknown value", {**REFERENCE, "consent": "maybe"}, lawbasis.InputError, "consent"),
    ("unknown channel", {**REFERENCE, "channel": "pigeon"}, lawbasis.InputError, "channel"),
    ("unknown date key", {**REFERENCE, "dates": {"birthday": "2025-01-01"}}, lawbasis.InputError, "dates.birthday"),
    ("impossible date", {**REFERENCE, "dates": {"contract_ended": "2025-02-30"}}, lawbasis.InputError, "dates.contract_ended"),
    ("not a leap year", {**REFERENCE, "dates": {"fiscal_year_end": "2023-02-29"}}, lawbasis.InputError, "dates.fiscal_year_end"),
    ("impossible as_of", {**REFERENCE, "as_of": "2025-13-01"}, lawbasis.InputError, "as_of"),
    ("datetime as_of", {**REFERENCE, "as_of": "2025-01-01T10:00:00"}, lawbasis.InputError, "as_of"),
    (
        "consent_withdrawn while consent given",
        {**REFERENCE, "dates": {"consent_withdrawn": "2025-01-01"}},
        lawbasis.InputError,
        "dates.consent_withdrawn",
    ),
    (
        "objection_received without objection",
        {**REFERENCE, "dates": {"objection_received": "2025-01-01"}},
        lawbasis.InputError,
        "dates.objection_received",
    ),
    (
        "contract ended before contact collected",
        {**REFERENCE, "dates": {"contact_collected": "2025-06-30", "contract_ended": "2025-06-29"}},
        lawbasis.InputError,
        "dates.contract_ended",
    ),
    (
        "withdrawn before collected",
        {**REFERENCE, "consent": "withdrawn", "dates": {"contact_collected": "2025-06-30", "consent_withdrawn": "2024-01-01"}},
        lawbasis.InputError,
        "dates.consent_withdrawn",
    ),
    ("not an object", ["jetpak-dk", "marketing"], lawbasis.InputError, "activity"),
    ("null", None, lawbasis.InputError, "activity"),
]


@pytest.mark.parametrize(("what", "facts", "error", "field"), SPEC_7, ids=[c[0] for c in SPEC_7])
def test_spec_7_bad_input(what: str, facts: Any, error: type, field: str) -> None:
    exc = refused(facts)
    assert isinstance(exc, error), f"{what}: {type(exc).__name__}: {exc}"
    assert exc.field == field  # type: ignore[attr-defined]
    assert field in str(exc) and "allowed" in str(exc)


@scaled(0.6)
@given(invalid_activity_cases())
def test_generated_bad_input_names_the_field(case: tuple[str, Any]) -> None:
    field, facts = case
    exc = refused(facts)
    assert isinstance(exc, lawbasis.InputError) and exc.field == field


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = [
    "policy",
    "purpose",
    "customer_status",
    "channel",
    "personalised",
    "consent",
    "objection",
    "compelling_grounds",
    "dispute",
    "special_category",
    "erasure_requested",
    "corporate_event",
    "acquirer_similar",
    "dates",
    "as_of",
]


def _answers_or_refuses(facts: Any) -> None:
    try:
        decision = ENGINE.evaluate(facts)
    except lawbasis.LawbasisError:
        still_sane()
        return
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"{type(exc).__name__} escaped for {facts!r}: {exc}")
    json.dumps(decision.to_dict())  # an accepted input gives a JSON-able decision


@scaled(0.6)
@given(JSON)
def test_fuzzed_json_document(value: Any) -> None:
    _answers_or_refuses(value)


@scaled(0.6)
@given(activity_dicts(), st.sampled_from(FIELDS + ["dates.x"]), JSON)
def test_valid_facts_with_one_fuzzed_field(facts: dict, field: str, value: Any) -> None:
    if field == "dates.x":
        facts["dates"] = {**facts.get("dates", {}), "contract_ended": value}
    else:
        facts[field] = value
    _answers_or_refuses(facts)


class Weird:
    def __str__(self) -> str:
        raise RuntimeError("str() of a hostile object")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("== on a hostile object")

    __hash__ = object.__hash__


RANDOM_VALUES = st.one_of(
    st.just(math.nan),
    st.just(math.inf),
    st.integers(min_value=2**64),
    st.binary(max_size=6),
    st.sets(st.integers(), max_size=2),
    st.tuples(st.text(max_size=3)),
    st.just(object()),
    st.just(Weird()),
    st.datetimes(),
    st.dates().map(lambda d: d),
    st.just(b"jetpak-dk"),
    st.complex_numbers(allow_nan=False),
    st.frozensets(st.text(max_size=2), max_size=2),
    st.just(Ellipsis),
    st.just(type),
)


@scaled(0.6)
@given(st.sampled_from(FIELDS + [f"dates.{k}" for k in DATE_KEYS]), RANDOM_VALUES)
def test_random_python_types(field: str, value: Any) -> None:
    facts: dict[str, Any] = {"policy": "jetpak-dk", "purpose": "contract", "as_of": "2026-01-01"}
    if field.startswith("dates."):
        facts["dates"] = {field[6:]: value}
        if field == "dates.consent_withdrawn":
            facts["consent"] = "withdrawn"
        if field == "dates.objection_received":
            facts["objection"] = "general"
    else:
        facts[field] = value
    _answers_or_refuses(facts)


@pytest.mark.parametrize(
    "facts",
    [
        {1: "jetpak-dk"},
        {"policy": "jetpak-dk", "purpose": "marketing", "dates": {1: "2025-01-01"}},
        {"policy": "jetpak-dk", "purpose": "marketing", "dates": {"contract_ended": None}},
        {"policy": "jetpak-dk", "purpose": "marketing", "as_of": ""},
        {"policy": "", "purpose": "marketing"},
        {"policy": "jetpak-dk\x00", "purpose": "marketing"},
        {"policy": "jetpak-dk", "purpose": "marketing", "customer_status": "customer" * 10_000},
        {"policy": "jetpak-dk", "purpose": "$marketing"},
        {"policy": "jetpak-dk", "purpose": "marketing", "channel": "null"},
        "jetpak-dk",
        b"{}",
        42,
    ],
    ids=lambda v: repr(v)[:40],
)
def test_hostile_inputs(facts: Any) -> None:
    refused(facts)


def test_bad_item_in_a_batch_leaves_the_engine_sane() -> None:
    with pytest.raises(lawbasis.InputError):
        ENGINE.evaluate_many([REFERENCE, {**REFERENCE, "consent": "maybe"}, REFERENCE])
    still_sane()


def test_many_refusals_in_a_row_change_nothing() -> None:
    for i in range(200):
        with pytest.raises(lawbasis.LawbasisError):
            ENGINE.evaluate({**REFERENCE, "dates": {"contract_ended": f"2025-02-{30 + i % 2}"}})
    still_sane()
