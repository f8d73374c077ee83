"""A rule directory is a trust boundary: what it may point at, how much is read, what an error shows,
which YAML is accepted, and contradictions between rules found when the directory is loaded.

Every test builds a copy of the shipped rules (or the Jetpak subset), breaks one thing and checks the
RuleFileError: its file, rule and problem. Anything that could hang or exhaust memory runs in a
subprocess with a timeout.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lawbasis
from lawbasis import Engine, RuleFileError
from lawbasis._safeyaml import MAX_DEPTH, MAX_SNIPPET, load_yaml

JETPAK_FILES = ("gdpr.yaml", "dk.yaml", "se.yaml", "jetpak-dk.yaml", "jetpak-se.yaml")
HEADING = "Administration og opfyldelse af aftale og varetagelse af vores juridiske interesser i tilfælde af en tvist"


@pytest.fixture()
def rules(tmp_path: Path) -> Path:
    """The law files, the Jetpak files and every policy text, in tmp_path/rules."""
    source = Path(lawbasis.default_rules_dir())
    target = tmp_path / "rules"
    shutil.copytree(source / "policies", target / "policies")
    for name in JETPAK_FILES:
        shutil.copy(source / name, target / name)
    return target


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

_BOMB = "law: {id: bomb, title: t}\nlol0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)
) + "rules: []\n"


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


@pytest.mark.parametrize(
    ("key", "shown"), [("123", "'123'"), ("yes", "'yes'"), ("on", "'on'"), ("null", "'null'"), ("1.5", "'1.5'")]
)
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
    _edit(rules / "jetpak-dk.yaml", "retention: {period: P36M, from: contract_ended, action: anonymise",
          f"retention: {{period: {period}, from: contract_ended, action: anonymise")
    error = _refused(rules)
    assert (error.file, error.rule, error.problem) == ("jetpak-dk.yaml", "jetpak-dk/contract/retention", problem)


def test_longest_period_is_accepted(rules: Path) -> None:
    _edit(rules / "jetpak-dk.yaml", "retention: {period: P36M, from: contract_ended, action: anonymise",
          "retention: {period: P1000Y, from: contract_ended, action: anonymise")
    d = Engine(rules_dir=rules).evaluate(
        {"policy": "jetpak-dk", "purpose": "contract", "dates": {"contract_ended": "2025-06-30"}, "as_of": "2026-01-01"}
    )
    assert d.retention.until is not None and d.retention.until.isoformat() == "3025-06-30"


def test_statutory_period_of_a_finding_is_checked_at_load(rules: Path) -> None:
    _append(rules / "jetpak-dk.yaml", """\
        - id: jetpak-dk/contract/odd-finding
          purpose: contract
          then:
            - finding: {code: odd, severity: info, message: m, statutory_period: forever, statutory_from: fiscal_year_end}
          cites:
            - law: GDPR Art. 5(1)(e)
    """)
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
