"""Metamorphic properties: how the answer must (not) move when the facts move.

* a fact no rule reads never changes the decision (unread fields found by inspecting the rules);
* a later ``as_of`` never reopens an expired window, nor creates or restarts a basis;
* a pending dispute never shortens retention;
* consent ``explicit`` is never worse than ``given``;
* evaluation order and earlier evaluations never matter.
"""

from __future__ import annotations

import datetime as _dt
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import lawbasis
from lawbasis.core.activity import DATE_KEYS, DATE_ORDER
from lawbasis.core.calendar import CALENDAR_ANCHORS, anchor_source
from lawbasis.strategies import activities
from tests.conftest import scaled

ENGINE = lawbasis.default_engine()
PAIRS = [(p.id, purpose.id) for p in ENGINE.policies() for purpose in p.purposes.values()]
SCHEDULED_FLAGS = {"scheduled_consent_withdrawal": "consent_withdrawn", "scheduled_objection": "objection_received"}
BOOL_FIELDS = ("personalised", "compelling_grounds", "dispute", "special_category", "erasure_requested", "acquirer_similar")


def read_by_rules(policy: str, purpose: str) -> tuple[set[str], set[str]]:
    """(activity fields, date keys) that some rule applying to this policy and purpose reads."""
    fields: set[str] = set()
    dates: set[str] = set()
    for rule in ENGINE.rulebase.rules_for(policy):
        if rule.purposes and purpose not in rule.purposes:
            continue
        for condition in rule.when:
            for field in condition.get("activity", {}):
                # dates reach the rules as flags: given, passed on as_of, or scheduled after it (SPEC 9.2)
                if field.startswith(("has_", "passed_")):
                    dates.add(field.split("_", 1)[1])
                elif field in SCHEDULED_FLAGS:
                    dates.add(SCHEDULED_FLAGS[field])
                else:
                    fields.add(field)
        for kind, values in rule.then:
            for key in ("from", "statutory_from", "date"):
                anchor = values.get(key)
                if anchor and anchor != "null" and not anchor.startswith("$"):
                    dates.add(anchor_source(anchor) if anchor in CALENDAR_ANCHORS else anchor)
            if kind == "statutory":
                # the statutory window is rendered into findings with its anchor date
                dates.add(anchor_source(values["from"]))
    return fields, dates


UNREAD = {pair: read_by_rules(*pair) for pair in PAIRS}


def test_rule_inspection_finds_read_and_unread_facts() -> None:
    fields, dates = UNREAD[("jetpak-dk", "marketing")]
    assert {"consent", "channel", "customer_status", "personalised"} <= fields
    assert {"contract_ended", "contact_collected", "consent_withdrawn", "objection_received"} <= dates
    assert "recorded" not in dates and "competition_ended" not in dates
    assert "acquirer_similar" not in fields


@pytest.mark.parametrize(("policy", "purpose"), PAIRS, ids=[f"{p}/{q}" for p, q in PAIRS])
def test_unread_fact_never_changes_the_decision(policy: str, purpose: str) -> None:
    fields, dates = UNREAD[(policy, purpose)]
    unread_bools = [f for f in BOOL_FIELDS if f not in fields]
    # contact_collected takes part in date-order checks; it is only added where it is unread
    unread_dates = [k for k in DATE_KEYS if k not in dates and k not in ("consent_withdrawn", "objection_received")]
    if not unread_bools and not unread_dates:
        pytest.skip("every fact is read")

    @scaled(0.08)
    @given(activities(policy, purpose), st.data())
    def check(activity: lawbasis.Activity, data: st.DataObject) -> None:
        base = ENGINE.evaluate(activity).to_dict()
        changes: dict = {}
        if unread_bools and data.draw(st.booleans(), label="flip a field"):
            field = data.draw(st.sampled_from(unread_bools))
            changes[field] = not getattr(activity, field)
        if unread_dates:
            key = data.draw(st.sampled_from(unread_dates))
            day = data.draw(st.dates(_dt.date(2000, 1, 1), _dt.date(2040, 1, 1)))
            for earlier, later in DATE_ORDER:  # keep the order the facts require
                if later == key and earlier in activity.dates:
                    day = max(day, activity.dates[earlier])
                if earlier == key and later in activity.dates:
                    day = min(day, activity.dates[later])
            changes["dates"] = {**activity.dates, key: day}
        assume(changes)
        changed = activity.replace(**changes)
        assert ENGINE.evaluate(changed).to_dict() == base, f"changing unread {sorted(changes)} changed the decision"

    check()


@scaled(0.5)
@given(activities(), st.integers(min_value=1, max_value=5000))
def test_later_as_of_never_reopens_an_expired_window(activity: lawbasis.Activity, days: int) -> None:
    first = ENGINE.evaluate(activity)
    later = ENGINE.evaluate(activity.replace(as_of=activity.as_of + _dt.timedelta(days=days)))
    assert later.retention.until == first.retention.until
    if first.retention.until is not None and activity.as_of > first.retention.until:
        assert later.may_process is False
    if not first.may_process:
        assert not later.may_process, "a later as_of allowed processing an earlier one refused"
    # time only ends grounds: an event taking effect on its date (SPEC 9.2), a statutory duty expiring
    # (9.8), the contract being over (9.3); it never creates a basis or un-stops one
    active = {b.letter for b in first.bases if not b.stopped}
    assert {b.letter for b in later.bases if not b.stopped} <= active, f"{first.bases} -> {later.bases}"
    if first.lawful != "yes":
        assert later.lawful != "yes"
    if not activity.dates:  # with no dates nothing can happen in between
        assert (later.lawful, later.bases, later.objection, later.action_today) == (
            first.lawful,
            first.bases,
            first.objection,
            first.action_today,
        )


@scaled(0.5)
@given(activities(dispute=False))
def test_pending_dispute_never_shortens_retention(activity: lawbasis.Activity) -> None:
    calm = ENGINE.evaluate(activity).retention
    disputed = ENGINE.evaluate(activity.replace(dispute=True)).retention
    if calm.until is not None:
        assert disputed.extended or (disputed.until is not None and disputed.until >= calm.until), (
            f"dispute shortened retention: {calm.to_dict()} -> {disputed.to_dict()}"
        )
    if calm.until is None and calm.period is not None:
        assert disputed.until is None


RANK = {"no": 0, "undetermined": 1, "yes": 2}


@scaled(0.5)
@given(activities(consent="given"))
def test_explicit_consent_never_worse_than_given(activity: lawbasis.Activity) -> None:
    given_ = ENGINE.evaluate(activity)
    explicit = ENGINE.evaluate(activity.replace(consent="explicit"))
    assert set(given_.basis_letters) <= set(explicit.basis_letters)
    assert RANK[explicit.lawful] >= RANK[given_.lawful]
    assert explicit.may_process or not given_.may_process
    assert set(explicit.finding_codes) - set(given_.finding_codes) == set()


@scaled(0.1)
@given(st.lists(activities(), min_size=2, max_size=8), st.randoms(use_true_random=False))
def test_evaluation_order_and_history_never_matter(items: list[lawbasis.Activity], rnd: random.Random) -> None:
    alone = [lawbasis.Engine.evaluate(ENGINE, a).to_dict() for a in items]
    shuffled = list(range(len(items)))
    rnd.shuffle(shuffled)
    answers = {i: ENGINE.evaluate(items[i]).to_dict() for i in shuffled}
    assert [answers[i] for i in range(len(items))] == alone
    assert [d.to_dict() for d in ENGINE.evaluate_many(reversed(items))] == alone[::-1]
    # and a fresh engine that never saw anything else agrees with the one that has seen everything
    assert ENGINE.evaluate(items[0]).to_dict() == FRESH.evaluate(items[0]).to_dict()


FRESH = lawbasis.Engine()
