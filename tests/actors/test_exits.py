"""Exits (issue 23): a held position is valued every cycle and sold, reduce-only, through the
flow `close` takes, for a reason the book records. Real actors on the simulator over real HTTP,
the real anthropic SDK against the fake provider (so the fair value is the test's to set), a
real SQLite book; the simulator's clock is frozen and its book pinned."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from actors.base import ask, ping
from domain.exits import ExitDecision
from domain.halts import HaltCode
from domain.messages import ExitPosition, GetRecentExits, HaltTrading
from domain.models import (
    Execution,
    ExecutionStatus,
    ExitReason,
    LedgerReason,
    PositionStatus,
    Side,
)
from domain.risk import DenyReason
from tests.actors.system_harness import Harness, running_system
from tests.actors.test_analyst import llm
from tests.actors.test_guards import execute, pinned, signal
from tests.actors.test_supervision import GUARD, Start, read
from tests.actors.test_venue_book import assert_follows_the_venue, buy, mark
from tests.fakes.answers import answer, user_prompt
from tests.fakes.llm_server import FakeLlmServer
from tests.in_process import run_main_in_process

D = Decimal
TICKER = re.compile(r"Ticker: (\S+)")
QUIET = {"max_candidates": 0}  # only the position held is forecast
BOUGHT = 10  # YES at 0.40 (pinned), 0.4168 a contract with its fee


class Views:
    """The fake model's answer per market: (P(yes), confidence); no view: the mid."""

    def __init__(self) -> None:
        self.by_ticker: dict[str, tuple[str, str]] = {}

    def __call__(self, request: Any) -> str:
        found = TICKER.search(user_prompt(request))
        assert found is not None
        probability, confidence = self.by_ticker.get(found.group(1), ("0.5", "0"))
        return answer(probability, confidence=confidence)


@pytest.fixture
def views() -> Views:
    return Views()


@pytest.fixture
def fake(views: Views) -> Iterator[FakeLlmServer]:
    with FakeLlmServer(answer=views) as server:
        yield server


@contextmanager
def holding(tmp_path: Path, **options: Any) -> Iterator[tuple[Harness, str]]:
    """A running bot holding BOUGHT YES of a market pinned at bid 0.38 / ask 0.40."""
    with running_system(tmp_path, scanner=QUIET, sim={"markets": 40}, **options) as h:
        ticker = pinned(h)
        buy(h, ticker, BOUGHT)
        [position] = read(h).positions
        assert position.count == BOUGHT
        yield h, ticker


def pin(h: Harness, ticker: str, yes_bid: str, yes_ask: str, depth: int = 500) -> None:
    h.sim.pin_book(ticker, yes_bids=[(yes_bid, depth)], no_bids=[(1 - D(yes_ask), depth)])


def follows_the_venue(h: Harness, start: Start) -> None:
    """test_venue_book's check, the LLM's cost (all of it made since `start`) set aside."""
    spent = -sum((e.change for e in read(h).entries if e.reason is LedgerReason.API_COST), D(0))
    assert_follows_the_venue(h, Start(venue=start.venue, bankroll=start.bankroll - spent))


def sales(h: Harness) -> list[Execution]:
    return [e for e in read(h).executions if e.reduce_only]


def test_a_position_whose_view_did_not_change_is_held_and_not_asked_again(
    tmp_path: Path, fake: FakeLlmServer, views: Views
) -> None:
    with holding(tmp_path, llm=llm(fake)) as (h, ticker):
        views.by_ticker[ticker] = ("0.55", "0.6")  # fair 0.486 on 0.4168 paid, bid 0.38
        first = h.cycle(1)
        assert fake.request_count == 1  # the position held is valued afresh
        assert first.exits == ()
        second = h.cycle(2)
        assert fake.request_count == 1  # inputs unchanged: the cached forecast values it
        assert second.exits == ()
        assert sales(h) == []
        [position] = read(h).positions
        assert (position.status, position.count) == (PositionStatus.OPEN, D(BOUGHT))
        # The price moves beyond the cache's threshold: the forecast is asked again.
        pin(h, ticker, "0.44", "0.46")
        h.cycle(3)
        assert fake.request_count == 2


def test_take_profit_sells_everything_at_the_bid_and_books_it_from_the_fills(
    tmp_path: Path, fake: FakeLlmServer, views: Views
) -> None:
    with holding(tmp_path, llm=llm(fake)) as (h, ticker):
        start = mark(h)
        pin(h, ticker, "0.60", "0.62")
        views.by_ticker[ticker] = ("0.50", "0.5")  # fair 0.555; 0.60 less its fee: 0.5832
        stats = h.cycle(1)
        assert stats.exits == (("TAKE_PROFIT", 1),)
        [sale] = sales(h)
        assert (sale.exit_reason, sale.status, sale.filled_count) == (
            ExitReason.TAKE_PROFIT,
            ExecutionStatus.FILLED,
            D(BOUGHT),
        )
        assert (sale.side, sale.limit_price, sale.forecast_id is not None) == (
            Side.NO,
            D("0.40"),
            True,
        )
        [position] = read(h).positions
        assert position.status is PositionStatus.CLOSED
        follows_the_venue(h, start)
    # `trades` (--json, --csv, the table) and `why` name the reason.
    db = str(h.path)
    [trade] = json.loads(run_main_in_process("trades", "--json", "--db", db).stdout)
    assert trade["exit_reasons"] == "TAKE_PROFIT"
    assert [part["kind"] for part in trade["parts"]] == ["sale"]
    assert "TAKE_PROFIT" in run_main_in_process("trades", "--csv", "--db", db).stdout
    assert "TAKE_PROFIT: sale 10" in run_main_in_process("trades", "--db", db).stdout
    why = " ".join(run_main_in_process("why", ticker, "--db", db).stdout.split())
    assert "(reduce-only, immediate-or-cancel; exit TAKE_PROFIT)" in why


def test_a_view_that_fell_below_the_price_paid_stops_the_position_out(
    tmp_path: Path, fake: FakeLlmServer, views: Views
) -> None:
    with holding(tmp_path, llm=llm(fake), exits={"stop_margin": "0.05"}) as (h, ticker):
        start = mark(h)
        pin(h, ticker, "0.30", "0.32")
        views.by_ticker[ticker] = ("0.30", "1")  # fair 0.30: more than 0.05 below 0.4168
        assert h.cycle(1).exits == (("VIEW_CHANGED", 1),)
        [sale] = sales(h)
        assert (sale.exit_reason, sale.filled_count) == (ExitReason.VIEW_CHANGED, D(BOUGHT))
        assert read(h).positions[0].status is PositionStatus.CLOSED
        follows_the_venue(h, start)


def test_a_time_exit_sells_before_the_close_with_the_offline_forecaster(tmp_path: Path) -> None:
    # Every simulated market closes within a year: the exit is due at once, with no view.
    with holding(tmp_path, exits={"minutes_before_close": "527040"}) as (h, _):
        start = mark(h)
        assert h.cycle(1).exits == (("TIME_BEFORE_CLOSE", 1),)
        [sale] = sales(h)
        assert (sale.exit_reason, sale.filled_count) == (ExitReason.TIME_BEFORE_CLOSE, D(BOUGHT))
        follows_the_venue(h, start)


def test_exits_are_off_when_disabled(tmp_path: Path) -> None:
    options = {"exits": {"enabled": False, "minutes_before_close": "527040"}}
    with holding(tmp_path, **options) as (h, _):
        assert h.cycle(1).exits == ()
        assert sales(h) == []


def test_a_partly_filled_exit_sells_what_filled_and_keeps_the_rest(
    tmp_path: Path, fake: FakeLlmServer, views: Views
) -> None:
    with holding(tmp_path, llm=llm(fake)) as (h, ticker):
        start = mark(h)
        pin(h, ticker, "0.60", "0.62", depth=4)  # 4 contracts bid: the rest is cancelled
        views.by_ticker[ticker] = ("0.50", "0.5")
        assert h.cycle(1).exits == (("TAKE_PROFIT", 1),)
        [sale] = sales(h)
        assert (sale.status, sale.count, sale.filled_count) == (
            ExecutionStatus.PARTIAL,
            D(BOUGHT),
            D(4),
        )
        [position] = read(h).positions
        assert (position.status, position.count) == (PositionStatus.OPEN, D(BOUGHT - 4))
        follows_the_venue(h, start)


def test_no_exit_loop_an_exited_market_is_not_bought_again_within_the_cooldown(
    tmp_path: Path, fake: FakeLlmServer, views: Views
) -> None:
    with holding(tmp_path, llm=llm(fake)) as (h, ticker):
        pin(h, ticker, "0.60", "0.62")
        views.by_ticker[ticker] = ("0.50", "0.5")
        assert h.cycle(1).exits == (("TAKE_PROFIT", 1),)
        again = execute(h, 2, signal(h, ticker, 2, limit=D("0.62")))
        assert dict(again.refused) == {DenyReason.EXIT_COOLDOWN: 1}
        assert len(read(h).executions) == 2  # the buy and the exit, nothing more
        # The cooldown is the book's: what an Executor (re)starting reads back.
        storage = h.system.directory.get("storage")
        since = h.system.clock.now() - timedelta(minutes=240)
        [(sold, _)] = ask(storage, GetRecentExits(since=since), GUARD)
        assert sold == ticker
        assert ask(storage, GetRecentExits(since=h.system.clock.now() + timedelta(1)), GUARD) == ()


@pytest.mark.parametrize(
    ("halt", "sold"),
    [(HaltCode.PAUSED, True), (HaltCode.MAX_DRAWDOWN, True), (HaltCode.CASH_DRIFT, False)],
)
def test_exits_go_on_under_a_pause_or_the_kill_switch_not_under_a_halt_on_the_book(
    tmp_path: Path, halt: HaltCode, sold: bool
) -> None:
    with holding(tmp_path, exits={"minutes_before_close": "527040"}) as (h, _):
        ask(h.system.directory.get("bankroll"), HaltTrading(code=halt, detail="test"), GUARD)
        stats = h.cycle(1)
        assert (stats.exits == (("TIME_BEFORE_CLOSE", 1),)) is sold
        assert (len(sales(h)) == 1) is sold
        if not sold:
            assert dict(stats.refused) == {DenyReason.TRADING_HALTED: 1}


def test_an_exit_never_sells_more_than_the_book_holds(tmp_path: Path) -> None:
    """An exit decided on a larger count (the position shrank meanwhile) sells what is held."""
    with holding(tmp_path) as (h, ticker):
        decision = ExitDecision(
            ticker=ticker,
            reason=ExitReason.TIME_BEFORE_CLOSE,
            side=Side.YES,
            count=D(100),
            bid=D("0.38"),
            fair=None,
            paid=D("0.4168"),
            detail="test",
        )
        executor = h.system.directory.get("executor")
        executor.tell(ExitPosition(cycle=1, decision=decision))
        ping(executor, GUARD)
        [sale] = sales(h)
        assert (sale.count, sale.filled_count) == (D(BOUGHT), D(BOUGHT))
        assert read(h).positions[0].status is PositionStatus.CLOSED
