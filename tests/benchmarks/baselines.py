"""The three baselines every benchmark figure is divided by (measured in the same run).

(a) ``RawFloor``: the raw durable_rules floor. The same facts ``evaluate()`` asserts (the activity
    fact, the window fact and one phase marker per stratum) go into a one-rule ruleset on a
    thread-free host; the facts are read back and the session is deleted. No rule fires, no Python
    action runs: what durable_rules itself costs to hold these facts.
(b) ``plain_marketing``: jetpak-dk ``marketing`` written as plain Python if/else, the speed of light
    for this decision (no citations, no trace, no findings).
(c) ``dates_only``: the vectorised date arithmetic alone on the same table: parse the date columns,
    add the window's period, cut at the earliest cut date, compare with as_of.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from durable import engine as durable

from lawbasis.core.calendar import Period
from lawbasis.tables.frame import add_period, parse_date_column


class _SyncHost(durable.Host):
    def _run(self) -> None:  # no dispatcher threads, as lawbasis.engine.host._SyncHost
        return


class RawFloor:
    """One-rule ruleset: assert the facts, read them back, delete the session."""

    _names = itertools.count(1)

    def __init__(self) -> None:
        self.host = _SyncHost()
        self.name = f"floor{next(self._names)}"
        kinds = [{"t": k} for k in ("activity", "phase", "window", "duty")]
        self.host.set_rulesets(
            {
                self.name: {
                    "sink": {"all": [{"m": {"$or": kinds}}, {"never": {"t": "__never__"}}], "run": lambda c: None},
                    "prime": {"all": [{"m": {"t": "__prime__"}}], "run": lambda c: None},
                }
            }
        )
        # as lawbasis's host does (compiler.PRIME): a first session that fires no action would leave
        # durable_rules freeing an uninitialised pointer in delete_state (the floor's runs fire none)
        self.host.assert_fact(self.name, {"sid": "s1", "t": "__prime__"})
        self.host.delete_state(self.name, "s1")

    def run(self, facts: list[dict[str, str]]) -> int:
        for fact in facts:
            self.host.assert_fact(self.name, fact)
        got = self.host.get_facts(self.name, "s1")
        self.host.delete_state(self.name, "s1")
        return len(got)


def engine_facts(engine: Any, activity: Any) -> list[dict[str, str]]:
    """The facts Engine.evaluate asserts from outside for this activity (activity, duties, window, markers)."""
    from lawbasis import Activity
    from lawbasis.engine.host import _duty_facts

    a = Activity.from_dict(activity)
    policy = engine.policy(a.policy)
    compiled = engine.compiled(a.policy)
    as_of = a.as_of or dt.date.today()
    facts = [engine._activity_fact(a, policy, as_of), *_duty_facts(compiled.duties, a, as_of)]
    for stratum in range(1, compiled.strata + 1):
        if stratum == compiled.calendar_stratum:
            facts.append(
                {
                    "sid": "s1",
                    "t": "window",
                    "rule": "calendar/window",
                    "status": "open",
                    "until": "2028-06-30",
                    "window_until": "2028-06-30",
                }
            )
        facts.append({"sid": "s1", "t": "phase", "n": str(stratum)})
    return facts


ELECTRONIC = {"email", "sms", "mms", "automated_call"}


def plain_marketing(a: dict[str, Any]) -> dict[str, Any]:
    """jetpak-dk marketing as if/else (direct marketing: Art. 21(2) applies, objection never continues)."""
    consent = a.get("consent", "none")
    status = a.get("customer_status", "customer")
    dates = a.get("dates", {})
    as_of = dt.date.fromisoformat(a["as_of"])
    candidates = {"f"}
    if consent in ("given", "explicit"):
        candidates.add("a")
    blocked = set()
    if consent == "withdrawn":
        blocked |= {"a", "f"}
    if a.get("channel") in ELECTRONIC or a.get("personalised"):
        blocked |= {"e", "f"}
    bases = sorted(candidates - blocked)
    if a.get("special_category") and consent != "explicit":
        lawful = "no"
    else:
        lawful = "yes" if bases else "no"
    if status == "prospect":
        period, anchor = relativedelta(months=12), dates.get("contact_collected")
    else:
        period, anchor = relativedelta(months=36), dates.get("contract_ended")
    until = dt.date.fromisoformat(anchor) + period if anchor else None
    stopped = a.get("objection", "none") != "none" or (a.get("erasure_requested") and not a.get("dispute"))
    may = lawful == "yes" and not stopped and not (until is not None and as_of > until)
    return {"lawful": lawful, "bases": bases, "objection": ("21(2)", False), "may_process": may, "until": until}


def dates_only(
    table: pd.DataFrame,
    as_of: dt.date,
    period: str = "P36M",
    anchor: str = "contract_ended",
    cuts: tuple[str, ...] = ("objection_received",),
) -> np.ndarray:
    """Baseline (c): keep/delete per row from the date columns alone (one fixed window)."""
    end = add_period(parse_date_column(anchor, table[anchor]), Period.parse(period))
    for cut in cuts:
        end = np.fmin(end, parse_date_column(cut, table[cut]))
    delete = ~np.isnat(end) & (np.datetime64(as_of, "D") > end)
    return np.where(delete, "delete", "keep")


def dates_arithmetic(
    table: pd.DataFrame,
    as_of: dt.date,
    windows: tuple[tuple[str, int], ...] = (("contract_ended", 36), ("contact_collected", 12)),
    cuts: tuple[str, ...] = ("objection_received", "consent_withdrawn"),
) -> np.ndarray:
    """Baseline (c) for table shapes: what a user's own pandas code for the dates costs on this frame.

    ``pd.to_datetime`` on every date column the table has (whatever its dtype), each window's period
    added to its anchor (``pd.DateOffset``, months clamped to the month's end), cut at the earliest cut
    date, compared with as_of. Independent of lawbasis's own parsing.
    """
    from lawbasis.core.activity import DATE_KEYS

    parsed = {k: pd.to_datetime(table[k]) for k in DATE_KEYS if k in table.columns}
    day = pd.Timestamp(as_of)
    keep = np.zeros(len(table), dtype=bool)
    for anchor, months in windows:
        end = parsed[anchor] + pd.DateOffset(months=months)
        for cut in cuts:
            end = end.where(~(parsed[cut] < end), parsed[cut])
        keep |= (end >= day).to_numpy()
    return np.where(keep, "keep", "delete")
