"""Reading rule files: safe YAML, a JSON Schema for the shape, then the checks a schema cannot make.

A rule directory holds policy files (one per policy: its metadata, its purposes with their headings
and its rules, top to bottom like the text) and law files (GDPR, national law) whose rules apply to
every policy or to the policies of one country. Policy texts live in ``policies/`` beside them: every
quote and heading is checked to appear verbatim (whitespace-normalised) in its text at load time.
Any problem raises ``RuleFileError`` naming the file and the rule id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import jsonschema  # type: ignore[import-untyped]

from lawbasis.core.calendar import Period
from lawbasis.core.errors import InputError, RuleFileError
from lawbasis.core.safeyaml import MAX_RULE_FILE, MAX_TEXT_FILE, contained, load_yaml, read_bounded, short
from lawbasis.core.vocabulary import BUILTIN, CALENDAR_KINDS, CLOCK_KINDS, CLOCKED_KINDS, REQUIRED, Vocabulary

_ID = r"^[a-z0-9][a-z0-9_-]*$"
#: The longest period a rule may state, in days counted generously (a year as 366 days, a month as
#: 31): 1,000 years. A retention or statutory period is years at most, and every window end must
#: stay inside ``datetime.date`` (year 9999) from any real anchor date.
MAX_PERIOD_DAYS = 1000 * 366
_PERIOD_FIELDS = ("period", "statutory_period")

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


@attrs.frozen
class RuleBase:
    """Everything loaded from one rule directory."""

    directory: str
    policies: dict[str, Policy]
    laws: dict[str, Law]
    rules: tuple[Rule, ...]
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


def to_fact_value(value: object) -> str:
    """The string form every value takes inside durable_rules."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


def _check_value(file: str, rule_id: str, where: str, allowed: tuple[str, ...] | None, value: str) -> None:
    if value.startswith("$"):
        return
    if allowed is not None and value not in allowed:
        raise RuleFileError(file, rule_id, f"{where}: {value!r} is not one of {', '.join(allowed)}")


def _values(raw: object) -> list[str]:
    if isinstance(raw, list):
        return [to_fact_value(v) for v in raw]
    return [to_fact_value(raw)]


def _load_yaml(root: Path, path: Path) -> Any:
    # a *.yaml may be a symlink: only to a regular file inside the directory
    target = contained(root, path.name, path.name, "rule file")
    return load_yaml(read_bounded(target, MAX_RULE_FILE, path.name, "rule file"), path.name)


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


def _check_condition(file: str, rule_id: str, condition: dict[str, Any], bound: set[str], vocabulary: Vocabulary = BUILTIN) -> None:
    fields, kinds = vocabulary.activity_fields, vocabulary.kinds
    if "activity" in condition:
        for field, test in condition["activity"].items():
            if field not in fields:
                raise RuleFileError(file, rule_id, f"activity has no field {field!r} (fields: {', '.join(fields)})")
            raw = test["not"] if isinstance(test, dict) else test
            for value in _values(raw):
                if value.startswith("$"):
                    raise RuleFileError(file, rule_id, f"activity.{field}: variables are not allowed on the activity")
                _check_value(file, rule_id, f"activity.{field}", fields[field], value)
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


def _check_quote(file: str, rule_id: str, texts: dict[str, str], policy: str | None, quote: str) -> None:
    if policy is None:
        raise RuleFileError(file, rule_id, "a quote in a law file must name its policy")
    if policy not in texts:
        raise RuleFileError(file, rule_id, f"quote names unknown policy {policy!r}")
    if normalise_space(quote) not in texts[policy]:
        raise RuleFileError(file, rule_id, f"quote not found verbatim in the text of {policy}: {quote!r}")


def load_vocabulary(files: dict[str, Any]) -> Vocabulary:
    """The built-in vocabulary plus the ``facts:`` blocks of a directory's vocabulary files (name -> YAML).

    A vocabulary file holds only a ``facts:`` block (docs/reference/rule-format.md, "Declaring facts");
    the files are read in name order, so a date key may be ordered after one declared in an earlier file.
    A copy of the built-in ``vocabulary.yaml`` repeats its declarations and changes nothing.
    """
    vocabulary = BUILTIN
    for name, data in sorted(files.items()):
        extra = sorted(set(data) - {"facts"})
        if extra:
            raise RuleFileError(name, None, f"top level: a vocabulary file holds only 'facts', not {', '.join(map(repr, extra))}")
        vocabulary = vocabulary.extend(data["facts"], name)
    return vocabulary


def load_directory(directory: str | Path) -> RuleBase:
    """Load and check every ``*.yaml`` file of a rule directory."""
    root = Path(directory)
    if not root.exists():
        raise RuleFileError(str(root), None, "rule directory does not exist")
    if not root.is_dir():
        raise RuleFileError(str(root), None, "rule directory is not a directory")
    files = sorted(root.glob("*.yaml"))
    if not files:
        raise RuleFileError(str(root), None, "rule directory holds no *.yaml rule files")
    raw = {}
    declared = {}
    for path in files:
        data = _load_yaml(root, path)
        if isinstance(data, dict) and "facts" in data:
            declared[path.name] = data
            continue
        _schema_error(path.name, data)
        raw[path.name] = data
    vocabulary = load_vocabulary(declared)

    policies: dict[str, Policy] = {}
    laws: dict[str, Law] = {}
    for name, data in raw.items():
        if "policy" in data:
            meta = data["policy"]
            if meta["id"] in policies:
                raise RuleFileError(name, None, f"policy {meta['id']!r} is also defined in {policies[meta['id']].file}")
            what = f"policy text {short(meta['text'])}"
            text = normalise_space(read_bounded(contained(root, meta["text"], name, "policy text"), MAX_TEXT_FILE, name, what))
            purposes = {}
            for pid, pdata in data["purposes"].items():
                if normalise_space(pdata["heading"]) not in text:
                    raise RuleFileError(name, None, f"purpose {pid!r}: heading not found verbatim in {meta['text']}")
                purposes[pid] = Purpose(pid, pdata["heading"], pdata.get("description"))
            policies[meta["id"]] = Policy(
                meta["id"], meta["controller"], meta["language"], meta["country"], meta["text"], text, purposes, name
            )
        else:
            meta = data["law"]
            if meta["id"] in laws:
                raise RuleFileError(name, None, f"law {meta['id']!r} is also defined in {laws[meta['id']].file}")
            countries = tuple(meta["countries"]) if "countries" in meta else None
            laws[meta["id"]] = Law(meta["id"], meta["title"], countries, name)

    texts = {pid: p.text for pid, p in policies.items()}
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for name, data in raw.items():
        scope = data["policy"]["id"] if "policy" in data else f"law:{data['law']['id']}"
        own_policy = data["policy"]["id"] if "policy" in data else None
        for item in data["rules"]:
            rule_id = item["id"]
            if rule_id in seen:
                raise RuleFileError(name, rule_id, f"duplicate rule id (also in {seen[rule_id]})")
            seen[rule_id] = name
            scoped: tuple[str, ...] = ()
            if "purpose" in item:
                if own_policy is None:
                    raise RuleFileError(name, rule_id, "law rules cannot name a purpose; test a flag instead")
                scoped = tuple(item["purpose"]) if isinstance(item["purpose"], list) else (item["purpose"],)
                for pid in scoped:
                    if pid not in policies[own_policy].purposes:
                        raise RuleFileError(name, rule_id, f"purpose {pid!r} is not declared under 'purposes'")
            bound: set[str] = set()
            when = item.get("when", [])
            for condition in when:
                _check_condition(name, rule_id, condition, bound, vocabulary)
            then = _check_conclusions(name, rule_id, item["then"], bound, vocabulary)
            cites = []
            for c in item["cites"]:
                quote = c.get("quote")
                policy = c.get("policy", own_policy) if quote is not None else None
                section = c.get("section", item.get("section")) if quote is not None else None
                if quote is None and "law" not in c:
                    raise RuleFileError(name, rule_id, "a citation needs a quote or a law")
                if quote is not None:
                    _check_quote(name, rule_id, texts, policy, quote)
                    if section is not None and policy in texts and normalise_space(section) not in texts[policy]:
                        raise RuleFileError(name, rule_id, f"section heading not found verbatim in {policy}: {section!r}")
                language = policies[policy].language if quote is not None and policy in policies else None
                cites.append(Cite(policy=policy, section=section, quote=quote, law=c.get("law"), language=language))
            rules.append(Rule(rule_id, name, scope, scoped, tuple(when), tuple(then), tuple(cites), item.get("note")))
    return RuleBase(str(root), policies, laws, tuple(rules), vocabulary)


def iter_quotes(base: RuleBase) -> Iterable[tuple[Rule, Cite]]:
    for rule in base.rules:
        for cite in rule.cites:
            if cite.quote is not None:
                yield rule, cite
