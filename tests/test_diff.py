"""The language-version diff: where jetpak-dk and jetpak-se decide differently."""

from __future__ import annotations

import pytest

import lawbasis
from lawbasis.analysis.diff import aspects, diff, diff_facts, render_text


@pytest.fixture(scope="module")
def rows():
    return diff(lawbasis.default_engine(), "jetpak-dk", "jetpak-se")


def row(rows, purpose, aspect):
    found = [r for r in rows if r.purpose == purpose and r.aspect == aspect]
    assert len(found) == 1, [(r.purpose, r.aspect) for r in rows]
    return found[0]


def test_dk_override_is_a_violation_only_in_danish(rows):
    r = row(rows, "marketing", "finding objection_override_unlawful")
    assert (r.a, r.b, r.when) == ("violation", "-", ("always",))
    assert any("overbevisende legitimt grundlag" in c.quote for c in r.clauses_a)
    assert r.clauses_b == ()


def test_se_customer_period_without_unit(rows):
    r = row(rows, "marketing", "finding retention_unit_missing")
    assert (r.a, r.b) == ("-", "warning")
    assert r.when == ("data_subject!=prospect",)
    assert any("upp till 36 därefter" in c.quote for c in r.clauses_b)


def test_se_proviso_and_the_gdpr_cut_agree_on_todays_action(rows):
    # an upheld objection ends the window on its date wherever no basis is left (SPEC 9.1), also for a
    # Danish campaign without consent; the Swedish proviso says the same in its own words, so the two
    # versions no longer differ on what to do with the data today
    assert not [r for r in rows if r.purpose == "marketing" and r.aspect == "action_today"]


def test_se_weaker_objection_test(rows):
    for purpose in ("business_development", "sales", "restructuring", "crime_prevention"):
        r = row(rows, purpose, "finding objection_test_weaker_than_gdpr")
        assert (r.a, r.b) == ("-", "violation")
        assert any("väger tyngre än dina intressen" in c.quote for c in r.clauses_b)


def test_dk_bookkeeping_window_departs_from_danish_statute(rows):
    r = row(rows, "bookkeeping", "finding retention_differs_from_statute")
    assert (r.a, r.b) == ("violation", "-")
    assert r.clauses_a  # the law the finding rests on


def test_rows_name_combinations_and_render(rows):
    assert all(r.combinations >= 1 and r.when for r in rows)
    text = render_text(rows, "jetpak-dk", "jetpak-se")
    assert "marketing / finding objection_override_unlawful" in text
    assert f"{len(rows)} differences." in text


def test_outcome_aspects_compared():
    engine = lawbasis.default_engine()
    facts = {"customer_status": "customer", "channel": "post", "objection": "direct_marketing"}
    a = aspects(engine.evaluate(diff_facts("jetpak-dk", "marketing", facts)))
    b = aspects(engine.evaluate(diff_facts("jetpak-se", "marketing", facts)))
    # the Swedish proviso and the GDPR both end the customer window on the objection date
    assert a["retention"] == b["retention"] == "P36M from contract_ended, delete, until 2024-10-01"
    assert a["objection"] == "Art. 21(2), stops" and a["may_process"] == "no"
    # the objection stops the basis; it stays listed (SPEC 9.1) and the data go today
    assert a["bases"] == b["bases"] == "f (stopped)"
    assert a["action_today"] == b["action_today"] == "delete"


def test_diff_holds_art9_and_erasure_fixed():
    facts = diff_facts("jetpak-dk", "marketing", {"consent": "withdrawn"})
    assert (facts["special_category"], facts["erasure_requested"]) == (False, False)
    assert facts["dates"]["consent_withdrawn"] == "2024-09-15" and "objection_received" not in facts["dates"]


def test_same_policy_no_rows():
    assert diff(lawbasis.default_engine(), "jetpak-se", "jetpak-se") == []
