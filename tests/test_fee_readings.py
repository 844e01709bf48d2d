"""Issue 19 deliverable 5: the book's cash cannot drift from the venue's, whichever way the venue
reports a fill's fee.

A7: the trade fee is rounded up to $0.0001, the balance change is floored to the cent. A venue
may report `fee_cost` as the net fee (the simulator's default: price x count + fee_cost is what
the balance moved) or as the trade fee alone, without the rounding part. 1,000 one-contract
orders on the simulator's engine (in process: the orders need no HTTP), their fills read back
through the real wire parser under both readings and booked as the bot books them: the book's
cash equals the venue's after every order, never a cent above it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.book import Holding, apply_fill
from domain.fees import net_fees
from domain.models import FillReport, Side
from domain.money import CENT, ZERO
from infra.kalshi import wire
from infra.kalshi.fields import Fields
from infra.sim import SimExchange
from infra.sim.kalshi_json import fill_json
from infra.sim.models import BookSide, SelfTradePrevention, TimeInForce
from infra.sim.orders import OrderRequest
from tests.infra.sim.helpers import test_config as sim_config

KEY = "readings-key"
FILLS = "GET /portfolio/fills"
ORDERS = 1000
# YES asks whose one-contract fee has a sub-cent part (0.07 x P x (1 - P)): 0.0168 at 0.40,
# 0.0175 at 0.50, 0.0147 at 0.30, 0.0063 at 0.10.
ASKS_CENTS = (40, 50, 30, 10)


def _orders(sim: SimExchange, tickers: list[str]) -> Iterator[list[FillReport]]:
    """Each order's fills as the venue lists them, under both readings of `fee_cost`."""
    for number in range(ORDERS):
        ticker = tickers[number % len(tickers)]
        ask = ASKS_CENTS[number % len(ASKS_CENTS)]
        sim.pin_book(ticker, yes_bids=[("0.05", 10)], no_bids=[(Decimal(100 - ask) / 100, 10)])
        # Buy YES; every third order buys NO at the other side instead, a sale of YES held.
        selling = number % 3 == 2
        request = OrderRequest(
            ticker=ticker,
            client_order_id=f"o{number}",
            side=BookSide.ASK if selling else BookSide.BID,
            count=Decimal(1),
            price_cents=Decimal(5 if selling else ask),
            time_in_force=TimeInForce.IMMEDIATE_OR_CANCEL,
            self_trade_prevention=SelfTradePrevention.TAKER_AT_CROSS,
            post_only=False,
            reduce_only=False,
            expiration_ts=None,
        )
        _order, fills = sim.exchange.place(KEY, request)
        assert fills, f"order {number} did not fill"
        yield fills


@pytest.mark.parametrize("without_rounding", [False, True], ids=["net-fee", "trade-fee-only"])
def test_a_thousand_orders_leave_the_book_on_the_venues_cash(without_rounding: bool) -> None:
    sim = SimExchange(sim_config(initial_balance=Decimal(10_000)))
    sim.exchange.open_account(KEY, Decimal(10_000))
    start = sim.balance(KEY)
    tickers = sim.open_tickers()[:4]
    held: dict[str, Holding | None] = {}
    book = added = ZERO  # the book's cash; what net_fees added to the reported fees
    largest = ZERO
    for fills in _orders(sim, tickers):
        listed = [  # newest first, as the venue lists them
            wire.parse_fill(Fields(FILLS, fill_json(f, without_rounding=without_rounding), "x"))
            for f in reversed(fills)
        ]
        booked = zip(reversed(listed), reversed(net_fees(listed)), strict=True)  # oldest first
        for reported, fill in booked:
            effect = apply_fill(held.get(fill.ticker), fill)
            held[fill.ticker] = effect.after
            book += effect.cash
            added += fill.fee - reported.fee
        venue = sim.balance(KEY) - start
        assert book <= venue + CENT  # never above the venue by more than a cent, any order
        largest = max(largest, abs(venue - book))
    assert book == sim.balance(KEY) - start  # exactly, after 1,000 orders
    assert largest == ZERO
    if without_rounding:  # booking the fee as reported would have put the book above the venue
        assert added > Decimal(3)
    else:  # the net fee already is what the balance paid: nothing added
        assert added == ZERO


def test_a_read_with_only_an_orders_later_fills_can_only_withhold_a_rebate() -> None:
    """The accumulator starts at zero on a partial read: the later fills' fees come out the
    same or higher (the book lower), never lower."""
    fills = [
        FillReport(
            fill_id=f"f{n}",
            order_id="o1",
            ticker="T",
            side=Side.YES,
            count=Decimal(1),
            yes_price=Decimal("0.40"),
            fee=Decimal("0.0168"),  # the trade fee alone: each fill rounds 0.0032 up
            created_time=datetime(2026, 1, 1, 0, 0, n, tzinfo=UTC),
        )
        for n in range(8)
    ]
    whole = net_fees(fills)
    assert sum(f.fee for f in whole) == Decimal("0.14")  # 8 x 0.0200 - 2 rebates of a cent
    later = net_fees(fills[4:])
    assert sum(f.fee for f in later) >= sum(f.fee for f in whole[4:])
    assert net_fees(whole) == whole  # the net fees read again change nothing
