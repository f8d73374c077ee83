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

from ._activity import Activity
from ._decision import Decision

__all__ = [
    "INVARIANTS",
    "check_all",
    "check_bases_sorted_unique",
    "check_consent_basis_needs_consent",
    "check_decision_matches_facts",
    "check_direct_marketing_objection_stops",
    "check_erasure_request_stops",
    "check_findings_well_formed",
    "check_lawful_iff_basis",
    "check_objection_consistent",
    "check_retention_window_respected",
    "check_special_category_needs_explicit_consent",
    "check_trace_cites",
    "check_withdrawn_consent_never_basis",
]


def _activity(activity: Activity | Mapping[str, Any]) -> Activity:
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


def check_decision_matches_facts(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """The decision answers the policy and purpose that were asked about."""
    a = _activity(activity)
    assert (decision.policy, decision.purpose) == (a.policy, a.purpose), (
        f"decision is for {decision.policy}/{decision.purpose}, facts are for {a.policy}/{a.purpose}"
    )


def check_direct_marketing_objection_stops(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 21(2)-(3): an objection to direct marketing stops direct marketing, with no override.

    Where the rules classed the purpose as direct marketing (a ``flag direct_marketing`` in the
    trace), the objection that applies is 21(2) and never continues; and where the facts hold any
    objection, processing may not go on.
    """
    a = _activity(activity)
    o = decision.objection
    dm = "direct_marketing" in _flags(decision)
    assert dm == (o.applies == "21(2)"), (
        f"{_where(a, decision)}: direct_marketing flag {'set' if dm else 'not set'} but objection.applies={o.applies!r}"
    )
    if o.applies == "21(2)":
        assert o.continues is False, (
            f"{_where(a, decision)}: direct marketing continues after an objection "
            f"(objection={o.to_dict()}); Art. 21(3) allows no override"
        )
        if a.objection != "none":
            assert decision.may_process is False, (
                f"{_where(a, decision)}: objection={a.objection!r} to direct marketing, yet may_process=True"
            )


def check_withdrawn_consent_never_basis(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 7(3): withdrawn consent is never a basis; nor, for direct marketing, is legitimate interest after it."""
    a = _activity(activity)
    if a.consent != "withdrawn":
        return
    assert "a" not in decision.basis_letters, (
        f"{_where(a, decision)}: consent is withdrawn but bases={decision.basis_letters} include (a)"
    )
    if decision.objection.applies == "21(2)":
        assert "f" not in decision.basis_letters, (
            f"{_where(a, decision)}: consent to direct marketing withdrawn, yet legitimate interest (f) "
            f"replaces it: bases={decision.basis_letters}"
        )


def check_consent_basis_needs_consent(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 6(1)(a): consent is a basis only where the facts hold consent (given or explicit)."""
    a = _activity(activity)
    if "a" in decision.basis_letters:
        assert a.consent in ("given", "explicit"), (
            f"{_where(a, decision)}: basis (a) consent with consent={a.consent!r}"
        )


def check_retention_window_respected(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 5(1)(e), 17(3)(e): nothing is kept past the window unless a pending dispute holds it.

    After ``until`` processing may not go on; ``extended`` means a dispute holds the data, and then
    no end date is given.
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
    if r.until is not None:
        assert not r.extended, f"{_where(a, decision)}: retention has an end date {r.until} and is extended"


def check_lawful_iff_basis(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 6(1), 9: lawful is "yes" exactly when a basis applies and, for special-category data,
    an Art. 9(2) condition is met; anything but "yes" means processing may not go on."""
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


def check_bases_sorted_unique(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Bases are Art. 6(1) letters a-f, sorted, each once."""
    a = _activity(activity)
    letters = decision.basis_letters
    assert letters == sorted(set(letters)), f"{_where(a, decision)}: bases not sorted and unique: {letters}"
    assert set(letters) <= set("abcdef"), f"{_where(a, decision)}: bases outside Art. 6(1)(a)-(f): {letters}"


def check_objection_consistent(activity: Activity | Mapping[str, Any], decision: Decision) -> None:
    """Art. 21: which right to object applies follows from the basis, and an upheld objection stops processing.

    21(1) reaches only bases (e) and (f); no right to object (``applies`` null) means no (e) or (f)
    basis; an objection in the facts that does not continue stops processing.
    """
    a = _activity(activity)
    o = decision.objection
    letters = set(decision.basis_letters)
    if o.applies is None:
        assert not letters & {"e", "f"}, (
            f"{_where(a, decision)}: no right to object (applies null) although bases={sorted(letters)} include e/f"
        )
    elif o.applies == "21(1)":
        assert letters & {"e", "f"}, f"{_where(a, decision)}: Art. 21(1) applies without an (e) or (f) basis: {sorted(letters)}"
        if o.continues:
            assert a.compelling_grounds or a.dispute or a.objection == "direct_marketing", (
                f"{_where(a, decision)}: Art. 21(1) objection continues without compelling grounds or legal claims "
                f"(objection={o.to_dict()})"
            )
    else:
        assert o.applies == "21(2)", f"{_where(a, decision)}: objection.applies={o.applies!r}"
    if not o.continues and a.objection != "none":
        assert decision.may_process is False, (
            f"{_where(a, decision)}: objection={a.objection!r} upheld (continues=False), yet may_process=True"
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
    """Art. 17(1), 17(3)(b), (e): an erasure request stops processing unless a legal obligation, a task
    in the public interest or a dispute keeps the data."""
    a = _activity(activity)
    if a.erasure_requested and not a.dispute and not {"c", "e"} & set(decision.basis_letters):
        assert decision.may_process is False, f"{_where(a, decision)}: erasure requested, no exception applies, yet may_process=True"


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
    """Art. 5(1)(e), 17(3)(e): a pending dispute holds the data; once the window has ended, its end
    action applies; before that, or with no end date, the data is kept."""
    a = _activity(activity)
    r = decision.retention
    if r.extended:
        want = "hold"
    elif r.until is not None and decision.as_of > r.until:
        want = r.action
    else:
        want = "keep"
    assert decision.action_today == want, (
        f"{_where(a, decision)}: action_today {decision.action_today!r}, but the window says {want!r} "
        f"(until {r.until}, extended {r.extended}, action {r.action})"
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
