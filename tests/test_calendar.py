"""Calendar edges: month clamping, leap years, fiscal-year anchors, the day a window closes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import lawbasis
from lawbasis.core.calendar import Period, anchor_date, window_end

D = dt.date


@pytest.mark.parametrize(
    "period,start,end",
    [
        ("P1M", D(2025, 1, 31), D(2025, 2, 28)),
        ("P1M", D(2024, 1, 31), D(2024, 2, 29)),
        ("P1M", D(2025, 3, 31), D(2025, 4, 30)),  # 31-day month into a 30-day month
        ("P1M", D(2025, 4, 30), D(2025, 5, 30)),  # 30-day month into a 31-day month: no jump to the 31st
        ("P1M", D(2025, 12, 31), D(2026, 1, 31)),  # year end
        ("P1Y", D(2024, 2, 29), D(2025, 2, 28)),
        ("P4Y", D(2024, 2, 29), D(2028, 2, 29)),
        ("P12M", D(2024, 2, 29), D(2025, 2, 28)),
        ("P36M", D(2025, 1, 31), D(2028, 1, 31)),
        ("P36M", D(2025, 11, 30), D(2028, 11, 30)),
        ("P200D", D(2025, 3, 1), D(2025, 9, 17)),
        ("P200D", D(2024, 3, 1), D(2024, 9, 17)),
        ("P1D", D(2025, 12, 31), D(2026, 1, 1)),
        ("P2W", D(2025, 2, 20), D(2025, 3, 6)),
        ("P1M1D", D(2025, 1, 31), D(2025, 3, 1)),  # months first, then days
    ],
)
def test_period_arithmetic(period: str, start: dt.date, end: dt.date) -> None:
    assert Period.parse(period).add_to(start) == end


@pytest.mark.parametrize("bad", ["", "P", "36M", "P1.5Y", "PT1H", "P-1D", "p1m"])
def test_not_a_period(bad: str) -> None:
    with pytest.raises(lawbasis.InputError):
        Period.parse(bad)


def test_anchors() -> None:
    dates = {"fiscal_year_end": D(2023, 6, 30)}
    assert anchor_date("fiscal_year_end", dates) == D(2023, 6, 30)
    assert anchor_date("end_of_calendar_year_of_fiscal_year_end", dates) == D(2023, 12, 31)
    assert anchor_date("end_of_calendar_year_of_fiscal_year_end", {}) is None
    assert window_end("P7Y", "end_of_calendar_year_of_fiscal_year_end", dates) == D(2030, 12, 31)
    assert window_end("P5Y", "fiscal_year_end", dates) == D(2028, 6, 30)
    assert window_end("P5Y", "fiscal_year_end", {}) is None


def _eval(**facts: Any) -> lawbasis.Decision:
    return lawbasis.evaluate(facts)


# --- fiscal years through the engine -------------------------------------------------------------


@pytest.mark.parametrize(
    "fy_end,until",
    [
        ("2023-06-30", "2030-12-31"),  # non-calendar fiscal year (SPEC 8 example 3)
        ("2023-12-31", "2030-12-31"),  # calendar fiscal year: same year end
        ("2024-01-31", "2031-12-31"),
        ("2024-02-29", "2031-12-31"),
    ],
)
@pytest.mark.parametrize("policy", ["jetpak-se", "jetpak-dk"])
def test_seven_years_from_end_of_calendar_year(policy: str, fy_end: str, until: str) -> None:
    d = _eval(policy=policy, purpose="bookkeeping", dates={"fiscal_year_end": fy_end})
    assert d.retention.from_ == "end_of_calendar_year_of_fiscal_year_end"
    assert d.retention.until == dt.date.fromisoformat(until)


@pytest.mark.parametrize(
    "fy_end,statutory_until",
    [
        ("2023-06-30", "2028-06-30"),
        ("2023-12-31", "2028-12-31"),
        ("2024-02-29", "2029-02-28"),
        ("2024-03-31", "2029-03-31"),
        ("2023-09-30", "2028-09-30"),
    ],
)
def test_dk_statutory_window_is_five_years_from_fiscal_year_end(fy_end: str, statutory_until: str) -> None:
    d = _eval(policy="jetpak-dk", purpose="bookkeeping", dates={"fiscal_year_end": fy_end})
    (f,) = [f for f in d.findings if f.code == "retention_differs_from_statute"]
    assert f.message.endswith(f"Statutory window: P5Y from fiscal_year_end, until {statutory_until}.")


# --- month clamping through the engine -----------------------------------------------------------


@pytest.mark.parametrize(
    "purpose,status,key,start,until",
    [
        ("contract", "customer", "contract_ended", "2025-01-31", "2028-01-31"),
        ("contract", "customer", "contract_ended", "2025-02-28", "2028-02-28"),
        ("contract", "customer", "contract_ended", "2025-04-30", "2028-04-30"),
        ("contract", "customer", "contract_ended", "2025-12-31", "2028-12-31"),
        ("marketing", "prospect", "contact_collected", "2024-02-29", "2025-02-28"),
        ("marketing", "prospect", "contact_collected", "2023-02-28", "2024-02-28"),
        ("sales", "prospect", "contact_collected", "2025-12-31", "2026-12-31"),
    ],
)
@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_windows_through_the_engine(policy: str, purpose: str, status: str, key: str, start: str, until: str) -> None:
    d = _eval(policy=policy, purpose=purpose, customer_status=status, dates={key: start})
    assert d.retention.until == dt.date.fromisoformat(until)
    assert d.to_dict()["retention"]["until"] == until


# --- as_of: the last day is inside the window, the next day is not ---------------------------------


@pytest.mark.parametrize(
    "facts,last_day",
    [
        ({"policy": "jetpak-dk", "purpose": "contract", "dates": {"contract_ended": "2025-06-30"}}, "2028-06-30"),
        ({"policy": "jetpak-se", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-30"}}, "2030-12-31"),
        (
            {"policy": "jetpak-dk", "purpose": "marketing", "customer_status": "prospect", "dates": {"contact_collected": "2024-02-29"}},
            "2025-02-28",
        ),
        ({"policy": "jetpak-se", "purpose": "business_development", "dates": {"contract_ended": "2024-01-31"}}, "2027-01-31"),
    ],
)
def test_may_process_flips_the_day_after_until(facts: dict[str, Any], last_day: str) -> None:
    last = dt.date.fromisoformat(last_day)
    before = lawbasis.evaluate({**facts, "as_of": (last - dt.timedelta(days=1)).isoformat()})
    on = lawbasis.evaluate({**facts, "as_of": last_day})
    after = lawbasis.evaluate({**facts, "as_of": (last + dt.timedelta(days=1)).isoformat()})
    assert before.may_process is True
    assert on.may_process is True
    assert after.may_process is False
    assert before.retention.until == on.retention.until == after.retention.until == last
    assert "retention_window_closed" in after.may_process_reasons


def test_unknown_anchor_date_keeps_window_open() -> None:
    d = _eval(policy="jetpak-dk", purpose="contract", as_of="2099-01-01")
    assert d.retention.until is None
    assert d.retention.period == "P36M"
    assert d.may_process is True


# --- a dispute holds the data the policy ties to claims ------------------------------------------


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_dispute_hold(policy: str) -> None:
    dates = {"contract_ended": "2020-01-31"}
    plain = _eval(policy=policy, purpose="contract", dates=dates, as_of="2026-01-01")
    assert plain.retention.until == dt.date(2023, 1, 31)
    assert plain.retention.extended is False
    assert plain.may_process is False
    held = _eval(policy=policy, purpose="contract", dates=dates, as_of="2026-01-01", dispute=True)
    assert held.retention.extended is True
    assert held.retention.until is None
    assert held.retention.window_until == dt.date(2023, 1, 31)
    assert held.to_dict()["retention"]["until"] is None
    assert held.to_dict()["retention"]["window_until"] == "2023-01-31"
    assert held.action_today == "hold"
    # the contract section processes data for the dispute itself (SPEC 9.5): it may go on
    assert held.may_process is True
    assert "held_for_legal_claims" in held.finding_codes


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_dispute_holds_nothing_the_policy_does_not_tie_to_claims(policy: str) -> None:
    # the bookkeeping section keeps nothing for disputes: the window acts as without one (SPEC 9.4)
    d = _eval(policy=policy, purpose="bookkeeping", dates={"fiscal_year_end": "2010-06-30"}, as_of="2026-01-01", dispute=True)
    assert d.retention.extended is False
    assert d.retention.until is not None and d.retention.until < dt.date(2026, 1, 1)
    assert d.may_process is False
    assert d.action_today == "delete"
    assert "legal_claims_hold_possible" in d.finding_codes


# --- an upheld objection or a withdrawal cuts the window ------------------------------------------


def test_objection_cut_before_window_end() -> None:
    facts: dict[str, Any] = {
        "policy": "jetpak-dk",
        "purpose": "business_development",
        "objection": "general",
        "dates": {"contract_ended": "2025-06-30", "objection_received": "2026-03-01"},
    }
    # received after as_of: not yet effective, but the window will end on its date (SPEC 9.2)
    d = lawbasis.evaluate({**facts, "as_of": "2026-02-01"})
    assert d.retention.until == D(2026, 3, 1)
    assert d.may_process is True
    assert "event_after_as_of" in d.finding_codes
    # from its date it stops processing
    on = lawbasis.evaluate({**facts, "as_of": "2026-03-01"})
    assert on.retention.until == D(2026, 3, 1)
    assert on.may_process is False
    kept = lawbasis.evaluate({**facts, "compelling_grounds": True, "as_of": "2026-03-01"})
    assert kept.retention.until == D(2028, 6, 30)  # compelling grounds: no cut
    assert kept.may_process is True


def test_objection_after_window_end_keeps_the_earlier_date() -> None:
    d = _eval(
        policy="jetpak-se",
        purpose="marketing",
        objection="direct_marketing",
        dates={"contract_ended": "2025-06-30", "objection_received": "2029-01-01"},
        as_of="2026-01-01",
    )
    assert d.retention.until == D(2028, 6, 30)


def test_withdrawal_cut() -> None:
    facts = {
        "policy": "jetpak-se",
        "purpose": "marketing",
        "channel": "sms",
        "consent": "withdrawn",
        "dates": {"contract_ended": "2025-06-30", "consent_withdrawn": "2025-07-15"},
    }
    # five days before the withdrawal, consent still counts; the window ends on the withdrawal date
    d = lawbasis.evaluate({**facts, "as_of": "2025-07-10"})
    assert d.retention.until == D(2025, 7, 15)
    assert (d.lawful, d.basis_letters, d.may_process) == ("yes", ["a"], True)
    after = lawbasis.evaluate({**facts, "as_of": "2025-07-16"})
    assert (after.lawful, after.basis_letters, after.may_process) == ("no", [], False)
    assert after.retention.until == D(2025, 7, 15)
