"""Where two policies (two language versions of one policy) give different answers.

For every purpose id both policies define, the engine decides each combination of the fact grid
(see ``_report``: reachable rules and value classes, here taken over the rules of both policies)
under both policies, with one fixed set of dates, and compares the answers aspect by aspect:
``lawful``, the basis letters (and which are stopped), the objection outcome (applies / continues),
``may_process``, ``action_today``, the retention window (period, anchor, end action, end date) and
each finding code with its severity.

Combinations with the same difference in the same aspect form one row; the facts that vary across
them are described compactly, and each side names the policy clauses (verbatim quotes from the
rules that fired) behind its answer, preferring the rules the other side did not fire alike.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from lawbasis.analysis.report import REPORT_HELD, describe, purpose_grid
from lawbasis.core.decision import Decision, TraceStep
from lawbasis.core.errors import InputError

if TYPE_CHECKING:
    from lawbasis.engine.host import Engine

#: Facts the diff holds at one value rather than varying. The Art. 9 and Art. 17 rules are law rules
#: both versions share, and varying these two on jetpak-dk/jetpak-se gave the same rows at 5.3 times
#: the evaluations; ``lawbasis report`` varies them. The facts the report itself holds (the soft opt-in
#: conditions, the Art. 9(2) condition, the recipient) are held here too.
DIFF_FIXED_FACTS: dict[str, Any] = {"special_category": False, "erasure_requested": False, **REPORT_HELD}

#: The day every diff evaluation is asked on.
DIFF_AS_OF = _dt.date(2025, 3, 1)

#: The dates every combination carries (in the order the facts require: contact collected first;
#: docs/reference/facts.md).
DIFF_DATES: dict[str, str] = {
    "contact_collected": "2024-01-15",
    "contract_ended": "2024-06-30",
    "relationship_ended": "2024-06-30",
    "fiscal_year_end": "2023-12-31",
    "recorded": "2024-03-01",
    "competition_ended": "2024-05-31",
    "registered": "2024-02-01",
}
#: Added only where the facts allow them: a withdrawal date when consent is withdrawn, an objection
#: date when an objection was received.
CONSENT_WITHDRAWN = "2024-09-15"
OBJECTION_RECEIVED = "2024-10-01"

#: Which derived facts explain each aspect (for choosing the clauses to show).
_ASPECT_KINDS: dict[str, frozenset[str]] = {
    "lawful": frozenset({"candidate", "blocked", "consent_required", "flag", "lawful"}),
    "bases": frozenset({"candidate", "blocked", "consent_required", "basis", "stopped"}),
    "objection": frozenset({"flag", "objection", "candidate"}),
    "may_process": frozenset({"stop", "stopped", "cut", "hold", "retention", "candidate", "consent_required", "flag"}),
    "action_today": frozenset({"today", "stop", "stopped", "cut", "hold", "retention"}),
    "retention": frozenset({"retention", "cut", "hold", "statutory"}),
}
_ASPECTS = ("lawful", "bases", "objection", "may_process", "action_today", "retention")


@attrs.frozen
class Clause:
    rule: str
    quote: str
    section: str | None
    #: the language of the quoted text (``lang`` of the rendered quote); not part of the JSON
    language: str | None = attrs.field(default=None, eq=False)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "section": self.section, "quote": self.quote}


@attrs.frozen
class DiffRow:
    """One difference: in ``aspect`` of ``purpose``, policy A answers ``a`` and policy B ``b``."""

    purpose: str
    aspect: str
    a: str
    b: str
    when: tuple[str, ...]
    combinations: int
    clauses_a: tuple[Clause, ...]
    clauses_b: tuple[Clause, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "aspect": self.aspect,
            "a": self.a,
            "b": self.b,
            "when": list(self.when),
            "combinations": self.combinations,
            "clauses_a": [c.to_dict() for c in self.clauses_a],
            "clauses_b": [c.to_dict() for c in self.clauses_b],
        }


def diff_facts(policy: str, purpose: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The full activity for one grid point: the fixed facts and the fixed dates it allows."""
    dates = dict(DIFF_DATES)
    if facts.get("consent") == "withdrawn":
        dates["consent_withdrawn"] = CONSENT_WITHDRAWN
    if facts.get("objection", "none") != "none":
        dates["objection_received"] = OBJECTION_RECEIVED
    return {"policy": policy, "purpose": purpose, **DIFF_FIXED_FACTS, **facts, "dates": dates, "as_of": DIFF_AS_OF.isoformat()}


def aspects(d: Decision) -> dict[str, str]:
    """The answer of one decision, aspect by aspect, as comparable strings."""
    r = d.retention
    if r.period is None and r.from_ is None:
        window = "no window" if r.stated_in_policy else "not stated"
    else:
        window = f"{r.period or '-'} from {r.from_ or '-'}"
    until = "held (dispute)" if r.extended else (r.until.isoformat() if r.until else "unknown")
    out = {
        "lawful": d.lawful,
        "bases": ", ".join(b.letter + (" (stopped)" if b.stopped else "") for b in d.bases) or "none",
        "objection": f"{('Art. ' + d.objection.applies) if d.objection.applies else 'no right to object'}, "
        + ("continues" if d.objection.continues else "stops"),
        "may_process": "yes" if d.may_process else "no",
        "action_today": d.action_today,
        "retention": f"{window}, {r.action}, until {until}",
    }
    for f in d.findings:
        out[f"finding {f.code}"] = f.severity
    return out


def _own_quotes(step: TraceStep, policy: str) -> list[Clause]:
    return [
        Clause(step.rule, c.quote, c.section, c.language)
        for c in step.cites
        if c.quote is not None and (c.policy is None or c.policy == policy)
    ]


def _relevant(d: Decision, aspect: str) -> list[TraceStep]:
    if aspect.startswith("finding "):
        code = aspect.split(" ", 1)[1]

        def concluded_code(step: TraceStep) -> bool:
            found = step.concluded.get("finding")
            items = found if isinstance(found, list) else [found] if found else []
            return any(isinstance(i, dict) and i.get("code") == code for i in items)

        return [s for s in d.trace if concluded_code(s)]
    kinds = _ASPECT_KINDS[aspect]
    return [s for s in d.trace if kinds & set(s.concluded)]


def _signature(step: TraceStep, kinds: frozenset[str] | None) -> str:
    suffix = step.rule.split("/", 1)[1] if "/" in step.rule else step.rule
    concluded = {k: v for k, v in step.concluded.items() if kinds is None or k in kinds}
    return suffix + json.dumps(concluded, sort_keys=True, ensure_ascii=False, default=str)


def _clauses(mine: Decision, other: Decision, aspect: str) -> list[Clause]:
    """The policy clauses behind one side's answer, preferring those the other side lacks."""
    kinds = None if aspect.startswith("finding ") else _ASPECT_KINDS[aspect]
    steps = _relevant(mine, aspect)
    others = {_signature(s, kinds) for s in _relevant(other, aspect)}
    differing = [s for s in steps if _signature(s, kinds) not in others]
    chosen = differing if any(_own_quotes(s, mine.policy) for s in differing) else steps
    quoted = [c for s in chosen for c in _own_quotes(s, mine.policy)]
    if quoted or not aspect.startswith("finding "):
        return quoted
    # a finding the law rules raise: show the provisions it rests on
    return [Clause(s.rule, c.law, None) for s in chosen for c in s.cites if c.law is not None]


def _dedupe(items: Iterable[Clause]) -> tuple[Clause, ...]:
    return tuple(dict.fromkeys(items))


def diff_rows(engine: Engine, policy_a: str, policy_b: str) -> list[DiffRow]:
    """Every difference between two policies' answers on the purposes they share, with a given engine."""
    a, b = engine.policy(policy_a), engine.policy(policy_b)
    shared = [p for p in a.purposes if p in b.purposes]
    rows: list[DiffRow] = []
    for purpose in shared:
        grid = purpose_grid(engine, [policy_a, policy_b], purpose, fixed_facts=DIFF_FIXED_FACTS)
        groups: dict[tuple[str, str, str], tuple[list[tuple[int, ...]], list[Clause], list[Clause]]] = {}
        for point in grid.points():
            facts = grid.facts(point)
            da = engine.evaluate(diff_facts(policy_a, purpose, facts))
            db = engine.evaluate(diff_facts(policy_b, purpose, facts))
            sa, sb = aspects(da), aspects(db)
            findings = sorted({k for k in (*sa, *sb) if k.startswith("finding ")})
            for aspect in (*_ASPECTS, *findings):
                va, vb = sa.get(aspect, "-"), sb.get(aspect, "-")
                if va == vb:
                    continue
                points, ca, cb = groups.setdefault((aspect, va, vb), ([], [], []))
                points.append(point)
                ca.extend(_clauses(da, db, aspect))
                cb.extend(_clauses(db, da, aspect))
        order = {name: i for i, name in enumerate(_ASPECTS)}
        for (aspect, va, vb), (points, ca, cb) in sorted(
            groups.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0][0], kv[0][1], kv[0][2])
        ):
            rows.append(DiffRow(purpose, aspect, va, vb, tuple(describe(grid, points)), len(points), _dedupe(ca), _dedupe(cb)))
    return rows


@attrs.frozen
class PolicyDiff:
    """Where policy ``a`` and policy ``b`` answer differently: the rows, and the facts every row was asked with.

    Iterating gives the rows; ``to_dict()`` is the JSON of ``lawbasis diff --json``, ``to_text()`` and
    ``to_markdown()`` its readable forms, and notebooks show it as HTML.
    """

    a: str
    b: str
    rows: tuple[DiffRow, ...]
    as_of: _dt.date = DIFF_AS_OF
    dates: dict[str, str] = attrs.field(factory=lambda: dict(DIFF_DATES))
    consent_withdrawn: str = CONSENT_WITHDRAWN
    objection_received: str = OBJECTION_RECEIVED

    def __iter__(self) -> Iterator[DiffRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def severities(self) -> set[str]:
        """The severities of the findings either side raises where the two differ."""
        return {v for r in self.rows if r.aspect.startswith("finding ") for v in (r.a, r.b) if v != "-"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "as_of": self.as_of.isoformat(),
            "dates": dict(self.dates),
            "consent_withdrawn": self.consent_withdrawn,
            "objection_received": self.objection_received,
            "rows": [r.to_dict() for r in self.rows],
        }

    def to_text(self) -> str:
        from lawbasis.render import diff_text

        return diff_text(self)

    def to_markdown(self) -> str:
        from lawbasis.render import diff_markdown

        return diff_markdown(self)

    def _repr_html_(self) -> str:
        from lawbasis.render import diff_html

        return diff_html(self)


def diff(policy_a: str, policy_b: str, *, engine: Engine | None = None) -> PolicyDiff:
    """``lawbasis.diff``: where two policies (two language versions of one policy) answer differently.

    Every purpose both define is decided over its fact grid under both policies, on one day with one
    set of dates (``PolicyDiff.as_of`` and ``dates``); ``engine`` is the shared default one unless given.

    It evaluates a few thousand combinations (a minute or so for jetpak-dk against jetpak-se)::

        d = diff("jetpak-dk", "jetpak-se")
        print(d.to_text())
    """
    from lawbasis.engine.host import Engine, default_engine

    if engine is not None and not isinstance(engine, Engine):
        raise InputError("engine", engine, "a lawbasis.Engine, or None for the built-in rules", "not an engine")
    return PolicyDiff(policy_a, policy_b, tuple(diff_rows(engine or default_engine(), policy_a, policy_b)))
