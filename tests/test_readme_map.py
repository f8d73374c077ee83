"""The README's map of the code names every module and matches the tree (issue 12)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PACKAGE = ROOT / "lawbasis"

pytestmark = pytest.mark.skipif(not (README.is_file() and PACKAGE.is_dir()), reason="not a source checkout")


def _mapped() -> set[str]:
    """The `lawbasis/...` paths in the first column of the README's "Where things are" table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| ([^|]+) \|", section, flags=re.MULTILINE)
    return {path for cell in first_cells for path in re.findall(r"`(lawbasis/[^`]+)`", cell)}


def _modules() -> set[str]:
    """Every module of the package, as a path; a subpackage's ``__init__`` counts as the package itself."""
    out = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if path.name == "__main__.py" or relative == "lawbasis/__init__.py":
            continue
        out.add(relative[: -len("__init__.py")] if path.name == "__init__.py" else relative)
    return out


def test_the_map_names_every_module() -> None:
    assert sorted(_modules() - _mapped()) == []


def test_the_map_reads_the_table() -> None:
    # the parser above must see the table at all, or the first test could not fail
    assert {"lawbasis/engine/host.py", "lawbasis/bulk.py", "lawbasis/plot.py", "lawbasis/core/"} <= _mapped()


def test_every_path_in_the_map_exists() -> None:
    assert sorted(p for p in _mapped() if not (ROOT / p).exists()) == []
