"""Contradictory rules found at load time: a sound static check over the rules of one policy.

Some fact kinds hold one answer per evaluation (``SINGLE_VALUED``: one ``lawful`` value, one
objection outcome, one retention window ...). Two rules that conclude such a kind with different
values contradict each other unless their conditions can never hold together. ``check_conflicts``
rejects every such pair it cannot *prove* exclusive, so a ruleset it accepts never produces the
evaluation-time "rules disagree" error; a pair it rejects may, rarely, be exclusive for a reason it
does not see (then make the exclusion explicit in the rules: a ``fact``/``absent`` pair or disjoint
activity values).

Exclusivity is proved about the first moment two different values of a single-valued kind would
exist. Facts are never retracted, and an ``absent`` holds for the whole evaluation (every producer of
what it negates runs in a lower stratum), so at that moment both rules' needed facts exist, their
``absent`` conditions hold, and every single-valued kind still has one value. The conditions of the
two rules (their variables renamed apart) are unsatisfiable together when:

* **activity**: some activity field (the purpose scope included) has no value both allow;
* **fact vs absent**: a needed fact is covered by ``absent`` patterns (one pattern, or several that
  together cover every value of one field, as ``absent basis e`` and ``absent basis f`` cover
  ``basis [e, f]``), variables compared by identity;
* **single-valued**: two needed facts of a single-valued kind differ on a compared field;
* **forced**: an ``absent`` pattern is contradicted by a rule that must fire: its needed facts are
  among those needed (variables matched, so joins count), its ``absent`` conditions are implied by
  the ones that hold, its activity values allow all the activity can be;
* **producers**: every rule that could produce a needed fact (the fact's variables passed into the
  producer's conclusion) has conditions unsatisfiable together with the rest, to a bounded depth.
  The calendar produces ``window``: status ``held`` exactly when a ``hold`` fact and no ``release``
  fact exist, and only when a ``retention`` fact does.

Everything else errs on the side of "not proved": a variable's values are bounded only by what the
ruleset can produce for its field, and a proof cut off by ``MAX_DEPTH`` or ``MAX_STEPS`` rejects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from lawbasis.core.errors import RuleFileError
from lawbasis.core.vocabulary import BUILTIN, CALENDAR_KINDS, CLOCK_KINDS, KINDS, REQUIRED, Vocabulary
from lawbasis.engine.rulefile import Policy, Rule, to_fact_value

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
#: Kinds the engine asserts itself (the calendar's window; on vocabularies that have them, the
#: clock's facts before the first stratum): not concluded by rules, so never "impossible".
_EXTERNAL = frozenset((*CALENDAR_KINDS, *CLOCK_KINDS))
_HELD = frozenset({"held"})
_NOT_HELD = frozenset(s for s in KINDS["window"]["status"] or () if s != "held")

Values = frozenset[str] | None  # None: any string
Term = str | frozenset[str]  # a variable ("?n") or, in an absent pattern, the values it allows


@attrs.frozen
class Pattern:
    """A fact condition. In a needed fact every field is a variable (its values are in the
    domains); in an absent fact a field is a variable (the same value as a needed fact's) or a set."""

    kind: str
    fields: tuple[tuple[str, Term], ...]

    def get(self, field: str) -> Term | None:
        for name, term in self.fields:
            if name == field:
                return term
        return None


@attrs.frozen
class _Conj:
    """Conditions that hold together: the activity's values, needed and absent facts, variables."""

    activity: tuple[tuple[str, frozenset[str]], ...]
    positives: frozenset[Pattern]
    absents: frozenset[Pattern]
    domains: tuple[tuple[str, frozenset[str]], ...] = ()  # variable -> its possible values (absent: any)
    expanded: frozenset[Pattern] = frozenset()

    def join(self, other: _Conj) -> _Conj:
        activity = dict(self.activity)
        for field, values in other.activity:
            activity[field] = activity[field] & values if field in activity else values
        domains = dict(self.domains)
        for var, values in other.domains:
            domains[var] = domains[var] & values if var in domains else values
        return _Conj(
            tuple(sorted(activity.items())),
            self.positives | other.positives,
            self.absents | other.absents,
            tuple(sorted(domains.items())),
            self.expanded | other.expanded,
        )


def _raw(raw: Any) -> list[str]:
    return [to_fact_value(v) for v in raw] if isinstance(raw, list) else [to_fact_value(raw)]


class _Analysis:
    def __init__(self, policy: Policy, rules: list[Rule], vocabulary: Vocabulary = BUILTIN) -> None:
        self.rules = rules
        self.domains: dict[str, frozenset[str]] = {}
        for field, allowed in vocabulary.activity_fields.items():
            if field == "purpose":
                self.domains[field] = frozenset(policy.purposes)
            elif field == "country":
                self.domains[field] = frozenset({policy.country})
            else:
                assert allowed is not None, field
                self.domains[field] = frozenset(allowed)
        self.binding = {id(rule): self._bindings(rule) for rule in rules}
        self.producers: dict[str, list[tuple[Rule, dict[str, str]]]] = {}
        for rule in rules:
            for kind, fields in rule.then:
                self.producers.setdefault(kind, []).append((rule, fields))
        self.effective = self._effective()
        self.activity = {id(rule): self._activity(rule) for rule in rules}
        self.steps = 0
        self.fresh = 0

    # --- rules as sets -------------------------------------------------------------------------

    def _activity(self, rule: Rule) -> tuple[tuple[str, frozenset[str]], ...]:
        activity = dict(self.domains)
        if rule.purposes:
            activity["purpose"] = activity["purpose"] & frozenset(rule.purposes)
        for condition in rule.when:
            for field, test in condition.get("activity", {}).items():
                if isinstance(test, dict):
                    allowed = self.domains[field] - frozenset(_raw(test["not"]))
                else:
                    allowed = frozenset(_raw(test))
                activity[field] = activity[field] & allowed
        return tuple(sorted(activity.items()))

    @staticmethod
    def _bindings(rule: Rule) -> dict[str, tuple[str, str]]:
        """variable -> (kind, field) of the needed fact that binds it first."""
        out: dict[str, tuple[str, str]] = {}
        for condition in rule.when:
            if "activity" in condition or "absent" in condition:
                continue
            for field, raw in condition.items():
                if isinstance(raw, dict) and "as" in raw:
                    value = raw["as"]
                else:
                    value = to_fact_value(raw) if not isinstance(raw, (list, dict)) else ""
                if field != "fact" and value.startswith("$") and value not in out:
                    out[value] = (condition["fact"], field)
        return out

    def _effective(self) -> dict[tuple[str, str], Values]:
        """The values each (kind, field) can take in this ruleset (``_MISSING``: may be absent)."""
        eff: dict[tuple[str, str], Values] = {}
        for kind, vocabulary in KINDS.items():
            for field in vocabulary:
                eff[(kind, field)] = frozenset()
        for kind in _EXTERNAL:
            for field in KINDS[kind]:
                eff[(kind, field)] = None
        eff[("window", "status")] = _HELD | _NOT_HELD
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

    def _new(self, kind: str, field: str, domains: dict[str, frozenset[str]], allowed: Values = None) -> str:
        """A fresh variable for a field of a needed fact, its domain what the ruleset can produce."""
        self.fresh += 1
        var = f"?{self.fresh}"
        eff = self.effective.get((kind, field))
        values = None if eff is None else eff - {_MISSING}
        if allowed is not None:
            values = allowed if values is None else values & allowed
        if values is not None:
            domains[var] = values
        return var

    def _needed(self, kind: str, fields: dict[str, Term], domains: dict[str, frozenset[str]]) -> Pattern:
        """A needed fact: every field a variable; required fields always there (every producer
        writes them), so a needed fact never leaves one unconstrained."""
        out = dict(fields)
        for field in REQUIRED.get(kind, ()):
            if field not in out:
                out[field] = self._new(kind, field, domains)
        return Pattern(kind, tuple(sorted(out.items())))

    def instantiate(self, rule: Rule, given: dict[str, str], domains: dict[str, frozenset[str]]) -> _Conj:
        """A rule's conditions with its variables renamed apart (``given``: some already mapped)."""
        names = dict(given)
        positives = set()
        absents = set()
        for condition in rule.when:
            if "activity" in condition:
                continue
            negated = "absent" in condition
            pattern = condition["absent"] if negated else condition
            kind = pattern["fact"]
            fields: dict[str, Term] = {}
            usable = True
            for field, raw in pattern.items():
                if field == "fact":
                    continue
                if isinstance(raw, dict):  # {in: [...], as: $X}: one of the values, bound to $X
                    allowed = frozenset(_raw(raw["in"]))
                    if raw["as"] in names:
                        var = names[raw["as"]]
                        domains[var] = domains[var] & allowed if var in domains else allowed
                    else:
                        var = names[raw["as"]] = self._new(kind, field, domains, allowed)
                    fields[field] = var
                    continue
                values = _raw(raw)
                if len(values) == 1 and values[0].startswith("$"):
                    if values[0] in names:
                        fields[field] = names[values[0]]
                    elif negated:
                        usable = False  # unbound inside absent (the loader forbids it): drop
                    else:
                        fields[field] = names[values[0]] = self._new(kind, field, domains)
                elif negated:
                    fields[field] = frozenset(values)
                else:
                    fields[field] = self._new(kind, field, domains, frozenset(values))
            if negated:
                if usable:
                    absents.add(Pattern(kind, tuple(sorted(fields.items()))))
            else:
                positives.add(self._needed(kind, fields, domains))
        return _Conj(self.activity[id(rule)], frozenset(positives), frozenset(absents))

    def start(self, rule: Rule) -> _Conj:
        domains: dict[str, frozenset[str]] = {}
        conj = self.instantiate(rule, {}, domains)
        return _Conj(conj.activity, conj.positives, conj.absents, tuple(sorted(domains.items())))

    def conclusion_values(self, rule: Rule, kind: str, fields: dict[str, str], field: str) -> Values:
        value = fields.get(field)
        if value is None:
            return frozenset({_MISSING})
        if value.startswith("$"):
            eff = self.effective.get(self.binding[id(rule)][value])
            return None if eff is None else eff - {_MISSING}
        return frozenset({value})

    # --- the proof ---------------------------------------------------------------------------

    @staticmethod
    def _same(a: Term, b: Term, domains: dict[str, frozenset[str]]) -> bool:
        """``a`` and ``b`` surely have one value: the same variable, or one and the same value each."""
        if a == b:
            return True
        da = domains.get(a) if isinstance(a, str) else a
        db = domains.get(b) if isinstance(b, str) else b
        return da is not None and db is not None and len(da) == 1 and da == db

    def _within(self, term: Term | None, allowed: frozenset[str], domains: dict[str, frozenset[str]]) -> bool:
        """Every value ``term`` can have is in ``allowed`` (None: an unconstrained field)."""
        if term is None:
            return False
        values = domains.get(term) if isinstance(term, str) else term
        return values is not None and values <= allowed

    def covers(self, absent: Pattern, fact: Pattern, domains: dict[str, frozenset[str]]) -> bool:
        """Every fact matching ``fact`` matches ``absent``."""
        if absent.kind != fact.kind:
            return False
        for field, term in absent.fields:
            other = fact.get(field)
            if isinstance(term, frozenset):
                if not self._within(other, term, domains):
                    return False
            elif other is None or not self._same(term, other, domains):
                return False
        return True

    def covered(self, positive: Pattern, absents: Iterable[Pattern], domains: dict[str, frozenset[str]]) -> bool:
        same = [a for a in absents if a.kind == positive.kind]
        if not same:
            return False
        if any(self.covers(a, positive, domains) for a in same):
            return True
        # split on one variable: for each of its values, some absent pattern covers the fact
        for _, var in positive.fields:
            if not isinstance(var, str):
                continue
            values = domains.get(var)
            if not values or len(values) > 16:
                continue
            if all(any(self.covers(a, positive, {**domains, var: frozenset({v})}) for a in same) for v in values):
                return True
        return False

    def impossible(self, fact: Pattern, domains: dict[str, frozenset[str]]) -> bool:
        """No fact matching it can exist: a variable with no value left, or nothing produces it."""
        if fact.kind not in _EXTERNAL and fact.kind not in self.producers:
            return True
        return any(isinstance(t, str) and domains.get(t) == frozenset() for _, t in fact.fields)

    def producers_of(self, positive: Pattern, domains: dict[str, frozenset[str]]) -> Iterator[_Conj]:
        """The conditions under which something produces a fact matching ``positive``."""
        if positive.kind == "window":
            status = positive.get("status")
            assert isinstance(status, str)
            now = domains.get(status, _HELD | _NOT_HELD)
            for branch, hold_needed in ((_HELD, True), (_NOT_HELD, False)):
                if not now & branch:
                    continue
                extra: dict[str, frozenset[str]] = {status: now & branch}
                retention = self._needed("retention", {}, extra)
                hold = self._needed("hold", {}, extra)
                release = Pattern("release", ())
                if hold_needed:
                    yield _Conj((), frozenset({retention, hold}), frozenset({release}), tuple(sorted(extra.items())))
                else:
                    yield _Conj((), frozenset({retention}), frozenset({Pattern("hold", ())}), tuple(sorted(extra.items())))
                    yield _Conj(
                        (), frozenset({retention, hold, self._needed("release", {}, extra)}), frozenset(), tuple(sorted(extra.items()))
                    )
            return
        if positive.kind in _EXTERNAL:  # what the engine asserts depends on the dates: anything
            yield _Conj((), frozenset(), frozenset())
            return
        for rule, concluded in self.producers.get(positive.kind, []):
            names: dict[str, str] = {}
            extra = {}
            possible = True
            for field, var in positive.fields:
                assert isinstance(var, str)
                value = concluded.get(field)
                current = domains.get(var)
                if value is None:
                    possible = False
                elif value.startswith("$"):
                    if value in names and names[value] != var:  # one value in two fields: same domains
                        other = names[value]
                        both = _meet(_meet(domains.get(other), extra.get(other)), _meet(current, extra.get(var)))
                        if both is not None:
                            extra[var] = both
                            extra[other] = both
                    else:
                        names[value] = var
                elif current is not None and value not in current:
                    possible = False
                else:
                    extra[var] = frozenset({value})
            if possible:
                conj = self.instantiate(rule, names, extra)
                yield _Conj(conj.activity, conj.positives, conj.absents, tuple(sorted(extra.items())))

    def forced(self, wanted: Pattern, conj: _Conj, domains: dict[str, frozenset[str]], depth: int) -> bool:
        """Proved: whenever ``conj`` holds, some rule concludes a fact matching ``wanted``: its
        conditions are met by facts ``conj`` needs (variables matched), its absents implied by
        ``conj``'s absents, its activity values allowed by ``conj``'s."""
        if any(self.covers(wanted, fact, domains) for fact in conj.positives):
            return True
        if wanted.kind in _EXTERNAL or depth < 0:
            return False
        have = dict(conj.activity)
        for rule, concluded in self.producers.get(wanted.kind, []):
            if not all(field in have and have[field] <= allowed for field, allowed in self.activity[id(rule)]):
                continue
            if self._fires(rule, concluded, wanted, conj, domains, depth):
                return True
        return False

    def _fires(
        self, rule: Rule, concluded: dict[str, str], wanted: Pattern, conj: _Conj, domains: dict[str, frozenset[str]], depth: int
    ) -> bool:
        needed = [c for c in rule.when if "activity" not in c and "absent" not in c]
        absent = [c["absent"] for c in rule.when if "absent" in c]

        def match(index: int, names: dict[str, Term]) -> bool:
            if self.steps > MAX_STEPS:
                return False
            self.steps += 1
            if index == len(needed):
                return self._absents_hold(absent, conj, names, domains) and self._conclusion_matches(concluded, wanted, names, domains)
            condition = needed[index]
            kind = condition["fact"]
            for fact in conj.positives:
                if fact.kind != kind:
                    continue
                trial = self._unify(condition, fact, names, domains)
                if trial is not None and match(index + 1, trial):
                    return True
            # not among the facts conj needs: forced itself, if it names no new variable
            literal = self._literal(condition, names)
            if literal is not None and self.forced(literal, conj, domains, depth - 1):
                return match(index + 1, names)
            return False

        return match(0, {})

    def _conclusion_matches(
        self, concluded: dict[str, str], wanted: Pattern, names: dict[str, Term], domains: dict[str, frozenset[str]]
    ) -> bool:
        """The rule's conclusion, its variables named by ``names``, surely matches ``wanted``."""
        for field, term in wanted.fields:
            value = concluded.get(field)
            if value is None:
                return False
            mine: Term = names.get(value, "") if value.startswith("$") else frozenset({value})
            if mine == "":
                return False
            if isinstance(term, frozenset):
                if not self._within(mine, term, domains):
                    return False
            elif not self._same(term, mine, domains):
                return False
        return True

    def _absents_hold(self, absent: list[dict[str, Any]], conj: _Conj, names: dict[str, Term], domains: dict[str, frozenset[str]]) -> bool:
        """Each of the rule's ``absent`` patterns is implied by an absent of ``conj`` (or nothing produces it)."""
        for pattern in absent:
            fields: dict[str, Term] = {}
            for field, raw in pattern.items():
                if field == "fact":
                    continue
                values = _raw(raw)
                if len(values) == 1 and values[0].startswith("$"):
                    if values[0] not in names:
                        return False
                    fields[field] = names[values[0]]
                else:
                    fields[field] = frozenset(values)
            mine = Pattern(pattern["fact"], tuple(sorted(fields.items())))
            if mine.kind not in _EXTERNAL and mine.kind not in self.producers:
                continue  # nothing produces it: absent for sure
            if not any(self._implies(theirs, mine, domains) for theirs in conj.absents):
                return False
        return True

    def _unify(
        self, condition: dict[str, Any], fact: Pattern, names: dict[str, Term], domains: dict[str, frozenset[str]]
    ) -> dict[str, Term] | None:
        """``names`` extended so that ``fact`` (a needed fact of conj) surely meets ``condition``."""
        out = dict(names)
        for field, raw in condition.items():
            if field == "fact":
                continue
            term = fact.get(field)
            if term is None:
                return None
            if isinstance(raw, dict):
                if not self._within(term, frozenset(_raw(raw["in"])), domains):
                    return None
                raw = raw["as"]
            values = _raw(raw)
            if len(values) == 1 and values[0].startswith("$"):
                if values[0] in out:
                    if not self._same(out[values[0]], term, domains):
                        return None
                else:
                    out[values[0]] = term
            elif not self._within(term, frozenset(values), domains):
                return None
        return out

    @staticmethod
    def _literal(condition: dict[str, Any], names: dict[str, Term]) -> Pattern | None:
        fields: dict[str, Term] = {}
        for field, raw in condition.items():
            if field == "fact":
                continue
            if isinstance(raw, dict):
                return None
            values = _raw(raw)
            if len(values) == 1 and values[0].startswith("$"):
                if values[0] not in names:
                    return None
                fields[field] = names[values[0]]
            else:
                fields[field] = frozenset(values)
        return Pattern(condition["fact"], tuple(sorted(fields.items())))

    def _implies(self, theirs: Pattern, mine: Pattern, domains: dict[str, frozenset[str]]) -> bool:
        """No fact matches ``theirs`` implies no fact matches ``mine`` (every ``mine`` is a ``theirs``)."""
        return self.covers(theirs, mine, domains)

    def unsat(self, conj: _Conj, depth: int) -> bool:
        """Proved: the conditions in ``conj`` never hold together."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            return False
        domains = dict(conj.domains)
        if any(not values for _, values in conj.activity) or any(not values for values in domains.values()):
            return True
        for positive in conj.positives:
            if self.impossible(positive, domains) or self.covered(positive, conj.absents, domains):
                return True
        for absent in conj.absents:
            if self.forced(absent, conj, domains, 2):
                return True
        single = [p for p in conj.positives if p.kind in SINGLE_VALUED]
        for i, first in enumerate(single):
            for second in single[i + 1 :]:
                if first.kind != second.kind:
                    continue
                for field in SINGLE_VALUED[first.kind]:
                    a, b = first.get(field), second.get(field)
                    da = domains.get(a) if isinstance(a, str) else None
                    db = domains.get(b) if isinstance(b, str) else None
                    if da is not None and db is not None and not da & db:
                        return True
        if depth == 0:
            return False
        for positive in sorted(conj.positives - conj.expanded, key=_order):
            marked = _Conj(conj.activity, conj.positives, conj.absents, conj.domains, conj.expanded | {positive})
            if all(self.unsat(marked.join(producer), depth - 1) for producer in self.producers_of(positive, domains)):
                return True
        return False


def _meet(a: Values, b: Values) -> Values:
    if a is None:
        return b
    return a if b is None else a & b


def _order(pattern: Pattern) -> tuple[str, str]:
    return pattern.kind, str([(field, term if isinstance(term, str) else sorted(term)) for field, term in pattern.fields])


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


def check_conflicts(policy: Policy, rules: list[Rule], vocabulary: Vocabulary = BUILTIN) -> None:
    """Refuse two rules of one policy's ruleset that may conclude different values of one kind."""
    analysis = _Analysis(policy, rules, vocabulary)
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
                conj = analysis.start(r1).join(analysis.start(r2))
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
