"""Danish marketing law across every Danish policy the engine holds.

Markedsføringsloven § 10, stk. 1 forbids e-mail, SMS, MMS and automated-call marketing to anyone
(consumers and businesses) without prior consent; stk. 2 (soft opt-in) is the only exception and
needs an existing customer. GDPR Art. 21(2)-(3) make a direct-marketing objection absolute, and
Art. 7(3) means withdrawn consent is never a basis. Which purposes are direct marketing is not
listed here: it is discovered from each policy's own rules (a purpose whose objection is Art. 21(2)
when the person is reached by e-mail).
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

import lawbasis

DANISH = ("jetpak-dk", "jackon-dk", "cekura-dk", "sunclass-dk")
REQUIRED = ("jetpak-dk", "jackon-dk")
ELECTRONIC = ("email", "sms", "mms", "automated_call")
STATUSES = ("prospect", "customer", "former_customer")
MFL_RULES = ("dk/mfl-10/electronic-marketing", "dk/mfl-10/prior-consent")


@functools.cache
def _loaded() -> dict[str, str]:
    return {p.id: p.country for p in lawbasis.default_engine().policies()}


@functools.cache
def marketing_purposes(policy: str) -> tuple[str, ...]:
    engine = lawbasis.default_engine()
    found = []
    for purpose in engine.purposes(policy):
        d = engine.evaluate({"policy": policy, "purpose": purpose.id, "channel": "email", "customer_status": "prospect"})
        if d.objection.applies == "21(2)":
            found.append(purpose.id)
    return tuple(found)


def _require(policy: str) -> None:
    if policy not in _loaded():
        if policy in REQUIRED:
            pytest.fail(f"{policy} must be loaded")
        pytest.skip(f"{policy} is not loaded yet")
    assert _loaded()[policy] == "DK"


def ev(policy: str, purpose: str, **facts: Any) -> lawbasis.Decision:
    data: dict[str, Any] = {"policy": policy, "purpose": purpose, "as_of": "2026-01-15"}
    data.update({k: v for k, v in facts.items() if v is not None})
    return lawbasis.default_engine().evaluate(data)


def _cases(policy: str) -> list[str]:
    _require(policy)
    purposes = marketing_purposes(policy)
    assert purposes, f"{policy}: no purpose is direct marketing by e-mail"
    return list(purposes)


def _concludes_consent_required_by_law(d: lawbasis.Decision) -> bool:
    return any(
        step.concluded.get("consent_required") == {"source": "law"}
        or (isinstance(step.concluded.get("consent_required"), list) and {"source": "law"} in step.concluded["consent_required"])
        for step in d.trace
    )


def test_every_danish_policy_is_listed_here() -> None:
    """A Danish policy added later must be added to DANISH, so it is covered too."""
    danish = {pid for pid, country in _loaded().items() if country == "DK"}
    assert danish <= set(DANISH)
    assert set(REQUIRED) <= danish


@pytest.mark.parametrize("policy", REQUIRED)
def test_discovery_finds_the_known_marketing_purposes(policy: str) -> None:
    expected = {"jetpak-dk": {"marketing", "sales"}, "jackon-dk": {"targeted_marketing", "sales_contact"}}[policy]
    assert set(marketing_purposes(policy)) == expected


@pytest.mark.parametrize("policy", DANISH)
def test_electronic_dm_without_consent_is_unlawful(policy: str) -> None:
    for purpose in _cases(policy):
        for channel in ELECTRONIC:
            for status in STATUSES:
                d = ev(policy, purpose, channel=channel, customer_status=status, consent="none")
                if status != "prospect" and "dk/mfl-10/soft-opt-in" in d.fired():
                    continue  # stk. 2: the policy describes the soft opt-in for existing customers
                assert d.lawful == "no", (purpose, channel, status, d.lawful)
                assert d.may_process is False, (purpose, channel, status)
                assert "a" not in d.basis_letters
                assert "dk/mfl-10/prior-consent" in d.fired(), (purpose, channel, status)
                assert _concludes_consent_required_by_law(d)


@pytest.mark.parametrize("policy", DANISH)
def test_electronic_dm_with_consent_rests_on_consent(policy: str) -> None:
    for purpose in _cases(policy):
        for channel in ELECTRONIC:
            for consent in ("given", "explicit"):
                d = ev(policy, purpose, channel=channel, customer_status="prospect", consent=consent)
                assert "a" in d.basis_letters, (purpose, channel, consent)
                assert d.lawful == "yes", (purpose, channel, consent)


@pytest.mark.parametrize("policy", DANISH)
def test_withdrawn_consent_never_yields_a(policy: str) -> None:
    _require(policy)
    engine = lawbasis.default_engine()
    for purpose in engine.purposes(policy):
        for channel in (*ELECTRONIC, "post", None):
            for status in STATUSES:
                d = ev(
                    policy,
                    purpose.id,
                    channel=channel,
                    customer_status=status,
                    consent="withdrawn",
                    dates={"consent_withdrawn": "2025-06-01"},
                )
                assert "a" not in d.basis_letters, (purpose.id, channel, status)
                if purpose.id in marketing_purposes(policy) and channel in ELECTRONIC:
                    assert d.lawful == "no" or "dk/mfl-10/soft-opt-in" in d.fired(), (purpose.id, channel, status)


@pytest.mark.parametrize("policy", DANISH)
def test_dm_objection_always_stops(policy: str) -> None:
    for purpose in _cases(policy):
        for channel in (*ELECTRONIC, "post", "phone"):
            for consent in ("none", "given", "withdrawn"):
                for status in STATUSES:
                    d = ev(
                        policy,
                        purpose,
                        channel=channel,
                        consent=consent,
                        customer_status=status,
                        objection="direct_marketing",
                        compelling_grounds=True,
                        dispute=True,
                    )
                    assert d.objection.applies == "21(2)", (purpose, channel, consent, status)
                    assert d.objection.continues is False, (purpose, channel, consent, status)
                    assert d.may_process is False, (purpose, channel, consent, status)


@pytest.mark.parametrize("policy", DANISH)
def test_post_never_triggers_markedsforingsloven(policy: str) -> None:
    _require(policy)
    engine = lawbasis.default_engine()
    for purpose in engine.purposes(policy):
        for status in STATUSES:
            for consent in ("none", "given"):
                d = ev(policy, purpose.id, channel="post", customer_status=status, consent=consent)
                fired = d.fired()
                assert not any(rule in fired for rule in MFL_RULES), (purpose.id, status, consent)
                assert not _concludes_consent_required_by_law(d), (purpose.id, status, consent)
    # the same check has teeth: on e-mail the rule does fire for every marketing purpose
    for purpose_id in _cases(policy):
        d = ev(policy, purpose_id, channel="email", customer_status="prospect")
        assert _concludes_consent_required_by_law(d)
