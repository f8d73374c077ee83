"""Scenario files (OpenFisca style): named facts plus the part of the decision they must produce.

A scenario file is YAML, read with the bounded safe loader of rule files::

    # my_service.scenarios.yaml
    rules: ../my_rules            # optional: a rule directory, relative to this file, or a list
                                  # of layers on the built-in rules ([../my_layer]; see Engine)
    facts: {policy: jetpak-dk}    # optional: facts shared by every scenario
    scenarios:
      - name: e-mail marketing with consent
        facts: {purpose: marketing, channel: email, consent: given,
                dates: {contract_ended: 2025-06-30}, as_of: 2026-01-01}
        expect:
          lawful: "yes"
          bases: [a]                              # letters, sorted
          objection: {applies: 21(2), continues: false}   # nested: any subset of the fields
          retention: {period: P36M, until: 2028-06-30}
          findings_include: [end_action_not_stated]
          fired_include: [jetpak-dk/marketing/consent]
          cites_include: ["GDPR Art. 21(2)"]      # provisions or quotes cited in the trace

``expect`` takes any subset of the keys of ``Decision.to_dict()`` (``policy``, ``purpose``,
``lawful``, ``bases``, ``objection``, ``retention``, ``may_process``, ``findings`` as a list of
codes) plus ``findings_include`` / ``findings_exclude``, ``fired_include`` / ``fired_exclude`` and
``cites_include``. Unquoted YAML dates and ``yes``/``no`` are read as the strings they stand for.
A scenario may instead expect an error: ``expect: {error: InputError, field: consent}``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from lawbasis.core import errors as _errors
from lawbasis.core.decision import Decision
from lawbasis.core.safeyaml import load_yaml
from lawbasis.engine.host import Engine, default_engine

_DECISION_KEYS = ("policy", "purpose", "lawful", "bases", "objection", "may_process", "action_today", "retention", "findings")
_EXTRA_KEYS = (
    "findings_include",
    "findings_exclude",
    "fired_include",
    "fired_exclude",
    "cites_include",
    "error",
    "field",
)
_SCENARIO_KEYS = ("name", "facts", "expect", "note")
_FILE_KEYS = ("rules", "facts", "scenarios", "note")


class ScenarioFileError(_errors.LawbasisError):
    """A scenario file that cannot be read: names the file, the line and the problem."""

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        super().__init__(f"{file}" + (f":{line}" if line else "") + f": {problem}")


@attrs.frozen
class Mismatch:
    """One field where the decision differs from what the scenario expects."""

    field: str
    expected: Any
    got: Any

    def __str__(self) -> str:
        return f"{self.field}: expected {self.expected!r}, got {self.got!r}"


@attrs.frozen
class Scenario:
    name: str
    file: str
    line: int
    facts: dict[str, Any]
    expect: dict[str, Any]
    #: a rule directory (as ``Engine(rules_dir)``), a tuple of layers (as ``Engine(rules=[...])``), or None
    rules: str | tuple[str, ...] | None = None


def _plain(value: Any) -> Any:
    """YAML's typed scalars back to the JSON strings they were written as."""
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _facts(value: Any) -> Any:
    """Facts keep dates as ISO strings (the JSON form); booleans stay booleans."""
    return _plain(value)


def _lines(text: str) -> list[int]:
    """The 1-based line of each item of the top-level ``scenarios`` list (safe composition, no objects built)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "scenarios" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def text_line(exc: UnicodeDecodeError) -> int:
    """The 1-based line of the first byte that is not UTF-8."""
    return bytes(exc.object[: exc.start]).count(b"\n") + 1


def _rules(file: str, path: Path, given: Any) -> str | tuple[str, ...] | None:
    """The ``rules:`` key: one directory, or a list of layers, each relative to the scenario file."""
    if given is None:
        return None
    if isinstance(given, str):
        return str((path.parent / given).resolve())
    if isinstance(given, list) and given and all(isinstance(item, str) for item in given):
        return tuple(str((path.parent / item).resolve()) for item in given)
    raise ScenarioFileError(file, 1, "'rules' must be a directory path or a non-empty list of directory paths (layers)")


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Read one scenario file; raise ``ScenarioFileError`` (file and line) when it is malformed."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        # the bounded loader of rule files: no alias bombs, no duplicate or non-string keys
        data = load_yaml(text, file)
        lines = _lines(text)
    except OSError as exc:
        raise ScenarioFileError(file, None, f"cannot read: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioFileError(file, text_line(exc), f"not UTF-8: byte {exc.object[exc.start]:#04x}") from None
    except _errors.RuleFileError as exc:
        raise ScenarioFileError(file, None, exc.problem) from None
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list):
        raise ScenarioFileError(file, 1, "a scenario file is a mapping with a 'scenarios' list")
    unknown = sorted(set(data) - set(_FILE_KEYS))
    if unknown:
        raise ScenarioFileError(file, 1, f"unknown top-level keys {unknown} (allowed: {', '.join(_FILE_KEYS)})")
    shared = data.get("facts") or {}
    if not isinstance(shared, dict):
        raise ScenarioFileError(file, 1, "'facts' at the top level must be a mapping")
    rules = _rules(file, path, data.get("rules"))
    out: list[Scenario] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data["scenarios"]):
        line = lines[index] if index < len(lines) else 1
        if not isinstance(item, dict):
            raise ScenarioFileError(file, line, "each scenario is a mapping with name, facts and expect")
        unknown = sorted(set(item) - set(_SCENARIO_KEYS))
        if unknown:
            raise ScenarioFileError(file, line, f"unknown scenario keys {unknown} (allowed: {', '.join(_SCENARIO_KEYS)})")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ScenarioFileError(file, line, "a scenario needs a non-empty 'name'")
        if name in seen:
            raise ScenarioFileError(file, line, f"scenario name {name!r} repeats the one on line {seen[name]}")
        seen[name] = line
        facts = item.get("facts") or {}
        expect = item.get("expect")
        if not isinstance(facts, dict):
            raise ScenarioFileError(file, line, f"scenario {name!r}: 'facts' must be a mapping")
        if not isinstance(expect, dict) or not expect:
            raise ScenarioFileError(file, line, f"scenario {name!r}: 'expect' must be a non-empty mapping")
        bad = sorted(set(expect) - set(_DECISION_KEYS) - set(_EXTRA_KEYS))
        if bad:
            raise ScenarioFileError(
                file, line, f"scenario {name!r}: unknown expect keys {bad} (allowed: {', '.join(_DECISION_KEYS + _EXTRA_KEYS)})"
            )
        merged = {**_facts(shared), **_facts(facts)}
        if isinstance(shared.get("dates"), dict) and isinstance(facts.get("dates"), dict):
            merged["dates"] = {**_facts(shared["dates"]), **_facts(facts["dates"])}
        out.append(Scenario(name, file, line, merged, _plain(expect), rules))
    return out


_ENGINES: dict[str | tuple[str, ...], Engine] = {}


def engine_for(scenario: Scenario) -> Engine:
    """The default engine, or one engine per rule directory or layer list named by scenario files (cached)."""
    rules = scenario.rules
    if rules is None:
        return default_engine()
    if rules not in _ENGINES:
        _ENGINES[rules] = Engine(rules) if isinstance(rules, str) else Engine(rules=list(rules))
    return _ENGINES[rules]


def _lawful(value: Any) -> Any:
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value


def _partial(prefix: str, expected: Any, got: Any, out: list[Mismatch]) -> None:
    if isinstance(expected, Mapping) and isinstance(got, Mapping):
        for key, value in expected.items():
            if key not in got:
                out.append(Mismatch(f"{prefix}.{key}", value, "(no such field)"))
            else:
                _partial(f"{prefix}.{key}", value, got[key], out)
        return
    if expected != got:
        out.append(Mismatch(prefix, expected, got))


def _trace_cites(decision: Decision) -> set[str]:
    cites: set[str] = set()
    for step in decision.trace:
        for cite in step.cites:
            if cite.law:
                cites.add(cite.law)
            if cite.quote:
                cites.add(cite.quote)
    return cites


def _bases(want: Any, decision: Decision, got: Any, out: list[Mismatch]) -> None:
    # a list of letters compares sorted; a list of basis mappings field by field, in order
    if isinstance(want, list) and all(isinstance(w, str) for w in want):
        _partial("bases", sorted(want), decision.basis_letters, out)
    elif isinstance(want, list) and len(want) == len(got):
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            _partial(f"bases[{i}]", w, g, out)
    else:
        out.append(Mismatch("bases", want, got))


def _decision_key(key: str, want: Any, decision: Decision, got: dict[str, Any], out: list[Mismatch]) -> None:
    """One key of ``Decision.to_dict()``."""
    if key in ("policy", "purpose", "may_process", "action_today"):
        _partial(key, want, got[key], out)
    elif key == "lawful":
        _partial(key, _lawful(want), got[key], out)
    elif key == "bases":
        _bases(want, decision, got["bases"], out)
    elif key in ("objection", "retention"):
        if want is None or not isinstance(want, Mapping):
            out.append(Mismatch(key, want, "(expect a mapping of fields)"))
        else:
            _partial(key, want, got[key], out)
    elif key == "findings":
        _partial("findings", sorted(want or []), sorted(decision.finding_codes), out)


def _include(key: str, want: Any, have: Any, out: list[Mismatch], shown: Any = None) -> None:
    missing = [x for x in want if x not in have]
    if missing:
        out.append(Mismatch(key, missing, have if shown is None else shown))


def _exclude(key: str, want: Any, have: Any, out: list[Mismatch]) -> None:
    present = [x for x in want if x in have]
    if present:
        out.append(Mismatch(key, f"none of {present}", have))


def _extra_key(key: str, want: Any, decision: Decision, out: list[Mismatch]) -> None:
    """One of the keys beyond the decision's: included/excluded codes, rules and cites, an error."""
    if key == "findings_include":
        _include(key, want, decision.finding_codes, out)
    elif key == "findings_exclude":
        _exclude(key, want, decision.finding_codes, out)
    elif key == "fired_include":
        _include(key, want, decision.fired(), out)
    elif key == "fired_exclude":
        _exclude(key, want, decision.fired(), out)
    elif key == "cites_include":
        cites = _trace_cites(decision)
        _include(key, want, cites, out, shown=sorted(cites))
    elif key in ("error", "field"):
        out.append(Mismatch(key, want, f"no error; decision lawful={decision.lawful!r}"))


def compare(expect: Mapping[str, Any], decision: Decision) -> list[Mismatch]:
    """Every field where ``decision`` differs from ``expect`` (empty: the scenario holds)."""
    got = decision.to_dict()
    out: list[Mismatch] = []
    for key, want in expect.items():
        if key in _DECISION_KEYS:
            _decision_key(key, want, decision, got, out)
        else:
            _extra_key(key, want, decision, out)
    return out


def run(scenario: Scenario) -> list[Mismatch]:
    """Evaluate one scenario; the mismatches (empty when it holds)."""
    expect = scenario.expect
    engine = engine_for(scenario)
    if "error" in expect:
        try:
            decision = engine.evaluate(scenario.facts)
        except _errors.LawbasisError as exc:
            out = []
            if type(exc).__name__ != expect["error"] and expect["error"] not in [c.__name__ for c in type(exc).__mro__]:
                out.append(Mismatch("error", expect["error"], f"{type(exc).__name__}: {exc}"))
            if "field" in expect and getattr(exc, "field", None) != expect["field"]:
                out.append(Mismatch("field", expect["field"], getattr(exc, "field", None)))
            return out
        return compare(expect, decision)
    decision = engine.evaluate(scenario.facts)
    return compare(expect, decision)
