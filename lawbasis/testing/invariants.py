"""Legal invariants every decision must satisfy, as plain assertion functions.

Each ``check_*(activity, decision)`` raises ``AssertionError`` with a message naming the policy, the
purpose, the facts involved and what the decision said; it returns ``None`` when the invariant
holds. ``activity`` may be an :class:`lawbasis.Activity` or its JSON dict. Use them in a service's
own property tests:

>>> import lawbasis
>>> from hypothesis import given, settings
>>> from lawbasis.invariants import check_all
>>> from lawbasis.strategies import activities
>>> @settings(max_examples=10)
... @given(activities("jetpak-dk"))
... def test_jetpak_decisions_are_lawful(activity):
...     check_all(activity, lawbasis.evaluate(activity))
>>> test_jetpak_decisions_are_lawful()

The invariants hold by the GDPR itself (Art. 6, 7(3), 9, 17, 21), whatever a policy says; a rule
file that breaks one is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from lawbasis.core.activity import Activity
from lawbasis.core.decision import Decision

__all__ = [
    "INVARIANTS",
    "check_action_today",
    "check_all",
    "check_bases_sorted_unique",
    "check_consent_basis_needs_consent",
    "check_consent_counts_where_offered",
    "check_contract_basis_needs_the_party",
    "check_hold_ends_with_legal_claims_until",
    "check_no_marketing_basis_for_employees",
    "check_soft_opt_in_needs_every_condition",
    "check_special_category_needs_art9_condition",
    "check_decision_matches_facts",
    "check_direct_marketing_objection_stops",
    "check_erasure_request_stops",
    "check_findings_well_formed",
    "check_held_data_are_stored_only",
    "check_lawful_iff_basis",
    "check_objection_consistent",
    "check_public_task_needs_law",
    "check_retention_window_respected",
    "check_scheduled_event_not_yet_effective",
    "check_special_category_needs_explicit_consent",
    "check_trace_cites",
    "check_withdrawn_consent_never_basis",
]


def _activity(activity: Activity | Mapping[str, Any]) -> Activity:
    if isinstance(activity, Activity):  # checked already, against its engine's facts (a layer's own included)
        return activity
    return Activity.from_dict(activity)


def _where(activity: Activity, decision: Decision) -> str:
    return f"{activity.policy}/{activity.purpose}"


def _concluded(decision: Decision, kind: str) -> Iterator[dict[str, Any]]:
    """Every conclusion of one kind in the trace (a step may conclude several of a kind)."""
    for step in decision.trace:
        value = step.concluded.get(kind)
        if value is None:
            continue
        yield from (value if isinstance(value, list) else [value])


def _flags(decision: Decision) -> set[str]:
    return {str(v.get("name")) for v in _concluded(decision, "flag")}


def _on_the_day(a: Activity, decision: Decision) -> tuple[str, str]:
    """``consent`` and ``objection`` as they stand on ``as_of``: an event dated later has not happened."""
    dates = a.dates
    consent, objection = a.consent, a.objection
    if "consent_withdrawn" in dates and dates["consent_withdrawn"] > decision.as_of:
        consent = "given"
    if "objection_received" in dates and dates["objection_received"] > decision.as_of:
        objection = "none"
    return consent, objection


def _active(decision: Decision) -> set[str]:
    return {b.letter for b in decision.bases if not b.stopped}


def check_decision_matches_facts(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """The decision answers the policy and purpose that were asked about."""
    a = _activity(activity)
    assert (decision.policy, decision.purpose) == (a.policy, a.purpose), (
        f"decision is for {decision.policy}/{decision.purpose}, facts are for {a.policy}/{a.purpose}"
    )


def check_direct_marketing_objection_stops(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 21(2)-(3): an objection to direct marketing stops direct marketing, with no override.

    Where the rules classed the purpose as direct marketing (a ``flag direct_marketing`` in the
    trace), the objection that applies is 21(2) and never continues; and where the facts hold an
    objection on ``as_of``, every basis is stopped and processing may not go on.
    """
    a = _activity(activity)
    o = decision.objection
    dm = "direct_marketing" in _flags(decision)
    assert dm == (o.applies == "21(2)"), (
        f"{_where(a, decision)}: direct_marketing flag {'set' if dm else 'not set'} but objection.applies={o.applies!r}"
    )
    if o.applies == "21(2)":
        assert o.continues is False, (
            f"{_where(a, decision)}: direct marketing continues after an objection (objection={o.to_dict()}); Art. 21(3) allows no override"
        )
        if _on_the_day(a, decision)[1] != "none":
            assert decision.may_process is False, (
                f"{_where(a, decision)}: objection={a.objection!r} to direct marketing, yet may_process=True"
            )
            assert not _active(decision), (
                f"{_where(a, decision)}: objection to direct marketing, yet bases {sorted(_active(decision))} are not stopped"
            )


def check_withdrawn_consent_never_basis(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 7(3): withdrawn consent is never a basis; nor, for direct marketing whose consent the policy
    does not limit to a channel or to personalisation, is legitimate interest after it (no swapping)."""
    a = _activity(activity)
    if _on_the_day(a, decision)[0] != "withdrawn":
        return
    assert "a" not in decision.basis_letters, f"{_where(a, decision)}: consent is withdrawn but bases={decision.basis_letters} include (a)"
    flags = _flags(decision)
    if decision.objection.applies == "21(2)" and "consent_scope_limited" not in flags:
        assert "f" not in _active(decision), (
            f"{_where(a, decision)}: consent to direct marketing withdrawn, yet legitimate interest (f) "
            f"replaces it: bases={decision.basis_letters}"
        )


def check_consent_basis_needs_consent(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 6(1)(a): consent is a basis only where the facts hold consent (given or explicit) on ``as_of``."""
    a = _activity(activity)
    if "a" in decision.basis_letters:
        assert _on_the_day(a, decision)[0] in ("given", "explicit"), f"{_where(a, decision)}: basis (a) consent with consent={a.consent!r}"


def check_consent_counts_where_offered(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 6(1)(a), 7(4): consent is a basis only where the policy offers it or a law requires it, and
    never beside a legal obligation (c) or a contract the processing is necessary for (b)."""
    a = _activity(activity)
    if "a" not in decision.basis_letters:
        return
    offered = "consent_offered" in _flags(decision) or any(True for _ in _concluded(decision, "consent_required"))
    assert offered, f"{_where(a, decision)}: basis (a) although no rule offers or requires consent for this purpose"
    assert not {"b", "c"} & set(decision.basis_letters), (
        f"{_where(a, decision)}: consent (a) beside {sorted({'b', 'c'} & set(decision.basis_letters))}: bases={decision.basis_letters}"
    )


def check_public_task_needs_law(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 6(1)(e), 6(3): a task in the public interest is a basis only where a rule names the law that vests it."""
    a = _activity(activity)
    if "e" in decision.basis_letters:
        assert "public_task_vested_by_law" in _flags(decision), (
            f"{_where(a, decision)}: basis (e) without a rule naming the law that lays down the task"
        )


def check_retention_window_respected(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 5(1)(e), 17(3)(e): nothing is processed past the window, and only a hold extends it.

    After ``until`` processing may not go on; ``extended`` means a pending dispute holds the data, and
    then ``until`` is null while ``window_until`` still shows where the window ends.
    """
    a = _activity(activity)
    r = decision.retention
    if r.until is not None and decision.as_of > r.until:
        assert decision.may_process is False, (
            f"{_where(a, decision)}: as_of {decision.as_of} is after retention.until {r.until}, yet may_process=True"
        )
    if r.extended:
        assert r.until is None, f"{_where(a, decision)}: retention extended by a dispute but until={r.until}"
        assert a.dispute is True, f"{_where(a, decision)}: retention extended although no dispute is pending"
    else:
        assert r.window_until == r.until, (
            f"{_where(a, decision)}: window_until {r.window_until} differs from until {r.until} without a hold"
        )


def check_held_data_are_stored_only(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 17(3)(e), 18(2): held data are kept for the claim only: not processed for the purpose unless
    the purpose is itself the pursuit of the claim, and today's action is ``hold``."""
    a = _activity(activity)
    if not decision.retention.extended:
        return
    assert decision.action_today == "hold", f"{_where(a, decision)}: data held, yet action_today={decision.action_today!r}"
    if "legal_claims_purpose" not in _flags(decision):
        assert decision.may_process is False, (
            f"{_where(a, decision)}: data held for a claim are processed for a purpose that is not the claim"
        )


def check_lawful_iff_basis(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 6(1), 9: lawful is "yes" exactly when a basis applies (stopped or not) and, for special-category
    data, an Art. 9(2) condition is met; processing goes on only while a basis is not stopped."""
    a = _activity(activity)
    art9_met = (not a.special_category) or a.consent == "explicit" or "art9_condition_met" in _flags(decision)
    expected = bool(decision.bases) and art9_met
    assert (decision.lawful == "yes") == expected, (
        f"{_where(a, decision)}: lawful={decision.lawful!r} with bases={decision.basis_letters}, "
        f"special_category={a.special_category}, consent={a.consent!r}"
    )
    assert decision.lawful in ("yes", "no", "undetermined"), f"{_where(a, decision)}: lawful={decision.lawful!r}"
    if decision.lawful != "yes":
        assert decision.may_process is False, f"{_where(a, decision)}: lawful={decision.lawful!r}, yet may_process=True"
    if decision.lawful == "undetermined":
        assert not decision.bases, f"{_where(a, decision)}: lawful undetermined with bases={decision.basis_letters}"
    if decision.may_process:
        assert _active(decision), f"{_where(a, decision)}: may_process=True although every basis is stopped"


def check_bases_sorted_unique(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Bases are Art. 6(1) letters a-f, sorted, each once."""
    a = _activity(activity)
    letters = decision.basis_letters
    assert letters == sorted(set(letters)), f"{_where(a, decision)}: bases not sorted and unique: {letters}"
    assert set(letters) <= set("abcdef"), f"{_where(a, decision)}: bases outside Art. 6(1)(a)-(f): {letters}"


def check_objection_consistent(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 21: which right to object applies follows from the basis; an upheld objection stops the
    processing it reaches, and only that.

    21(1) reaches only bases (e) and (f); it continues only with compelling grounds, for a purpose that
    is itself the pursuit of a pending legal claim, or against a mere direct-marketing objection. An
    objection on ``as_of`` that does not continue stops every (e) and (f) basis; it never stops (b), (c)
    or (d).
    """
    a = _activity(activity)
    o = decision.objection
    letters = set(decision.basis_letters)
    objection = _on_the_day(a, decision)[1]
    if o.applies is None:
        assert not letters & {"e", "f"}, (
            f"{_where(a, decision)}: no right to object (applies null) although bases={sorted(letters)} include e/f"
        )
    elif o.applies == "21(1)":
        assert letters & {"e", "f"}, f"{_where(a, decision)}: Art. 21(1) applies without an (e) or (f) basis: {sorted(letters)}"
        if o.continues:
            claims = a.dispute and "legal_claims_purpose" in _flags(decision)
            assert a.compelling_grounds or claims or objection == "direct_marketing", (
                f"{_where(a, decision)}: Art. 21(1) objection continues without compelling grounds or a legal-claims "
                f"purpose (objection={o.to_dict()})"
            )
        elif objection == "general":
            assert not letters & {"e", "f"} & _active(decision), (
                f"{_where(a, decision)}: objection upheld (continues=False), yet bases "
                f"{sorted(letters & {'e', 'f'} & _active(decision))} go on"
            )
    else:
        assert o.applies == "21(2)", f"{_where(a, decision)}: objection.applies={o.applies!r}"
    stopped_by_objection = {str(v.get("letter")) for v in _concluded(decision, "stopped") if v.get("reason") == "objection_upheld"}
    if o.applies == "21(1)":
        assert not stopped_by_objection & {"b", "c", "d"}, (
            f"{_where(a, decision)}: an Art. 21(1) objection stopped {sorted(stopped_by_objection & {'b', 'c', 'd'})}"
        )


def check_special_category_needs_explicit_consent(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 9(1), 9(2)(a): special-category data without explicit consent are never lawful."""
    a = _activity(activity)
    if a.special_category and a.consent != "explicit" and "art9_condition_met" not in _flags(decision):
        assert decision.lawful != "yes", f"{_where(a, decision)}: special-category data without explicit consent, lawful='yes'"
        assert decision.may_process is False, f"{_where(a, decision)}: special-category data without explicit consent, may_process=True"
        assert "special_category_without_explicit_consent" in decision.finding_codes, (
            f"{_where(a, decision)}: no special_category_without_explicit_consent finding: {decision.finding_codes}"
        )


def check_erasure_request_stops(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 17(1), 17(3): an erasure request never ends a legal obligation (c); where processing goes on
    after one, the decision says why (no Art. 17(1) ground, or the Art. 17(3)(b) exception), and an
    erasure request to direct marketing always stops it."""
    a = _activity(activity)
    if not a.erasure_requested:
        return
    stopped_by_erasure = {str(v.get("letter")) for v in _concluded(decision, "stopped") if str(v.get("reason", "")).startswith("erasure")}
    assert "c" not in stopped_by_erasure, f"{_where(a, decision)}: an erasure request stopped a legal obligation (c)"
    if decision.may_process:
        assert decision.objection.applies != "21(2)", f"{_where(a, decision)}: erasure requested for direct marketing, yet may_process=True"
        reasons = {"erasure_not_applicable", "erasure_limited_by_legal_obligation"}
        assert reasons & set(decision.finding_codes) or decision.retention.extended, (
            f"{_where(a, decision)}: erasure requested, processing goes on, and no finding says why: {decision.finding_codes}"
        )


def check_scheduled_event_not_yet_effective(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 7(3), 21: a withdrawal or objection dated after ``as_of`` has not happened: nothing is stopped or
    blocked by it yet, the window does not end before its date, and a finding says it is coming."""
    a = _activity(activity)
    later = {k: d for k, d in a.dates.items() if k in ("consent_withdrawn", "objection_received") and d > decision.as_of}
    if not later:
        return
    assert "event_after_as_of" in decision.finding_codes, f"{_where(a, decision)}: scheduled {sorted(later)} without event_after_as_of"
    if "consent_withdrawn" in later:
        blocked = [v for v in _concluded(decision, "blocked") if v.get("reason") == "consent_withdrawn"]
        assert not blocked, f"{_where(a, decision)}: consent treated as withdrawn before {later['consent_withdrawn']}"
    if "objection_received" in later:
        stopped = [v for v in _concluded(decision, "stopped") if v.get("reason") == "objection_upheld"]
        assert not stopped, f"{_where(a, decision)}: objection applied before it was received on {later['objection_received']}"
    early = [v for v in _concluded(decision, "cut") if v.get("date") in later and v.get("scheduled") is not True]
    assert not early, f"{_where(a, decision)}: a rule cut the window at a scheduled event as if it had happened: {early}"


def check_trace_cites(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Every rule that fired cites at least one source: a policy quote or a provision."""
    a = _activity(activity)
    assert decision.trace, f"{_where(a, decision)}: empty trace"
    for step in decision.trace:
        assert step.cites, f"{_where(a, decision)}: trace step {step.rule} cites nothing"
        for cite in step.cites:
            assert (cite.quote or "").strip() or (cite.law or "").strip(), (
                f"{_where(a, decision)}: trace step {step.rule} has an empty cite {cite}"
            )
            if cite.quote is not None:
                assert cite.policy or step.rule.startswith(f"{a.policy}/"), (
                    f"{_where(a, decision)}: trace step {step.rule} quotes without naming the policy"
                )


def check_findings_well_formed(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Findings: one per code, a known severity, a message; violations first."""
    a = _activity(activity)
    codes = decision.finding_codes
    assert len(codes) == len(set(codes)), f"{_where(a, decision)}: duplicate finding codes {codes}"
    order = {"violation": 0, "warning": 1, "info": 2}
    for f in decision.findings:
        assert f.severity in order, f"{_where(a, decision)}: finding {f.code} has severity {f.severity!r}"
        assert f.message.strip(), f"{_where(a, decision)}: finding {f.code} has no message"
    ranks = [order[f.severity] for f in decision.findings]
    assert ranks == sorted(ranks), f"{_where(a, decision)}: findings not ordered by severity: {codes}"


def check_action_today(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 5(1)(e), 17: a hold means ``hold``; once the window has ended, its end action applies; while
    processing may go on, the data are kept."""
    a = _activity(activity)
    r = decision.retention
    if r.extended:
        want: tuple[str, ...] = ("hold",)
    elif r.until is not None and decision.as_of > r.until:
        # its end action, or delete where a corporate event or an ended statutory duty left no basis
        want = (r.action,) if decision.may_process or _active(decision) else (r.action, "delete")
    elif decision.may_process:
        want = ("keep",)
    else:  # every basis ended (erasure, a corporate event, a statutory duty), or the window still runs
        want = ("keep", "delete", r.action)
    assert decision.action_today in want, (
        f"{_where(a, decision)}: action_today {decision.action_today!r}, but the window says {' or '.join(want)} "
        f"(until {r.until}, extended {r.extended}, action {r.action}, may_process {decision.may_process})"
    )


_SOFT_OPT_IN_CONDITIONS = ("address_from_sale", "similar_products", "opt_out_at_collection", "opt_out_in_messages")


def check_soft_opt_in_needs_every_condition(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Markedsføringsloven § 10, stk. 2; marknadsföringslagen 19 § second paragraph: the soft opt-in
    holds only for a customer (never a prospect) whose address came from a sale, for the trader's own
    similar products, with an opt-out at collection and in every message, by e-mail, SMS or MMS, and
    only until the person opts out."""
    a = _activity(activity)
    if "soft_opt_in" not in _flags(decision):
        return
    facts = a.facts
    consent, objection = _on_the_day(a, decision)
    assert facts.get("data_subject") in ("customer", "former_customer"), (
        f"{_where(a, decision)}: soft opt-in applied to data_subject={facts.get('data_subject')!r}"
    )
    missing = [c for c in _SOFT_OPT_IN_CONDITIONS if facts.get(c) is not True]
    assert not missing, f"{_where(a, decision)}: soft opt-in applied although {missing} do not hold"
    assert facts.get("channel") in ("email", "sms", "mms"), (
        f"{_where(a, decision)}: soft opt-in applied to channel={facts.get('channel')!r}"
    )
    assert objection == "none" and consent != "withdrawn", (
        f"{_where(a, decision)}: soft opt-in applied after an opt-out (objection={objection!r}, consent={consent!r})"
    )


def check_special_category_needs_art9_condition(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 9(1), 9(2): special-category data with neither explicit consent nor any other Art. 9(2)
    condition are never lawful, whatever the rules concluded on the way."""
    a = _activity(activity)
    if not a.special_category or a.consent == "explicit" or a.facts.get("art9_condition", "none") != "none":
        return
    assert decision.lawful != "yes", f"{_where(a, decision)}: special-category data without any Art. 9(2) condition, lawful='yes'"
    assert decision.may_process is False, f"{_where(a, decision)}: special-category data without any Art. 9(2) condition, may_process=True"


def check_contract_basis_needs_the_party(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 6(1)(b): a contract "to which the data subject is party"; a representative is not the party."""
    a = _activity(activity)
    if a.facts.get("data_subject") == "representative":
        assert "b" not in decision.basis_letters, f"{_where(a, decision)}: (b) is a basis for a representative: {decision.basis_letters}"


def check_no_marketing_basis_for_employees(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Direct marketing to an employee or a job applicant has no basis from a policy written for customers."""
    a = _activity(activity)
    if a.facts.get("data_subject") in ("employee", "job_applicant") and "direct_marketing" in _flags(decision):
        assert decision.lawful != "yes" and decision.may_process is False, (
            f"{_where(a, decision)}: direct marketing to {a.facts.get('data_subject')} with lawful={decision.lawful!r}, "
            f"may_process={decision.may_process}"
        )


def check_hold_ends_with_legal_claims_until(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 17(3)(e): data are held only while a claim can still be brought; after ``legal_claims_until``
    nothing is held and the claim keeps no processing going."""
    a = _activity(activity)
    until = a.dates.get("legal_claims_until")
    if until is None or decision.as_of <= until:
        return
    assert decision.action_today != "hold" and not decision.retention.extended, (
        f"{_where(a, decision)}: held on {decision.as_of} although legal_claims_until is {until}"
    )
    assert decision.objection.reason != "legal_claims", (
        f"{_where(a, decision)}: the legal-claims limb of Art. 21(1) applied after legal_claims_until {until}"
    )


#: Every invariant, in the order :func:`check_all` runs them.
INVARIANTS: tuple[Callable[[Activity | Mapping[str, Any], Decision], None], ...] = (
    check_decision_matches_facts,
    check_direct_marketing_objection_stops,
    check_withdrawn_consent_never_basis,
    check_consent_basis_needs_consent,
    check_retention_window_respected,
    check_lawful_iff_basis,
    check_bases_sorted_unique,
    check_objection_consistent,
    check_special_category_needs_explicit_consent,
    check_erasure_request_stops,
    check_trace_cites,
    check_findings_well_formed,
    check_action_today,
    check_consent_counts_where_offered,
    check_public_task_needs_law,
    check_held_data_are_stored_only,
    check_scheduled_event_not_yet_effective,
    check_soft_opt_in_needs_every_condition,
    check_special_category_needs_art9_condition,
    check_contract_basis_needs_the_party,
    check_no_marketing_basis_for_employees,
    check_hold_ends_with_legal_claims_until,
)


def check_all(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Run every invariant; one ``AssertionError`` lists all that failed.

    >>> import lawbasis
    >>> from lawbasis.invariants import check_all
    >>> facts = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given",
    ...          "objection": "direct_marketing", "as_of": "2025-01-01"}
    >>> check_all(facts, lawbasis.evaluate(facts))
    """
    a = _activity(activity)
    failures = []
    for check in INVARIANTS:
        try:
            check(a, decision)
        except AssertionError as exc:
            failures.append(f"{check.__name__}: {exc}")
    if failures:
        raise AssertionError("\n".join(failures))
