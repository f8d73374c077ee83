"""RSS growth when engines are created and let go (run by tests/test_reliability_engine.py).

``python engine_memory.py MODE N``: MODE ``drop`` (no close: the finaliser frees), ``with`` (context
manager) or ``close``. Each engine evaluates once before it goes. Prints one JSON line with the RSS
growth in MiB after N engines, measured after a warm-up of 3 engines.
"""

from __future__ import annotations

import gc
import json
import sys

import psutil

import lawbasis

ACTIVITY = {"policy": "jetpak-dk", "purpose": "marketing", "consent": "given", "as_of": "2026-11-22"}


def one(mode: str) -> None:
    if mode == "with":
        with lawbasis.Engine() as engine:
            engine.evaluate(ACTIVITY)
        return
    engine = lawbasis.Engine()
    engine.evaluate(ACTIVITY)
    if mode == "close":
        engine.close()


def main() -> int:
    mode, n = sys.argv[1], int(sys.argv[2])
    process = psutil.Process()
    for _ in range(3):
        one(mode)
    gc.collect()
    before = process.memory_info().rss
    for _ in range(n):
        one(mode)
    gc.collect()
    growth = (process.memory_info().rss - before) / 2**20
    live = lawbasis.Engine()  # the engines that went did not take the others' native state with them
    answer = live.evaluate(ACTIVITY).to_dict() == lawbasis.Engine(memo_size=0).evaluate(ACTIVITY).to_dict()
    print(
        json.dumps(
            {
                "mode": mode,
                "engines": n,
                "rss_growth_mib": round(growth, 1),
                "per_engine_mib": round(growth / n, 3),
                "answers_agree": answer,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
