"""Compiling checked rules into durable_rules' native JSON rulesets, one ruleset per policy.

What the compiler guarantees, so the traps in durable_rules cannot be reached from a rule file:

* **Stratified negation.** durable_rules has no truth maintenance: a ``$not`` is decided when the
  activation is created. Every rule is given a stratum (one more than the strata of the facts it
  negates, at least those of the facts it needs) and gated on its stratum: its first condition matches
  the activity fact stamped with the stratum's number (``STRATUM``), which the host asserts stratum by
  stratum after each fixpoint (the activity is the phase marker). A negation cycle is
  rejected at load time.
* **Only equality joins** between facts (variables), never the non-equality cross-fact comparisons
  that read freed memory inside ``$and`` (durable_rules issue #381).
* **Strings only**: every literal is a string from the vocabulary, so loose typing never matters.
* **Structural limits** checked before ``create_ruleset`` (which can hang or corrupt itself past them).
  ``native_limits`` rebuilds the alpha network durable_rules will build from the native JSON and
  bounds, for any fact, how many alpha nodes its matching keeps pending at once: past 64 the
  first evaluation fails with error 303 half-way through and the next ``delete_state`` corrupts
  the heap. Value lists (``$or``: every rule's list adds a node that is always pending), ``not``
  tests (``$neq``: all but one match) and joins (always pending) are what counts; equality tests
  on one field count once. Also bounded: children per node (a full 512-slot table loops forever),
  rules per node, expressions per condition (error 113). ``tests/reliability/probe_limits.py``
  pins each limit against durable_rules itself.
* **A silent sink** matching every fact type, so no assert ever raises ``MessageNotHandledException``.
* **Negation sees every fact**: rules are compiled with ``dist: 0``; durable_rules' default
  ("distinct") hides facts already bound in the same activation from a ``$not``.
* **Rules that can never fire** (a positive condition on a fact no rule concludes) are rejected.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import attrs

from lawbasis.core.errors import RuleFileError
from lawbasis.core.vocabulary import CALENDAR_INPUTS, CALENDAR_KINDS, CLOCK_KINDS, CLOCKED_KINDS, KEYED_KINDS, KINDS
from lawbasis.engine.conflicts import check_conflicts
from lawbasis.engine.rulefile import Policy, Rule, RuleBase, to_fact_value

MAX_CONDITIONS = 16  # error 304 past this
MAX_RULES = 255  # rules with the same activity tests in one stratum share their last alpha node (MAX_BETAS)
# The limits of durable_rules 2.0.28's alpha network (src/rules/*.h), pinned by tests/reliability/probe_limits.py.
MAX_PENDING = 64  # events.c MAX_STACK_SIZE: alpha nodes pending at once while one fact is matched (error 303)
MAX_CHILDREN = 511  # rules.h NEXT_BUCKET_LENGTH 512: a full child table makes lookups loop forever
# rules.h BETA_LIST_LENGTH 256: conditions ending on one alpha node; the list is zero-terminated
# without room for the zero, so the 256th makes matching read past its end (a segfault, measured)
MAX_BETAS = 255
MAX_EXPRESSIONS = 31  # rete.h MAX_SEQUENCE_EXPRESSIONS 32: one condition's and/or markers and joins (error 113)
SINK = "__sink__"
NEVER = "__never__"
# durable_rules leaves a new session's action context uninitialised and frees it in delete_state; it is
# only set (and later cleared) when an action starts. A session that fired nothing, first in a ruleset,
# then frees garbage (measured: "free(): invalid size" on the first delete_state). The host fires this
# rule once per ruleset, so the slot every later session reuses starts clean.
PRIME = "__prime__"
STRATUM = "stratum"  # the field of the activity fact that gates each rule on its stratum (no activity field has this name)


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
    calendar_stratum: int  # window facts are asserted just before this stratum's activity fact (0: never)
    # whether any rule tests or binds the window's end date; if none does, the rules' conclusions
    # depend on the window's status only (the engine's memo keys on it; see Engine.evaluate)
    reads_window_until: bool = True
    # the fact kinds some rule's condition matches; a conclusion of any other kind changes no match,
    # so the engine records it without asserting it into durable_rules
    read_kinds: frozenset[str] = frozenset(KINDS)
    # the statutory duties (period, anchor) some rule of this policy can conclude: the calendar
    # asserts a ``duty`` fact with each one's status on as_of before the first stratum
    duties: tuple[tuple[str, str], ...] = ()
    # the activity fields some rule's activity condition tests (with ``sid`` and ``t``): the host asserts
    # only these, since a field no test reads changes no match, and every activation carries the fact
    activity_fields: frozenset[str] = frozenset()

    def definition(self) -> dict[str, Any]:
        """The native durable_rules ruleset (rule name -> spec), sinks included, no actions."""
        out: dict[str, Any] = {}
        for compiled in self.rules:
            out[compiled.name] = compiled.spec
        # one sink for every kind: a sink per kind cost every session two conditions' index memory more
        out[SINK] = {"all": [{"m": {"$or": [{"t": kind} for kind in ("activity", *KINDS)]}}, {"never": {"t": NEVER}}]}
        out[PRIME] = {"all": [{"m": {"t": PRIME}}]}
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


def _compile_conditions(rule: Rule, stratum: int) -> tuple[list[dict[str, Any]], dict[str, tuple[str, str]]]:
    """Durable conditions (the activity of the rule's stratum first) and variable bindings."""
    activity_tests: list[dict[str, Any]] = [{"t": "activity"}, {STRATUM: str(stratum)}]
    if rule.purposes:
        activity_tests.append(_test("purpose", list(rule.purposes)))
    conditions: list[dict[str, Any]] = []
    bindings: dict[str, tuple[str, str]] = {}
    for index, condition in enumerate(rule.when):
        if "activity" in condition:
            for field, raw in condition["activity"].items():
                activity_tests.append(_test(field, raw))
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
    # the activity condition goes first: it gates the rule on its stratum, and is the cheapest filter
    return [{"act": _and(activity_tests)}, *conditions], bindings


# The calendar and the clock as producers of the facts they assert (for stratification only).
_CALENDAR = Rule("(calendar)", "(built in)", "", (), (), tuple((k, {}) for k in CALENDAR_KINDS), ())
_CLOCK = Rule("(clock)", "(built in)", "", (), (), tuple((k, {}) for k in CLOCK_KINDS), ())

_Key = tuple[str, str | None]


def _deps(rule: Rule) -> list[tuple[_Key, bool]]:
    """The facts a rule needs, each with whether it is negated."""
    if rule is _CALENDAR:
        return [((k, None), True) for k in CALENDAR_INPUTS]
    if rule is _CLOCK:  # asserted before the first stratum: depends on nothing the rules conclude
        return []
    out = []
    for condition in rule.when:
        if "activity" in condition:
            continue
        negated = "absent" in condition
        pattern = condition["absent"] if negated else condition
        out.append((_key(pattern["fact"], pattern), negated))
    return out


def _producers_of(producers: dict[_Key, list[Rule]], dep: _Key) -> list[Rule]:
    found = [r for key, rs in producers.items() if _matches(dep, key) for r in rs]
    if dep[0] in CALENDAR_KINDS:
        found.append(_CALENDAR)
    if dep[0] in CLOCK_KINDS:
        found.append(_CLOCK)
    return found


def _drop_unfireable(rules: list[Rule], producers: dict[_Key, list[Rule]], policy_id: str) -> None:
    """Leave out the law rules this policy can never satisfy; a policy rule that can never fire is an error.

    A policy rule that needs a fact nothing concludes is an error in the policy file. A law rule may
    legitimately need a fact only some policies conclude (a soft opt-in the policy describes, a
    statutory window for bookkeeping records): it is left out of the rulesets of the policies that
    cannot satisfy it. Leaving one out can starve another, hence the loop.
    """
    while True:
        dropped = False
        for rule in list(rules):
            for dep, negated in _deps(rule):
                if negated or _producers_of(producers, dep):
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
            return


def _stratify(rules: list[Rule], producers: dict[_Key, list[Rule]]) -> dict[int, int]:
    """Each rule's stratum (by ``id``), the calendar's and the clock's included.

    Fixpoint: a rule sits no lower than what it needs, and above what it negates. Positive cycles
    are fine; a cycle through a negation keeps growing and is reported.
    """
    everything = [*rules, _CALENDAR, _CLOCK]
    stratum: dict[int, int] = {id(r): 1 for r in everything}
    for _ in range(len(everything) + 2):
        changed = False
        for rule in everything:
            best = 1
            for dep, negated in _deps(rule):
                for producer in _producers_of(producers, dep):
                    best = max(best, stratum[id(producer)] + (1 if negated else 0))
            if best != stratum[id(rule)]:
                stratum[id(rule)] = best
                changed = True
        if not changed:
            return stratum
    worst = max(rules, key=lambda r: stratum[id(r)])
    raise RuleFileError(worst.file, worst.id, "rules are not stratifiable: a negation depends on its own conclusion")


def _specs(rules: list[Rule], stratum: dict[int, int], policy: Policy) -> list[CompiledRule]:
    """The durable_rules rule of each rule, gated on its stratum's phase marker, lowest stratum first."""
    if len(rules) > MAX_RULES:
        raise RuleFileError(policy.file, None, f"{len(rules)} rules apply to {policy.id}; durable_rules allows {MAX_RULES}")
    compiled = []
    for index, rule in enumerate(rules):
        s = stratum[id(rule)]
        conditions, bindings = _compile_conditions(rule, s)
        # The stratum used to be a condition of its own (a phase marker fact). It is counted still, so
        # the same rule files load as before, and would load if the marker came back.
        counted = len(conditions) + 1
        if counted > MAX_CONDITIONS:
            raise RuleFileError(rule.file, rule.id, f"{counted} conditions; durable_rules allows {MAX_CONDITIONS}")
        # dist 0: by default durable_rules never lets one fact fill two positions of a rule, and
        # that includes a negation: "basis, and no basis f" then fires when the only basis is f,
        # because the f fact is already bound to the first position. Measured; see docs.
        spec = {"all": conditions, "dist": 0}
        compiled.append(CompiledRule(rule, s, f"r{index}", spec, bindings))
    compiled.sort(key=lambda c: c.stratum)
    return compiled


def _check_limits(result: CompiledPolicy, policy: Policy) -> None:
    problem = native_limits(result.definition())
    if problem is not None:
        owners, what = problem
        culprit = _blame([c.rule for name in owners for c in result.rules if c.name == name])
        if culprit is None:  # only built-in sinks: the rules of the policy as a whole are too many
            raise RuleFileError(policy.file, None, f"the ruleset of {policy.id}: {what}")
        raise RuleFileError(culprit.file, culprit.id, f"in the ruleset of {policy.id}: {what}")


def compile_policy(base: RuleBase, policy_id: str, ruleset_name: str) -> CompiledPolicy:
    rules = base.rules_for(policy_id)
    policy = base.policies[policy_id]
    # --- stratification -----------------------------------------------------------------------
    producers: dict[_Key, list[Rule]] = defaultdict(list)
    for rule in rules:
        for kind, fields in rule.then:
            producers[_key(kind, fields)].append(rule)
    _drop_unfireable(rules, producers, policy_id)
    stratum = _stratify(rules, producers)
    calendar_stratum = stratum[id(_CALENDAR)]
    strata = max(stratum.values())
    # --- durable_rules specs and limits --------------------------------------------------------
    compiled = _specs(rules, stratum, policy)
    patterns = [condition.get("absent") or condition for rule in rules for condition in rule.when if "activity" not in condition]
    reads_until = any(p["fact"] in CALENDAR_KINDS and ("until" in p or "window_until" in p) for p in patterns)
    read_kinds = frozenset(p["fact"] for p in patterns)
    check_conflicts(policy, rules, base.vocabulary)
    duties = sorted({(fields["period"], fields["from"]) for rule in rules for kind, fields in rule.then if kind in CLOCKED_KINDS})
    tested = frozenset({"sid", "t", STRATUM}).union(*(_fields(c.spec["all"][0]["act"]) for c in compiled))
    result = CompiledPolicy(
        policy_id, ruleset_name, tuple(compiled), strata, calendar_stratum, reads_until, read_kinds, tuple(duties), tested
    )
    _check_limits(result, policy)
    return result


def _fields(test: Any) -> set[str]:
    """The fact fields a native test reads (operators start with ``$``)."""
    if isinstance(test, list):
        return set().union(*(_fields(t) for t in test))
    if isinstance(test, dict):
        return {k for k in test if not k.startswith("$")}.union(*(_fields(v) for v in test.values()))
    return set()


def _blame(owners: list[Rule]) -> Rule | None:
    """The rule to name for a crowded node: of the file with the most links there, the rule with the
    most links (the last of them on a tie: the one that tipped it over)."""
    if not owners:
        return None
    by_file: dict[str, int] = defaultdict(int)
    for rule in owners:
        by_file[rule.file] += 1
    file = max(by_file, key=lambda f: by_file[f])
    mine = [r for r in owners if r.file == file]
    most = max(mine.count(r) for r in mine)
    return [r for r in mine if mine.count(r) == most][-1]


# --- durable_rules' alpha network, as create_ruleset builds it (src/rules/rete.c) ------------------
#
# Every condition of every rule is a chain of alpha nodes from the root, then a beta node. A test
# reuses a sibling with the same field, operator and literal value (findAlpha); a join (a value that
# names another fact's field) is never reused. ``$and`` chains its tests; ``$or`` adds a fresh
# "forward" node that every alternative lists as always to be visited. Matching a fact is a
# depth-first walk with a fixed stack of 64 pending nodes (events.c handleAlpha): a node pushes
# every child the fact satisfies, each of its forward nodes, and each of its joins.


class _Node:
    __slots__ = ("children", "forwards", "betas", "owners")

    def __init__(self) -> None:
        self.children: dict[tuple[str, str, str], _Node] = {}  # (field, operator, value) -> node
        self.forwards: list[_Node] = []  # always pushed (one entry per link, duplicates included)
        self.betas: list[str] = []  # rule names whose condition ends here
        self.owners: list[str] = []  # the rule name behind each child link and forward link


def native_limits(definition: dict[str, Any]) -> tuple[list[str], str] | None:
    """The first durable_rules limit a native ruleset definition exceeds, or None.

    Returns the names of the rules involved (one entry per link at the crowded node) and the problem.
    """
    root = _Node()
    expressions: dict[str, int] = {}

    def add(parent: _Node, expr: dict[str, Any], rule: str, where: str) -> _Node:
        ((key, value),) = expr.items()
        if key in ("$and", "$or"):
            expressions[where] += 2  # the operator and its end marker
            if key == "$and":
                node = parent
                for sub in value:
                    node = add(node, sub, rule, where)
                return node
            forward = _Node()
            for sub in value:
                end = add(parent, sub, rule, where)
                end.forwards.append(forward)
                end.owners.append(rule)
            return forward
        operator, (field, literal) = (key, next(iter(value.items()))) if key.startswith("$") else ("$eq", (key, value))
        if isinstance(literal, dict):  # a join: a node of its own, and an expression in the beta
            expressions[where] += 1
            child_key = (field, operator, f"join#{len(parent.children)}")
        else:
            child_key = (field, operator, json.dumps(literal))
        found = parent.children.get(child_key)
        if found is None:
            found = parent.children[child_key] = _Node()
            parent.owners.append(rule)
        return found

    for rule, spec in definition.items():
        for index, condition in enumerate(spec["all"]):
            ((_, expr),) = condition.items()
            where = f"{rule}#{index}"
            expressions[where] = 0
            add(root, expr, rule, where).betas.append(rule)
            if expressions[where] > MAX_EXPRESSIONS:
                return [rule], (
                    f"a condition with {expressions[where]} value lists, 'not' lists and joins; "
                    f"durable_rules allows {MAX_EXPRESSIONS} per condition (error 113)"
                )

    seen: set[int] = set()
    every: list[_Node] = []
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        every.append(node)
        todo.extend(node.children.values())
        todo.extend(node.forwards)
    for node in every:
        if len(node.children) > MAX_CHILDREN:
            return node.owners, f"{len(node.children)} different tests after one shared test; durable_rules allows {MAX_CHILDREN}"
        if len(node.betas) > MAX_BETAS:
            return node.betas, f"{len(node.betas)} conditions end on the same tests; durable_rules allows {MAX_BETAS}"
    peak, worst = _pending(root)
    if peak > MAX_PENDING:
        return worst.owners, (
            f"a fact can leave {peak} tests pending at once (value lists, 'not' tests and joins on one fact); "
            f"durable_rules allows {MAX_PENDING} and corrupts its heap past that"
        )
    return None


def _pushed(node: _Node) -> tuple[int, int]:
    """How many hashed children a fact can make ``node`` push at most, and how many forward nodes.

    Per field, of the equality tests on distinct values one matches at most; of the ``$neq`` tests all
    but one can match; joins and forward nodes are always pushed. Combining the worst case of every
    field (and, in ``_pending``, of every level) bounds what one fact can do from above.
    """
    equal: dict[str, set[str]] = defaultdict(set)
    unequal: dict[str, set[str]] = defaultdict(set)
    count = 0
    for field, operator, value in node.children:
        if operator == "$eq" and not value.startswith("join#"):
            equal[field].add(value)
        elif operator == "$neq" and not value.startswith("join#"):
            unequal[field].add(value)
        else:
            count += 1
    for field in set(equal) | set(unequal):
        count += len(unequal[field]) + (1 if equal[field] - unequal[field] else 0)
    return count, len(node.forwards)


def _pending(root: _Node) -> tuple[int, _Node]:
    """The most nodes pending on durable_rules' matching stack at once (an upper bound over every
    fact), and the node on that walk that pushes the most (whose rules are blamed).

    A popped node pushes its forward nodes first, then the children the fact matches, on top of
    what is pending; the walk goes depth first, so while one child's subtree is walked its siblings
    pushed before it stay pending. The matched children are therefore walked with at most every
    forward node and every other matched child below them, the forward nodes (walked last) with at
    most the other forward nodes below them.
    """
    memo: dict[int, tuple[int, _Node | None]] = {}

    def peak(node: _Node) -> int:
        found = memo.get(id(node))
        if found is not None:
            return found[0]
        memo[id(node)] = (0, None)  # the network is acyclic; this only guards against surprises
        hashed, forwards = _pushed(node)
        best, via = hashed + forwards, None
        for child in node.children.values():
            below = forwards + hashed - 1 + peak(child)
            if below > best:
                best, via = below, child
        for child in node.forwards:
            below = forwards - 1 + peak(child)
            if below > best:
                best, via = below, child
        memo[id(node)] = (best, via)
        return best

    total = max(1, peak(root))  # the root starts on the stack alone and is popped first
    crowded, most = root, -1
    node: _Node | None = root
    while node is not None:
        pushed = sum(_pushed(node))
        if pushed > most:
            crowded, most = node, pushed
        node = memo[id(node)][1]
    return total, crowded
