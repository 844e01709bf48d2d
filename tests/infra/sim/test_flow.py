"""Other traders (infra.sim.flow): resting orders wait behind the queue, are filled by flow,
are adversely selected by informed flow, and taken liquidity comes back gradually."""

from __future__ import annotations

import math
from decimal import Decimal
from statistics import correlation

import pytest

from infra.sim import SimExchange, quotes
from infra.sim.book import NO, consumed, mm_levels
from infra.sim.flow import flow_at
from infra.sim.models import BookSide, Order, SelfTradePrevention, TimeInForce
from infra.sim.orders import OrderRequest
from infra.sim.quotes import (
    IMPACT_CAP_CENTS,
    fair_value,
    spread_at,
    top_of_book,
    trades_fractions,
    truth,
)
from tests.infra.sim.helpers import test_config as sim_config

KEY = "flow-key"
QUOTE = 60.0  # the test config's re-quote interval


def _sim(**overrides: object) -> SimExchange:
    sim = SimExchange(sim_config(initial_balance=Decimal(10**6), **overrides))
    sim.exchange.open_account(KEY, Decimal(10**6))
    return sim


def _order(
    sim: SimExchange, ticker: str, side: BookSide, cents: int, count: str, tif: TimeInForce
) -> Order:
    request = OrderRequest(
        ticker=ticker,
        client_order_id="",
        side=side,
        count=Decimal(count),
        price_cents=cents,
        time_in_force=tif,
        self_trade_prevention=SelfTradePrevention.TAKER_AT_CROSS,
        post_only=False,
        reduce_only=False,
        expiration_ts=None,
    )
    order, _ = sim.exchange.place(KEY, request)
    return order


def _steady_market(sim: SimExchange) -> str:
    """A binary market whose maker quotes a fixed fair value: its prices never move, so any
    fill of a resting order comes from the other traders, not from the maker re-quoting."""
    ticker = next(
        m.ticker
        for m in sim.exchange.markets
        if m.status.value == "active" and m.market_type == "binary" and m.volume_per_hour > 20
    )
    sim.set_true_probability(ticker, 0.5)
    return ticker


def test_a_resting_order_waits_behind_the_size_already_at_its_price() -> None:
    sim = _sim(scenario="kalshi-truth", informed_share=0.0)
    ticker = _steady_market(sim)
    market = sim.exchange.markets_by_ticker[ticker]
    bid, _ = top_of_book(market, sim.exchange.epoch)
    queued = mm_levels(market, sim.exchange.epoch)[0][bid]
    order = _order(sim, ticker, BookSide.BID, bid, "5", TimeInForce.GOOD_TILL_CANCELED)
    assert order.queue_ahead == queued > 0
    seen_queue = [order.queue_ahead]
    for _ in range(600):
        sim.advance(QUOTE)
        if order.filled > 0:
            break
        seen_queue.append(order.queue_ahead)
    assert order.filled > 0, "the flow never reached the order"
    assert order.queue_ahead == 0  # it filled only once the queue ahead was gone
    assert seen_queue == sorted(seen_queue, reverse=True)  # the queue only moves forward
    assert sim.exchange.accounts[KEY].fills[-1].yes_cents == bid  # at its own price


def test_taken_liquidity_refills_gradually_not_all_at_once() -> None:
    sim = _sim(scenario="kalshi-truth", refill_per_quote=0.5)
    ticker = _steady_market(sim)
    market = sim.exchange.markets_by_ticker[ticker]
    epoch = sim.exchange.epoch
    _, ask = top_of_book(market, epoch)
    size = mm_levels(market, epoch)[1][100 - ask]
    taken = _order(sim, ticker, BookSide.BID, ask, f"{size}", TimeInForce.IMMEDIATE_OR_CANCEL)
    assert taken.filled == size
    assert (100 - ask) not in mm_levels(market, epoch)[1]  # the level is gone for now
    assert consumed(market, epoch + 1) == {(NO, 100 - ask): (size / 2).quantize(Decimal("0.01"))}
    assert consumed(market, epoch + 40) == {}  # in time it is all back


def _adverse_edge(informed_share: float) -> tuple[int, float]:
    """Rest a bid and an ask at the maker's best prices in every market for two hours; the
    size-weighted edge of the fills against the hidden fair value when they happened."""
    sim = _sim(seed=5, markets=60, informed_share=informed_share)
    ex = sim.exchange
    for market in [m for m in ex.markets if m.status.value == "active"]:
        if market.market_type != "binary" or market.is_combo:
            continue
        bid, ask = top_of_book(market, ex.epoch)
        if bid < 1 or ask > 99:
            continue  # a one-sided book at an extreme
        _order(sim, market.ticker, BookSide.BID, bid, "20", TimeInForce.GOOD_TILL_CANCELED)
        _order(sim, market.ticker, BookSide.ASK, ask, "20", TimeInForce.GOOD_TILL_CANCELED)
    sim.advance(2 * 3600)
    total = weighted = 0.0
    for fill in ex.accounts[KEY].fills:
        fair = truth(ex.markets_by_ticker[fill.ticker], ex.epoch_of(fill.ts))
        price = fill.yes_cents / 100
        edge = fair - price if fill.book_side is BookSide.BID else price - fair
        total += float(fill.count)
        weighted += edge * float(fill.count)
    return len(ex.accounts[KEY].fills), weighted / total


def test_resting_orders_are_adversely_selected_and_more_so_with_informed_flow() -> None:
    fills_plain, edge_plain = _adverse_edge(0.0)
    fills_informed, edge_informed = _adverse_edge(0.8)
    assert fills_plain > 50
    assert fills_informed > 50
    assert edge_plain < 0  # resting orders fill when the price moved through them
    assert edge_informed < edge_plain  # informed traders pick off the stale ones


def test_a_take_moves_the_makers_quotes_and_the_move_decays() -> None:
    sim = _sim(scenario="kalshi-truth", refill_per_quote=0.5)
    ticker = _steady_market(sim)
    market = sim.exchange.markets_by_ticker[ticker]
    epoch = sim.exchange.epoch
    before = fair_value(market, epoch + 1)
    _, ask = top_of_book(market, epoch)
    size = mm_levels(market, epoch)[1][100 - ask]
    _order(sim, ticker, BookSide.BID, ask + 2, f"{size}", TimeInForce.IMMEDIATE_OR_CANCEL)
    assert fair_value(market, epoch) == before  # the take itself is at the old quotes
    moved = fair_value(market, epoch + 1) - before
    assert 0.005 <= moved <= IMPACT_CAP_CENTS / 100  # buying pushed the quotes up
    assert fair_value(market, epoch + 3) - before == pytest.approx(moved / 4)  # decaying
    assert fair_value(market, epoch + 40) == pytest.approx(before, abs=1e-6)
    _order(sim, ticker, BookSide.ASK, 1, f"{size}", TimeInForce.IMMEDIATE_OR_CANCEL)
    assert fair_value(market, epoch + 1) < before + moved  # selling pushes them back down


def test_spreads_widen_on_thin_markets_at_the_extremes_and_near_the_close() -> None:
    sim = _sim(markets=150)
    ex = sim.exchange
    rows = []
    with ex.synced():
        for market in ex.markets:
            if market.status.value != "active" or market.market_type != "binary":
                continue
            bid, ask = top_of_book(market, ex.epoch)
            if bid >= 1 and ask <= 99:
                rows.append((math.log(market.volume_per_hour + 1), ask - bid))
    assert len(rows) > 80
    assert correlation(*zip(*rows, strict=True)) < -0.2  # thinner, wider
    market = next(m for m in ex.markets if m.status.value == "active" and m.path is not None)
    close = ex.epoch_of(market.close_ts)
    assert spread_at(market, 0.5, close - 300) < spread_at(market, 0.02, close - 300)
    assert spread_at(market, 0.5, close - 300) < spread_at(market, 0.5, close - 5)


def test_other_traders_trade_whole_contracts_but_on_fractional_markets() -> None:
    sim = _sim(markets=100)
    ex = sim.exchange
    markets = [m for m in ex.markets if m.market_type == "binary" and not m.is_combo]
    whole = [m for m in markets if not trades_fractions(m)]
    fractional = [m for m in markets if trades_fractions(m)]
    assert len(fractional) < len(whole)
    assert fractional

    def amounts(group: list) -> list[Decimal]:
        found = []
        for market in group:
            for epoch in range(100):
                flow = flow_at(market, epoch, QUOTE, 1.0, 0.3)
                found += [a for a in (flow.buy, flow.sell, flow.informed_buy) if a > 0]
        return found

    assert all(a == a.to_integral_value() for a in amounts(whole))
    assert any(a != a.to_integral_value() for a in amounts(fractional))
    sizes = [quotes.quote(m, 5) for m in whole]
    assert all(
        s == s.to_integral_value() for yes, no in sizes for s in (*yes.values(), *no.values())
    )
