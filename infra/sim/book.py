"""One market's book: market-maker liquidity plus resting sim-account orders, and taker plans.

Prices are integer cents of the YES side. A bid (buy YES at P) takes NO bids at >= 100 - P,
i.e. YES asks <= P; an ask (buy NO at 100 - P) takes YES bids >= P. Within a price, resting
account orders (oldest first) come before the market maker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from domain.money import COUNT_STEP, ZERO, ceil_to_cent, floor_to_step
from infra.sim.models import BookSide, MarketState, Order, SelfTradePrevention, Status
from infra.sim.quotes import Levels, quote, record_impact

YES, NO = "yes", "no"


def consumed(market: MarketState, epoch: int) -> dict[tuple[str, int], Decimal]:
    """What takers have taken from the maker and it has not replenished yet, at `epoch`.

    Each take refills by `refill_per_quote` of itself at every later re-quote (infra.sim.flow);
    it is computed from the takes themselves, floored once, so the answer does not depend on
    when anyone looked. Fully refilled takes are dropped."""
    keep = 1.0 - market.refill_per_quote
    used: dict[tuple[str, int], Decimal] = {}
    for key, takes in list(market.mm_consumed.items()):
        total = sum(
            (qty * Decimal(repr(keep ** (epoch - at))) for at, qty in takes if at <= epoch), ZERO
        )
        left = floor_to_step(total, COUNT_STEP)
        if left > 0:
            used[key] = left
        elif all(at <= epoch for at, _ in takes):
            del market.mm_consumed[key]
    return used


def mm_levels(market: MarketState, epoch: int) -> tuple[Levels, Levels]:
    """What the market maker still offers now: (YES bids, NO bids) after consumption."""
    if market.status is not Status.ACTIVE:
        return {}, {}
    if market.pinned is not None:
        return dict(market.pinned.yes), dict(market.pinned.no)
    yes, no = quote(market, epoch)
    used = consumed(market, epoch) if market.mm_consumed else {}
    if not used:
        return dict(yes), dict(no)
    return (
        {p: s - used.get((YES, p), ZERO) for p, s in yes.items() if s > used.get((YES, p), ZERO)},
        {p: s - used.get((NO, p), ZERO) for p, s in no.items() if s > used.get((NO, p), ZERO)},
    )


def consume_mm(market: MarketState, epoch: int, side: str, price: int, qty: Decimal) -> None:
    if market.pinned is not None:
        levels = market.pinned.yes if side == YES else market.pinned.no
        left = levels.get(price, ZERO) - qty
        if left > 0:
            levels[price] = left
        else:
            levels.pop(price, None)
        return
    market.mm_consumed.setdefault((side, price), []).append((epoch, qty))
    # Taking the maker's NO bid buys YES: its quotes move up; taking its YES bid, down.
    record_impact(market, epoch, side == NO, float(qty))


def book_levels(market: MarketState, epoch: int) -> tuple[Levels, Levels]:
    """The displayed book, bids only: (YES bids, NO bids), market maker plus resting orders."""
    yes, no = mm_levels(market, epoch)
    for order in market.resting:
        if order.book_side is BookSide.BID:
            yes[order.price_cents] = yes.get(order.price_cents, ZERO) + order.remaining
        else:
            no[100 - order.price_cents] = no.get(100 - order.price_cents, ZERO) + order.remaining
    return yes, no


@dataclass(slots=True)
class Maker:
    """Liquidity a taker can hit: a resting order, or a market-maker level (`order` None)."""

    yes_cents: int
    available: Decimal
    order: Order | None = None
    mm_side: str = ""
    mm_price: int = 0

    def sort_key(self, descending: bool) -> tuple[int, int, int]:
        price = -self.yes_cents if descending else self.yes_cents
        return (price, self.order is None, self.order.seq if self.order else 0)


def makers_against(
    market: MarketState, epoch: int, taker_side: BookSide, limit_cents: int
) -> list[Maker]:
    """Crossing liquidity for a taker, best price first."""
    yes_levels, no_levels = mm_levels(market, epoch)
    makers: list[Maker] = []
    if taker_side is BookSide.BID:
        for no_cents, size in no_levels.items():
            if 100 - no_cents <= limit_cents:
                makers.append(Maker(100 - no_cents, size, None, NO, no_cents))
        for order in market.resting:
            if order.book_side is BookSide.ASK and order.price_cents <= limit_cents:
                makers.append(Maker(order.price_cents, order.remaining, order))
        makers.sort(key=lambda m: m.sort_key(descending=False))
    else:
        for yes_cents, size in yes_levels.items():
            if yes_cents >= limit_cents:
                makers.append(Maker(yes_cents, size, None, YES, yes_cents))
        for order in market.resting:
            if order.book_side is BookSide.BID and order.price_cents >= limit_cents:
                makers.append(Maker(order.price_cents, order.remaining, order))
        makers.sort(key=lambda m: m.sort_key(descending=True))
    return makers


def side_price(book_side: BookSide, yes_cents: int) -> Decimal:
    """What one contract costs the party on `book_side` at a trade of YES price `yes_cents`."""
    cents = yes_cents if book_side is BookSide.BID else 100 - yes_cents
    return Decimal(cents) / 100


@dataclass(slots=True)
class Step:
    maker: Maker
    qty: Decimal


@dataclass(slots=True)
class Plan:
    """What a taker order would do, computed before anything changes (FoK needs the dry run)."""

    steps: list[Step] = field(default_factory=list)
    filled: Decimal = ZERO
    self_cross: bool = False  # stopped at its own resting order (taker_at_cross)
    cancel_makers: list[Order] = field(default_factory=list)  # own makers (stp=maker), unfunded


def plan_taker(
    makers: list[Maker],
    *,
    account: str,
    side: BookSide,
    quantity: Decimal,
    stp: SelfTradePrevention,
    budget: Decimal,
    balance_of: Callable[[str], Decimal],
    fee_of: Callable[[Decimal, int], Decimal],
) -> Plan:
    """Walk the crossing liquidity. Stops early when the taker cannot pay for the next fill.

    `fee_of(qty, yes_cents)` is the taker's trade fee; a fill's cash cost is bounded by the
    cost plus that fee rounded up to the cent (A7 fee rounding floors the balance change)."""
    plan = Plan()
    remaining, spent = quantity, ZERO
    maker_spent: dict[str, Decimal] = {}
    for maker in makers:
        if remaining <= 0:
            break
        order = maker.order
        qty = min(remaining, maker.available)
        if order is not None:
            if order.account == account:
                if stp is SelfTradePrevention.MAKER:
                    plan.cancel_makers.append(order)
                    continue
                plan.self_cross = True
                break
            price = side_price(order.book_side, maker.yes_cents)
            free = balance_of(order.account) - maker_spent.get(order.account, ZERO)
            affordable = floor_to_step(max(free, ZERO) / price, COUNT_STEP)
            if affordable < qty:
                plan.cancel_makers.append(order)
                qty = affordable
            if qty <= 0:
                continue
            maker_spent[order.account] = maker_spent.get(order.account, ZERO) + qty * price
        fee = fee_of(qty, maker.yes_cents)
        cost = ceil_to_cent(qty * side_price(side, maker.yes_cents) + fee)
        if spent + cost > budget:
            break
        plan.steps.append(Step(maker, qty))
        remaining -= qty
        spent += cost
        plan.filled += qty
    return plan
