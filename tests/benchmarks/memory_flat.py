"""Memory stays flat: 100,000 evaluations, RSS printed at intervals, growth checked against a bound.

Run: ``python tests/benchmarks/memory_flat.py [N]`` (not a test; takes a few minutes). Exit status 1
when the growth after warm-up exceeds the bound.

Runs twice: with ``memo_size=0`` (every evaluation a durable_rules session: what could leak) and with
the default memo (bounded by its size).

Bound: RSS after the first 10,000 evaluations (warm-up: caches, interned strings, allocator arenas)
may grow by at most 20 MiB over the remaining evaluations. A leak of one session's facts per call
(~2 KiB) would add ~180 MiB over 90,000 calls, so the bound separates flat from leaking.
"""

from __future__ import annotations

import itertools
import sys
import time

import psutil

import lawbasis

BOUND_MIB = 20.0
WARM_UP = 10_000


def workload(engine: lawbasis.Engine) -> list[dict]:
    items = []
    for info in engine.policies():
        for purpose in info.purposes.values():
            for consent, objection, dispute in itertools.product(("given", "withdrawn"), ("none", "direct_marketing"), (False, True)):
                dates = {
                    "contact_collected": "2020-01-15",
                    "contract_ended": "2024-06-30",
                    "fiscal_year_end": "2023-12-31",
                    "recorded": "2025-03-01",
                }
                if consent == "withdrawn":
                    dates["consent_withdrawn"] = "2024-05-01"
                if objection != "none":
                    dates["objection_received"] = "2024-09-01"
                items.append(
                    {
                        "policy": info.id,
                        "purpose": purpose.id,
                        "consent": consent,
                        "objection": objection,
                        "dispute": dispute,
                        "channel": "email",
                        "dates": dates,
                        "as_of": "2026-01-01",
                    }
                )
    # one bad input in every batch: refusals must not leak either
    items.append({"policy": "jetpak-dk", "purpose": "marketing", "consent": "maybe"})
    return items


def main(total: int = 100_000) -> int:
    status = 0
    for memo_size in (0, lawbasis.Engine.__init__.__kwdefaults__["memo_size"]):
        print(f"memo_size={memo_size}")
        status |= run(lawbasis.Engine(memo_size=memo_size), total)
    return status


def run(engine: lawbasis.Engine, total: int) -> int:
    items = workload(engine)
    process = psutil.Process()
    mib = 1024 * 1024
    start = time.perf_counter()
    baseline = None
    print(f"{'evaluations':>12} {'RSS MiB':>9} {'seconds':>8}")
    for n, facts in enumerate(itertools.islice(itertools.cycle(items), total), start=1):
        try:
            engine.evaluate(facts)
        except lawbasis.LawbasisError:
            pass
        if n == WARM_UP:
            baseline = process.memory_info().rss / mib
        if n % 10_000 == 0 or n == 1:
            print(f"{n:>12} {process.memory_info().rss / mib:>9.1f} {time.perf_counter() - start:>8.1f}", flush=True)
    final = process.memory_info().rss / mib
    growth = final - (baseline if baseline is not None else final)
    verdict = "flat" if growth <= BOUND_MIB else "GROWING"
    print(f"growth after warm-up ({WARM_UP} evaluations): {growth:.1f} MiB (bound {BOUND_MIB:.0f} MiB): {verdict}")
    return 0 if growth <= BOUND_MIB else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
