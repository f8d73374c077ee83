"""The whole-policy report: built by evaluating the fact grid through the engine."""

from __future__ import annotations

import json

import pytest

import lawbasis
from lawbasis.analysis.report import GRID_FIELDS, Grid, describe, report

DK_PURPOSES = ("contract", "marketing", "restructuring", "bookkeeping")


@pytest.fixture(scope="module")
def dk() -> lawbasis.PolicyReport:
    # four of the seven purposes keep the fixture fast; asked in another order than the rule file's
    return report("jetpak-dk", engine=lawbasis.default_engine(), as_of="2025-01-01", purposes=DK_PURPOSES[::-1])


def purpose(r, pid):
    return next(p for p in r.purposes if p.purpose == pid)


def when(outcomes, key, value):
    return next(o.when for o in outcomes if o.value[key] == value)


def findings(p):
    return {o.value["code"]: o for o in p.findings}


def test_purposes_in_rule_file_order(dk):
    assert [p.purpose for p in dk.purposes] == list(DK_PURPOSES)
    assert purpose(dk, "marketing").heading == "Markedsføring, herunder kundetilpasset annoncering"
    full = report("jackon-dk", engine=lawbasis.default_engine(), as_of="2025-01-01")
    assert [p.purpose for p in full.purposes] == [
        "content_delivery",
        "service_development",
        "targeted_marketing",
        "sales_contact",
        "security",
        "legal_obligation",
    ]


def test_marketing_bases_and_the_facts_behind_them(dk):
    m = purpose(dk, "marketing")
    by_bases = {o.value["bases"]: o.when for o in m.bases}
    # consent plays no part: Jetpak limits its consent to personalisation and electronic channels, so
    # a withdrawal leaves post marketing on (f) going (SPEC 9.1)
    assert by_bases["f"] == (
        "channel=null|phone|post|web|social, objection=none, personalised=false, "
        "corporate_event=none|acquired|split, data_subject!=employee|job_applicant, erasure_requested=false",
    )
    # an erasure request to direct marketing is an Art. 21(2) objection, whatever the basis (9.3(c))
    assert (
        "channel=null|phone|post|web|social, personalised=false, data_subject!=employee|job_applicant, erasure_requested=true"
        in by_bases["f (stopped)"]
    )
    assert (
        "consent=given|explicit, personalised=true, data_subject!=employee|job_applicant, erasure_requested=true" in by_bases["a (stopped)"]
    )
    # marketing to an employee or a job applicant has no basis from a customer policy
    assert "data_subject=employee|job_applicant" in by_bases["none"]
    assert set(by_bases) == {"f", "f (stopped)", "a", "a (stopped)", "none"}
    assert {o.value["lawful"] for o in m.lawful} == {"yes", "no"}
    assert (
        "channel=null|phone|post|web|social, consent=none|withdrawn, personalised=false, data_subject!=employee|job_applicant, "
        "special_category=false"
    ) in when(m.lawful, "lawful", "yes")
    assert [(o.value["applies"], o.value["continues"]) for o in m.objection] == [("21(2)", False)]
    assert when(m.action_today, "action_today", "keep") == ("corporate_event=none|acquired|split, erasure_requested=false",)


def test_marketing_retention_windows(dk):
    m = purpose(dk, "marketing")
    windows = {(o.value["period"], o.value["from"], o.value["extended"]): o.when for o in m.retention}
    # a dispute holds nothing for marketing (SPEC 9.4): no window is extended
    assert windows == {
        ("P36M", "contract_ended", False): ("data_subject!=prospect",),
        ("P12M", "contact_collected", False): ("data_subject=prospect",),
    }
    assert {o.value["until"] for o in m.retention} == {None}  # no dates given
    assert findings(m)["legal_claims_hold_possible"].when == ("dispute=true",)


def test_findings_with_severity_and_where(dk):
    m = findings(purpose(dk, "marketing"))
    assert m["objection_override_unlawful"].value["severity"] == "violation"
    assert m["objection_override_unlawful"].when == ("always",)
    assert m["profiling_basis_not_stated"].when == ("personalised=true",)
    b = findings(purpose(dk, "bookkeeping"))
    assert "P5Y from fiscal_year_end" in b["retention_differs_from_statute"].value["message"]
    assert b["consent_not_offered"].when == ("consent=given|explicit",)
    assert "violation" in dk.severities()


def test_art9_finding_shows_for_every_purpose(dk):
    for p in dk.purposes:
        assert dict(p.varied)["special_category"] == ("false", "true")
        # explicit consent is told apart from consent only because Art. 9(2)(a) reads it
        assert dict(p.varied)["consent"] == ("none", "given", "explicit", "withdrawn")
        f = findings(p)["special_category_without_explicit_consent"]
        assert (f.value["severity"], f.when) == ("violation", ("consent!=explicit, special_category=true",))
        # no box of facts where the purpose is lawful (or open) admits Art. 9 data without explicit consent
        for o in p.lawful:
            if o.value["lawful"] != "no":
                assert all("special_category=false" in box or "consent=explicit" in box for box in o.when), o
    assert when(purpose(dk, "bookkeeping").lawful, "lawful", "yes") == ("special_category=false", "consent=explicit, special_category=true")


def test_erasure_findings_show(dk):
    c = purpose(dk, "contract")
    cf = findings(c)
    # (b) while the contract runs: no Art. 17(1) ground (9.3)
    assert cf["erasure_not_applicable"].when == (
        "dispute=false, corporate_event=none|acquired|split, data_subject=customer|employee|job_applicant|debtor|website_visitor|child|other, "
        "erasure_requested=true",
    )
    assert cf["erasure_limited_by_legal_claims"].when == ("dispute=true, erasure_requested=true",)
    # the contract is over: erasure ends (b) and the window's end action applies today
    assert (
        "dispute=false, corporate_event=none|acquired|split, data_subject!=customer|employee|job_applicant|debtor|website_visitor|child|other, "
        "erasure_requested=true"
    ) in when(c.action_today, "action_today", "anonymise")
    b = findings(purpose(dk, "bookkeeping"))["erasure_limited_by_legal_obligation"]
    assert (b.value["severity"], b.when) == ("info", ("erasure_requested=true",))
    assert [o.value["bases"] for o in purpose(dk, "bookkeeping").bases] == ["c"]  # erasure never ends (c)
    r = findings(purpose(dk, "restructuring"))["erasure_not_applicable"]
    assert r.when == ("compelling_grounds=true, corporate_event=none|acquired|split, acquirer_similar=true, erasure_requested=true",)


def test_as_of_changes_the_statutory_answer():
    """Danish bookkeeping duty: 5 years from the fiscal year end; (c) lapses the day after (SPEC 9.8)."""
    engine = lawbasis.default_engine()
    dates = {"fiscal_year_end": "2023-12-31"}
    last = report("jetpak-dk", engine=engine, as_of="2028-12-31", dates=dates, purposes=["bookkeeping"]).purposes[0]
    after = report("jetpak-dk", engine=engine, as_of="2029-01-01", dates=dates, purposes=["bookkeeping"]).purposes[0]
    assert [o.value["bases"] for o in last.bases] == ["c"]
    assert when(last.lawful, "lawful", "yes") == ("special_category=false", "consent=explicit, special_category=true")
    assert [o.value["action_today"] for o in last.action_today] == ["keep"]
    assert [(o.value["lawful"], o.when) for o in after.lawful] == [("no", ("always",))]
    assert [o.value["bases"] for o in after.bases] == ["none"]
    assert [(o.value["may_process"], o.when) for o in after.may_process] == [(False, ("always",))]
    assert [o.value["action_today"] for o in after.action_today] == ["delete"]
    # the policy's own window still shows its end (7 years from the end of the calendar year)
    assert {o.value["until"] for o in (*last.retention, *after.retention)} == {"2030-12-31"}
    assert "retention_differs_from_statute" in findings(after)


def test_without_dates_as_of_changes_nothing():
    engine = lawbasis.default_engine()
    early = report("jackon-dk", engine=engine, as_of="2020-01-01", purposes=["legal_obligation"]).to_dict()
    late = report("jackon-dk", engine=engine, as_of="2040-01-01", purposes=["legal_obligation"]).to_dict()
    assert (early.pop("as_of"), late.pop("as_of")) == ("2020-01-01", "2040-01-01")
    assert early == late


def test_dates_carried_only_where_the_facts_allow():
    r = report(
        "jetpak-dk",
        engine=lawbasis.default_engine(),
        as_of="2025-01-01",
        purposes=["contract"],
        dates={"contract_ended": "2024-06-30", "consent_withdrawn": "2024-09-01", "objection_received": "2024-10-01"},
    )
    c = r.purposes[0]
    assert r.fixed == {"dates": {"contract_ended": "2024-06-30", "consent_withdrawn": "2024-09-01", "objection_received": "2024-10-01"}}
    # consent is no part of the contract, so its withdrawal cuts nothing; nor does an objection (b) is
    # not reached by: the window ends 36 months after the contract whenever no dispute holds it
    assert when(c.retention, "until", "2027-06-30")[0] == "dispute=false, data_subject!=representative"
    # a held window still shows where it would have ended
    assert {o.value["window_until"] for o in c.retention if o.value["extended"]} == {"2027-06-30"}
    assert findings(c)["basis_after_contract_end"].when == (
        "dispute=false, corporate_event=none|acquired|split, data_subject!=representative, erasure_requested=false",
    )


def test_bad_report_input_names_the_field():
    engine = lawbasis.default_engine()
    with pytest.raises(lawbasis.LawbasisError, match="'purpose'.*nosuch"):
        report("jetpak-dk", engine=engine, purposes=["nosuch"])
    with pytest.raises(lawbasis.LawbasisError, match="'as_of': impossible date"):
        report("jetpak-dk", engine=engine, as_of="2029-02-30", purposes=["bookkeeping"])
    with pytest.raises(lawbasis.LawbasisError, match="'dates.nosuch'"):
        report("jetpak-dk", engine=engine, dates={"nosuch": "2020-01-01"}, purposes=["bookkeeping"])
    with pytest.raises(lawbasis.InputError, match="'dates': wrong type list"):
        report("jetpak-dk", engine=engine, dates=["2020-01-01"])
    with pytest.raises(lawbasis.InputError, match="'purposes': wrong type int"):
        report("jetpak-dk", engine=engine, purposes=5)
    # one purpose id on its own is taken as that purpose
    assert [p.purpose for p in report("jackon-dk", engine=engine, purposes="security", as_of="2025-01-01").purposes] == ["security"]


def test_restructuring_varies_corporate_event_only_where_rules_test_it(dk):
    r = dict(purpose(dk, "restructuring").varied)
    assert r["corporate_event"] == ("none", "acquired|split", "ceased", "database_transferred")
    assert r["acquirer_similar"] == ("false", "true")
    # elsewhere only cessation and transfer of the database matter (the policy deletes on them, 9.8)
    assert dict(purpose(dk, "marketing").varied)["corporate_event"] == ("none|acquired|split", "ceased", "database_transferred")
    assert dict(purpose(dk, "marketing").varied)["channel"] == ("null|phone|post|web|social", "email|sms|mms|automated_call")
    lawful = {o.value["lawful"]: o.when for o in purpose(dk, "restructuring").lawful}
    assert "corporate_event!=none, acquirer_similar=false" in lawful["no"]
    # with no corporate event and no similar acquirer the purpose does not apply: undetermined, not unlawful
    assert lawful["undetermined"] == (
        "corporate_event=none, acquirer_similar=false, special_category=false",
        "consent=explicit, corporate_event=none, acquirer_similar=false, special_category=true",
    )


def test_grid_is_small(dk):
    # class reduction: contract is 2*4*3*2*2*3*3*2 (data_subject: customer and the rest, prospect or
    # former customer, representative); the soft opt-in, Art. 9(2) condition and recipient are held
    assert purpose(dk, "contract").evaluations == 1728
    assert purpose(dk, "marketing").evaluations == 9216
    assert dk.evaluations == 1728 + 9216 + 3072 + 1152


def test_renderings(dk):
    text = dk.to_text()
    assert text.splitlines()[0] == "Policy report: jetpak-dk (Jetpak (Denmark), da, national law DK)"
    assert text.splitlines()[1].startswith("As of 2025-01-01; dates: none")
    assert "[violation] objection_override_unlawful: The marketing section lets compelling" in text
    assert "   today       keep when corporate_event=none|acquired|split, erasure_requested=false" in text
    md = dk.to_markdown()
    assert md.count("\n| `") == 4
    data = json.loads(json.dumps(dk.to_dict()))
    assert data["fixed"] == {"dates": {}}
    assert data["as_of"] == "2025-01-01"
    assert data["evaluations"] == dk.evaluations


def test_public_entry_point():
    r = lawbasis.report("jackon-dk", as_of="2025-01-01", purposes=["security"])
    assert lawbasis.report is report  # one report(): the CLI calls it too
    assert isinstance(r, lawbasis.PolicyReport) and r.policy == "jackon-dk"
    with pytest.raises(TypeError):
        lawbasis.report("jackon-dk", lawbasis.default_engine())  # type: ignore[misc]  # engine is keyword-only
    with pytest.raises(lawbasis.InputError) as caught:
        lawbasis.report("jackon-dk", engine="default")  # type: ignore[arg-type]
    assert caught.value.field == "engine" and "lawbasis.Engine" in caught.value.allowed
    codes = {o.value["code"] for o in r.purposes[0].findings}
    assert {"basis_not_stated", "retention_not_stated", "special_category_without_explicit_consent"} <= codes


def test_describe_covers_exactly():
    grid = Grid((("consent", (("none",), ("given", "explicit"), ("withdrawn",))), ("dispute", ((False,), (True,)))))
    assert describe(grid, grid.points()) == ["always"]
    assert describe(grid, []) == []
    assert describe(grid, [(1, 0), (1, 1)]) == ["consent=given|explicit"]
    assert describe(grid, [(0, 1), (2, 1)]) == ["consent!=given|explicit, dispute=true"]
    assert sorted(describe(grid, [(0, 0), (2, 1)])) == ["consent=none, dispute=false", "consent=withdrawn, dispute=true"]
    names = [name for name, _ in GRID_FIELDS]
    assert names[:5] == ["customer_status", "channel", "consent", "objection", "dispute"]
    assert names[-2:] == ["special_category", "erasure_requested"]
