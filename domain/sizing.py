"""Fee-aware edge and fractional Kelly sizing for binary contracts.

Buying one contract of a side at price P with fee F per contract costs c = P + F and pays $1
if that side wins. F comes from the market's own fee schedule (its series' fee type and
multiplier, or its event's override: A5.6, A7), and the cost of an order is what the venue takes
from the balance at most (the trade fee rounded up to $0.0001, the balance change to the cent).
With q the forecast probability that it wins, the edge is q - c and the Kelly fraction of
bankroll is (q - c) / (1 - c). The bot bets a fraction of that (fractional Kelly), capped per
order, and never when the edge after fees is not positive.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from pydantic import Field

from domain.base import Frozen
from domain.fees import FeeSchedule, max_cost
from domain.marks import side_probability
from domain.models import OrderBook, PriceRange, Side, TradeSignal
from domain.money import ONE, ZERO, floor_to_step
from domain.risk import DenyReason
from domain.ticks import buy_limit, improve_bid

STANDARD_FEES = FeeSchedule()


class ExecutionPolicy(Frozen):
    """How an order is placed: `taker` (immediate-or-cancel at the ask) or `maker` (post-only,
    resting below the ask, paying the maker fee), with a per-order fallback to taker when the
    edge at the ask after the taker fee is at least `taker_edge` (None: never)."""

    mode: str = "taker"
    taker_edge: Decimal | None = None


class SizingLimits(Frozen):
    kelly_multiplier: Decimal = Field(default=Decimal("0.25"), gt=0, le=1)
    max_fraction_per_order: Decimal = Field(default=Decimal("0.05"), gt=0, le=1)
    max_order_cost: Decimal = Field(default=Decimal("50"), gt=0)
    min_edge: Decimal = Field(default=Decimal("0.03"), ge=0, lt=1)
    count_step: Decimal = Field(default=Decimal(1), gt=0)
    max_event_exposure: Decimal = Field(default=Decimal(100), ge=0)  # domain.exposure
    max_disagreement: Decimal = Field(default=Decimal("0.15"), gt=0, le=1)  # domain.evidence
    execution: ExecutionPolicy = ExecutionPolicy()


class NoTrade(Frozen):
    ticker: str
    reason: DenyReason
    detail: str = ""


def kelly_fraction(win_probability: Decimal, cost_per_contract: Decimal) -> Decimal:
    """Full-Kelly fraction of bankroll for a $1 binary payout; 0 unless the edge is positive."""
    if not ZERO < cost_per_contract < ONE:
        return ZERO
    edge = win_probability - cost_per_contract
    if edge <= 0:
        return ZERO
    return min(ONE, edge / (ONE - cost_per_contract))


def _best_side(book: OrderBook, yes_probability: Decimal) -> tuple[Side, Decimal] | None:
    """The side whose ask gives the larger raw edge (before fees), if either side has an ask."""
    priced = [(side, book.ask(side)) for side in (Side.YES, Side.NO)]
    candidates = [(side, ask) for side, ask in priced if ask is not None and ZERO < ask < ONE]
    if not candidates:
        return None
    return max(candidates, key=lambda item: side_probability(item[0], yes_probability) - item[1])


def size_order(
    ticker: str,
    yes_probability: Decimal,
    book: OrderBook,
    bankroll: Decimal,
    limits: SizingLimits,
    kelly_scale: Decimal = ONE,
    fees: FeeSchedule = STANDARD_FEES,
    ticks: tuple[PriceRange, ...] = (),
) -> TradeSignal | NoTrade:
    """Size an order on the better side of `book`, or say why not: a taker order at the ask,
    or under a maker policy a post-only order resting below it (or a taker one, when the
    policy's fallback edge is met at the ask).

    `kelly_scale` (in [0, 1]) shrinks the Kelly multiplier further, e.g. for a forecaster
    whose track record is poor. `fees` is the market's schedule (standard quadratic by default);
    `ticks` its price ranges: the limit is the ask snapped to them, never above it.
    """
    chosen = _best_side(book, yes_probability)
    if chosen is None:
        return NoTrade(ticker=ticker, reason=DenyReason.NO_PRICE, detail="no ask on either side")
    side, ask = chosen
    taker = _sized(
        ticker,
        yes_probability,
        side,
        buy_limit(side, ask, ticks),
        book,
        bankroll,
        limits,
        kelly_scale,
        fees,
        is_taker=True,
    )
    execution = limits.execution
    if execution.mode != "maker":
        return taker
    if not isinstance(taker, TradeSignal):
        return taker  # the mode changes how a trade is placed, never whether
    fallback = execution.taker_edge
    if fallback is not None and taker.edge >= fallback:
        return taker
    price = improve_bid(side, book.bid(side), ask, ticks)
    if price is None:
        return taker  # no price below the ask: take it
    # The taker's decision and size, placed post-only below the ask: what a fill may cost is
    # the maker's price and fee (a resting order fills when the price moved against it, so its
    # edge at that price is not sized on: domain.execution_modes measures what it is).
    cost = max_cost(taker.count, price, fees, is_taker=False)
    return taker.replace(
        limit_price=price,
        fee=cost - price * taker.count,
        cost=cost,
        edge=side_probability(side, yes_probability) - cost / taker.count,
        post_only=True,
    )


def _sized(
    ticker: str,
    yes_probability: Decimal,
    side: Side,
    price: Decimal | None,
    book: OrderBook,
    bankroll: Decimal,
    limits: SizingLimits,
    kelly_scale: Decimal,
    fees: FeeSchedule,
    *,
    is_taker: bool,
) -> TradeSignal | NoTrade:
    """The order of `side` at `price`, sized and checked against the minimum edge."""
    if price is None:
        where = f"ask {book.ask(side)}" if is_taker else f"below the ask {book.ask(side)}"
        return NoTrade(ticker=ticker, reason=DenyReason.NO_PRICE, detail=f"no tick {where}")
    q = side_probability(side, yes_probability)
    approx_fee = fees.trade_fee(ONE, price, is_taker=is_taker)  # per contract, rounded up
    full_kelly = kelly_fraction(q, price + approx_fee)
    if full_kelly <= 0:
        return NoTrade(ticker=ticker, reason=DenyReason.NO_EDGE, detail=f"{side} q={q} ask={price}")
    scaled_kelly = full_kelly * limits.kelly_multiplier * kelly_scale
    fraction = min(scaled_kelly, limits.max_fraction_per_order)
    budget = min(bankroll * fraction, limits.max_order_cost)
    caps = _caps_applied(scaled_kelly, bankroll * fraction, limits, kelly_scale)
    if budget <= 0:
        return NoTrade(ticker=ticker, reason=DenyReason.SIZE_ZERO, detail="no bankroll to size")
    count = floor_to_step(budget / (price + approx_fee), limits.count_step)
    while count > 0:
        cost = max_cost(count, price, fees, is_taker=is_taker)
        fee = cost - price * count
        if cost <= budget:
            break
        count -= limits.count_step
    if count <= 0:
        return NoTrade(ticker=ticker, reason=DenyReason.SIZE_ZERO, detail=f"budget {budget}")
    edge = q - cost / count
    if edge <= 0:
        return NoTrade(ticker=ticker, reason=DenyReason.NO_EDGE, detail=f"edge after fees {edge}")
    if edge < limits.min_edge:
        return NoTrade(
            ticker=ticker,
            reason=DenyReason.EDGE_BELOW_MIN,
            detail=f"edge {edge.quantize(Decimal('0.0001'), rounding=ROUND_FLOOR)}"
            f" < {limits.min_edge}",
        )
    return TradeSignal(
        ticker=ticker,
        side=side,
        limit_price=price,
        count=count,
        probability=yes_probability,
        edge=edge,
        kelly_fraction=fraction,
        full_kelly=full_kelly,
        caps=caps,
        fee=fee,
        cost=cost,
    )


def _caps_applied(
    scaled_kelly: Decimal, kelly_budget: Decimal, limits: SizingLimits, kelly_scale: Decimal
) -> tuple[str, ...]:
    """What shrank the fractional-Kelly bet, in the order applied (for `why`)."""
    caps = []
    if kelly_scale < ONE:
        caps.append(f"track record x{kelly_scale.normalize():f}")
    if scaled_kelly > limits.max_fraction_per_order:
        caps.append(f"max_fraction_per_order {limits.max_fraction_per_order}")
    if kelly_budget > limits.max_order_cost:
        caps.append(f"max_order_cost {limits.max_order_cost}")
    return tuple(caps)
