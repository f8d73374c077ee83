"""Explore scenarios: decision grids as pandas DataFrames, policy comparisons and counterfactuals.

Every answer here comes from ``Engine.evaluate``: this module only enumerates facts and tabulates
the conclusions the rules reached. It needs pandas (``pip install lawbasis[notebook]``) for
``grid`` and ``compare``; ``counterfactual`` works without it.

>>> from lawbasis import explore
>>> df = explore.grid("jetpak-dk", "marketing", channel="email",
...                   customer_status=["prospect", "customer"], consent=["none", "given"])
>>> df[["customer_status", "consent", "lawful", "bases"]].values.tolist()
[['prospect', 'none', 'no', ''], ['prospect', 'given', 'yes', 'a'], ['customer', 'none', 'no', ''], ['customer', 'given', 'yes', 'a']]
>>> cf = explore.counterfactual({"policy": "jetpak-dk", "purpose": "marketing", "channel": "email",
...                              "consent": "given", "objection": "direct_marketing", "as_of": "2026-01-01",
...                              "dates": {"contract_ended": "2025-06-30"}})
>>> cf.sentence
'Had the customer not objected, processing could continue.'
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from lawbasis.core.activity import Activity
from lawbasis.core.decision import Decision
from lawbasis.core.errors import InputError
from lawbasis.core.vocabulary import BUILTIN, Field, Vocabulary
from lawbasis.engine.host import Engine, default_engine

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONCLUSIONS",
    "Change",
    "Counterfactual",
    "compare",
    "conclusions",
    "counterfactual",
    "grid",
    "scenarios",
]

#: The conclusion columns of a grid, in order.
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

#: The order counterfactual changes are tried in: first what the data subject does (object, consent,
#: ask for erasure), then what the controller documents, then the setting. Every other declared
#: field of the engine's vocabulary follows in declaration order (:func:`variable_facts`).
_FIRST_TRIED = (
    "objection",
    "consent",
    "erasure_requested",
    "compelling_grounds",
    "dispute",
    "customer_status",
    "channel",
    "personalised",
    "special_category",
    "corporate_event",
    "acquirer_similar",
)


def variable_facts(vocabulary: Vocabulary = BUILTIN) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """Facts a counterfactual may change, each with every value it can take, in the order they are tried."""
    names = [n for n in _FIRST_TRIED if n in vocabulary.fields] + [n for n in vocabulary.fields if n not in _FIRST_TRIED]
    return tuple((name, _field_values(vocabulary.fields[name])) for name in names)


def _field_values(field: Field) -> tuple[Any, ...]:
    if field.type == "bool":
        return (False, True)
    return ((None,) if field.nullable else ()) + field.values


def conclusions(decision: Decision) -> dict[str, Any]:
    """The conclusions of one decision as flat, table-friendly values (the grid's columns).

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


def _values(value: Any) -> list[Any]:
    """A choice as a list of alternatives: lists, tuples and sets vary; anything else is fixed."""
    if isinstance(value, (list, tuple, set, frozenset, range)):
        return list(value)
    return [value]


def _targets(engine: Engine, policy: str | Sequence[str] | None, purpose: str | Sequence[str] | None) -> list[tuple[str, str]]:
    policies = [p.id for p in engine.policies()] if policy is None else _values(policy)
    out = []
    for pid in policies:
        known = [p.id for p in engine.purposes(pid)]
        wanted = known if purpose is None else _values(purpose)
        for pur in wanted:
            if purpose is not None and len(policies) > 1 and pur not in known:
                continue  # a purpose one of several policies lacks is skipped, not an error
            out.append((pid, pur))
    return out


def scenarios(
    policy: str | Sequence[str] | None,
    purpose: str | Sequence[str] | None,
    engine: Engine | None = None,
    as_of: str | _dt.date | None = None,
    **choices: Any,
) -> list[tuple[dict[str, Any], Activity]]:
    """The activities of a grid: the product of the chosen fact values, validated.

    Returns ``(facts, activity)`` pairs, where ``facts`` holds the grid's fact columns.
    """
    engine = engine or default_engine()
    if "policy" in choices or "purpose" in choices:
        raise InputError("choices", sorted(choices), "fact fields other than policy and purpose", "given twice")
    names = list(choices)
    alternatives = [_values(choices[n]) for n in names]
    out = []
    for pid, pur in _targets(engine, policy, purpose):
        for combo in itertools.product(*alternatives):
            facts: dict[str, Any] = {"policy": pid, "purpose": pur, **dict(zip(names, combo, strict=True))}
            data = dict(facts)
            if as_of is not None and "as_of" not in data:
                data["as_of"] = as_of
            activity = Activity.from_dict(data, engine.vocabulary)
            row = {k: v for k, v in facts.items() if k != "dates"}
            if "dates" in facts:
                for key, day in activity.dates.items():
                    row[f"dates.{key}"] = day
            out.append((row, activity))
    return out


def grid(
    policy: str | Sequence[str] | None,
    purpose: str | Sequence[str] | None,
    engine: Engine | None = None,
    as_of: str | _dt.date | None = None,
    *,
    errors: str = "raise",
    keep_decisions: bool = False,
    **choices: Any,
) -> pd.DataFrame:
    """Evaluate every combination of the chosen fact values; one row per scenario.

    ``choices`` are activity fields (SPEC section 4): a list varies, anything else is fixed for
    every row (``dates`` takes a dict, or a list of dicts to vary). ``policy`` and ``purpose`` may be
    one id, a list, or None for all (all loaded policies; all purposes of each policy). Columns: the
    facts (``policy``, ``purpose``, each chosen field, ``dates.<key>``), then ``CONCLUSIONS``.
    ``errors="skip"`` drops combinations that are not valid activities (e.g. an
    ``objection_received`` date without an objection) instead of raising ``InputError``;
    ``keep_decisions=True`` adds a ``decision`` column holding each ``Decision``.

    >>> df = grid("jetpak-dk", "marketing", channel="email", consent="given",
    ...           objection=["none", "direct_marketing"], as_of="2026-01-01",
    ...           dates={"contract_ended": "2025-06-30"})
    >>> df[["objection", "objection_applies", "may_process", "retention_until"]].values.tolist()
    [['none', '21(2)', True, datetime.date(2028, 6, 30)], ['direct_marketing', '21(2)', False, datetime.date(2028, 6, 30)]]
    """
    import pandas as pd

    if errors not in ("raise", "skip"):
        raise InputError("errors", errors, "raise, skip", "unknown value")
    engine = engine or default_engine()
    if errors == "skip":
        pairs = list(_expand_skipping(policy, purpose, engine, as_of, choices))
    else:
        pairs = scenarios(policy, purpose, engine, as_of, **choices)
    rows = []
    for facts, activity in pairs:
        decision = engine.evaluate(activity)
        row = {**facts, **conclusions(decision)}
        if keep_decisions:
            row["decision"] = decision
        rows.append(row)
    fact_columns: list[str] = []
    for facts, _ in pairs:
        for key in facts:
            if key not in fact_columns:
                fact_columns.append(key)
    columns = fact_columns + list(CONCLUSIONS) + (["decision"] if keep_decisions else [])
    return pd.DataFrame(rows, columns=columns)


def _expand_skipping(
    policy: str | Sequence[str] | None,
    purpose: str | Sequence[str] | None,
    engine: Engine,
    as_of: str | _dt.date | None,
    choices: Mapping[str, Any],
) -> Iterable[tuple[dict[str, Any], Activity]]:
    names = list(choices)
    for pid, pur in _targets(engine, policy, purpose):
        for combo in itertools.product(*[_values(choices[n]) for n in names]):
            try:
                yield from scenarios(pid, pur, engine, as_of, **dict(zip(names, combo, strict=True)))
            except InputError:
                continue


def compare(
    policy_a: str,
    policy_b: str,
    purpose: str | Sequence[str] | None,
    engine: Engine | None = None,
    as_of: str | _dt.date | None = None,
    **choices: Any,
) -> pd.DataFrame:
    """Two policies side by side: the same scenarios, each conclusion once per policy.

    Columns: ``purpose`` and the chosen facts, then ``<conclusion> [<policy>]`` for each conclusion
    and both policies, then ``differs``: the conclusions on which the two policies disagree
    (comma-separated, empty when they agree). ``purpose=None`` compares every purpose both
    policies share.

    >>> df = compare("jetpak-dk", "jetpak-se", "marketing", channel="email", consent="given",
    ...              objection="direct_marketing", as_of="2026-01-01",
    ...              dates={"contract_ended": "2025-06-30"})
    >>> df.loc[0, "retention_period [jetpak-dk]"], df.loc[0, "retention_period [jetpak-se]"]
    ('P36M', 'P36M')
    """
    import pandas as pd

    engine = engine or default_engine()
    if purpose is None:
        shared = [p.id for p in engine.purposes(policy_b)]
        purposes = [p.id for p in engine.purposes(policy_a) if p.id in shared]
    else:
        purposes = _values(purpose)
    a = grid(policy_a, purposes, engine, as_of, **choices)
    b = grid(policy_b, purposes, engine, as_of, **choices)
    facts = [c for c in a.columns if c not in CONCLUSIONS and c != "policy"]
    out = a[facts].copy()
    for name in CONCLUSIONS:
        out[f"{name} [{policy_a}]"] = a[name].values
        out[f"{name} [{policy_b}]"] = b[name].values
    out["differs"] = [",".join(name for name in CONCLUSIONS if not _same(a.at[i, name], b.at[i, name])) for i in range(len(a))]
    return pd.DataFrame(out)


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and x != x)


def _same(x: Any, y: Any) -> bool:
    """Equal, counting None and NaN (pandas' missing value) as the same."""
    if _missing(x) or _missing(y):
        return _missing(x) and _missing(y)
    return bool(x == y)


@attrs.frozen
class Change:
    """One fact changed by a counterfactual."""

    field: str
    old: Any
    new: Any

    def phrase(self) -> str:
        """What the change means, phrased to follow "Had ..."."""
        return _phrase(self.field, self.new)


@attrs.frozen
class Counterfactual:
    """The smallest change of facts found that flips one conclusion.

    ``changes`` is the change made, ``decision`` the new decision; ``alternatives`` are other
    change sets of the same size that also flip it, in the order they were tried.
    """

    conclusion: str
    before: Any
    after: Any
    changes: tuple[Change, ...]
    activity: Activity
    decision: Decision
    original: Decision
    alternatives: tuple[tuple[Change, ...], ...] = ()

    @property
    def sentence(self) -> str:
        return _sentence(self.changes, self.conclusion, self.after)

    def __str__(self) -> str:
        return self.sentence

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td><code>{html.escape(c.field)}</code></td><td>{html.escape(repr(c.old))}</td><td>{html.escape(repr(c.new))}</td></tr>"
            for c in self.changes
        )
        return (
            f"<div class='lawbasis-counterfactual'><p><b>{html.escape(self.sentence)}</b></p>"
            f"<table><tr><th>fact</th><th>was</th><th>would be</th></tr>{rows}</table>"
            f"<p><code>{html.escape(self.conclusion)}</code>: {html.escape(repr(self.before))} &rarr; "
            f"{html.escape(repr(self.after))}</p></div>"
        )


def _apply(activity: Activity, changes: Sequence[Change]) -> Activity:
    """The activity with the changes made; a date that no longer fits its fact is dropped with it."""
    updates = {c.field: c.new for c in changes}
    dates = dict(activity.dates)
    if updates.get("objection", activity.objection) == "none":
        dates.pop("objection_received", None)
    if updates.get("consent", activity.consent) != "withdrawn":
        dates.pop("consent_withdrawn", None)
    return activity.replace(dates=dates, **updates)


def counterfactual(
    activity: Activity | Mapping[str, Any] | Decision,
    conclusion: str = "may_process",
    engine: Engine | None = None,
    max_changes: int = 2,
) -> Counterfactual | None:
    """The smallest change of facts that flips ``conclusion``, or None if none within ``max_changes``.

    Single-field changes are tried first, then pairs, in a fixed order (what the data subject does,
    then what the controller documents, then the setting), so the answer is deterministic. Changing
    ``objection`` to ``none`` (or ``consent`` away from ``withdrawn``) also drops the date that only
    fits the old value. ``conclusion`` is any column of ``CONCLUSIONS``.

    >>> cf = counterfactual({"policy": "jetpak-dk", "purpose": "marketing", "customer_status": "prospect",
    ...                      "channel": "email", "consent": "none", "as_of": "2026-01-01"})
    >>> [(c.field, c.new) for c in cf.changes], cf.after
    ([('consent', 'given')], True)
    >>> cf.sentence
    'Had the customer given consent, processing could continue.'
    """
    if conclusion not in CONCLUSIONS:
        raise InputError("conclusion", conclusion, ", ".join(CONCLUSIONS), "unknown conclusion")
    engine = engine or default_engine()
    if isinstance(activity, Decision):
        original, base = activity, activity.activity
        if base.as_of is None:
            base = base.replace(as_of=original.as_of)
    else:
        base = Activity.from_dict(activity, engine.vocabulary)
        if base.as_of is None:  # fix "today" so every variant is decided on the same day
            base = base.replace(as_of=_dt.date.today())
        original = engine.evaluate(base)
    before = conclusions(original)[conclusion]

    singles: list[Change] = [
        Change(field, base.fact(field), value)
        for field, values in variable_facts(engine.vocabulary)
        for value in values
        if value != base.fact(field)
    ]
    for size in range(1, max_changes + 1):
        found: list[tuple[tuple[Change, ...], Activity, Decision]] = []
        for combo in itertools.combinations(singles, size):
            if len({c.field for c in combo}) < size:
                continue
            try:
                variant = _apply(base, combo)
            except InputError:
                continue
            decision = engine.evaluate(variant)
            if not _same(conclusions(decision)[conclusion], before):
                found.append((combo, variant, decision))
        if found:
            changes, variant, decision = found[0]
            return Counterfactual(
                conclusion=conclusion,
                before=before,
                after=conclusions(decision)[conclusion],
                changes=changes,
                activity=variant,
                decision=decision,
                original=original,
                alternatives=tuple(c for c, _, _ in found[1:]),
            )
    return None


_PHRASES: dict[tuple[str, Any], str] = {
    ("objection", "none"): "the customer not objected",
    ("objection", "general"): "the customer objected (Art. 21(1))",
    ("objection", "direct_marketing"): "the customer objected to direct marketing",
    ("consent", "none"): "the customer not consented",
    ("consent", "given"): "the customer given consent",
    ("consent", "explicit"): "the customer given explicit consent",
    ("consent", "withdrawn"): "the customer withdrawn consent",
    ("erasure_requested", True): "the customer asked for erasure",
    ("erasure_requested", False): "the customer not asked for erasure",
    ("compelling_grounds", True): "the controller documented compelling legitimate grounds",
    ("compelling_grounds", False): "the controller not documented compelling legitimate grounds",
    ("dispute", True): "a dispute been pending",
    ("dispute", False): "no dispute been pending",
    ("customer_status", "prospect"): "the person been a prospect",
    ("customer_status", "customer"): "the person been a customer",
    ("customer_status", "former_customer"): "the person been a former customer",
    ("channel", None): "no contact channel been used",
    ("personalised", True): "the offers been personalised",
    ("personalised", False): "the offers not been personalised",
    ("special_category", True): "special-category data been involved",
    ("special_category", False): "no special-category data been involved",
    ("corporate_event", "none"): "no corporate event occurred",
    ("corporate_event", "acquired"): "the company been acquired",
    ("corporate_event", "split"): "the company been split",
    ("corporate_event", "ceased"): "the company ceased",
    ("corporate_event", "database_transferred"): "the customer database been transferred",
    ("acquirer_similar", True): "the acquirer been in a similar line of business",
    ("acquirer_similar", False): "the acquirer not been in a similar line of business",
}

_CHANNEL_WORDS = {
    "email": "e-mail",
    "sms": "SMS",
    "mms": "MMS",
    "automated_call": "an automated call",
    "phone": "phone",
    "post": "post",
    "web": "the web",
    "social": "social media",
}


def _phrase(field: str, value: Any) -> str:
    if field == "channel" and value is not None:
        return f"the contact been by {_CHANNEL_WORDS.get(value, value)}"
    return _PHRASES.get((field, value), f"{field} been {value!r}")


def _outcome(conclusion: str, value: Any) -> str:
    if conclusion == "may_process":
        return "processing could continue" if value else "processing would have to stop"
    if conclusion == "lawful":
        return {"yes": "the processing would be lawful", "no": "the processing would not be lawful"}.get(
            value, "its lawfulness would be undetermined"
        )
    if conclusion == "objection_continues":
        return "processing could continue after an objection" if value else "an objection would stop processing"
    if conclusion == "bases":
        return f"the legal basis would be {value}" if value else "no legal basis would apply"
    if conclusion == "retention_until":
        return f"the data could be kept until {value.isoformat()}" if value else "no end date could be given"
    if conclusion == "extended":
        return "a hold would keep the data past its window" if value else "no hold would keep the data past its window"
    shown = "none" if value in (None, "") else value
    return f"{conclusion.replace('_', ' ')} would be {shown}"


def _sentence(changes: Sequence[Change], conclusion: str, after: Any) -> str:
    phrases = [c.phrase() for c in changes]
    joined = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"Had {joined}, {_outcome(conclusion, after)}."
