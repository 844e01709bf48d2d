"""Orders an evaluation places on the simulator's own matching, and the trades its fills make
(services.passive_maker, services.maker_execution)."""

from __future__ import annotations

from decimal import Decimal

from domain.evaluation import Decision, Trade
from domain.models import Side
from domain.money import ONE
from infra.sim.engine import Exchange
from infra.sim.models import BookSide, Fill, Order
from infra.sim.orders import parse_order
from infra.sim.wire import ApiError

_PLACES = Decimal("0.000001")


def rest_post_only(
    ex: Exchange, account: str, ticker: str, side: Side, price: Decimal, count: Decimal, expiry: int
) -> Order | None:
    """A post-only bid for `side` at `price` (that side's), good until `expiry` (Unix seconds);
    None when the venue refuses it (closed, inactive, or crossed since it was quoted)."""
    yes_price = price if side is Side.YES else ONE - price
    body = {
        "ticker": ticker,
        "side": "bid" if side is Side.YES else "ask",
        "count": f"{count:f}",
        "price": f"{yes_price:f}",
        "time_in_force": "good_till_canceled",
        "post_only": True,
        "self_trade_prevention_type": "maker",
        "expiration_time": expiry,
    }
    try:
        order, _ = ex.place(account, parse_order(body))
    except ApiError:
        return None
    return order


def fill_trade(
    ex: Exchange, strategy: str, fill: Fill, placed: Decision, *, keep_placed_truth: bool = False
) -> Trade:
    """A resting order's fill as a trade, valued against the hidden fair value now (read at the
    cycle after the fill: a martingale, so its expectation is the fill's own)."""
    truth = Decimal(repr(ex.truth(ex.markets_by_ticker[fill.ticker]))).quantize(_PLACES)
    yes_price = Decimal(fill.yes_cents) / 100
    side = Side.YES if fill.book_side is BookSide.BID else Side.NO
    return Trade(
        strategy=strategy,
        decision=placed.replace(truth=truth),
        side=side,
        count=fill.count,
        price=yes_price if side is Side.YES else ONE - yes_price,
        fee=fill.fee,
        placed_truth=placed.truth if keep_placed_truth else None,
    )
