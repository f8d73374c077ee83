"""Threads evaluating at once get exactly the sequential answers."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import lawbasis

# no memo: every evaluation runs a durable_rules session, which is what the threads must not disturb
ENGINE = lawbasis.Engine(memo_size=0)
THREADS = 8


def _workload() -> list[lawbasis.Activity]:
    """A fixed mix over every policy and purpose, with objections, disputes, withdrawals and dates."""
    rnd = random.Random(4)
    items = []
    for info in ENGINE.policies():
        for purpose in info.purposes.values():
            for _ in range(2):
                consent = rnd.choice(["none", "given", "explicit", "withdrawn"])
                objection = rnd.choice(["none", "general", "direct_marketing"])
                dates = {
                    "contact_collected": "2020-01-15",
                    "contract_ended": rnd.choice(["2023-06-30", "2025-01-31"]),
                    "fiscal_year_end": "2023-12-31",
                    "recorded": "2025-03-01",
                }
                if consent == "withdrawn":
                    dates["consent_withdrawn"] = "2024-05-01"
                if objection != "none":
                    dates["objection_received"] = "2024-09-01"
                items.append(
                    lawbasis.Activity(
                        policy=info.id,
                        purpose=purpose.id,
                        consent=consent,
                        objection=objection,
                        customer_status=rnd.choice(["prospect", "customer", "former_customer"]),
                        channel=rnd.choice([None, "email", "post", "phone"]),
                        dispute=rnd.random() < 0.3,
                        compelling_grounds=rnd.random() < 0.3,
                        special_category=rnd.random() < 0.2,
                        erasure_requested=rnd.random() < 0.2,
                        dates=dates,
                        as_of=rnd.choice(["2024-01-01", "2026-06-01", "2031-01-01"]),
                    )
                )
    return items


WORKLOAD = _workload()


def test_threads_give_the_sequential_answers() -> None:
    expected = [ENGINE.evaluate(a).to_dict() for a in WORKLOAD]
    barrier = threading.Barrier(THREADS)

    def worker(offset: int) -> list[tuple[int, dict]]:
        barrier.wait()  # start together so the evaluations really overlap
        order = WORKLOAD[offset:] + WORKLOAD[:offset]
        indexes = list(range(offset, len(WORKLOAD))) + list(range(offset))
        return [(i, ENGINE.evaluate(a).to_dict()) for i, a in zip(indexes, order, strict=True)]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, [k * len(WORKLOAD) // THREADS for k in range(THREADS)]))
    for result in results:
        assert len(result) == len(WORKLOAD)
        for i, got in result:
            assert got == expected[i], f"thread answer differs for {WORKLOAD[i]}"


def test_threads_with_errors_mixed_in_still_agree() -> None:
    expected = [ENGINE.evaluate(a).to_dict() for a in WORKLOAD[:20]]
    errors: list[str] = []

    def worker(k: int) -> list[dict]:
        out = []
        for i, a in enumerate(WORKLOAD[:20]):
            if (i + k) % 3 == 0:
                try:
                    ENGINE.evaluate({**a.to_dict(), "consent": "maybe"})
                except lawbasis.InputError:
                    pass
                else:
                    errors.append("bad input accepted")
            out.append(ENGINE.evaluate(a).to_dict())
        return out

    with ThreadPoolExecutor(4) as pool:
        for result in pool.map(worker, range(4)):
            assert result == expected
    assert not errors


def test_two_engines_in_parallel_threads_agree() -> None:
    other = lawbasis.Engine(memo_size=0)
    items = WORKLOAD[:30]
    expected = [ENGINE.evaluate(a).to_dict() for a in items]
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(lambda e=e: [e.evaluate(a).to_dict() for a in items]) for e in (ENGINE, other, ENGINE, other)]
        for future in futures:
            assert future.result() == expected
    other.close()
