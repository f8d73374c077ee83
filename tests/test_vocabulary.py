"""The vocabulary is data, declared once (rules/vocabulary.yaml plus a rule directory's ``facts:``).

Every declared field and date key must be known to every place that derives from the declaration:
Activity validation and its JSON Schema, the rule checks, the engine's activity fact, bulk columns,
strategies, the report grid, explore and docs/reference/facts.md. A user's rule directory that adds
a field and a date key runs through evaluate, the CLI, report, bulk, strategies and scenario files,
with the built-in rules untouched.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import find, given

import lawbasis
from lawbasis import Activity, InputError, RuleFileError
from lawbasis.analysis.explore import variable_facts
from lawbasis.analysis.report import grid_fields, report
from lawbasis.cli.app import main
from lawbasis.core.calendar import anchor_date, window_end
from lawbasis.core.vocabulary import BUILTIN, Vocabulary, facts_table
from lawbasis.engine.host import Engine, default_rules_dir
from lawbasis.engine.rulefile import load_directory
from lawbasis.strategies import activities, activity_dates, invalid_activity_cases
from lawbasis.tables.frame import BulkEvaluator, anchor_dates, discrete_fields
from lawbasis.testing.scenarios import load_scenarios, run

ROOT = Path(__file__).resolve().parents[1]

FACTS = """\
facts:
  fields:
    claim_kind:
      type: enum
      values: [consumer_debt, business_debt]
      default: consumer_debt
      meaning: whether the debt collected is owed by a consumer or a business
    court_case:
      type: bool
      default: false
      meaning: the claim is before a court
  dates:
    case_closed:
      meaning: the collection case was closed
      after: [contact_collected]
"""

TEXT = """\
Privatlivspolitik for Eksempel Inkasso ApS

Inddrivelse af gæld
Vi behandler dine oplysninger for at inddrive gælden på vegne af vores kunder. Behandlingen sker på grundlag af vores legitime interesse i at inddrive gælden.
Vi opbevarer oplysningerne i 5 år fra udgangen af det kalenderår, hvor sagen blev afsluttet, og sletter dem derefter.
Skylder en virksomhed, behandler vi kun oplysninger om dens kontaktperson.
"""

POLICY = """\
policy:
  id: inkasso-dk
  controller: Eksempel Inkasso ApS
  language: da
  country: DK
  text: policies/inkasso-da.txt
purposes:
  debt_collection:
    heading: Inddrivelse af gæld
rules:
  - id: inkasso-dk/debt-collection/basis
    purpose: debt_collection
    section: Inddrivelse af gæld
    then:
      - candidate: {letter: f, stated: true}
    cites:
      - quote: Behandlingen sker på grundlag af vores legitime interesse i at inddrive gælden.
  - id: inkasso-dk/debt-collection/retention
    purpose: debt_collection
    section: Inddrivelse af gæld
    then:
      - retention: {period: P5Y, from: end_of_year(case_closed), action: delete, stated: true, action_stated: true}
    cites:
      - quote: Vi opbevarer oplysningerne i 5 år fra udgangen af det kalenderår, hvor sagen blev afsluttet, og sletter dem derefter.
  - id: inkasso-dk/debt-collection/business-debtor
    purpose: debt_collection
    section: Inddrivelse af gæld
    when:
      - activity: {claim_kind: business_debt}
    then:
      - finding: {code: business_debtor_contact_only, severity: info, message: Only the business debtor's contact person is processed.}
    cites:
      - quote: Skylder en virksomhed, behandler vi kun oplysninger om dens kontaktperson.
"""

SCENARIOS = """\
rules: ..
facts: {policy: inkasso-dk, purpose: debt_collection, as_of: 2026-01-01}
scenarios:
  - name: five years from the end of the year the case closed
    facts: {dates: {contact_collected: 2020-02-01, case_closed: 2021-03-15}}
    expect:
      bases: [f]
      retention: {period: P5Y, from: end_of_year(case_closed), until: 2026-12-31}
  - name: a business debt gets the policy's own finding
    facts: {claim_kind: business_debt, court_case: true}
    expect: {findings_include: [business_debtor_contact_only]}
"""


def _user_rules(root: Path) -> Path:
    rules = root / "rules"
    shutil.copytree(default_rules_dir(), rules)
    (rules / "facts.yaml").write_text(FACTS, encoding="utf-8")
    (rules / "policies" / "inkasso-da.txt").write_text(TEXT, encoding="utf-8")
    (rules / "inkasso-dk.yaml").write_text(POLICY, encoding="utf-8")
    return rules


@pytest.fixture(scope="module")
def user_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _user_rules(tmp_path_factory.mktemp("vocabulary"))


@pytest.fixture(scope="module")
def user_engine(user_rules: Path) -> Engine:
    with Engine(user_rules) as engine:
        yield engine


FACT = {"policy": "inkasso-dk", "purpose": "debt_collection", "as_of": "2026-01-01"}


# --- every declared field is known to every derived place ---------------------------------------


def _vocabularies() -> list[tuple[str, str]]:
    user = BUILTIN.extend(yaml.safe_load(FACTS)["facts"], "facts.yaml")
    out = [("builtin", name) for name in BUILTIN.fields]
    out += [("user", name) for name in user.fields if name not in BUILTIN.fields]
    return out


def _other_value(field: Any) -> Any:
    """A value of the field that is not its default."""
    return next(v for v in field.domain if v != field.default or type(v) is not type(field.default))


@pytest.mark.parametrize(("which", "name"), _vocabularies())
def test_every_declared_field_is_known_everywhere(which: str, name: str, user_engine: Engine) -> None:
    engine = user_engine if which == "user" else lawbasis.default_engine()
    vocabulary = engine.vocabulary
    field = vocabulary.fields[name]
    value = _other_value(field)
    policy, purpose = ("inkasso-dk", "debt_collection") if which == "user" else ("jetpak-dk", "marketing")
    facts = {"policy": policy, "purpose": purpose, name: value, "as_of": "2026-01-01"}
    if field.mirrors is not None and value in vocabulary.fields[field.mirrors].values:
        facts[field.mirrors] = value
    # Activity: accepted, read back, round-tripped; a wrong value names the field and what is allowed
    activity = Activity.from_dict(facts, vocabulary)
    assert activity.fact(name) == value and getattr(activity, name) == value
    assert activity.to_dict()[name] == value
    assert Activity.from_dict(activity.to_dict(), vocabulary) == activity
    with pytest.raises(InputError) as bad:
        Activity.from_dict({**facts, name: "no_such_value" if field.type == "enum" else "yes"}, vocabulary)
    assert bad.value.field == name and bad.value.allowed == field.allowed()
    # its JSON Schema
    schema = vocabulary.activity_schema()
    assert name in schema["properties"]
    jsonschema.validate(activity.to_dict(), schema)
    # the rule checks and the engine's activity fact
    assert vocabulary.activity_fields[name] == field.rule_values
    fact = Engine._activity_fact(activity, engine.policy(policy), dt.date(2026, 1, 1))
    assert fact[name] == lawbasis.engine.rulefile.to_fact_value(value)
    # bulk columns, the report grid, explore
    assert name in BulkEvaluator(engine).fields
    assert name in dict(grid_fields(vocabulary)) and value in dict(grid_fields(vocabulary))[name]
    assert name in dict(variable_facts(vocabulary)) and value in dict(variable_facts(vocabulary))[name]
    # strategies draw the value
    drawn = find(activities(policy, purpose, engine=engine), lambda a: a.fact(name) == value)
    assert drawn.vocabulary == vocabulary
    # and the docs list the built-in ones
    if which == "builtin":
        assert f"| `{name}` |" in (ROOT / "docs" / "reference" / "facts.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("which", "key"), [("builtin", k) for k in BUILTIN.date_keys] + [("user", "case_closed")])
def test_every_declared_date_key_is_known_everywhere(which: str, key: str, user_engine: Engine) -> None:
    engine = user_engine if which == "user" else lawbasis.default_engine()
    vocabulary = engine.vocabulary
    assert {f"has_{key}", f"passed_{key}"} <= set(vocabulary.activity_fields)
    assert {key, f"end_of_year({key})", f"end_of_month({key})"} <= set(vocabulary.anchor_names)
    assert key in vocabulary.kinds["cut"]["date"]
    assert key in vocabulary.activity_schema()["properties"]["dates"]["properties"]
    assert key in BulkEvaluator(engine)._read
    drawn = find(activity_dates(required=[key], engine=engine, consent="withdrawn", objection="general"), lambda d: key in d)
    assert key in drawn
    if which == "builtin":
        assert f"| `{key}` |" in (ROOT / "docs" / "reference" / "facts.md").read_text(encoding="utf-8")


def test_docs_facts_table_is_generated_from_the_vocabulary() -> None:
    text = (ROOT / "docs" / "reference" / "facts.md").read_text(encoding="utf-8")
    start = text.index("<!-- facts table: generated from rules/vocabulary.yaml -->\n") + len(
        "<!-- facts table: generated from rules/vocabulary.yaml -->\n"
    )
    end = text.index("<!-- end of facts table -->")
    assert text[start:end] == facts_table(), "regenerate the table with lawbasis.core.vocabulary.facts_table()"


def test_rule_format_lists_every_built_in_field() -> None:
    text = (ROOT / "docs" / "reference" / "rule-format.md").read_text(encoding="utf-8")
    missing = [name for name in BUILTIN.fields if f"`{name}`" not in text]
    assert not missing


# --- the built-in additions leave every existing answer unchanged ---------------------------------


def test_new_built_in_fields_default_to_the_old_facts() -> None:
    a = Activity(policy="jetpak-dk", purpose="marketing")
    assert (a.data_subject, a.recipient, a.art9_condition) == ("customer", "consumer", "none")
    assert not any((a.address_from_sale, a.similar_products, a.opt_out_at_collection, a.opt_out_in_messages))
    assert "legal_claims_until" in BUILTIN.dates


def test_data_subject_mirrors_customer_status() -> None:
    assert Activity(policy="p", purpose="x", customer_status="prospect").data_subject == "prospect"
    assert Activity(policy="p", purpose="x", data_subject="former_customer").customer_status == "former_customer"
    debtor = Activity(policy="p", purpose="x", data_subject="debtor", customer_status="former_customer")
    assert (debtor.data_subject, debtor.customer_status) == ("debtor", "former_customer")
    assert Activity(policy="p", purpose="x", data_subject="employee").customer_status == "customer"
    with pytest.raises(InputError) as bad:
        Activity(policy="p", purpose="x", data_subject="prospect", customer_status="customer")
    assert bad.value.field == "data_subject" and bad.value.problem == "contradicts customer_status"
    # replace moves the pair together
    assert Activity(policy="p", purpose="x").replace(customer_status="prospect").data_subject == "prospect"
    assert Activity(policy="p", purpose="x").replace(data_subject="prospect").customer_status == "prospect"
    assert debtor.replace(customer_status="prospect").data_subject == "debtor"


def test_data_subject_gives_the_same_answer_as_customer_status() -> None:
    base = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "as_of": "2026-01-01"}
    for status in ("prospect", "customer", "former_customer"):
        by_status = lawbasis.evaluate({**base, "customer_status": status}).to_dict()
        assert lawbasis.evaluate({**base, "data_subject": status}).to_dict() == by_status


# --- anchors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "day", "expected"),
    [
        ("end_of_year(case_closed)", "2021-03-15", "2021-12-31"),
        ("end_of_month(case_closed)", "2024-02-10", "2024-02-29"),
        ("end_of_month(case_closed)", "2023-02-10", "2023-02-28"),
        ("end_of_month(case_closed)", "2023-12-31", "2023-12-31"),
        ("case_closed", "2023-12-31", "2023-12-31"),
    ],
)
def test_anchors_in_the_engine_and_the_vectorised_calendar_agree(anchor: str, day: str, expected: str) -> None:
    start = dt.date.fromisoformat(day)
    assert anchor_date(anchor, {"case_closed": start}) == dt.date.fromisoformat(expected)
    column = np.array([day, "NaT"], dtype="datetime64[D]")
    got = anchor_dates(anchor, {"case_closed": column})
    assert got is not None and str(got[0]) == expected and np.isnat(got[1])
    assert anchor_dates(anchor, {}) is None


def test_fiscal_year_anchor_unchanged() -> None:
    dates = {"fiscal_year_end": dt.date(2023, 6, 30)}
    assert window_end("P7Y", "end_of_calendar_year_of_fiscal_year_end", dates) == dt.date(2030, 12, 31)
    assert anchor_date("end_of_year(fiscal_year_end)", dates) == dt.date(2023, 12, 31)


def test_built_in_rules_may_count_from_a_computed_anchor(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    path = rules / "cekura-dk.yaml"
    text = path.read_text(encoding="utf-8")
    assert "from: fiscal_year_end" in text
    path.write_text(text.replace("from: fiscal_year_end", "from: end_of_month(fiscal_year_end)"), encoding="utf-8")
    with Engine(rules) as engine:
        d = engine.evaluate(
            {"policy": "cekura-dk", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-15"}, "as_of": "2026-01-01"}
        )
    assert d.retention.until == dt.date(2028, 6, 30)


# --- a user's rule directory: a field, a date key, a policy using them -----------------------------


def test_user_directory_through_evaluate(user_engine: Engine) -> None:
    d = user_engine.evaluate({**FACT, "dates": {"contact_collected": "2020-02-01", "case_closed": "2021-03-15"}})
    assert d.basis_letters == ["f"]
    assert (d.retention.period, d.retention.from_, d.retention.until) == ("P5Y", "end_of_year(case_closed)", dt.date(2026, 12, 31))
    business = user_engine.evaluate({**FACT, "claim_kind": "business_debt"})
    assert "business_debtor_contact_only" in business.finding_codes
    assert "business_debtor_contact_only" not in user_engine.evaluate(FACT).finding_codes
    # declared facts are validated like built-in ones
    with pytest.raises(InputError) as bad:
        user_engine.evaluate({**FACT, "claim_kind": "tax"})
    assert (bad.value.field, bad.value.allowed) == ("claim_kind", "consumer_debt, business_debt")
    with pytest.raises(InputError) as bad:
        user_engine.evaluate({**FACT, "court_case": "yes"})
    assert (bad.value.field, bad.value.allowed) == ("court_case", "true or false")
    with pytest.raises(InputError) as bad:
        user_engine.evaluate({**FACT, "dates": {"contact_collected": "2022-01-01", "case_closed": "2021-03-15"}})
    assert bad.value.field == "dates.case_closed" and "wrong order" in str(bad.value)
    with pytest.raises(InputError) as bad:
        user_engine.evaluate({**FACT, "claim_kinds": "tax"})
    assert bad.value.field == "claim_kinds" and bad.value.problem == "unknown key"


def test_built_in_rules_untouched_by_a_user_directory(user_engine: Engine) -> None:
    facts = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "as_of": "2026-01-01"}
    assert user_engine.evaluate(facts).to_dict() == lawbasis.evaluate(facts).to_dict()
    # the default engine knows nothing of the user's facts, before or after
    for bad in ({**facts, "claim_kind": "business_debt"}, {**facts, "dates": {"case_closed": "2021-01-01"}}):
        with pytest.raises(InputError):
            lawbasis.evaluate(bad)
    # an Activity checked by one vocabulary is checked again by the engine that evaluates it
    activity = Activity.from_dict({**FACT, "claim_kind": "business_debt"}, user_engine.vocabulary)
    with pytest.raises(InputError) as bad_field:
        lawbasis.default_engine().evaluate(activity)
    assert bad_field.value.field == "claim_kind"
    plain = Activity.from_dict({**FACT})
    assert plain.vocabulary is BUILTIN
    assert user_engine.evaluate(plain).basis_letters == ["f"]


def test_user_directory_through_the_cli(user_rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({**FACT, "claim_kind": "business_debt", "dates": {"case_closed": "2021-03-15"}}), encoding="utf-8")
    assert main(["evaluate", str(path), "--rules", str(user_rules)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["retention"]["until"] == "2026-12-31" and "business_debtor_contact_only" in [f["code"] for f in out["findings"]]
    assert main(["evaluate", str(path)]) == 2
    assert "'claim_kind': unknown key" in capsys.readouterr().err
    assert main(["report", "inkasso-dk", "--rules", str(user_rules), "--as-of", "2026-01-01", "--date", "case_closed=2021-03-15"]) == 0
    assert "claim_kind=business_debt" in capsys.readouterr().out


def test_user_directory_through_report(user_engine: Engine) -> None:
    r = report(user_engine, "inkasso-dk", as_of="2026-01-01", dates={"case_closed": "2021-03-15"})
    (p,) = r.purposes
    varied = dict(p.varied)
    assert varied["claim_kind"] == ("consumer_debt", "business_debt")
    assert "court_case" not in varied  # no rule tests it
    finding = next(o for o in p.findings if o.value["code"] == "business_debtor_contact_only")
    assert finding.when == ("claim_kind=business_debt",)
    assert {o.value["until"] for o in p.retention} == {"2026-12-31"}


def test_user_directory_through_bulk(user_engine: Engine) -> None:
    table = pd.DataFrame(
        {
            "policy": ["inkasso-dk"] * 3,
            "purpose": ["debt_collection"] * 3,
            "claim_kind": ["business_debt", "consumer_debt", ""],
            "court_case": ["true", "false", "false"],
            "case_closed": ["2021-03-15", "2019-12-01", None],
        }
    )
    out = BulkEvaluator(user_engine).evaluate_frame(table, as_of="2026-01-01")
    assert [str(d)[:10] if not pd.isna(d) else None for d in out["retention_until"]] == ["2026-12-31", "2024-12-31", None]
    assert ["business_debtor_contact_only" in f for f in out["findings"]] == [True, False, False]
    assert list(out["action_today"]) == ["keep", "delete", "keep"]
    # the same answers one by one
    rows = [
        {"claim_kind": "business_debt", "court_case": True, "dates": {"case_closed": "2021-03-15"}},
        {"court_case": False, "dates": {"case_closed": "2019-12-01"}},
        {},
    ]
    for i, row in enumerate(rows):
        assert user_engine.evaluate({**FACT, **row}).action_today == out["action_today"][i]
    bad = table.assign(claim_kind=["tax", "consumer_debt", ""])
    with pytest.raises(InputError) as error:
        BulkEvaluator(user_engine).evaluate_frame(bad, as_of="2026-01-01")
    assert error.value.field == "claim_kind"
    assert discrete_fields(user_engine.vocabulary)["claim_kind"] == "consumer_debt"


@given(activities("jetpak-dk"))
def test_strategies_with_the_default_engine_use_the_built_in_vocabulary(activity: Activity) -> None:
    assert activity.vocabulary is BUILTIN
    assert activity.data_subject not in ("prospect", "customer", "former_customer") or activity.data_subject == activity.customer_status


def test_user_directory_through_strategies(user_engine: Engine) -> None:
    drawn = find(
        activities("inkasso-dk", "debt_collection", engine=user_engine),
        lambda a: a.claim_kind == "business_debt" and a.court_case and "case_closed" in a.dates,
    )
    assert drawn.dates["case_closed"] >= drawn.dates.get("contact_collected", dt.date.min)
    assert user_engine.evaluate(drawn).basis_letters == ["f"]
    fixed = find(activities("inkasso-dk", engine=user_engine, claim_kind="business_debt"), lambda a: True)
    assert fixed.claim_kind == "business_debt"
    with pytest.raises(InputError) as bad:
        activities("inkasso-dk", engine=user_engine, claim_kind="tax")
    assert bad.value.field == "claim_kind"
    field, facts = find(invalid_activity_cases(user_engine), lambda case: case[0] == "claim_kind")
    with pytest.raises(InputError) as refused:
        user_engine.evaluate(facts)
    assert refused.value.field == "claim_kind"


def test_user_directory_through_a_scenario_file(user_rules: Path, tmp_path: Path) -> None:
    scenarios = user_rules / "scenarios"
    scenarios.mkdir()
    path = scenarios / "inkasso.scenarios.yaml"
    path.write_text(SCENARIOS, encoding="utf-8")
    scenarios = load_scenarios(path)
    assert [s.rules for s in scenarios] == [str(user_rules.resolve())] * 2
    assert [run(s) for s in scenarios] == [[], []]


def test_schema_command(user_rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == BUILTIN.activity_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "claim_kind" not in schema["properties"]
    assert schema["properties"]["consent"]["enum"] == ["none", "given", "explicit", "withdrawn"]
    assert schema["properties"]["channel"]["enum"][-1] is None
    jsonschema.validate({"policy": "jetpak-dk", "purpose": "marketing", "dates": {"contract_ended": "2025-06-30"}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"policy": "jetpak-dk", "purpose": "marketing", "colour": "blue"}, schema)
    assert main(["schema", "--rules", str(user_rules)]) == 0
    user = json.loads(capsys.readouterr().out)
    assert user["properties"]["claim_kind"]["enum"] == ["consumer_debt", "business_debt"]
    assert "case_closed" in user["properties"]["dates"]["properties"]
    assert main(["schema", "--rules", str(user_rules / "nowhere")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_activity_pickles_with_its_vocabulary(user_engine: Engine) -> None:
    activity = Activity.from_dict({**FACT, "claim_kind": "business_debt", "dates": {"case_closed": "2021-03-15"}}, user_engine.vocabulary)
    back = pickle.loads(pickle.dumps(activity))
    assert back == activity and back.vocabulary == user_engine.vocabulary and back.claim_kind == "business_debt"
    with pytest.raises(AttributeError):
        activity.claim_kind = "consumer_debt"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        activity.nothing  # noqa: B018
    assert hash(activity) == hash(back)


# --- what a facts: block may and may not declare ---------------------------------------------------


def _load_with(tmp_path: Path, facts: str, rule: str | None = None) -> Any:
    rules = tmp_path / "r"
    if not rules.exists():
        shutil.copytree(default_rules_dir(), rules)
    (rules / "facts.yaml").write_text(facts, encoding="utf-8")
    if rule is not None:
        (rules / "extra.yaml").write_text(rule, encoding="utf-8")
    return load_directory(rules)


@pytest.mark.parametrize(
    ("facts", "fragment"),
    [
        (
            "facts:\n  fields:\n    consent: {type: enum, values: [none, given, explicit, withdrawn, implied], default: none, meaning: m}\n",
            "already declared in vocabulary.yaml differently",
        ),
        ("facts:\n  fields:\n    channel: {type: enum, values: [email, fax], default: null, meaning: m}\n", "declared values are closed"),
        ("facts:\n  fields:\n    policy: {type: bool, default: false, meaning: m}\n", "reserved name"),
        ("facts:\n  fields:\n    has_case: {type: bool, default: false, meaning: m}\n", "reserved name"),
        ("facts:\n  fields:\n    kind: {type: enum, values: [a, b], default: c, meaning: m}\n", "default: 'c' is not one of a, b"),
        ("facts:\n  fields:\n    kind: {type: enum, values: [a, 'null'], default: a, meaning: m}\n", "'null' is reserved"),
        ("facts:\n  fields:\n    flag: {type: bool, default: 'no', meaning: m}\n", "is not true or false"),
        ("facts:\n  fields:\n    kind: {type: enum, default: a, meaning: m}\n", "lists its values"),
        ("facts:\n  fields:\n    Kind: {type: bool, default: false, meaning: m}\n", "facts/fields"),
        ("facts:\n  fields:\n    kind: {type: date, default: null, meaning: m}\n", "facts/fields/kind/type"),
        ("facts:\n  fields:\n    kind: {type: enum, values: [x], default: x, meaning: m, mirrors: consent}\n", "mirrors"),
        ("facts:\n  dates:\n    case_closed: {meaning: m, after: [case_opened]}\n", "'case_opened' is not a date key declared before it"),
        ("facts:\n  dates:\n    case_closed: {meaning: m, requires: {consent: [maybe]}}\n", "'maybe' is not one of"),
        (
            "facts:\n  dates:\n    case_closed: {meaning: m, event: {field: consent, before: given, flag: scheduled_close}}\n",
            "scheduled events are built in",
        ),
        ("facts:\n  dates:\n    contract_ended: {meaning: another meaning}\n", "already declared"),
        ("facts:\n  anchors:\n    end_of_case_year: {of: contact_collected, to: end_of_year, meaning: m}\n", "named anchors are built in"),
        ("facts:\n  colours: {}\n", "Additional properties"),
        ("facts: []\n", "a mapping"),
        ("facts:\n  fields: {}\nrules: []\n", "holds only 'facts'"),
    ],
)
def test_bad_facts_blocks_are_refused_naming_the_file(tmp_path: Path, facts: str, fragment: str) -> None:
    with pytest.raises(RuleFileError) as bad:
        _load_with(tmp_path, facts)
    assert bad.value.file == "facts.yaml"
    assert fragment in str(bad.value)


def test_a_copy_of_the_built_in_vocabulary_changes_nothing(tmp_path: Path) -> None:
    rules = tmp_path / "r"
    shutil.copytree(default_rules_dir(), rules)
    shutil.copy(rules / "vocabulary.yaml", rules / "vocabulary-copy.yaml")
    assert load_directory(rules).vocabulary == BUILTIN


_RULE = """\
law: {{id: extra, title: An extra law file}}
rules:
  - id: extra/test
    when:
      - activity: {{{test}}}
    then:
      - finding: {{code: extra, severity: info, message: m}}
    cites:
      - law: GDPR Art. 5
"""


@pytest.mark.parametrize(
    ("test", "declared", "fragment"),
    [
        ("claim_kind: business_debt", False, "activity has no field 'claim_kind'"),
        ("claim_kind: tax", True, "activity.claim_kind: 'tax' is not one of consumer_debt, business_debt"),
        ("passed_case_closed: true", False, "activity has no field 'passed_case_closed'"),
        ("data_subject: martian", False, "activity.data_subject: 'martian' is not one of"),
    ],
)
def test_rules_naming_undeclared_facts_are_refused(tmp_path: Path, test: str, declared: bool, fragment: str) -> None:
    facts = FACTS if declared else "facts:\n  fields:\n    court_case: {type: bool, default: false, meaning: m}\n"
    with pytest.raises(RuleFileError) as bad:
        _load_with(tmp_path, facts, _RULE.format(test=test))
    assert (bad.value.file, bad.value.rule) == ("extra.yaml", "extra/test")
    assert fragment in str(bad.value)


def test_retention_from_an_undeclared_date_key_is_refused(tmp_path: Path) -> None:
    rules = _user_rules(tmp_path)
    (rules / "facts.yaml").unlink()
    with pytest.raises(RuleFileError) as bad:
        load_directory(rules)
    assert bad.value.file == "inkasso-dk.yaml"
    assert "activity has no field 'claim_kind'" in str(bad.value) or "end_of_year(case_closed)" in str(bad.value)
    (rules / "facts.yaml").write_text(FACTS, encoding="utf-8")
    base = load_directory(rules)
    assert isinstance(base.vocabulary, Vocabulary) and "case_closed" in base.vocabulary.dates
