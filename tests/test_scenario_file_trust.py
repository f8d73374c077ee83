"""Scenario files are read like rule files: bounded YAML, UTF-8, no duplicate keys (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawbasis.testing.scenarios import ScenarioFileError, load_scenarios

BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(12)
    )
    + "scenarios: []\n"
)


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "x.scenarios.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError, match="alias"):
        load_scenarios(_write(tmp_path, BOMB))


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        load_scenarios(_write(tmp_path, b"facts: {policy: jetpak-dk}\nscenarios:\n  - name: \xff\n"))
    assert caught.value.line == 3 and "not UTF-8" in str(caught.value)


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    text = "scenarios:\n  - name: a\n    facts: {purpose: marketing, purpose: contract}\n    expect: {lawful: 'yes'}\n"
    with pytest.raises(ScenarioFileError, match="purpose"):
        load_scenarios(_write(tmp_path, text))
