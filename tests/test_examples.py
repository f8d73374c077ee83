"""The bundled examples run: the main job of ``make run`` and every script in examples/cli."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted((EXAMPLES / "cli").glob("*.sh"))


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    # the lawbasis command sits beside the interpreter that runs the tests (the project's venv)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, check=False)


def test_main_job_decides_scenarios_and_the_table() -> None:
    done = _run([sys.executable, str(EXAMPLES / "run_examples.py")])
    assert done.returncode == 0, done.stderr
    assert "scenarios from" in done.stdout
    assert "today: keep 4, delete 6, anonymise 1, hold 1" in done.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_cli_script_runs(script: Path) -> None:
    done = _run(["sh", str(script)])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert "Traceback" not in done.stderr


def test_sweep_script_writes_a_row_per_customer() -> None:
    done = _run(["sh", str(EXAMPLES / "cli" / "sweep.sh")])
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("customer_id,policy,purpose,lawful,bases,")
    # text values are quoted (pyarrow's CSV writer): read it as CSV, as a user's tool would
    records = list(csv.DictReader(io.StringIO(done.stdout)))
    today = {r["customer_id"]: r["action_today"] for r in records}
    assert len(today) == 12
    assert (today["c003"], today["c004"], today["c006"]) == ("anonymise", "hold", "keep")
    assert "keep 4, delete 6, anonymise 1, hold 1" in done.stderr


def test_strict_script_shows_the_documented_exit_statuses() -> None:
    done = _run(["sh", str(EXAMPLES / "cli" / "strict.sh")])
    assert "jetpak-dk marketing --strict: exit 1" in done.stdout
    assert "unknown policy: exit 2" in done.stdout
    assert "sunclass-dk" in done.stdout  # only the last command, lawbasis policies --rules DIR, names it
