"""CEKURA A/S (cekura-dk): the rules of rules/cekura-dk.yaml against the policy text and the law.

Each test pins what the engine answers for one combination of facts: the bases, lawfulness, the
objection outcome, whether processing may go on, the retention window and the findings.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lawbasis
from tests.conftest import scaled

POLICY = "cekura-dk"
AS_OF = "2025-01-01"

BLOCK_A = "Databeskyttelsesforordningens artikel 6, stk. 1, litra a, litra b og litra f."
BLOCK_B = "Databeskyttelsesforordningens artikel 6, stk. 1, litra f."
ROW_1 = "Databeskyttelsesforordningens artikel 6, stk. 1, litra b og litra f."

# Findings every evaluation of a purpose reports whatever the facts (static per purpose).
STATIC = {
    "customer_relationship": {
        "cpr_condition_not_stated",
        "disclosure_statement_inconsistent",
        "end_action_ambiguous",
        "information_duty_shifted",
        "legal_obligation_stated_as_legitimate_interest",
        "marketing_consent_inconsistent",
    },
    "marketing": {"basis_mapping_ambiguous", "contract_basis_implausible", "end_action_ambiguous", "retention_scope_unclear"},
    "digital_services": {"basis_mapping_ambiguous", "device_access_consent_required", "end_action_ambiguous"},
    "call_recording": {"basis_mapping_ambiguous", "end_action_ambiguous"},
    "bookkeeping": {"disclosure_statement_inconsistent", "end_action_ambiguous", "legal_obligation_stated_as_legitimate_interest"},
    "competition": {"basis_not_stated", "consent_bundled_with_competition", "end_action_ambiguous"},
    "special_category_data": {"end_action_ambiguous"},
}


def ev(engine: lawbasis.Engine, purpose: str, **facts: Any) -> lawbasis.Decision:
    return engine.evaluate({"policy": POLICY, "purpose": purpose, "as_of": AS_OF, **facts})


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def policy_text() -> str:
    return norm((Path(lawbasis.default_rules_dir()) / "policies" / "cekura-da.txt").read_text(encoding="utf-8"))


# --- loading, purposes, quotes ------------------------------------------------------------------


def test_engine_loads_the_rule_file() -> None:
    engine = lawbasis.Engine()
    try:
        info = {p.id: p for p in engine.policies()}[POLICY]
        assert (info.controller, info.language, info.country) == ("CEKURA A/S", "da", "DK")
        assert engine.policy(POLICY).text_file == "policies/cekura-da.txt"
    finally:
        engine.close()


def test_purposes_and_headings(engine: lawbasis.Engine) -> None:
    headings = {p.id: p.heading for p in engine.purposes(POLICY)}
    assert headings == {
        "customer_relationship": "1. Administration af potentielle og eksisterende kundeforhold",
        "marketing": "2. Markedsføring, analyser og segmentering",
        "digital_services": "3. Administration og forbedring af vores digitale tjenester",
        "call_recording": "Vi optager også løbende telefonsamtaler til dokumentation og uddannelse af medarbejdere.",
        "bookkeeping": (
            "Bogføringsoplysninger (bl.a. fakturaer, tilgodehavender, betalingsoplysninger og lignende "
            "oplysninger som er nødvendige for at dokumentere vores bogføring)"
        ),
        "competition": "Konkurrencedeltagelser",
        "special_category_data": "Udover identifikationsoplysninger behandler vi i CEKURA følsomme personoplysninger om dig.",
    }
    text = policy_text()
    for heading in headings.values():
        assert norm(heading) in text


def test_every_quote_and_section_is_verbatim(engine: lawbasis.Engine) -> None:
    text = policy_text()
    rules = [r for r in engine.rulebase.rules if r.scope == POLICY]
    assert len(rules) >= 30
    quotes = 0
    for rule in rules:
        assert rule.cites, rule.id
        for cite in rule.cites:
            if cite.quote is None:
                continue
            quotes += 1
            assert cite.policy == POLICY, rule.id
            assert norm(cite.quote) in text, (rule.id, cite.quote)
            assert cite.section is not None and norm(cite.section) in text, (rule.id, cite.section)
    assert quotes >= 50


def test_every_finding_has_code_severity_message_and_citation(engine: lawbasis.Engine) -> None:
    seen: set[str] = set()
    for purpose in STATIC:
        for facts in ({}, {"special_category": True, "objection": "general", "dispute": True, "customer_status": "prospect"}):
            for finding in ev(engine, purpose, **facts).to_dict()["findings"]:
                assert re.fullmatch(r"[a-z0-9_]+", finding["code"])
                assert finding["severity"] in ("info", "warning", "violation")
                assert len(finding["message"]) > 20
                assert finding["cites"] and all(finding["cites"])
                seen.add(finding["code"])
    assert {"basis_mapping_ambiguous", "extension_open_ended", "special_category_relies_on_ordinary_consent"} <= seen


# --- the outcome table ------------------------------------------------------------------------
# One scenario per combination of facts, each answer in full: tests/scenarios/cekura-dk-outcomes.scenarios.yaml


def test_worked_example_4(engine: lawbasis.Engine) -> None:
    d = engine.evaluate({"policy": POLICY, "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-12-31"}})
    out = d.to_dict()
    assert out["retention"]["until"] == "2028-12-31"
    assert out["retention"]["period"] == "P5Y"
    assert out["retention"]["from"] == "fiscal_year_end"
    assert [b["letter"] for b in out["bases"]] == ["c"]
    assert out["bases"][0]["stated_in_policy"] is False
    assert "retention_differs_from_statute" not in d.finding_codes
    assert "dk/bogforingsloven/statutory-window" in d.fired()


# --- the flattened basis table ------------------------------------------------------------------


def _trace_quotes(d: lawbasis.Decision) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for step in d.trace:
        for cite in step.cites:
            if cite.quote is not None:
                out.setdefault(cite.quote, set()).add(step.rule)
    return out


@pytest.mark.parametrize(
    ("purpose", "chosen_rule", "chosen_block", "letters"),
    [
        ("marketing", "cekura-dk/marketing/legitimate-interest", BLOCK_A, ["f"]),
        ("digital_services", "cekura-dk/digital-services/legitimate-interest", BLOCK_B, ["f"]),
        ("call_recording", "cekura-dk/call-recording/legitimate-interest", BLOCK_B, ["f"]),
    ],
)
def test_basis_mapping_ambiguous_shows_both_readings(
    engine: lawbasis.Engine, purpose: str, chosen_rule: str, chosen_block: str, letters: list[str]
) -> None:
    d = ev(engine, purpose)
    assert d.basis_letters == letters
    finding = next(f for f in d.findings if f.code == "basis_mapping_ambiguous")
    assert finding.severity == "warning"
    assert {c.quote for c in finding.cites} >= {BLOCK_A, BLOCK_B}
    rendered = d.to_dict()["findings"]
    cites = next(f["cites"] for f in rendered if f["code"] == "basis_mapping_ambiguous")
    assert any(BLOCK_A in c for c in cites) and any(BLOCK_B in c for c in cites)
    quotes = _trace_quotes(d)
    assert chosen_rule in quotes[chosen_block]
    ambiguity_rule = f"cekura-dk/{purpose.replace('_', '-')}/basis-mapping-ambiguous"
    assert ambiguity_rule in quotes[BLOCK_A] and ambiguity_rule in quotes[BLOCK_B]
    assert chosen_rule in d.fired() and ambiguity_rule in d.fired()


def test_marketing_consent_reading_cites_block_a(engine: lawbasis.Engine) -> None:
    d = ev(engine, "marketing", channel="sms", consent="given")
    assert d.basis_letters == ["a"]
    assert d.bases[0].stated_in_policy is True
    assert "cekura-dk/marketing/consent" in _trace_quotes(d)[BLOCK_A]


def test_row_one_is_not_ambiguous(engine: lawbasis.Engine) -> None:
    d = ev(engine, "customer_relationship")
    assert "basis_mapping_ambiguous" not in d.finding_codes
    assert [(b.letter, b.stated_in_policy) for b in d.bases] == [("b", True), ("f", True)]
    assert "cekura-dk/customer-relationship/basis" in _trace_quotes(d)[ROW_1]


def test_marketing_never_returns_contract_basis(engine: lawbasis.Engine) -> None:
    for channel in ("email", "post", "web", None):
        for consent in ("none", "given"):
            d = ev(engine, "marketing", channel=channel, consent=consent)
            assert "b" not in d.basis_letters
            assert "contract_basis_implausible" in d.finding_codes


# --- marketing channels -------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["email", "sms", "mms", "automated_call", "phone"])
def test_electronic_and_telephone_marketing_need_consent(engine: lawbasis.Engine, channel: str) -> None:
    without = ev(engine, "marketing", channel=channel, customer_status="customer")
    assert (without.lawful, without.may_process, without.basis_letters) == ("no", False, [])
    assert "consent_required_not_given" in without.finding_codes
    assert "cekura-dk/marketing/electronic-telephone-needs-consent" in without.fired()
    with_consent = ev(engine, "marketing", channel=channel, consent="given")
    assert (with_consent.lawful, with_consent.may_process, with_consent.basis_letters) == ("yes", True, ["a"])
    assert (with_consent.objection.applies, with_consent.objection.continues) == ("21(2)", False)


@pytest.mark.parametrize("channel", ["post", "web", "social", None])
def test_post_ads_and_segmentation_on_legitimate_interest(engine: lawbasis.Engine, channel: str | None) -> None:
    d = ev(engine, "marketing", channel=channel)
    assert (d.lawful, d.basis_letters, d.may_process) == ("yes", ["f"], True)
    assert "cekura-dk/marketing/direct-marketing" in d.fired()
    assert "consent_required_not_given" not in d.finding_codes
    # SPEC 9.1: the policy limits its consent to the electronic and telephone marketing ("framelde dig
    # den elektroniske og/ eller telefoniske markedsføring"), so withdrawing it reaches only that:
    # letters, ads and segmentation go on on (f), nothing stopped
    withdrawn = ev(engine, "marketing", channel=channel, consent="withdrawn")
    assert (withdrawn.lawful, withdrawn.may_process) == ("yes", True)
    assert [(b.letter, b.stated_in_policy, b.stopped) for b in withdrawn.bases] == [("f", True, False)]
    fired = withdrawn.fired()
    assert "cekura-dk/marketing/consent-limited-to-channels" in fired
    assert "gdpr/consent/withdrawal-objects-to-direct-marketing" not in fired
    assert "gdpr/consent/no-swapping-after-withdrawal" not in fired
    # the same withdrawal on a channel it covers leaves nothing: (f) cannot replace the consent
    sms = ev(engine, "marketing", channel="sms", consent="withdrawn")
    assert (sms.lawful, sms.bases, sms.may_process) == ("no", (), False)


def test_marketing_window_counts_a_year_from_registration(engine: lawbasis.Engine) -> None:
    d = ev(engine, "marketing", channel="post", dates={"registered": "2024-02-29"})
    assert d.retention.until == dt.date(2025, 2, 28)
    assert d.may_process is True
    later = engine.evaluate(
        {"policy": POLICY, "purpose": "marketing", "channel": "post", "dates": {"registered": "2024-02-29"}, "as_of": "2025-03-01"}
    )
    assert later.may_process is False
    assert later.may_process_reasons == ("retention_window_closed",)


# --- special categories -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "facts"),
    [
        ("customer_relationship", {"consent": "given"}),
        ("call_recording", {}),
        ("special_category_data", {"consent": "given"}),
        ("digital_services", {"consent": "withdrawn"}),
        ("marketing", {"channel": "email", "consent": "given"}),
    ],
)
def test_special_category_without_explicit_consent(engine: lawbasis.Engine, purpose: str, facts: dict[str, Any]) -> None:
    d = ev(engine, purpose, special_category=True, **facts)
    assert d.lawful == "no"
    assert d.lawful_reasons == ("art9_condition_missing",)
    assert d.may_process is False
    codes = d.finding_codes
    assert "special_category_without_explicit_consent" in codes
    assert "special_category_relies_on_ordinary_consent" in codes
    finding = next(f for f in d.findings if f.code == "special_category_relies_on_ordinary_consent")
    assert finding.severity == "violation"
    assert {c.quote for c in finding.cites} >= {
        "Vi behandler udelukkende følsomme personoplysninger om dig, som du selv giver os.",
        "Vi må alene behandle persondata, såfremt vi er berettiget til det og det er vi, når du giver os samtykke til det.",
    }


@pytest.mark.parametrize(
    ("purpose", "bases"),
    [("customer_relationship", [("b", True), ("f", True)]), ("special_category_data", [("a", True)])],
)
def test_special_category_with_explicit_consent(engine: lawbasis.Engine, purpose: str, bases: list[tuple[str, bool]]) -> None:
    """Explicit consent satisfies Art. 9(2)(a) wherever health data are involved; SPEC 9.7: it is an
    Art. 6(1)(a) basis only where the policy offers consent (the sensitive data), never beside a
    contract that needs the data (the customer relationship: consent_not_offered)."""
    d = ev(engine, purpose, special_category=True, consent="explicit")
    assert d.lawful == "yes"
    assert d.may_process is True
    assert [(b.letter, b.stated_in_policy) for b in d.bases] == bases
    assert not any(b.stopped for b in d.bases)
    assert "special_category_without_explicit_consent" not in d.finding_codes
    assert "special_category_relies_on_ordinary_consent" not in d.finding_codes
    assert ("consent_not_offered" in d.finding_codes) is (purpose == "customer_relationship")


# Left with its first-edition expectation and failing on purpose (see the report and the scenario
# call_recording-22 of tests/scenarios/cekura-dk-outcomes.scenarios.yaml): consent given for recordings that serve training is dropped as not offered.
@pytest.mark.parametrize("purpose", ["call_recording"])
def test_special_category_with_explicit_consent_on_recordings(engine: lawbasis.Engine, purpose: str) -> None:
    d = ev(engine, purpose, special_category=True, consent="explicit")
    assert d.lawful == "yes"
    assert "a" in d.basis_letters
    assert "special_category_without_explicit_consent" not in d.finding_codes
    assert "special_category_relies_on_ordinary_consent" not in d.finding_codes


# --- retention details --------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", sorted(STATIC))
def test_end_action_is_delete_and_reported_ambiguous(engine: lawbasis.Engine, purpose: str) -> None:
    d = ev(engine, purpose)
    assert d.retention.action == "delete"
    assert "end_action_ambiguous" in d.finding_codes
    assert "end_action_not_stated" not in d.finding_codes
    assert "retention_not_stated" not in d.finding_codes
    finding = next(f for f in d.findings if f.code == "end_action_ambiguous")
    assert any(c.quote == "Herefter vil vi slette eller anonymisere dine personoplysninger på sikker vis." for c in finding.cites)


#: Dates that put every purpose's window in the past on the test's as_of.
PAST_WINDOWS = {
    "contract_ended": "2020-01-31",
    "relationship_ended": "2020-01-31",
    "fiscal_year_end": "2010-12-31",
    "competition_ended": "2020-01-31",
    "registered": "2020-01-31",
}


@pytest.mark.parametrize("purpose", sorted(STATIC))
def test_dispute_holds_every_window_open_ended(engine: lawbasis.Engine, purpose: str) -> None:
    d = ev(
        engine,
        purpose,
        dispute=True,
        consent="given",
        customer_status="former_customer",
        dates=PAST_WINDOWS,
    )
    assert d.retention.until is None
    assert d.retention.extended is True
    finding = next(f for f in d.findings if f.code == "extension_open_ended")
    assert finding.severity == "warning"
    assert "cekura-dk/retention/extension-open-ended" in d.fired()
    assert "window_closed" not in " ".join(d.may_process_reasons)
    # SPEC 9.4: section 7 ties the data to the dispute, so they are held: storage only, past the
    # window (window_until keeps its own end), whatever the purpose; none of them is the claim itself
    assert d.action_today == "hold"
    assert d.may_process is False
    assert "held_for_legal_claims" in d.may_process_reasons
    assert d.retention.window_until is not None and d.retention.window_until < dt.date(2025, 1, 1)
    assert next(f for f in d.findings if f.code == "held_for_legal_claims").severity == "info"
    assert "legal_claims_hold_possible" not in d.finding_codes
    calm = ev(
        engine,
        purpose,
        consent="given",
        customer_status="former_customer",
        dates=PAST_WINDOWS,
    )
    assert "extension_open_ended" not in calm.finding_codes
    assert calm.retention.extended is False and calm.retention.until is not None
    assert calm.may_process is False


def test_call_recording_erasure_is_the_policy_promise_and_the_law(engine: lawbasis.Engine) -> None:
    """SPEC 9.3: two grounds end the recording's (f): the request as an Art. 21(1) objection (c) and
    the policy's own promise to delete recordings on request; the recording goes now."""
    d = ev(engine, "call_recording", erasure_requested=True)
    assert [(b.letter, b.stated_in_policy, b.stopped) for b in d.bases] == [("f", True, True)]
    assert (d.may_process, d.may_process_reasons) == (False, ("every_basis_stopped",))
    assert d.action_today == "delete"
    fired = d.fired()
    assert "cekura-dk/call-recording/erasure-on-request" in fired
    assert {"gdpr/erasure/policy-promise", "gdpr/erasure/objects-to-legitimate-interest"} <= set(fired)
    assert "erasure_not_applicable" not in d.finding_codes
    # the promise alone ends it: compelling grounds defeat the objection, not the promise
    promised = ev(engine, "call_recording", erasure_requested=True, compelling_grounds=True)
    assert [(b.letter, b.stopped) for b in promised.bases] == [("f", True)]
    assert promised.may_process is False
    assert "gdpr/erasure/objects-to-legitimate-interest" not in promised.fired()
    assert "gdpr/erasure/policy-promise" in promised.fired()


def test_call_recording_training_consent_finding(engine: lawbasis.Engine) -> None:
    for consent, expected in (("none", True), ("withdrawn", True), ("given", False), ("explicit", False)):
        d = ev(engine, "call_recording", consent=consent)
        assert ("recording_for_training_without_consent" in d.finding_codes) is expected
    finding = next(f for f in ev(engine, "call_recording").findings if f.code == "recording_for_training_without_consent")
    assert finding.severity == "warning"
    assert any(c.law and "Datatilsynet" in c.law for c in finding.cites)


def test_retention_start_ambiguity_messages(engine: lawbasis.Engine) -> None:
    customer = next(f for f in ev(engine, "call_recording").findings if f.code == "retention_start_ambiguous")
    assert "opsigelsen af abonnement" in customer.message
    prospect = next(
        f for f in ev(engine, "customer_relationship", customer_status="prospect").findings if f.code == "retention_start_ambiguous"
    )
    assert "dialogue" in prospect.message


def test_competition_reports_missing_basis_and_bundled_consent(engine: lawbasis.Engine) -> None:
    d = ev(engine, "competition")
    by_code = {f.code: f for f in d.findings}
    assert by_code["basis_not_stated"].severity == "violation"
    assert by_code["consent_bundled_with_competition"].severity == "warning"
    assert any(c.law == "GDPR Art. 7(4)" for c in by_code["consent_bundled_with_competition"].cites)


def test_objection_right_overstated_only_where_the_law_gives_none(engine: lawbasis.Engine) -> None:
    assert "objection_right_overstated" in ev(engine, "bookkeeping", objection="general").finding_codes
    assert "objection_right_overstated" not in ev(engine, "bookkeeping").finding_codes
    assert "objection_right_overstated" not in ev(engine, "customer_relationship", objection="general").finding_codes
    assert "objection_right_overstated" not in ev(engine, "marketing", channel="email", consent="given", objection="general").finding_codes


# --- second edition of the legal model (SPEC 9) ---------------------------------------------------


def test_customer_relationship_general_objection_stops_f_and_keeps_b(engine: lawbasis.Engine) -> None:
    """SPEC 9.1: Art. 21(1) reaches the (f) part of the customer relationship only; the contract (b)
    goes on. (f) stays listed, stopped; the objection outcome speaks of the (f) processing."""
    d = ev(engine, "customer_relationship", objection="general")
    assert [(b.letter, b.stated_in_policy, b.stopped) for b in d.bases] == [("b", True, False), ("f", True, True)]
    assert d.lawful == "yes"
    assert (d.objection.applies, d.objection.continues, d.objection.reason) == ("21(1)", False, "no_compelling_legitimate_grounds")
    assert (d.may_process, d.may_process_reasons) == (True, ("lawful_and_inside_window",))
    assert d.action_today == "keep"
    f = next(f for f in d.findings if f.code == "processing_partly_stopped")
    assert (f.severity, f.rule) == ("warning", "gdpr/basis/partly-stopped")
    assert "GDPR Art. 6(1)(f)" in f.message and "GDPR Art. 6(1)(b)" not in f.message
    assert [s.concluded for s in d.trace if s.rule == "gdpr/objection/21-1-upheld"] == [
        {"stopped": {"letter": "f", "reason": "objection_upheld"}}
    ]
    assert "gdpr/objection/direct-marketing-stops-every-basis" not in d.fired()
    grounds = ev(engine, "customer_relationship", objection="general", compelling_grounds=True)
    assert not any(b.stopped for b in grounds.bases)
    assert "processing_partly_stopped" not in grounds.finding_codes


def test_partly_stopped_window_is_not_cut_at_the_objection(engine: lawbasis.Engine) -> None:
    """SPEC 9.1: the window is cut at the objection date only when every basis is stopped; with (b)
    still running the two months count from the end of the relationship."""
    d = ev(
        engine,
        "customer_relationship",
        objection="general",
        customer_status="former_customer",
        dates={"relationship_ended": "2024-12-15", "objection_received": "2024-12-20"},
    )
    assert [(b.letter, b.stopped) for b in d.bases] == [("b", False), ("f", True)]
    assert d.retention.until == dt.date(2025, 2, 15)
    assert d.may_process is True
    assert "gdpr/objection/erase-from-objection-date" not in d.fired()
    # letters on (f) alone: the objection stops every basis, and the window ends on its date
    post = ev(
        engine,
        "marketing",
        channel="post",
        objection="direct_marketing",
        dates={"registered": "2024-06-15", "objection_received": "2024-12-20"},
    )
    assert [(b.letter, b.stopped) for b in post.bases] == [("f", True)]
    assert post.retention.until == dt.date(2024, 12, 20)
    assert post.action_today == "delete"


def test_scheduled_objection_is_not_yet_effective(engine: lawbasis.Engine) -> None:
    """SPEC 9.2: an objection dated after as_of has not taken effect: nothing is stopped yet."""
    d = ev(engine, "customer_relationship", objection="general", dates={"objection_received": "2025-02-01"})
    assert [(b.letter, b.stopped) for b in d.bases] == [("b", False), ("f", False)]
    assert "processing_partly_stopped" not in d.finding_codes
    assert next(f for f in d.findings if f.code == "event_after_as_of").rule == "gdpr/events/scheduled-objection"


def test_call_recording_erasure_during_a_dispute_is_held_not_erased(engine: lawbasis.Engine) -> None:
    """SPEC 9.3 and 9.4: the promise to delete recordings on request ends (f), but section 7 keeps
    data for a dispute: the recording is held for the claim (storage only) instead of deleted."""
    d = ev(
        engine,
        "call_recording",
        erasure_requested=True,
        dispute=True,
        customer_status="former_customer",
        dates={"contract_ended": "2024-11-30"},
    )
    assert [(b.letter, b.stopped) for b in d.bases] == [("f", True)]
    assert d.action_today == "hold"
    assert d.may_process is False
    assert set(d.may_process_reasons) == {"every_basis_stopped", "held_for_legal_claims"}
    r = d.retention
    assert (r.extended, r.until, r.window_until) == (True, None, dt.date(2025, 1, 30))
    assert {"erasure_limited_by_legal_claims", "held_for_legal_claims"} <= set(d.finding_codes)
    after = ev(engine, "call_recording", erasure_requested=True, customer_status="former_customer", dates={"contract_ended": "2024-11-30"})
    assert (after.action_today, after.retention.extended) == ("delete", False)


def test_bookkeeping_statutory_duty_ends_with_the_window(engine: lawbasis.Engine) -> None:
    """SPEC 9.8: (c) rests on bogføringsloven and lasts as long as the duty: on the last day of the
    five years it holds, from the next day it lapses and the records are deleted."""
    last = engine.evaluate({"policy": POLICY, "purpose": "bookkeeping", "as_of": "2024-06-30", "dates": {"fiscal_year_end": "2019-06-30"}})
    assert [(b.letter, b.stated_in_policy, b.stopped) for b in last.bases] == [("c", False, False)]
    assert (last.lawful, last.may_process, last.action_today) == ("yes", True, "keep")
    nxt = engine.evaluate({"policy": POLICY, "purpose": "bookkeeping", "as_of": "2024-07-01", "dates": {"fiscal_year_end": "2019-06-30"}})
    assert (nxt.lawful, nxt.bases, nxt.may_process, nxt.action_today) == ("no", (), False, "delete")
    assert "gdpr/legal-obligation/statutory-duty-ended" in nxt.fired()


# --- invariants over many fact combinations ------------------------------------------------------

FACTS = st.fixed_dictionaries(
    {
        "purpose": st.sampled_from(sorted(STATIC)),
        "customer_status": st.sampled_from(["prospect", "customer", "former_customer"]),
        "channel": st.sampled_from([None, "email", "sms", "phone", "post", "web", "social"]),
        "consent": st.sampled_from(["none", "given", "explicit", "withdrawn"]),
        "objection": st.sampled_from(["none", "general", "direct_marketing"]),
        "dispute": st.booleans(),
        "special_category": st.booleans(),
        "erasure_requested": st.booleans(),
        "compelling_grounds": st.booleans(),
    }
)


@scaled(0.6)
@given(FACTS)
def test_invariants(engine: lawbasis.Engine, facts: dict[str, Any]) -> None:
    purpose = facts.pop("purpose")
    d = ev(engine, purpose, **facts)
    assert STATIC[purpose] <= set(d.finding_codes)
    assert d.retention.action == "delete" and d.retention.stated_in_policy
    assert ("extension_open_ended" in d.finding_codes) is facts["dispute"]
    assert d.retention.extended is facts["dispute"]
    if purpose == "marketing":
        assert (d.objection.applies, d.objection.continues) == ("21(2)", False)
        assert "b" not in d.basis_letters
    if facts["special_category"] and facts["consent"] != "explicit":
        assert d.lawful == "no" and not d.may_process
    if d.may_process:
        assert d.lawful == "yes"
    if purpose == "bookkeeping":
        assert "c" in d.basis_letters and d.objection.applies is None
    # SPEC 9.1: processing goes on only on a basis nothing stopped; a partial stop is reported
    if d.may_process:
        assert any(not b.stopped for b in d.bases)
    if any(b.stopped for b in d.bases) and any(not b.stopped for b in d.bases):
        assert "processing_partly_stopped" in d.finding_codes
    # SPEC 9.4: section 7 holds every purpose's data for a dispute, storage only (no purpose is the
    # claim itself)
    if facts["dispute"]:
        assert d.action_today == "hold" and d.retention.until is None and d.may_process is False
    # SPEC 9.3: erasure leaves processing going only where it reaches no basis
    if facts["erasure_requested"] and d.may_process:
        assert {"erasure_not_applicable", "erasure_limited_by_legal_obligation"} & set(d.finding_codes)
