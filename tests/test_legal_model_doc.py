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
