"""The whole-policy report: built by evaluating the fact grid through the engine."""
from __future__ import annotations

import json

import pytest

import lawbasis
from lawbasis._report import GRID_FIELDS, Grid, describe, report


@pytest.fixture(scope="module")
def dk() -> lawbasis.PolicyReport:
    return report(lawbasis.default_engine(), "jetpak-dk")


def purpose(r, pid):
    return next(p for p in r.purposes if p.purpose == pid)


def test_every_purpose_in_rule_file_order(dk):
    assert [p.purpose for p in dk.purposes] == [
        "contract", "marketing", "business_development", "sales", "restructuring", "bookkeeping", "crime_prevention"]
    assert purpose(dk, "marketing").heading == "Markedsføring, herunder kundetilpasset annoncering"


def test_marketing_bases_and_the_facts_behind_them(dk):
    m = purpose(dk, "marketing")
    by_bases = {o.value["bases"]: o.when for o in m.bases}
    assert by_bases["f"] == ("channel=null|post|phone|web|social, consent=none, personalised=false",)
    assert "none" in by_bases
    assert {o.value["lawful"] for o in m.lawful} == {"yes", "no"}
    assert [(o.value["applies"], o.value["continues"]) for o in m.objection] == [("21(2)", False)]


def test_marketing_retention_windows(dk):
    m = purpose(dk, "marketing")
    windows = {(o.value["period"], o.value["from"], o.value["extended"]): o.when for o in m.retention}
    assert windows[("P36M", "contract_ended", False)] == ("customer_status=customer|former_customer, dispute=false",)
    assert windows[("P12M", "contact_collected", False)] == ("customer_status=prospect, dispute=false",)
    assert windows[("P12M", "contact_collected", True)] == ("customer_status=prospect, dispute=true",)


def test_findings_with_severity_and_where(dk):
    m = {o.value["code"]: o for o in purpose(dk, "marketing").findings}
    assert m["objection_override_unlawful"].value["severity"] == "violation"
    assert m["objection_override_unlawful"].when == ("always",)
    assert m["profiling_basis_not_stated"].when == ("personalised=true",)
    b = {o.value["code"]: o for o in purpose(dk, "bookkeeping").findings}
    assert "P5Y from fiscal_year_end" in b["retention_differs_from_statute"].value["message"]
    assert "violation" in dk.severities()


def test_restructuring_varies_corporate_event_only_where_rules_test_it(dk):
    r = dict(purpose(dk, "restructuring").varied)
    assert r["corporate_event"] == ("none", "acquired|split", "ceased", "database_transferred")
    assert r["acquirer_similar"] == ("false", "true")
    # elsewhere only cessation matters (the merger-read-as-cessation finding reaches every purpose)
    assert dict(purpose(dk, "marketing").varied)["corporate_event"] == ("none|acquired|split|database_transferred", "ceased")
    assert dict(purpose(dk, "marketing").varied)["channel"] == ("null|post|phone|web|social", "email|sms|mms|automated_call")
    lawful = {o.value["lawful"]: o.when for o in purpose(dk, "restructuring").lawful}
    assert lawful["no"] == ("consent!=given|explicit, corporate_event!=none, acquirer_similar=false",)
    # with no corporate event there is no acquirer yet: the purpose does not apply, it is not unlawful
    assert lawful["undetermined"] == ("consent!=given|explicit, corporate_event=none, acquirer_similar=false",)


def test_grid_is_small(dk):
    # class reduction keeps one policy under ~2000 evaluations (full product would be 3*9*4*3*2*2*2*5*2 per purpose);
    # cessation reaches every purpose (merger_read_as_cessation), which doubles each grid but restructuring's
    assert dk.evaluations < 2000
    assert purpose(dk, "contract").evaluations == 72


def test_renderings(dk):
    text = dk.to_text()
    assert text.splitlines()[0] == "Policy report: jetpak-dk (Jetpak (Denmark), da, national law DK)"
    assert "[violation] objection_override_unlawful: The marketing section lets compelling" in text
    md = dk.to_markdown()
    assert md.count("\n| `") == 7
    data = json.loads(json.dumps(dk.to_dict()))
    assert data["fixed"] == {"special_category": False, "erasure_requested": False, "dates": {}}
    assert data["evaluations"] == dk.evaluations


def test_public_entry_point():
    r = lawbasis.report("jetpak-se")
    assert isinstance(r, lawbasis.PolicyReport) and r.policy == "jetpak-se"
    codes = {o.value["code"] for o in purpose(r, "marketing").findings}
    assert "retention_unit_missing" in codes and "objection_override_unlawful" not in codes


def test_describe_covers_exactly():
    grid = Grid((("consent", (("none",), ("given", "explicit"), ("withdrawn",))), ("dispute", ((False,), (True,)))))
    assert describe(grid, grid.points()) == ["always"]
    assert describe(grid, []) == []
    assert describe(grid, [(1, 0), (1, 1)]) == ["consent=given|explicit"]
    assert describe(grid, [(0, 1), (2, 1)]) == ["consent!=given|explicit, dispute=true"]
    assert sorted(describe(grid, [(0, 0), (2, 1)])) == ["consent=none, dispute=false", "consent=withdrawn, dispute=true"]
    assert [name for name, _ in GRID_FIELDS][:5] == ["customer_status", "channel", "consent", "objection", "dispute"]
