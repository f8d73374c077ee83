"""The findings of the legal review, second edition (SPEC 9.9): where each policy's text gives cause.

For every finding and every purpose of its policy: the finding appears, with its exact code and
severity and citing the clause that gives cause, exactly on the purposes (and facts) where the text
gives cause, and nowhere else. Plus the restructuring change: no corporate event means the purpose
does not apply yet (undetermined), not that it is unlawful.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import lawbasis
from lawbasis.engine.rulefile import normalise_space

AS_OF = "2026-01-01"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def ev(engine: lawbasis.Engine, policy: str, purpose: str, **facts: Any) -> lawbasis.Decision:
    return engine.evaluate({"policy": policy, "purpose": purpose, "as_of": AS_OF, **facts})


def found(d: lawbasis.Decision, code: str) -> lawbasis.Finding | None:
    matches = [f for f in d.findings if f.code == code]
    assert len(matches) <= 1
    return matches[0] if matches else None


# (policy, code, severity, purposes where the text gives cause, facts, quotes the finding must cite,
#  law the finding must cite). Facts are the ones that make the finding depend on the case; the
# finding must be absent on every other purpose of the policy under the same facts.
CASES: list[tuple[str, str, str, set[str], dict[str, Any], list[str], str]] = [
    # 1. national identity numbers
    (
        "jetpak-dk",
        "cpr_condition_not_stated",
        "warning",
        {"contract"},
        {},
        ["personligt identifikationsnummer (i tilfælde af en privatkunde)"],
        "databeskyttelsesloven § 11, stk. 2",
    ),
    (
        "jetpak-se",
        "cpr_condition_not_stated",
        "warning",
        {"contract"},
        {},
        ["personnummer (om du är en privat kund)"],
        "dataskyddslagen (2018:218) 3 kap. 10 §",
    ),
    (
        "cekura-dk",
        "cpr_condition_not_stated",
        "warning",
        {"customer_relationship"},
        {},
        ["fuldmagtsforhold og CPR-nummer."],
        "databeskyttelsesloven § 11, stk. 2",
    ),
    # 2. data on criminal offences: Danish law allows a balancing (warning), Swedish law does not
    (
        "jetpak-dk",
        "criminal_offence_data",
        "warning",
        {"crime_prevention"},
        {},
        ["Vi udleverer også dine oplysninger, hvis vi modtager en anmodning fra anklager eller politi."],
        "databeskyttelsesloven § 8, stk. 3 og 4",
    ),
    (
        "jetpak-se",
        "criminal_offence_data",
        "violation",
        {"crime_prevention"},
        {},
        ["Vi kommer också att lämna ut uppgifter om dig om vi får en begäran från åklagare eller polis."],
        "dataskyddslagen (2018:218) 3 kap. 8 §",
    ),
    (
        "sunclass-dk",
        "criminal_offence_data",
        "warning",
        {"fraud_prevention"},
        {},
        [
            "Til at forhindre og opdage svigagtig eller kriminel aktivitet",
            "Selvom det ikke er påkrævet, at vi udleverer informationer til sådanne myndigheder",
        ],
        "databeskyttelsesloven § 8, stk. 3 og 4",
    ),
    # 3. tracking across sites, cookies
    (
        "jetpak-dk",
        "device_access_consent_required",
        "warning",
        {"marketing", "business_development", "sales"},
        {},
        ["hvilke sider du har besøgt på vores (og andre) hjemmeside"],
        "Directive 2002/58/EC Art. 5(3)",
    ),
    (
        "jetpak-se",
        "device_access_consent_required",
        "warning",
        {"marketing", "business_development", "sales"},
        {},
        ["vilka sidor du besökt på vår (och andras) webbplats"],
        "lagen (2022:482) om elektronisk kommunikation 9 kap. 28 §",
    ),
    (
        "jackon-dk",
        "device_access_consent_required",
        "warning",
        {"service_development", "targeted_marketing"},
        {},
        ["Vi bruger «cookies» (små tekstfiler) og lignende teknologier på vores digitale kanaler."],
        "cookiebekendtgørelsen (bekendtgørelse nr. 1148 af 09/12/2011) § 3",
    ),
    (
        "cekura-dk",
        "device_access_consent_required",
        "warning",
        {"digital_services"},
        {},
        ["Vi registrerer antal besøg på www.cekura.dk", "gælder vores Cookiepolitik"],
        "cookiebekendtgørelsen (bekendtgørelse nr. 1148 af 09/12/2011) § 3",
    ),
    (
        "sunclass-dk",
        "device_access_consent_required",
        "warning",
        {"marketing", "customer_experience"},
        {},
        ["På vores hjemmesider bruger vi cookies til at forbedre din oplevelse"],
        "cookiebekendtgørelsen (bekendtgørelse nr. 1148 af 09/12/2011) § 3",
    ),
    # 4. a merger read as cessation: every purpose, once the company has ceased
    (
        "jetpak-dk",
        "merger_read_as_cessation",
        "warning",
        {"contract", "marketing", "business_development", "sales", "restructuring", "bookkeeping", "crime_prevention"},
        {"corporate_event": "ceased"},
        ["f.eks. i form af en fusion, likvidation eller konkurs"],
        "GDPR Art. 13(1)(e)",
    ),
    (
        "jetpak-se",
        "merger_read_as_cessation",
        "warning",
        {"contract", "marketing", "business_development", "sales", "restructuring", "bookkeeping", "crime_prevention"},
        {"corporate_event": "ceased"},
        ["t.ex. genom en fusion, likvidation eller konkurs"],
        "GDPR Art. 13(1)(e)",
    ),
    # 5. CEKURA's Art. 14 duty pushed onto the customer
    (
        "cekura-dk",
        "information_duty_shifted",
        "warning",
        {"customer_relationship"},
        {},
        ["Du skal derfor henvise dem til denne Privatlivspolitik, når du giver os deres oplysninger."],
        "GDPR Art. 14(1)",
    ),
    # 6. CEKURA's health-data disclosure "agreed in advance"
    (
        "cekura-dk",
        "special_category_disclosure_without_explicit_consent",
        "warning",
        {"special_category_data"},
        {"special_category": True, "consent": "given"},
        ["medmindre dette er på forhånd aftalt med dig. Det kan være dine familiemedlemmer, praktiserende læger"],
        "GDPR Art. 9(2)(a)",
    ),
    # 7. restructuring with no corporate event
    (
        "jetpak-dk",
        "purpose_not_applicable",
        "info",
        {"restructuring"},
        {},
        ["vil Jetpak dele dine og andre kunders persondata til den overtagende virksomhed."],
        "GDPR Art. 6(1)(f)",
    ),
    (
        "jetpak-se",
        "purpose_not_applicable",
        "info",
        {"restructuring"},
        {},
        ["kommer Jetpak att lämna ut dina och andra kunders personuppgifter till det övertagande bolaget."],
        "GDPR Art. 6(1)(f)",
    ),
    # 8. the Swedish purpose list against its section heading
    (
        "jetpak-se",
        "purpose_list_differs_from_section",
        "info",
        {"crime_prevention"},
        {},
        ["Fullgöra våra rättsliga skyldigheter samt beivra brott", "Fullgöra våra rättsliga skyldigheter samt förebygga och beivra brott"],
        "GDPR Art. 5(1)(b)",
    ),
    # 9. customer service named in the list, with no section of its own
    ("jetpak-dk", "purpose_without_section", "warning", {"sales"}, {}, ["Salgsaktiviteter og kundeservice"], "GDPR Art. 13(1)(c)"),
    ("jetpak-se", "purpose_without_section", "warning", {"sales"}, {}, ["Sälj- eller kundserviceaktiviteter"], "GDPR Art. 13(1)(c)"),
    # further gaps of POLICIES.md 4.1 and 6.13
    (
        "jackon-dk",
        "controller_contact_not_stated",
        "warning",
        {"content_delivery", "service_development", "targeted_marketing", "sales_contact", "security", "legal_obligation"},
        {},
        ["Jackon Danmark A/S er dataansvarlig for personoplysninger"],
        "GDPR Art. 13(1)(a)",
    ),
    (
        "sunclass-dk",
        "transfer_mechanism_not_stated",
        "warning",
        {
            "booking",
            "bookkeeping",
            "check_in",
            "next_of_kin",
            "customer_experience",
            "fraud_prevention",
            "abandoned_booking",
            "research",
            "customer_care",
            "call_recording",
            "marketing",
            "group_sharing",
        },
        {},
        ["Ved en større IT-incident kan Microsoft overføre personoplysningerne til et tredjeland"],
        "GDPR Art. 13(1)(f)",
    ),
]

NEW_CODES = sorted({c[1] for c in CASES})


def _ids(case: tuple[Any, ...]) -> str:
    return f"{case[0]}-{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_finding_exactly_where_the_text_gives_cause(engine: lawbasis.Engine, case: tuple[Any, ...]) -> None:
    policy, code, severity, where, facts, quotes, law = case
    purposes = [p.id for p in engine.purposes(policy)]
    assert where <= set(purposes)
    for purpose in purposes:
        f = found(ev(engine, policy, purpose, **facts), code)
        if purpose not in where:
            assert f is None, f"{code} on {policy}/{purpose}, where the text gives no cause"
            continue
        assert f is not None, f"{code} missing on {policy}/{purpose}"
        assert f.severity == severity
        cited = [normalise_space(c.quote) for c in f.cites if c.quote is not None]
        for quote in quotes:
            assert any(normalise_space(quote) in c for c in cited), (purpose, quote)
        assert law in [c.law for c in f.cites if c.law is not None]
        assert all(c.policy == policy for c in f.cites if c.quote is not None)
        # one or two plain sentences: what is wrong and what the law requires
        assert 40 < len(f.message) < 700
        assert f.message.endswith(".")
        assert len(re.findall(r"[.!?]\s+[A-Z]", f.message)) <= 1, f.message


@pytest.mark.parametrize(
    ("policy", "code", "facts"),
    [
        # the finding depends on the facts: without them it stays away even where the text gives cause
        ("jetpak-dk", "merger_read_as_cessation", {"corporate_event": "acquired"}),
        ("jetpak-dk", "merger_read_as_cessation", {"corporate_event": "database_transferred"}),
        ("jetpak-se", "merger_read_as_cessation", {"corporate_event": "split"}),
        ("jetpak-se", "merger_read_as_cessation", {}),
        ("jetpak-dk", "purpose_not_applicable", {"corporate_event": "acquired"}),
        ("jetpak-se", "purpose_not_applicable", {"corporate_event": "ceased"}),
        ("cekura-dk", "special_category_disclosure_without_explicit_consent", {"special_category": True, "consent": "explicit"}),
        ("cekura-dk", "special_category_disclosure_without_explicit_consent", {"consent": "given"}),
    ],
)
def test_fact_dependent_findings_stay_away(engine: lawbasis.Engine, policy: str, code: str, facts: dict[str, Any]) -> None:
    for purpose in (p.id for p in engine.purposes(policy)):
        assert found(ev(engine, policy, purpose, **facts), code) is None, (policy, purpose, facts)


@pytest.mark.parametrize("consent", ["none", "given", "withdrawn"])
def test_health_disclosure_needs_explicit_consent(engine: lawbasis.Engine, consent: str) -> None:
    facts: dict[str, Any] = {"special_category": True, "consent": consent}
    if consent == "withdrawn":
        facts["dates"] = {"consent_withdrawn": "2025-06-01"}
    f = found(ev(engine, "cekura-dk", "special_category_data", **facts), "special_category_disclosure_without_explicit_consent")
    assert f is not None and f.severity == "warning"


@pytest.mark.parametrize(
    "policy",
    ["jackon-dk", "sunclass-dk"],
)
def test_no_identity_number_finding_where_the_text_collects_none(engine: lawbasis.Engine, policy: str) -> None:
    # Sunclass names "personnummer" only to define personal data; Jackon never mentions one
    for purpose in (p.id for p in engine.purposes(policy)):
        assert found(ev(engine, policy, purpose), "cpr_condition_not_stated") is None


# --- the quotes stand under their section headings --------------------------------------------------


def test_new_rules_quote_under_their_heading(engine: lawbasis.Engine) -> None:
    """The load check finds quote and heading anywhere in the text; here the quote follows its heading."""
    rules = [r for r in engine.rulebase.rules if any(kind == "finding" and f["code"] in NEW_CODES for kind, f in r.then)]
    assert len(rules) >= 25
    for rule in rules:
        for cite in rule.cites:
            if cite.quote is None:
                continue
            assert cite.policy is not None and cite.section is not None, rule.id
            text = engine.policy(cite.policy).text
            heading = text.index(normalise_space(cite.section))
            assert normalise_space(cite.quote) in text[heading:], (rule.id, cite.section, cite.quote)


def test_every_new_code_is_documented_with_its_severity() -> None:
    if not DOCS.is_dir():
        pytest.skip("docs/ is not beside the tests (installed elsewhere)")
    page = (DOCS / "reference" / "findings.md").read_text(encoding="utf-8")
    rows = {line.split("`")[1]: line for line in page.splitlines() if line.startswith("| `")}
    for _, code, severity, *_ in CASES:
        assert code in rows, code
        assert severity in rows[code].split("|")[2], (code, severity)


# --- restructuring: no corporate event is not unlawful -----------------------------------------------


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_restructuring_without_an_event_is_undetermined(engine: lawbasis.Engine, policy: str) -> None:
    d = ev(engine, policy, "restructuring", acquirer_similar=False, corporate_event="none")
    assert d.lawful == "undetermined"
    assert d.may_process is False
    assert d.bases == ()
    assert f"{policy}/restructuring/acquirer-not-similar" not in [s.rule for s in d.trace]
    f = found(d, "purpose_not_applicable")
    assert f is not None and f.severity == "info"


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
@pytest.mark.parametrize("event", ["acquired", "split", "database_transferred"])
def test_restructuring_with_a_dissimilar_acquirer_is_still_unlawful(engine: lawbasis.Engine, policy: str, event: str) -> None:
    d = ev(engine, policy, "restructuring", acquirer_similar=False, corporate_event=event)
    assert d.lawful == "no"
    assert d.may_process is False
    assert f"{policy}/restructuring/acquirer-not-similar" in [s.rule for s in d.trace]
    assert found(d, "purpose_not_applicable") is None


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_restructuring_with_a_similar_acquirer_keeps_its_basis(engine: lawbasis.Engine, policy: str) -> None:
    d = ev(engine, policy, "restructuring", acquirer_similar=True, corporate_event="acquired")
    assert d.lawful == "yes"
    assert d.basis_letters == ["f"]
    assert found(d, "purpose_not_applicable") is None
