"""The vocabulary rule files and activities are written in, declared once in ``rules/vocabulary.yaml``.

Activity fields (name, type, allowed values, default, meaning), ``dates`` keys (meaning, order,
coupling to a field, scheduled events) and named anchors are data: the built-in declaration ships
with the rules, and a user's rule directory adds fields and date keys with a ``facts:`` block of its
own (docs/reference/rule-format.md, "Declaring facts"). Everything else derives from a
:class:`Vocabulary`: ``Activity`` validation and its JSON Schema, the rule checks (a rule naming an
undeclared fact or value is refused at load), the engine's activity fact, bulk columns, strategies,
the report grid and explore.

Every value that reaches durable_rules is a string from these lists (durable_rules compares loosely:
``'' == 0``, ``1 == True``), so like is always compared with like.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import jsonschema  # type: ignore[import-untyped]

from lawbasis.core.errors import RuleFileError
from lawbasis.core.safeyaml import MAX_RULE_FILE, load_yaml, read_bounded, short

BOOL = ("true", "false")
LETTERS = ("a", "b", "c", "d", "e", "f")
ANY = None  # any snake_case / free string

#: The file of the built-in rule set that declares the vocabulary.
VOCABULARY_FILE = "vocabulary.yaml"
#: Computed anchors any ``dates`` key can be wrapped in: ``end_of_year(case_closed)`` is 31 December
#: of the year of ``dates.case_closed``; ``end_of_month(...)`` the last day of its month.
ANCHOR_FUNCTIONS = ("end_of_year", "end_of_month")
_ANCHOR_CALL = re.compile(r"^(end_of_year|end_of_month)\(([a-z][a-z0-9_]*)\)$")
_NAME = r"^[a-z][a-z0-9_]*$"
#: Activity keys that are not declared fields, and prefixes the engine's activity fact reserves.
RESERVED = ("policy", "purpose", "country", "dates", "as_of", "null", "true", "false")
RESERVED_PREFIXES = ("has_", "passed_", "scheduled_")

_STRINGS = {"type": "array", "items": {"type": "string", "pattern": _NAME, "maxLength": 64}, "minItems": 1, "uniqueItems": True}
_MEANING = {"type": "string", "minLength": 1, "maxLength": 1000}
_NAMES = {"pattern": _NAME, "maxLength": 64}
#: The shape of a ``facts:`` block (a vocabulary file, or a user's addition to it).
FACTS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "fields": {
            "type": "object",
            "propertyNames": _NAMES,
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "type": {"enum": ["enum", "bool"]},
                    "values": _STRINGS,
                    "default": {"type": ["string", "boolean", "null"]},
                    "meaning": _MEANING,
                    "mirrors": {"type": "string", "pattern": _NAME},
                },
                "required": ["type", "default", "meaning"],
                "additionalProperties": False,
            },
        },
        "dates": {
            "type": "object",
            "propertyNames": _NAMES,
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "meaning": _MEANING,
                    "after": _STRINGS,
                    "requires": {
                        "type": "object",
                        "minProperties": 1,
                        "maxProperties": 1,
                        "additionalProperties": {"type": "array", "items": {"type": ["string", "boolean"]}, "minItems": 1},
                    },
                    "event": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "before": {"type": "string"},
                            "flag": {"type": "string", "pattern": "^scheduled_[a-z0-9_]+$"},
                        },
                        "required": ["field", "before", "flag"],
                        "additionalProperties": False,
                    },
                },
                "required": ["meaning"],
                "additionalProperties": False,
            },
        },
        "anchors": {
            "type": "object",
            "propertyNames": _NAMES,
            "additionalProperties": {
                "type": "object",
                "properties": {"of": {"type": "string"}, "to": {"enum": list(ANCHOR_FUNCTIONS)}, "meaning": _MEANING},
                "required": ["of", "to", "meaning"],
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
    "minProperties": 1,
}
_FACTS_VALIDATOR = jsonschema.Draft202012Validator(FACTS_SCHEMA)


def fact_value(value: object) -> str:
    """The string form a value takes inside durable_rules (``True`` -> ``"true"``, ``None`` -> ``"null"``)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


@attrs.frozen
class Field:
    """One declared activity field. ``values`` is empty for a bool; a null default makes it optional."""

    name: str
    type: str  # "enum" or "bool"
    values: tuple[str, ...]
    default: str | bool | None
    meaning: str
    file: str = attrs.field(eq=False)
    #: an enum field this one agrees with where their values overlap (whichever is given sets the other)
    mirrors: str | None = None

    @property
    def nullable(self) -> bool:
        return self.default is None

    @property
    def rule_values(self) -> tuple[str, ...]:
        """The values a rule may test the field against (as strings)."""
        if self.type == "bool":
            return BOOL
        return self.values + (("null",) if self.nullable else ())

    @property
    def domain(self) -> tuple[Any, ...]:
        """Every value the field can take, the default first (the report grid, explore, strategies)."""
        values: tuple[Any, ...] = (False, True) if self.type == "bool" else ((None,) if self.nullable else ()) + self.values
        return (self.default, *(v for v in values if v != self.default or type(v) is not type(self.default)))

    def allowed(self) -> str:
        """What is allowed, as an error message says it."""
        return "true or false" if self.type == "bool" else ", ".join(self.values)


@attrs.frozen
class Event:
    """A date that takes effect on its day: dated after ``as_of``, ``field`` reads ``before`` and ``flag`` is true."""

    field: str
    before: str
    flag: str


@attrs.frozen
class DateKey:
    """One declared ``dates`` key."""

    name: str
    meaning: str
    file: str = attrs.field(eq=False)
    #: keys this date cannot come before (nothing ends before the contact details were collected)
    after: tuple[str, ...] = ()
    #: (field, values): the date may be given only while the field has one of the values
    requires: tuple[str, tuple[str, ...]] | None = None
    event: Event | None = None


@attrs.frozen
class Anchor:
    """A named anchor: the end of the year or month of one ``dates`` key."""

    name: str
    of: str
    to: str
    meaning: str
    file: str = attrs.field(eq=False)


def anchor_parts(anchor: str, named: Mapping[str, Anchor]) -> tuple[str, str | None]:
    """``(dates key, rounding)`` of an anchor: rounding is ``end_of_year``, ``end_of_month`` or None."""
    match = _ANCHOR_CALL.match(anchor)
    if match:
        return match.group(2), match.group(1)
    if anchor in named:
        return named[anchor].of, named[anchor].to
    return anchor, None


class Vocabulary:
    """A declared vocabulary: the built-in one, or the built-in one plus a rule directory's ``facts:`` blocks.

    Immutable. Two vocabularies are equal when they declare the same facts.
    """

    __slots__ = (
        "fields",
        "dates",
        "anchors",
        "date_keys",
        "date_order",
        "scheduled_events",
        "activity_fields",
        "anchor_names",
        "kinds",
        "_key",
    )

    def __init__(self, fields: Iterable[Field] = (), dates: Iterable[DateKey] = (), anchors: Iterable[Anchor] = ()) -> None:
        #: declared activity fields, in declaration order
        self.fields: dict[str, Field] = {f.name: f for f in fields}
        self.dates: dict[str, DateKey] = {d.name: d for d in dates}
        self.anchors: dict[str, Anchor] = {a.name: a for a in anchors}
        self.date_keys: tuple[str, ...] = tuple(self.dates)
        #: pairs (earlier, later) whose order is fixed by what the dates mean (see docs/decisions.md)
        self.date_order: tuple[tuple[str, str], ...] = tuple((e, d.name) for d in self.dates.values() for e in d.after)
        #: dates of events that take effect on their date: dated after ``as_of`` they are scheduled
        self.scheduled_events: tuple[str, ...] = tuple(d.name for d in self.dates.values() if d.event is not None)
        #: fields of the engine's ``activity`` fact, with the values a rule may test them against
        activity: dict[str, tuple[str, ...] | None] = {"purpose": ANY, "country": ANY}
        activity.update({f.name: f.rule_values for f in self.fields.values()})
        activity.update({f"has_{key}": BOOL for key in self.date_keys})
        # the facts as they stand on as_of (docs/explanation/legal-model.md, "Events take effect on
        # their date"): a date on or before as_of has passed; a scheduled event's field holds its
        # value before the event
        activity.update({f"passed_{key}": BOOL for key in self.date_keys})
        activity.update({d.event.flag: BOOL for d in self.dates.values() if d.event is not None})
        self.activity_fields = activity
        #: every value a ``from`` (retention, statutory duty) may name, ``null`` last
        self.anchor_names: tuple[str, ...] = (
            self.date_keys + tuple(self.anchors) + tuple(f"{fn}({key})" for fn in ANCHOR_FUNCTIONS for key in self.date_keys) + ("null",)
        )
        #: derived fact kinds with this vocabulary's anchors and date keys
        self.kinds: dict[str, dict[str, tuple[str, ...] | None]] = {
            kind: {f: (self.anchor_names if v is _ANCHORS_SLOT else self.date_keys if v is _DATES_SLOT else v) for f, v in spec.items()}
            for kind, spec in _KINDS.items()
        }
        self._key = (tuple(self.fields.values()), tuple(self.dates.values()), tuple(self.anchors.values()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self is other or self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Vocabulary({len(self.fields)} fields, {len(self.dates)} date keys, {len(self.anchors)} anchors)"

    def __reduce__(self) -> tuple[Any, ...]:
        if self == BUILTIN:  # the built-in one comes back as itself (activities keep their fast path)
            return (_built_in, ())
        return (Vocabulary, (tuple(self.fields.values()), tuple(self.dates.values()), tuple(self.anchors.values())))

    def anchor_source(self, anchor: str) -> str:
        """The ``dates`` key an anchor is computed from."""
        return anchor_parts(anchor, self.anchors)[0]

    def defaults(self) -> dict[str, Any]:
        """Every field's default."""
        return {name: f.default for name, f in self.fields.items()}

    def extend(self, data: object, file: str, *, built_in: bool = False) -> Vocabulary:
        """This vocabulary plus a ``facts:`` block read from ``file``; a RuleFileError names what is wrong.

        A declaration equal to one already made (a copy of the built-in file) is accepted as it is.
        Anything else that redeclares a field, a date key or an anchor is refused: the values of a
        declared enum are closed, since the rules that test it (``{not: customer}``, value lists) would
        put a new value in a branch nobody wrote for it. Scheduled events and named anchors are
        built in (the engine and the vectorised calendar implement them).
        """
        _check_shape(data, file)
        assert isinstance(data, dict)
        fields = dict(self.fields)
        dates = dict(self.dates)
        anchors = dict(self.anchors)
        for name, raw in data.get("fields", {}).items():
            field = _field(name, raw, file, fields)
            _add(fields, field, file, "field")
        for name, raw in data.get("dates", {}).items():
            key = _date_key(name, raw, file, fields, dates, built_in)
            _add(dates, key, file, "date key")
        for name, raw in data.get("anchors", {}).items():
            if not built_in and name not in anchors:
                raise RuleFileError(
                    file, None, f"facts.anchors.{name}: named anchors are built in; write end_of_year(KEY) or end_of_month(KEY)"
                )
            if raw["of"] not in dates:
                raise RuleFileError(file, None, f"facts.anchors.{name}.of: {short(raw['of'])} is not a declared date key")
            _add(anchors, Anchor(name, raw["of"], raw["to"], raw["meaning"], file), file, "anchor")
        _check_order(dates, file)
        for name in anchors:
            if name in dates:
                raise RuleFileError(file, None, f"facts.anchors.{name}: also a date key")
        if (len(fields), len(dates), len(anchors)) == (len(self.fields), len(self.dates), len(self.anchors)):
            return self  # only repeated declarations: the same vocabulary (activities need no second check)
        return Vocabulary(fields.values(), dates.values(), anchors.values())

    def activity_schema(self) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of an activity in JSON form with this vocabulary."""
        properties: dict[str, Any] = {
            "policy": {"type": "string", "minLength": 1, "description": "a policy id (lawbasis policies)"},
            "purpose": {"type": "string", "minLength": 1, "description": "a purpose id of that policy (lawbasis purposes POLICY)"},
        }
        for f in self.fields.values():
            if f.type == "bool":
                properties[f.name] = {"type": "boolean", "default": f.default, "description": f.meaning}
            else:
                values: list[Any] = [*f.values, *([None] if f.nullable else [])]
                properties[f.name] = {"enum": values, "default": f.default, "description": f.meaning}
        date = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}
        properties["dates"] = {
            "type": ["object", "null"],
            "properties": {key: {**date, "description": d.meaning} for key, d in self.dates.items()},
            "additionalProperties": False,
            "default": {},
            "description": "ISO dates (YYYY-MM-DD) of the events the rules count from",
        }
        properties["as_of"] = {
            "type": ["string", "null"],
            "pattern": date["pattern"],
            "format": "date",
            "description": "the day the question is asked (default: today)",
        }
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "lawbasis activity",
            "description": "One personal-data processing activity, as facts (docs/reference/facts.md).",
            "type": "object",
            "properties": properties,
            "required": ["policy", "purpose"],
            "additionalProperties": False,
        }


def _check_shape(data: object, file: str) -> None:
    if not isinstance(data, dict):
        raise RuleFileError(file, None, "facts: a mapping with 'fields', 'dates' or 'anchors' is expected")
    errors = sorted(_FACTS_VALIDATOR.iter_errors(data), key=lambda e: -len(list(e.absolute_path)))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        where = "/".join(str(p)[:40] for p in best.absolute_path)
        message = best.message if len(best.message) <= 300 else best.message[:297] + "..."
        raise RuleFileError(file, None, f"facts/{where}: {message}" if where else f"facts: {message}")


def _reserved(name: str, what: str, file: str) -> None:
    if name in RESERVED or name.startswith(RESERVED_PREFIXES):
        raise RuleFileError(
            file, None, f"facts.{what}.{name}: a reserved name ({', '.join(RESERVED)} and names starting {', '.join(RESERVED_PREFIXES)})"
        )


def _field(name: str, raw: dict[str, Any], file: str, fields: Mapping[str, Field]) -> Field:
    _reserved(name, "fields", file)
    where = f"facts.fields.{name}"
    default = raw["default"]
    if raw["type"] == "bool":
        if "values" in raw:
            raise RuleFileError(file, None, f"{where}: a bool field lists no values (they are true and false)")
        if not isinstance(default, bool):
            raise RuleFileError(file, None, f"{where}.default: {short(default)} is not true or false")
        values: tuple[str, ...] = ()
    else:
        if "values" not in raw:
            raise RuleFileError(file, None, f"{where}: an enum field lists its values")
        values = tuple(raw["values"])
        reserved = [v for v in values if v in ("null", "true", "false")]
        if reserved:
            raise RuleFileError(file, None, f"{where}.values: {reserved[0]!r} is reserved (a null default makes the field optional)")
        if default is not None and default not in values:
            raise RuleFileError(file, None, f"{where}.default: {short(default)} is not one of {', '.join(values)} (or null)")
    mirrors = raw.get("mirrors")
    if mirrors is not None:
        other = fields.get(mirrors)
        if other is None or other.type != "enum" or raw["type"] != "enum" or other.mirrors is not None:
            raise RuleFileError(file, None, f"{where}.mirrors: {short(mirrors)} is not a declared enum field of its own")
        missing = [v for v in other.values if v not in values]
        if missing or (default in other.values and default != other.default):
            raise RuleFileError(file, None, f"{where}.mirrors: every value of {mirrors} must be a value here, and the defaults must agree")
    return Field(name, raw["type"], values, default, raw["meaning"], file, mirrors)


def _date_key(
    name: str, raw: dict[str, Any], file: str, fields: Mapping[str, Field], dates: Mapping[str, DateKey], built_in: bool
) -> DateKey:
    _reserved(name, "dates", file)
    where = f"facts.dates.{name}"
    for earlier in raw.get("after", ()):
        if earlier not in dates and earlier != name:
            raise RuleFileError(file, None, f"{where}.after: {short(earlier)} is not a date key declared before it")
        if earlier == name:
            raise RuleFileError(file, None, f"{where}.after: a date cannot come after itself")
    requires = None
    if "requires" in raw:
        ((field_name, allowed),) = raw["requires"].items()
        field = fields.get(field_name)
        if field is None:
            raise RuleFileError(file, None, f"{where}.requires: {short(field_name)} is not a declared field")
        wanted = tuple(fact_value(v) for v in allowed)
        bad = [v for v in wanted if v not in field.rule_values]
        if bad:
            raise RuleFileError(file, None, f"{where}.requires.{field_name}: {short(bad[0])} is not one of {', '.join(field.rule_values)}")
        requires = (field_name, wanted)
    event = None
    if "event" in raw:
        spec = raw["event"]
        if not built_in and (name not in dates or dates[name].event is None):
            raise RuleFileError(file, None, f"{where}.event: scheduled events are built in (consent_withdrawn, objection_received)")
        event = Event(spec["field"], spec["before"], spec["flag"])
        if event.field not in fields or event.before not in fields[event.field].values:
            raise RuleFileError(file, None, f"{where}.event: {short(event.before)} is not a value of the field {short(event.field)}")
    return DateKey(name, raw["meaning"], file, tuple(raw.get("after", ())), requires, event)


def _add(into: dict[str, Any], item: Any, file: str, what: str) -> None:
    known = into.get(item.name)
    if known is None:
        into[item.name] = item
        return
    if known != item:
        raise RuleFileError(
            file,
            None,
            f"facts: {what} {item.name!r} is already declared in {known.file} differently; declared values are closed "
            f"(rules written for them would put a new value in a branch nobody wrote for it): declare a new {what} instead",
        )


def _check_order(dates: Mapping[str, DateKey], file: str) -> None:
    # ``after`` may only name keys declared before, so the order is acyclic by construction; a
    # repeated declaration keeps its first position
    for key in dates.values():
        for earlier in key.after:
            if earlier not in dates:
                raise RuleFileError(file, None, f"facts.dates.{key.name}.after: {short(earlier)} is not a declared date key")


def parse_facts(data: object, file: str, base: Vocabulary | None = None, *, built_in: bool = False) -> Vocabulary:
    """A vocabulary from a ``facts:`` block (added to ``base``, or to nothing for the built-in file)."""
    return (base if base is not None else Vocabulary()).extend(data, file, built_in=built_in)


def vocabulary_file() -> Path:
    """The built-in vocabulary file (inside the installed package, or ``rules/`` of a source checkout)."""
    shipped = Path(str(resources.files("lawbasis"))) / "rules" / VOCABULARY_FILE
    if shipped.is_file():
        return shipped
    return Path(__file__).resolve().parents[2] / "rules" / VOCABULARY_FILE


def _built_in() -> Vocabulary:
    return BUILTIN


def _load_built_in() -> Vocabulary:
    path = vocabulary_file()
    data = load_yaml(read_bounded(path, MAX_RULE_FILE, VOCABULARY_FILE, "rule file"), VOCABULARY_FILE)
    if not isinstance(data, dict) or set(data) != {"facts"}:
        raise RuleFileError(VOCABULARY_FILE, None, "top level: a mapping with only 'facts' is expected")
    return parse_facts(data["facts"], VOCABULARY_FILE, built_in=True)


# placeholders in _KINDS that each Vocabulary replaces with its own anchors and date keys
_ANCHORS_SLOT: tuple[str, ...] = ("<anchors>",)
_DATES_SLOT: tuple[str, ...] = ("<dates>",)

SEVERITIES = ("info", "warning", "violation")

#: Derived fact kinds: field -> allowed values (None: any string). Fields listed under REQUIRED
#: must be present in every conclusion of that kind. Anchors and date keys come from the vocabulary
#: (``Vocabulary.kinds``; ``KINDS`` below is the built-in one's).
_KINDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    # an internal classification, e.g. direct_marketing, electronic_marketing, bookkeeping_record
    "flag": {"name": ANY},
    # the controller needs consent for this processing (policy promise or national law)
    "consent_required": {"source": ("policy", "law")},
    # a basis that may apply (stated: the policy text states it) ...
    "candidate": {"letter": LETTERS, "stated": BOOL},
    # ... unless the facts rule it out
    "blocked": {"letter": LETTERS, "reason": ANY},
    # an Art. 6(1) basis that applies
    "basis": {"letter": LETTERS, "stated": BOOL},
    # a basis ended by an objection, an erasure request or a corporate event: it stays a basis
    # (``bases[].stopped``) but processing may not rest on it any more
    "stopped": {"letter": LETTERS, "reason": ANY},
    "lawful": {"value": ("yes", "no", "undetermined"), "reason": ANY},
    "objection": {"applies": ("21(1)", "21(2)", "null"), "continues": BOOL, "reason": ANY},
    # processing for the purpose must stop (objection upheld, erasure, corporate event ...)
    "stop": {"reason": ANY},
    "retention": {
        "period": ANY,
        "from": _ANCHORS_SLOT,
        "action": ("delete", "anonymise"),
        "stated": BOOL,
        "action_stated": BOOL,
    },
    # the statutory window for the record category (national bookkeeping law)
    "statutory": {"period": ANY, "from": _ANCHORS_SLOT},
    # a pending dispute holds the data past the window (Art. 17(3)(e))
    "hold": {"reason": ANY},
    # claims concerning the data subject are time-barred once the period from the anchor has run (a
    # limitation period of national law, or the legal_claims_until date itself); the clock computes
    # its status like a statutory duty's
    "limitation": {"period": ANY, "from": _ANCHORS_SLOT},
    # the claim a hold keeps data for can no longer be brought: the hold ends (the calendar reads it)
    "release": {"reason": ANY},
    # the window ends early on this date (Art. 17(1)(b), (c))
    "cut": {"date": _DATES_SLOT, "reason": ANY},
    # produced only by the calendar between strata: the status on as_of, the end shown (null while
    # held) and the end ignoring holds
    "window": {"status": ("open", "closed", "held", "unknown", "open_ended"), "until": ANY, "window_until": ANY},
    # produced only by the calendar before the first stratum: whether a statutory retention duty or a
    # limitation period (period and anchor of a ``statutory`` or ``limitation`` conclusion) still runs on as_of
    "duty": {"period": ANY, "from": _ANCHORS_SLOT, "status": ("running", "ended", "unknown")},
    "may_process": {"value": BOOL, "reason": ANY},
    # what to do with the data today: keep it, end it as the window says, or hold it for a dispute
    "today": {"action": ("keep", "delete", "anonymise", "hold"), "reason": ANY},
    "finding": {
        "code": ANY,
        "severity": SEVERITIES,
        "message": ANY,
        "statutory_period": ANY,
        "statutory_from": _ANCHORS_SLOT,
        # the basis the finding is about (e.g. processing_partly_stopped); the message names it
        "letter": LETTERS,
        # the id of a rule whose policy quotes the finding also cites (bound with ``rule: $R``)
        "cites_rule": ANY,
    },
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "flag": ("name",),
    "consent_required": ("source",),
    "candidate": ("letter", "stated"),
    "blocked": ("letter", "reason"),
    "basis": ("letter", "stated"),
    "stopped": ("letter", "reason"),
    "lawful": ("value", "reason"),
    "objection": ("applies", "continues", "reason"),
    "stop": ("reason",),
    "retention": ("period", "from", "action", "stated", "action_stated"),
    "statutory": ("period", "from"),
    "hold": ("reason",),
    "limitation": ("period", "from"),
    "release": ("reason",),
    "cut": ("date", "reason"),
    "window": ("status", "until", "window_until"),
    "duty": ("period", "from", "status"),
    "may_process": ("value", "reason"),
    "today": ("action", "reason"),
    "finding": ("code", "severity", "message"),
}

#: Kinds the calendar produces between strata; no rule may conclude them.
CALENDAR_KINDS = ("window",)
#: Kinds the calendar asserts before the first stratum (they depend on the dates and as_of only);
#: no rule may conclude them either.
CLOCK_KINDS = ("duty",)
#: Kinds whose (period, from) the clock turns into ``duty`` facts.
CLOCKED_KINDS = ("statutory", "limitation")
#: Kinds the calendar reads: all of them must be final before it runs.
CALENDAR_INPUTS = ("retention", "hold", "release", "cut")

#: Fact kinds whose identity for stratification includes one field's value, so that negating one
#: flag does not force every other flag into a lower stratum.
KEYED_KINDS = {"flag": "name", "finding": "code"}

ARTICLES = {
    "a": ("GDPR Art. 6(1)(a)", "consent", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a"),
    "b": ("GDPR Art. 6(1)(b)", "contract", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-b"),
    "c": ("GDPR Art. 6(1)(c)", "legal_obligation", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-c"),
    "d": ("GDPR Art. 6(1)(d)", "vital_interest", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-d"),
    "e": ("GDPR Art. 6(1)(e)", "public_interest", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-e"),
    "f": ("GDPR Art. 6(1)(f)", "legitimate_interest", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-f"),
}

#: The built-in vocabulary (``rules/vocabulary.yaml``): what the default engine validates with.
BUILTIN: Vocabulary = _load_built_in()
#: Fields of the single ``activity`` fact of the built-in vocabulary, with the values a rule may test them against.
ACTIVITY_FIELDS: dict[str, tuple[str, ...] | None] = BUILTIN.activity_fields
#: Every value a ``from`` may name with the built-in vocabulary.
ANCHORS: tuple[str, ...] = BUILTIN.anchor_names
#: Derived fact kinds with the built-in vocabulary's anchors and date keys.
KINDS: dict[str, dict[str, tuple[str, ...] | None]] = BUILTIN.kinds


def facts_table(vocabulary: Vocabulary = BUILTIN) -> str:
    """The Markdown tables of docs/reference/facts.md: every field, date key and named anchor declared."""
    lines = ["| field | values | default | meaning |", "|---|---|---|---|"]
    lines.append("| `policy` | a policy id (`lawbasis policies`) | required | |")
    lines.append("| `purpose` | a purpose id of that policy (`lawbasis purposes POLICY`) | required | |")
    for f in vocabulary.fields.values():
        values = "bool" if f.type == "bool" else ", ".join(f"`{v}`" for v in f.values)
        default = "none" if f.default is None else (fact_value(f.default) if f.type == "bool" else f"`{f.default}`")
        meaning = f.meaning + (f" (mirrors `{f.mirrors}`)" if f.mirrors else "")
        lines.append(f"| `{f.name}` | {values} | {default} | {meaning} |")
    lines.append("| `dates` | an object of ISO dates (`YYYY-MM-DD`), keys below | {} | |")
    lines.append("| `as_of` | an ISO date | today | the day the question is asked |")
    lines += ["", "| date key | meaning | on or after | only when |", "|---|---|---|---|"]
    for d in vocabulary.dates.values():
        after = ", ".join(f"`{k}`" for k in d.after)
        when = f"`{d.requires[0]}` is " + " or ".join(f"`{v}`" for v in d.requires[1]) if d.requires else ""
        lines.append(f"| `{d.name}` | {d.meaning} | {after} | {when} |")
    lines += ["", "| anchor (`retention.from`, `statutory.from`) | the date it names |", "|---|---|"]
    lines.append("| a date key | that date |")
    lines.append("| `end_of_year(KEY)` | 31 December of the year of `dates.KEY` |")
    lines.append("| `end_of_month(KEY)` | the last day of the month of `dates.KEY` |")
    for a in vocabulary.anchors.values():
        lines.append(f"| `{a.name}` | `{a.to}({a.of})`: {a.meaning} |")
    return "\n".join(lines) + "\n"
