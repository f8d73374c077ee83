"""Evaluate in a loop while a timer signal raises every ~0.5 ms (a 20 ms gap every tenth tick) (run by tests/test_reliability_engine.py).

``python signal_storm.py MODE SECONDS``; MODE is ``tick`` (the handler raises an Exception subclass,
like a request timeout), ``interrupt`` (it raises KeyboardInterrupt), or ``tick-threaded`` (as
``tick``, with a second thread running Python code, so the kernel can hand the signal to a thread
that does not block it while the main thread is inside a session). Prints one JSON line and exits
0 if every answer the loop got and every answer afterwards equals a fresh engine's.
"""

from __future__ import annotations

import itertools
import json
import signal
import sys
import threading
import time

import lawbasis


class Tick(Exception):
    pass


def workload(engine: lawbasis.Engine) -> list[dict[str, object]]:
    items = []
    for info in engine.policies():
        for purpose in info.purposes.values():
            for consent, dispute in itertools.product(("none", "given", "withdrawn"), (False, True)):
                dates = {
                    "contract_ended": "2025-06-30",
                    "fiscal_year_end": "2024-12-31",
                    "recorded": "2025-03-01",
                    "contact_collected": "2024-01-15",
                }
                if consent == "withdrawn":
                    dates["consent_withdrawn"] = "2025-09-01"
                items.append(
                    {
                        "policy": info.id,
                        "purpose": purpose.id,
                        "consent": consent,
                        "dispute": dispute,
                        "customer_status": "customer",
                        "channel": "email",
                        "dates": dates,
                        "as_of": "2026-11-22",
                    }
                )
    return items


def main() -> int:
    mode, seconds = sys.argv[1], float(sys.argv[2])
    engine = lawbasis.Engine(memo_size=0)  # every evaluation a durable_rules session
    items = workload(engine)
    fresh = lawbasis.Engine(memo_size=0)
    expected = [fresh.evaluate(item).to_dict() for item in items]
    raised = Tick if mode.startswith("tick") else KeyboardInterrupt
    armed = [False]  # like a request timeout: armed around the call only, so the loop's own lines are safe

    ticks = itertools.cycle((0.0005,) * 9 + (0.02,))

    def handler(signum: int, frame: object) -> None:
        # mostly every 0.5 ms, with a 20 ms gap every tenth tick: on a loaded machine an evaluation
        # can take longer than 0.5 ms, and the storm must still let some answers through to check them
        signal.setitimer(signal.ITIMER_REAL, next(ticks))
        if armed[0]:
            raise raised()

    stop = threading.Event()
    if mode.endswith("threaded"):

        def spin() -> None:
            while not stop.is_set():
                sum(range(100))

        threading.Thread(target=spin, daemon=True).start()
    counts = {"answers": 0, "raised": 0, "engine_errors": 0, "wrong": 0, "hosts_replaced": 0}
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.0005)
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        k = i % len(items)
        i += 1
        hosts = len(getattr(engine, "_hosts", ()))
        try:
            armed[0] = True
            decision = engine.evaluate(items[k])
            armed[0] = False
            counts["answers"] += 1
            counts["wrong"] += decision.to_dict() != expected[k]
        except raised:
            armed[0] = False
            counts["raised"] += 1
        except lawbasis.EngineError:
            armed[0] = False
            counts["engine_errors"] += 1
        counts["hosts_replaced"] += len(getattr(engine, "_hosts", ())) != hosts
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    stop.set()
    after = [engine.evaluate(item).to_dict() for item in items]
    counts["wrong_after"] = sum(a != e for a, e in zip(after, expected, strict=True))
    print(json.dumps(counts), flush=True)
    return 0 if counts["wrong"] == counts["wrong_after"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
