"""What to do with the data today: the rules gdpr/today/* (Decision.action_today)."""

from __future__ import annotations

import pytest

import lawbasis

BASE = {"as_of": "2026-11-22"}


@pytest.mark.parametrize(
    ("facts", "action", "rule"),
    [
        # the window (contract end + 36 months) ended on 2023-01-31: its end action
        ({"policy": "jetpak-dk", "purpose": "contract", "dates": {"contract_ended": "2020-01-31"}}, "anonymise", "gdpr/today/window-ended"),
        (
            {
                "policy": "jetpak-dk",
                "purpose": "marketing",
                "channel": "email",
                "consent": "given",
                "dates": {"contract_ended": "2020-01-31"},
            },
            "delete",
            "gdpr/today/window-ended",
        ),
        # the same window still open
        ({"policy": "jetpak-se", "purpose": "contract", "dates": {"contract_ended": "2025-06-30"}}, "keep", "gdpr/today/inside-window"),
        # ended, but a pending dispute holds it
        (
            {"policy": "jetpak-se", "purpose": "contract", "dispute": True, "dates": {"contract_ended": "2020-01-31"}},
            "hold",
            "gdpr/today/hold",
        ),
        # a current customer: the date that starts the window is unknown
        ({"policy": "jetpak-dk", "purpose": "contract"}, "keep", "gdpr/today/inside-window"),
        # an upheld objection cuts the marketing window on the day it was received
        (
            {
                "policy": "jetpak-dk",
                "purpose": "marketing",
                "channel": "post",
                "objection": "direct_marketing",
                "dates": {"contract_ended": "2025-06-30", "objection_received": "2026-02-01"},
            },
            "delete",
            "gdpr/today/window-ended",
        ),
        # an erasure request that ends every basis applies the window's end action now (SPEC 9.3)
        (
            {
                "policy": "jetpak-dk",
                "purpose": "business_development",
                "erasure_requested": True,
                "dates": {"contract_ended": "2025-06-30"},
            },
            "anonymise",
            "gdpr/today/erased",
        ),
        (
            {"policy": "jetpak-dk", "purpose": "contract", "erasure_requested": True, "dates": {"contract_ended": "2025-06-30"}},
            "anonymise",
            "gdpr/today/erased",
        ),
        # the statutory bookkeeping duty (5 years) ended, though the policy's 7 years run on (SPEC 9.8)
        ({"policy": "jetpak-dk", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2020-06-30"}}, "delete", "gdpr/today/delete"),
        # the company ceased and the policy deletes everything then (SPEC 9.8)
        (
            {"policy": "jetpak-dk", "purpose": "marketing", "corporate_event": "ceased", "dates": {"contract_ended": "2025-06-30"}},
            "delete",
            "gdpr/today/delete",
        ),
    ],
)
def test_action_today(facts: dict[str, object], action: str, rule: str) -> None:
    d = lawbasis.evaluate({**BASE, **facts})
    assert d.action_today == action
    assert rule in d.fired()
    assert f"today:        {action} the data" in d.explain()
    assert d.to_dict()["action_today"] == action  # part of the JSON since the second edition (SPEC 9)


def test_no_window_keeps() -> None:
    """Sunclass states no period for marketing ("as long as necessary"): no window, nothing to end."""
    d = lawbasis.evaluate({**BASE, "policy": "sunclass-dk", "purpose": "marketing", "consent": "given", "channel": "email"})
    assert d.action_today == "keep"
    assert d.retention.until is None
    assert [s for s in d.fired() if s.startswith("gdpr/today/")] == ["gdpr/today/no-window"]
    assert "retention_not_stated" in d.finding_codes


def test_editing_the_rule_changes_the_answer(tmp_path) -> None:
    """No Python decides it: a rule file that holds ended windows instead of ending them is obeyed."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(lawbasis.default_rules_dir(), rules)
    gdpr = rules / "gdpr.yaml"
    text = gdpr.read_text(encoding="utf-8")
    assert "      - today: {action: $A, reason: retention_window_closed}" in text
    gdpr.write_text(
        text.replace(
            "      - today: {action: $A, reason: retention_window_closed}", "      - today: {action: hold, reason: retention_window_closed}"
        ),
        encoding="utf-8",
    )
    facts = {**BASE, "policy": "jetpak-dk", "purpose": "contract", "dates": {"contract_ended": "2020-01-31"}}
    assert lawbasis.Engine(rules).evaluate(facts).action_today == "hold"
