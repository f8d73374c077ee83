"""A rule directory is a trust boundary: what it may point at, how much is read, what an error shows,
which YAML is accepted, and contradictions between rules found when the directory is loaded.

Every test builds a copy of the shipped rules (or the Jetpak subset), breaks one thing and checks the
RuleFileError: its file, rule and problem. Anything that could hang or exhaust memory runs in a
subprocess with a timeout.
"""

from __future__ import annotations

import datetime as _dt
import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import lawbasis
from lawbasis import Activity, Engine, EngineError, RuleFileError
from lawbasis.core.decision import assemble
from lawbasis.core.safeyaml import MAX_DEPTH, MAX_SNIPPET, load_yaml
from lawbasis.engine.conflicts import check_conflicts
from lawbasis.engine.rulefile import Rule, load_directory

JETPAK_FILES = ("gdpr.yaml", "dk.yaml", "se.yaml", "jetpak-dk.yaml", "jetpak-se.yaml")
HEADING = "Administration og opfyldelse af aftale og varetagelse af vores juridiske interesser i tilfælde af en tvist"


@pytest.fixture()
def rules(jetpak_copy: Path) -> Path:
    """The law files, the Jetpak files and every policy text, in tmp_path/rules (conftest's jetpak_copy)."""
    return jetpak_copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, yaml_rules: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        # dedented, then indented as an item of the file's ``rules:`` list
        handle.write("\n" + textwrap.indent(textwrap.dedent(yaml_rules), "  "))


def _refused(directory: Path) -> RuleFileError:
    with pytest.raises(RuleFileError) as info:
        Engine(rules_dir=directory)
    return info.value


def _run(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (crash, hang or memory blow-up stay contained)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=False)


# --- 1. texts and rule files stay inside the directory ----------------------------------------------


def test_text_with_an_absolute_path_is_refused(rules: Path, tmp_path: Path) -> None:
    # a file outside the directory holding every heading: read before, so it loaded
    outside = tmp_path / "outside.txt"
    shutil.copy(rules / "policies" / "jetpak-da.txt", outside)
    _edit(rules / "jetpak-dk.yaml", "text: policies/jetpak-da.txt", f"text: {outside}")
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert "must be a path relative to the rule directory" in error.problem


@pytest.mark.parametrize("path", ["../outside.txt", "policies/../../outside.txt"])
def test_text_escaping_with_dotdot_is_refused(rules: Path, tmp_path: Path, path: str) -> None:
    shutil.copy(rules / "policies" / "jetpak-da.txt", tmp_path / "outside.txt")
    _edit(rules / "jetpak-dk.yaml", "text: policies/jetpak-da.txt", f"text: {path}")
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert "must not contain '..'" in error.problem


def test_text_symlinked_outside_is_refused(rules: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    shutil.move(rules / "policies" / "jetpak-da.txt", outside)
    (rules / "policies" / "jetpak-da.txt").symlink_to(outside)
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert "leads outside the rule directory" in error.problem


def test_text_symlinked_inside_is_allowed(rules: Path) -> None:
    shutil.move(rules / "policies" / "jetpak-da.txt", rules / "policies" / "real-da.txt")
    (rules / "policies" / "jetpak-da.txt").symlink_to("real-da.txt")
    engine = Engine(rules_dir=rules)
    assert [p.id for p in engine.policies()] == ["jetpak-dk", "jetpak-se"]


def test_text_that_is_a_directory_is_refused(rules: Path) -> None:
    _edit(rules / "jetpak-dk.yaml", "text: policies/jetpak-da.txt", "text: policies")
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert error.problem == "policy text 'policies' is not a regular file"


def test_text_that_is_missing_is_refused(rules: Path) -> None:
    _edit(rules / "jetpak-dk.yaml", "text: policies/jetpak-da.txt", "text: policies/nothing.txt")
    error = _refused(rules)
    assert error.problem == "policy text 'policies/nothing.txt' does not exist in the rule directory"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_text_that_is_a_fifo_is_refused_without_hanging(rules: Path) -> None:
    # the old loader blocked forever in open() on a FIFO nobody writes to
    (rules / "policies" / "jetpak-da.txt").unlink()
    os.mkfifo(rules / "policies" / "jetpak-da.txt")
    result = _run(
        "from lawbasis import Engine, RuleFileError\n"
        f"try:\n    Engine(rules_dir={str(rules)!r})\n"
        "except RuleFileError as e:\n    print(e.file, '|', e.problem)\n",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "jetpak-dk.yaml | policy text 'policies/jetpak-da.txt' is not a regular file"


def test_text_larger_than_the_limit_is_refused(rules: Path) -> None:
    # the real text followed by padding: every heading is still found, so the old loader accepted it
    with (rules / "policies" / "jetpak-da.txt").open("ab") as handle:
        handle.truncate(5_000_001)
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert error.problem == "policy text 'policies/jetpak-da.txt' is 5000001 bytes; at most 5000000 are read"


def test_rule_file_symlinked_outside_is_refused_and_not_echoed(rules: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2-very-secret\n", encoding="utf-8")
    (rules / "zz.yaml").symlink_to(secret)
    error = _refused(rules)
    assert error.file == "zz.yaml"
    assert error.problem == "rule file 'zz.yaml' leads outside the rule directory"
    assert "hunter2" not in str(error)


def test_rule_file_that_is_a_directory_is_refused(rules: Path) -> None:
    (rules / "more.yaml").mkdir()
    error = _refused(rules)
    assert error.file == "more.yaml"
    assert error.problem == "rule file is not a regular file"


def test_rule_file_larger_than_the_limit_is_refused(rules: Path) -> None:
    with (rules / "dk.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# padding\n" * 100_001)
    error = _refused(rules)
    assert error.file == "dk.yaml"
    assert error.problem.startswith("rule file is 10") and error.problem.endswith("bytes; at most 1000000 are read")


def test_rules_dir_that_is_a_file_or_missing_is_refused(rules: Path) -> None:
    error = _refused(rules / "gdpr.yaml")
    assert error.problem == "rule directory is not a directory"
    error = _refused(rules / "nothing")
    assert error.problem == "rule directory does not exist"


# --- 2. no error echoes file content beyond the line at fault ----------------------------------------


def test_yaml_symlinked_to_a_text_does_not_echo_it(rules: Path) -> None:
    # inside the directory, so allowed to be read; but the text is not a rule file
    (rules / "zz.yaml").symlink_to("policies/jetpak-da.txt")
    error = _refused(rules)
    assert error.file == "zz.yaml"
    assert "Personlig data" not in str(error)  # the text's content, lines below any YAML error
    assert len(str(error)) < 400


def test_yaml_that_is_a_long_plain_text_does_not_echo_it(rules: Path) -> None:
    (rules / "zz.yaml").write_text("just words " * 1000 + "\nand more words\n", encoding="utf-8")
    error = _refused(rules)
    assert error.file == "zz.yaml"
    assert error.problem == "top level: a mapping with 'policy' or 'law' is expected, not a text of 11014 characters"


def test_yaml_error_shows_only_the_offending_line_shortened(rules: Path) -> None:
    secret = "s3cret-line " * 40
    (rules / "zz.yaml").write_text(f"law: {{id: zz, title: [unclosed\n# {secret}\nrules: []\n", encoding="utf-8")
    error = _refused(rules)
    assert error.file == "zz.yaml"
    assert "s3cret" not in str(error)
    assert error.problem.startswith("not valid YAML: while parsing a flow sequence")
    assert error.problem.endswith("at line 3, column 1: rules: []")
    long_line = "x" * 1000
    (rules / "zz.yaml").write_text(f"law: {{id: zz, title: t}}\nrules: [{long_line}\n", encoding="utf-8")
    error = _refused(rules)
    assert len(error.problem) < MAX_SNIPPET + 150
    assert "x" * 300 not in error.problem


def test_schema_error_does_not_echo_a_long_value(rules: Path) -> None:
    _edit(rules / "jetpak-dk.yaml", "  controller: Jetpak (Denmark)\n", "  controller: [" + "secret, " * 500 + "x]\n")
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert error.problem == "policy/controller: a list of 501 items is not of type 'string'"


# --- 3. YAML bombs ------------------------------------------------------------------------------------

_BOMB = (
    "law: {id: bomb, title: t}\nlol0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    + "rules: []\n"
)


def test_alias_bomb_is_refused_quickly_in_a_subprocess(rules: Path) -> None:
    # 9^9 expanded nodes: the old loader took 34-39 s and 2.7 GB before a raw MemoryError
    (rules / "zz.yaml").write_text(_BOMB, encoding="utf-8")
    result = _run(
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))\n"
        "from lawbasis import Engine, RuleFileError\n"
        f"try:\n    Engine(rules_dir={str(rules)!r})\n"
        "except RuleFileError as e:\n    print(e.file, '|', e.problem)\n",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("zz.yaml | not valid YAML: more than 50000 nodes once aliases are expanded at line 6")


def test_many_aliases_are_refused() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    with pytest.raises(RuleFileError) as info:
        load_yaml(text, "f.yaml")
    assert info.value.problem.startswith("not valid YAML: more than 100 aliases at line 2")
    assert load_yaml("a: &a x\nb: [" + ", ".join(["*a"] * 100) + "]\n", "f.yaml")["b"] == ["x"] * 100


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "".join("  " * i + "-\n" for i in range(5000)), "a: {" * 5000 + "}" * 5000])
def test_deep_nesting_is_refused_not_a_recursion_error(text: str) -> None:
    with pytest.raises(RuleFileError) as info:
        load_yaml(text, "f.yaml")
    assert f"nested deeper than {MAX_DEPTH} levels" in info.value.problem
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_yaml(ok, "f.yaml") is not None


def test_deeply_nested_rule_file_is_a_rule_file_error(rules: Path) -> None:
    (rules / "zz.yaml").write_text("law: {id: zz, title: t}\nrules: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    error = _refused(rules)
    assert error.file == "zz.yaml"
    assert error.problem.startswith(f"not valid YAML: nested deeper than {MAX_DEPTH} levels at line 2")


# --- 4. bytes, keys, duplicates, periods --------------------------------------------------------------


def test_non_utf8_rule_file_names_file_and_line(rules: Path) -> None:
    path = rules / "dk.yaml"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3] + b" \xff\xfe"
    path.write_bytes(b"\n".join(lines))
    error = _refused(rules)
    assert error.file == "dk.yaml"
    assert error.problem == "rule file is not UTF-8: byte 0xff at line 4"


def test_non_utf8_text_names_file_and_line(rules: Path) -> None:
    path = rules / "policies" / "jetpak-da.txt"
    path.write_bytes(path.read_bytes().replace(b"Retsgrundlag:", b"Retsgrundlag:\xe6", 1))
    line = path.read_bytes().split(b"\xe6")[0].count(b"\n") + 1
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert error.problem == f"policy text 'policies/jetpak-da.txt' is not UTF-8: byte 0xe6 at line {line}"


@pytest.mark.parametrize(("key", "shown"), [("123", "'123'"), ("yes", "'yes'"), ("on", "'on'"), ("null", "'null'"), ("1.5", "'1.5'")])
def test_purpose_key_that_is_not_a_string_is_refused(rules: Path, key: str, shown: str) -> None:
    _edit(rules / "jetpak-dk.yaml", "purposes:\n", f"purposes:\n  {key}:\n    heading: {HEADING}\n")
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert error.problem.startswith(f"not valid YAML: key {shown} is not a string")
    assert "at line 11, column 3" in error.problem


def test_quoted_key_is_a_string(rules: Path) -> None:
    _edit(rules / "jetpak-dk.yaml", "purposes:\n", f'purposes:\n  "123":\n    heading: {HEADING}\n')
    engine = Engine(rules_dir=rules)
    assert "123" in [p.id for p in engine.purposes("jetpak-dk")]


@pytest.mark.parametrize(
    ("old", "new", "key", "line"),
    [
        ("  marketing:\n", "  contract:\n    heading: x\n  marketing:\n", "contract", 13),
        ("  controller: Jetpak (Denmark)\n", "  controller: Jetpak (Denmark)\n  controller: Someone else\n", "controller", 6),
        ("      - candidate: {letter: b, stated: true}\n", "      - candidate: {letter: b, stated: true, letter: f}\n", "letter", 37),
    ],
)
def test_duplicate_key_is_refused_naming_key_and_line(rules: Path, old: str, new: str, key: str, line: int) -> None:
    _edit(rules / "jetpak-dk.yaml", old, new)
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert error.problem.startswith(f"not valid YAML: duplicate key {key!r} (first at line ")
    assert f"at line {line}, column" in error.problem


@pytest.mark.parametrize(
    ("period", "problem"),
    [
        ("P99999999999999999999Y", "retention.period: 'P99999999999999999999Y' is longer than 1000 years"),
        ("P1001Y", "retention.period: 'P1001Y' is longer than 1000 years"),
        ("P12013M", "retention.period: 'P12013M' is longer than 1000 years"),
        ("P52300W", "retention.period: 'P52300W' is longer than 1000 years"),
        ("P9999999999D", "retention.period: 'P9999999999D' is longer than 1000 years"),
    ],
)
def test_absurd_period_is_refused_at_load(rules: Path, period: str, problem: str) -> None:
    _edit(
        rules / "jetpak-dk.yaml",
        "retention: {period: P36M, from: contract_ended, action: anonymise",
        f"retention: {{period: {period}, from: contract_ended, action: anonymise",
    )
    error = _refused(rules)
    assert (error.file, error.rule, error.problem) == ("jetpak-dk.yaml", "jetpak-dk/contract/retention", problem)


def test_longest_period_is_accepted(rules: Path) -> None:
    _edit(
        rules / "jetpak-dk.yaml",
        "retention: {period: P36M, from: contract_ended, action: anonymise",
        "retention: {period: P1000Y, from: contract_ended, action: anonymise",
    )
    d = Engine(rules_dir=rules).evaluate(
        {"policy": "jetpak-dk", "purpose": "contract", "dates": {"contract_ended": "2025-06-30"}, "as_of": "2026-01-01"}
    )
    assert d.retention.until is not None and d.retention.until.isoformat() == "3025-06-30"


def test_statutory_period_of_a_finding_is_checked_at_load(rules: Path) -> None:
    _append(
        rules / "jetpak-dk.yaml",
        """\
        - id: jetpak-dk/contract/odd-finding
          purpose: contract
          then:
            - finding: {code: odd, severity: info, message: m, statutory_period: forever, statutory_from: fiscal_year_end}
          cites:
            - law: GDPR Art. 5(1)(e)
    """,
    )
    error = _refused(rules)
    assert (error.file, error.rule) == ("jetpak-dk.yaml", "jetpak-dk/contract/odd-finding")
    assert error.problem == "finding.statutory_period: 'forever' is not an ISO 8601 date duration"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("  id: jetpak-dk\n", "  id: 123\n", "policy/id"),
        ("  - id: jetpak-dk/contract/basis-contract\n", "  - id: 42\n", "rules/0/id"),
        ("  - id: jetpak-dk/contract/basis-contract\n", "  - id: true\n", "rules/0/id"),
    ],
)
def test_ids_must_be_strings(rules: Path, old: str, new: str, where: str) -> None:
    _edit(rules / "jetpak-dk.yaml", old, new)
    error = _refused(rules)
    assert error.file == "jetpak-dk.yaml"
    assert error.problem.startswith(f"{where}: ") and "is not of type 'string'" in error.problem


def test_law_id_must_be_a_string(rules: Path) -> None:
    _edit(rules / "dk.yaml", "  id: dk\n", "  id: 45\n")
    error = _refused(rules)
    assert (error.file, error.problem) == ("dk.yaml", "law/id: 45 is not of type 'string'")


# --- 5. contradictory rules are found at load time ----------------------------------------------------

_EXTRA_PURPOSE = f"  extra:\n    heading: {HEADING}\n"


def _with_extra_purpose(rules: Path, yaml_rules: str) -> None:
    """Rules on a purpose of jetpak-dk of their own (the heading reused), so no shipped rule interferes."""
    _edit(rules / "jetpak-dk.yaml", "purposes:\n", "purposes:\n" + _EXTRA_PURPOSE)
    _append(rules / "jetpak-dk.yaml", yaml_rules)


def _retention(rule_id: str, period: str, when: str = "") -> str:
    return textwrap.dedent(f"""\
    - id: {rule_id}
      purpose: extra
      when: [{when}]
      then:
        - retention: {{period: {period}, from: contract_ended, action: delete, stated: true, action_stated: true}}
      cites:
        - law: GDPR Art. 5(1)(e)
    """)


def _flag(rule_id: str, name: str, when: str) -> str:
    return textwrap.dedent(f"""\
    - id: {rule_id}
      purpose: extra
      when: [{when}]
      then:
        - flag: {{name: {name}}}
      cites:
        - law: GDPR Art. 5(1)(e)
    """)


def _extra(**facts: object) -> dict[str, object]:
    return {"policy": "jetpak-dk", "purpose": "extra", "dates": {"contract_ended": "2025-06-30"}, "as_of": "2026-01-01", **facts}


def test_shipped_rules_have_no_conflicts() -> None:
    base = load_directory(lawbasis.default_rules_dir())
    assert len(base.policies) >= 5
    for policy_id in base.policies:
        rules = base.rules_for(policy_id)
        check_conflicts(base.policies[policy_id], rules)


def test_two_windows_for_one_purpose_are_refused_naming_both(rules: Path) -> None:
    _with_extra_purpose(rules, _retention("x/one", "P1Y") + _retention("x/two", "P2Y", "activity: {dispute: false}"))
    error = _refused(rules)
    assert (error.file, error.rule) == ("jetpak-dk.yaml", "x/two")
    assert error.problem.startswith(
        "concludes retention {period: P2Y, from: contract_ended, action: delete, stated: true} and rule 'x/one' "
        "(jetpak-dk.yaml) concludes retention {period: P1Y, from: contract_ended, action: delete, stated: true}, "
        "and their conditions do not provably exclude each other for policy jetpak-dk"
    )


@pytest.mark.parametrize(
    ("conclusion", "when", "other"),
    [
        ('lawful: {value: "no", reason: x}', "activity: {channel: post}", "gdpr/lawful/yes"),
        ("objection: {applies: 21(1), continues: true, reason: x}", "", "gdpr/objection/direct-marketing-absolute"),
        ("may_process: {value: true, reason: x}", "activity: {consent: withdrawn}", "gdpr/may-process/not-lawful"),
        # every gdpr/today rule that concludes another action contradicts it; the first one found is named
        ("today: {action: delete, reason: x}", "", ("gdpr/today/hold", "gdpr/today/window-ended", "gdpr/today/inside-window")),
    ],
)
def test_policy_rule_contradicting_the_law_is_refused_naming_both_files(rules: Path, conclusion: str, when: str, other: str) -> None:
    # before, these loaded and failed only when an activity reached both rules (EngineError, no file)
    _append(
        rules / "jetpak-dk.yaml",
        f"""\
    - id: x/contradiction
      purpose: marketing
      when: [{when}]
      then:
        - {conclusion}
      cites:
        - law: GDPR Art. 21(1)
    """,
    )
    error = _refused(rules)
    assert (error.file, error.rule) == ("jetpak-dk.yaml", "x/contradiction")
    others = other if isinstance(other, tuple) else (other,)
    assert any(f"and rule {o!r} (gdpr.yaml) concludes" in error.problem for o in others), error.problem


def test_one_rule_concluding_two_values_is_refused(rules: Path) -> None:
    _append(
        rules / "jetpak-dk.yaml",
        """\
    - id: x/both
      purpose: marketing
      then:
        - lawful: {value: "yes", reason: x}
        - lawful: {value: "no", reason: y}
      cites:
        - law: GDPR Art. 6(1)
    """,
    )
    error = _refused(rules)
    assert (error.file, error.rule) == ("jetpak-dk.yaml", "x/both")


def test_removing_an_exclusion_from_the_law_is_refused(rules: Path) -> None:
    # without "absent basis f", Art. 21(1) on basis f and "no right to object" both apply
    _edit(
        rules / "gdpr.yaml",
        "      - absent: {fact: basis, letter: e}\n      - absent: {fact: basis, letter: f}\n",
        "      - absent: {fact: basis, letter: e}\n",
    )
    error = _refused(rules)
    assert (error.file, error.rule) == ("gdpr.yaml", "gdpr/objection/not-reachable")
    assert "and rule 'gdpr/objection/21-1-" in error.problem and "(gdpr.yaml)" in error.problem


def test_windows_on_disjoint_activity_values_are_accepted(rules: Path) -> None:
    _with_extra_purpose(
        rules,
        _retention("x/prospect", "P1Y", "activity: {customer_status: prospect}")
        + _retention("x/customer", "P2Y", "activity: {customer_status: {not: prospect}}"),
    )
    engine = Engine(rules_dir=rules)
    assert engine.evaluate(_extra(customer_status="prospect")).retention.period == "P1Y"
    assert engine.evaluate(_extra(customer_status="former_customer")).retention.period == "P2Y"


def test_windows_on_a_fact_and_its_absence_are_accepted(rules: Path) -> None:
    _with_extra_purpose(
        rules,
        _flag("x/long", "long_kept", "activity: {dispute: true}")
        + _retention("x/long-window", "P2Y", "{fact: flag, name: long_kept}")
        + _retention("x/short-window", "P1Y", "absent: {fact: flag, name: long_kept}"),
    )
    engine = Engine(rules_dir=rules)
    assert engine.evaluate(_extra(dispute=True)).retention.period == "P2Y"
    assert engine.evaluate(_extra(dispute=False)).retention.period == "P1Y"


def test_windows_on_facts_with_exclusive_producers_are_accepted(rules: Path) -> None:
    _with_extra_purpose(
        rules,
        _flag("x/a", "a", "activity: {dispute: true}")
        + _flag("x/b", "b", "activity: {dispute: false}")
        + _retention("x/on-a", "P2Y", "{fact: flag, name: a}")
        + _retention("x/on-b", "P1Y", "{fact: flag, name: b}"),
    )
    engine = Engine(rules_dir=rules)
    assert engine.evaluate(_extra(dispute=True)).retention.period == "P2Y"
    assert engine.evaluate(_extra(dispute=False)).retention.period == "P1Y"


def test_windows_on_facts_whose_producers_overlap_are_refused(rules: Path) -> None:
    _with_extra_purpose(
        rules,
        _flag("x/a", "a", "activity: {dispute: true}")
        + _flag("x/b", "b", "activity: {customer_status: prospect}")
        + _retention("x/on-a", "P2Y", "{fact: flag, name: a}")
        + _retention("x/on-b", "P1Y", "{fact: flag, name: b}"),
    )
    error = _refused(rules)
    assert (error.file, error.rule) == ("jetpak-dk.yaml", "x/on-b")
    assert "rule 'x/on-a' (jetpak-dk.yaml)" in error.problem


_CONDITIONS = [
    "activity: {dispute: true}",
    "activity: {dispute: false}",
    "activity: {customer_status: prospect}",
    "activity: {customer_status: [customer, former_customer]}",
    "activity: {customer_status: {not: customer}}",
    "{fact: flag, name: a}",
    "absent: {fact: flag, name: a}",
    "{fact: flag, name: b}",
    "absent: {fact: flag, name: b}",
]


def _random_rules(rng: random.Random) -> str:
    out = [
        _flag("x/a", "a", rng.choice(_CONDITIONS[:5])),
        _flag("x/b", "b", rng.choice([*_CONDITIONS[:5], "{fact: flag, name: a}", "absent: {fact: flag, name: a}"])),
    ]
    for n in range(rng.randint(2, 4)):
        when = ", ".join(rng.sample(_CONDITIONS, rng.randint(0, 2)))
        out.append(_retention(f"x/window-{n}", rng.choice(["P1Y", "P2Y"]), when))
    return "".join(out)


def test_accepted_rulesets_never_disagree_at_evaluation(tmp_path: Path) -> None:
    """Soundness, sampled: random windows over flags and activity values; whenever the load-time
    check accepts a ruleset, no activity makes two rules disagree at evaluation time."""
    source = Path(lawbasis.default_rules_dir())
    rng = random.Random(20261126)
    accepted = refused = 0
    for case in range(40):
        directory = tmp_path / f"case{case}"
        shutil.copytree(source / "policies", directory / "policies")
        for name in JETPAK_FILES:
            shutil.copy(source / name, directory / name)
        _with_extra_purpose(directory, _random_rules(rng))
        try:
            engine = Engine(rules_dir=directory, memo_size=0)
        except RuleFileError as error:
            assert "do not provably exclude each other" in error.problem or "not stratifiable" in error.problem, error
            refused += 1
            continue
        accepted += 1
        for dispute in (True, False):
            for status in ("prospect", "customer", "former_customer"):
                engine.evaluate(_extra(dispute=dispute, customer_status=status))  # an EngineError fails the test
        engine.close()
    assert accepted >= 5 and refused >= 5, (accepted, refused)


def _claimed_rules(absent: str) -> str:
    return (
        textwrap.dedent(f"""\
    - id: x/candidate
      purpose: extra
      when: [activity: {{dispute: true}}]
      then:
        - candidate: {{letter: b, stated: true}}
      cites:
        - law: GDPR Art. 6(1)(b)
    - id: x/claimed
      purpose: extra
      when: [{{fact: candidate, letter: $L}}, absent: {absent}]
      then:
        - flag: {{name: claimed}}
      cites:
        - law: GDPR Art. 6(1)
    """)
        + _retention("x/window-basis", "P1Y", "{fact: basis}")
        + _retention("x/window-unclaimed", "P2Y", "absent: {fact: flag, name: claimed}")
    )


def test_exclusion_through_a_shared_variable_is_accepted(rules: Path) -> None:
    # the shape of the rewritten gdpr.yaml: a basis L needs a candidate L with no blocked L, and a
    # candidate L with no blocked L (reason r) raises a flag; "basis" and "no flag" cannot both hold
    _with_extra_purpose(rules, _claimed_rules("{fact: blocked, letter: $L, reason: some_reason}"))
    engine = Engine(rules_dir=rules)
    assert engine.evaluate(_extra(dispute=True)).retention.period == "P1Y"
    assert engine.evaluate(_extra(dispute=False)).retention.period == "P2Y"


def test_exclusion_without_the_shared_variable_is_refused(rules: Path) -> None:
    # the flag now needs no blocked *a*: a withdrawn consent blocks a, basis b stands, no flag
    _with_extra_purpose(rules, _claimed_rules("{fact: blocked, letter: a}"))
    error = _refused(rules)
    assert (error.file, error.rule) == ("jetpak-dk.yaml", "x/window-unclaimed")
    assert "rule 'x/window-basis' (jetpak-dk.yaml)" in error.problem


def test_evaluation_time_disagreement_names_rules_and_files() -> None:
    # the safety net behind the load-time check: unreachable from a ruleset the check accepts
    activity = Activity.from_dict({"policy": "jetpak-dk", "purpose": "contract", "as_of": "2026-01-01"})
    one = Rule("x/yes", "one.yaml", "jetpak-dk", (), (), (("lawful", {"value": "yes", "reason": "r"}),), ())
    two = Rule("x/no", "two.yaml", "jetpak-dk", (), (), (("lawful", {"value": "no", "reason": "r"}),), ())
    records = [("lawful", {"value": "yes", "reason": "r"}, one), ("lawful", {"value": "no", "reason": "r"}, two)]
    with pytest.raises(EngineError) as info:
        assemble(activity, _dt.date(2026, 1, 1), records, [])
    assert str(info.value).endswith("(x/no (two.yaml), x/yes (one.yaml))")


def test_libyaml_path_reads_every_shipped_yaml_file_as_the_pure_python_path_does(monkeypatch) -> None:
    """The quick path (libyaml's parser and composer, bounds checked on its events) gives the same data as the
    pure-Python bounded composer for every YAML file the project ships, and is the path a valid file takes."""
    from lawbasis.core import safeyaml

    if safeyaml._CLoader is None:
        pytest.skip("PyYAML built without libyaml: only the pure-Python path exists")
    root = Path(__file__).resolve().parent.parent
    files = [p for d in ("rules", "tests", "examples", "docs") for p in sorted((root / d).rglob("*.yaml")) if "_build" not in p.parts]
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        slow = safeyaml._BoundedLoader(text)
        try:
            expected = slow.get_single_data()
        except yaml.YAMLError:
            continue  # a file kept to show an error (tests/fixtures): the error path is the slow one
        finally:
            slow.dispose()
        safeyaml._within_bounds(text)
        assert safeyaml._QuickLoader(text).get_single_data() == expected, path
    # a valid file does not reach the pure-Python composer; an invalid one does, and is named by it
    monkeypatch.setattr(safeyaml, "_BoundedLoader", None)
    assert safeyaml.load_yaml("a: [1, 2]\nb: {c: d}\n", "ok.yaml") == {"a": [1, 2], "b": {"c": "d"}}
    with pytest.raises(TypeError):  # the slow path was asked for (here: replaced by None)
        safeyaml.load_yaml("a: [1, 2\n", "bad.yaml")


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("a: " + "[" * 150 + "]" * 150 + "\n", "nested deeper than"),
        ("x: &a [1, 2]\n" + "".join(f"k{i}: *a\n" for i in range(150)), "more than 100 aliases"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcd", "bcde", strict=True)
            ),
            "more than 50000 nodes",
        ),
    ],
)
def test_libyaml_path_refuses_what_crosses_a_bound(text: str, bound: str) -> None:
    """The events check stops the quick path at each bound, and the error is the pure-Python composer's."""
    from lawbasis.core import safeyaml

    if safeyaml._CLoader is not None:
        with pytest.raises(safeyaml._Refused):
            safeyaml._within_bounds(text)
    with pytest.raises(RuleFileError, match=bound):
        safeyaml.load_yaml(text, "bomb.yaml")
