"""The example notebooks run top to bottom without an error, say what they should, and are kept stripped."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

import lawbasis

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def _outputs_text(nb: Any) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append(out["text"])
            for mime in ("text/plain", "text/html"):
                if mime in out.get("data", {}):
                    parts.append(out["data"][mime])
    return "\n".join(parts)


def _images(nb: Any) -> int:
    return sum("image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))


def _client(name: str) -> Any:
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    # kernel "python3" resolves to the interpreter running the tests: jupyter_client replaces the
    # spec's "python" with sys.executable, and the kernel inherits PYTHONPATH, so it imports the
    # same lawbasis (the installed package under make test, the source tree with PYTHONPATH=.).
    return nbclient.NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(EXAMPLES)}})


@pytest.fixture(scope="module")
def executed() -> dict[str, Any]:
    """Every notebook executed once, all at the same time (each in its own kernel) to save wall time."""
    clients = {path.name: _client(path.name) for path in NOTEBOOKS}

    async def run_all() -> list[Any]:
        return await asyncio.gather(*(c.async_execute() for c in clients.values()), return_exceptions=True)

    results = asyncio.run(run_all())
    return {
        name: (result if isinstance(result, BaseException) else client.nb)
        for (name, client), result in zip(clients.items(), results, strict=True)
    }


def _run(executed: dict[str, Any], name: str) -> Any:
    nb = executed[name]
    if isinstance(nb, BaseException):  # CellExecutionError names the cell and the traceback
        raise nb
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{name}: {out.get('ename')}: {out.get('evalue')}"
    return nb


def test_there_are_the_three_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["jetpak_dk_vs_se.ipynb", "objections.ipynb", "quickstart.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell keeps its outputs"
            assert cell.execution_count is None, f"{path.name}: a cell keeps its execution count"


def test_kernel_runs_this_interpreter() -> None:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.language == "python"
    cmd = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(cmd[0]).resolve() == Path(sys.executable).resolve()


@pytest.mark.slow
def test_quickstart(executed: dict[str, Any]) -> None:
    nb = _run(executed, "quickstart.ipynb")
    text = _outputs_text(nb)
    # worked example 1: consent basis, 21(2), kept until 2028-06-30
    assert "keep until: 2028-06-30 then delete" in text
    assert "bases: ['a']" in text
    assert "Had the customer not objected, processing could continue." in text
    assert _images(nb) == 2  # the heatmap and the timeline


@pytest.mark.slow
def test_objections_covers_every_loaded_policy(executed: dict[str, Any]) -> None:
    nb = _run(executed, "objections.ipynb")
    text = _outputs_text(nb)
    ids = [p.id for p in lawbasis.default_engine().policies()]
    assert f"policies loaded: {len(ids)}: " + ", ".join(ids) in text
    for policy in ids:
        assert text.count(f"{policy}") >= 3, policy
    assert _images(nb) == 1


@pytest.mark.slow
def test_jetpak_dk_vs_se(executed: dict[str, Any]) -> None:
    nb = _run(executed, "jetpak_dk_vs_se.ipynb")
    text = _outputs_text(nb)
    assert "language_versions_differ" in text
    assert "scenarios that differ" in text
    # both decisions render, each quoting its own language
    assert "lang='da'" in text and "lang='sv'" in text
    assert _images(nb) == 1
