"""Properties of the Jetpak answers over generated facts (hypothesis, the public strategies)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import lawbasis
from lawbasis.core.calendar import Period, anchor_date
from lawbasis.strategies import activity_dicts
from tests.conftest import scaled

POLICIES = ("jetpak-dk", "jetpak-se")
LATER_KEYS = ("contract_ended", "relationship_ended", "consent_withdrawn", "objection_received")
CUT_KEYS = ("consent_withdrawn", "objection_received")
ELECTRONIC = ("email", "sms", "mms", "automated_call")


def effective(facts: dict[str, Any]) -> tuple[str, str]:
    """(consent, objection) as they stand on as_of: an event dated later has not happened (SPEC 9.2)."""
    dates, as_of = facts["dates"], facts["as_of"]
    consent, objection = facts["consent"], facts["objection"]
    if consent == "withdrawn" and dates.get("consent_withdrawn", "") > as_of:
        consent = "given"
    if objection != "none" and dates.get("objection_received", "") > as_of:
        objection = "none"
    return consent, objection


#: The facts of the open vocabulary held at what a customer relationship means, so that these properties
#: state the first-edition law: the data subject is the customer status, no Art. 9(2) condition beyond
#: explicit consent, no soft opt-in, a consumer recipient. The law of those facts has properties of its own
#: (lawbasis.invariants: soft opt-in, Art. 9(2), contract party, employees; tests/test_invariants.py).
CLASSIC = {
    "recipient": "consumer",
    "address_from_sale": False,
    "similar_products": False,
    "opt_out_at_collection": False,
    "opt_out_in_messages": False,
    "art9_condition": "none",
}


def activities(purpose: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """A valid Jetpak activity in JSON form: the public strategy over both Jetpak policies, the open
    vocabulary's facts held (``CLASSIC``)."""
    keys = ("contact_collected", *LATER_KEYS, "fiscal_year_end")
    drawn = st.one_of(*(activity_dicts(policy, purpose, sparse=False, date_keys=keys) for policy in POLICIES))
    return drawn.map(lambda f: {**f, **CLASSIC, "data_subject": f["customer_status"]})


@scaled(0.8)
@given(activities(purpose="marketing"))
def test_direct_marketing_objection_always_stops_marketing(facts: dict[str, Any]) -> None:
    d = lawbasis.evaluate(facts)
    assert d.objection.applies == "21(2)"
    assert d.objection.continues is False
    if effective(facts)[1] != "none":
        assert d.may_process is False
        # the objection reaches the marketing whatever its basis (SPEC 9.1): every basis is stopped
        assert all(b.stopped for b in d.bases)


@scaled(0.8)
@given(activities())
def test_art_21_2_never_continues(facts: dict[str, Any]) -> None:
    d = lawbasis.evaluate(facts)
    objection = effective(facts)[1]
    if d.objection.applies == "21(2)":
        assert d.objection.continues is False
        assert d.objection.reason == "direct_marketing_absolute"
        if objection != "none":
            assert d.may_process is False
    if d.objection.applies is None:
        assert not {"e", "f"} & set(d.basis_letters)
    if d.objection.applies == "21(1)":
        assert {"e", "f"} & set(d.basis_letters)
        # the legal-claims limb holds only for the purpose that is itself the claim: Jetpak's contract
        # section processes data "I tilfælde af en tvist" (SPEC 9.5); a dispute keeps nothing else going
        pursuing_claim = facts["dispute"] and facts["purpose"] == "contract"
        assert d.objection.continues is (facts["compelling_grounds"] or pursuing_claim or objection == "direct_marketing")
        if objection == "general" and not d.objection.continues:
            # 21(1) reaches (e) and (f) only; the other bases go on (SPEC 9.1)
            assert {b.letter for b in d.bases if b.stopped} >= {"e", "f"} & set(d.basis_letters)


@scaled(0.8)
@given(activities().map(lambda f: {**f, "consent": "withdrawn"}))
def test_withdrawn_consent_is_never_a_basis(facts: dict[str, Any]) -> None:
    d = lawbasis.evaluate(facts)
    if effective(facts)[0] != "withdrawn":
        return
    assert "a" not in d.basis_letters
    if facts["purpose"] != "marketing":
        return
    if facts["personalised"] or facts["channel"] in ELECTRONIC:
        # the withdrawal reaches the processing Jetpak asks consent for: no swapping to (f) (SPEC 9.1)
        assert d.basis_letters == []
        assert d.may_process is False
    elif effective(facts)[1] == "none" and not facts["erasure_requested"] and facts["corporate_event"] in ("none", "acquired", "split"):
        # Jetpak limits its consent to personalisation ("der er specielt tilpasset dig"): post marketing on
        # legitimate interest goes on after a withdrawal
        assert [(b.letter, b.stopped) for b in d.bases] == [("f", False)]


@scaled(0.4)
@given(
    activities(purpose="marketing").map(
        lambda f: {
            **f,
            "consent": "withdrawn",
            "objection": "none",
            "erasure_requested": False,
            "personalised": False,
            "corporate_event": "none",
            # the withdrawal has happened by as_of (a later one is not yet effective, SPEC 9.2)
            "dates": {
                k: v for k, v in f["dates"].items() if k != "objection_received" and not (k == "consent_withdrawn" and v > f["as_of"])
            },
        }
    ),
    st.sampled_from((None, "post", "phone", "web", "social")),
)
def test_withdrawal_leaves_post_marketing_on_legitimate_interest(facts: dict[str, Any], channel: str | None) -> None:
    """Jetpak's consent covers personalised offers and electronic channels only (SPEC 9.1)."""
    facts = {**facts, "channel": channel}
    d = lawbasis.evaluate(facts)
    assert [(b.letter, b.stopped) for b in d.bases] == [("f", False)]
    assert "a" not in d.basis_letters
    assert d.lawful == ("no" if facts["special_category"] else "yes")
    # the same activity, personalised, is what the withdrawal reaches: nothing is left to rest on
    personalised = lawbasis.evaluate({**facts, "personalised": True})
    assert personalised.basis_letters == [] and personalised.may_process is False


@scaled(0.6)
@given(activities(), activities())
def test_same_facts_same_answer_whatever_ran_before(facts: dict[str, Any], other: dict[str, Any]) -> None:
    first = lawbasis.evaluate(facts).to_dict()
    lawbasis.evaluate(other)
    assert lawbasis.evaluate(facts).to_dict() == first
    # the same facts as an Activity give the same answer
    assert lawbasis.evaluate(lawbasis.Activity.from_dict(facts)).to_dict() == first


@scaled(0.8)
@given(activities())
def test_bases_sorted_and_lawful_iff_a_basis(facts: dict[str, Any]) -> None:
    d = lawbasis.evaluate(facts)
    letters = d.basis_letters
    assert letters == sorted(set(letters))
    art9_problem = facts["special_category"] and facts["consent"] != "explicit"
    assert (d.lawful == "yes") == (bool(letters) and not art9_problem)
    if art9_problem:
        assert d.lawful == "no"
        assert "special_category_without_explicit_consent" in d.finding_codes
    if d.lawful != "yes":
        assert d.may_process is False
    # the answer is open only where no basis can be settled: crime prevention claims the public interest
    # without naming a law (SPEC 9.6), and restructuring with no corporate event and no similar acquirer
    # has no processing to rest on a basis yet
    open_question = facts["purpose"] == "crime_prevention" or (
        facts["purpose"] == "restructuring" and facts["corporate_event"] == "none" and not facts["acquirer_similar"]
    )
    assert (d.lawful == "undetermined") == (open_question and not art9_problem)
    if d.lawful == "undetermined":
        assert letters == []


@scaled(0.8)
@given(activities())
def test_until_is_never_before_the_anchor_date(facts: dict[str, Any]) -> None:
    d = lawbasis.evaluate(facts)
    r = d.retention
    if r.extended:
        assert r.until is None
        assert facts["dispute"] is True
    if r.until is None or r.period is None or r.from_ is None:
        return
    dates = lawbasis.Activity.from_dict(facts).dates
    start = anchor_date(r.from_, dates)
    cuts = [dates[k] for k in CUT_KEYS if k in dates]
    if start is None:  # anchor unknown: only an objection or a withdrawal can give a date
        assert r.until in cuts
        return
    end = Period.parse(r.period).add_to(start)
    assert r.until <= end
    if r.until != end:  # only an objection or a withdrawal ends the window early
        assert r.until in cuts
    else:
        assert r.until >= start
    assert (facts["as_of"] > r.until.isoformat()) <= (d.may_process is False)


@scaled(0.4)
@given(st.lists(activities(), min_size=1, max_size=4))
def test_evaluate_many_equals_evaluate(items: list[dict[str, Any]]) -> None:
    many = [d.to_dict() for d in lawbasis.evaluate_many(items)]
    assert many == [lawbasis.evaluate(f).to_dict() for f in items]
