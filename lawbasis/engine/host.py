"""The engine: rule files -> durable_rules rulesets -> one synchronous session per evaluation.

The wrapper makes the traps of durable_rules 2.0.28 unreachable (see docs/explanation/engine.md):

* no background threads: ``_SyncHost`` never starts the dispatcher that reads freed session state;
* one live session at a time, under a lock, always deleted in ``finally``: the 1024-session cap and
  the 32-bit sid hash collisions cannot be reached, and no state survives into the next call;
* stratified negation: the activity is asserted once per stratum, stamped with it (see ``compiler``);
* typed values: the activity is validated (``Activity``) and every value is a vocabulary string;
* swallowed action errors: actions record their own failures, the session state is checked for an
  ``exception`` afterwards, and either becomes an ``EngineError``;
* limits: checked at compile time, before durable_rules sees the ruleset;
* asynchronous exceptions: signal handlers are deferred while a session runs, every native
  call goes through ``_SyncHost._native``, and a call that ends abnormally marks the host poisoned:
  its sessions are never touched again and the rulesets are rebuilt on a new host;
* fork: the child gets new locks, and a host that was in use by another thread is rebuilt;
* memory: ``close()``, ``with Engine() as e:`` or the finaliser free the native rulesets.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as _dt
import itertools
import json
import os
import signal
import threading
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from importlib import import_module, resources
from pathlib import Path
from typing import Any

import attrs
import durable_rules_engine
from durable import engine as _durable

from lawbasis.core.activity import SCHEDULED_EVENTS, Activity
from lawbasis.core.calendar import window_end
from lawbasis.core.decision import Decision, assemble
from lawbasis.core.errors import EngineError, InputError, LawbasisError, UnknownPolicyError, UnknownPurposeError
from lawbasis.core.vocabulary import Vocabulary, fact_value
from lawbasis.engine.compiler import PRIME, STRATUM, CompiledPolicy, CompiledRule, compile_policy
from lawbasis.engine.rulefile import Cite, Policy, Purpose, Rule, RuleBase, load_layers, resolve_layers

# durable_rules calls the deprecated datetime.utcfromtimestamp on every action (Python 3.12+).
warnings.filterwarnings("ignore", category=DeprecationWarning, module="durable.engine")

_SID = "s1"
_MONTHS = "Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c) (calendar months, clamped to the month's last day)"


def _built_in(rule_id: str, law: str) -> Rule:
    """A step the engine itself performs, with the provisions it rests on (it shows in the trace)."""
    return Rule(rule_id, "(built in)", "", (), (), (), (Cite(law=_MONTHS), Cite(law=law)))


_CALENDAR_RULE = _built_in("calendar/window", "GDPR Art. 5(1)(e)")  # the window, between strata
_CLOCK_RULE = _built_in("calendar/statutory-duty", "GDPR Art. 6(1)(c)")  # duty facts, before the first stratum


def default_rules_dir() -> Path:
    """The rule directory shipped inside the installed package (``lawbasis/rules``).

    In a source checkout that has not been installed, the top-level ``rules/`` beside the package.
    """
    shipped = Path(str(resources.files("lawbasis"))) / "rules"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "rules"


class _SyncHost(_durable.Host):  # type: ignore[misc]
    """A durable_rules Host that never starts its dispatcher threads, and knows when to stop trusting itself.

    A native call interrupted by an exception (a signal handler's, or durable_rules' own error in
    the middle of an assert) leaves the session half-processed: ``delete_state`` on it then corrupts
    the heap (measured: 9/9 runs crashed under a timer raising every 0.3-2 ms, and 303 half-way
    through an assert aborts the next delete). Such a host is ``poisoned``: nothing native is
    called on it again and the engine moves to a new one.
    """

    def __init__(self) -> None:
        self.poisoned = False
        self.calls = 0  # native calls in flight (a fork from another thread can catch one mid-way)
        self.interrupt: BaseException | None = None  # a KeyboardInterrupt or SystemExit an action deferred
        self.handles: dict[str, int] = {}  # ruleset name -> durable_rules_engine handle
        super().__init__()

    def _run(self) -> None:  # the stock Host starts two re-arming timer threads here
        return

    def _native(self, call: Callable[..., Any], *args: Any) -> Any:
        if self.poisoned:
            raise EngineError("durable_rules was interrupted in the middle of a call; the engine rebuilds its rulesets")
        self.calls += 1
        done = False
        try:
            result = call(*args)
            done = True
        finally:
            self.calls -= 1
            if not done:
                self.poisoned = True
        interrupt, self.interrupt = self.interrupt, None
        if interrupt is not None:  # the call finished cleanly; now the interrupt can go on
            raise interrupt
        return result

    def assert_fact(self, ruleset_name: str, fact: dict[str, Any]) -> Any:
        return self._native(super().assert_fact, ruleset_name, fact)

    def run_facts(self, handle: int, facts: str, actions: Mapping[str, Callable[[str], None]]) -> None:
        """Assert a JSON array of facts into the session and fire what they activate, to the fixpoint."""
        self._native(_drive, handle, facts, actions)

    def delete_session(self, handle: int) -> None:
        if self.poisoned:  # the session may be half-processed: deleting it is what corrupts the heap
            return
        self._native(durable_rules_engine.delete_state, handle, _SID)

    def get_state(self, ruleset_name: str, sid: str) -> Any:
        return self._native(super().get_state, ruleset_name, sid)

    def delete_state(self, ruleset_name: str, sid: str) -> Any:
        if self.poisoned:  # the session may be half-processed: deleting it is what corrupts the heap
            return None
        return self._native(super().delete_state, ruleset_name, sid)


def _drive(handle: int, facts: str, actions: Mapping[str, Callable[[str], None]]) -> None:
    """durable_rules' own loop (``Host.assert_fact``, ``Ruleset._flush_actions``), without its per-action
    overhead: no ``Closure``, no timestamps, no state written back (no action touches it), and the
    activation's JSON is handed to the action undecoded (most actions need only its rule name).

    Facts asserted by an action (``_assert_within``) are matched while the session is locked; their
    activations are picked up by ``complete_and_start_action``, as in durable_rules' own loop.
    """
    code, state = durable_rules_engine.assert_facts(handle, facts)
    if code in (1, 2):  # a sink for every kind and the rule id in every conclusion make these unreachable
        raise EngineError(f"durable_rules refused {facts[:200]}: {'no rule matches it' if code == 1 else 'asserted twice'}")
    started = durable_rules_engine.start_action_for_state(handle, state)
    message = started[1] if started is not None else None
    while message is not None:
        # the activation is {"<rule name>":{...}}: rule names are ours (r<n>), never escaped
        actions[message[2 : message.index('"', 2)]](message)
        message = durable_rules_engine.complete_and_start_action(handle, state)


def _assert_within(handle: int, facts: str) -> None:
    """Assert conclusions from inside an action (the session is locked; no action runs here)."""
    code, _ = durable_rules_engine.assert_facts(handle, facts)
    if code in (1, 2):
        raise EngineError(f"durable_rules refused {facts[:200]}: {'no rule matches it' if code == 1 else 'asserted twice'}")


# Python runs signal handlers between bytecodes of the main thread, whichever thread the signal
# reached, so a handler that raises (a request timeout on SIGALRM, Ctrl-C) could land inside a rule
# action or durable_rules' own Python layer, between native calls that must not be separated
# (measured: 9/9 runs crashed under a timer raising every 0.3-2 ms). While a session runs in the
# main thread, every Python-level handler is swapped for one that only records the signal; the
# originals are put back afterwards and the recorded signals raised again, so they fire, as
# themselves, once the session is over. (Blocking signals with pthread_sigmask is not enough: with
# a second thread running, the kernel delivers to that thread and the handler still runs in the
# main thread mid-session; that crashed 2/2 runs.)
# signal's C module: signal.getsignal and signal.signal convert every handler to an enum, which costs
# more than the whole deferral (measured: 145 us for the 60 signals, 1 us through _signal)
_signal: Any = import_module("_signal")
_CATCHABLE = tuple(sorted(set(signal.valid_signals()) - {getattr(signal, n) for n in ("SIGKILL", "SIGSTOP") if hasattr(signal, n)}))
_deferring = 0  # nesting depth of _signals_deferred in the main thread
_swapped: dict[int, Any] = {}  # signal -> the handler it had before the section
_recorded: list[int] = []


def _record(signum: int, frame: Any) -> None:
    _recorded.append(signum)


def _checkpoint() -> None:
    """A Python call: the interpreter runs any signal handler that tripped before the swap."""


def _restore_handlers() -> None:
    for signum, handler in _swapped.items():
        _signal.signal(signum, handler)
    _swapped.clear()


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Defer Python signal handlers for the duration (main thread; handlers never run elsewhere)."""
    global _deferring
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _deferring == 0:
        _checkpoint()
        try:
            for signum in _CATCHABLE:
                handler = _signal.getsignal(signum)
                if callable(handler) and handler is not _record:
                    _swapped[signum] = handler
                    _signal.signal(signum, _record)
        except BaseException:  # a handler fired before it was swapped: nothing native has run yet
            _restore_handlers()
            raise
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if _deferring == 0:
            _restore_handlers()
            recorded = list(dict.fromkeys(_recorded))
            _recorded.clear()
            for pending in recorded:
                signal.raise_signal(pending)  # the original handler runs at the next bytecode


def _free_hosts(hosts: list[_SyncHost]) -> None:
    """Free the native rulesets of an engine's hosts (``Engine.close`` and the finaliser)."""
    for host in hosts:
        if host.poisoned:  # a half-processed call may still point into it: leaked on purpose
            continue
        for name in list(host._ruleset_directory):
            ruleset = host._ruleset_directory.pop(name)
            host._ruleset_list.remove(ruleset)
            durable_rules_engine.delete_ruleset(ruleset._handle)
    hosts.clear()
    _trim()


def _find_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc
        return None


_malloc_trim = _find_trim()


def _trim() -> None:
    """Give freed native memory back to the system.

    durable_rules builds a ruleset by growing its pools one node at a time with ``realloc``; Python
    objects allocated meanwhile sit between the freed blocks, so glibc keeps the pages (measured:
    +189 MiB of RSS after 20 engines were closed and dropped; +0.1 MiB after ``malloc_trim``).
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


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
    handle: int = 0  # the ruleset's durable_rules_engine handle (actions assert their conclusions into it)


#: Deprecated: ``Engine.policies()`` returns the rule files' own :class:`Policy` objects (``purposes`` is
#: then a dict of id -> :class:`Purpose`, in the rule file's order). Kept so old imports resolve.
PolicyInfo = Policy


class Engine:
    """Evaluates activities against the rules of a rule directory, or of several layered ones.

    ``Engine()`` uses the built-in rules; ``Engine(rules_dir)`` the rule directory given, alone, unless
    its ``lawbasis.yaml`` says ``extends: builtin``; ``Engine(rules=[layer, ...])`` the built-in rules
    with each layer on top, in order (a first layer whose ``lawbasis.yaml`` says ``extends: none`` is a
    complete rule set instead). Both together: ``rules_dir`` with the layers on top. A layer adds
    policies, laws and rules; it replaces a law rule only by naming it (``replaces:``). See
    docs/reference/rule-format.md, "Layers".

    ``memo_size`` bounds the memo of what durable_rules concluded for each combination of discrete
    facts and window status (entries per level, least recently used forgotten first); a combination seen before is
    answered without running the rules again, with the calendar redone for the activity's own dates.
    ``0`` turns the memo off. Answers are the same either way (``tests/test_memo.py``).
    ``runs`` and ``memo_hits`` count durable_rules sessions and answers from the memo.

    An engine holds native memory (about 1 MiB per policy): ``close()`` it, use it as a context
    manager (``with Engine() as engine:``), or drop it and let the finaliser free it.

    >>> engine = Engine()
    >>> d = engine.evaluate({"policy": "jetpak-se", "purpose": "bookkeeping",
    ...                      "dates": {"fiscal_year_end": "2023-06-30"}})
    >>> d.basis_letters, d.retention.until.isoformat()
    (['c'], '2030-12-31')
    """

    _instances = itertools.count(1)

    def __init__(
        self,
        rules_dir: str | os.PathLike[str] | None = None,
        *,
        rules: Sequence[str | os.PathLike[str]] | None = None,
        memo_size: int = 4096,
    ) -> None:
        if rules_dir is not None and not isinstance(rules_dir, (str, os.PathLike)):
            raise InputError("rules_dir", rules_dir, "a directory path (str or pathlib.Path), or None for the built-in rules", "not a path")
        if rules is not None and (
            isinstance(rules, (str, bytes, os.PathLike))
            or not isinstance(rules, Sequence)
            or not all(isinstance(r, (str, os.PathLike)) for r in rules)
        ):
            raise InputError(
                "rules", rules, "a list of rule directory paths (str or pathlib.Path), lowest layer first", "not a list of paths"
            )
        #: the rule directories loaded, lowest layer first (docs/reference/rule-format.md, "Layers")
        self.layers: tuple[Path, ...] = resolve_layers(rules_dir, rules or (), default_rules_dir())
        #: the top layer: the rule directory given, or the built-in rules
        self.rules_dir = self.layers[-1]
        if isinstance(memo_size, bool) or not isinstance(memo_size, int) or memo_size < 0:
            raise InputError("memo_size", memo_size, "an integer >= 0 (0: no memo)", "not a size")
        #: combinations remembered (per level, least recently used forgotten first); 0 runs durable_rules every time
        self.memo_size = memo_size
        self._memo_lower: OrderedDict[tuple[Any, ...], tuple[tuple[str, dict[str, str], int], ...]] = OrderedDict()
        self._memo_full: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
        self._seen: OrderedDict[tuple[Any, ...], None] = OrderedDict()  # seen once, not yet remembered
        self._closed = False
        self.runs = 0  #: durable_rules sessions run so far
        self.memo_hits = 0  #: evaluations answered from the memo
        self._base: RuleBase = load_layers(self.layers)
        self._lock = threading.RLock()
        self._session: _Session | None = None
        self._compiled: dict[str, CompiledPolicy] = {}
        serial = next(self._instances)
        for policy_id in sorted(self._base.policies):
            self._compiled[policy_id] = compile_policy(self._base, policy_id, f"lawbasis{serial}:{policy_id}")
        # the memo keeps rules by number: its entries then hold only strings, ints and the tuples and
        # dicts of them, which the garbage collector stops tracking (rule objects would keep every
        # remembered record tracked, and a memo that mostly misses would cost more collections than
        # it saves runs)
        self._rules: list[Rule] = [_CALENDAR_RULE, _CLOCK_RULE, *self._base.rules]
        self._rule_number = {id(rule): i for i, rule in enumerate(self._rules)}
        # every host this engine used; the finaliser frees them (it must not hold the engine itself)
        self._hosts: list[_SyncHost] = []
        # ruleset name -> rule name -> action (they hold the engine weakly, so hosts can share them)
        self._actions: dict[str, dict[str, Callable[[str], None]]] = {}
        self._finalizer = weakref.finalize(self, _free_hosts, self._hosts)
        self._finalizer.atexit = False  # at interpreter exit the process gives it all back anyway
        self._host = self._new_host()
        _live.add(self)

    def _new_host(self) -> _SyncHost:
        """A host with every policy's ruleset registered (at start, and after a host was poisoned)."""
        host = _SyncHost()
        self._hosts.append(host)
        for policy_id, compiled in self._compiled.items():
            definition: dict[str, Any] = compiled.definition()
            if compiled.ruleset_name not in self._actions:
                self._actions[compiled.ruleset_name] = {rule.name: self._action(rule, compiled.read_kinds) for rule in compiled.rules}
            for spec in definition.values():
                spec["run"] = _never  # durable_rules wants an action; ``_drive`` calls ours
            try:
                host.set_rulesets({compiled.ruleset_name: definition})
            except Exception as exc:  # durable_rules rejected what our checks let through
                raise EngineError(f"durable_rules rejected the ruleset for {policy_id}: {exc}") from None
            handle = host.handles[compiled.ruleset_name] = host.get_ruleset(compiled.ruleset_name)._handle
            host.run_facts(handle, _PRIME_FACT, _PRIME_ACTIONS)  # see compiler.PRIME
            host.delete_session(handle)
        return host

    def _replace_host(self) -> None:
        """Move to a new host; a poisoned one is dropped without touching its native memory."""
        old = self._host
        self._host = self._new_host()
        if old.poisoned:
            self._hosts.remove(old)
        self._session = None

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise EngineError("this engine was closed (Engine.close()); create a new Engine")

    # --- public -------------------------------------------------------------------------------

    @property
    def rulebase(self) -> RuleBase:
        return self._base

    @property
    def vocabulary(self) -> Vocabulary:
        """The facts this engine's activities are checked against: the built-in ones and the rule directory's ``facts:``."""
        return self._base.vocabulary

    def policies(self) -> list[Policy]:
        """Every loaded policy, sorted by id (``purposes`` maps each purpose id to its :class:`Purpose`)."""
        self._check_open()
        return sorted(self._base.policies.values(), key=lambda p: p.id)

    def policy(self, policy_id: str) -> Policy:
        self._check_open()
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
        activity = Activity.from_dict(facts, self._base.vocabulary)
        policy = self.policy(activity.policy)
        if activity.purpose not in policy.purposes:
            raise UnknownPurposeError("purpose", activity.purpose, ", ".join(policy.purposes), f"not a purpose of {policy.id}")
        as_of = activity.as_of or _dt.date.today()
        with self._lock:
            self._check_open()
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
        with _signals_deferred():  # a handler raising inside the session would corrupt it
            try:
                if self._host.poisoned or self._host.calls:  # left so by an interruption or a fork
                    self._replace_host()
                session = self._run(compiled, fact, duties, activity, as_of, scheduled)
            finally:
                if self._host.poisoned:
                    self._replace_host()
        if self.memo_size:
            # admission: a combination is remembered the second time it is seen, so traffic that never
            # repeats costs the memo almost nothing (remembered records are long-lived objects the
            # garbage collector keeps visiting); a repeated one is answered from the third time on
            window_key = (key, _window_key(_window_of_session(session), compiled))
            if window_key in self._seen or key in self._memo_lower:
                self._remember(key, compiled, session)
            else:
                self._memo_put(self._seen, window_key, None)
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
        """One durable_rules session: the activity fact stamped with each stratum in turn, to the fixpoint.

        Every rule's first condition is the activity of its stratum (see ``compiler``), so the stamped
        activity is the phase marker: one fact per stratum, none for the markers, and one condition
        less per rule (each condition costs a session ~8 KiB of index memory durable_rules allocates
        and clears). What goes in before a stratum's activity is asserted with it in one batch
        (``assert_facts`` handles them in order): the duty facts with the first, the window fact with
        the calendar stratum's. No rule fires before its stratum's activity, so this is the same as
        asserting them one by one.
        """
        session = _Session(activity, as_of)
        self._session = session
        self.runs += 1
        host = self._host
        handle = session.handle = host.handles[compiled.ruleset_name]
        actions = self._actions[compiled.ruleset_name]
        # the rule that reads a duty (gdpr/legal-obligation/...) shows it in the trace
        batch = [_dumps({**duty, "rule": _CLOCK_RULE.id}) for duty in duties]
        tested = compiled.activity_fields
        # '"sid": ..., }': each stratum's copy puts its number in front
        stamped = _dumps({k: v for k, v in fact.items() if k in tested})[1:]
        try:
            for stratum in range(1, compiled.strata + 1):
                if stratum == compiled.calendar_stratum:
                    session.before_calendar = len(session.records)
                    window = _window_fact(session.records, activity, as_of, scheduled)
                    if window is not None:
                        session.records.append(("window", window, _CALENDAR_RULE))
                        session.trace.append(_calendar_step(window, scheduled))
                        batch.append(_dumps({"sid": _SID, "t": "window", "rule": _CALENDAR_RULE.id, **window}))
                batch.append(f'{{"{STRATUM}": "{stratum}", {stamped}')
                host.run_facts(handle, f"[{','.join(batch)}]", actions)
                batch = []
        except LawbasisError:
            raise
        except Exception as exc:
            session.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self._session = None
            try:
                host.delete_session(handle)
            except Exception:  # noqa: BLE001 - no session was created; nothing to clean
                pass
        if session.errors:
            raise EngineError(f"evaluating {activity.policy}/{activity.purpose} failed: {'; '.join(session.errors)}")
        return session

    # --- the memo -------------------------------------------------------------------------------
    #
    # durable_rules sees three kinds of fact from outside: the activity fact (discrete strings only:
    # enumerations, booleans, which dates are present; stamped with each stratum in turn, the same
    # every time), the duty facts (their statuses are part of the key) and
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
        kept = self._memo_get(self._memo_lower, key)
        if kept is None:
            return None
        rules = self._rules
        window = _window_fact([(k, v, rules[i]) for k, v, i in kept], activity, as_of, scheduled)
        found = self._memo_get(self._memo_full, (key, _window_key(window, compiled)))
        if found is None:
            return None
        kept_records, kept_trace, at_record, at_step = found
        records = [(k, v, rules[i]) for k, v, i in kept_records]
        trace = [(rules[i], list(concluded)) for i, concluded in kept_trace]
        if window is not None:
            records[at_record] = ("window", window, _CALENDAR_RULE)
            trace[at_step] = _calendar_step(window, scheduled)
        return records, trace

    def _remember(self, key: tuple[Any, ...], compiled: CompiledPolicy, session: _Session) -> None:
        at_record = next((i for i, (_, _, rule) in enumerate(session.records) if rule is _CALENDAR_RULE), -1)
        window = session.records[at_record][1] if at_record >= 0 else None
        at_step = next((i for i, (rule, _) in enumerate(session.trace) if rule is _CALENDAR_RULE), -1)
        number = self._rule_number
        records = tuple((k, v, number[id(rule)]) for k, v, rule in session.records)
        trace = tuple((number[id(rule)], tuple(concluded)) for rule, concluded in session.trace)
        if key not in self._memo_lower:
            self._memo_put(self._memo_lower, key, records[: session.before_calendar])
        self._memo_put(self._memo_full, (key, _window_key(window, compiled)), (records, trace, at_record, at_step))

    @staticmethod
    def _memo_get(memo: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...]) -> Any:
        found = memo.get(key)
        if found is not None:
            memo.move_to_end(key)  # least recently used goes first
        return found

    def _memo_put(self, memo: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
        memo[key] = value
        memo.move_to_end(key)
        while len(memo) > self.memo_size:
            memo.popitem(last=False)  # O(1); deleting a plain dict's first key rescans its holes

    def clear_memo(self) -> None:
        """Forget every remembered combination (the next evaluations run durable_rules again)."""
        with self._lock:
            self._memo_lower.clear()
            self._memo_full.clear()
            self._seen.clear()

    def evaluate_many(self, items: Iterable[Activity | Mapping[str, Any]]) -> list[Decision]:
        return [self.evaluate(item) for item in items]

    def close(self) -> None:
        """Free the rulesets' native memory. The engine cannot be used afterwards."""
        with self._lock, _signals_deferred():
            self._closed = True
            self._compiled = {}
            self._memo_lower.clear()
            self._memo_full.clear()
            self._seen.clear()
            self._finalizer()  # runs once: later calls (and garbage collection) do nothing

    # --- internals ----------------------------------------------------------------------------

    @staticmethod
    def _activity_fact(activity: Activity, policy: Policy, as_of: _dt.date) -> dict[str, str]:
        """The activity as durable_rules sees it: discrete values only, as they stand on ``as_of``.

        Every declared field of the activity's vocabulary, as a string. Dates become flags
        (``has_<key>``: given; ``passed_<key>``: on or before ``as_of``). An event dated after
        ``as_of`` (a withdrawal, an objection) has not happened yet: its field reads the value it had
        before (``consent`` ``given``, ``objection`` ``none``), and its ``scheduled_*`` flag says
        that the event is coming.
        """
        vocabulary = activity.vocabulary
        dates = activity.dates
        scheduled: dict[str, bool] = {}
        before: dict[str, str] = {}
        for key in vocabulary.scheduled_events:
            event = vocabulary.dates[key].event
            assert event is not None
            day = dates.get(key)
            scheduled[event.flag] = day is not None and day > as_of
            if scheduled[event.flag]:
                before[event.field] = event.before
        fact = {"sid": _SID, "t": "activity", "purpose": activity.purpose, "country": policy.country}
        for name, value in activity.facts.items():
            fact[name] = before.get(name, fact_value(value))
        for key in vocabulary.date_keys:
            fact[f"has_{key}"] = "true" if key in dates else "false"
        for key in vocabulary.date_keys:
            fact[f"passed_{key}"] = "true" if key in dates and dates[key] <= as_of else "false"
        for flag, coming in scheduled.items():
            fact[flag] = "true" if coming else "false"
        return fact

    def _action(self, compiled: CompiledRule, read_kinds: frozenset[str]) -> Callable[[str], None]:
        """The action of one rule: record its conclusions, and assert those some condition reads.

        A conclusion without variables is the same every time: its values, its identity and its JSON
        are prepared here once. Only a rule with variables decodes the activation it is given.
        """
        rule = compiled.rule
        bindings = tuple(compiled.bindings.items())
        name = compiled.name
        # per conclusion: (kind, fields, values if fixed, identity if fixed, JSON if fixed and read)
        conclusions: list[tuple[str, dict[str, str], dict[str, str] | None, tuple[Any, ...], str | None]] = []
        for kind, fields in rule.then:
            if any(v.startswith("$") for v in fields.values()):
                conclusions.append((kind, fields, None, (), None))
            else:
                values = dict(fields)
                fixed = _dumps({"sid": _SID, "t": kind, "rule": rule.id, **values}) if kind in read_kinds else None
                conclusions.append((kind, fields, values, (kind, rule.id, tuple(sorted(values.items()))), fixed))
        engine_ref = weakref.ref(self)  # the host keeps the action: a strong reference would keep the engine

        def act(message: str) -> None:
            engine = engine_ref()
            session = engine._session if engine is not None else None
            if engine is None or session is None:  # only reachable if durable_rules ran an action outside evaluate()
                return
            try:
                bound: dict[str, str] = {}
                if bindings:
                    matched = _loads(message)[name]
                    bound = {var: matched[alias][field] for var, (alias, field) in bindings}
                concluded = []
                facts = []
                seen = session.seen
                for kind, fields, values, key, fixed in conclusions:
                    if values is None:
                        values = {f: (bound[v] if v.startswith("$") else v) for f, v in fields.items()}
                        key = (kind, rule.id, tuple(sorted(values.items())))
                        if key in seen:
                            continue
                        if kind in read_kinds:  # a fact no condition matches would only reach its sink
                            facts.append(_dumps({"sid": _SID, "t": kind, "rule": rule.id, **values}))
                    else:
                        if key in seen:
                            continue
                        values = dict(values)
                        if fixed is not None:
                            facts.append(fixed)
                    seen.add(key)
                    session.records.append((kind, values, rule))
                    concluded.append((kind, values))
                if facts:
                    _assert_within(session.handle, f"[{','.join(facts)}]")
                if concluded:
                    session.trace.append((rule, concluded))
            except (KeyboardInterrupt, SystemExit) as exc:  # raised as itself once the native call is done
                engine._host.interrupt = exc
                session.errors.append(f"rule {rule.id}: interrupted")
            except BaseException as exc:  # durable_rules would swallow it into the state
                session.errors.append(f"rule {rule.id}: {type(exc).__name__}: {exc}")

        return act


def _window_fact(
    records: list[_Record], activity: Activity, as_of: _dt.date, scheduled: tuple[_Scheduled, ...] = ()
) -> dict[str, str] | None:
    """Calendar step between strata: turn the chosen window into an end date and a status."""
    retentions = [(v, r) for k, v, r in records if k == "retention"]
    # a release (the claim can no longer be brought) ends every hold: the window acts as without one
    held = any(k == "hold" for k, _, _ in records) and not any(k == "release" for k, _, _ in records)
    if not retentions:  # no window; a hold still keeps the data (for the claim only)
        return {"status": "held", "until": "null", "window_until": "null"} if held else None
    distinct = {(v["period"], v["from"]) for v, _ in retentions}
    if len(distinct) > 1:
        raise EngineError(
            f"rules disagree on the retention window for {activity.policy}/{activity.purpose}: "
            + ", ".join(sorted({f"{r.id} ({r.file})" for _, r in retentions}))
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


def _window_of_session(session: _Session) -> dict[str, str] | None:
    return next((values for kind, values, rule in session.records if rule is _CALENDAR_RULE), None)


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


def _never(c: Any) -> None:  # durable_rules wants an action per rule; ``_drive`` calls the engine's own
    return


_dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode  # facts hold strings only
_loads = json.JSONDecoder().decode
_PRIME_FACT = _dumps([{"sid": _SID, "t": PRIME}])
_PRIME_ACTIONS = {PRIME: _never}


_default: Engine | None = None
_default_lock = threading.Lock()
_live: weakref.WeakSet[Engine] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """Only the forking thread survives a fork: locks another thread held stay held for ever, and a
    session it was running is copied half-done. New locks; such a host is rebuilt before next use."""
    global _default_lock, _deferring
    _default_lock = threading.Lock()
    _deferring = 0
    _restore_handlers()  # another thread forked while the main thread was in a session
    for engine in list(_live):
        engine._lock = threading.RLock()
        if engine._session is not None or engine._host.calls:
            engine._host.poisoned = True  # another thread was inside a session
            engine._session = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def default_engine() -> Engine:
    """The shared engine over the built-in rules, created on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Engine()
    return _default


def evaluate(facts: Activity | Mapping[str, Any]) -> Decision:
    """Decide one activity with the built-in rules (the facts: docs/reference/facts.md).

    >>> d = evaluate({"policy": "jetpak-dk", "purpose": "marketing", "customer_status": "prospect",
    ...               "channel": "email", "consent": "none"})
    >>> d.lawful, d.may_process
    ('no', False)
    """
    return default_engine().evaluate(facts)


def evaluate_many(items: Iterable[Activity | Mapping[str, Any]]) -> list[Decision]:
    """Decide many activities with the built-in rules; answers equal ``evaluate`` item by item."""
    return default_engine().evaluate_many(items)


__all__ = ["Engine", "Policy", "PolicyInfo", "default_engine", "default_rules_dir", "evaluate", "evaluate_many", "InputError"]
