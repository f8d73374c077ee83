"""The legal invariants (lawbasis.invariants) over every policy and purpose the engine loads.

Each check is also shown to fail on a decision broken on purpose, so none of them holds vacuously.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given

import lawbasis
from lawbasis import invariants as inv
from lawbasis.strategies import activities
from tests.conftest import scaled

ENGINE = lawbasis.default_engine()
PAIRS = [(p.id, purpose.id) for p in ENGINE.policies() for purpose in p.purposes.values()]


def test_every_policy_and_purpose_is_covered() -> None:
    assert {"jetpak-dk", "jetpak-se"} <= {p for p, _ in PAIRS}
    assert len(PAIRS) >= 14


@pytest.mark.parametrize(("policy", "purpose"), PAIRS, ids=[f"{p}/{q}" for p, q in PAIRS])
def test_invariants_hold(policy: str, purpose: str) -> None:
    @scaled(0.2)
    @given(activities(policy, purpose))
    def check(activity: lawbasis.Activity) -> None:
        inv.check_all(activity, ENGINE.evaluate(activity))

    check()


@scaled(0.6)
@given(activities(objection="direct_marketing", consent="withdrawn"))
def test_invariants_hold_for_objection_and_withdrawal_together(activity: lawbasis.Activity) -> None:
    inv.check_all(activity, ENGINE.evaluate(activity))


@scaled(0.6)
@given(activities(special_category=True, dispute=True, erasure_requested=True))
def test_invariants_hold_for_special_category_dispute_and_erasure(activity: lawbasis.Activity) -> None:
    inv.check_all(activity, ENGINE.evaluate(activity))


# --- every check can fail ---------------------------------------------------------------------

MARKETING = lawbasis.Activity(
    policy="jetpak-dk",
    purpose="marketing",
    channel="email",
    consent="given",
    objection="direct_marketing",
    dates={"contract_ended": "2025-06-30"},
    as_of="2026-01-01",
)


def _decision(activity: lawbasis.Activity) -> lawbasis.Decision:
    return ENGINE.evaluate(activity)


def test_dm_objection_check_catches_processing_that_goes_on() -> None:
    d = _decision(MARKETING)
    inv.check_direct_marketing_objection_stops(MARKETING, d)
    broken = attrs.evolve(d, objection=attrs.evolve(d.objection, continues=True))
    with pytest.raises(AssertionError, match="Art. 21\\(3\\) allows no override"):
        inv.check_direct_marketing_objection_stops(MARKETING, broken)
    with pytest.raises(AssertionError, match="may_process=True"):
        inv.check_direct_marketing_objection_stops(MARKETING, attrs.evolve(d, may_process=True))


def test_withdrawn_consent_check_catches_consent_basis() -> None:
    a = MARKETING.replace(consent="withdrawn", objection="none")
    d = _decision(a)
    assert "a" not in d.basis_letters
    inv.check_withdrawn_consent_never_basis(a, d)
    with pytest.raises(AssertionError, match=r"consent is withdrawn but bases=\['a'\]"):
        inv.check_withdrawn_consent_never_basis(a, attrs.evolve(d, bases=(lawbasis.Basis("a", True),)))
    with pytest.raises(AssertionError, match="consent='withdrawn'"):
        inv.check_consent_basis_needs_consent(a, attrs.evolve(d, bases=(lawbasis.Basis("a", True),)))


def test_retention_check_catches_processing_past_the_window() -> None:
    a = MARKETING.replace(objection="none", as_of="2029-01-01")
    d = _decision(a)
    assert d.retention.until.isoformat() == "2028-06-30" and d.may_process is False
    inv.check_retention_window_respected(a, d)
    with pytest.raises(AssertionError, match="after retention.until 2028-06-30, yet may_process=True"):
        inv.check_retention_window_respected(a, attrs.evolve(d, may_process=True))
    extended = attrs.evolve(d.retention, extended=True, until=None)
    with pytest.raises(AssertionError, match="no dispute is pending"):
        inv.check_retention_window_respected(a, attrs.evolve(d, retention=extended))


def test_lawful_check_catches_lawful_without_basis() -> None:
    a = MARKETING.replace(objection="none")
    d = _decision(a)
    inv.check_lawful_iff_basis(a, d)
    with pytest.raises(AssertionError, match="lawful='yes' with bases=\\[\\]"):
        inv.check_lawful_iff_basis(a, attrs.evolve(d, bases=()))
    with pytest.raises(AssertionError, match="lawful='no', yet may_process=True"):
        inv.check_lawful_iff_basis(a, attrs.evolve(d, lawful="no", bases=()))


def test_bases_check_catches_unsorted_bases() -> None:
    d = _decision(MARKETING)
    broken = attrs.evolve(d, bases=(lawbasis.Basis("f", True), lawbasis.Basis("a", True)))
    with pytest.raises(AssertionError, match="not sorted and unique"):
        inv.check_bases_sorted_unique(MARKETING, broken)


def test_objection_check_catches_null_objection_with_legitimate_interest() -> None:
    a = lawbasis.Activity(policy="jetpak-dk", purpose="business_development", as_of="2025-01-01")
    d = _decision(a)
    assert d.basis_letters == ["f"] and d.objection.applies == "21(1)"
    inv.check_objection_consistent(a, d)
    with pytest.raises(AssertionError, match="applies null"):
        inv.check_objection_consistent(a, attrs.evolve(d, objection=lawbasis.Objection(None, True, "x")))
    with pytest.raises(AssertionError, match="without compelling grounds"):
        inv.check_objection_consistent(a, attrs.evolve(d, objection=lawbasis.Objection("21(1)", True, "x")))


def test_special_category_check_catches_lawful_without_explicit_consent() -> None:
    a = MARKETING.replace(objection="none", special_category=True)
    d = _decision(a)
    assert d.lawful == "no"
    inv.check_special_category_needs_explicit_consent(a, d)
    with pytest.raises(AssertionError, match="without explicit consent, lawful='yes'"):
        inv.check_special_category_needs_explicit_consent(a, attrs.evolve(d, lawful="yes"))


def test_trace_check_catches_uncited_step() -> None:
    d = _decision(MARKETING)
    step = attrs.evolve(d.trace[0], cites=())
    with pytest.raises(AssertionError, match=f"trace step {d.trace[0].rule} cites nothing"):
        inv.check_trace_cites(MARKETING, attrs.evolve(d, trace=(step, *d.trace[1:])))


def test_erasure_check_catches_processing_after_erasure_request() -> None:
    a = MARKETING.replace(objection="none", erasure_requested=True)
    d = _decision(a)
    assert d.may_process is False
    with pytest.raises(AssertionError, match="erasure requested"):
        inv.check_erasure_request_stops(a, attrs.evolve(d, may_process=True))


def test_check_all_lists_every_failure() -> None:
    d = _decision(MARKETING)
    broken = attrs.evolve(d, may_process=True, bases=(lawbasis.Basis("f", True), lawbasis.Basis("a", True)))
    with pytest.raises(AssertionError) as info:
        inv.check_all(MARKETING.to_dict(), broken)
    text = str(info.value)
    assert "check_direct_marketing_objection_stops" in text and "check_bases_sorted_unique" in text


# --- the second edition's invariants can fail too -------------------------------------------------


def test_consent_check_catches_consent_where_none_is_offered() -> None:
    a = lawbasis.Activity(
        policy="jetpak-se", purpose="bookkeeping", consent="given", as_of="2026-01-01", dates={"fiscal_year_end": "2023-06-30"}
    )
    d = _decision(a)
    assert d.basis_letters == ["c"]
    inv.check_consent_counts_where_offered(a, d)
    with pytest.raises(AssertionError, match="no rule offers or requires consent"):
        inv.check_consent_counts_where_offered(a, attrs.evolve(d, bases=(lawbasis.Basis("a", False), *d.bases)))


def test_consent_check_catches_consent_beside_a_legal_obligation() -> None:
    d = _decision(MARKETING)
    assert d.basis_letters == ["a"]
    with pytest.raises(AssertionError, match=r"consent \(a\) beside \['c'\]"):
        inv.check_consent_counts_where_offered(MARKETING, attrs.evolve(d, bases=(*d.bases, lawbasis.Basis("c", False))))


def test_public_task_check_catches_e_without_a_law() -> None:
    a = lawbasis.Activity(policy="jetpak-dk", purpose="crime_prevention", as_of="2026-01-01")
    d = _decision(a)
    assert d.lawful == "undetermined" and d.basis_letters == []
    inv.check_public_task_needs_law(a, d)
    with pytest.raises(AssertionError, match=r"basis \(e\) without a rule naming the law"):
        inv.check_public_task_needs_law(a, attrs.evolve(d, bases=(lawbasis.Basis("e", True),), lawful="yes"))


def test_hold_check_catches_held_data_processed_for_another_purpose() -> None:
    a = lawbasis.Activity(
        policy="cekura-dk", purpose="marketing", channel="post", dispute=True, as_of="2026-01-01", dates={"registered": "2025-06-01"}
    )
    d = _decision(a)
    assert d.retention.extended is True and d.may_process is False and d.action_today == "hold"
    inv.check_held_data_are_stored_only(a, d)
    with pytest.raises(AssertionError, match="processed for a purpose that is not the claim"):
        inv.check_held_data_are_stored_only(a, attrs.evolve(d, may_process=True))
    with pytest.raises(AssertionError, match="data held, yet action_today='keep'"):
        inv.check_held_data_are_stored_only(a, attrs.evolve(d, action_today="keep"))


def test_scheduled_event_check_catches_an_event_applied_early() -> None:
    a = MARKETING.replace(objection="none", consent="withdrawn", dates={"contract_ended": "2025-06-30", "consent_withdrawn": "2026-06-01"})
    d = _decision(a)
    assert d.basis_letters == ["a"] and d.may_process is True
    inv.check_scheduled_event_not_yet_effective(a, d)
    with pytest.raises(AssertionError, match="without event_after_as_of"):
        inv.check_scheduled_event_not_yet_effective(a, attrs.evolve(d, findings=()))
    early = lawbasis.TraceStep("x/early", {"blocked": {"letter": "a", "reason": "consent_withdrawn"}}, ())
    with pytest.raises(AssertionError, match="consent treated as withdrawn before 2026-06-01"):
        inv.check_scheduled_event_not_yet_effective(a, attrs.evolve(d, trace=(*d.trace, early)))


def test_objection_check_catches_an_objection_that_stops_a_contract() -> None:
    a = lawbasis.Activity(policy="cekura-dk", purpose="customer_relationship", objection="general", as_of="2026-01-01")
    d = _decision(a)
    assert [(b.letter, b.stopped) for b in d.bases] == [("b", False), ("f", True)]
    inv.check_objection_consistent(a, d)
    wrong = lawbasis.TraceStep("x/wrong", {"stopped": {"letter": "b", "reason": "objection_upheld"}}, ())
    with pytest.raises(AssertionError, match=r"an Art. 21\(1\) objection stopped \['b'\]"):
        inv.check_objection_consistent(a, attrs.evolve(d, trace=(*d.trace, wrong)))
    with pytest.raises(AssertionError, match=r"yet bases \['f'\] go on"):
        inv.check_objection_consistent(a, attrs.evolve(d, bases=(lawbasis.Basis("b", True), lawbasis.Basis("f", True))))


# --- the law of the open vocabulary: soft opt-in, Art. 9(2), the data subject -------------------

SOFT_OPT_IN = lawbasis.Activity(
    policy="jackon-dk",
    purpose="sales_contact",
    channel="email",
    address_from_sale=True,
    similar_products=True,
    opt_out_at_collection=True,
    opt_out_in_messages=True,
    as_of="2026-01-01",
)


@given(activities("jackon-dk", "sales_contact", address_from_sale=True, similar_products=True, opt_out_at_collection=True))
def test_invariants_hold_near_the_soft_opt_in(activity: lawbasis.Activity) -> None:
    inv.check_all(activity, ENGINE.evaluate(activity))


@given(activities("jetpak-dk", special_category=True))
def test_invariants_hold_for_special_category_with_any_condition(activity: lawbasis.Activity) -> None:
    inv.check_all(activity, ENGINE.evaluate(activity))


def test_soft_opt_in_check_catches_a_prospect_and_a_missing_condition() -> None:
    d = _decision(SOFT_OPT_IN)
    assert d.lawful == "yes" and d.basis_letters == ["f"]
    inv.check_soft_opt_in_needs_every_condition(SOFT_OPT_IN, d)
    with pytest.raises(AssertionError, match="soft opt-in applied to data_subject='prospect'"):
        inv.check_soft_opt_in_needs_every_condition(SOFT_OPT_IN.replace(customer_status="prospect"), d)
    with pytest.raises(AssertionError, match=r"although \['opt_out_in_messages'\] do not hold"):
        inv.check_soft_opt_in_needs_every_condition(SOFT_OPT_IN.replace(opt_out_in_messages=False), d)
    with pytest.raises(AssertionError, match="after an opt-out"):
        inv.check_soft_opt_in_needs_every_condition(SOFT_OPT_IN.replace(objection="direct_marketing"), d)


def test_art9_check_catches_special_category_without_any_condition() -> None:
    a = lawbasis.Activity(
        policy="jetpak-dk",
        purpose="contract",
        special_category=True,
        art9_condition="vital_interests",
        dates={"contract_ended": "2025-06-30"},
        as_of="2026-01-01",
    )
    d = _decision(a)
    assert d.lawful == "yes" and d.may_process is True
    inv.check_special_category_needs_art9_condition(a, d)
    with pytest.raises(AssertionError, match=r"without any Art. 9\(2\) condition, lawful='yes'"):
        inv.check_special_category_needs_art9_condition(a.replace(art9_condition="none"), d)
    without = a.replace(art9_condition="none")
    refused = _decision(without)
    assert refused.lawful == "no"
    inv.check_special_category_needs_art9_condition(without, refused)
    with pytest.raises(AssertionError, match="may_process=True"):
        inv.check_special_category_needs_art9_condition(without, attrs.evolve(refused, may_process=True))


def test_contract_party_check_catches_contract_basis_for_a_representative() -> None:
    a = lawbasis.Activity(policy="jetpak-dk", purpose="contract", dates={"contract_ended": "2025-06-30"}, as_of="2026-01-01")
    d = _decision(a)
    assert d.basis_letters == ["b"]
    representative = a.replace(data_subject="representative")
    inv.check_contract_basis_needs_the_party(representative, _decision(representative))
    with pytest.raises(AssertionError, match=r"\(b\) is a basis for a representative"):
        inv.check_contract_basis_needs_the_party(representative, d)


def test_employee_marketing_check_catches_a_basis() -> None:
    a = lawbasis.Activity(policy="jetpak-dk", purpose="marketing", channel="post", as_of="2026-01-01")
    d = _decision(a)
    assert d.lawful == "yes"
    employee = a.replace(data_subject="employee")
    inv.check_no_marketing_basis_for_employees(employee, _decision(employee))
    with pytest.raises(AssertionError, match="direct marketing to employee with lawful='yes'"):
        inv.check_no_marketing_basis_for_employees(employee, d)


@given(activities("jetpak-dk", "contract", dispute=True))
def test_invariants_hold_for_disputes_with_any_dates(activity: lawbasis.Activity) -> None:
    inv.check_all(activity, ENGINE.evaluate(activity))


def test_hold_check_catches_a_hold_after_legal_claims_until() -> None:
    held = lawbasis.Activity(
        policy="jetpak-dk", purpose="contract", dispute=True, dates={"contract_ended": "2022-06-30"}, as_of="2026-01-01"
    )
    d = _decision(held)
    assert d.action_today == "hold" and d.retention.extended
    released = held.replace(dates={"contract_ended": "2022-06-30", "legal_claims_until": "2025-12-31"})
    r = _decision(released)
    assert r.action_today == "anonymise" and not r.retention.extended
    inv.check_hold_ends_with_legal_claims_until(released, r)
    with pytest.raises(AssertionError, match="held on 2026-01-01 although legal_claims_until is 2025-12-31"):
        inv.check_hold_ends_with_legal_claims_until(released, d)
