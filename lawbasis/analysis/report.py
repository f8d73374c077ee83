"""The whole-policy report: every purpose's answers, found by enumerating the fact space.

Nothing here summarises a policy by hand. For each purpose the report runs the engine over the
combinations of the discrete facts (customer status, channel, consent, objection, dispute, special
categories, an erasure request, and the other switches a rule of that purpose can test), on one day
(``as_of``) with one set of dates (none unless given), and gathers what came back: the bases and the
facts under which each applies or is stopped, the outcome of an objection, the retention windows,
what to do with the data that day, and every finding.

The grid is kept small without losing an answer:

1. *Reachable rules.* Only rules that can fire for the purpose count: the policy's rules for that
   purpose and the law rules, minus rules whose activity test can never hold with the fixed facts
   (``special_category`` and ``erasure_requested`` false, no dates) or that wait for a fact no
   reachable rule concludes (a fixpoint over the rule base).
2. *Value classes.* Two values of a field that every reachable rule tests alike (``sms`` and
   ``email`` where every rule says ``[email, sms, mms, automated_call]``) give the same answer in
   every combination, so one representative is evaluated and the class is shown whole. A field
   with a single class (no reachable rule tests it) is left at its default.

Both steps read the rule files, so they follow whatever rules are loaded; neither is a guess. The
enumeration over the remaining classes is exhaustive.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from lawbasis.core.activity import Activity
from lawbasis.core.decision import SEVERITY_ORDER, Decision
from lawbasis.core.errors import InputError, UnknownPurposeError
from lawbasis.core.vocabulary import BUILTIN, Vocabulary
from lawbasis.engine.rulefile import Rule, to_fact_value

if TYPE_CHECKING:
    from lawbasis.engine.host import Engine


def grid_fields(vocabulary: Vocabulary = BUILTIN) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """The discrete facts the report varies, each with its values (default first), in declaration order."""
    return tuple((f.name, f.domain) for f in vocabulary.fields.values())


#: The grid fields of the built-in vocabulary. The diff varies the same facts except those it holds
#: fixed (``_diff.DIFF_FIXED_FACTS``).
GRID_FIELDS: tuple[tuple[str, tuple[Any, ...]], ...] = grid_fields()
GRID_DOMAIN = dict(GRID_FIELDS)

#: Fact kinds the engine itself asserts (the calendar step), not concluded by any rule.
_ENGINE_KINDS = frozenset({"window"})


# --- which rules can fire, and which values they tell apart -------------------------------------


def _accepts(test: Any, value: str) -> bool | None:
    """Whether an activity test accepts a fact value; None when it binds a variable."""
    if isinstance(test, Mapping):
        return not bool(_accepts(test["not"], value))
    values = [to_fact_value(v) for v in test] if isinstance(test, list) else [to_fact_value(test)]
    if any(v.startswith("$") for v in values):
        return None
    return value in values


def _fact_matches(pattern: Mapping[str, Any], fields: Mapping[str, str]) -> bool:
    for key, test in pattern.items():
        if key == "fact":
            continue
        if key not in fields:
            return False
        concluded = fields[key]
        if concluded.startswith("$"):
            continue
        if isinstance(test, str) and test.startswith("$"):
            continue
        if _accepts(test, concluded) is False:
            return False
    return True


def reachable_rules(
    rules: Sequence[Rule], purpose: str, fixed: Mapping[str, str], domain: Mapping[str, tuple[Any, ...]] = GRID_DOMAIN
) -> list[Rule]:
    """The rules that can fire for ``purpose`` given the fixed activity values (a fixpoint).

    An over-approximation: negated conditions are ignored, and a fact condition holds as soon as a
    reachable rule concludes a fact of that kind with compatible values.
    """
    concluded_kinds = {kind for rule in rules for kind, _ in rule.then}

    def activity_possible(rule: Rule) -> bool:
        if rule.purposes and purpose not in rule.purposes:
            return False
        for condition in rule.when:
            for field, test in condition.get("activity", {}).items():
                if field in fixed:
                    if _accepts(test, fixed[field]) is False:
                        return False
                elif field in domain:
                    if not any(_accepts(test, to_fact_value(v)) is not False for v in domain[field]):
                        return False
        return True

    candidates = [r for r in rules if activity_possible(r)]
    live: list[Rule] = []
    changed = True
    while changed:
        changed = False
        produced = [(kind, fields) for rule in live for kind, fields in rule.then]
        for rule in candidates:
            if rule in live:
                continue
            ok = True
            for condition in rule.when:
                if "fact" not in condition:
                    continue
                kind = condition["fact"]
                if kind in _ENGINE_KINDS or kind not in concluded_kinds:
                    continue
                if not any(k == kind and _fact_matches(condition, f) for k, f in produced):
                    ok = False
                    break
            if ok:
                live.append(rule)
                changed = True
    return [r for r in rules if r in live]


def value_classes(rules: Iterable[Rule], vocabulary: Vocabulary = BUILTIN) -> dict[str, list[tuple[Any, ...]]]:
    """For each grid field, its values grouped by how every given rule's activity tests treat them.

    A field that mirrors another (``data_subject``) and that some rule tests is varied in place of the
    other (it sets that one too), so its values are also told apart by the other field's tests (on
    the value each sets it to).
    """
    fields = grid_fields(vocabulary)
    tests: dict[str, list[Any]] = {name: [] for name, _ in fields}
    for rule in rules:
        for condition in rule.when:
            for field, test in condition.get("activity", {}).items():
                if field in tests:
                    tests[field].append(test)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name, domain in fields:
        mirrored = vocabulary.fields[name].mirrors
        groups: dict[tuple[Any, ...], list[Any]] = {}
        for value in domain:
            fact = to_fact_value(value)
            signature = tuple(_accepts(t, fact) if _accepts(t, fact) is not None else fact for t in tests[name])
            if mirrored is not None and tests[name]:  # a rule tests it: it sets the other field too
                other = vocabulary.fields[mirrored]
                theirs = to_fact_value(value if value in other.values else other.default)
                signature += tuple(_accepts(t, theirs) if _accepts(t, theirs) is not None else theirs for t in tests[mirrored])
            groups.setdefault(signature, []).append(value)
        out[name] = [tuple(g) for g in groups.values()]
    return out


@attrs.frozen
class Grid:
    """The combinations to evaluate: for each varied field, its value classes."""

    fields: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...]

    @classmethod
    def from_classes(
        cls, classes: Mapping[str, list[tuple[Any, ...]]], fixed: Iterable[str] = (), vocabulary: Vocabulary = BUILTIN
    ) -> Grid:
        held = set(fixed)
        varied = [name for name, _ in grid_fields(vocabulary) if name not in held and len(classes[name]) > 1]
        # a varied field that mirrors another sets it: the other is not varied on its own as well
        mirrored = {vocabulary.fields[name].mirrors for name in varied}
        return cls(tuple((name, tuple(classes[name])) for name in varied if name not in mirrored))

    def points(self) -> list[tuple[int, ...]]:
        return list(itertools.product(*(range(len(c)) for _, c in self.fields)))

    def facts(self, point: tuple[int, ...]) -> dict[str, Any]:
        """The representative facts of one point: the first value of each class."""
        return {name: classes[i][0] for (name, classes), i in zip(self.fields, point, strict=True)}

    def size(self) -> int:
        n = 1
        for _, classes in self.fields:
            n *= len(classes)
        return n


def date_flags(dates: Mapping[str, _dt.date], as_of: _dt.date, vocabulary: Vocabulary = BUILTIN) -> dict[str, str]:
    """The activity's date flags that one set of dates fixes on ``as_of`` (as the engine sets them).

    A withdrawal or an objection date is carried only where the facts allow it (consent withdrawn,
    an objection received), so its flags are left open when it is given.
    """
    out: dict[str, str] = {}
    for key in vocabulary.date_keys:
        if vocabulary.dates[key].requires is not None and key in dates:
            continue
        out[f"has_{key}"] = "true" if key in dates else "false"
        out[f"passed_{key}"] = "true" if key in dates and dates[key] <= as_of else "false"
    for key in vocabulary.scheduled_events:
        event = vocabulary.dates[key].event
        if event is not None and (key not in dates or dates[key] <= as_of):
            out[event.flag] = "false"
    return out


def purpose_grid(
    engine: Engine,
    policy_ids: Sequence[str],
    purpose: str,
    fixed_has: Mapping[str, str] | None = None,
    fixed_facts: Mapping[str, Any] | None = None,
) -> Grid:
    """The grid for one purpose, over the reachable rules of every given policy (one for the report).

    ``fixed_has`` fixes activity flags (the dates); ``fixed_facts`` holds grid fields at one value,
    so they are not varied.
    """
    held = dict(fixed_facts or {})
    live: list[Rule] = []
    for policy_id in policy_ids:
        policy = engine.policy(policy_id)
        fixed = {"purpose": purpose, "country": policy.country, **{k: to_fact_value(v) for k, v in held.items()}}
        if fixed_has is not None:
            fixed.update(fixed_has)
        live.extend(reachable_rules(engine.rulebase.rules_for(policy_id), purpose, fixed, dict(grid_fields(engine.vocabulary))))
    return Grid.from_classes(value_classes(live, engine.vocabulary), fixed=held, vocabulary=engine.vocabulary)


# --- describing a set of grid points compactly ----------------------------------------------------


def _label(value: Any) -> str:
    return to_fact_value(value)


def describe(grid: Grid, points: Iterable[tuple[int, ...]]) -> list[str]:
    """Cover a set of grid points with few boxes and render each as ``field=a|b, field!=c``.

    Boxes are merged one field at a time (points that agree on every other field join); the
    result covers exactly the given points. An empty list means no points; ``["always"]`` all.
    """
    cubes = {tuple(frozenset([i]) for i in p) for p in points}
    if not cubes:
        return []
    changed = True
    while changed:
        changed = False
        for axis in range(len(grid.fields)):
            groups: dict[tuple[frozenset[int], ...], set[int]] = {}
            for cube in cubes:
                key = cube[:axis] + cube[axis + 1 :]
                groups.setdefault(key, set()).update(cube[axis])
            merged = {key[:axis] + (frozenset(vals),) + key[axis:] for key, vals in groups.items()}
            if len(merged) < len(cubes):
                cubes, changed = merged, True
    rendered = []
    for cube in sorted(cubes, key=lambda c: tuple(sorted(s) for s in c)):
        parts = []
        for (name, classes), chosen in zip(grid.fields, cube, strict=True):
            if len(chosen) == len(classes):
                continue
            if len(classes) - len(chosen) == 1 and len(chosen) > 1:
                (left,) = set(range(len(classes))) - chosen
                parts.append(f"{name}!=" + "|".join(_label(v) for v in classes[left]))
            else:
                parts.append(f"{name}=" + "|".join(_label(v) for i in sorted(chosen) for v in classes[i]))
        rendered.append(", ".join(parts) if parts else "always")
    return rendered


def group_points(
    grid: Grid, items: Iterable[tuple[tuple[int, ...], Hashable]], order: Callable[[Any], Any] | None = None
) -> list[tuple[Any, list[str]]]:
    """Group points by a value and describe where each value occurs."""
    groups: dict[Hashable, list[tuple[int, ...]]] = {}
    for point, value in items:
        groups.setdefault(value, []).append(point)
    keys = sorted(groups, key=order) if order else list(groups)
    return [(key, describe(grid, groups[key])) for key in keys]


# --- the report ------------------------------------------------------------------------------------


@attrs.frozen
class Outcome:
    """One value an answer takes for a purpose, and the facts under which it does."""

    value: dict[str, Any]
    when: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.value, "when": list(self.when)}


@attrs.frozen
class PurposeReport:
    purpose: str
    heading: str
    description: str | None
    varied: tuple[tuple[str, tuple[str, ...]], ...]
    evaluations: int
    lawful: tuple[Outcome, ...]
    bases: tuple[Outcome, ...]
    objection: tuple[Outcome, ...]
    may_process: tuple[Outcome, ...]
    retention: tuple[Outcome, ...]
    findings: tuple[Outcome, ...]
    action_today: tuple[Outcome, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "heading": self.heading,
            "description": self.description,
            "varied": {name: list(classes) for name, classes in self.varied},
            "evaluations": self.evaluations,
            "lawful": [o.to_dict() for o in self.lawful],
            "bases": [o.to_dict() for o in self.bases],
            "objection": [o.to_dict() for o in self.objection],
            "may_process": [o.to_dict() for o in self.may_process],
            "action_today": [o.to_dict() for o in self.action_today],
            "retention": [o.to_dict() for o in self.retention],
            "findings": [o.to_dict() for o in self.findings],
        }


@attrs.frozen
class PolicyReport:
    """Every purpose of one policy, as the rules answer it across the fact space."""

    policy: str
    controller: str
    language: str
    country: str
    as_of: _dt.date
    fixed: dict[str, Any]
    purposes: tuple[PurposeReport, ...]

    def _repr_html_(self) -> str:
        from lawbasis.render import report_html

        return report_html(self)

    @property
    def evaluations(self) -> int:
        return sum(p.evaluations for p in self.purposes)

    def severities(self) -> set[str]:
        return {str(f.value["severity"]) for p in self.purposes for f in p.findings}

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "controller": self.controller,
            "language": self.language,
            "country": self.country,
            "as_of": self.as_of.isoformat(),
            "fixed": self.fixed,
            "evaluations": self.evaluations,
            "purposes": [p.to_dict() for p in self.purposes],
        }

    def to_text(self) -> str:
        from lawbasis.render import report_text

        return report_text(self)

    def to_markdown(self) -> str:
        from lawbasis.render import report_markdown

        return report_markdown(self)


def _basis_label(letter: str, stated: bool, stopped: bool) -> str:
    notes = ([] if stated else ["law"]) + (["stopped"] if stopped else [])
    return letter + (f" ({', '.join(notes)})" if notes else "")


def _bases_label(d: Decision) -> str:
    if not d.bases:
        return "none"
    return ", ".join(_basis_label(b.letter, b.stated_in_policy, b.stopped) for b in d.bases)


def _outcomes(
    grid: Grid, items: Sequence[tuple[tuple[int, ...], tuple[tuple[str, Any], ...]]], order: Callable[[Any], Any] | None = None
) -> tuple[Outcome, ...]:
    return tuple(Outcome(dict(value), tuple(when)) for value, when in group_points(grid, items, order))


def point_dates(facts: Mapping[str, Any], dates: Mapping[str, _dt.date], vocabulary: Vocabulary = BUILTIN) -> dict[str, str]:
    """The dates one grid point carries: all given, but a date coupled to a field (a withdrawal, an
    objection) only where the facts allow it (an Activity refuses it otherwise)."""
    out = {}
    for key, day in dates.items():
        requires = vocabulary.dates[key].requires
        if requires is not None:
            field = vocabulary.fields[requires[0]]
            if to_fact_value(facts.get(field.name, field.default)) not in requires[1]:
                continue
        out[key] = day.isoformat()
    return out


def _iso(day: _dt.date | None) -> str | None:
    return day.isoformat() if day else None


#: Facts the report holds at their defaults: the four soft opt-in conditions, the Art. 9(2) condition
#: and the recipient. Every combination of them multiplies a purpose's grid by up to 160 (Jetpak's
#: marketing: 6,912 evaluations become 1.4 million); their law is shown by
#: tests/scenarios/open-vocabulary.scenarios.yaml and docs/explanation/legal-model.md.
REPORT_HELD: dict[str, Any] = {
    "address_from_sale": False,
    "similar_products": False,
    "opt_out_at_collection": False,
    "opt_out_in_messages": False,
    "art9_condition": "none",
    "recipient": "consumer",
}


def report_purpose(
    engine: Engine, policy_id: str, purpose_id: str, as_of: _dt.date, dates: Mapping[str, _dt.date] | None = None
) -> PurposeReport:
    policy = engine.policy(policy_id)
    purpose = policy.purposes[purpose_id]
    given = dict(dates or {})
    held = {k: v for k, v in REPORT_HELD.items() if k in engine.vocabulary.fields}
    grid = purpose_grid(engine, [policy_id], purpose_id, fixed_has=date_flags(given, as_of, engine.vocabulary), fixed_facts=held)
    decisions: list[tuple[tuple[int, ...], Decision]] = []
    for point in grid.points():
        facts = grid.facts(point)
        activity = {
            "policy": policy_id,
            "purpose": purpose_id,
            **facts,
            "dates": point_dates(facts, given, engine.vocabulary),
            "as_of": as_of.isoformat(),
        }
        decisions.append((point, engine.evaluate(activity)))

    lawful = [(p, (("lawful", d.lawful),)) for p, d in decisions]
    bases = [(p, (("bases", _bases_label(d)),)) for p, d in decisions]
    objection = [
        (p, (("applies", d.objection.applies), ("continues", d.objection.continues), ("reason", d.objection.reason))) for p, d in decisions
    ]
    may = [(p, (("may_process", d.may_process),)) for p, d in decisions]
    today = [(p, (("action_today", d.action_today),)) for p, d in decisions]
    retention = [
        (
            p,
            (
                ("period", d.retention.period),
                ("from", d.retention.from_),
                ("action", d.retention.action),
                ("until", _iso(d.retention.until)),
                ("window_until", _iso(d.retention.window_until)),
                ("extended", d.retention.extended),
                ("stated_in_policy", d.retention.stated_in_policy),
            ),
        )
        for p, d in decisions
    ]
    findings = [
        (p, (("code", f.code), ("severity", f.severity), ("message", f.message), ("rule", f.rule)))
        for p, d in decisions
        for f in d.findings
    ]
    return PurposeReport(
        purpose=purpose_id,
        heading=purpose.heading,
        description=purpose.description,
        varied=tuple((name, tuple("|".join(_label(v) for v in c) for c in classes)) for name, classes in grid.fields),
        evaluations=len(decisions),
        lawful=_outcomes(grid, lawful),
        bases=_outcomes(grid, bases),
        objection=_outcomes(grid, objection),
        may_process=_outcomes(grid, may),
        retention=_outcomes(grid, retention),
        findings=_outcomes(grid, findings, order=lambda v: (SEVERITY_ORDER[dict(v)["severity"]], dict(v)["code"])),
        action_today=_outcomes(grid, today),
    )


def _checked_dates(
    engine: Engine, policy_id: str, purpose_id: str, as_of: _dt.date | str | None, dates: Mapping[str, Any] | None
) -> tuple[_dt.date, dict[str, _dt.date]]:
    """``as_of`` and the dates, validated as any activity's are (a LawbasisError names the field)."""
    vocabulary = engine.vocabulary
    # a withdrawal, an objection (any coupled date's field), so that their dates may be given
    coupled = {}
    for key in dates if isinstance(dates, Mapping) else ():
        requires = vocabulary.dates[key].requires if key in vocabulary.dates else None
        if requires is not None:
            field = vocabulary.fields[requires[0]]
            coupled[field.name] = requires[1][0] == "true" if field.type == "bool" else requires[1][0]
    probe = Activity.from_dict(
        {
            "policy": policy_id,
            "purpose": purpose_id,
            **coupled,
            "dates": dates if dates is not None else {},
            "as_of": as_of if as_of is not None else _dt.date.today(),
        },
        vocabulary,
    )
    day = probe.as_of if probe.as_of is not None else _dt.date.today()
    return day, dict(probe.dates)


def build_report(
    engine: Engine,
    policy_id: str,
    as_of: _dt.date | str | None = None,
    dates: Mapping[str, Any] | None = None,
    purposes: Sequence[str] | None = None,
) -> PolicyReport:
    """Evaluate every purpose of a policy across its fact grid with a given engine (``report`` picks one).

    Every evaluation is asked on ``as_of`` (a date or ISO string; today if omitted) with ``dates``
    (the keys of an activity's ``dates``, docs/reference/facts.md; none if omitted): the statutory
    and retention answers depend on both.
    ``purposes`` limits the report to those purposes (in the rule file's order).
    """
    policy = engine.policy(policy_id)
    if isinstance(purposes, str):
        purposes = [purposes]
    elif purposes is not None and not isinstance(purposes, Iterable):
        raise InputError("purposes", purposes, "a list of purpose ids", f"wrong type {type(purposes).__name__}")
    wanted = None if purposes is None else list(purposes)
    for item in wanted or ():
        if not isinstance(item, str) or item not in policy.purposes:
            raise UnknownPurposeError("purpose", item, ", ".join(policy.purposes), f"not a purpose of {policy.id}")
    chosen = [p for p in policy.purposes if wanted is None or p in wanted]
    day, given = _checked_dates(engine, policy.id, next(iter(policy.purposes)), as_of, dates)
    return PolicyReport(
        policy=policy.id,
        controller=policy.controller,
        language=policy.language,
        country=policy.country,
        as_of=day,
        fixed={"dates": {k: v.isoformat() for k, v in given.items()}},
        purposes=tuple(report_purpose(engine, policy.id, purpose, day, given) for purpose in chosen),
    )


def report(
    policy: str,
    *,
    engine: Engine | None = None,
    as_of: _dt.date | str | None = None,
    dates: Mapping[str, Any] | None = None,
    purposes: Sequence[str] | None = None,
) -> PolicyReport:
    """``lawbasis.report``: every purpose of a policy, as the rules answer it across the fact space.

    ``engine`` is the shared default one unless given; ``as_of`` (a date or ISO string; today if
    omitted) and ``dates`` (none if omitted) are those of every evaluation; ``purposes`` limits the
    report to those purposes (in the rule file's order). The options are those of ``lawbasis report``.

    >>> r = report("jackon-dk", as_of="2025-01-01", purposes=["security"])
    >>> [p.purpose for p in r.purposes], sorted(r.severities())
    (['security'], ['info', 'violation', 'warning'])
    """
    from lawbasis.engine.host import Engine, default_engine

    if engine is not None and not isinstance(engine, Engine):
        raise InputError("engine", engine, "a lawbasis.Engine, or None for the built-in rules", "not an engine")
    return build_report(engine or default_engine(), policy, as_of=as_of, dates=dates, purposes=purposes)
