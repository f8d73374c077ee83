"""Contradictory rules found at load time: a sound static check over the rules of one policy.

Some fact kinds hold one answer per evaluation (``SINGLE_VALUED``: one ``lawful`` value, one
objection outcome, one retention window ...). Two rules that conclude such a kind with different
values contradict each other unless their conditions can never hold together. ``check_conflicts``
rejects every such pair it cannot *prove* exclusive, so a ruleset it accepts never produces the
evaluation-time "rules disagree" error; a pair it rejects may, rarely, be exclusive for a reason it
does not see (then make the exclusion explicit in the rules: a ``fact``/``absent`` pair or disjoint
activity values).

Exclusivity is proved over the final model of a stratified evaluation, at the first moment two
different values of a single-valued kind would exist (facts are never retracted; an ``absent``
holds for the whole evaluation, because every producer of what it negates runs in a lower stratum).
At that moment both rules' positive conditions hold, their ``absent`` conditions hold, and every
single-valued kind still has one value. Conditions are therefore unsatisfiable together when:

* **activity**: some activity field (the purpose scope included) has no value both allow;
* **fact vs absent**: a needed fact is covered by ``absent`` patterns (one pattern, or several that
  together cover every value of one field, as ``absent basis e`` and ``absent basis f`` cover
  ``basis [e, f]``);
* **single-valued**: two needed facts of a single-valued kind differ on a compared field;
* **producers**: every rule that could produce a needed fact (with the values it needs pushed into
  the producer's variables) has conditions unsatisfiable together with the rest, to a bounded depth.
  The calendar produces ``window``: status ``held`` exactly when a ``hold`` fact exists.

Everything else is a relaxation and so keeps the check sound: joins between facts (shared variables)
are ignored, an ``absent`` with a variable is dropped unless the variable is known to be one value,
and field values are bounded by what the ruleset can produce (``effective domains``).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from ._errors import RuleFileError
from ._rulefile import Policy, Rule, to_fact_value
from ._vocabulary import ACTIVITY_FIELDS, KINDS

#: Kinds with one value per evaluation, and the fields that value is: ``Decision`` assembly refuses
#: two facts that differ on them (``_decision.assemble``), the calendar refuses two windows.
SINGLE_VALUED: dict[str, tuple[str, ...]] = {
    "lawful": ("value",),
    "objection": ("applies", "continues"),
    "may_process": ("value",),
    "today": ("action",),
    "retention": ("period", "from", "action", "stated"),
    "window": ("status", "until"),
}

MAX_DEPTH = 3  # producer expansions along one line of reasoning
MAX_STEPS = 20_000  # proof steps per pair; past this the pair is reported as not proved exclusive
_MISSING = "\x00missing"  # a field a producer leaves out: a pattern testing it never matches
_HELD = frozenset({"held"})
_NOT_HELD = frozenset(s for s in KINDS["window"]["status"] or () if s != "held")

Values = frozenset[str] | None  # None: any string
Fields = tuple[tuple[str, frozenset[str]], ...]  # sorted (field, allowed values)


@attrs.frozen
class Pattern:
    kind: str
    fields: Fields

    def get(self, field: str) -> frozenset[str] | None:
        for name, values in self.fields:
            if name == field:
                return values
        return None


@attrs.frozen
class _Body:
    """What a rule needs, variables kept: activity sets, fact patterns (field -> values or a variable)."""

    activity: tuple[tuple[str, frozenset[str]], ...]
    positives: tuple[tuple[str, tuple[tuple[str, frozenset[str] | str], ...]], ...]
    absents: tuple[tuple[str, tuple[tuple[str, frozenset[str] | str], ...]], ...]


@attrs.frozen
class _Conj:
    activity: tuple[tuple[str, frozenset[str]], ...]
    positives: frozenset[Pattern]
    absents: frozenset[Pattern]
    expanded: frozenset[Pattern] = frozenset()

    def join(self, other: _Conj) -> _Conj:
        mine = dict(self.activity)
        for field, values in other.activity:
            mine[field] = mine[field] & values if field in mine else values
        return _Conj(
            tuple(sorted(mine.items())),
            self.positives | other.positives,
            self.absents | other.absents,
            self.expanded | other.expanded,
        )


def _raw(raw: Any) -> list[str]:
    return [to_fact_value(v) for v in raw] if isinstance(raw, list) else [to_fact_value(raw)]


class _Analysis:
    def __init__(self, policy: Policy, rules: list[Rule]) -> None:
        self.rules = rules
        self.domains: dict[str, frozenset[str]] = {}
        for field, allowed in ACTIVITY_FIELDS.items():
            if field == "purpose":
                self.domains[field] = frozenset(policy.purposes)
            elif field == "country":
                self.domains[field] = frozenset({policy.country})
            else:
                assert allowed is not None, field
                self.domains[field] = frozenset(allowed)
        self.bodies = {id(rule): self._body(rule) for rule in rules}
        self.binding = {id(rule): self._bindings(rule) for rule in rules}
        # rules whose conditions are all literal: their conditions as sets are exact, not relaxed
        self.plain = {
            id(rule): all(isinstance(v, frozenset) for _, fs in (*body.positives, *body.absents) for _, v in fs)
            for rule in rules
            for body in (self.bodies[id(rule)],)
        }
        self.producers: dict[str, list[tuple[Rule, dict[str, str]]]] = {}
        for rule in rules:
            for kind, fields in rule.then:
                self.producers.setdefault(kind, []).append((rule, fields))
        self.effective = self._effective()
        self.steps = 0

    # --- rules as sets -------------------------------------------------------------------------

    def _body(self, rule: Rule) -> _Body:
        activity = dict(self.domains)
        if rule.purposes:
            activity["purpose"] = activity["purpose"] & frozenset(rule.purposes)
        positives: list[tuple[str, tuple[tuple[str, frozenset[str] | str], ...]]] = []
        absents: list[tuple[str, tuple[tuple[str, frozenset[str] | str], ...]]] = []
        for condition in rule.when:
            if "activity" in condition:
                for field, test in condition["activity"].items():
                    if isinstance(test, dict):
                        allowed = self.domains[field] - frozenset(_raw(test["not"]))
                    else:
                        allowed = frozenset(_raw(test))
                    activity[field] = activity[field] & allowed
                continue
            negated = "absent" in condition
            pattern = condition["absent"] if negated else condition
            fields: list[tuple[str, frozenset[str] | str]] = []
            for field, raw in pattern.items():
                if field == "fact":
                    continue
                values = _raw(raw)
                if len(values) == 1 and values[0].startswith("$"):
                    fields.append((field, values[0]))
                else:
                    fields.append((field, frozenset(values)))
            entry = (pattern["fact"], tuple(sorted(fields, key=lambda f: f[0])))
            (absents if negated else positives).append(entry)
        return _Body(tuple(sorted(activity.items())), tuple(positives), tuple(absents))

    @staticmethod
    def _bindings(rule: Rule) -> dict[str, tuple[str, str]]:
        """variable -> (kind, field) of the positive condition that binds it first."""
        out: dict[str, tuple[str, str]] = {}
        for condition in rule.when:
            if "activity" in condition or "absent" in condition:
                continue
            for field, raw in condition.items():
                value = to_fact_value(raw) if not isinstance(raw, list) else ""
                if field != "fact" and value.startswith("$") and value not in out:
                    out[value] = (condition["fact"], field)
        return out

    def _effective(self) -> dict[tuple[str, str], Values]:
        """The values each (kind, field) can take in this ruleset (``_MISSING``: may be absent)."""
        eff: dict[tuple[str, str], Values] = {}
        for kind, vocabulary in KINDS.items():
            for field in vocabulary:
                eff[(kind, field)] = frozenset()
        eff[("window", "status")] = _HELD | _NOT_HELD
        eff[("window", "until")] = None
        changed = True
        while changed:
            changed = False
            for kind, produced in self.producers.items():
                for rule, concluded in produced:
                    for field in KINDS[kind]:
                        current = eff[(kind, field)]
                        if current is None:
                            continue
                        value = concluded.get(field)
                        add: Values
                        if value is None:
                            add = frozenset({_MISSING})
                        elif value.startswith("$"):
                            add = eff.get(self.binding[id(rule)][value], None)
                            add = None if add is None else add - {_MISSING}
                        else:
                            add = frozenset({value})
                        new = None if add is None else current | add
                        if new != current:
                            eff[(kind, field)] = new
                            changed = True
        return eff

    def values(self, pattern: Pattern, field: str) -> Values:
        """The values a fact matching ``pattern`` can have in ``field``."""
        eff = self.effective.get((pattern.kind, field))
        own = pattern.get(field)
        if own is None:
            return eff
        return own if eff is None else own & eff

    def instantiate(self, rule: Rule, known: dict[str, frozenset[str]]) -> _Conj:
        """A rule's conditions as sets, with variables narrowed to ``known`` values where given."""
        body = self.bodies[id(rule)]
        positives = set()
        for kind, fields in body.positives:
            literal = []
            for field, value in fields:
                if isinstance(value, str):
                    if value in known:
                        literal.append((field, known[value]))
                else:
                    literal.append((field, value))
            positives.add(Pattern(kind, tuple(literal)))
        absents = set()
        for kind, fields in body.absents:
            literal = []
            for field, value in fields:
                if isinstance(value, str):
                    if len(known.get(value, ())) != 1:
                        break  # an absent on an unknown variable says nothing usable: drop it
                    literal.append((field, known[value]))
                else:
                    literal.append((field, value))
            else:
                absents.add(Pattern(kind, tuple(literal)))
        return _Conj(body.activity, frozenset(positives), frozenset(absents))

    def conclusion_values(self, rule: Rule, kind: str, fields: dict[str, str], field: str) -> Values:
        value = fields.get(field)
        if value is None:
            return frozenset({_MISSING})
        if value.startswith("$"):
            eff = self.effective.get(self.binding[id(rule)][value])
            return None if eff is None else eff - {_MISSING}
        return frozenset({value})

    # --- the proof ---------------------------------------------------------------------------

    def covers(self, absent: Pattern, positive: Pattern) -> bool:
        """Every fact matching ``positive`` matches ``absent``."""
        if absent.kind != positive.kind:
            return False
        for field, allowed in absent.fields:
            values = self.values(positive, field)
            if values is None or not values <= allowed:
                return False
        return True

    def covered(self, positive: Pattern, absents: Iterable[Pattern]) -> bool:
        same = [a for a in absents if a.kind == positive.kind]
        if not same:
            return False
        if any(self.covers(a, positive) for a in same):
            return True
        # split on one field: every value of it covered by some absent pattern
        for field in KINDS.get(positive.kind, {}):
            values = self.values(positive, field)
            if values is None or not values:
                continue
            rest = tuple(f for f in positive.fields if f[0] != field)
            if all(
                any(self.covers(a, Pattern(positive.kind, tuple(sorted((*rest, (field, frozenset({v}))))))) for a in same)
                for v in values
            ):
                return True
        return False

    def impossible(self, positive: Pattern) -> bool:
        """No fact matching it can exist: some field has no value it allows (or it is never produced)."""
        if positive.kind == "window":
            return any(self.values(positive, f) == frozenset() for f in ("status", "until"))
        if positive.kind not in self.producers:
            return True
        return any(not ((self.values(positive, field) or frozenset({""})) - {_MISSING}) for field, _ in positive.fields)

    def producers_of(self, positive: Pattern) -> Iterator[_Conj]:
        """The conditions under which some rule produces a fact matching ``positive``."""
        if positive.kind == "window":
            status = self.values(positive, "status")
            status = _HELD | _NOT_HELD if status is None else status
            retention = Pattern("retention", ())
            if status & _HELD:
                yield _Conj((), frozenset({retention, Pattern("hold", ())}), frozenset())
            if status & _NOT_HELD:
                yield _Conj((), frozenset({retention}), frozenset({Pattern("hold", ())}))
            return
        for rule, fields in self.producers.get(positive.kind, []):
            known: dict[str, frozenset[str]] = {}
            possible = True
            for field, allowed in positive.fields:
                value = fields.get(field)
                if value is None:
                    possible = False
                elif value.startswith("$"):
                    known[value] = known[value] & allowed if value in known else allowed
                elif value not in allowed:
                    possible = False
            if possible:
                yield self.instantiate(rule, known)

    def forced(self, wanted: Pattern, conj: _Conj, depth: int) -> bool:
        """Proved: whenever ``conj`` holds, some rule concludes a fact matching ``wanted``.

        Only rules whose conditions share no variable count (a join ignored would make a rule look
        easier to satisfy than it is), and only conclusions whose values ``wanted`` allows.
        """
        if wanted.kind == "window" or depth < 0:
            return False
        if any(self.covers(wanted, positive) for positive in conj.positives):
            return True
        have = dict(conj.activity)
        for rule, fields in self.producers.get(wanted.kind, []):
            body = self.bodies[id(rule)]
            if not self.plain[id(rule)]:
                continue
            if not all(fields.get(f) is not None and fields[f] in allowed for f, allowed in wanted.fields):
                continue
            if not all(field in have and have[field] <= allowed for field, allowed in body.activity):
                continue
            needs = self.instantiate(rule, {})
            if not all(self.forced(p, conj, depth - 1) for p in needs.positives):
                continue
            if all(self.impossible(a) or any(self.covers(c, a) for c in conj.absents) for a in needs.absents):
                return True
        return False

    def unsat(self, conj: _Conj, depth: int) -> bool:
        """Proved: the conditions in ``conj`` never hold together."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            return False
        if any(not values for _, values in conj.activity):
            return True
        for positive in conj.positives:
            if self.impossible(positive) or self.covered(positive, conj.absents):
                return True
        for absent in conj.absents:
            if self.forced(absent, conj, 2):
                return True
        single = [p for p in conj.positives if p.kind in SINGLE_VALUED]
        for i, first in enumerate(single):
            for second in single[i + 1 :]:
                if first.kind != second.kind:
                    continue
                for field in SINGLE_VALUED[first.kind]:
                    a, b = self.values(first, field), self.values(second, field)
                    if a is not None and b is not None and not a & b:
                        return True
        if depth == 0:
            return False
        for positive in sorted(conj.positives - conj.expanded, key=_order):
            marked = _Conj(conj.activity, conj.positives, conj.absents, conj.expanded | {positive})
            if all(self.unsat(marked.join(producer), depth - 1) for producer in self.producers_of(positive)):
                return True
        return False


def _order(pattern: Pattern) -> tuple[str, str]:
    return pattern.kind, str([(field, sorted(values)) for field, values in pattern.fields])


def _differs(analysis: _Analysis, first: tuple[Rule, dict[str, str]], second: tuple[Rule, dict[str, str]], kind: str) -> bool:
    """The two conclusions may give ``kind`` different values."""
    (r1, f1), (r2, f2) = first, second
    for field in SINGLE_VALUED[kind]:
        v1, v2 = f1.get(field), f2.get(field)
        if v1 is not None and v2 is not None and v1.startswith("$") and v2.startswith("$"):
            s1, s2 = analysis.binding[id(r1)][v1], analysis.binding[id(r2)][v2]
            if s1 == s2 and s1[1] in SINGLE_VALUED.get(s1[0], ()):
                continue  # both copy one field of a single-valued fact: the same value
        a = analysis.conclusion_values(r1, kind, f1, field)
        b = analysis.conclusion_values(r2, kind, f2, field)
        if a is None or b is None or len(a | b) > 1:
            return True
    return False


def _show(fields: dict[str, str], kind: str) -> str:
    return ", ".join(f"{f}: {fields.get(f, '(none)')}" for f in SINGLE_VALUED[kind])


def check_conflicts(policy: Policy, rules: list[Rule]) -> None:
    """Refuse two rules of one policy's ruleset that may conclude different values of one kind."""
    analysis = _Analysis(policy, rules)
    for kind in SINGLE_VALUED:
        produced = analysis.producers.get(kind, [])
        for i, (r1, f1) in enumerate(produced):
            for r2, f2 in produced[i:]:
                if f1 is f2:
                    if not _rebinds(analysis, r1, f1, kind):
                        continue
                elif not _differs(analysis, (r1, f1), (r2, f2), kind):
                    continue
                analysis.steps = 0
                conj = analysis.instantiate(r1, {}).join(analysis.instantiate(r2, {}))
                if analysis.unsat(conj, MAX_DEPTH):
                    continue
                if r1 is r2:
                    problem = f"may conclude {kind} twice with different values ({_show(f1, kind)} / {_show(f2, kind)})"
                else:
                    problem = (
                        f"concludes {kind} {{{_show(f2, kind)}}} and rule {r1.id!r} ({r1.file}) concludes "
                        f"{kind} {{{_show(f1, kind)}}}, and their conditions do not provably exclude each other "
                        f"for policy {policy.id}"
                    )
                    if analysis.steps > MAX_STEPS:
                        problem += " (the proof was cut off; simplify the conditions)"
                problem += "; make them exclusive (disjoint activity values, or a fact one needs and the other has absent)"
                raise RuleFileError(r2.file, r2.id, problem)


def _rebinds(analysis: _Analysis, rule: Rule, fields: dict[str, str], kind: str) -> bool:
    """One rule can fire twice with different values in a compared field (a variable bound from a
    fact kind that may hold several values)."""
    for field in SINGLE_VALUED[kind]:
        value = fields.get(field, "")
        if value.startswith("$"):
            source = analysis.binding[id(rule)][value]
            if source[1] not in SINGLE_VALUED.get(source[0], ()):
                values = analysis.effective.get(source)
                if values is None or len(values - {_MISSING}) > 1:
                    return True
    return False
