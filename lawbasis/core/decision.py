"""The answer: a frozen Decision assembled from the facts the rules derived (docs/reference/api.md).

Assembly is a fold over derived facts, not reasoning: which basis applies, whether an objection
stops processing and which window applies were all concluded by rules inside durable_rules. This
module only gathers them, checks that the rules did not contradict each other, and renders them.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

import attrs

from lawbasis.core.activity import Activity
from lawbasis.core.calendar import window_end
from lawbasis.core.errors import EngineError
from lawbasis.core.vocabulary import ARTICLES

if TYPE_CHECKING:  # the rule file types, for annotations only: core imports nothing above it
    from lawbasis.engine.rulefile import Cite, Rule

SEVERITY_ORDER = {"violation": 0, "warning": 1, "info": 2}


def _py(value: str) -> Any:
    """A fact value back in its JSON type."""
    if value == "true":
        return True
    if value == "false":
        return False
    if value == "null":
        return None
    return value


@attrs.frozen
class Basis:
    letter: str
    stated_in_policy: bool
    #: ended by an objection, an erasure request or a corporate event (it stays a basis; processing
    #: may not rest on it any more)
    stopped: bool = False

    @property
    def article(self) -> str:
        return ARTICLES[self.letter][0]

    @property
    def name(self) -> str:
        return ARTICLES[self.letter][1]

    @property
    def dpv(self) -> str:
        return ARTICLES[self.letter][2]

    def to_dict(self) -> dict[str, Any]:
        return {
            "letter": self.letter,
            "article": self.article,
            "name": self.name,
            "stated_in_policy": self.stated_in_policy,
            "dpv": self.dpv,
            "stopped": self.stopped,
        }


@attrs.frozen
class Objection:
    applies: str | None
    continues: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"applies": self.applies, "continues": self.continues, "reason": self.reason}


@attrs.frozen
class Retention:
    period: str | None
    from_: str | None
    action: str
    until: _dt.date | None
    extended: bool
    stated_in_policy: bool
    #: the window's end ignoring holds (``until`` is null while a hold extends the window)
    window_until: _dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "from": self.from_,
            "action": self.action,
            "until": self.until.isoformat() if self.until else None,
            "window_until": self.window_until.isoformat() if self.window_until else None,
            "extended": self.extended,
            "stated_in_policy": self.stated_in_policy,
        }


@attrs.frozen
class Finding:
    code: str
    severity: str
    message: str
    cites: tuple[Cite, ...]
    rule: str

    def to_dict(self) -> dict[str, Any]:
        from lawbasis.render import cite_text  # the renderer imports nothing of lawbasis: no cycle

        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "cites": [cite_text(c) for c in self.cites],
        }


@attrs.frozen
class TraceStep:
    rule: str
    concluded: dict[str, Any]
    cites: tuple[Cite, ...]
    #: the id of the lower layer's rule this one replaced (``replaces:``); None for most rules
    replaces: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"rule": self.rule, "concluded": self.concluded, "cites": [c.to_dict() for c in self.cites]}
        if self.replaces is not None:
            out["replaces"] = self.replaces
        return out


@attrs.frozen
class Decision:
    """What the rules concluded for one activity. ``to_dict()`` is the JSON ``lawbasis evaluate`` prints (docs/reference/cli.md)."""

    policy: str
    purpose: str
    lawful: str
    bases: tuple[Basis, ...]
    objection: Objection
    may_process: bool
    retention: Retention
    findings: tuple[Finding, ...]
    trace: tuple[TraceStep, ...]
    activity: Activity = attrs.field(eq=False, repr=False)
    as_of: _dt.date = attrs.field(eq=False, repr=False)
    lawful_reasons: tuple[str, ...] = attrs.field(default=(), eq=False, repr=False)
    may_process_reasons: tuple[str, ...] = attrs.field(default=(), eq=False, repr=False)
    #: what to do with the data on ``as_of``: ``keep``, ``delete``, ``anonymise`` or ``hold`` (the
    #: rules ``gdpr/today/*``)
    action_today: str = "keep"

    @property
    def basis_letters(self) -> list[str]:
        return [b.letter for b in self.bases]

    @property
    def finding_codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def fired(self) -> list[str]:
        """The ids of every rule that fired, in order."""
        return [step.rule for step in self.trace]

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "purpose": self.purpose,
            "lawful": self.lawful,
            "bases": [b.to_dict() for b in self.bases],
            "objection": self.objection.to_dict(),
            "may_process": self.may_process,
            "action_today": self.action_today,
            "retention": self.retention.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "trace": [t.to_dict() for t in self.trace],
        }

    def explain(self) -> str:
        """A readable account of the decision: conclusions first, then each rule that fired."""
        from lawbasis.render import explain

        return explain(self)

    def _repr_html_(self) -> str:
        from lawbasis.render import to_html

        return to_html(self)


def assemble(
    activity: Activity,
    as_of: _dt.date,
    records: list[tuple[str, dict[str, str], Rule]],
    trace: list[tuple[Rule, list[tuple[str, dict[str, str]]]]],
) -> Decision:
    """Fold the derived facts into a Decision, refusing contradictions between rules."""
    by_kind: dict[str, list[tuple[dict[str, str], Rule]]] = {}
    for kind, values, rule in records:
        by_kind.setdefault(kind, []).append((values, rule))

    def single(kind: str, fields: tuple[str, ...]) -> tuple[dict[str, str], list[str]] | None:
        items = by_kind.get(kind, [])
        if not items:
            return None
        distinct = {tuple(v.get(f) for f in fields) for v, _ in items}
        if len(distinct) > 1:
            rules = ", ".join(sorted({f"{r.id} ({r.file})" for _, r in items}))
            raise EngineError(f"rules disagree on {kind} for {activity.policy}/{activity.purpose}: {sorted(distinct)} ({rules})")
        reasons = []
        for v, _ in items:
            if "reason" in v and v["reason"] not in reasons:
                reasons.append(v["reason"])
        return items[0][0], reasons

    letters: dict[str, bool] = {}
    for values, _ in by_kind.get("basis", []):
        letters[values["letter"]] = letters.get(values["letter"], False) or values["stated"] == "true"
    stopped = {values["letter"] for values, _ in by_kind.get("stopped", [])}
    bases = tuple(Basis(letter, letters[letter], letter in stopped) for letter in sorted(letters))

    lawful = single("lawful", ("value",))
    objection = single("objection", ("applies", "continues"))
    may = single("may_process", ("value",))
    today = single("today", ("action",))
    missing = [k for k, v in (("lawful", lawful), ("objection", objection), ("may_process", may), ("today", today)) if v is None]
    if missing:
        raise EngineError(f"no rule concluded {', '.join(missing)} for {activity.policy}/{activity.purpose}")
    assert lawful and objection and may and today

    retention_fact = single("retention", ("period", "from", "action", "stated"))
    window = single("window", ("status", "until", "window_until"))
    if retention_fact is None:
        retention = Retention(None, None, "delete", None, bool(window and window[0]["status"] == "held"), False)
    else:
        values = retention_fact[0]
        until = _py(window[0]["until"]) if window else None
        window_until = _py(window[0]["window_until"]) if window else None
        retention = Retention(
            period=_py(values["period"]),
            from_=_py(values["from"]),
            action=values["action"],
            until=_dt.date.fromisoformat(until) if until else None,
            extended=bool(window and window[0]["status"] == "held"),
            stated_in_policy=values["stated"] == "true",
            window_until=_dt.date.fromisoformat(window_until) if window_until else None,
        )

    rules_by_id = {rule.id: rule for _, _, rule in records}
    findings: dict[str, Finding] = {}
    about: dict[str, list[str]] = {}  # the bases a finding is about, in letter order
    for values, _ in by_kind.get("finding", []):
        if "letter" in values and values["letter"] not in about.setdefault(values["code"], []):
            about[values["code"]].append(values["letter"])
    for values, rule in by_kind.get("finding", []):
        if values["code"] in findings:
            continue
        message = values["message"]
        if about.get(values["code"]):
            message += " Bases concerned: " + ", ".join(ARTICLES[letter][0] for letter in sorted(about[values["code"]])) + "."
        period, anchor = values.get("statutory_period"), values.get("statutory_from")
        if period and anchor and period != "null" and anchor != "null":
            end = window_end(period, anchor, activity.dates)
            message += f" Statutory window: {period} from {anchor}" + (f", until {end.isoformat()}." if end else ".")
        cites = rule.cites
        quoted = rules_by_id.get(values.get("cites_rule", ""))
        if quoted is not None:  # the policy clause the finding is about, beside the law
            cites = (*(c for c in quoted.cites if c.quote is not None), *cites)
        findings[values["code"]] = Finding(values["code"], values["severity"], message, cites, rule.id)
    ordered = tuple(sorted(findings.values(), key=lambda f: (SEVERITY_ORDER[f.severity], f.code)))

    steps = []
    for rule, concluded in trace:
        out: dict[str, Any] = {}
        for kind, values in concluded:
            rendered = {k: _py(v) for k, v in values.items()}
            if kind in out:
                existing = out[kind]
                out[kind] = (existing if isinstance(existing, list) else [existing]) + [rendered]
            else:
                out[kind] = rendered
        steps.append(TraceStep(rule.id, out, rule.cites, rule.replaces))

    return Decision(
        policy=activity.policy,
        purpose=activity.purpose,
        lawful=lawful[0]["value"],
        bases=bases,
        objection=Objection(_py(objection[0]["applies"]), objection[0]["continues"] == "true", objection[0]["reason"]),
        may_process=may[0]["value"] == "true",
        retention=retention,
        findings=ordered,
        trace=tuple(steps),
        activity=activity,
        as_of=as_of,
        lawful_reasons=tuple(lawful[1]),
        may_process_reasons=tuple(may[1]),
        action_today=today[0]["action"],
    )
