"""The main job (``make run``): evaluate every bundled scenario file and print explained decisions,
then sweep every bundled table and print what to do with each row's data today.

Each ``examples/scenarios/*.json`` holds a list of activities (SPEC section 4); the same files can be
passed to ``lawbasis evaluate --explain FILE``. Each ``examples/tables/*.csv`` is a table of activities
(one row each, dates as columns); ``lawbasis sweep FILE --as-of DATE`` decides it from the shell.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import lawbasis


def main() -> int:
    folder = Path(__file__).resolve().parent / "scenarios"
    files = sorted(folder.glob("*.json"))
    count = 0
    for path in files:
        print(f"=== {path.relative_to(folder.parent)} ===")
        for facts in json.loads(path.read_text(encoding="utf-8")):
            decision = lawbasis.evaluate(facts)
            print(decision.explain())
            print()
            count += 1
    print(f"{count} scenarios from {len(files)} files evaluated.")
    sweep_tables(folder.parent / "tables")
    return 0


def sweep_tables(folder: Path, as_of: str = "2026-11-22") -> None:
    """Decide every row of each bundled table (needs the ``bulk`` extra: pandas)."""
    try:
        import pandas as pd

        from lawbasis.bulk import evaluate_frame
    except ImportError:  # pragma: no cover - make run installs every extra
        print("tables skipped: install lawbasis[bulk] for lawbasis.bulk")
        return
    for path in sorted(folder.glob("*.csv")):
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        decided = evaluate_frame(table, as_of=as_of)
        shown = pd.concat(
            [table[["customer_id", "policy", "purpose"]], decided[["lawful", "bases", "may_process", "retention_until", "action_today"]]],
            axis=1,
        )
        print(f"\n=== {path.relative_to(folder.parent)} as of {as_of} ===")
        print(shown.to_string(index=False))
        counts = decided["action_today"].value_counts()
        print("today: " + ", ".join(f"{action} {int(counts.get(action, 0))}" for action in ("keep", "delete", "anonymise", "hold")))


if __name__ == "__main__":
    sys.exit(main())
