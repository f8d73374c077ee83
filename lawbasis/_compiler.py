"""Compiling checked rules into durable_rules' native JSON rulesets, one ruleset per policy.

What the compiler guarantees, so the traps in durable_rules cannot be reached from a rule file:

* **Stratified negation.** durable_rules has no truth maintenance: a ``$not`` is decided when the
  activation is created. Every rule is given a stratum (one more than the strata of the facts it
  negates, at least those of the facts it needs) and gated on a phase marker fact as its first
  condition; the host asserts the markers one by one after each fixpoint. A negation cycle is
  rejected at load time.
* **Only equality joins** between facts (variables), never the non-equality cross-fact comparisons
  that read freed memory inside ``$and`` (durable_rules issue #381).
* **Strings only**: every literal is a string from the vocabulary, so loose typing never matters.
* **Structural limits** checked before ``create_ruleset`` (which can hang or corrupt itself past them).
* **A silent sink** for every fact type, so no assert ever raises ``MessageNotHandledException``.
* **Negation sees every fact**: rules are compiled with ``dist: 0``; durable_rules' default
  ("distinct") hides facts already bound in the same activation from a ``$not``.
* **Rules that can never fire** (a positive condition on a fact no rule concludes) are rejected.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import attrs

from ._conflicts import check_conflicts
from ._errors import RuleFileError
from ._rulefile import Rule, RuleBase, to_fact_value
from ._vocabulary import CALENDAR_INPUTS, CALENDAR_KINDS, CLOCK_KINDS, KEYED_KINDS, KINDS

MAX_CONDITIONS = 16  # error 304 past this
MAX_RULES = 256  # every rule shares the phase-marker alpha node: error 108 past this
MAX_NON_HASHED = 64  # error 303: a fact satisfying more sibling non-equality tests
SINK = "__sink__"
NEVER = "__never__"


@attrs.frozen
class CompiledRule:
    rule: Rule
    stratum: int
    name: str  # the durable_rules rule name
    spec: dict[str, Any]  # the durable_rules rule (without "run")
    bindings: dict[str, tuple[str, str]]  # variable -> (alias, field)


@attrs.frozen
class CompiledPolicy:
    policy: str
    ruleset_name: str
    rules: tuple[CompiledRule, ...]
    strata: int
    calendar_stratum: int  # window facts are asserted just before this phase marker (0: never)
    # whether any rule tests or binds the window's end date; if none does, the rules' conclusions
    # depend on the window's status only (the engine's memo keys on it; see Engine.evaluate)
    reads_window_until: bool = True
    # the fact kinds some rule's condition matches; a conclusion of any other kind changes no match,
    # so the engine records it without asserting it into durable_rules
    read_kinds: frozenset[str] = frozenset(KINDS)
    # the statutory duties (period, anchor) some rule of this policy can conclude: the calendar
    # asserts a ``duty`` fact with each one's status on as_of before the first stratum
    duties: tuple[tuple[str, str], ...] = ()

    def definition(self) -> dict[str, Any]:
        """The native durable_rules ruleset (rule name -> spec), sinks included, no actions."""
        out: dict[str, Any] = {}
        for compiled in self.rules:
            out[compiled.name] = compiled.spec
        for kind in ("activity", "phase", *KINDS):
            out[f"{SINK}{kind}"] = {"all": [{"m": {"t": kind}}, {"never": {"t": NEVER}}]}
        return out


def _key(kind: str, fields: dict[str, Any]) -> tuple[str, str | None]:
    field = KEYED_KINDS.get(kind)
    if field is None:
        return (kind, None)
    value = fields.get(field)
    if isinstance(value, str) and not value.startswith("$"):
        return (kind, value)
    return (kind, None)


def _matches(dep: tuple[str, str | None], produced: tuple[str, str | None]) -> bool:
    return dep[0] == produced[0] and (dep[1] is None or produced[1] is None or dep[1] == produced[1])


def _test(field: str, raw: Any, alias_of: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    negate = isinstance(raw, dict) and "not" in raw
    values = raw["not"] if negate else raw
    values = [to_fact_value(v) for v in values] if isinstance(values, list) else [to_fact_value(values)]
    if alias_of is not None and len(values) == 1 and values[0] in alias_of:
        alias, other = alias_of[values[0]]
        return {field: {alias: other}}
    if negate:
        tests: list[dict[str, Any]] = [{"$neq": {field: v}} for v in values]
        return tests[0] if len(tests) == 1 else {"$and": tests}
    if len(values) == 1:
        return {field: values[0]}
    return {"$or": [{field: v} for v in values]}


def _and(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {"$and": tests}


def _compile_conditions(rule: Rule) -> tuple[list[dict[str, Any]], dict[str, tuple[str, str]], int]:
    """Durable conditions (after the phase marker) and variable bindings. Returns non-hashed count."""
    activity_tests: list[dict[str, Any]] = [{"t": "activity"}]
    if rule.purposes:
        activity_tests.append(_test("purpose", list(rule.purposes)))
    non_hashed = 0
    conditions: list[dict[str, Any]] = []
    bindings: dict[str, tuple[str, str]] = {}
    for index, condition in enumerate(rule.when):
        if "activity" in condition:
            for field, raw in condition["activity"].items():
                test = _test(field, raw)
                non_hashed += int(isinstance(raw, dict))
                activity_tests.append(test)
            continue
        negated = "absent" in condition
        pattern = condition["absent"] if negated else condition
        alias = f"c{index}"
        tests: list[dict[str, Any]] = [{"t": pattern["fact"]}]
        for field, raw in pattern.items():
            if field == "fact":
                continue
            if isinstance(raw, dict):  # {in: [...], as: $X}: a choice, and the variable bound to it
                tests.append(_test(field, raw["in"]))
                bindings[raw["as"]] = (alias, field)
                continue
            value = to_fact_value(raw) if not isinstance(raw, list) else None
            if value is not None and value.startswith("$"):
                if value in bindings:
                    tests.append(_test(field, value, bindings))
                else:
                    bindings[value] = (alias, field)
                continue
            tests.append(_test(field, raw))
        conditions.append({f"{alias}$not" if negated else alias: _and(tests)})
    # the activity condition goes first after the marker: it is the cheapest filter
    return [{"act": _and(activity_tests)}, *conditions], bindings, non_hashed


def compile_policy(base: RuleBase, policy_id: str, ruleset_name: str) -> CompiledPolicy:
    rules = base.rules_for(policy_id)
    policy = base.policies[policy_id]
    # --- stratification -----------------------------------------------------------------------
    producers: dict[tuple[str, str | None], list[Rule]] = defaultdict(list)
    for rule in rules:
        for kind, fields in rule.then:
            producers[_key(kind, fields)].append(rule)
    calendar = Rule("(calendar)", "(built in)", "", (), (), tuple((k, {}) for k in CALENDAR_KINDS), ())
    clock = Rule("(clock)", "(built in)", "", (), (), tuple((k, {}) for k in CLOCK_KINDS), ())

    def deps(rule: Rule) -> list[tuple[tuple[str, str | None], bool]]:
        if rule is calendar:
            return [((k, None), True) for k in CALENDAR_INPUTS]
        if rule is clock:  # asserted before the first stratum: depends on nothing the rules conclude
            return []
        out = []
        for condition in rule.when:
            if "activity" in condition:
                continue
            negated = "absent" in condition
            pattern = condition["absent"] if negated else condition
            out.append((_key(pattern["fact"], pattern), negated))
        return out

    def producers_of(dep: tuple[str, str | None]) -> list[Rule]:
        found = [r for key, rs in producers.items() if _matches(dep, key) for r in rs]
        if dep[0] in CALENDAR_KINDS:
            found.append(calendar)
        if dep[0] in CLOCK_KINDS:
            found.append(clock)
        return found

    # A policy rule that needs a fact nothing concludes can never fire: that is an error in the
    # policy file. A law rule may legitimately need a fact only some policies conclude (a soft
    # opt-in the policy describes, a statutory window for bookkeeping records): it is left out of
    # the rulesets of the policies that cannot satisfy it. Leaving one out can starve another,
    # hence the loop.
    while True:
        dropped = False
        for rule in list(rules):
            for dep, negated in deps(rule):
                if negated or producers_of(dep):
                    continue
                what = dep[0] + (f" {dep[1]!r}" if dep[1] else "")
                if not rule.scope.startswith("law:"):
                    raise RuleFileError(rule.file, rule.id, f"can never fire: no rule for policy {policy_id} concludes {what}")
                rules.remove(rule)
                for kind, fields in rule.then:
                    producers[_key(kind, fields)].remove(rule)
                dropped = True
                break
        if not dropped:
            break

    # Fixpoint: a rule sits no lower than what it needs, and above what it negates. Positive
    # cycles are fine; a cycle through a negation keeps growing and is reported.
    everything = [*rules, calendar, clock]
    stratum: dict[int, int] = {id(r): 1 for r in everything}
    for _ in range(len(everything) + 2):
        changed = False
        for rule in everything:
            best = 1
            for dep, negated in deps(rule):
                for producer in producers_of(dep):
                    best = max(best, stratum[id(producer)] + (1 if negated else 0))
            if best != stratum[id(rule)]:
                stratum[id(rule)] = best
                changed = True
        if not changed:
            break
    else:
        worst = max(rules, key=lambda r: stratum[id(r)])
        raise RuleFileError(worst.file, worst.id, "rules are not stratifiable: a negation depends on its own conclusion")
    calendar_stratum = stratum[id(calendar)]
    strata = max(stratum.values())

    # --- durable_rules specs and limits --------------------------------------------------------
    if len(rules) > MAX_RULES:
        raise RuleFileError(policy.file, None, f"{len(rules)} rules apply to {policy_id}; durable_rules allows {MAX_RULES}")
    compiled = []
    non_hashed_total = 0
    for index, rule in enumerate(rules):
        conditions, bindings, non_hashed = _compile_conditions(rule)
        non_hashed_total += non_hashed
        s = stratum[id(rule)]
        marker = {"phase": {"$and": [{"t": "phase"}, {"n": str(s)}]}}
        # dist 0: by default durable_rules never lets one fact fill two positions of a rule, and
        # that includes a negation: "basis, and no basis f" then fires when the only basis is f,
        # because the f fact is already bound to the first position. Measured; see docs.
        all_conditions = [marker, *conditions]
        if len(all_conditions) > MAX_CONDITIONS:
            raise RuleFileError(rule.file, rule.id, f"{len(all_conditions)} conditions; durable_rules allows {MAX_CONDITIONS}")
        spec = {"all": all_conditions, "dist": 0}
        compiled.append(CompiledRule(rule, s, f"r{index}", spec, bindings))
    if non_hashed_total > MAX_NON_HASHED:
        raise RuleFileError(policy.file, None, f"{non_hashed_total} 'not' tests on the activity; durable_rules allows {MAX_NON_HASHED}")
    compiled.sort(key=lambda c: c.stratum)
    patterns = [condition.get("absent") or condition for rule in rules for condition in rule.when if "activity" not in condition]
    reads_until = any(p["fact"] in CALENDAR_KINDS and ("until" in p or "window_until" in p) for p in patterns)
    read_kinds = frozenset(p["fact"] for p in patterns)
    check_conflicts(policy, rules)
    duties = sorted({(fields["period"], fields["from"]) for rule in rules for kind, fields in rule.then if kind == "statutory"})
    return CompiledPolicy(
        policy_id, ruleset_name, tuple(compiled), strata, calendar_stratum, reads_until, read_kinds, tuple(duties)
    )
