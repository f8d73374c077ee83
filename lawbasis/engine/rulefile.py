"""Reading rule files: safe YAML, a JSON Schema for the shape, then the checks a schema cannot make.

A rule directory holds policy files (one per policy: its metadata, its purposes with their headings
and its rules, top to bottom like the text) and law files (GDPR, national law) whose rules apply to
every policy or to the policies of one country. Policy texts live in ``policies/`` beside them: every
quote and heading is checked to appear verbatim (whitespace-normalised) in its text at load time.
Several directories load as layers, lowest first (``resolve_layers``, ``load_layers``): a layer adds
policies, laws and rules, and replaces a lower layer's law rule only where a rule names it
(``replaces``). Any problem raises ``RuleFileError`` naming the file and the rule id.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

import attrs
import jsonschema  # type: ignore[import-untyped]

from lawbasis.core.calendar import Period
from lawbasis.core.errors import InputError, RuleFileError
from lawbasis.core.safeyaml import MAX_RULE_FILE, MAX_TEXT_FILE, contained, load_yaml, read_bounded, short
from lawbasis.core.vocabulary import BUILTIN, CALENDAR_KINDS, CLOCK_KINDS, CLOCKED_KINDS, REQUIRED, Vocabulary, fact_value

_ID = r"^[a-z0-9][a-z0-9_-]*$"
#: The longest period a rule may state, in days counted generously (a year as 366 days, a month as
#: 31): 1,000 years. A retention or statutory period is years at most, and every window end must
#: stay inside ``datetime.date`` (year 9999) from any real anchor date.
MAX_PERIOD_DAYS = 1000 * 366
_PERIOD_FIELDS = ("period", "statutory_period")
#: Conclusions only a law file may make: what a statute requires is not the policy's to say.
LAW_KINDS = ("statutory",)

_RULE_ID = r"^[a-z0-9][a-z0-9_./-]*$"

_VALUE = {"type": ["string", "boolean", "null"]}
_VALUES = {"oneOf": [_VALUE, {"type": "array", "items": _VALUE, "minItems": 1}]}
_TEST = {
    "oneOf": [
        _VALUES,
        {"type": "object", "properties": {"not": _VALUES}, "required": ["not"], "additionalProperties": False},
    ]
}
# ``{in: [values], as: $X}``: the field is one of the values, and $X is bound to the one it is
_BOUND_CHOICE = {
    "type": "object",
    "properties": {
        "in": {"type": "array", "items": _VALUE, "minItems": 1},
        "as": {"type": "string", "pattern": "^[$][A-Za-z_][A-Za-z0-9_]*$"},
    },
    "required": ["in", "as"],
    "additionalProperties": False,
}
_FACT_PATTERN = {
    "type": "object",
    "properties": {"fact": {"type": "string"}},
    "required": ["fact"],
    "additionalProperties": {"oneOf": [_VALUES, _BOUND_CHOICE]},
}
_CONDITION = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"activity": {"type": "object", "additionalProperties": _TEST, "minProperties": 1}},
            "required": ["activity"],
            "additionalProperties": False,
        },
        _FACT_PATTERN,
        {
            "type": "object",
            "properties": {"absent": _FACT_PATTERN},
            "required": ["absent"],
            "additionalProperties": False,
        },
    ]
}
_CONCLUSION = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": {"type": "object", "additionalProperties": _VALUE},
}
_CITE = {
    "type": "object",
    "properties": {
        "quote": {"type": "string", "minLength": 1},
        "section": {"type": "string", "minLength": 1},
        "policy": {"type": "string", "pattern": _ID},
        "law": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
    "minProperties": 1,
}
_RULE = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": _RULE_ID},
        "purpose": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]},
        "section": {"type": "string", "minLength": 1},
        "when": {"type": "array", "items": _CONDITION},
        "then": {"type": "array", "items": _CONCLUSION, "minItems": 1},
        "cites": {"type": "array", "items": _CITE, "minItems": 1},
        "note": {"type": "string"},
        "replaces": {"type": "string", "pattern": _RULE_ID},
    },
    "required": ["id", "then", "cites"],
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "oneOf": [
        {
            "properties": {
                "policy": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "pattern": _ID},
                        "controller": {"type": "string", "minLength": 1},
                        "language": {"type": "string", "pattern": "^[a-z]{2}$"},
                        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                        "text": {"type": "string", "minLength": 1},
                    },
                    "required": ["id", "controller", "language", "country", "text"],
                    "additionalProperties": False,
                },
                "purposes": {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": {"pattern": _ID},
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "heading": {"type": "string", "minLength": 1},
                            "description": {"type": "string"},
                        },
                        "required": ["heading"],
                        "additionalProperties": False,
                    },
                },
                "rules": {"type": "array", "items": _RULE},
            },
            "required": ["policy", "purposes", "rules"],
            "additionalProperties": False,
        },
        {
            "properties": {
                "law": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "pattern": _ID},
                        "title": {"type": "string", "minLength": 1},
                        "countries": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
                    },
                    "required": ["id", "title"],
                    "additionalProperties": False,
                },
                "rules": {"type": "array", "items": _RULE},
            },
            "required": ["law", "rules"],
            "additionalProperties": False,
        },
    ],
}
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace (non-breaking spaces included) into one space."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@attrs.frozen
class Cite:
    """One source a conclusion rests on: a verbatim policy quote, a provision, or both."""

    policy: str | None = None
    section: str | None = None
    quote: str | None = None
    law: str | None = None
    #: the language of the quoted policy's text (``lang`` of a rendered quote); not part of the JSON
    language: str | None = attrs.field(default=None, eq=False)

    def to_dict(self) -> dict[str, str]:
        out = {}
        if self.quote is not None:
            out["policy"] = self.policy or ""
            if self.section is not None:
                out["section"] = self.section
            out["quote"] = self.quote
        if self.law is not None:
            out["law"] = self.law
        return out


@attrs.frozen
class Purpose:
    id: str
    heading: str
    description: str | None = None


@attrs.frozen
class Policy:
    id: str
    controller: str
    language: str
    country: str
    text_file: str
    text: str
    purposes: dict[str, Purpose]
    file: str


@attrs.frozen
class Law:
    id: str
    title: str
    countries: tuple[str, ...] | None
    file: str


@attrs.frozen
class Rule:
    """One rule as written: conditions (``when``), conclusions (``then``) and citations."""

    id: str
    file: str
    scope: str  # a policy id, or "law:<id>"
    purposes: tuple[str, ...]
    when: tuple[dict[str, Any], ...]
    then: tuple[tuple[str, dict[str, str]], ...]
    cites: tuple[Cite, ...]
    note: str | None = None
    #: the id of the rule of a lower layer this rule takes the place of (``replaces:``)
    replaces: str | None = None


@attrs.frozen
class RuleBase:
    """Everything loaded from one rule directory, or from a list of layers (``directory`` is the top one)."""

    directory: str
    policies: dict[str, Policy]
    laws: dict[str, Law]
    rules: tuple[Rule, ...]
    #: the rule directories loaded, lowest layer first
    layers: tuple[str, ...] = ()
    #: the built-in vocabulary plus the directory's ``facts:`` blocks: what activities are checked against
    vocabulary: Vocabulary = BUILTIN

    def rules_for(self, policy_id: str) -> list[Rule]:
        """The rules that apply to one policy: its own and the law files for its country."""
        country = self.policies[policy_id].country
        out = []
        for rule in self.rules:
            if rule.scope == policy_id:
                out.append(rule)
            elif rule.scope.startswith("law:"):
                law = self.laws[rule.scope[4:]]
                if law.countries is None or country in law.countries:
                    out.append(rule)
        return out


#: The string form every value takes inside durable_rules (one definition: :func:`lawbasis.core.vocabulary.fact_value`).
to_fact_value = fact_value


def _check_value(file: str, rule_id: str, where: str, allowed: tuple[str, ...] | None, value: str) -> None:
    if value.startswith("$"):
        return
    if allowed is not None and value not in allowed:
        raise RuleFileError(file, rule_id, f"{where}: {value!r} is not one of {', '.join(allowed)}")


def _values(raw: object) -> list[str]:
    if isinstance(raw, list):
        return [to_fact_value(v) for v in raw]
    return [to_fact_value(raw)]


def _load_yaml(root: Path, path: Path, name: str) -> Any:
    # a *.yaml may be a symlink: only to a regular file inside the directory
    target = contained(root, path.name, name, "rule file")
    return load_yaml(read_bounded(target, MAX_RULE_FILE, name, "rule file"), name)


def _check_period(file: str, rule_id: str, where: str, value: str) -> None:
    try:
        period = Period.parse(value)
    except InputError:
        raise RuleFileError(file, rule_id, f"{where}: {short(value)} is not an ISO 8601 date duration") from None
    if period.years * 366 + period.months * 31 + period.days > MAX_PERIOD_DAYS:
        raise RuleFileError(file, rule_id, f"{where}: {short(value)} is longer than 1000 years")


def _schema_error(file: str, data: Any) -> None:
    if not isinstance(data, dict):
        # no content shown: a *.yaml that is really some other file must not be echoed
        raise RuleFileError(file, None, f"top level: a mapping with 'policy' or 'law' is expected, not {_describe(data)}")
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: len(list(e.absolute_path)))
    if not errors:
        return
    # oneOf hides the useful message one level down: report the deepest error of the best branch.
    best = jsonschema.exceptions.best_match(errors)
    # The top-level oneOf (policy file | law file) reports at the top with the whole file as its
    # value: descend into the branch this file claims to be, so the error names the rule.
    if not best.absolute_path and best.context:
        branch = 0 if isinstance(data, dict) and "policy" in data else 1
        inner = [e for e in best.context if list(e.relative_schema_path)[:1] == [branch]]
        if inner:
            best = jsonschema.exceptions.best_match(inner)
    rule_id = None
    path = list(best.absolute_path)
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        rules = data.get("rules") if isinstance(data, dict) else None
        if isinstance(rules, list) and path[1] < len(rules) and isinstance(rules[path[1]], dict):
            given = rules[path[1]].get("id")
            rule_id = given if isinstance(given, str) and 0 < len(given) <= 80 else f"#{path[1] + 1}"
    where = "/".join(str(p)[:40] for p in path) or "top level"
    # jsonschema's message quotes the whole offending value: keep it to one short line
    message = best.message.replace(repr(best.instance), _describe(best.instance))
    if len(message) > 300:
        message = message[:297] + "..."
    raise RuleFileError(file, rule_id, f"{where}: {message}")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return f"a mapping of {len(value)} keys"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, str) and (len(value) > 80 or "\n" in value):
        return f"a text of {len(value)} characters"
    return short(value)


def _check_activity(file: str, rule_id: str, activity: dict[str, Any], vocabulary: Vocabulary) -> None:
    fields = vocabulary.activity_fields
    for field, test in activity.items():
        if field not in fields:
            raise RuleFileError(file, rule_id, f"activity has no field {field!r} (fields: {', '.join(fields)})")
        raw = test["not"] if isinstance(test, dict) else test
        for value in _values(raw):
            if value.startswith("$"):
                raise RuleFileError(file, rule_id, f"activity.{field}: variables are not allowed on the activity")
            _check_value(file, rule_id, f"activity.{field}", fields[field], value)


def _check_condition(file: str, rule_id: str, condition: dict[str, Any], bound: set[str], vocabulary: Vocabulary = BUILTIN) -> None:
    kinds = vocabulary.kinds
    if "activity" in condition:
        _check_activity(file, rule_id, condition["activity"], vocabulary)
        return
    negated = "absent" in condition
    pattern = condition["absent"] if negated else condition
    kind = pattern["fact"]
    if kind not in kinds:
        raise RuleFileError(file, rule_id, f"unknown fact kind {kind!r} (kinds: {', '.join(kinds)})")
    for field, raw in pattern.items():
        if field == "fact":
            continue
        if field not in kinds[kind] and field != "rule":
            raise RuleFileError(file, rule_id, f"fact {kind!r} has no field {field!r}")
        allowed = kinds[kind].get(field) if field != "rule" else None
        if isinstance(raw, dict):  # {in: [...], as: $X}
            if negated:
                raise RuleFileError(file, rule_id, f"{kind}.{field}: 'as' cannot bind a variable inside 'absent'")
            if raw["as"] in bound:
                raise RuleFileError(file, rule_id, f"{kind}.{field}: variable {raw['as']} is already bound")
            for value in _values(raw["in"]):
                if value.startswith("$"):
                    raise RuleFileError(file, rule_id, f"{kind}.{field}: 'in' lists values, not variables")
                _check_value(file, rule_id, f"{kind}.{field}", allowed, value)
            bound.add(raw["as"])
            continue
        if field == "rule":
            value = to_fact_value(raw)
            if not value.startswith("$") or value in bound or negated:
                raise RuleFileError(file, rule_id, "rule: only binds a new variable to the id of the rule that concluded the fact")
            bound.add(value)
            continue
        values = _values(raw)
        for value in values:
            _check_value(file, rule_id, f"{kind}.{field}", allowed, value)
            if value.startswith("$"):
                if len(values) > 1:
                    raise RuleFileError(file, rule_id, f"{kind}.{field}: a variable cannot be one of several values")
                if negated and value not in bound:
                    raise RuleFileError(file, rule_id, f"{kind}.{field}: variable {value} must be bound before 'absent'")
                bound.add(value)


def _check_conclusions(
    file: str, rule_id: str, then: list[dict[str, Any]], bound: set[str], vocabulary: Vocabulary = BUILTIN
) -> list[tuple[str, dict[str, str]]]:
    kinds = vocabulary.kinds
    out = []
    for conclusion in then:
        ((kind, fields),) = conclusion.items()
        if kind not in kinds:
            raise RuleFileError(file, rule_id, f"cannot conclude unknown fact kind {kind!r} (kinds: {', '.join(kinds)})")
        if kind in CALENDAR_KINDS or kind in CLOCK_KINDS:
            raise RuleFileError(file, rule_id, f"{kind!r} facts are produced by the calendar, not by rules")
        if kind in CLOCKED_KINDS and any(to_fact_value(fields.get(f)).startswith("$") for f in ("period", "from")):
            # the calendar computes every statutory duty's and limitation period's status before the
            # rules run (``duty`` facts), so the period must be known from the rule file itself
            raise RuleFileError(file, rule_id, f"{kind}.period and {kind}.from must be written out, not variables")
        missing = [f for f in REQUIRED[kind] if f not in fields]
        if missing:
            raise RuleFileError(file, rule_id, f"conclusion {kind!r} lacks {', '.join(missing)}")
        values = {}
        for field, raw in fields.items():
            if field not in kinds[kind]:
                raise RuleFileError(file, rule_id, f"fact {kind!r} has no field {field!r}")
            value = to_fact_value(raw)
            _check_value(file, rule_id, f"{kind}.{field}", kinds[kind][field], value)
            if value.startswith("$") and value not in bound:
                raise RuleFileError(file, rule_id, f"{kind}.{field}: variable {value} is not bound by a condition")
            if field in _PERIOD_FIELDS and value != "null" and not value.startswith("$"):
                _check_period(file, rule_id, f"{kind}.{field}", value)
            values[field] = value
        out.append((kind, values))
    return out


#: How the problem of a quote that is not in its text begins (``lawbasis check`` adds the nearest passage).
QUOTE_NOT_FOUND = "quote not found verbatim in the text of"

#: Where a validator sends each problem instead of raising it (``lawbasis check`` collects them all).
Report = Callable[[RuleFileError], None]


def _check_quote(file: str, rule_id: str, texts: dict[str, str], policy: str | None, quote: str) -> None:
    if policy is None:
        raise RuleFileError(file, rule_id, "a quote in a law file must name its policy")
    if policy not in texts:
        raise RuleFileError(file, rule_id, f"quote names unknown policy {policy!r}")
    if normalise_space(quote) not in texts[policy]:
        raise RuleFileError(file, rule_id, f"{QUOTE_NOT_FOUND} {policy}: {quote!r}")


def load_vocabulary(files: dict[str, Any], base: Vocabulary = BUILTIN) -> Vocabulary:
    """The built-in vocabulary plus the ``facts:`` blocks of a directory's vocabulary files (name -> YAML).

    A vocabulary file holds only a ``facts:`` block (docs/reference/rule-format.md, "Declaring facts");
    the files are read in name order, so a date key may be ordered after one declared in an earlier file.
    A copy of the built-in ``vocabulary.yaml`` repeats its declarations and changes nothing. ``base`` is
    the vocabulary of the layers below.
    """
    vocabulary = base
    for name, data in sorted(files.items()):
        extra = sorted(set(data) - {"facts"})
        if extra:
            raise RuleFileError(name, None, f"top level: a vocabulary file holds only 'facts', not {', '.join(map(repr, extra))}")
        vocabulary = vocabulary.extend(data["facts"], name)
    return vocabulary


#: The optional manifest of a rule directory: what the directory builds on (``extends``).
MANIFEST = "lawbasis.yaml"
#: ``builtin``: the directory is a layer on the built-in rules; ``none``: it is a complete rule set.
EXTENDS = ("builtin", "none")
_MANIFEST_SCHEMA = {
    "type": "object",
    "properties": {"extends": {"enum": list(EXTENDS)}, "note": {"type": "string"}},
    "required": ["extends"],
    "additionalProperties": False,
}
_MANIFEST_VALIDATOR = jsonschema.Draft202012Validator(_MANIFEST_SCHEMA)


@attrs.frozen
class _Source:
    """One rule file as read: its layer (0 the lowest), the layer's directory, its name in errors, its data."""

    layer: int
    root: Path
    name: str
    data: dict[str, Any]

    @property
    def own_policy(self) -> str | None:
        return self.data["policy"]["id"] if "policy" in self.data else None

    @property
    def scope(self) -> str:
        return self.data["policy"]["id"] if "policy" in self.data else f"law:{self.data['law']['id']}"


def _rule_directory(directory: str | os.PathLike[str]) -> Path:
    root = Path(directory)
    if not root.exists():
        raise RuleFileError(str(root), None, "rule directory does not exist")
    if not root.is_dir():
        raise RuleFileError(str(root), None, "rule directory is not a directory")
    return root


def read_manifest(directory: str | os.PathLike[str]) -> str | None:
    """What a rule directory's ``lawbasis.yaml`` says it ``extends`` (``builtin`` or ``none``); None without one."""
    root = _rule_directory(directory)
    label = str(root / MANIFEST)
    if not (root / MANIFEST).exists() and not (root / MANIFEST).is_symlink():
        return None
    target = contained(root, MANIFEST, label, "manifest")
    data = load_yaml(read_bounded(target, MAX_RULE_FILE, label, "manifest"), label)
    if not isinstance(data, dict):
        raise RuleFileError(label, None, f"top level: a mapping with 'extends' is expected, not {_describe(data)}")
    error = jsonschema.exceptions.best_match(_MANIFEST_VALIDATOR.iter_errors(data))
    if error is not None:
        where = "/".join(str(p)[:40] for p in error.absolute_path) or "top level"
        allowed = f"'extends' is one of {', '.join(EXTENDS)}; 'note' is text"
        raise RuleFileError(label, None, f"{where}: {error.message.replace(repr(error.instance), _describe(error.instance))} ({allowed})")
    return str(data["extends"])


def resolve_layers(base: str | os.PathLike[str] | None, layers: Iterable[str | os.PathLike[str]], builtin: Path) -> tuple[Path, ...]:
    """The rule directories to load, lowest first.

    ``base`` is a complete rule set (the built-in rules when None) unless its manifest says ``extends:
    builtin``; each of ``layers`` goes on top, in order. With no ``base`` the built-in rules go first
    unless the first layer's manifest says ``extends: none`` (it is then the complete set). A directory
    named twice is loaded once.
    """
    given = [Path(layer) for layer in layers]
    out: list[Path] = []

    def has_builtin() -> bool:
        return any(directory.resolve() == builtin.resolve() for directory in out)

    if base is None:
        if not (given and read_manifest(given[0]) == "none"):
            out.append(builtin)
    else:
        if read_manifest(base) == "builtin":
            out.append(builtin)
        out.append(Path(base))
    for layer in given:
        extends = read_manifest(layer)
        if extends == "none" and out:
            raise RuleFileError(
                str(Path(layer) / MANIFEST), None, f"extends: none makes the directory a complete rule set, but it is layered on {out[-1]}"
            )
        if extends == "builtin" and not has_builtin():
            raise RuleFileError(
                str(Path(layer) / MANIFEST),
                None,
                f"extends: builtin, but the layers under it ({', '.join(map(str, out))}) replace the built-in rules",
            )
        out.append(layer)
    seen: set[Path] = set()
    unique = []
    for directory in out:
        key = directory.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(directory)
    return tuple(unique)


def rule_files(root: Path) -> list[Path]:
    """The ``*.yaml`` rule files of a rule directory, in the order they are read (the manifest is not one)."""
    root = _rule_directory(root)
    files = sorted(path for path in root.glob("*.yaml") if path.name != MANIFEST)
    if not files:
        raise RuleFileError(str(root), None, "rule directory holds no *.yaml rule files")
    return files


def _is_vocabulary(data: Any) -> bool:
    """A vocabulary file: a ``facts:`` block of its own (docs/reference/rule-format.md, "Declaring facts")."""
    return isinstance(data, dict) and "facts" in data


def _read_layer(index: int, directory: str | Path, labelled: bool) -> list[_Source]:
    """Every ``*.yaml`` rule file of one layer, schema-checked."""
    root = _rule_directory(directory)
    files = rule_files(root)
    out = []
    for path in files:
        # with several layers a name alone would not say which directory's gdpr.yaml is meant
        name = str(root / path.name) if labelled else path.name
        data = _load_yaml(root, path, name)
        if not _is_vocabulary(data):
            _schema_error(name, data)
        out.append(_Source(index, root, name, data))
    return out


def load_policy(root: Path, name: str, data: dict[str, Any], report: Report | None = None) -> Policy:
    """The ``policy`` and ``purposes`` of a policy file, its text read and every heading found in it.

    With ``report``, a heading that is not in the text is reported and the purpose kept, so that the
    rules naming it are still checked; a text that cannot be read always raises.
    """
    meta = data["policy"]
    what = f"policy text {short(meta['text'])}"
    text = normalise_space(read_bounded(contained(root, meta["text"], name, "policy text"), MAX_TEXT_FILE, name, what))
    purposes = {}
    for pid, pdata in data["purposes"].items():
        if normalise_space(pdata["heading"]) not in text:
            problem = RuleFileError(name, None, f"purpose {pid!r}: heading not found verbatim in {meta['text']}")
            if report is None:
                raise problem
            report(problem)
        purposes[pid] = Purpose(pid, pdata["heading"], pdata.get("description"))
    return Policy(meta["id"], meta["controller"], meta["language"], meta["country"], meta["text"], text, purposes, name)


def check_rule(
    name: str,
    item: dict[str, Any],
    scope: str,
    own_policy: str | None,
    policies: dict[str, Policy],
    report: Report | None = None,
    vocabulary: Vocabulary = BUILTIN,
) -> Rule | None:
    """One rule of file ``name`` (its shape already valid; ``scope`` a policy id or ``law:<id>``), checked.

    Without ``report`` the first problem is raised; with it, every condition, conclusion and citation
    is checked on its own, each problem is reported, and ``None`` is returned if there was any.
    """
    rule_id = item["id"]
    failed = False

    def attempt(check: Callable[[], Any]) -> Any:
        nonlocal failed
        try:
            return check()
        except RuleFileError as exc:
            if report is None:
                raise
            report(exc)
            failed = True
            return None

    scoped: tuple[str, ...] = ()
    if "purpose" in item:
        scoped = tuple(item["purpose"]) if isinstance(item["purpose"], list) else (item["purpose"],)
        if own_policy is None:
            attempt(partial(_fail, name, rule_id, "law rules cannot name a purpose; test a flag instead"))
        else:
            for pid in scoped:
                if pid not in policies[own_policy].purposes:
                    attempt(partial(_fail, name, rule_id, f"purpose {pid!r} is not declared under 'purposes'"))
    bound: set[str] = set()
    when = item.get("when", [])
    for condition in when:
        attempt(partial(_check_condition, name, rule_id, condition, bound, vocabulary))
    then: list[tuple[str, dict[str, str]]] = []
    for conclusion in item["then"]:
        # one at a time, so that each wrong conclusion is reported; none of them binds a variable
        then.extend(attempt(partial(_check_conclusions, name, rule_id, [conclusion], bound, vocabulary)) or [])
    if own_policy is not None:
        for kind, _ in then:
            if kind in LAW_KINDS:
                attempt(
                    partial(
                        _fail,
                        name,
                        rule_id,
                        f"a policy file cannot conclude {kind!r}: only a law file (top-level 'law:') states what a statute says",
                    )
                )
    texts = {pid: p.text for pid, p in policies.items()}
    cites = []
    for c in item["cites"]:
        quote = c.get("quote")
        policy = c.get("policy", own_policy) if quote is not None else None
        section = c.get("section", item.get("section")) if quote is not None else None
        if quote is None and "law" not in c:
            attempt(partial(_fail, name, rule_id, "a citation needs a quote or a law"))
        if quote is not None:
            attempt(partial(_check_quote, name, rule_id, texts, policy, quote))
            if section is not None and policy in texts and normalise_space(section) not in texts[policy]:
                attempt(partial(_fail, name, rule_id, f"section heading not found verbatim in {policy}: {section!r}"))
        language = policies[policy].language if quote is not None and policy in policies else None
        cites.append(Cite(policy=policy, section=section, quote=quote, law=c.get("law"), language=language))
    if failed:
        return None
    return Rule(rule_id, name, scope, scoped, tuple(when), tuple(then), tuple(cites), item.get("note"), item.get("replaces"))


def _fail(file: str, rule_id: str | None, problem: str) -> None:
    raise RuleFileError(file, rule_id, problem)


def _declare(sources: list[_Source]) -> tuple[dict[str, Policy], dict[str, Law]]:
    """The policies (with their texts, read from their own layer) and laws the files declare."""
    policies: dict[str, Policy] = {}
    laws: dict[str, Law] = {}
    for source in sources:
        name, data = source.name, source.data
        if "policy" in data:
            meta = data["policy"]
            if meta["id"] in policies:
                raise RuleFileError(name, None, f"policy {meta['id']!r} is also defined in {policies[meta['id']].file}")
            policies[meta["id"]] = load_policy(source.root, name, data)
        else:
            meta = data["law"]
            if meta["id"] in laws:
                raise RuleFileError(name, None, f"law {meta['id']!r} is also defined in {laws[meta['id']].file}")
            countries = tuple(meta["countries"]) if "countries" in meta else None
            laws[meta["id"]] = Law(meta["id"], meta["title"], countries, name)
    return policies, laws


def _check_rule(source: _Source, item: dict[str, Any], policies: dict[str, Policy], vocabulary: Vocabulary) -> Rule:
    """One rule of a file, checked on its own (ids across files are ``_place``'s business)."""
    rule = check_rule(source.name, item, source.scope, source.own_policy, policies, vocabulary=vocabulary)
    assert rule is not None  # without a report, every problem raises
    return rule


def _place(rules: list[Rule], rule: Rule, layer: int, origin: dict[str, tuple[str, int, str]], replaced: dict[str, Rule]) -> None:
    """Add a checked rule: a new id, or (``replaces``) in the place of a law rule of a lower layer.

    ``origin`` maps every id placed so far to (file, layer, scope); ``replaced`` every replaced id to
    the rule that replaced it.
    """
    target = rule.replaces
    if target is not None:
        found = origin.get(target)
        if found is None or found[1] >= layer:
            if target in replaced:
                by = replaced[target]
                raise RuleFileError(rule.file, rule.id, f"replaces {target!r}, which {by.id!r} ({by.file}) replaces already")
            where = "" if found is None else f" (it is in {found[0]}, in the same layer: edit it there)"
            raise RuleFileError(rule.file, rule.id, f"replaces {target!r}, which no lower layer defines{where}")
        if not found[2].startswith("law:") or not rule.scope.startswith("law:"):
            raise RuleFileError(
                rule.file, rule.id, f"replaces {target!r} ({found[0]}): only a law file's rule can replace, and only a law file's rule"
            )
    if rule.id in origin and rule.id != target:
        raise RuleFileError(rule.file, rule.id, f"duplicate rule id (also in {origin[rule.id][0]})")
    if target is not None:
        # the replacement takes the replaced rule's place, so the order of everything else is kept
        at = next(i for i, r in enumerate(rules) if r.id == target)
        rules[at] = rule
        del origin[target]
        replaced[target] = rule
    else:
        rules.append(rule)
    origin[rule.id] = (rule.file, layer, rule.scope)


def load_directory(directory: str | Path) -> RuleBase:
    """Load and check every ``*.yaml`` file of one rule directory (a complete rule set)."""
    return load_layers([directory])


def load_layers(directories: Iterable[str | Path]) -> RuleBase:
    """Load rule directories as layers, lowest first (see ``resolve_layers`` for which ones).

    Files of every layer are checked as one rule set: policy and law ids and rule ids are unique across
    layers, except that a law rule may take the place of a lower layer's law rule it names in
    ``replaces``. A policy's text is read from the layer that declares the policy.
    """
    roots = list(directories)
    read = [source for index, root in enumerate(roots) for source in _read_layer(index, root, len(roots) > 1)]
    vocabulary = BUILTIN
    for layer in range(len(roots)):  # a layer's facts may build on the facts of the layers below
        vocabulary = load_vocabulary({s.name: s.data for s in read if s.layer == layer and _is_vocabulary(s.data)}, vocabulary)
    sources = [s for s in read if not _is_vocabulary(s.data)]
    policies, laws = _declare(sources)
    rules: list[Rule] = []
    origin: dict[str, tuple[str, int, str]] = {}
    replaced: dict[str, Rule] = {}
    for source in sources:
        for item in source.data["rules"]:
            _place(rules, _check_rule(source, item, policies, vocabulary), source.layer, origin, replaced)
    return RuleBase(str(roots[-1]), policies, laws, tuple(rules), layers=tuple(str(root) for root in roots), vocabulary=vocabulary)


def iter_quotes(base: RuleBase) -> Iterable[tuple[Rule, Cite]]:
    for rule in base.rules:
        for cite in rule.cites:
            if cite.quote is not None:
                yield rule, cite
