"""Analyst benchmark: LLM concurrency and what the forecast cache saves.

(a) One cycle with 40 candidates against the local fake provider at 1 s latency per call,
    with concurrency 1 (sequential) and 8.
(b) API cost per cycle over 10 steady-state cycles (the simulator's clock moves a minute a
    cycle, so books drift a little), with the cache and without it (window 0).

Everything is real but the provider: the official SDK over HTTP to the fake, the actors, the
simulator and a SQLite file. Run from the repository root: `.venv/bin/python -m bench.analyst`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from actors.analyst import LlmForecasting
from domain.costs import ModelPrice
from domain.forecasting import CachePolicy
from infra.llm import ClaudeProvider
from infra.logs import setup_logging
from tests.actors.system_harness import running_system
from tests.fakes.llm_server import FakeLlmServer

PRICE = ModelPrice(input=Decimal(3), output=Decimal(15))
CANDIDATES = 40


def forecasting(fake: FakeLlmServer, concurrency: int, cache: CachePolicy) -> LlmForecasting:
    provider = ClaudeProvider(
        "claude-sonnet-5-5", 300, None, api_key="bench", base_url=fake.url, timeout=30
    )
    return LlmForecasting(
        provider=provider,
        price=PRICE,
        concurrency=concurrency,
        cycle_budget=Decimal(100),
        daily_budget=Decimal(1000),
        cache=cache,
    )


def one_cycle(concurrency: int) -> tuple[float, int, int]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeLlmServer(latency=1.0) as fake,
        running_system(
            Path(tmp),
            llm=forecasting(fake, concurrency, CachePolicy()),
            scanner={"max_candidates": CANDIDATES},
        ) as h,
    ):
        start = time.perf_counter()
        stats = h.system.run_cycle(1, timeout=600)
        assert stats is not None
        return time.perf_counter() - start, stats.candidates, fake.max_in_flight


def steady_cost(cache: CachePolicy) -> list[Decimal]:
    costs = []
    settings: dict[str, Any] = {"scanner": {"max_candidates": CANDIDATES, "cooldown_minutes": 0}}
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeLlmServer() as fake,
        running_system(Path(tmp), llm=forecasting(fake, 8, cache), **settings) as h,
    ):
        for number in range(1, 11):
            costs.append(h.cycle(number).api_cost)
            h.sim.advance(60)
    return costs


def main() -> None:
    setup_logging("WARNING")
    print(f"(a) one cycle, {CANDIDATES} candidates, 1 s per LLM call")
    for concurrency in (1, 8):
        wall, candidates, peak = one_cycle(concurrency)
        print(
            f"    concurrency {concurrency}: {wall:6.1f} s for {candidates} candidates"
            f" (at most {peak} calls in flight)"
        )
    print("(b) API cost per cycle, 10 steady-state cycles")
    for label, cache in (
        ("with cache   ", CachePolicy()),
        ("without cache", CachePolicy(window=timedelta(0))),
    ):
        costs = steady_cost(cache)
        print(
            f"    {label}: total ${sum(costs)}, per cycle mean ${statistics.mean(costs):.6f},"
            f" first ${costs[0]}, last ${costs[-1]}"
        )


if __name__ == "__main__":
    main()
