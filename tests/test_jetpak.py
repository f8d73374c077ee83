"""Every Jetpak purpose in both language versions: the exact answer for a grid of facts.

Each row was checked by hand against the policy text and the law (see the comments on the scenario
table); a change in any rule file that moves one of these answers must be deliberate.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

import lawbasis

# Dates shared by every scenario unless it overrides ``dates``; as_of 2026-01-01.
D = {"contract_ended": "2025-06-30", "contact_collected": "2025-01-15", "fiscal_year_end": "2023-06-30"}
AS_OF = "2026-01-01"

# Scenario name -> facts on top of the defaults (customer, no channel, consent none, objection none).
SC: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "contract": [
        ("customer", {}),
        ("former_customer", {"customer_status": "former_customer"}),
        ("prospect", {"customer_status": "prospect"}),
        ("objection_general", {"objection": "general"}),
        ("dispute", {"dispute": True}),
        ("dispute_objection", {"dispute": True, "objection": "general"}),
        ("erasure", {"erasure_requested": True}),
        ("erasure_dispute", {"erasure_requested": True, "dispute": True}),
        ("window_closed", {"as_of": "2028-07-01"}),
        ("consent_given", {"consent": "given"}),
    ],
    "marketing": [
        ("customer", {}),
        ("customer_post", {"channel": "post"}),
        ("customer_email_consent", {"channel": "email", "consent": "given"}),
        ("customer_email_no_consent", {"channel": "email"}),
        ("prospect_email_no_consent", {"customer_status": "prospect", "channel": "email"}),
        ("prospect_sms_consent", {"customer_status": "prospect", "channel": "sms", "consent": "explicit"}),
        (
            "former_withdrawn",
            {
                "customer_status": "former_customer",
                "channel": "email",
                "consent": "withdrawn",
                "dates": {**D, "consent_withdrawn": "2025-09-01"},
            },
        ),
        ("post_withdrawn", {"channel": "post", "consent": "withdrawn"}),
        ("personalised_no_consent", {"personalised": True}),
        ("personalised_consent", {"personalised": True, "consent": "given"}),
        (
            "dm_objection",
            {"channel": "email", "consent": "given", "objection": "direct_marketing", "dates": {**D, "objection_received": "2025-08-01"}},
        ),
        ("general_objection_compelling", {"channel": "post", "objection": "general", "compelling_grounds": True}),
        ("prospect_window_closed", {"customer_status": "prospect", "channel": "post", "as_of": "2026-01-16"}),
        ("prospect_window_last_day", {"customer_status": "prospect", "channel": "post", "as_of": "2026-01-15"}),
        ("dispute", {"channel": "post", "dispute": True}),
        ("erasure", {"channel": "post", "erasure_requested": True}),
    ],
    "business_development": [
        ("customer", {}),
        ("prospect", {"customer_status": "prospect"}),
        ("objection_general", {"objection": "general"}),
        ("objection_compelling", {"objection": "general", "compelling_grounds": True}),
        ("objection_dm", {"objection": "direct_marketing"}),
        ("objection_dispute", {"objection": "general", "dispute": True}),
        ("consent_withdrawn", {"consent": "withdrawn"}),
    ],
    "sales": [
        ("customer", {}),
        ("customer_phone", {"channel": "phone"}),
        ("prospect_email_no_consent", {"customer_status": "prospect", "channel": "email"}),
        ("prospect_email_consent", {"customer_status": "prospect", "channel": "email", "consent": "given"}),
        ("phone_dm_objection", {"channel": "phone", "objection": "direct_marketing", "compelling_grounds": True}),
        ("no_channel_dm_objection", {"objection": "direct_marketing"}),
        ("no_channel_general_objection", {"objection": "general"}),
        ("prospect", {"customer_status": "prospect"}),
    ],
    "restructuring": [
        # no corporate event: the purpose does not apply yet (undetermined, not unlawful)
        ("not_similar", {}),
        ("not_similar_acquired", {"corporate_event": "acquired"}),
        ("similar", {"acquirer_similar": True}),
        ("acquired", {"acquirer_similar": True, "corporate_event": "acquired"}),
        ("split", {"acquirer_similar": True, "corporate_event": "split"}),
        ("ceased", {"acquirer_similar": True, "corporate_event": "ceased"}),
        ("transferred", {"acquirer_similar": True, "corporate_event": "database_transferred"}),
        ("similar_objection", {"acquirer_similar": True, "objection": "general"}),
        ("not_similar_objection", {"objection": "general"}),
    ],
    "bookkeeping": [
        ("customer", {}),
        ("prospect", {"customer_status": "prospect"}),
        ("erasure", {"erasure_requested": True}),
        ("objection", {"objection": "general"}),
        ("dispute", {"dispute": True}),
        ("no_fiscal_year", {"dates": {}}),
    ],
    "crime_prevention": [
        ("customer", {}),
        ("objection", {"objection": "general"}),
        ("objection_compelling", {"objection": "general", "compelling_grounds": True}),
        ("erasure", {"erasure_requested": True}),
    ],
}

# The full answer for each scenario above (lawful, bases, objection, may_process, action_today,
# retention, findings) is in tests/scenarios/jetpak-dk-grid.scenarios.yaml and
# jetpak-se-grid.scenarios.yaml, which the scenario plugin runs; the facts here drive the trace tests.
ROWS = [(policy, purpose, scenario) for policy in ("jetpak-dk", "jetpak-se") for purpose, scs in SC.items() for scenario, _ in scs]


def _facts(policy: str, purpose: str, scenario: str) -> dict[str, Any]:
    extra = dict(SC[purpose])[scenario]
    return {"policy": policy, "purpose": purpose, "dates": D, "as_of": AS_OF, **extra}


def test_grid_scenario_files_cover_every_row() -> None:
    from lawbasis.testing.scenarios import load_scenarios

    here = Path(__file__).parent / "scenarios"
    for policy in ("jetpak-dk", "jetpak-se"):
        scenarios = load_scenarios(here / f"{policy}-grid.scenarios.yaml")
        names = {s.name for s in scenarios}
        assert names == {f"{purpose}: {scenario}" for p, purpose, scenario in ROWS if p == policy}
        for s in scenarios:
            purpose, scenario = s.name.split(": ")
            assert s.facts == _facts(policy, purpose, scenario)


# --- bases: stated in the policy or supplied by the law --------------------------------------------


@pytest.mark.parametrize(
    "policy,purpose,extra,expected",
    [
        ("jetpak-dk", "contract", {}, {"b": True}),
        ("jetpak-dk", "contract", {"dispute": True}, {"b": True, "f": True}),
        ("jetpak-dk", "contract", {"consent": "given"}, {"b": True}),
        ("jetpak-se", "marketing", {"channel": "email", "consent": "given"}, {"a": True}),
        ("jetpak-dk", "sales", {"customer_status": "prospect", "channel": "sms", "consent": "given"}, {"a": False}),
        ("jetpak-se", "bookkeeping", {}, {"c": True}),
        ("jetpak-dk", "crime_prevention", {}, {}),
        ("jetpak-se", "restructuring", {"acquirer_similar": True}, {"f": True}),
    ],
)
def test_basis_stated_in_policy(policy: str, purpose: str, extra: dict[str, Any], expected: dict[str, bool]) -> None:
    d = lawbasis.evaluate({"policy": policy, "purpose": purpose, **extra})
    assert {b.letter: b.stated_in_policy for b in d.bases} == expected
    for b in d.to_dict()["bases"]:
        assert b["article"] == f"GDPR Art. 6(1)({b['letter']})"
        assert b["dpv"] == f"https://w3id.org/dpv/legal/eu/gdpr#A6-1-{b['letter']}"


# --- the departures the texts contain ------------------------------------------------------------


def _finding(d: lawbasis.Decision, code: str) -> lawbasis.Finding:
    (found,) = [f for f in d.findings if f.code == code]
    return found


def test_dk_bookkeeping_policy_window_and_statutory_window() -> None:
    d = lawbasis.evaluate(
        {"policy": "jetpak-dk", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-30"}, "as_of": "2026-01-01"}
    )
    assert d.basis_letters == ["c"]
    assert d.retention.period == "P7Y"
    assert d.retention.from_ == "end_of_calendar_year_of_fiscal_year_end"
    assert d.retention.until == dt.date(2030, 12, 31)
    assert d.retention.stated_in_policy is True
    f = _finding(d, "retention_differs_from_statute")
    assert f.severity == "violation"
    assert "Statutory window: P5Y from fiscal_year_end, until 2028-06-30." in f.message
    assert any("bogføringsloven" in (c.law or "") for step in d.trace for c in step.cites)


def test_dk_bookkeeping_statutory_window_without_a_date() -> None:
    d = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": "bookkeeping"})
    f = _finding(d, "retention_differs_from_statute")
    assert f.message.endswith("Statutory window: P5Y from fiscal_year_end.")
    assert d.retention.until is None


def test_se_bookkeeping_matches_statute() -> None:
    d = lawbasis.evaluate({"policy": "jetpak-se", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-30"}})
    assert "retention_differs_from_statute" not in d.finding_codes
    assert _finding(d, "statutory_duty_stated_as_permission").severity == "info"


@pytest.mark.parametrize("purpose", ["marketing", "sales"])
def test_se_missing_month_unit(purpose: str) -> None:
    d = lawbasis.evaluate({"policy": "jetpak-se", "purpose": purpose, "dates": {"contract_ended": "2025-01-31"}})
    f = _finding(d, "retention_unit_missing")
    assert f.severity == "warning"
    assert "upp till 36 därefter" in f.message
    assert any(c.quote and "upp till 36 därefter" in c.quote for c in f.cites)
    assert d.retention.period == "P36M"
    assert d.retention.until == dt.date(2028, 1, 31)
    # prospects have a stated unit: no finding
    p = lawbasis.evaluate({"policy": "jetpak-se", "purpose": purpose, "customer_status": "prospect"})
    assert "retention_unit_missing" not in p.finding_codes
    # the Danish text states months
    dk = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": purpose})
    assert "retention_unit_missing" not in dk.finding_codes


def test_dk_marketing_override_is_unlawful_and_not_applied() -> None:
    facts = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "post", "objection": "general", "compelling_grounds": True}
    d = lawbasis.evaluate(facts)
    f = _finding(d, "objection_override_unlawful")
    assert f.severity == "violation"
    assert any(c.quote and "overbevisende legitimt grundlag" in c.quote for c in f.cites)
    assert any(c.law == "GDPR Art. 21(3)" for c in f.cites)
    # the override the text states is not applied: the objection stops direct marketing
    assert d.objection.applies == "21(2)"
    assert d.objection.continues is False
    assert d.may_process is False
    # the Swedish marketing section states no override
    se = lawbasis.evaluate({**facts, "policy": "jetpak-se"})
    assert "objection_override_unlawful" not in se.finding_codes
    assert se.may_process is False


@pytest.mark.parametrize("purpose", ["business_development", "sales", "restructuring"])
def test_se_weaker_objection_test(purpose: str) -> None:
    d = lawbasis.evaluate({"policy": "jetpak-se", "purpose": purpose, "acquirer_similar": True, "objection": "general"})
    f = _finding(d, "objection_test_weaker_than_gdpr")
    assert f.severity == "violation"
    assert any(c.quote and "väger tyngre än dina intressen" in c.quote for c in f.cites)
    # the GDPR test is applied: no compelling grounds, no dispute -> processing stops
    assert d.objection.applies == "21(1)"
    assert d.objection.continues is False
    assert d.may_process is False
    dk = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": purpose, "acquirer_similar": True, "objection": "general"})
    assert "objection_test_weaker_than_gdpr" not in dk.finding_codes


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_public_interest_without_law(policy: str) -> None:
    d = lawbasis.evaluate({"policy": policy, "purpose": "crime_prevention"})
    f = _finding(d, "public_interest_without_law")
    assert f.severity == "violation"
    assert any(c.law == "GDPR Art. 6(3)" for c in f.cites)
    # without a law that vests the task, (e) lapses and nothing else is stated (SPEC 9.6)
    assert d.basis_letters == []
    assert d.lawful == "undetermined"
    b = lawbasis.evaluate({"policy": policy, "purpose": "bookkeeping"})
    assert "public_interest_without_law" not in b.finding_codes


@pytest.mark.parametrize("policy,other", [("jetpak-dk", "jetpak-se"), ("jetpak-se", "jetpak-dk")])
@pytest.mark.parametrize(
    "purpose", ["contract", "marketing", "business_development", "sales", "restructuring", "bookkeeping", "crime_prevention"]
)
def test_language_versions_differ_cites_both_versions(policy: str, other: str, purpose: str) -> None:
    d = lawbasis.evaluate({"policy": policy, "purpose": purpose})
    f = _finding(d, "language_versions_differ")
    assert f.severity == "warning"
    own = [c for c in f.cites if c.quote and c.policy == policy]
    theirs = [c for c in f.cites if c.quote and c.policy == other]
    assert own and theirs
    assert all(c.section for c in theirs)
    rendered = f.to_dict()["cites"]
    assert any(s.startswith(other) for s in rendered)


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_sales_who_is_contacted_differs(policy: str) -> None:
    d = lawbasis.evaluate({"policy": policy, "purpose": "sales"})
    quotes = " ".join(c.quote or "" for c in _finding(d, "language_versions_differ").cites)
    assert "Vi kan kontakte dig som kunde" in quotes
    assert "Vi kontaktar potentiella kunder" in quotes


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_sales_offers_are_direct_marketing(policy: str) -> None:
    # contacting someone to offer services is direct marketing: Art. 21(2), no override
    d = lawbasis.evaluate(
        {"policy": policy, "purpose": "sales", "channel": "phone", "objection": "direct_marketing", "compelling_grounds": True}
    )
    assert d.objection.applies == "21(2)"
    assert d.objection.continues is False
    assert d.may_process is False
    assert "objection_override_unlawful" in d.finding_codes
    # sales work that contacts nobody is weighed under 21(1)
    q = lawbasis.evaluate({"policy": policy, "purpose": "sales", "objection": "general", "compelling_grounds": True})
    assert (q.objection.applies, q.objection.continues) == ("21(1)", True)
    assert "objection_override_unlawful" not in q.finding_codes


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_objection_cuts_marketing_window(policy: str) -> None:
    facts = {
        "policy": policy,
        "purpose": "marketing",
        "customer_status": "prospect",
        "channel": "post",
        "objection": "direct_marketing",
        "dates": {"contact_collected": "2025-01-15", "objection_received": "2025-03-01"},
    }
    # before it is received the objection is scheduled: marketing goes on, the window ends on its date
    before = lawbasis.evaluate({**facts, "as_of": "2025-02-01"})
    assert before.retention.until == dt.date(2025, 3, 1)
    assert before.may_process is True
    assert "event_after_as_of" in before.finding_codes
    # from the day it is received it stops direct marketing
    on = lawbasis.evaluate({**facts, "as_of": "2025-03-01"})
    assert on.retention.until == dt.date(2025, 3, 1)
    assert on.may_process is False
    assert [b.stopped for b in on.bases] == [True]


# --- traces ----------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _texts() -> dict[str, str]:
    engine = lawbasis.default_engine()
    root = Path(lawbasis.default_rules_dir())
    return {p.id: _norm((root / engine.policy(p.id).text_file).read_text(encoding="utf-8")) for p in engine.policies()}


TEXTS = _texts()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in ROWS])
def test_trace_cites_and_quotes_are_verbatim(row: tuple[str, str, str]) -> None:
    policy, purpose, scenario = row
    d = lawbasis.evaluate(_facts(policy, purpose, scenario))
    assert d.trace
    for step in d.to_dict()["trace"]:
        assert step["cites"], step["rule"]
        for cite in step["cites"]:
            assert "quote" in cite or "law" in cite
            if "quote" in cite:
                assert cite["policy"] in TEXTS
                assert _norm(cite["quote"]) in TEXTS[cite["policy"]], (step["rule"], cite["quote"])
                if "section" in cite:
                    assert _norm(cite["section"]) in TEXTS[cite["policy"]]
    # the rules that fired include this policy's own rules for the purpose
    assert any(r.startswith(f"{policy}/") for r in d.fired())
    assert d.fired() == [s.rule for s in d.trace]


def test_the_official_example_trace_step() -> None:
    d = lawbasis.evaluate(
        {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "dates": {"contract_ended": "2025-06-30"}}
    )
    steps = {s["rule"]: s for s in d.to_dict()["trace"]}
    step = steps["jetpak-dk/marketing/electronic-needs-consent"]
    assert step["cites"] == [
        {
            "policy": "jetpak-dk",
            "section": "Markedsføring, herunder kundetilpasset annoncering",
            "quote": "Samtykke ved markedsføring af vores produkter og tjenester via e-mail, SMS, MMS og andre automatiske systemer.",
        },
        {"law": "GDPR Art. 6(1)(a)"},
    ]


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
@pytest.mark.parametrize("purpose", list(SC))
@pytest.mark.parametrize("extra", [{}, {"objection": "general"}, {"channel": "email", "consent": "given"}])
def test_former_customer_is_treated_as_customer(policy: str, purpose: str, extra: dict[str, Any]) -> None:
    # both texts give one window for anyone who has been a customer ("Hvis du er kunde hos os" /
    # "För dig som är kund hos oss"), counted from the end of the contract
    facts = {"policy": policy, "purpose": purpose, "dates": D, "as_of": AS_OF, "acquirer_similar": True, **extra}
    customer = lawbasis.evaluate(facts).to_dict()
    former = lawbasis.evaluate({**facts, "customer_status": "former_customer"}).to_dict()
    # the traces differ only in why the contract is over (status vs a contract_ended date)
    del customer["trace"], former["trace"]
    assert former == customer
