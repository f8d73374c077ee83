"""SPEC section 7: every bad input is a LawbasisError naming the field, the value and what is allowed,
and leaves nothing behind that changes the next answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import lawbasis
from lawbasis import Activity, InputError, LawbasisError, UnknownPolicyError, UnknownPurposeError
from lawbasis.core.activity import DATE_ORDER

VALID: dict[str, Any] = {
    "policy": "jetpak-dk",
    "purpose": "marketing",
    "customer_status": "customer",
    "channel": "email",
    "consent": "given",
    "dates": {"contract_ended": "2025-06-30", "contact_collected": "2024-01-10"},
    "as_of": "2026-01-01",
}

# (facts, exception class, field, value, a fragment of what is allowed)
BAD: list[tuple[dict[str, Any], type[InputError], str, Any, str]] = [
    # unknown key
    ({**VALID, "colour": "blue"}, InputError, "colour", "blue", "customer_status"),
    ({**VALID, "Consent": "given"}, InputError, "Consent", "given", "consent"),
    # missing required fields
    ({k: v for k, v in VALID.items() if k != "policy"}, InputError, "policy", None, "required"),
    ({k: v for k, v in VALID.items() if k != "purpose"}, InputError, "purpose", None, "required"),
    # wrong types
    ({**VALID, "personalised": "true"}, InputError, "personalised", "true", "true or false"),
    ({**VALID, "dispute": 1}, InputError, "dispute", 1, "true or false"),
    ({**VALID, "erasure_requested": None}, InputError, "erasure_requested", None, "true or false"),
    ({**VALID, "policy": 7}, InputError, "policy", 7, "string"),
    ({**VALID, "purpose": ["marketing"]}, InputError, "purpose", ["marketing"], "string"),
    ({**VALID, "policy": ""}, InputError, "policy", "", "non-empty"),
    ({**VALID, "consent": True}, InputError, "consent", True, "none, given, explicit, withdrawn"),
    ({**VALID, "channel": 3}, InputError, "channel", 3, "email, sms"),
    ({**VALID, "customer_status": None}, InputError, "customer_status", None, "prospect, customer, former_customer"),
    ({**VALID, "dates": ["2025-06-30"]}, InputError, "dates", ["2025-06-30"], "ISO dates"),
    ({**VALID, "dates": "2025-06-30"}, InputError, "dates", "2025-06-30", "ISO dates"),
    ({**VALID, "dates": {"contract_ended": ["2025-06-30"]}}, InputError, "dates.contract_ended", ["2025-06-30"], "YYYY-MM-DD"),
    ({**VALID, "dates": {"contract_ended": 20250630}}, InputError, "dates.contract_ended", 20250630, "YYYY-MM-DD"),
    ({**VALID, "as_of": 20260101}, InputError, "as_of", 20260101, "YYYY-MM-DD"),
    ({**VALID, "as_of": ["2026-01-01"]}, InputError, "as_of", ["2026-01-01"], "YYYY-MM-DD"),
    # unknown values
    ({**VALID, "consent": "maybe"}, InputError, "consent", "maybe", "none, given, explicit, withdrawn"),
    ({**VALID, "channel": "fax"}, InputError, "channel", "fax", "email, sms, mms, automated_call, phone, post, web, social"),
    ({**VALID, "objection": "yes"}, InputError, "objection", "yes", "none, general, direct_marketing"),
    ({**VALID, "customer_status": "lead"}, InputError, "customer_status", "lead", "prospect, customer, former_customer"),
    ({**VALID, "corporate_event": "merged"}, InputError, "corporate_event", "merged", "acquired, split, ceased, database_transferred"),
    ({**VALID, "channel": "EMAIL"}, InputError, "channel", "EMAIL", "email"),
    ({**VALID, "dates": {"signed": "2025-06-30"}}, InputError, "dates.signed", "2025-06-30", "contract_ended"),
    # impossible and non-ISO dates
    ({**VALID, "dates": {"contract_ended": "2025-02-30"}}, InputError, "dates.contract_ended", "2025-02-30", "YYYY-MM-DD"),
    ({**VALID, "dates": {"contract_ended": "2023-02-29"}}, InputError, "dates.contract_ended", "2023-02-29", "YYYY-MM-DD"),
    ({**VALID, "dates": {"contract_ended": "2025-13-01"}}, InputError, "dates.contract_ended", "2025-13-01", "YYYY-MM-DD"),
    ({**VALID, "dates": {"contract_ended": "30/06/2025"}}, InputError, "dates.contract_ended", "30/06/2025", "YYYY-MM-DD"),
    ({**VALID, "dates": {"contract_ended": "2025-6-30"}}, InputError, "dates.contract_ended", "2025-6-30", "YYYY-MM-DD"),
    ({**VALID, "dates": {"contract_ended": "20250630"}}, InputError, "dates.contract_ended", "20250630", "YYYY-MM-DD"),
    (
        {**VALID, "dates": {"contract_ended": "2025-06-30T00:00:00"}},
        InputError,
        "dates.contract_ended",
        "2025-06-30T00:00:00",
        "YYYY-MM-DD",
    ),
    ({**VALID, "dates": {"contract_ended": ""}}, InputError, "dates.contract_ended", "", "YYYY-MM-DD"),
    ({**VALID, "as_of": "2026-02-29"}, InputError, "as_of", "2026-02-29", "YYYY-MM-DD"),
    ({**VALID, "as_of": "yesterday"}, InputError, "as_of", "yesterday", "YYYY-MM-DD"),
    # a withdrawal date while consent is not withdrawn; an objection date without an objection
    ({**VALID, "dates": {"consent_withdrawn": "2025-07-01"}}, InputError, "dates.consent_withdrawn", "2025-07-01", "withdrawn"),
    (
        {**VALID, "consent": "none", "dates": {"consent_withdrawn": "2025-07-01"}},
        InputError,
        "dates.consent_withdrawn",
        "2025-07-01",
        "withdrawn",
    ),
    ({**VALID, "dates": {"objection_received": "2025-07-01"}}, InputError, "dates.objection_received", "2025-07-01", "general"),
]

# dates in the wrong order, one case for every pair of DATE_ORDER
for _earlier, _later in DATE_ORDER:
    _facts = {**VALID, "dates": {_earlier: "2025-06-30", _later: "2025-06-29"}}
    if _later == "consent_withdrawn":
        _facts["consent"] = "withdrawn"
    if _later == "objection_received":
        _facts["objection"] = "direct_marketing"
    BAD.append((_facts, InputError, f"dates.{_later}", "2025-06-29", f"dates.{_earlier} (2025-06-30)"))


def _ids() -> list[str]:
    return [f"{field}={value!r}" for _, _, field, value, _ in BAD]


def _check(exc: InputError, cls: type[InputError], field: str, value: Any, allowed: str) -> None:
    assert type(exc) is cls
    assert isinstance(exc, LawbasisError)
    assert exc.field == field
    assert exc.value == value
    assert allowed in exc.allowed
    message = str(exc)
    assert repr(field) in message
    assert repr(value) in message
    assert allowed in message


@pytest.mark.parametrize("facts,cls,field,value,allowed", BAD, ids=_ids())
def test_evaluate_rejects(facts: dict[str, Any], cls: type[InputError], field: str, value: Any, allowed: str) -> None:
    before = lawbasis.evaluate(VALID).to_dict()
    with pytest.raises(cls) as info:
        lawbasis.evaluate(facts)
    _check(info.value, cls, field, value, allowed)
    assert lawbasis.evaluate(VALID).to_dict() == before


@pytest.mark.parametrize("facts,cls,field,value,allowed", BAD, ids=_ids())
def test_from_dict_rejects(facts: dict[str, Any], cls: type[InputError], field: str, value: Any, allowed: str) -> None:
    with pytest.raises(cls) as info:
        Activity.from_dict(facts)
    _check(info.value, cls, field, value, allowed)


def test_unknown_policy() -> None:
    before = lawbasis.evaluate(VALID).to_dict()
    with pytest.raises(UnknownPolicyError) as info:
        lawbasis.evaluate({**VALID, "policy": "jetpak-no"})
    _check(info.value, UnknownPolicyError, "policy", "jetpak-no", "jetpak-dk, jetpak-se")
    assert isinstance(info.value, InputError)
    assert lawbasis.evaluate(VALID).to_dict() == before


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_unknown_purpose(policy: str) -> None:
    before = lawbasis.evaluate(VALID).to_dict()
    with pytest.raises(UnknownPurposeError) as info:
        lawbasis.evaluate({**VALID, "policy": policy, "purpose": "newsletter"})
    _check(
        info.value,
        UnknownPurposeError,
        "purpose",
        "newsletter",
        "contract, marketing, business_development, sales, restructuring, bookkeeping, crime_prevention",
    )
    assert policy in str(info.value)
    # a purpose of another policy is unknown too
    with pytest.raises(UnknownPurposeError):
        lawbasis.evaluate({"policy": policy, "purpose": "call_recording"})
    assert lawbasis.evaluate(VALID).to_dict() == before


@pytest.mark.parametrize("bad", [None, [], ["policy", "jetpak-dk"], "jetpak-dk", 3])
def test_activity_must_be_an_object(bad: Any) -> None:
    with pytest.raises(InputError) as info:
        lawbasis.evaluate(bad)
    assert info.value.field == "activity"
    assert "JSON object" in str(info.value)


def test_activity_constructor_validates_like_from_dict() -> None:
    with pytest.raises(InputError) as info:
        Activity(policy="jetpak-dk", purpose="marketing", consent="maybe")
    assert info.value.field == "consent"
    with pytest.raises(InputError):
        Activity(policy="jetpak-dk", purpose="marketing").replace(channel="fax")
    with pytest.raises(InputError) as info2:
        Activity(policy="jetpak-dk", purpose="marketing", as_of=dt.datetime(2026, 1, 1, 12, 0))
    assert info2.value.field == "as_of"


def test_valid_dates_on_the_same_day_are_in_order() -> None:
    d = lawbasis.evaluate({**VALID, "dates": {"contact_collected": "2025-06-30", "contract_ended": "2025-06-30"}})
    assert d.retention.until == dt.date(2028, 6, 30)


def test_round_trip_and_python_dates() -> None:
    a = Activity.from_dict(VALID)
    assert Activity.from_dict(a.to_dict()) == a
    b = Activity(
        policy="jetpak-dk",
        purpose="marketing",
        channel="email",
        consent="given",
        dates={"contract_ended": dt.date(2025, 6, 30), "contact_collected": dt.date(2024, 1, 10)},
        as_of=dt.date(2026, 1, 1),
    )
    assert b == a
    assert lawbasis.evaluate(b).to_dict() == lawbasis.evaluate(VALID).to_dict()


def test_many_bad_inputs_in_a_row_leave_no_state() -> None:
    expected = {
        pur: lawbasis.evaluate({"policy": "jetpak-se", "purpose": pur, "as_of": "2026-01-01"}).to_dict()
        for pur in ("contract", "marketing", "bookkeeping")
    }
    for facts, cls, *_ in BAD:
        with pytest.raises(cls):
            lawbasis.evaluate(facts)
        for pur, answer in expected.items():
            assert lawbasis.evaluate({"policy": "jetpak-se", "purpose": pur, "as_of": "2026-01-01"}).to_dict() == answer
