"""Probe one structural limit of durable_rules 2.0.28 in this process (run by tests/test_reliability_engine.py).

``python probe_limits.py KIND N`` builds a raw native ruleset that puts N of one kind of thing where
durable_rules has a fixed-size table, asserts a fact that reaches it, then deletes the session, and
prints one JSON line: {"model": <lawbasis' verdict on the ruleset>, "load": ..., "assert": ...}.
A hang (timeout) or a signal is how the caller sees the limits that do not fail cleanly.

Kinds:
  forwards     N rules whose condition is a value list ($or) with the same alternative the fact matches
  negations    N rules each with a 'not' test ($neq) on one field, all of which the fact satisfies
  joins        N rules each joining one fact to another (a join node is never shared: all pending)
  children     N distinct equality tests on one field after one shared test
  betas        N rules whose condition is the same single test
  expressions  one condition with N value lists (each adds an or-marker and an end marker), plus 1
"""

from __future__ import annotations

import json
import sys
from typing import Any

from durable import engine as durable

from lawbasis.engine.compiler import native_limits


class Host(durable.Host):  # type: ignore[misc]
    def _run(self) -> None:  # no dispatcher threads (they crash on their own)
        return


def noop(c: Any) -> None:
    return


def ruleset(kind: str, n: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rules: dict[str, Any] = {}
    if kind == "forwards":
        for i in range(n):
            rules[f"r{i}"] = {"all": [{"m": {"$and": [{"t": "a"}, {"$or": [{"x": "1"}, {"x": "2"}]}]}}]}
        return rules, [{"t": "a", "x": "1"}]
    if kind == "negations":
        for i in range(n):
            rules[f"r{i}"] = {"all": [{"m": {"$and": [{"t": "a"}, {"$neq": {"x": f"v{i}"}}]}}]}
        return rules, [{"t": "a", "x": "other"}]
    if kind == "joins":
        for i in range(n):
            rules[f"r{i}"] = {"all": [{"a": {"t": "a"}}, {"b": {"$and": [{"t": "b"}, {"x": {"a": "x"}}]}}], "dist": 0}
        return rules, [{"t": "a", "x": "1"}, {"t": "b", "x": "1"}]
    if kind == "children":
        for i in range(n):
            rules[f"r{i}"] = {"all": [{"m": {"$and": [{"t": "a"}, {"x": f"v{i}"}]}}]}
        return rules, [{"t": "a", "x": "v0"}]
    if kind == "betas":
        for i in range(n):
            rules[f"r{i}"] = {"all": [{"m": {"t": "a"}}]}
        return rules, [{"t": "a"}]
    if kind == "expressions":
        tests: list[dict[str, Any]] = [{"t": "a"}] + [{"$or": [{f"x{i}": "1"}, {f"x{i}": "2"}]} for i in range(n)]
        rules["r0"] = {"all": [{"m": {"$and": tests}}]}
        return rules, [{"t": "a", **{f"x{i}": "1" for i in range(n)}}]
    raise SystemExit(f"unknown kind {kind}")


def main() -> None:
    kind, n = sys.argv[1], int(sys.argv[2])
    rules, facts = ruleset(kind, n)
    out: dict[str, Any] = {"model": "refused" if native_limits(rules) else "accepted"}
    for spec in rules.values():
        spec["run"] = noop
    host = Host()
    try:
        host.set_rulesets({"probe": rules})
        out["load"] = "ok"
    except BaseException as exc:  # noqa: BLE001 - the probe reports whatever durable_rules does
        out["load"] = f"error: {exc}"
        print(json.dumps(out), flush=True)
        return
    print(json.dumps(out), flush=True)  # a hang in the assert below still shows how far it got
    try:
        for fact in facts:
            host.assert_fact("probe", {"sid": "1", **fact})
        out["assert"] = "ok"
    except BaseException as exc:  # noqa: BLE001
        out["assert"] = f"error: {exc}"
    print(json.dumps(out), flush=True)
    host.delete_state("probe", "1")  # after an error this is where the heap goes
    out["delete"] = "ok"
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
