"""SPEC section 8: the six public worked examples, exactly as written."""

from __future__ import annotations

import datetime as dt

import pytest

import lawbasis

_LOADED = {p.id for p in lawbasis.default_engine().policies()}


def _needs(policy: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(policy not in _LOADED, reason=f"rule file for {policy} not written yet")


def test_example_1_jetpak_dk_marketing_email_with_consent() -> None:
    d = lawbasis.evaluate(
        {
            "policy": "jetpak-dk",
            "purpose": "marketing",
            "customer_status": "customer",
            "channel": "email",
            "consent": "given",
            "dates": {"contract_ended": "2025-06-30"},
        }
    )
    assert d.basis_letters == ["a"]
    assert d.objection.applies == "21(2)"
    assert d.objection.continues is False
    assert d.retention.period == "P36M"
    assert d.retention.from_ == "contract_ended"
    assert d.retention.until == dt.date(2028, 6, 30)
    out = d.to_dict()
    assert [b["letter"] for b in out["bases"]] == ["a"]
    assert out["objection"]["applies"] == "21(2)"
    assert out["objection"]["continues"] is False
    assert out["retention"]["period"] == "P36M"
    assert out["retention"]["from"] == "contract_ended"
    assert out["retention"]["until"] == "2028-06-30"


def test_example_2_jetpak_dk_marketing_email_prospect_without_consent() -> None:
    d = lawbasis.evaluate(
        {
            "policy": "jetpak-dk",
            "purpose": "marketing",
            "customer_status": "prospect",
            "channel": "email",
            "consent": "none",
        }
    )
    assert d.lawful == "no"
    assert d.may_process is False
    assert d.to_dict()["lawful"] == "no"
    assert d.to_dict()["may_process"] is False


def test_example_3_jetpak_se_bookkeeping() -> None:
    d = lawbasis.evaluate({"policy": "jetpak-se", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-30"}})
    assert d.basis_letters == ["c"]
    assert d.objection.applies is None
    assert d.objection.continues is True
    assert d.retention.until == dt.date(2030, 12, 31)
    out = d.to_dict()
    assert out["objection"]["applies"] is None
    assert out["retention"]["until"] == "2030-12-31"


@_needs("cekura-dk")
def test_example_4_cekura_dk_bookkeeping() -> None:
    d = lawbasis.evaluate({"policy": "cekura-dk", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-12-31"}})
    assert d.retention.until == dt.date(2028, 12, 31)
    assert d.to_dict()["retention"]["until"] == "2028-12-31"


@_needs("sunclass-dk")
def test_example_5_sunclass_dk_call_recording() -> None:
    d = lawbasis.evaluate({"policy": "sunclass-dk", "purpose": "call_recording", "dates": {"recorded": "2025-03-01"}})
    assert d.retention.period == "P200D"
    assert d.retention.until == dt.date(2025, 9, 17)
    assert d.to_dict()["retention"]["until"] == "2025-09-17"


@_needs("jackon-dk")
def test_example_6_jackon_dk_security() -> None:
    d = lawbasis.evaluate({"policy": "jackon-dk", "purpose": "security"})
    assert "basis_not_stated" in d.finding_codes
    assert "retention_not_stated" in d.finding_codes
    assert d.retention.until is None
    assert d.to_dict()["retention"]["until"] is None
