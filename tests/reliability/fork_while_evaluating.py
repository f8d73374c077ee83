"""Fork again and again while another thread evaluates (run by tests/test_reliability_engine.py).

``python fork_while_evaluating.py FORKS`` prints one JSON line and exits 0 if every child evaluated
correctly and exited within its timeout. A lock the other thread held at the fork used to stay held
in the child for ever (2 of 40 children hung).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

import lawbasis

ITEMS = [
    {
        "policy": p,
        "purpose": u,
        "consent": "given",
        "channel": "email",
        "as_of": "2026-11-22",
        "dates": {"contract_ended": "2025-06-30", "fiscal_year_end": "2024-12-31"},
    }
    for p, u in (("jetpak-dk", "marketing"), ("jetpak-se", "bookkeeping"), ("jackon-dk", "security"))
]


def main() -> int:
    forks = int(sys.argv[1])
    engine = lawbasis.Engine(memo_size=0)  # every evaluation a session the fork can catch half-way
    expected = [engine.evaluate(item).to_dict() for item in ITEMS]
    stop = threading.Event()

    def evaluate_for_ever() -> None:
        i = 0
        while not stop.is_set():
            engine.evaluate(ITEMS[i % len(ITEMS)])
            i += 1

    worker = threading.Thread(target=evaluate_for_ever, daemon=True)
    worker.start()
    counts = {"ok": 0, "wrong": 0, "hung": 0, "failed": 0}
    for k in range(forks):
        time.sleep(0.001 * (k % 7))  # land at different points of the other thread's evaluation
        pid = os.fork()
        if pid == 0:
            try:
                answers = [engine.evaluate(item).to_dict() for item in ITEMS]
                os._exit(0 if answers == expected else 1)
            except BaseException:  # noqa: BLE001 - the child reports through its exit status only
                os._exit(2)
        deadline = time.monotonic() + 20
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                counts["ok" if code == 0 else "wrong" if code == 1 else "failed"] += 1
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                counts["hung"] += 1
                break
            time.sleep(0.005)
    stop.set()
    worker.join()
    print(json.dumps(counts), flush=True)
    return 0 if counts["ok"] == forks else 1


if __name__ == "__main__":
    sys.exit(main())
