"""Layered rule sets: a user's directory with only a new policy, its text and one law rule (the
hvidvaskloven § 30 period) goes on top of the built-in rules without copying them, through the
Python API, the CLI, report, bulk, Dask and scenario files; ids stay unique across layers, a law rule
is replaced only by naming it, and a policy file cannot state a statutory period."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lawbasis
from lawbasis import cli
from lawbasis.core.errors import InputError, RuleFileError
from lawbasis.engine.rulefile import load_directory, load_layers
from lawbasis.testing.scenarios import load_scenarios, run

# An invented policy (not a real controller's): two purposes under the anti-money-laundering act,
# one keeping the data shorter than the act's five years, one exactly as long.
TEXT = """\
Privatlivspolitik for Eksempel Inkasso ApS (en opdigtet tekst til lawbasis' test af lag)

Kundekendskab efter hvidvaskloven
Vi behandler oplysninger om din identitet for at overholde hvidvaskloven.
Oplysningerne opbevares i 3 år efter kundeforholdets ophør, hvorefter de slettes.

Transaktioner
Vi registrerer dine transaktioner for at overholde hvidvaskloven.
Registreringerne opbevares i 5 år efter kundeforholdets ophør, hvorefter de slettes.
"""

POLICY = """\
policy:
  id: eksempel-dk
  controller: Eksempel Inkasso ApS (invented for the tests)
  language: da
  country: DK
  text: policies/eksempel-da.txt

purposes:
  customer_due_diligence:
    heading: Kundekendskab efter hvidvaskloven
  transactions:
    heading: Transaktioner

rules:
  - id: eksempel-dk/aml/legal-obligation
    purpose: [customer_due_diligence, transactions]
    then:
      - candidate: {letter: c, stated: true}
      - flag: {name: aml_record}
    cites:
      - quote: Vi behandler oplysninger om din identitet for at overholde hvidvaskloven.
        section: Kundekendskab efter hvidvaskloven
      - quote: Vi registrerer dine transaktioner for at overholde hvidvaskloven.
        section: Transaktioner
      - law: GDPR Art. 6(1)(c)

  - id: eksempel-dk/customer-due-diligence/retention
    purpose: customer_due_diligence
    section: Kundekendskab efter hvidvaskloven
    then:
      - retention: {period: P3Y, from: relationship_ended, action: delete, stated: true, action_stated: true}
    cites:
      - quote: Oplysningerne opbevares i 3 år efter kundeforholdets ophør, hvorefter de slettes.
      - law: GDPR Art. 5(1)(e)

  - id: eksempel-dk/transactions/retention
    purpose: transactions
    section: Transaktioner
    then:
      - retention: {period: P5Y, from: relationship_ended, action: delete, stated: true, action_stated: true}
    cites:
      - quote: Registreringerne opbevares i 5 år efter kundeforholdets ophør, hvorefter de slettes.
      - law: GDPR Art. 5(1)(e)
"""

LAW = """\
law:
  id: dk-hvidvaskloven
  title: hvidvaskloven (lov om forebyggende foranstaltninger mod hvidvask og finansiering af terrorisme)
  countries: [DK]

rules:
  - id: dk-hvidvaskloven/30/statutory-window
    when:
      - fact: flag
        name: aml_record
    then:
      - statutory: {period: P5Y, from: relationship_ended}
    cites:
      - law: hvidvaskloven § 30, stk. 1
"""

# A law rule that replaces the built-in finding with a milder one (a warning, not a violation).
MILDER = """\
law:
  id: milder-review
  title: An in-house reading of the statutory-window finding (invented for the tests)

rules:
  - id: milder-review/retention-differs-from-statute
    replaces: gdpr/retention/differs-from-statute
    when:
      - fact: statutory
        period: $SP
        from: $SF
      - fact: retention
        period: $P
        rule: $R
      - absent: {fact: retention, period: $SP, from: $SF}
    then:
      - finding:
          code: retention_differs_from_statute
          severity: warning
          message: The policy's window differs from the statutory retention period for these records.
          statutory_period: $SP
          statutory_from: $SF
          cites_rule: $R
    cites:
      - law: GDPR Art. 5(1)(e)
"""

SHORT = {
    "policy": "eksempel-dk",
    "purpose": "customer_due_diligence",
    "customer_status": "former_customer",
    "dates": {"relationship_ended": "2020-06-30"},
    "as_of": "2022-01-01",
}
SAME = {**SHORT, "purpose": "transactions"}
# a few answers of the built-in policies, which a layer must leave as they are
BUILT_IN = [
    {"policy": "jetpak-dk", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-30"}, "as_of": "2026-01-01"},
    {"policy": "jetpak-se", "purpose": "marketing", "customer_status": "prospect", "channel": "email", "as_of": "2026-01-01"},
    {"policy": "jetpak-dk", "purpose": "contract", "dispute": True, "as_of": "2026-01-01"},
]


def make_layer(root: Path, *, manifest: str | None = None, law: str | None = LAW, extra: dict[str, str] | None = None) -> Path:
    """A user's rule directory: the policy, its text, the law file, and nothing copied from the built-in set."""
    (root / "policies").mkdir(parents=True)
    (root / "policies" / "eksempel-da.txt").write_text(TEXT, encoding="utf-8")
    (root / "eksempel-dk.yaml").write_text(POLICY, encoding="utf-8")
    if law is not None:
        (root / "hvidvaskloven.yaml").write_text(law, encoding="utf-8")
    if manifest is not None:
        (root / "lawbasis.yaml").write_text(manifest, encoding="utf-8")
    for name, text in (extra or {}).items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def law_layer(root: Path, text: str, name: str = "law.yaml") -> Path:
    root.mkdir(parents=True)
    (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_layer(tmp_path_factory.mktemp("user") / "aml")


@pytest.fixture(scope="module")
def layered(layer: Path) -> lawbasis.Engine:
    return lawbasis.Engine(rules=[layer])


def _finding(decision: lawbasis.Decision, code: str) -> lawbasis.Finding:
    return next(f for f in decision.findings if f.code == code)


# --- the layer on the built-in rules -------------------------------------------------------------


def test_a_layer_goes_on_the_built_in_rules(layered: lawbasis.Engine, layer: Path) -> None:
    assert layered.layers == (Path(lawbasis.default_rules_dir()), layer)
    assert layered.rules_dir == layer
    ids = [p.id for p in layered.policies()]
    assert ids == sorted([*(p.id for p in lawbasis.default_engine().policies()), "eksempel-dk"])
    assert [p.id for p in layered.purposes("eksempel-dk")] == ["customer_due_diligence", "transactions"]


def test_the_users_law_declares_a_statutory_period_the_finding_reads(layered: lawbasis.Engine) -> None:
    d = layered.evaluate(SHORT)
    assert d.basis_letters == ["c"] and d.lawful == "yes" and d.action_today == "keep"
    assert d.retention.period == "P3Y" and d.retention.until is not None and d.retention.until.isoformat() == "2023-06-30"
    finding = _finding(d, "retention_differs_from_statute")
    assert finding.severity == "violation"
    assert "Statutory window: P5Y from relationship_ended, until 2025-06-30." in finding.message
    assert "dk-hvidvaskloven/30/statutory-window" in d.fired()
    # the finding quotes the policy's own window clause beside the law
    assert any(c.quote == "Oplysningerne opbevares i 3 år efter kundeforholdets ophør, hvorefter de slettes." for c in finding.cites)
    # a window as long as the statute draws no finding
    same = layered.evaluate(SAME)
    assert "retention_differs_from_statute" not in same.finding_codes
    assert same.retention.until is not None and same.retention.until.isoformat() == "2025-06-30"


def test_the_clock_ends_the_users_statutory_duty(layered: lawbasis.Engine) -> None:
    running = layered.evaluate({**SAME, "as_of": "2025-06-30"})
    assert running.basis_letters == ["c"] and "gdpr/legal-obligation/statutory-duty-ended" not in running.fired()
    ended = layered.evaluate({**SAME, "as_of": "2025-07-01"})
    assert ended.basis_letters == [] and ended.lawful == "no" and ended.action_today == "delete"
    assert "gdpr/legal-obligation/statutory-duty-ended" in ended.fired()


def test_the_built_in_answers_are_untouched(layered: lawbasis.Engine) -> None:
    for facts in BUILT_IN:
        assert layered.evaluate(facts).to_dict() == lawbasis.evaluate(facts).to_dict()
    # the built-in engine does not know the user's policy
    with pytest.raises(lawbasis.UnknownPolicyError):
        lawbasis.evaluate(SHORT)


def test_the_memo_answers_a_layered_engine_as_it_runs_it(layer: Path, layered: lawbasis.Engine) -> None:
    plain = lawbasis.Engine(rules=[layer], memo_size=0)
    try:
        for facts in (SHORT, SAME, SHORT, SAME, SHORT, {**SHORT, "as_of": "2026-01-01"}, {**SHORT, "as_of": "2026-01-01"}):
            assert layered.evaluate(facts).to_dict() == plain.evaluate(facts).to_dict()
        assert layered.memo_hits > 0 and plain.memo_hits == 0
    finally:
        plain.close()


def test_extends_builtin_in_the_manifest(tmp_path: Path, layered: lawbasis.Engine) -> None:
    extending = make_layer(tmp_path / "ext", manifest="extends: builtin\nnote: the AML policy, on the shipped rules\n")
    with lawbasis.Engine(extending) as engine:
        assert engine.layers == (Path(lawbasis.default_rules_dir()), extending)
        assert engine.evaluate(SHORT).to_dict() == layered.evaluate(SHORT).to_dict()
    # without the manifest the same directory is a rule set of its own: no GDPR rules decide anything
    alone = make_layer(tmp_path / "alone")
    with lawbasis.Engine(alone) as engine:
        assert engine.layers == (alone,) and [p.id for p in engine.policies()] == ["eksempel-dk"]
        with pytest.raises(lawbasis.EngineError, match="no rule concluded lawful"):
            engine.evaluate(SHORT)


def test_extends_none_makes_the_first_layer_a_complete_set(tmp_path: Path, jetpak_copy: Path) -> None:
    (jetpak_copy / "lawbasis.yaml").write_text("extends: none\n", encoding="utf-8")
    with lawbasis.Engine(rules=[jetpak_copy]) as engine:
        assert engine.layers == (jetpak_copy,)
        assert [p.id for p in engine.policies()] == ["jetpak-dk", "jetpak-se"]
    # a complete set cannot sit on top of another layer
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[make_layer(tmp_path / "aml"), jetpak_copy])
    assert caught.value.file == str(jetpak_copy / "lawbasis.yaml") and "extends: none" in caught.value.problem


def test_extends_builtin_needs_the_built_in_rules_below(tmp_path: Path, jetpak_copy: Path) -> None:
    extending = make_layer(tmp_path / "ext", manifest="extends: builtin\n")
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(jetpak_copy, rules=[extending])
    assert caught.value.file == str(extending / "lawbasis.yaml") and "replace the built-in rules" in caught.value.problem


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ("extends: everything\n", "extends: 'everything' is not one of ['builtin', 'none']"),
        ("layer: builtin\n", "'extends' is a required property"),
        ("- builtin\n", "a mapping with 'extends' is expected, not a list of 1 items"),
    ],
)
def test_a_bad_manifest_is_refused_by_name(tmp_path: Path, manifest: str, problem: str) -> None:
    bad = make_layer(tmp_path / "bad", manifest=manifest)
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[bad])
    assert caught.value.file == str(bad / "lawbasis.yaml") and problem in caught.value.problem


def test_a_manifest_leading_outside_its_layer_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("extends: builtin\n", encoding="utf-8")
    user = make_layer(tmp_path / "aml")
    (user / "lawbasis.yaml").symlink_to(outside)
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(user)
    assert caught.value.file == str(user / "lawbasis.yaml") and "leads outside the rule directory" in caught.value.problem


def test_rules_must_be_a_list_of_paths(layer: Path) -> None:
    for bad in (str(layer), layer, [1], "rules"):
        with pytest.raises(InputError) as caught:
            lawbasis.Engine(rules=bad)  # type: ignore[arg-type]
        assert caught.value.field == "rules"


def test_the_same_directory_twice_is_loaded_once(layer: Path) -> None:
    with lawbasis.Engine(rules=[lawbasis.default_rules_dir(), layer, layer]) as engine:
        assert engine.layers == (Path(lawbasis.default_rules_dir()), layer)


# --- ids, replacement, law files and policy files --------------------------------------------------


def test_a_rule_id_clash_across_layers_names_both_files(tmp_path: Path) -> None:
    clash = LAW.replace("id: dk-hvidvaskloven/30/statutory-window", "id: dk/bogforingsloven/statutory-window")
    user = make_layer(tmp_path / "aml", law=clash)
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[user])
    assert caught.value.file == str(user / "hvidvaskloven.yaml")
    assert caught.value.rule == "dk/bogforingsloven/statutory-window"
    assert caught.value.problem == f"duplicate rule id (also in {Path(lawbasis.default_rules_dir()) / 'dk.yaml'})"


def test_a_policy_or_law_id_clash_across_layers_is_refused(tmp_path: Path) -> None:
    user = make_layer(tmp_path / "aml", law=LAW.replace("id: dk-hvidvaskloven\n", "id: dk\n"))
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[user])
    assert caught.value.file == str(user / "hvidvaskloven.yaml") and "law 'dk' is also defined in" in caught.value.problem


def test_replacing_a_missing_rule_is_refused(tmp_path: Path, layer: Path) -> None:
    missing = law_layer(tmp_path / "milder", MILDER.replace("replaces: gdpr/retention/differs-from-statute", "replaces: gdpr/no-such-rule"))
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[layer, missing])
    assert caught.value.file == str(missing / "law.yaml")
    assert caught.value.rule == "milder-review/retention-differs-from-statute"
    assert caught.value.problem == "replaces 'gdpr/no-such-rule', which no lower layer defines"


def test_a_replacement_shows_in_the_trace_and_changes_the_answer(tmp_path: Path, layer: Path, layered: lawbasis.Engine) -> None:
    milder = law_layer(tmp_path / "milder", MILDER)
    with lawbasis.Engine(rules=[layer, milder]) as engine:
        assert "gdpr/retention/differs-from-statute" not in {r.id for r in engine.rulebase.rules}
        d = engine.evaluate(SHORT)
        assert _finding(d, "retention_differs_from_statute").severity == "warning"
        assert _finding(layered.evaluate(SHORT), "retention_differs_from_statute").severity == "violation"
        step = next(s for s in d.trace if s.rule == "milder-review/retention-differs-from-statute")
        assert step.replaces == "gdpr/retention/differs-from-statute"
        assert step.to_dict()["replaces"] == "gdpr/retention/differs-from-statute"
        assert "milder-review/retention-differs-from-statute (replaces gdpr/retention/differs-from-statute) ->" in d.explain()
        assert "gdpr/retention/differs-from-statute" not in d.fired()
        # every other step says nothing of replacing
        assert all("replaces" not in s.to_dict() for s in d.trace if s is not step)
        # the policies that read the replaced rule keep their answers but the finding's severity
        facts = BUILT_IN[0]
        mine, shipped = engine.evaluate(facts), lawbasis.evaluate(facts)
        assert mine.lawful == shipped.lawful and mine.basis_letters == shipped.basis_letters


def test_a_replacement_may_keep_the_id_it_replaces(tmp_path: Path, layer: Path) -> None:
    same_id = MILDER.replace("id: milder-review/retention-differs-from-statute", "id: gdpr/retention/differs-from-statute")
    milder = law_layer(tmp_path / "milder", same_id)
    with lawbasis.Engine(rules=[layer, milder]) as engine:
        d = engine.evaluate(SHORT)
        step = next(s for s in d.trace if s.rule == "gdpr/retention/differs-from-statute")
        assert step.replaces == "gdpr/retention/differs-from-statute"
        assert _finding(d, "retention_differs_from_statute").severity == "warning"


def test_replacing_within_one_layer_or_twice_is_refused(tmp_path: Path, layer: Path) -> None:
    # the same layer: edit the rule instead
    own = make_layer(
        tmp_path / "own",
        extra={"milder.yaml": MILDER.replace("gdpr/retention/differs-from-statute", "dk-hvidvaskloven/30/statutory-window")},
    )
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[own])
    assert caught.value.rule == "milder-review/retention-differs-from-statute"
    assert "in the same layer: edit it there" in caught.value.problem
    # two rules replacing one
    twice = MILDER + MILDER.split("rules:\n", 1)[1].replace("id: milder-review/retention", "id: milder-review/again-retention")
    two = law_layer(tmp_path / "two", twice)
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[layer, two])
    assert caught.value.rule == "milder-review/again-retention-differs-from-statute"
    assert "which 'milder-review/retention-differs-from-statute'" in caught.value.problem and "replaces already" in caught.value.problem


def test_only_a_law_rule_replaces_only_a_law_rule(tmp_path: Path) -> None:
    # a policy file's rule may not replace a law rule
    replacing = POLICY.replace(
        "  - id: eksempel-dk/transactions/retention\n", "  - id: eksempel-dk/transactions/retention\n    replaces: gdpr/basis/applies\n"
    )
    user = make_layer(tmp_path / "policy", extra={"eksempel-dk.yaml": replacing})
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[user])
    assert caught.value.rule == "eksempel-dk/transactions/retention" and "only a law file's rule can replace" in caught.value.problem
    # and a law rule may not replace a policy's rule
    target = MILDER.replace("replaces: gdpr/retention/differs-from-statute", "replaces: jetpak-dk/contract/basis-contract")
    law = law_layer(tmp_path / "law", target)
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[law])
    assert caught.value.rule == "milder-review/retention-differs-from-statute" and "jetpak-dk.yaml" in caught.value.problem


def test_a_policy_file_cannot_conclude_statutory(tmp_path: Path) -> None:
    stating = POLICY.replace(
        "      - retention: {period: P5Y, from: relationship_ended, action: delete, stated: true, action_stated: true}\n",
        "      - retention: {period: P5Y, from: relationship_ended, action: delete, stated: true, action_stated: true}\n"
        "      - statutory: {period: P5Y, from: relationship_ended}\n",
    )
    user = make_layer(tmp_path / "aml", law=None, extra={"eksempel-dk.yaml": stating})
    with pytest.raises(RuleFileError) as caught:
        lawbasis.Engine(rules=[user])
    assert caught.value.file == str(user / "eksempel-dk.yaml") and caught.value.rule == "eksempel-dk/transactions/retention"
    assert "a policy file cannot conclude 'statutory'" in caught.value.problem
    # a directory loaded alone is checked the same way
    with pytest.raises(RuleFileError) as caught:
        load_directory(user)
    assert caught.value.file == "eksempel-dk.yaml" and caught.value.rule == "eksempel-dk/transactions/retention"


def test_a_policy_text_is_read_from_its_own_layer_only(tmp_path: Path) -> None:
    lower = make_layer(tmp_path / "lower", law=None)
    upper = tmp_path / "upper"
    upper.mkdir()
    (upper / "eksempel2-dk.yaml").write_text(
        POLICY.replace("id: eksempel-dk\n", "id: eksempel2-dk\n").replace("eksempel-dk/", "eksempel2-dk/"), encoding="utf-8"
    )
    with pytest.raises(RuleFileError) as caught:
        load_layers([lawbasis.default_rules_dir(), lower, upper])
    assert caught.value.file == str(upper / "eksempel2-dk.yaml")
    assert caught.value.problem == "policy text 'policies/eksempel-da.txt' does not exist in the rule directory"
    # nor through '..' into the layer below
    escaping = POLICY.replace("id: eksempel-dk\n", "id: eksempel2-dk\n").replace("eksempel-dk/", "eksempel2-dk/")
    (upper / "eksempel2-dk.yaml").write_text(escaping.replace("text: policies/", "text: ../lower/policies/"), encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_layers([lawbasis.default_rules_dir(), lower, upper])
    assert "must not contain '..'" in caught.value.problem


# --- the CLI ---------------------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_rules_twice_and_the_extends_form(capsys: pytest.CaptureFixture[str], tmp_path: Path, layer: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(SHORT), encoding="utf-8")
    extending = make_layer(tmp_path / "ext", manifest="extends: builtin\n")
    answers = []
    for rules in (["--rules", str(lawbasis.default_rules_dir()), "--rules", str(layer)], ["--rules", str(extending)]):
        code, out, err = _cli(capsys, "evaluate", *rules, str(facts))
        assert code == 0, err
        answers.append(json.loads(out))
        code, out, _ = _cli(capsys, "policies", *rules)
        assert code == 0 and "eksempel-dk" in [line.split()[0] for line in out.splitlines()[1:]]
        code, out, _ = _cli(capsys, "purposes", *rules, "eksempel-dk")
        assert code == 0 and out.split()[0] == "customer_due_diligence"
        code, _, _ = _cli(capsys, "evaluate", "--strict", *rules, str(facts))
        assert code == 1  # the violation finding
    assert answers[0] == answers[1]
    assert "retention_differs_from_statute" in [f["code"] for f in answers[0]["findings"]]
    # a directory given alone (no manifest) replaces the built-in rules, as before
    code, out, _ = _cli(capsys, "policies", "--rules", str(layer))
    assert code == 0 and [line.split()[0] for line in out.splitlines()[1:]] == ["eksempel-dk"]
    code, _, err = _cli(capsys, "policies", "--rules", str(extending), "--rules", str(tmp_path / "nowhere"))
    assert code == 2 and "nowhere" in err and "not a directory" in err


def test_cli_report_and_diff_on_layers(capsys: pytest.CaptureFixture[str], layer: Path) -> None:
    rules = ["--rules", str(lawbasis.default_rules_dir()), "--rules", str(layer)]
    code, out, err = _cli(
        capsys, "report", *rules, "eksempel-dk", "--format", "json", "--as-of", "2022-01-01", "--date", "relationship_ended=2020-06-30"
    )
    assert code == 0, err
    report = json.loads(out)
    text = json.dumps(report)
    assert "retention_differs_from_statute" in text and "customer_due_diligence" in text and "transactions" in text
    code, out, err = _cli(capsys, "diff", *rules, "eksempel-dk", "eksempel-dk", "--json")
    assert code == 0, err


def test_cli_sweep_on_layers(capsys: pytest.CaptureFixture[str], tmp_path: Path, layer: Path) -> None:
    table = tmp_path / "table.csv"
    table.write_text(
        "policy,purpose,customer_status,relationship_ended\n"
        "eksempel-dk,customer_due_diligence,former_customer,2020-06-30\n"
        "eksempel-dk,transactions,former_customer,2020-06-30\n",
        encoding="utf-8",
    )
    out_file = tmp_path / "out.csv"
    rules = ["--rules", str(lawbasis.default_rules_dir()), "--rules", str(layer)]
    code, _, err = _cli(capsys, "sweep", str(table), "--as-of", "2024-01-01", *rules, "--output", str(out_file), "--progress", "never")
    assert code == 0, err
    import pandas as pd

    out = pd.read_csv(out_file)
    assert out["action_today"].tolist() == ["delete", "keep"]


# --- bulk, Dask, scenario files --------------------------------------------------------------------


def test_bulk_evaluate_frame_on_layers(layer: Path, layered: lawbasis.Engine) -> None:
    pd = pytest.importorskip("pandas")
    from lawbasis.tables.frame import evaluate_frame, evaluator

    frame = pd.DataFrame(
        {
            "policy": ["eksempel-dk", "eksempel-dk", "jetpak-dk"],
            "purpose": ["customer_due_diligence", "transactions", "bookkeeping"],
            "customer_status": ["former_customer", "former_customer", "customer"],
            "relationship_ended": ["2020-06-30", "2020-06-30", None],
            "fiscal_year_end": [None, None, "2023-06-30"],
        }
    )
    out = evaluate_frame(frame, as_of="2024-01-01", rules=[layer])
    assert out["action_today"].tolist() == ["delete", "keep", "keep"]
    assert out["retention_until"].astype(str).tolist()[:2] == ["2023-06-30", "2025-06-30"]
    # the evaluator is keyed on the layer list, not on the top directory alone
    assert evaluator(None, [layer]) is evaluator(None, [str(layer)])
    assert evaluator(None, [layer]) is not evaluator(None, None)
    assert evaluator(None, [layer]).engine.layers == layered.layers


def test_dask_workers_rebuild_the_layered_engine(layer: Path) -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    import cloudpickle  # type: ignore[import-untyped]

    from lawbasis.tables.distributed import sweep_dask
    from lawbasis.tables.frame import evaluate_frame

    frame = pd.DataFrame(
        {
            "policy": ["eksempel-dk"] * 4,
            "purpose": ["customer_due_diligence", "transactions"] * 2,
            "customer_status": ["former_customer"] * 4,
            "relationship_ended": ["2020-06-30", "2020-06-30", "2023-01-31", "2023-01-31"],
        }
    )
    lazy = sweep_dask(dd.from_pandas(frame, npartitions=2), as_of="2024-01-01", rules=[layer])
    # what travels to a worker is the layer list as strings, never an engine
    graph = dict(lazy.__dask_graph__())
    assert b"durable" not in cloudpickle.dumps(graph)
    got = lazy.compute(scheduler="sync")
    assert got.reset_index(drop=True).equals(evaluate_frame(frame, as_of="2024-01-01", rules=[layer]).reset_index(drop=True))


def test_a_scenario_file_names_its_layers(tmp_path: Path, layer: Path) -> None:
    user = make_layer(tmp_path / "aml")
    (tmp_path / "checks").mkdir()
    scenarios = tmp_path / "checks" / "aml.scenarios.yaml"
    scenarios.write_text(
        "rules: [../aml]\n"
        "facts: {policy: eksempel-dk, customer_status: former_customer, dates: {relationship_ended: 2020-06-30}, as_of: 2022-01-01}\n"
        "scenarios:\n"
        "  - name: three years against the act's five\n"
        "    facts: {purpose: customer_due_diligence}\n"
        "    expect: {bases: [c], findings_include: [retention_differs_from_statute], fired_include: [dk-hvidvaskloven/30/statutory-window]}\n"
        "  - name: five years as the act says\n"
        "    facts: {purpose: transactions}\n"
        "    expect: {retention: {until: 2025-06-30}, findings_exclude: [retention_differs_from_statute]}\n"
        "  - name: a wrong expectation fails\n"
        "    facts: {purpose: transactions}\n"
        "    expect: {retention: {until: 2030-06-30}}\n",
        encoding="utf-8",
    )
    loaded = load_scenarios(scenarios)
    assert loaded[0].rules == (str(user.resolve()),)
    assert run(loaded[0]) == [] and run(loaded[1]) == []
    assert [m.field for m in run(loaded[2])] == ["retention.until"]
    # a single directory keeps its meaning (the directory alone)
    scenarios.write_text(scenarios.read_text(encoding="utf-8").replace("rules: [../aml]", "rules: ../aml"), encoding="utf-8")
    assert load_scenarios(scenarios)[0].rules == str(user.resolve())


def test_a_scenario_file_rules_key_must_name_directories(tmp_path: Path) -> None:
    from lawbasis.testing.scenarios import ScenarioFileError

    path = tmp_path / "bad.scenarios.yaml"
    for bad in ("rules: []\n", "rules: [1]\n", "rules: {dir: x}\n"):
        path.write_text(bad + "scenarios: []\n", encoding="utf-8")
        with pytest.raises(ScenarioFileError) as caught:
            load_scenarios(path)
        assert caught.value.line == 1 and "'rules' must be a directory path or a non-empty list" in caught.value.problem


def test_the_built_in_rule_files_are_not_copied_or_changed(layer: Path) -> None:
    assert sorted(p.name for p in layer.iterdir()) == ["eksempel-dk.yaml", "hvidvaskloven.yaml", "policies"]
    shipped = Path(lawbasis.default_rules_dir())
    assert not (shipped / "eksempel-dk.yaml").exists() and not (shipped / "lawbasis.yaml").exists()
