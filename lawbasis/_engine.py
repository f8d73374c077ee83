"""The engine: rule files -> durable_rules rulesets -> one synchronous session per evaluation.

The wrapper makes the traps of durable_rules 2.0.28 unreachable (see docs/explanation/engine.md):

* no background threads: ``_SyncHost`` never starts the dispatcher that reads freed session state;
* one live session at a time, under a lock, always deleted in ``finally``: the 1024-session cap and
  the 32-bit sid hash collisions cannot be reached, and no state survives into the next call;
* stratified negation: phase markers are asserted one stratum at a time (see ``_compiler``);
* typed values: the activity is validated (``Activity``) and every value is a vocabulary string;
* swallowed action errors: actions record their own failures, the session state is checked for an
  ``exception`` afterwards, and either becomes an ``EngineError``;
* limits: checked at compile time, before durable_rules sees the ruleset.
"""
from __future__ import annotations

import datetime as _dt
import itertools
import threading
import warnings
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import durable_rules_engine
from durable import engine as _durable

from ._activity import DATE_KEYS, SCHEDULED_EVENTS, Activity
from ._calendar import window_end
from ._compiler import CompiledPolicy, CompiledRule, compile_policy
from ._decision import Decision, assemble
from ._errors import EngineError, InputError, LawbasisError, UnknownPolicyError, UnknownPurposeError
from ._rulefile import Cite, Policy, Purpose, Rule, RuleBase, load_directory

# durable_rules calls the deprecated datetime.utcfromtimestamp on every action (Python 3.12+).
warnings.filterwarnings("ignore", category=DeprecationWarning, module="durable.engine")

_SID = "s1"
_CALENDAR_RULE = Rule(
    "calendar/window",
    "(built in)",
    "",
    (),
    (),
    (),
    (
        Cite(law="Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c) (calendar months, clamped to the month's last day)"),
        Cite(law="GDPR Art. 5(1)(e)"),
    ),
)
_CLOCK_RULE = Rule(
    "calendar/statutory-duty",
    "(built in)",
    "",
    (),
    (),
    (),
    (
        Cite(law="Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c) (calendar months, clamped to the month's last day)"),
        Cite(law="GDPR Art. 6(1)(c)"),
    ),
)



def default_rules_dir() -> Path:
    """The rule directory shipped inside the installed package (``lawbasis/rules``).

    In a source checkout that has not been installed, the top-level ``rules/`` beside the package.
    """
    shipped = Path(str(resources.files("lawbasis"))) / "rules"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "rules"


class _SyncHost(_durable.Host):  # type: ignore[misc]
    """A durable_rules Host that never starts its dispatcher threads."""

    def _run(self) -> None:  # the stock Host starts two re-arming timer threads here
        return


_Record = tuple[str, dict[str, str], Rule]  # (kind, values, rule that concluded it)
_Step = tuple[Rule, list[tuple[str, dict[str, str]]]]  # (rule, what it concluded)
_Scheduled = tuple[dict[str, str], Rule]  # a cut a scheduled event will make, and the rule that makes it


@attrs.define
class _Session:
    """The state of one evaluation: what was derived, in order."""

    activity: Activity
    as_of: _dt.date
    records: list[tuple[str, dict[str, str], Rule]] = attrs.field(factory=list)
    trace: list[tuple[Rule, list[tuple[str, dict[str, str]]]]] = attrs.field(factory=list)
    seen: set[tuple[Any, ...]] = attrs.field(factory=set)
    errors: list[str] = attrs.field(factory=list)
    before_calendar: int = 0  # how many records came before the calendar step


@attrs.frozen
class PolicyInfo:
    """A policy as ``Engine.policies()`` lists it."""

    id: str
    controller: str
    language: str
    country: str
    purposes: tuple[Purpose, ...]


class Engine:
    """Evaluates activities against the rules of one rule directory.

    ``memo_size`` bounds the memo of what durable_rules concluded for each combination of discrete
    facts and window status (entries per level, oldest forgotten first); a combination seen before is
    answered without running the rules again, with the calendar redone for the activity's own dates.
    ``0`` turns the memo off. Answers are the same either way (``tests/test_memo.py``).
    ``runs`` and ``memo_hits`` count durable_rules sessions and answers from the memo.

    >>> engine = Engine()
    >>> d = engine.evaluate({"policy": "jetpak-se", "purpose": "bookkeeping",
    ...                      "dates": {"fiscal_year_end": "2023-06-30"}})
    >>> d.basis_letters, d.retention.until.isoformat()
    (['c'], '2030-12-31')
    """

    _instances = itertools.count(1)

    def __init__(self, rules_dir: str | Path | None = None, *, memo_size: int = 4096) -> None:
        self.rules_dir = Path(rules_dir) if rules_dir is not None else default_rules_dir()
        if isinstance(memo_size, bool) or not isinstance(memo_size, int) or memo_size < 0:
            raise InputError("memo_size", memo_size, "an integer >= 0 (0: no memo)", "not a size")
        #: combinations remembered (per level, oldest forgotten first); 0 runs durable_rules every time
        self.memo_size = memo_size
        self._memo_lower: dict[tuple[Any, ...], list[tuple[str, dict[str, str], Rule]]] = {}
        self._memo_full: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._closed = False
        self.runs = 0  #: durable_rules sessions run so far
        self.memo_hits = 0  #: evaluations answered from the memo
        self._base: RuleBase = load_directory(self.rules_dir)
        self._lock = threading.RLock()
        self._session: _Session | None = None
        self._host = _SyncHost()
        self._compiled: dict[str, CompiledPolicy] = {}
        serial = next(self._instances)
        for policy_id in sorted(self._base.policies):
            compiled = compile_policy(self._base, policy_id, f"lawbasis{serial}:{policy_id}")
            definition: dict[str, Any] = compiled.definition()
            for rule in compiled.rules:
                definition[rule.name]["run"] = self._action(rule, compiled.read_kinds)
            for spec in definition.values():
                spec.setdefault("run", _never)
            try:
                self._host.set_rulesets({compiled.ruleset_name: definition})
            except Exception as exc:  # durable_rules rejected what our checks let through
                raise EngineError(f"durable_rules rejected the ruleset for {policy_id}: {exc}") from None
            self._compiled[policy_id] = compiled

    # --- public -------------------------------------------------------------------------------

    @property
    def rulebase(self) -> RuleBase:
        return self._base

    def policies(self) -> list[PolicyInfo]:
        """Every loaded policy, sorted by id."""
        return [
            PolicyInfo(p.id, p.controller, p.language, p.country, tuple(p.purposes.values()))
            for p in sorted(self._base.policies.values(), key=lambda p: p.id)
        ]

    def policy(self, policy_id: str) -> Policy:
        if policy_id not in self._base.policies:
            raise UnknownPolicyError("policy", policy_id, ", ".join(sorted(self._base.policies)), "unknown policy")
        return self._base.policies[policy_id]

    def purposes(self, policy_id: str) -> list[Purpose]:
        """The purposes of one policy, in the order of its rule file, with their quoted headings."""
        return list(self.policy(policy_id).purposes.values())

    def compiled(self, policy_id: str) -> CompiledPolicy:
        self.policy(policy_id)
        return self._compiled[policy_id]

    def evaluate(self, facts: Activity | Mapping[str, Any]) -> Decision:
        """Decide one activity. Accepts an ``Activity`` or its JSON dict; raises ``LawbasisError``."""
        activity = Activity.from_dict(facts)
        policy = self.policy(activity.policy)
        if activity.purpose not in policy.purposes:
            raise UnknownPurposeError("purpose", activity.purpose, ", ".join(policy.purposes), f"not a purpose of {policy.id}")
        as_of = activity.as_of or _dt.date.today()
        with self._lock:
            if self._closed:
                raise EngineError("this engine was closed (Engine.close()); create a new Engine")
            compiled = self._compiled[policy.id]
            scheduled = self._scheduled_cuts(compiled, policy, activity, as_of)
            records, trace = self._conclude(compiled, policy, activity, as_of, scheduled)
        return assemble(activity, as_of, records, trace)

    def _conclude(
        self, compiled: CompiledPolicy, policy: Policy, activity: Activity, as_of: _dt.date, scheduled: tuple[_Scheduled, ...] = ()
    ) -> tuple[list[_Record], list[_Step]]:
        """What the rules conclude for the activity as it stands on ``as_of`` (from the memo if seen)."""
        fact = self._activity_fact(activity, policy, as_of)
        duties = _duty_facts(compiled.duties, activity, as_of)
        key = (policy.id, tuple(fact.values()), tuple(d["status"] for d in duties))
        recalled = self._recall(key, compiled, activity, as_of, scheduled) if self.memo_size else None
        if recalled is not None:
            self.memo_hits += 1
            return recalled
        session = self._run(compiled, fact, duties, activity, as_of, scheduled)
        if self.memo_size:
            self._remember(key, compiled, session)
        return session.records, session.trace

    def _scheduled_cuts(self, compiled: CompiledPolicy, policy: Policy, activity: Activity, as_of: _dt.date) -> tuple[_Scheduled, ...]:
        """Cuts that events dated after ``as_of`` will make on their date.

        An event takes effect on its date: the decision as of ``as_of`` is the one without it, but the
        window still ends on its date where, once it has happened, the rules end every basis with it.
        Whether they do is asked of the rules themselves: the activity is decided again as of the
        event's date (later events still pending), and a cut the rules then make on that date is kept.
        """
        events = sorted((activity.dates[key], key) for key in SCHEDULED_EVENTS if key in activity.dates and activity.dates[key] > as_of)
        out: list[_Scheduled] = []
        for day, key in events:
            records, _ = self._conclude(compiled, policy, activity, day)
            out.extend((values, rule) for kind, values, rule in records if kind == "cut" and values["date"] == key)
        return tuple(out)

    def _run(
        self,
        compiled: CompiledPolicy,
        fact: dict[str, str],
        duties: list[dict[str, str]],
        activity: Activity,
        as_of: _dt.date,
        scheduled: tuple[_Scheduled, ...],
    ) -> _Session:
        """One durable_rules session: assert the activity, then the phase markers stratum by stratum."""
        session = _Session(activity, as_of)
        self._session = session
        self.runs += 1
        name = compiled.ruleset_name
        try:
            self._host.assert_fact(name, fact)
            for duty in duties:  # the rule that reads one (gdpr/legal-obligation/...) shows it in the trace
                self._host.assert_fact(name, {**duty, "rule": _CLOCK_RULE.id})
            for stratum in range(1, compiled.strata + 1):
                if stratum == compiled.calendar_stratum:
                    session.before_calendar = len(session.records)
                    window = _window_fact(session.records, activity, as_of, scheduled)
                    if window is not None:
                        session.records.append(("window", window, _CALENDAR_RULE))
                        session.trace.append(_calendar_step(window, scheduled))
                        self._host.assert_fact(name, {"sid": _SID, "t": "window", "rule": _CALENDAR_RULE.id, **window})
                self._host.assert_fact(name, {"sid": _SID, "t": "phase", "n": str(stratum)})
            state = self._host.get_state(name, _SID)
            if state.get("exception") and not session.errors:
                session.errors.append(str(state["exception"]))
        except LawbasisError:
            raise
        except Exception as exc:
            session.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self._session = None
            try:
                self._host.delete_state(name, _SID)
            except Exception:  # noqa: BLE001 - no session was created; nothing to clean
                pass
        if session.errors:
            raise EngineError(f"evaluating {activity.policy}/{activity.purpose} failed: {'; '.join(session.errors)}")
        return session

    # --- the memo -------------------------------------------------------------------------------
    #
    # durable_rules sees three kinds of fact from outside: the activity fact (discrete strings only:
    # enumerations, booleans, which dates are present), the phase markers (the same every time) and
    # the window fact (status and end date), computed by the calendar step from the retention, cut
    # and hold facts of the strata below it and the activity's dates. The actions are functions of
    # the facts they match. So the derived facts are a function of (activity fact, window fact), and
    # the facts below the calendar step a function of the activity fact alone. The memo keeps both:
    # for a known activity fact the calendar step runs on the remembered lower facts with this
    # activity's dates, and if that window was seen too, the remembered conclusions are reused with
    # this window's end date put in. When no rule of the policy reads the window's end date
    # (``CompiledPolicy.reads_window_until``), windows are told apart by status only. Nothing is
    # decided here: every remembered record was concluded by durable_rules.

    def _recall(
        self, key: tuple[Any, ...], compiled: CompiledPolicy, activity: Activity, as_of: _dt.date, scheduled: tuple[_Scheduled, ...]
    ) -> tuple[list[_Record], list[_Step]] | None:
        lower = self._memo_lower.get(key)
        if lower is None:
            return None
        window = _window_fact(lower, activity, as_of, scheduled)
        found = self._memo_full.get((key, _window_key(window, compiled)))
        if found is None:
            return None
        records, trace, at_record, at_step = found
        if window is not None:
            records, trace = list(records), list(trace)
            records[at_record] = ("window", window, _CALENDAR_RULE)
            trace[at_step] = _calendar_step(window, scheduled)
        return records, trace

    def _remember(self, key: tuple[Any, ...], compiled: CompiledPolicy, session: _Session) -> None:
        at_record = next((i for i, (_, _, rule) in enumerate(session.records) if rule is _CALENDAR_RULE), -1)
        window = session.records[at_record][1] if at_record >= 0 else None
        at_step = next((i for i, (rule, _) in enumerate(session.trace) if rule is _CALENDAR_RULE), -1)
        for memo in (self._memo_lower, self._memo_full):
            while len(memo) >= self.memo_size:
                del memo[next(iter(memo))]  # the oldest entry
        self._memo_lower[key] = list(session.records[: session.before_calendar])
        self._memo_full[(key, _window_key(window, compiled))] = (list(session.records), list(session.trace), at_record, at_step)

    def clear_memo(self) -> None:
        """Forget every remembered combination (the next evaluations run durable_rules again)."""
        with self._lock:
            self._memo_lower.clear()
            self._memo_full.clear()

    def evaluate_many(self, items: Iterable[Activity | Mapping[str, Any]]) -> list[Decision]:
        return [self.evaluate(item) for item in items]

    def close(self) -> None:
        """Free the rulesets' native memory. The engine cannot be used afterwards."""
        with self._lock:
            for compiled in self._compiled.values():
                ruleset = self._host._ruleset_directory.pop(compiled.ruleset_name, None)
                if ruleset is not None:
                    self._host._ruleset_list.remove(ruleset)
                    durable_rules_engine.delete_ruleset(ruleset._handle)
            self._compiled = {}
            self._closed = True
            self._memo_lower.clear()
            self._memo_full.clear()

    # --- internals ----------------------------------------------------------------------------

    @staticmethod
    def _activity_fact(activity: Activity, policy: Policy, as_of: _dt.date) -> dict[str, str]:
        """The activity as durable_rules sees it: discrete values only, as they stand on ``as_of``.

        Dates become flags (``has_<key>``: given; ``passed_<key>``: on or before ``as_of``). A
        withdrawal or objection dated after ``as_of`` has not happened yet: ``consent`` is then
        ``given`` and ``objection`` ``none``, and ``scheduled_*`` says that the event is coming.
        """
        dates = activity.dates
        withdrawal = dates.get("consent_withdrawn")
        objection = dates.get("objection_received")
        withdrawal_scheduled = withdrawal is not None and withdrawal > as_of
        objection_scheduled = objection is not None and objection > as_of
        fact = {
            "sid": _SID,
            "t": "activity",
            "purpose": activity.purpose,
            "country": policy.country,
            "customer_status": activity.customer_status,
            "channel": activity.channel or "null",
            "consent": "given" if withdrawal_scheduled else activity.consent,
            "objection": "none" if objection_scheduled else activity.objection,
            "corporate_event": activity.corporate_event,
        }
        for field in ("personalised", "compelling_grounds", "dispute", "special_category", "erasure_requested", "acquirer_similar"):
            fact[field] = "true" if getattr(activity, field) else "false"
        for key in DATE_KEYS:
            fact[f"has_{key}"] = "true" if key in dates else "false"
        for key in DATE_KEYS:
            fact[f"passed_{key}"] = "true" if key in dates and dates[key] <= as_of else "false"
        fact["scheduled_consent_withdrawal"] = "true" if withdrawal_scheduled else "false"
        fact["scheduled_objection"] = "true" if objection_scheduled else "false"
        return fact

    def _action(self, compiled: CompiledRule, read_kinds: frozenset[str]) -> Any:
        rule = compiled.rule
        bindings = compiled.bindings
        then = rule.then

        def act(c: Any) -> None:
            session = self._session
            if session is None:  # only reachable if durable_rules ran an action outside evaluate()
                return
            try:
                matched = c._m
                bound = {var: matched[alias][field] for var, (alias, field) in bindings.items()}
                concluded = []
                for kind, fields in then:
                    values = {f: (bound[v] if v.startswith("$") else v) for f, v in fields.items()}
                    key = (kind, rule.id, tuple(sorted(values.items())))
                    if key in session.seen:
                        continue
                    session.seen.add(key)
                    if kind in read_kinds:  # a fact no condition matches would only reach its sink
                        c.assert_fact({"sid": _SID, "t": kind, "rule": rule.id, **values})
                    session.records.append((kind, values, rule))
                    concluded.append((kind, values))
                if concluded:
                    session.trace.append((rule, concluded))
            except BaseException as exc:  # durable_rules would swallow it into the state
                session.errors.append(f"rule {rule.id}: {type(exc).__name__}: {exc}")

        return act

def _window_fact(records: list[_Record], activity: Activity, as_of: _dt.date, scheduled: tuple[_Scheduled, ...] = ()) -> dict[str, str] | None:
    """Calendar step between strata: turn the chosen window into an end date and a status."""
    retentions = [(v, r) for k, v, r in records if k == "retention"]
    held = any(k == "hold" for k, _, _ in records)
    if not retentions:  # no window; a hold still keeps the data (for the claim only)
        return {"status": "held", "until": "null", "window_until": "null"} if held else None
    distinct = {(v["period"], v["from"]) for v, _ in retentions}
    if len(distinct) > 1:
        raise EngineError(
            f"rules disagree on the retention window for {activity.policy}/{activity.purpose}: "
            + ", ".join(sorted({r.id for _, r in retentions}))
        )
    values = retentions[0][0]
    dates = activity.dates
    until: _dt.date | None = None
    if values["period"] != "null" and values["from"] != "null":
        until = window_end(values["period"], values["from"], dates)
    cuts = [dates[v["date"]] for k, v, _ in records if k == "cut" and v["date"] in dates]
    cuts += [dates[v["date"]] for v, _ in scheduled]
    if cuts:
        until = min([*cuts, *([until] if until else [])])
    if held:
        status, shown = "held", None
    elif until is None:
        status, shown = ("open_ended" if values["period"] == "null" else "unknown"), None
    else:
        status, shown = ("closed" if as_of > until else "open"), until
    return {
        "status": status,
        "until": shown.isoformat() if shown else "null",
        "window_until": until.isoformat() if until else "null",
    }


def _calendar_step(window: dict[str, str], scheduled: tuple[_Scheduled, ...]) -> _Step:
    """The calendar's trace step: the window, and the cuts that scheduled events will make."""
    concluded = [("window", window)]
    concluded += [("cut", {**values, "scheduled": "true", "decided_by": rule.id}) for values, rule in scheduled]
    return (_CALENDAR_RULE, concluded)


def _duty_facts(duties: tuple[tuple[str, str], ...], activity: Activity, as_of: _dt.date) -> list[dict[str, str]]:
    """Clock step before the first stratum: whether each statutory duty still runs on ``as_of``."""
    out = []
    for period, anchor in duties:
        end = window_end(period, anchor, activity.dates)
        status = "unknown" if end is None else ("ended" if as_of > end else "running")
        out.append({"sid": _SID, "t": "duty", "period": period, "from": anchor, "status": status})
    return out


def _window_key(window: dict[str, str] | None, compiled: CompiledPolicy) -> tuple[str, ...] | None:
    if window is None:
        return None
    return (window["status"], window["until"]) if compiled.reads_window_until else (window["status"],)


def _never(c: Any) -> None:  # sinks never fire; durable_rules still wants an action
    return


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The shared engine over the built-in rules, created on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Engine()
    return _default


def evaluate(facts: Activity | Mapping[str, Any]) -> Decision:
    """Decide one activity with the built-in rules (SPEC section 5).

    >>> d = evaluate({"policy": "jetpak-dk", "purpose": "marketing", "customer_status": "prospect",
    ...               "channel": "email", "consent": "none"})
    >>> d.lawful, d.may_process
    ('no', False)
    """
    return default_engine().evaluate(facts)


def evaluate_many(items: Iterable[Activity | Mapping[str, Any]]) -> list[Decision]:
    """Decide many activities with the built-in rules; answers equal ``evaluate`` item by item."""
    return default_engine().evaluate_many(items)


__all__ = ["Engine", "PolicyInfo", "default_engine", "default_rules_dir", "evaluate", "evaluate_many", "InputError"]
