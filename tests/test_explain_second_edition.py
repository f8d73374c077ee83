"""Text and HTML say what an objection would do when the facts hold none, and which bases are stopped."""

from __future__ import annotations

import html
import re

import lawbasis

AS_OF = "2026-11-22"


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_without_an_objection_the_outcome_is_conditional() -> None:
    d = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": "business_development", "as_of": AS_OF})
    line = next(x for x in d.explain().splitlines() if x.strip().startswith("objection:"))
    assert line.strip() == "objection:    Art. 21(1); if the person objects: processing must stop (no_compelling_legitimate_grounds)"
    assert "if the person objects: processing must stop" in _text(d._repr_html_())


def test_an_objection_received_later_is_still_conditional() -> None:
    d = lawbasis.evaluate(
        {
            "policy": "jetpak-dk",
            "purpose": "business_development",
            "objection": "general",
            "dates": {"objection_received": "2027-01-01"},
            "as_of": AS_OF,
        }
    )
    assert "if the person objects: processing must stop" in d.explain()


def test_a_partial_stop_names_the_bases_that_go_on() -> None:
    d = lawbasis.evaluate({"policy": "cekura-dk", "purpose": "customer_relationship", "objection": "general", "as_of": AS_OF})
    text = d.explain()
    assert "(f) legitimate_interest [GDPR Art. 6(1)(f)] (stopped)" in text
    assert "(b) contract [GDPR Art. 6(1)(b)]," in text  # not stopped
    assert "processing on (e)/(f) must stop; the other bases go on" in text
    assert "stated in the policy; stopped" in _text(d._repr_html_())


def test_quotes_render_in_their_own_texts_language_whatever_engine_was_built(tmp_path) -> None:
    """The language comes with the quote (Cite.language), not from the shared engine: a rule directory
    whose jetpak-dk text is declared in another language renders that language, before and after the
    default engine exists."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(lawbasis.default_rules_dir(), rules)
    policy_file = rules / "jetpak-dk.yaml"
    policy_file.write_text(policy_file.read_text(encoding="utf-8").replace("  language: da\n", "  language: nb\n", 1), encoding="utf-8")
    own = lawbasis.Engine(rules).evaluate({"policy": "jetpak-dk", "purpose": "marketing", "as_of": AS_OF})
    assert "lang='nb'" in own._repr_html_() and "lang='da'" not in own._repr_html_()
    shipped = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": "marketing", "as_of": AS_OF})
    assert "lang='da'" in shipped._repr_html_()
    assert "lang='nb'" in own._repr_html_()


def _objection_line(d: lawbasis.Decision) -> str:
    return next(x for x in d.explain().splitlines() if x.strip().startswith("objection:")).strip()


def test_the_outcome_is_conditional_only_without_an_objection_on_as_of() -> None:
    """Each outcome (stop, continue, no right to object) reads "if the person objects" without an objection,
    and plainly once the facts hold one received on or before as_of, in text and HTML alike."""
    marketing = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "as_of": AS_OF}
    cases = [
        (marketing, "Art. 21(2); if the person objects: processing must stop (direct_marketing_absolute)"),
        ({**marketing, "objection": "direct_marketing"}, "Art. 21(2); processing must stop (direct_marketing_absolute)"),
        (
            {**marketing, "objection": "direct_marketing", "dates": {"objection_received": AS_OF}},
            "Art. 21(2); processing must stop (direct_marketing_absolute)",
        ),
        (
            {"policy": "jetpak-dk", "purpose": "business_development", "compelling_grounds": True, "as_of": AS_OF},
            "Art. 21(1); if the person objects: processing may continue (compelling_legitimate_grounds)",
        ),
        (
            {"policy": "jetpak-dk", "purpose": "business_development", "compelling_grounds": True, "objection": "general", "as_of": AS_OF},
            "Art. 21(1); processing may continue (compelling_legitimate_grounds)",
        ),
        (
            {"policy": "jetpak-se", "purpose": "bookkeeping", "as_of": AS_OF},
            "no right to object reaches this processing; if the person objects: processing may continue (no_right_to_object_for_basis)",
        ),
    ]
    for facts, expected in cases:
        d = lawbasis.evaluate(facts)
        assert _objection_line(d) == f"objection:    {expected}", facts
        html_text = _text(d._repr_html_())
        assert ("if the person objects:" in html_text) == ("if the person objects:" in expected), facts
