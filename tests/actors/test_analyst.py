"""The Analyst with a real LLM SDK against a local fake of the provider's HTTP API, inside a
real trading system on the simulator: exact cost rows, error handling, cache, budgets and the
concurrency bound."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from actors.analyst import LlmForecasting
from domain.costs import ModelPrice, call_cost
from domain.forecasting import CachePolicy
from domain.models import LedgerReason
from infra.db.repository import Database
from infra.llm import ClaudeProvider
from infra.llm_usage import LlmUsage
from tests.actors.system_harness import Harness, running_system
from tests.fakes.answers import answer, confident_answer, prices_of
from tests.fakes.llm_server import Answer, FakeLlmServer, Hang, Status

D = Decimal
MODEL = "claude-sonnet-5-5"
PRICE = ModelPrice(input=D(3), output=D(15))
USAGE = (1234, 56)
COST = call_cost(PRICE, *USAGE)  # 0.003702 + 0.000840 = 0.004542
TICKER = re.compile(r"Ticker: (\S+)")


def edge_answer(request: Any) -> str:
    """Ten points above the linked Polymarket price, so some forecasts become trades."""
    linked = prices_of(request)["polymarket"]
    p = min(D(linked["yes"]) + D("0.10"), D("0.95")) if linked else D("0.5")
    return answer(p, confidence="0.6", rationale="fake")


@pytest.fixture
def fake() -> Iterator[FakeLlmServer]:
    with FakeLlmServer(answer=edge_answer, usage=USAGE) as server:
        yield server


def llm(fake: FakeLlmServer, **options: Any) -> LlmForecasting:
    provider_options = {"timeout": options.pop("timeout", 10.0), "max_retries": 2}
    provider_options.update(options.pop("provider", {}))
    provider = ClaudeProvider(
        MODEL, 200, None, api_key="test-key", base_url=fake.url, **provider_options
    )
    return LlmForecasting(provider=provider, price=PRICE, **options)


SCANNER = {"max_candidates": 6, "cooldown_minutes": 0}


def api_cost_rows(h: Harness) -> list[Any]:
    with Database.open(h.path) as db, db.read() as repo:
        return [e for e in repo.ledger_entries() if e.reason is LedgerReason.API_COST]


def test_each_call_is_one_exact_ledger_row(tmp_path: Path, fake: FakeLlmServer) -> None:
    with running_system(tmp_path, llm=llm(fake), scanner=SCANNER) as h:
        before = h.system.balance()
        stats = h.cycle(1)
        rows = api_cost_rows(h)
        assert stats.forecasts == fake.request_count == len(rows) > 0
        assert all(row.change == -COST for row in rows)
        assert all(row.ref_type == "llm_call" for row in rows)
        assert all(f" cycle 1 {MODEL}" in (row.detail or "") for row in rows)
        assert stats.api_cost == COST * len(rows)
        ledger, _, _ = h.read()
        assert ledger.ok
        trades = h.system.balance() - before + COST * len(rows)
        assert trades == h.venue_balance() - h.sim.config.initial_balance  # the rest is trading


def test_an_invalid_answer_is_asked_once_more_then_skipped(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    fake.script(Answer("I would say about 60 percent."), Answer("still not JSON"))
    with running_system(tmp_path, llm=llm(fake, concurrency=1), scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("LLM_INVALID_ANSWER") == 1
        assert len(api_cost_rows(h)) == fake.request_count  # both bad answers were billed
        assert stats.forecasts == fake.request_count - 2


def test_rate_limits_and_overload_are_retried_then_given_up(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    fake.script(
        Status(429, error_type="rate_limit_error"),  # retried by the SDK: the call succeeds
        Status(529, error_type="overloaded_error"),
        Status(529, error_type="overloaded_error"),
        Status(529, error_type="overloaded_error"),  # three: retries exhausted
    )
    with running_system(tmp_path, llm=llm(fake, concurrency=1), scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("LLM_OVERLOADED") == 1
        assert len(api_cost_rows(h)) == stats.forecasts  # refused answers are not billed
        assert stats.markets_scanned > 0


def test_a_timeout_skips_the_market_and_the_cycle_goes_on(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    fake.script(Hang(5))
    options = llm(fake, concurrency=1, timeout=0.5, provider={"max_retries": 0})
    with running_system(tmp_path, llm=options, scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("LLM_TIMEOUT", 0) >= 1  # 0.5 s for a whole call
        assert stats.forecasts >= 1


def asked_tickers(fake: FakeLlmServer) -> list[str]:
    return [TICKER.search(str(r.body)).group(1) for r in fake.requests]  # type: ignore[union-attr]


def test_cache_hits_make_no_call_even_after_a_restart(tmp_path: Path, fake: FakeLlmServer) -> None:
    with running_system(tmp_path, llm=llm(fake, cache=CachePolicy()), scanner=SCANNER) as h:
        first = h.cycle(1)
        assert fake.request_count == first.forecasts > 0
        h.cycle(2)  # the frozen sim clock: unchanged books; held markets make way for others
        asked = asked_tickers(fake)
        assert len(asked) == len(set(asked))  # no market was asked twice
    calls = fake.request_count
    with running_system(tmp_path, llm=llm(fake, cache=CachePolicy()), scanner=SCANNER) as h2:
        h2.cycle(1)
    asked = asked_tickers(fake)
    assert len(asked) == len(set(asked))  # after a restart, stored forecasts were reused
    assert fake.request_count - calls < len(set(asked[:calls]))


def test_budget_caps_stop_analysis_and_nothing_else(tmp_path: Path, fake: FakeLlmServer) -> None:
    tight = llm(fake, concurrency=1, cycle_budget=D("0.01"))
    with running_system(tmp_path, llm=tight, scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("BUDGET_CYCLE", 0) > 0
        assert stats.markets_scanned > 0  # data collection went on
        assert stats.candidates == 6
        assert sum(row.change for row in api_cost_rows(h)) >= -D("0.01")


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


def test_the_daily_budget_runs_on_the_wall_clock_and_outlives_the_book(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    """Issue 9 problem 12: the embedded simulator starts a new book each run and runs a fast
    clock; LLM dollars are real, so the daily budget counts real days across books."""
    usage = LlmUsage(tmp_path / "llm-usage.db")
    wall = FixedClock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    usage.record("yesterday", datetime(2026, 11, 29, 23, 59, tzinfo=UTC), D(5), MODEL)
    first_book, second_book = tmp_path / "first", tmp_path / "second"
    first_book.mkdir()
    second_book.mkdir()
    # Yesterday's $5 does not count against today's $1.
    today = llm(fake, concurrency=1, daily_budget=D(1), usage=usage, wall_clock=wall)
    with running_system(first_book, llm=today, scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert stats.forecasts > 0
        assert "BUDGET_DAILY" not in dict(stats.skipped)
        spent = -sum(row.change for row in api_cost_rows(h))
    assert spent == stats.api_cost > 0
    assert usage.spent_since(datetime(2026, 11, 30, tzinfo=UTC)) == spent
    # A new book the same (wall-clock) day: what the first one spent still counts.
    capped = llm(fake, concurrency=1, daily_budget=spent, usage=usage, wall_clock=wall)
    with running_system(second_book, llm=capped, scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("BUDGET_DAILY") == stats.candidates > 0
        assert api_cost_rows(h) == []
    # The next day (wall clock), the budget is whole again, however much was spent before.
    usage.record("late", datetime(2026, 11, 30, 23, 0, tzinfo=UTC), D(5), MODEL)
    wall.moment = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    next_day = llm(fake, concurrency=1, daily_budget=D(1), usage=usage, wall_clock=wall)
    with running_system(second_book, llm=next_day, scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert stats.forecasts > 0
        assert "BUDGET_DAILY" not in dict(stats.skipped)


def test_concurrency_is_bounded_and_used(tmp_path: Path) -> None:
    bound = 3
    arrived = threading.Barrier(bound, timeout=10)
    with (
        FakeLlmServer(
            answer=edge_answer, usage=USAGE, on_request=lambda _r: arrived.wait()
        ) as fake,
        running_system(
            tmp_path, llm=llm(fake, concurrency=bound), scanner={"max_candidates": 9}
        ) as h,
    ):
        stats = h.cycle(1)
        assert fake.request_count == stats.candidates == 9
        assert fake.max_in_flight == bound  # all k used at once, never more


def test_one_market_per_event_and_the_event_cap(tmp_path: Path) -> None:
    """A forecaster confident of YES everywhere would buy every leg of a ladder: legs that
    cannot win together. The Analyst lets one market per event through (the bot does not read
    whether an event is mutually exclusive, so it assumes the worst) and counts the rest."""
    scanner = {"max_candidates": 40, "cooldown_minutes": 0}
    risk = {"max_orders_per_cycle": 100, "max_notional_per_cycle": "5000"}
    with (
        FakeLlmServer(answer=confident_answer, usage=USAGE) as server,
        running_system(tmp_path, llm=llm(server), scanner=scanner, risk=risk) as h,
    ):
        stats = h.cycle(1)
        _, _, executions = h.read()
        markets = h.sim.exchange.markets_by_ticker
        events = [markets[e.ticker].event_ticker for e in executions]
        assert executions
        assert len(events) == len(set(events))  # never two orders on one event
        assert dict(stats.skipped).get("GUARD_EVENT_CONFLICT", 0) > 0
