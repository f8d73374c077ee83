"""The worked examples of docs/explanation/legal-model.md run, and give the answers the page states."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "explanation" / "legal-model.md"


@pytest.mark.skipif(not PAGE.is_file(), reason="docs/ is not beside the tests (installed elsewhere)")
def test_legal_model_examples() -> None:
    result = doctest.testfile(str(PAGE), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 15
    assert result.failed == 0


HOWTO = Path(__file__).resolve().parent.parent / "docs" / "howto" / "scenario-files.md"


@pytest.mark.skipif(not HOWTO.is_file(), reason="docs/ is not beside the tests (installed elsewhere)")
def test_scenario_file_howto_example_loads_and_holds(tmp_path: Path) -> None:
    """The format the how-to shows is the one the loader accepts, and its expectations hold."""
    from lawbasis.testing.scenarios import load_scenarios, run

    text = HOWTO.read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "marketing.scenarios.yaml"
    path.write_text(block, encoding="utf-8")
    scenarios = load_scenarios(path)
    assert [s.name for s in scenarios][:1] == ["e-mail marketing to a consenting customer"]
    assert len(scenarios) == 3
    for scenario in scenarios:
        assert run(scenario) == [], scenario.name
