"""The tutorial "encode your own policy" runs as written, and its example rule directory holds.

Every block of docs/tutorial-own-policy.md is exercised in a copy of examples/own-policy: console blocks run
their commands and compare the output the page shows (``...`` stands for any text), Python blocks run as
doctests, and the YAML, CSV and text blocks are checked to be verbatim excerpts of the files they name.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "tutorial-own-policy.md"
EXAMPLE = ROOT / "examples" / "own-policy"

pytestmark = pytest.mark.skipif(
    not (PAGE.is_file() and EXAMPLE.is_dir()), reason="docs/ and examples/ are not beside the tests (installed elsewhere)"
)

# commands the page shows failing on purpose, with their exit status
EXPECTED_STATUS = {"lawbasis check draft": 2}


def _blocks(lang: str) -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def _console_steps() -> list[tuple[str, str]]:
    """(command, expected output) for every ``$ `` line of the console blocks, in page order."""
    steps = []
    for block in _blocks("console"):
        command, expected = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    steps.append((command, "\n".join(expected)))
                command, expected = line[2:], []
            else:
                expected.append(line)
        assert command is not None, block
        steps.append((command, "\n".join(expected)))
    return steps


def _matches(expected: str, actual: str) -> bool:
    """Doctest's ELLIPSIS, line-trimmed: ``...`` matches any text, across lines too."""
    norm = "\n".join(line.rstrip() for line in actual.strip("\n").splitlines())
    pattern = ".*?".join(re.escape(part) for part in expected.strip("\n").split("..."))
    return re.fullmatch(pattern, norm, flags=re.DOTALL) is not None


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    """A fresh copy of the example, as a user's checkout would have it."""
    target = tmp_path / "own-policy"
    shutil.copytree(EXAMPLE, target)
    return target


def test_page_has_every_kind_of_block() -> None:
    """The walk-through covers text, skeleton, rule file, check, scenarios, evaluate, report and bulk."""
    commands = [command for command, _ in _console_steps()]
    for needed in ("lawbasis new", "lawbasis check rules", "pytest", "lawbasis evaluate", "lawbasis report", "lawbasis sweep"):
        assert any(needed in command for command in commands), needed
    assert len(_blocks("python")) == 3
    assert len(_blocks("yaml")) >= 7


def test_console_blocks_run_and_print_what_the_page_shows(workdir: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "120"
    steps = _console_steps()
    assert len(steps) == 8
    for command, expected in steps:
        result = subprocess.run(command, shell=True, cwd=workdir, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)
        assert result.returncode == EXPECTED_STATUS.get(command, 0), (command, result.stdout, result.stderr)
        assert _matches(expected, result.stdout + result.stderr), (command, expected, result.stdout + result.stderr)
    # what the commands wrote
    assert (workdir / "draft" / "policies" / "sergel-dk.txt").read_bytes() == (workdir / "policies" / "sergel-dk.txt").read_bytes()
    decisions = (workdir / "decisions.csv").read_text(encoding="utf-8").splitlines()
    assert len(decisions) == 21
    assert decisions[0].startswith("debtor_id,")


def test_python_blocks_run_as_doctests(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    globs: dict[str, object] = {}
    for number, block in enumerate(_blocks("python")):
        test = parser.get_doctest(block, globs, f"tutorial-own-policy[{number}]", str(PAGE), 0)
        assert test.examples, block
        runner.run(test, clear_globs=False)
        globs = test.globs  # later blocks use the engine of the first
    result = runner.summarize(verbose=False)
    assert result.attempted >= 12
    assert result.failed == 0


def test_file_blocks_are_verbatim_excerpts() -> None:
    """A YAML block quotes the file named in its first line; a text block quotes the policy text or the table."""
    for block in _blocks("yaml"):
        first, _, rest = block.partition("\n")
        assert first.startswith("# "), block
        assert rest in (EXAMPLE / first[2:]).read_text(encoding="utf-8"), first
    text = (EXAMPLE / "policies" / "sergel-dk.txt").read_text(encoding="utf-8")
    table = (EXAMPLE / "debtors.csv").read_text(encoding="utf-8")
    blocks = _blocks("text")
    assert len(blocks) == 3
    for block in blocks:
        assert block in text or table.startswith(block), block


def test_rule_directory_copies_the_text_byte_for_byte() -> None:
    """The rule directory quotes the same text SOURCE.md documents (`lawbasis new` copies it)."""
    assert (EXAMPLE / "rules" / "policies" / "sergel-dk.txt").read_bytes() == (EXAMPLE / "policies" / "sergel-dk.txt").read_bytes()
    source = (EXAMPLE / "SOURCE.md").read_text(encoding="utf-8")
    for address in ("retsgrundlag-for-behandlingen", "hvor-laenge-opbevarer-vi-dine-personlige-data", "fuldkommen"):
        assert f"https://sergel.dk/privatlivspolitik/{address}/" in source
    assert "2026-11-26" in source


def test_example_scenarios_pass() -> None:
    from lawbasis.testing.scenarios import load_scenarios, run

    scenarios = load_scenarios(EXAMPLE / "sergel-dk.scenarios.yaml")
    assert len(scenarios) >= 15
    failures = {s.name: run(s) for s in scenarios}
    assert {name: diff for name, diff in failures.items() if diff} == {}


def test_layer_leaves_the_builtin_rules_untouched() -> None:
    """The layer adds a policy and facts; the built-in policies answer as before and refuse the new facts."""
    import lawbasis

    facts = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "as_of": "2026-01-15"}
    layered = lawbasis.Engine(str(EXAMPLE / "rules")).evaluate(facts).to_dict()
    assert layered == lawbasis.evaluate(facts).to_dict()
    with pytest.raises(lawbasis.InputError, match="volunteered"):
        lawbasis.evaluate({**facts, "volunteered": True})
    assert "sergel-dk" not in lawbasis.Engine().policies()


def test_check_compiles_with_the_directorys_own_facts(tmp_path: Path) -> None:
    """`lawbasis check` on a layer whose rules test its own facts: no crash, and a real problem still shows."""
    from lawbasis.engine.check import check_directory

    assert check_directory(EXAMPLE / "rules") == []
    rules = tmp_path / "rules"
    shutil.copytree(EXAMPLE / "rules", rules)
    law = rules / "dk-foraeldelsesloven.yaml"
    law.write_text(law.read_text(encoding="utf-8").replace("claim_time_barred: true", "claim_time_barred: maybe"), encoding="utf-8")
    problems = check_directory(rules)
    assert [(p.file, p.rule) for p in problems] == [("dk-foraeldelsesloven.yaml", "dk-foraeldelsesloven/3/time-barred-claim")]
    assert "maybe" in problems[0].problem


def test_declared_facts_reach_the_schema_and_the_invariants() -> None:
    import lawbasis
    from lawbasis import invariants

    engine = lawbasis.Engine(str(EXAMPLE / "rules"))
    properties = engine.vocabulary.activity_schema()["properties"]
    assert properties["claim_time_barred"]["type"] == "boolean"
    assert {"case_closed", "call_recorded"} <= set(properties["dates"]["properties"])
    activity = lawbasis.Activity.from_dict(
        {"policy": "sergel-dk", "purpose": "debt_collection", "claim_time_barred": True, "as_of": "2026-11-26"},
        engine.vocabulary,
    )
    decision = engine.evaluate(activity)
    assert "time_barred_claim_collected" in [f.code for f in decision.findings]
    invariants.check_all(activity, decision)  # an Activity with a layer's facts is taken as checked
