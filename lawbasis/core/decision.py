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
    #: the window's status on ``as_of`` as the calendar step found it: ``open``, ``closed``, ``held``,
    #: ``unknown`` (the anchor date is missing) or ``open_ended`` (no period); None when the rules chose
    #: no window and hold nothing (see docs/explanation/legal-model.md)
    status: str | None = None
    #: the ``dates`` keys whose dates cut the window short (objection, withdrawal, erasure), scheduled
    #: ones included, in the order the rules concluded them; the window ends at the earliest of these
    #: dates and anchor + period
    cuts: tuple[str, ...] = ()

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
    status = window[0]["status"] if window else None
    cuts = _window_cuts(activity, trace)
    if retention_fact is None:
        retention = Retention(None, None, "delete", None, status == "held", False, status=status, cuts=cuts)
    else:
        values = retention_fact[0]
        until = _py(window[0]["until"]) if window else None
        window_until = _py(window[0]["window_until"]) if window else None
        retention = Retention(
            period=_py(values["period"]),
            from_=_py(values["from"]),
            action=values["action"],
            until=_dt.date.fromisoformat(until) if until else None,
            extended=status == "held",
            stated_in_policy=values["stated"] == "true",
            window_until=_dt.date.fromisoformat(window_until) if window_until else None,
            status=status,
            cuts=cuts,
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


def _window_cuts(activity: Activity, trace: list[tuple[Rule, list[tuple[str, dict[str, str]]]]]) -> tuple[str, ...]:
    """The date keys of the cuts the calendar step applied: every cut concluded up to the step that
    concluded the window (that step lists the cuts scheduled events will make), whose date is known."""
    found: list[str] = []
    for _, concluded in trace:
        for kind, values in concluded:
            if kind == "cut" and values["date"] in activity.dates and values["date"] not in found:
                found.append(values["date"])
        if any(kind == "window" for kind, _ in concluded):
            return tuple(found)
    return ()


#: The conclusion columns of one decision (:func:`conclusions`), in order: the columns of
#: :func:`lawbasis.explore.grid` and, without ``objection_reason``, of :mod:`lawbasis.bulk`.
CONCLUSIONS = (
    "lawful",
    "bases",
    "bases_stopped",
    "objection_applies",
    "objection_continues",
    "objection_reason",
    "may_process",
    "retention_period",
    "retention_from",
    "retention_action",
    "retention_until",
    "extended",
    "findings",
    "action_today",
)


def conclusions(decision: Decision) -> dict[str, Any]:
    """The conclusions of one decision as flat, table-friendly values (the columns :data:`CONCLUSIONS`).

    >>> import lawbasis
    >>> d = lawbasis.evaluate({"policy": "jetpak-se", "purpose": "bookkeeping",
    ...                        "dates": {"fiscal_year_end": "2023-06-30"}, "as_of": "2026-01-01"})
    >>> c = conclusions(d)
    >>> c["bases"], c["objection_applies"], c["retention_until"]
    ('c', None, datetime.date(2030, 12, 31))
    """
    r = decision.retention
    return {
        "lawful": decision.lawful,
        "bases": ",".join(decision.basis_letters),
        "bases_stopped": ",".join(b.letter for b in decision.bases if b.stopped),
        "objection_applies": decision.objection.applies,
        "objection_continues": decision.objection.continues,
        "objection_reason": decision.objection.reason,
        "may_process": decision.may_process,
        "retention_period": r.period,
        "retention_from": r.from_,
        "retention_action": r.action,
        "retention_until": r.until,
        "extended": r.extended,
        "findings": ",".join(decision.finding_codes),
        "action_today": decision.action_today,
    }
