"""The main job (``make run``): evaluate every bundled scenario file and print explained decisions.

Each ``examples/scenarios/*.json`` holds a list of activities (SPEC section 4). The same files can be
passed to ``lawbasis evaluate --explain FILE``.
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
