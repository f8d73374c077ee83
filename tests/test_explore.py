"""The exploration API (grids, comparisons, counterfactuals) and the HTML reprs notebooks show."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

import lawbasis
from lawbasis import explore

pd = pytest.importorskip("pandas")

MARKETING = {
    "policy": "jetpak-dk",
    "purpose": "marketing",
    "channel": "email",
    "consent": "given",
    "as_of": "2026-01-01",
    "dates": {"contract_ended": "2025-06-30"},
}


# --- grid ------------------------------------------------------------------------------------------


def test_grid_is_the_product_of_the_choices_with_one_column_per_fact_and_conclusion(engine: lawbasis.Engine) -> None:
    df = explore.grid(
        "jetpak-dk",
        "marketing",
        engine=engine,
        as_of="2026-01-01",
        channel="email",
        customer_status=["prospect", "customer"],
        consent=["none", "given", "withdrawn"],
    )
    assert len(df) == 6
    assert list(df.columns) == ["policy", "purpose", "channel", "customer_status", "consent", *explore.CONCLUSIONS]
    # product order: the first choice varies slowest
    assert df[["customer_status", "consent"]].values.tolist() == [
        ["prospect", "none"],
        ["prospect", "given"],
        ["prospect", "withdrawn"],
        ["customer", "none"],
        ["customer", "given"],
        ["customer", "withdrawn"],
    ]
    # e-mail marketing needs consent (markedsføringsloven § 10): lawful only where consent is given
    assert df["lawful"].tolist() == ["no", "yes", "no", "no", "yes", "no"]
    assert df["bases"].tolist() == ["", "a", "", "", "a", ""]
    assert df["may_process"].tolist() == [False, True, False, False, True, False]
    assert set(df["objection_applies"]) == {"21(2)"}


def test_grid_row_equals_evaluate(engine: lawbasis.Engine) -> None:
    df = explore.grid(
        "jetpak-dk", "contract", engine=engine, as_of="2026-01-01", dispute=[False, True], dates={"contract_ended": "2025-06-30"}
    )
    assert df.columns.tolist()[:4] == ["policy", "purpose", "dispute", "dates.contract_ended"]
    assert df["dates.contract_ended"].tolist() == [dt.date(2025, 6, 30)] * 2
    plain, held = df.to_dict("records")
    d = engine.evaluate({"policy": "jetpak-dk", "purpose": "contract", "as_of": "2026-01-01", "dates": {"contract_ended": "2025-06-30"}})
    assert plain["retention_until"] == d.retention.until == dt.date(2028, 6, 30)
    assert plain["retention_action"] == "anonymise" and plain["retention_period"] == "P36M"
    assert plain["retention_from"] == "contract_ended" and plain["extended"] is False
    assert plain["findings"] == ",".join(d.finding_codes)
    assert held["bases"] == "b,f" and held["extended"] is True and held["retention_until"] is None
    assert "extension_open_ended" in held["findings"].split(",")
    assert held["objection_continues"] is True


def test_grid_over_all_policies_and_purposes(engine: lawbasis.Engine) -> None:
    df = explore.grid(None, None, engine=engine, as_of="2026-01-01", objection=["none", "general"])
    expected = sum(len(p.purposes) for p in engine.policies()) * 2
    assert len(df) == expected
    assert set(df["policy"]) == {p.id for p in engine.policies()}


def test_grid_errors_raise_or_skip(engine: lawbasis.Engine) -> None:
    choices = {"objection": ["none", "general"], "dates": {"objection_received": "2025-01-01"}}
    with pytest.raises(lawbasis.InputError, match="objection_received"):
        explore.grid("jetpak-dk", "sales", engine=engine, **choices)
    df = explore.grid("jetpak-dk", "sales", engine=engine, errors="skip", **choices)
    assert df["objection"].tolist() == ["general"]


def test_grid_keeps_decisions_on_request(engine: lawbasis.Engine) -> None:
    df = explore.grid(
        "jetpak-se", "bookkeeping", engine=engine, keep_decisions=True, dates={"fiscal_year_end": "2023-06-30"}, as_of="2026-01-01"
    )
    d = df.loc[0, "decision"]
    assert isinstance(d, lawbasis.Decision)
    assert d.retention.until == df.loc[0, "retention_until"] == dt.date(2030, 12, 31)


# --- compare ---------------------------------------------------------------------------------------


def test_compare_puts_both_policies_side_by_side(engine: lawbasis.Engine) -> None:
    df = explore.compare(
        "jetpak-dk", "jetpak-se", "bookkeeping", engine=engine, as_of="2026-01-01", dates={"fiscal_year_end": "2023-06-30"}
    )
    assert len(df) == 1
    assert "retention_until [jetpak-dk]" in df.columns and "retention_until [jetpak-se]" in df.columns
    assert df.loc[0, "bases [jetpak-dk]"] == df.loc[0, "bases [jetpak-se]"] == "c"
    # both texts state 7 years from the end of the calendar year; only in Denmark does that depart from the statute
    assert df.loc[0, "retention_until [jetpak-se]"] == df.loc[0, "retention_until [jetpak-dk]"] == dt.date(2030, 12, 31)
    assert "retention_differs_from_statute" in df.loc[0, "findings [jetpak-dk]"].split(",")
    assert "retention_differs_from_statute" not in df.loc[0, "findings [jetpak-se]"].split(",")
    assert df.loc[0, "differs"] == "findings"


def test_compare_every_shared_purpose(engine: lawbasis.Engine) -> None:
    df = explore.compare("jetpak-dk", "jetpak-se", None, engine=engine, as_of="2026-01-01", objection=["none", "direct_marketing"])
    shared = [p.id for p in engine.purposes("jetpak-dk")]
    assert df["purpose"].tolist() == [p for p in shared for _ in range(2)]
    assert "policy" not in df.columns


# --- counterfactual --------------------------------------------------------------------------------


def test_counterfactual_objection_is_the_single_change_that_restores_processing(engine: lawbasis.Engine) -> None:
    cf = explore.counterfactual(
        {**MARKETING, "objection": "direct_marketing", "dates": {"contract_ended": "2025-06-30", "objection_received": "2025-09-01"}},
        engine=engine,
    )
    assert cf is not None
    assert cf.before is False and cf.after is True
    assert [(c.field, c.old, c.new) for c in cf.changes] == [("objection", "direct_marketing", "none")]
    assert cf.sentence == "Had the customer not objected, processing could continue."
    assert str(cf) == cf.sentence
    # the objection date went with the objection, and the new decision is the engine's answer
    assert "objection_received" not in cf.activity.dates
    assert cf.decision == engine.evaluate(cf.activity)
    assert cf.decision.may_process is True and cf.original.may_process is False
    assert "had the customer not objected" in cf._repr_html_().lower()


def test_counterfactual_for_lawfulness_and_from_a_decision(engine: lawbasis.Engine) -> None:
    d = engine.evaluate(
        {
            "policy": "jetpak-dk",
            "purpose": "marketing",
            "customer_status": "prospect",
            "channel": "email",
            "consent": "none",
            "as_of": "2026-01-01",
        }
    )
    cf = explore.counterfactual(d, "lawful", engine=engine)
    assert cf is not None
    assert [(c.field, c.new) for c in cf.changes] == [("consent", "given")]
    assert (cf.before, cf.after) == ("no", "yes")
    assert cf.sentence == "Had the customer given consent, the processing would be lawful."
    # other single changes that also flip it are kept, in the order tried
    assert all(len(alt) == 1 for alt in cf.alternatives)
    assert ("consent", "explicit") in [(a[0].field, a[0].new) for a in cf.alternatives]


def test_counterfactual_tries_pairs_when_no_single_change_flips(engine: lawbasis.Engine) -> None:
    # prospect, e-mail, no consent, objected: consent alone leaves the objection, dropping the objection
    # alone leaves no consent; only the pair flips may_process
    facts = {
        "policy": "jetpak-dk",
        "purpose": "marketing",
        "customer_status": "prospect",
        "channel": "email",
        "consent": "none",
        "objection": "direct_marketing",
        "as_of": "2026-01-01",
    }
    cf = explore.counterfactual(facts, engine=engine)
    assert cf is not None
    assert len(cf.changes) == 2
    assert {(c.field, c.new) for c in cf.changes} == {("objection", "none"), ("consent", "given")}
    assert cf.sentence == "Had the customer not objected and the customer given consent, processing could continue."
    assert explore.counterfactual(facts, engine=engine, max_changes=1) is None


def test_counterfactual_rejects_an_unknown_conclusion() -> None:
    with pytest.raises(lawbasis.InputError, match="conclusion"):
        explore.counterfactual(MARKETING, "happiness")


# --- HTML reprs ------------------------------------------------------------------------------------


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_decision_html_shows_bases_objection_retention_findings_and_trace(engine: lawbasis.Engine) -> None:
    d = engine.evaluate({**MARKETING, "objection": "direct_marketing"})
    out = d._repr_html_()
    text = _text(out)
    assert "jetpak-dk / marketing" in text
    assert "GDPR Art. 6(1)(a)" in text and "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a" in out
    assert "Art. 21(2); processing must stop" in text
    assert "until 2028-06-30; then delete" in text
    # findings by severity: violation before warning, with counts
    assert text.index("violation (1)") < text.index("warning (")
    assert "objection_override_unlawful" in text
    # the trace is collapsible and quotes the Danish text verbatim
    assert out.count("<details>") == 1 and f"Trace ({len(d.trace)} rules fired)" in text
    assert "Samtykke ved markedsføring af vores produkter og tjenester via e-mail, SMS, MMS og andre automatiske systemer." in text
    assert "lang='da'" in out
    assert out.count("<li><code>") >= len(d.trace)


def test_decision_html_escapes_and_marks_held_windows(engine: lawbasis.Engine) -> None:
    d = engine.evaluate(
        {"policy": "jetpak-dk", "purpose": "contract", "dispute": True, "as_of": "2026-01-01", "dates": {"contract_ended": "2025-06-30"}}
    )
    text = _text(d._repr_html_())
    assert "held past the window by a pending dispute" in text
    assert "then anonymise" in text
    assert "<script" not in d._repr_html_()


def test_text_explain_format_is_stable(engine: lawbasis.Engine) -> None:
    d = engine.evaluate({**MARKETING})
    lines = d.explain().splitlines()
    assert lines[0] == "jetpak-dk / marketing (as of 2026-01-01)"
    assert lines[2] == "  bases:        (a) consent [GDPR Art. 6(1)(a)]"
    assert lines[5].startswith("  retention:    P36M from contract_ended; until 2028-06-30; then delete")


def test_policy_report_html(engine: lawbasis.Engine) -> None:
    report_module = pytest.importorskip("lawbasis.analysis.report")
    from lawbasis.render import report_html

    r = report_module.report("jetpak-dk", engine=engine, purposes=["marketing", "bookkeeping"])
    out = report_html(r)
    text = _text(out)
    assert "Policy report: jetpak-dk" in text
    assert out.count("<details>") == len(r.purposes) == 2
    assert "Markedsføring, herunder kundetilpasset annoncering" in text
    assert "objection_override_unlawful" in text
    if hasattr(r, "_repr_html_"):
        assert r._repr_html_() == out
