"""The engine's memo (Engine.evaluate) never changes an answer.

The memo reuses what durable_rules concluded for the same activity fact and window (see the comment
in lawbasis/engine/host.py). These tests compare an engine with the memo against one without it
(``memo_size=0``: durable_rules runs every time) on activities that share their discrete facts but
not their dates, which is exactly where a wrong memo would show.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lawbasis
from lawbasis import Activity, LawbasisError
from lawbasis.strategies import activities, activity_dates, as_of_dates

MEMO = lawbasis.Engine()
COLD = lawbasis.Engine(memo_size=0)


def same(a: lawbasis.Decision, b: lawbasis.Decision) -> None:
    assert a.to_dict() == b.to_dict()
    assert a.explain() == b.explain()
    assert (a.lawful_reasons, a.may_process_reasons) == (b.lawful_reasons, b.may_process_reasons)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Activity, Activity]:
    """An activity and a second one with the same discrete facts, the same date keys, other dates."""
    first = draw(activities(engine=MEMO))
    keys = sorted(first.dates)
    dates = draw(activity_dates(first.consent, first.objection, keys=keys, required=keys))
    return first, first.replace(dates=dates, as_of=draw(as_of_dates()))


@given(pairs())
def test_memo_answers_equal_durable_rules_every_time(pair: tuple[Activity, Activity]) -> None:
    first, second = pair
    same(MEMO.evaluate(first), COLD.evaluate(first))
    # a withdrawal or objection dated after as_of is asked of the rules once more, as of its date
    as_of = second.as_of or dt.date.today()
    scheduled = sum(1 for k in ("consent_withdrawn", "objection_received") if k in second.dates and second.dates[k] > as_of)
    runs = MEMO.runs
    same(MEMO.evaluate(second), COLD.evaluate(second))
    assert MEMO.runs - runs <= 1 + scheduled  # at most one run per question the rules are asked
    same(MEMO.evaluate(second), COLD.evaluate(second))  # seen twice: now remembered
    runs, hits = MEMO.runs, MEMO.memo_hits
    same(MEMO.evaluate(second), COLD.evaluate(second))
    # the same activity again: every question from the memo
    assert (MEMO.runs, MEMO.memo_hits) == (runs, hits + 1 + scheduled)


def test_window_status_is_part_of_the_key() -> None:
    """Same discrete facts, one window open and one closed: different answers, both right."""
    engine = lawbasis.Engine()
    base = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "as_of": "2026-11-22"}
    inside = engine.evaluate({**base, "dates": {"contract_ended": "2025-06-30"}})
    engine.evaluate({**base, "dates": {"contract_ended": "2025-06-30"}})  # seen twice: remembered
    ended = engine.evaluate({**base, "dates": {"contract_ended": "2020-01-31"}})
    again = engine.evaluate({**base, "dates": {"contract_ended": "2024-02-29"}})
    assert (inside.may_process, inside.retention.until) == (True, dt.date(2028, 6, 30))
    assert (ended.may_process, ended.retention.until) == (False, dt.date(2023, 1, 31))
    assert (again.may_process, again.retention.until) == (True, dt.date(2027, 2, 28))
    assert (engine.runs, engine.memo_hits) == (3, 1)  # the last shares the first one's open window
    assert "retention_window_closed" in ended.may_process_reasons


def test_memo_is_bounded_and_can_be_turned_off() -> None:
    engine = lawbasis.Engine(memo_size=2)
    for purpose in ("marketing", "contract", "bookkeeping", "marketing"):
        for _ in range(2):  # remembered the second time it is seen
            engine.evaluate({"policy": "jetpak-se", "purpose": purpose, "as_of": "2026-11-22"})
    assert len(engine._memo_lower) <= 2 and len(engine._memo_full) <= 2 and len(engine._seen) <= 2
    # marketing was forgotten after two newer combinations, so it runs twice more to be remembered again
    assert (engine.runs, engine.memo_hits) == (8, 0)
    off = lawbasis.Engine(memo_size=0)
    for _ in range(3):
        off.evaluate({"policy": "jetpak-se", "purpose": "marketing", "as_of": "2026-11-22"})
    assert (off.runs, off.memo_hits) == (3, 0)
    off.clear_memo()
    engine.clear_memo()
    assert not engine._memo_full and not engine._memo_lower


@pytest.mark.parametrize("size", [-1, 1.5, True, "8"])
def test_memo_size_is_checked(size: object) -> None:
    with pytest.raises(LawbasisError, match="memo_size"):
        lawbasis.Engine(memo_size=size)  # type: ignore[arg-type]


def test_shipped_rules_read_the_window_status_only() -> None:
    assert {p.id: MEMO.compiled(p.id).reads_window_until for p in MEMO.policies()} == dict.fromkeys(
        ["cekura-dk", "jackon-dk", "jetpak-dk", "jetpak-se", "sunclass-dk"], False
    )


def test_a_rule_that_reads_the_end_date_makes_it_part_of_the_key(tmp_path: Path) -> None:
    """If a rule tests the window's end date, two open windows with different ends are not the same."""
    rules = tmp_path / "rules"
    rules.mkdir()
    shipped = lawbasis.default_rules_dir()
    for path in shipped.rglob("*"):
        if path.is_file():
            target = rules / path.relative_to(shipped)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    (rules / "until.yaml").write_text(
        textwrap.dedent("""\
        law:
          id: test-until
          title: a rule that reads the window's end date
        rules:
          - id: test/ends-mid-2028
            when:
              - fact: window
                until: "2028-06-30"
            then:
              - flag: {name: ends_mid_2028}
            cites:
              - law: GDPR Art. 5(1)(e)
        """),
        encoding="utf-8",
    )
    engine = lawbasis.Engine(rules)
    assert engine.compiled("jetpak-dk").reads_window_until
    base = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "as_of": "2026-11-22"}
    hit = engine.evaluate({**base, "dates": {"contract_ended": "2025-06-30"}})
    other = engine.evaluate({**base, "dates": {"contract_ended": "2025-07-31"}})
    assert "test/ends-mid-2028" in hit.fired()
    assert "test/ends-mid-2028" not in other.fired()
    assert engine.runs == 2


def test_a_closed_engine_refuses_even_what_it_remembers() -> None:
    engine = lawbasis.Engine()
    facts = {"policy": "jackon-dk", "purpose": "security", "as_of": "2026-11-22"}
    engine.evaluate(facts)
    engine.close()
    for _ in range(2):  # a combination it had remembered, then one it never saw
        with pytest.raises(LawbasisError, match="closed"):
            engine.evaluate(facts)
        facts = {**facts, "dispute": True}
    assert not engine._memo_full
