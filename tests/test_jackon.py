"""Jackon Danmark A/S (jackon-dk): a policy that states no basis, no retention and no end action.

What the rules must still conclude: the two marketing purposes are direct marketing (Art. 21(2),
markedsføringsloven § 10 for electronic channels), the legal-obligation purpose rests on
Art. 6(1)(c) by law, the other three stay undetermined; and every gap of POLICIES.md 4.1 that the
facts or the purpose reveal is reported with a citation.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import lawbasis

POLICY = "jackon-dk"
HEADINGS = {
    "content_delivery": (
        "For at kunne levere indhold, når du beder om det, for eksempel til modtagere, som har sendt et "
        "kontakt- eller henvendelsesskema, eller direkte e-mail til vores kundeservice"
    ),
    "service_development": "For at forbedre og videreudvikle vores tjenester og digitale kanaler",
    "targeted_marketing": (
        "For at lave målgrupper og målrettet markedsføring. (Vi bruger både anonymiserede data og personoplysninger til dette)"
    ),
    "sales_contact": "For at kunne tage kontakt og tilbyde vores produkter og tjenester",
    "security": "For at sørge for god sikkerhed på vores digitale kanaler og afdække misbrug.",
    "legal_obligation": (
        "For at opfylde vores lovfæstede forpligtelser, f.eks. for at fremlægge oplysninger for kompetente "
        "myndigheder, når dette er pålagt os i henhold til dansk lovgivning."
    ),
}
PURPOSES = tuple(HEADINGS)
MARKETING = ("targeted_marketing", "sales_contact")
UNDETERMINED = ("content_delivery", "service_development", "security")
ELECTRONIC = ("email", "sms", "mms", "automated_call")
NON_ELECTRONIC = (None, "phone", "post", "web", "social")
AS_OF = "2026-01-15"


def ev(engine: lawbasis.Engine, purpose: str, **facts: Any) -> lawbasis.Decision:
    data: dict[str, Any] = {"policy": POLICY, "purpose": purpose, "as_of": AS_OF}
    data.update({k: v for k, v in facts.items() if v is not None})
    return engine.evaluate(data)


def finding(decision: lawbasis.Decision, code: str) -> lawbasis.Finding:
    matches = [f for f in decision.findings if f.code == code]
    assert matches, f"{code} not among {decision.finding_codes}"
    return matches[0]


def quotes(f: lawbasis.Finding) -> list[str]:
    return [c.quote for c in f.cites if c.quote is not None]


def laws(f: lawbasis.Finding) -> list[str]:
    return [c.law for c in f.cites if c.law is not None]


# --- metadata ------------------------------------------------------------------------------------


def test_policy_metadata(engine: lawbasis.Engine) -> None:
    (info,) = [p for p in engine.policies() if p.id == POLICY]
    assert (info.controller, info.language, info.country) == ("Jackon Danmark A/S", "da", "DK")
    assert {p.id: p.heading for p in info.purposes.values()} == HEADINGS
    assert [p.id for p in engine.purposes(POLICY)] == list(PURPOSES)


def test_headings_are_the_bullets_under_formaalet(engine: lawbasis.Engine) -> None:
    text = engine.policy(POLICY).text
    section = text.index("Formålet med den indhentede information")
    end = text.index("Hvordan beskytter vi dine oplysninger?")
    for heading in HEADINGS.values():
        assert section < text.index(heading) < end


# --- SPEC worked example 6 -----------------------------------------------------------------------


def test_worked_example_6_security(engine: lawbasis.Engine) -> None:
    d = lawbasis.evaluate({"policy": POLICY, "purpose": "security"})
    assert "basis_not_stated" in d.finding_codes
    assert "retention_not_stated" in d.finding_codes
    assert d.retention.until is None
    out = d.to_dict()
    # window_until (SPEC 5, 9.4): the window's own end ignoring holds; no window, so null as well
    assert out["retention"] == {
        "period": None,
        "from": None,
        "action": "delete",
        "until": None,
        "window_until": None,
        "extended": False,
        "stated_in_policy": False,
    }
    assert out["lawful"] == "undetermined"
    assert out["bases"] == []
    assert out["may_process"] is False
    assert out["action_today"] == "keep"
    assert d.may_process_reasons == ("not_lawful",)


# --- no basis, no retention: per purpose ---------------------------------------------------------


@pytest.mark.parametrize("purpose", PURPOSES)
def test_basis_not_stated_cites_the_purpose_bullet(engine: lawbasis.Engine, purpose: str) -> None:
    f = finding(ev(engine, purpose), "basis_not_stated")
    assert HEADINGS[purpose] in quotes(f)
    assert "GDPR Art. 13(1)(c)" in laws(f)
    assert f.rule == f"{POLICY}/{purpose.replace('_', '-')}/basis-not-stated"
    expected = "warning" if purpose == "legal_obligation" else "violation"
    assert f.severity == expected


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("dates", [{}, {"contact_collected": "2024-01-01", "relationship_ended": "2024-06-30"}])
def test_retention_not_stated_from_gdpr_fallback(engine: lawbasis.Engine, purpose: str, dates: dict[str, str]) -> None:
    d = ev(engine, purpose, dates=dates, consent="given")
    f = finding(d, "retention_not_stated")
    assert f.severity == "violation"
    assert f.rule == "gdpr/retention/not-stated"
    assert laws(f) == ["GDPR Art. 13(2)(a)", "GDPR Art. 5(1)(e)"]
    assert finding(d, "end_action_not_stated").severity == "warning"
    r = d.retention
    assert (r.period, r.from_, r.until, r.action, r.stated_in_policy, r.extended) == (None, None, None, "delete", False, False)
    assert not any("retention" in step.concluded for step in d.trace)


# --- direct marketing ----------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", MARKETING)
@pytest.mark.parametrize("channel", ELECTRONIC)
@pytest.mark.parametrize("status", ["prospect", "customer", "former_customer"])
def test_electronic_marketing_without_consent_is_unlawful(engine: lawbasis.Engine, purpose: str, channel: str, status: str) -> None:
    d = ev(engine, purpose, channel=channel, customer_status=status)
    assert d.lawful == "no"
    assert d.lawful_reasons == ("consent_required_not_given",)
    assert d.may_process is False
    assert d.bases == ()
    assert "dk/mfl-10/prior-consent" in d.fired()
    assert "dk/mfl-10/soft-opt-in" not in d.fired()
    assert "consent_required_not_given" in d.finding_codes
    f = finding(d, "consent_mechanism_not_described")
    assert "markedsføringsloven § 10, stk. 1" in laws(f)
    assert quotes(f) == [HEADINGS[purpose]]


def test_email_to_business_contact_person_needs_consent(engine: lawbasis.Engine) -> None:
    """The data are business contact details; markedsføringsloven § 10 protects "nogen" all the same."""
    d = ev(engine, "sales_contact", channel="email", customer_status="customer", objection="none")
    assert (d.lawful, d.may_process) == ("no", False)
    consent_steps = [s for s in d.trace if "consent_required" in s.concluded]
    assert [s.rule for s in consent_steps] == ["dk/mfl-10/prior-consent"]
    assert consent_steps[0].concluded["consent_required"] == {"source": "law"}


@pytest.mark.parametrize("purpose", MARKETING)
@pytest.mark.parametrize("channel", ELECTRONIC)
@pytest.mark.parametrize("consent", ["given", "explicit"])
def test_electronic_marketing_consent_is_basis_a_through_mfl_10(engine: lawbasis.Engine, purpose: str, channel: str, consent: str) -> None:
    """SPEC 9.7: the policy offers no consent, so consent counts only where a law requires it:
    markedsføringsloven § 10 on e-mail, SMS, MMS and automated calls. The basis is the law's, not
    the text's (stated_in_policy false)."""
    d = ev(engine, purpose, channel=channel, consent=consent)
    assert d.lawful == "yes"
    assert [(b.letter, b.stated_in_policy, b.stopped) for b in d.bases] == [("a", False, False)]
    assert d.to_dict()["bases"][0]["dpv"] == "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a"
    assert d.may_process is True
    assert (d.objection.applies, d.objection.continues, d.objection.reason) == ("21(2)", False, "direct_marketing_absolute")
    assert "consent_mechanism_not_described" in d.finding_codes
    assert "consent_required_not_given" not in d.finding_codes
    assert "consent_not_offered" not in d.finding_codes
    fired = d.fired()
    assert "gdpr/consent/required-by-law" in fired
    assert fired.index("dk/mfl-10/prior-consent") < fired.index("gdpr/consent/required-by-law")
    assert "gdpr/consent/offered" not in fired
    assert "gdpr/consent/required-by-policy" not in fired
    step = next(s for s in d.trace if s.rule == "dk/mfl-10/prior-consent")
    assert "markedsføringsloven § 10, stk. 1" in {c.law for c in step.cites}


@pytest.mark.parametrize(
    ("purpose", "channel"),
    [(p, c) for p in MARKETING for c in NON_ELECTRONIC if not (p == "targeted_marketing" and c in ("web", "social"))],
)
@pytest.mark.parametrize("consent", ["given", "explicit"])
def test_marketing_consent_off_the_electronic_channels_adds_no_basis(
    engine: lawbasis.Engine, purpose: str, channel: str | None, consent: str
) -> None:
    """SPEC 9.7: the text only mentions "eventuelt samtykke" in its rights section; it offers consent
    for no purpose, and off the electronic channels no law requires it, so consent adds no basis and
    the purpose (with no basis stated) stays undetermined."""
    d = ev(engine, purpose, channel=channel, consent=consent)
    assert d.lawful == "undetermined"
    assert d.lawful_reasons == ("no_basis_stated_or_settled_by_law",)
    assert d.bases == ()
    assert (d.may_process, d.may_process_reasons) == (False, ("not_lawful",))
    assert (d.objection.applies, d.objection.continues, d.objection.reason) == ("21(2)", False, "direct_marketing_absolute")
    f = finding(d, "consent_not_offered")
    assert (f.severity, f.rule) == ("warning", "gdpr/consent/not-offered")
    assert laws(f) == ["GDPR Art. 6(1)(a)", "GDPR Art. 7(4)"]
    assert "consent_mechanism_not_described" in d.finding_codes
    assert not any("consent_required" in s.concluded for s in d.trace)


# Jackon's device data from cookies are used for "markedsføring på internettet": targeting on the web
# or in social media needs consent by law (cookiebekendtgørelsen § 3), so consent given is basis (a),
# not stated in the policy (SPEC 9.7: consent counts where a law requires it).
@pytest.mark.parametrize("purpose", ["targeted_marketing"])
@pytest.mark.parametrize("channel", ["web", "social"])
@pytest.mark.parametrize("consent", ["given", "explicit"])
def test_consent_given_is_basis_a_not_stated_in_policy(engine: lawbasis.Engine, purpose: str, channel: str | None, consent: str) -> None:
    d = ev(engine, purpose, channel=channel, consent=consent)
    assert d.lawful == "yes"
    assert [(b.letter, b.stated_in_policy) for b in d.bases] == [("a", False)]
    assert d.to_dict()["bases"][0]["dpv"] == "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a"
    assert d.may_process is True
    assert (d.objection.applies, d.objection.continues, d.objection.reason) == ("21(2)", False, "direct_marketing_absolute")
    assert "consent_mechanism_not_described" in d.finding_codes
    assert "consent_required_not_given" not in d.finding_codes


@pytest.mark.parametrize("purpose", MARKETING)
@pytest.mark.parametrize("objection", ["direct_marketing", "general"])
@pytest.mark.parametrize("consent", ["none", "given", "withdrawn"])
@pytest.mark.parametrize("channel", ["email", "post", None])
def test_objection_stops_marketing(engine: lawbasis.Engine, purpose: str, objection: str, consent: str, channel: str | None) -> None:
    """Art. 21(2)-(3): neither compelling grounds nor a dispute keeps direct marketing going. Only
    consent on e-mail gives a basis (SPEC 9.7, markedsføringsloven § 10); the objection stops it
    (9.1, stays listed as stopped). A dispute holds nothing: Jackon ties no data to claims (9.4)."""
    d = ev(engine, purpose, channel=channel, consent=consent, objection=objection, compelling_grounds=True, dispute=True)
    assert (d.objection.applies, d.objection.continues, d.objection.reason) == ("21(2)", False, "direct_marketing_absolute")
    assert d.may_process is False
    assert d.action_today != "hold"
    assert d.retention.extended is False
    assert finding(d, "legal_claims_hold_possible").rule == "gdpr/legal-claims/hold-possible"
    assert "held_for_legal_claims" not in d.finding_codes
    if channel == "email" and consent == "given":
        assert d.lawful == "yes"
        assert [(b.letter, b.stated_in_policy, b.stopped) for b in d.bases] == [("a", False, True)]
        assert d.may_process_reasons == ("every_basis_stopped",)
        assert "gdpr/objection/direct-marketing-stops-every-basis" in d.fired()
        assert "processing_partly_stopped" not in d.finding_codes
    else:
        assert d.lawful == ("no" if channel == "email" else "undetermined")
        assert d.bases == ()
        assert d.may_process_reasons == ("not_lawful",)
        assert "gdpr/objection/direct-marketing-stops-every-basis" not in d.fired()


@pytest.mark.parametrize("purpose", MARKETING)
@pytest.mark.parametrize("channel", NON_ELECTRONIC)
def test_non_electronic_marketing_needs_no_consent_by_law(engine: lawbasis.Engine, purpose: str, channel: str | None) -> None:
    if purpose == "targeted_marketing" and channel in ("web", "social"):
        pytest.skip("targeting on the web reads the device: cookiebekendtgørelsen § 3 requires consent (next test)")
    d = ev(engine, purpose, channel=channel)
    assert d.lawful == "undetermined"
    assert d.may_process is False
    assert "dk/mfl-10/electronic-marketing" not in d.fired()
    assert not any("consent_required" in s.concluded for s in d.trace)
    assert "consent_mechanism_not_described" not in d.finding_codes
    assert d.objection.applies == "21(2)"


@pytest.mark.parametrize("channel", ["web", "social"])
@pytest.mark.parametrize(("consent", "lawful", "letters"), [("none", "no", []), ("given", "yes", ["a"]), ("explicit", "yes", ["a"])])
def test_targeting_on_the_web_needs_consent_by_cookie_law(
    engine: lawbasis.Engine, channel: str, consent: str, lawful: str, letters: list[str]
) -> None:
    """Marketing on the internet built on cookie data reads the user's device: consent is required by
    law (cookiebekendtgørelsen § 3), so it is the basis where given (stated false) and its absence
    makes the targeting unlawful (SPEC 9.7: consent counts where a law requires it)."""
    d = ev(engine, "targeted_marketing", channel=channel, consent=consent)
    assert d.lawful == lawful
    assert [(b.letter, b.stated_in_policy) for b in d.bases] == [(x, False) for x in letters]
    assert "dk/cookiebekendtgorelsen/targeting-needs-consent" in d.fired()
    assert "device_access_consent_required" in d.finding_codes
    assert ("consent_required_not_given" in d.finding_codes) is (consent == "none")
    assert "consent_not_offered" not in d.finding_codes


@pytest.mark.parametrize("purpose", MARKETING)
def test_right_to_object_not_stated_for_direct_marketing(engine: lawbasis.Engine, purpose: str) -> None:
    f = finding(ev(engine, purpose), "right_to_object_not_stated")
    assert f.severity == "violation"
    assert "GDPR Art. 21(4)" in laws(f)
    assert quotes(f) == ["Du har ret til at:"]


# --- legal obligation ----------------------------------------------------------------------------


@pytest.mark.parametrize("objection", ["none", "general", "direct_marketing"])
@pytest.mark.parametrize("channel", [None, "email", "post"])
def test_legal_obligation_settled_by_law(engine: lawbasis.Engine, objection: str, channel: str | None) -> None:
    d = ev(engine, "legal_obligation", objection=objection, channel=channel)
    assert d.lawful == "yes"
    assert [(b.letter, b.stated_in_policy) for b in d.bases] == [("c", False)]
    assert d.objection.applies is None
    assert d.objection.continues is True
    assert d.objection.reason == "no_right_to_object_for_basis"
    assert d.may_process is True
    assert "right_to_object_not_stated" not in d.finding_codes
    step = next(s for s in d.trace if s.rule == "jackon-dk/legal-obligation/basis-by-law")
    assert {c.law for c in step.cites if c.law} == {"GDPR Art. 6(1)(c)", "GDPR Art. 6(3)"}
    assert HEADINGS["legal_obligation"] in [c.quote for c in step.cites]


def test_legal_obligation_survives_erasure_request(engine: lawbasis.Engine) -> None:
    d = ev(engine, "legal_obligation", erasure_requested=True)
    assert d.may_process is True
    assert finding(d, "erasure_limited_by_legal_obligation").severity == "info"


def test_legal_obligation_rests_on_c_alone_whatever_the_consent(engine: lawbasis.Engine) -> None:
    """SPEC 9.7: consent never adds (a) beside (c): what the law requires does not depend on the
    person's choice, so consent given is reported (consent_not_offered) and a withdrawal changes
    nothing."""
    d = ev(engine, "legal_obligation", consent="withdrawn")
    assert [(b.letter, b.stated_in_policy, b.stopped) for b in d.bases] == [("c", False, False)]
    assert (d.lawful, d.may_process) == ("yes", True)
    assert "consent_not_offered" not in d.finding_codes
    for consent in ("given", "explicit"):
        given = ev(engine, "legal_obligation", consent=consent)
        assert [(b.letter, b.stated_in_policy, b.stopped) for b in given.bases] == [("c", False, False)]
        assert (given.lawful, given.may_process) == ("yes", True)
        assert given.objection.applies is None
        assert finding(given, "consent_not_offered").severity == "warning"


# --- undetermined purposes -----------------------------------------------------------------------


@pytest.mark.parametrize("purpose", UNDETERMINED)
@pytest.mark.parametrize("channel", [None, "email", "web"])
def test_undetermined_without_consent(engine: lawbasis.Engine, purpose: str, channel: str | None) -> None:
    d = ev(engine, purpose, channel=channel)
    assert d.lawful == "undetermined"
    assert d.bases == ()
    assert d.may_process is False
    assert d.objection.applies is None
    assert "dk/mfl-10/electronic-marketing" not in d.fired()


@pytest.mark.parametrize("purpose", UNDETERMINED)
def test_general_objection_without_basis_is_upheld_and_reported(engine: lawbasis.Engine, purpose: str) -> None:
    d = ev(engine, purpose, objection="general")
    assert (d.objection.applies, d.objection.continues) == (None, False)
    f = finding(d, "right_to_object_not_stated")
    assert f.severity == "warning"
    assert "GDPR Art. 21(1)" in laws(f)
    assert "right_to_object_not_stated" not in ev(engine, purpose).finding_codes
    assert "right_to_object_not_stated" not in ev(engine, purpose, objection="direct_marketing").finding_codes


@pytest.mark.parametrize("purpose", UNDETERMINED)
@pytest.mark.parametrize("consent", ["given", "explicit"])
@pytest.mark.parametrize("channel", [None, "email", "web"])
def test_undetermined_with_consent_stays_undetermined(engine: lawbasis.Engine, purpose: str, consent: str, channel: str | None) -> None:
    """SPEC 9.7: consent is a basis only where the policy offers it or a law requires it. Jackon
    offers consent for none of its purposes (the rights section presumes "eventuelt samtykke"
    without asking for it), and these purposes are not direct marketing, so no law requires it."""
    d = ev(engine, purpose, consent=consent, channel=channel)
    assert d.lawful == "undetermined"
    assert d.bases == ()
    assert (d.may_process, d.may_process_reasons) == (False, ("not_lawful",))
    assert (d.objection.applies, d.objection.continues, d.objection.reason) == (
        None,
        True,
        "no_basis_no_objection_to_weigh",
    )
    f = finding(d, "consent_not_offered")
    assert (f.severity, f.rule) == ("warning", "gdpr/consent/not-offered")
    assert "consent_mechanism_not_described" in d.finding_codes
    assert "consent_not_offered" not in ev(engine, purpose, channel=channel).finding_codes


# --- findings from POLICIES.md 4.1 ---------------------------------------------------------------


@pytest.mark.parametrize("purpose", PURPOSES)
def test_special_category_contradicts_policy(engine: lawbasis.Engine, purpose: str) -> None:
    d = ev(engine, purpose, special_category=True, consent="explicit")
    f = finding(d, "special_category_contrary_to_policy")
    assert f.severity == "violation"
    assert quotes(f) == ["Jackon behandler ikke nogen form for sensitive personoplysninger"]
    assert "GDPR Art. 9(1)" in laws(f)
    assert "special_category_contrary_to_policy" not in ev(engine, purpose, consent="explicit").finding_codes
    without = ev(engine, purpose, special_category=True)
    assert without.lawful == "no"
    assert {"special_category_contrary_to_policy", "special_category_without_explicit_consent"} <= set(without.finding_codes)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_device_data_claimed_non_identifying(engine: lawbasis.Engine, purpose: str) -> None:
    d = ev(engine, purpose)
    claim = "Informationen kan ikke identificere dig som person, men bruges til levering, udvikling og analyse af tjenester og markedsføring på internettet."
    if purpose in ("content_delivery", "service_development", "targeted_marketing"):
        f = finding(d, "device_data_claimed_non_identifying")
        assert f.severity == "warning"
        assert claim in quotes(f)
        assert "GDPR Recital 30" in laws(f)
        if purpose == "targeted_marketing":
            assert "Vi bruger både anonymiserede data og personoplysninger til dette" in quotes(f)
    else:
        assert "device_data_claimed_non_identifying" not in d.finding_codes


@pytest.mark.parametrize("purpose", PURPOSES)
def test_restriction_framed_as_consent(engine: lawbasis.Engine, purpose: str) -> None:
    f = finding(ev(engine, purpose), "restriction_framed_as_consent")
    assert f.severity == "warning"
    assert "GDPR Art. 18(1)" in laws(f)
    assert quotes(f) == ["tilbagetrække eller begrænse eventuelt samtykke til behandling af personoplysninger, som du har givet os."]


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("consent", ["none", "given", "explicit", "withdrawn"])
def test_consent_mechanism_not_described(engine: lawbasis.Engine, purpose: str, consent: str) -> None:
    d = ev(engine, purpose, consent=consent)  # no channel: markedsføringsloven does not enter
    if consent == "none":
        assert "consent_mechanism_not_described" not in d.finding_codes
    else:
        f = finding(d, "consent_mechanism_not_described")
        assert f.rule == "jackon-dk/rights/consent-mechanism-not-described"
        assert {"GDPR Art. 7(3)", "GDPR Art. 13(2)(c)"} <= set(laws(f))


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("channel", ELECTRONIC + NON_ELECTRONIC)
def test_withdrawn_consent_never_basis_a(engine: lawbasis.Engine, purpose: str, channel: str | None) -> None:
    d = ev(engine, purpose, channel=channel, consent="withdrawn", dates={"consent_withdrawn": "2025-05-01"})
    assert "a" not in d.basis_letters
    if purpose != "legal_obligation":
        assert d.may_process is False


# --- second edition of the legal model (SPEC 9) ---------------------------------------------------


@pytest.mark.parametrize("purpose", MARKETING)
@pytest.mark.parametrize("channel", ELECTRONIC)
def test_erasure_of_electronic_marketing_withdraws_consent_and_objects(engine: lawbasis.Engine, purpose: str, channel: str) -> None:
    """SPEC 9.3 (b) and (c): a request to erase marketing data withdraws the consent and is an
    objection to direct marketing; the only basis is stopped and the data go (no window: delete)."""
    d = ev(engine, purpose, channel=channel, consent="given", erasure_requested=True)
    assert d.lawful == "yes"
    assert [(b.letter, b.stated_in_policy, b.stopped) for b in d.bases] == [("a", False, True)]
    assert (d.may_process, d.may_process_reasons) == (False, ("every_basis_stopped",))
    assert d.action_today == "delete"
    fired = d.fired()
    assert {"gdpr/erasure/withdraws-consent", "gdpr/erasure/objects-to-direct-marketing"} <= set(fired)
    assert "gdpr/today/erased-without-window" in fired
    assert "erasure_not_applicable" not in d.finding_codes
    assert "processing_partly_stopped" not in d.finding_codes


@pytest.mark.parametrize("purpose", UNDETERMINED)
def test_erasure_of_processing_without_basis_deletes(engine: lawbasis.Engine, purpose: str) -> None:
    """SPEC 9.3 (d): processing without a basis (undetermined) has an Art. 17(1) ground; the data go
    now, while without the request the same decision keeps them (no window to end)."""
    d = ev(engine, purpose, erasure_requested=True)
    assert (d.lawful, d.bases, d.may_process) == ("undetermined", (), False)
    assert d.action_today == "delete"
    assert "gdpr/today/erased-without-window" in d.fired()
    assert "erasure_not_applicable" not in d.finding_codes
    assert ev(engine, purpose).action_today == "keep"


def test_erasure_never_ends_the_legal_obligation_even_in_a_dispute(engine: lawbasis.Engine) -> None:
    """SPEC 9.3: erasure never ends (c) (Art. 17(3)(b)); SPEC 9.4: disclosing data "ved pålæg fra
    domstolene" is a legal obligation, not a clause that keeps data for a claim, so a dispute holds
    nothing and the (c) processing simply goes on."""
    d = ev(engine, "legal_obligation", erasure_requested=True, dispute=True)
    assert [(b.letter, b.stated_in_policy, b.stopped) for b in d.bases] == [("c", False, False)]
    assert (d.may_process, d.may_process_reasons) == (True, ("lawful_and_inside_window",))
    assert d.action_today == "keep"
    assert d.retention.extended is False
    assert finding(d, "erasure_limited_by_legal_obligation").rule == "gdpr/erasure/legal-obligation-exception"
    assert finding(d, "legal_claims_hold_possible").severity == "info"
    assert not {"held_for_legal_claims", "erasure_limited_by_legal_claims", "erasure_not_applicable"} & set(d.finding_codes)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_a_dispute_holds_nothing_jackon_ties_no_data_to_claims(engine: lawbasis.Engine, purpose: str) -> None:
    """SPEC 9.4: the text has no clause that keeps data for a dispute or claim, so a pending dispute
    changes nothing but the finding legal_claims_hold_possible."""
    facts: dict[str, Any] = {"channel": "email", "consent": "given"} if purpose in MARKETING else {}
    without = ev(engine, purpose, **facts)
    d = ev(engine, purpose, dispute=True, **facts)
    assert (d.lawful, d.bases, d.may_process, d.objection) == (
        without.lawful,
        without.bases,
        without.may_process,
        without.objection,
    )
    assert d.action_today == without.action_today == "keep"
    assert d.retention == without.retention
    assert set(d.finding_codes) - set(without.finding_codes) == {"legal_claims_hold_possible"}
    assert not any("hold" in s.concluded for s in d.trace)


@pytest.mark.parametrize("purpose", MARKETING)
def test_scheduled_withdrawal_of_electronic_marketing_consent(engine: lawbasis.Engine, purpose: str) -> None:
    """SPEC 9.2: a withdrawal dated after as_of has not taken effect: the consent the law requires
    still counts (event_after_as_of); once the date has passed the marketing is unlawful again."""
    later = ev(engine, purpose, channel="sms", consent="withdrawn", dates={"consent_withdrawn": "2026-02-01"})
    assert later.lawful == "yes"
    assert [(b.letter, b.stated_in_policy, b.stopped) for b in later.bases] == [("a", False, False)]
    assert later.may_process is True
    assert finding(later, "event_after_as_of").rule == "gdpr/events/scheduled-withdrawal"
    assert "consent_required_not_given" not in later.finding_codes
    earlier = ev(engine, purpose, channel="sms", consent="withdrawn", dates={"consent_withdrawn": "2026-01-01"})
    assert (earlier.lawful, earlier.lawful_reasons) == ("no", ("consent_required_not_given",))
    assert (earlier.bases, earlier.may_process) == ((), False)
    assert "event_after_as_of" not in earlier.finding_codes


# --- explanation and sources ---------------------------------------------------------------------


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_step_cites_and_every_quote_is_verbatim(engine: lawbasis.Engine, purpose: str) -> None:
    text = engine.policy(POLICY).text
    d = ev(engine, purpose, channel="email", consent="given", objection="direct_marketing", special_category=True)
    assert d.trace
    for step in d.trace:
        if step.rule.startswith("calendar/"):
            continue
        assert step.cites, step.rule
        for cite in step.cites:
            if cite.quote is not None and cite.policy == POLICY:
                assert " ".join(cite.quote.split()) in text
    rendered = d.explain()
    assert "basis_not_stated" in rendered and "retention_not_stated" in rendered


def test_as_of_does_not_change_the_answer(engine: lawbasis.Engine) -> None:
    """No window: the answer is the same on any day (nothing can close an unknown window)."""
    a = ev(engine, "legal_obligation")
    b = engine.evaluate({"policy": POLICY, "purpose": "legal_obligation", "as_of": "2099-12-31"})
    assert (a.lawful, a.may_process, a.retention) == (b.lawful, b.may_process, b.retention)
    assert b.as_of == dt.date(2099, 12, 31)


# --- the answers come from the rule file ---------------------------------------------------------


def _edited_rules(tmp_path: Path, drop: str) -> Path:
    src = lawbasis.default_rules_dir()
    dst = tmp_path / "rules"
    shutil.copytree(src, dst)
    path = dst / "jackon-dk.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    before = len(data["rules"])
    data["rules"] = [r for r in data["rules"] if r["id"] != drop]
    assert len(data["rules"]) == before - 1
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


def test_dropping_the_legal_obligation_rule_changes_the_answer(tmp_path: Path) -> None:
    engine = lawbasis.Engine(_edited_rules(tmp_path, "jackon-dk/legal-obligation/basis-by-law"))
    try:
        d = engine.evaluate({"policy": POLICY, "purpose": "legal_obligation"})
        assert (d.lawful, d.bases, d.may_process) == ("undetermined", (), False)
    finally:
        engine.close()


def test_dropping_the_direct_marketing_flag_changes_the_answer(tmp_path: Path) -> None:
    engine = lawbasis.Engine(_edited_rules(tmp_path, "jackon-dk/sales-contact/direct-marketing"))
    try:
        d = engine.evaluate({"policy": POLICY, "purpose": "sales_contact", "channel": "email"})
        assert d.lawful == "undetermined"
        assert d.objection.applies is None
    finally:
        engine.close()
