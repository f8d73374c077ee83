"""pytest plugin (entry point ``pytest11``): collects ``*.scenarios.yaml`` scenario files.

Installed with lawbasis, it is active in every pytest run: a ``*.scenarios.yaml`` file anywhere
pytest collects becomes one test per scenario (file format: :mod:`lawbasis.testing.scenarios`). A failure
names the file, the line of the scenario and every differing field, expected against got::

    my.scenarios.yaml:12: scenario 'e-mail marketing with consent'
      objection.continues: expected True, got False

Without installing, load it by hand: ``pytest -p lawbasis.testing.pytest_plugin``.

The plugin is loaded by every pytest run of every project that has lawbasis installed, so it imports
nothing of lawbasis (no durable_rules, YAML or JSON Schema) until pytest meets a scenario file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from lawbasis.testing.scenarios import Mismatch, Scenario

SUFFIX = ".scenarios.yaml"


class ScenarioFailure(Exception):
    """A scenario whose decision differs from what it expects."""

    def __init__(self, scenario: Scenario, mismatches: list[Mismatch]) -> None:
        self.scenario = scenario
        self.mismatches = mismatches
        super().__init__(render(scenario, mismatches))


def render(scenario: Scenario, mismatches: list[Mismatch]) -> str:
    head = f"{scenario.file}:{scenario.line}: scenario {scenario.name!r}"
    return "\n".join([head, *(f"  {m}" for m in mismatches)])


class ScenarioItem(pytest.Item):
    """One scenario of a scenario file."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        from lawbasis.core.errors import LawbasisError
        from lawbasis.testing.scenarios import Mismatch, run

        try:
            mismatches = run(self.scenario)
        except LawbasisError as exc:
            raise ScenarioFailure(self.scenario, [Mismatch("(evaluation)", "a decision", f"{type(exc).__name__}: {exc}")]) from None
        if mismatches:
            raise ScenarioFailure(self.scenario, mismatches)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"scenario: {self.scenario.name}"


class ScenarioFile(pytest.File):
    """A ``*.scenarios.yaml`` file: one item per scenario."""

    def collect(self) -> Iterator[ScenarioItem]:
        from lawbasis.testing.scenarios import ScenarioFileError, load_scenarios

        try:
            scenarios = load_scenarios(self.path)
        except ScenarioFileError as exc:
            raise self.CollectError(str(exc)) from None
        for scenario in scenarios:
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.name.endswith(SUFFIX):
        return ScenarioFile.from_parent(parent, path=file_path)  # type: ignore[no-any-return]
    return None
