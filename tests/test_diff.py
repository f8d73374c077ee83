"""The language-version diff: where jetpak-dk and jetpak-se decide differently."""

from __future__ import annotations

import pytest

import lawbasis
from lawbasis.analysis.diff import aspects, diff_facts


@pytest.fixture(scope="module")
def rows():
    return lawbasis.diff("jetpak-dk", "jetpak-se")


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
    # an upheld objection ends the window on its date wherever no basis is left, also for a
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
    text = rows.to_text()
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
    # the objection stops the basis; it stays listed and the data go today
    assert a["bases"] == b["bases"] == "f (stopped)"
    assert a["action_today"] == b["action_today"] == "delete"


def test_diff_holds_art9_and_erasure_fixed():
    facts = diff_facts("jetpak-dk", "marketing", {"consent": "withdrawn"})
    assert (facts["special_category"], facts["erasure_requested"]) == (False, False)
    assert facts["dates"]["consent_withdrawn"] == "2024-09-15" and "objection_received" not in facts["dates"]


def test_same_policy_no_rows():
    same = lawbasis.diff("jetpak-se", "jetpak-se", engine=lawbasis.default_engine())
    assert same.rows == () and len(same) == 0 and same.severities() == set()
    assert same.to_text().splitlines()[-1] == "No differences."
    assert same.to_markdown().rstrip().endswith("No differences.")
    assert same.to_dict()["rows"] == []
    assert "No differences." in same._repr_html_()


def test_diff_renderings_and_json(rows):
    data = rows.to_dict()
    assert (data["a"], data["b"], data["as_of"]) == ("jetpak-dk", "jetpak-se", "2025-03-01")
    assert len(data["rows"]) == len(rows.rows) and data["rows"][0] == rows.rows[0].to_dict()
    assert (data["consent_withdrawn"], data["objection_received"]) == ("2024-09-15", "2024-10-01")
    assert rows.severities() == {"info", "violation", "warning"}
    md = rows.to_markdown()
    assert md.startswith("# Differences `jetpak-dk` \u2192 `jetpak-se`")
    table = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(table) == len(rows.rows)
    assert "| `marketing` | finding objection_override_unlawful | violation | - | always |" in md
    html = rows._repr_html_()
    assert html.count("<tr>") == len(rows.rows) + 1 and "lawbasis-diff" in html
    # each side's quotes carry their own text's language
    assert "<q lang='da'>" in html and "<q lang='sv'>" in html and "<q>" not in html
    assert list(rows) == list(rows.rows)


def test_diff_refuses_a_non_engine_and_unknown_policies():
    with pytest.raises(lawbasis.InputError) as caught:
        lawbasis.diff("jetpak-dk", "jetpak-se", engine="default")
    assert caught.value.field == "engine"
    with pytest.raises(lawbasis.UnknownPolicyError) as caught:
        lawbasis.diff("jetpak-dk", "nosuch")
    assert (caught.value.field, caught.value.value) == ("policy", "nosuch")
