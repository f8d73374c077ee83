"""The legal invariants over the whole fact space of every policy: every combination of the facts some
rule tests (the report's grid), on one day with dates that put windows and duties on both sides of it,
a withdrawal still to come and an objection already received."""

from __future__ import annotations

import datetime as dt

import pytest

import lawbasis
from lawbasis.analysis.report import REPORT_HELD, date_flags, point_dates, purpose_grid
from lawbasis.invariants import check_all

ENGINE = lawbasis.Engine()
AS_OF = dt.date(2026, 11, 22)
DATES = {
    "contact_collected": dt.date(2024, 1, 1),
    "contract_ended": dt.date(2025, 6, 30),
    "relationship_ended": dt.date(2026, 10, 1),
    "fiscal_year_end": dt.date(2020, 6, 30),  # the Danish duty has ended, the Swedish one runs
    "recorded": dt.date(2025, 3, 1),
    "competition_ended": dt.date(2026, 6, 1),
    "registered": dt.date(2025, 12, 1),
    "consent_withdrawn": dt.date(2026, 12, 15),  # scheduled
    "objection_received": dt.date(2026, 9, 1),  # effective
}
PAIRS = [(p.id, q.id) for p in ENGINE.policies() for q in p.purposes.values()]
#: The report's held facts (soft opt-in, Art. 9(2) condition, recipient) stay at their defaults here
#: too: varied, they multiply the grid 160-fold; their law is covered by
#: tests/scenarios/open-vocabulary.scenarios.yaml and the property tests of tests/test_invariants.py.
HELD = REPORT_HELD


@pytest.mark.slow
@pytest.mark.parametrize(("policy", "purpose"), PAIRS, ids=[f"{p}/{q}" for p, q in PAIRS])
def test_invariants_hold_over_the_whole_fact_space(policy: str, purpose: str) -> None:
    grid = purpose_grid(ENGINE, [policy], purpose, fixed_has=date_flags(DATES, AS_OF), fixed_facts=HELD)
    assert grid.size() >= 8
    for point in grid.points():
        facts = grid.facts(point)
        activity = {"policy": policy, "purpose": purpose, **facts, "dates": point_dates(facts, DATES), "as_of": AS_OF.isoformat()}
        check_all(activity, ENGINE.evaluate(activity))
