"""The habits of a kept library: one version, the pre-commit hooks, hypothesis profiles instead of
pinned counts, the complexity rule, the changelog, and make test on every Python the machine has."""

from __future__ import annotations

import ast
import configparser
import importlib.metadata
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

import lawbasis
from lawbasis.cli.app import main
from tests.conftest import PROFILES, scaled

ROOT = Path(__file__).resolve().parent.parent


# --- the version, written once ---------------------------------------------------------------


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    installed = importlib.metadata.version("lawbasis")
    assert lawbasis.__version__ == installed
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"lawbasis {installed}\n"


def test_version_is_written_in_one_place() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    assert config["metadata"]["version"] == "attr: lawbasis.__version__"
    assert "release = lawbasis.__version__" in (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    literal = re.compile(re.escape(f'"{lawbasis.__version__}"') + "|" + re.escape(f"= {lawbasis.__version__}"))
    elsewhere = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "setup.cfg", ROOT / "pyproject.toml", ROOT / "docs" / "conf.py", *sorted((ROOT / "lawbasis").rglob("*.py")))
        if path.name != "__init__.py" or path.parent.name != "lawbasis"
        if literal.search(path.read_text(encoding="utf-8"))
    ]
    assert elsewhere == []


def test_changelog_starts_at_this_version() -> None:
    headings = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert headings[0] == lawbasis.__version__
    assert "0.1.0" in headings


# --- pre-commit ------------------------------------------------------------------------------


def _hooks() -> dict[str, dict[str, object]]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}


def test_pre_commit_names_the_hooks() -> None:
    hooks = _hooks()
    assert {"ruff-format", "ruff-check", "check-yaml", "end-of-file-fixer", "trailing-whitespace", "load-rules"} <= set(hooks)
    assert str(hooks["ruff-format"]["entry"]).startswith("ruff format")
    assert str(hooks["ruff-check"]["entry"]).startswith("ruff check")
    yaml_files = re.compile(str(hooks["check-yaml"]["files"]))
    for path in ("rules/gdpr.yaml", "tests/scenarios/jetpak-dk.scenarios.yaml"):
        assert (ROOT / path).is_file()
        assert yaml_files.search(path), path
    load = hooks["load-rules"]
    assert load["pass_filenames"] is False
    assert re.search(str(load["files"]), "rules/jetpak-dk.yaml")


def _load_rules_hook(cwd: Path) -> subprocess.CompletedProcess[str]:
    """The load-rules hook's command, run by this interpreter in ``cwd`` (as pre-commit runs it at the top)."""
    args = shlex.split(str(_hooks()["load-rules"]["entry"]))
    assert args[0] == "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, *args[1:]], cwd=cwd, capture_output=True, text=True, timeout=300, check=False, env=env)


def test_load_rules_hook_refuses_a_broken_rule_file(jetpak_copy: Path) -> None:
    done = _load_rules_hook(jetpak_copy.parent)
    assert done.returncode == 0, done.stderr
    assert "jetpak-dk" in done.stdout
    broken = jetpak_copy / "jetpak-se.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("- candidate: {letter: b", "- nominee: {letter: b", 1), encoding="utf-8")
    done = _load_rules_hook(jetpak_copy.parent)
    assert done.returncode == 2
    assert "jetpak-se.yaml" in done.stderr and "nominee" in done.stderr
    assert "Traceback" not in done.stderr


# --- hypothesis profiles ---------------------------------------------------------------------


def test_profiles_ci_and_a_thorough_run_of_ten_times_its_examples() -> None:
    ci, other, thorough = (settings.get_profile(name) for name in ("ci", "ci-other", "thorough"))
    assert thorough.max_examples == 10 * ci.max_examples
    assert other.max_examples < ci.max_examples
    assert ci.derandomize and other.derandomize  # make test gives the same answer twice
    assert settings.default.max_examples == PROFILES[os.environ.get("HYPOTHESIS_PROFILE", "ci")]


def test_scaled_follows_the_loaded_profile() -> None:
    loaded = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    try:
        settings.load_profile("thorough")
        assert scaled(0.2).max_examples == 200
        settings.load_profile("ci")
        assert scaled(0.2).max_examples == 20
        assert scaled(0.001).max_examples == 1
    finally:
        settings.load_profile(loaded)


def _pinned(path: Path) -> list[str]:
    """``settings(max_examples=<a number>)`` calls in one file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "settings":
            for keyword in node.keywords:
                if keyword.arg == "max_examples" and isinstance(keyword.value, ast.Constant):
                    out.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{node.lineno}")
    return out


def test_no_test_pins_an_example_count() -> None:
    assert _pinned(Path(__file__)) == []
    pinned = [where for path in sorted((ROOT / "tests").rglob("*.py")) for where in _pinned(path)]
    assert pinned == [], "scale the profile's count instead: @scaled(share) from tests/conftest.py"


def test_the_pin_check_sees_a_pin(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "from hypothesis import settings\n\n\n@settings(max_examples=8)\ndef test_x():\n    pass\n\n\n@settings(max_examples=max(1, 8))\ndef test_y():\n    pass\n"
    )
    assert _pinned(sample) == ["test_sample.py:4"]


# --- the complexity rule ---------------------------------------------------------------------

#: Functions over the limit that wait for their split (owned by other work; the noqa goes as they are split).
WAITING: set[str] = set()


def test_complexity_rule_is_on() -> None:
    config = tomllib.loads((ROOT / "ruff.toml").read_text(encoding="utf-8"))
    assert "C901" in config["lint"]["select"]
    assert config["lint"]["mccabe"]["max-complexity"] == 20


def test_no_new_function_escapes_the_complexity_rule() -> None:
    escaped = set()
    for path in sorted((ROOT / "lawbasis").rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "noqa: C901" in line:
                match = re.search(r"def (\w+)", line)
                escaped.add(match.group(1) if match else line.strip())
    assert escaped <= WAITING


# --- make test on every Python ---------------------------------------------------------------


def test_make_skips_a_python_the_machine_lacks() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "pytest-py3.99"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "python3.99 not found: skipping the 3.99 run" in done.stdout


def test_make_test_runs_lint_format_types_docs_and_the_other_pythons() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^OTHER_PYTHONS \?= 3\.12 3\.13$", makefile, flags=re.MULTILINE)
    for command in ("ruff check", "ruff format --check", "mypy lawbasis", "pytest -q tests --pyargs lawbasis", "sphinx-build -q -W"):
        assert command in makefile, command
    assert "HYPOTHESIS_PROFILE=ci-other" in makefile and "HYPOTHESIS_PROFILE=thorough" in makefile
