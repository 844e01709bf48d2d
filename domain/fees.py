"""Kalshi trading fees: the sizing estimate and the venue's per-series schedules with rounding.

`taker_fee` / `maker_fee` are the bot's sizing estimate (standard series, rounded up to the
cent: the older rule, an upper bound of what a fill costs).

`FeeSchedule` and `charge` are what a venue charges (`reference/exchange-apis.md` A7, K-PG
fee_rounding, the current rule), shared by every exchange the project simulates (the embedded
simulator, the paper exchange, the replay venue) so the fee math exists once:

1. The trade fee of a fill comes from the series' fee model, rounded **up to $0.0001**.
2. The balance change of the fill (`revenue - trade_fee`, revenue signed, negative for a buyer)
   is **floored to the cent** (non-direct members' balance precision); the difference is a
   rounding fee. A per-order fee accumulator sums the rounding fees of all the order's fills
   (taker and maker alike); once it exceeds $0.01 a whole-cent rebate is issued and the
   accumulator drops by $0.01. The fill's `fee_cost` is the net fee: trade fee + rounding fee
   - rebate, never negative.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from domain.models import FillReport
from domain.money import CENT, COUNT_STEP, ONE, ZERO, ceil_to_cent, floor_to_step

TAKER_RATE = Decimal("0.07")  # A7: taker fee = 0.07 x C x P x (1 - P) on standard series
MAKER_RATE = Decimal("0.0175")  # A7: 25 % of the taker rate, on series that charge makers
# SDK 3.34 FeeType docs: combo maker fees use a 0.5 maker multiplier instead of 0.25
# (also A7: "Combo maker multiplier 0.5 in some cases", K-CL 22 Aug 2026).
COMBO_MAKER_RATE = Decimal("0.035")
# `flat` is "described by the Specific Trading Fees Table" (SDK 3.34 Series.fee_type), which the
# reference does not reproduce (part D: exact per-series fees unknown). The project's reading:
# a fixed $0.01 per contract for takers, times the fee multiplier, whatever the price.
FLAT_PER_CONTRACT = Decimal("0.01")
CENTICENT = Decimal("0.0001")


def _fee(rate: Decimal, count: Decimal, price: Decimal) -> Decimal:
    if count < 0:
        raise ValueError("count must not be negative")
    if not 0 < price < 1:
        raise ValueError(f"price {price} is not strictly between $0 and $1")
    return ceil_to_cent(rate * count * price * (ONE - price))


def taker_fee(count: Decimal, price: Decimal, rate: Decimal = TAKER_RATE) -> Decimal:
    """The fee for taking `count` contracts at `price` dollars, rounded up to the cent."""
    return _fee(rate, count, price)


def maker_fee(count: Decimal, price: Decimal, rate: Decimal = MAKER_RATE) -> Decimal:
    """The fee for a resting order filled at `price`, on series that charge makers."""
    return _fee(rate, count, price)


class FeeType(StrEnum):
    """Series.fee_type values (SDK 3.34 `models/fee_type.py`; A7 per-series fee types)."""

    QUADRATIC = "quadratic"
    QUADRATIC_WITH_MAKER_FEES = "quadratic_with_maker_fees"
    QUADRATIC_WITH_COMBO_MAKER_FEES = "quadratic_with_combo_maker_fees"
    FLAT = "flat"


def ceil_to_centicent(amount: Decimal) -> Decimal:
    return amount.quantize(CENTICENT, rounding=ROUND_CEILING)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """A series' fee model (or an event's override of it, A5.6 `fee_type_override`)."""

    fee_type: FeeType = FeeType.QUADRATIC
    multiplier: Decimal = ONE

    def trade_fee(self, count: Decimal, price: Decimal, *, is_taker: bool) -> Decimal:
        """Rule 1: the fill's trade fee, rounded up to $0.0001. `price` is either side's price
        (P x (1 - P) is symmetric)."""
        if count < 0 or not ZERO < price < ONE:
            raise ValueError(f"no fee for {count} contracts at {price}")
        variance = price * (ONE - price)
        if self.fee_type is FeeType.FLAT:
            raw = FLAT_PER_CONTRACT * count if is_taker else ZERO
        elif is_taker:
            raw = TAKER_RATE * count * variance
        elif self.fee_type is FeeType.QUADRATIC_WITH_MAKER_FEES:
            raw = MAKER_RATE * count * variance
        elif self.fee_type is FeeType.QUADRATIC_WITH_COMBO_MAKER_FEES:
            raw = COMBO_MAKER_RATE * count * variance
        else:
            raw = ZERO  # A7: most series charge takers only
        return ceil_to_centicent(raw * self.multiplier)

    def max_fee_per_contract(self, *, is_taker: bool) -> Decimal:
        """An upper bound of the trade fee of one contract at any price (P x (1 - P) <= 1/4)."""
        return self.trade_fee(ONE, Decimal("0.5"), is_taker=is_taker) + CENTICENT


@dataclass(frozen=True, slots=True)
class Charge:
    """What one fill does to the balance under rule 2."""

    balance_change: Decimal  # = revenue - net_fee, a whole number of cents
    net_fee: Decimal  # the fill's `fee_cost`
    accumulator: Decimal  # the order's accumulator after this fill


def charge(revenue: Decimal, trade_fee: Decimal, accumulator: Decimal) -> Charge:
    """Rule 2 for one fill of an order whose accumulator stands at `accumulator`.

    The rebate is withheld (the accumulator keeps it for a later fill) when paying it would make
    this fill's net fee negative: the reference states net fees are always >= $0.00. The
    reference's worked examples list the floored balance change before the rebate; here the
    rebate is credited on the same fill, so the balance always moves by exactly
    `revenue - fee_cost` and a client can rebuild the cash from fills to the cent.
    """
    exact = revenue - trade_fee
    floored = exact.quantize(CENT, rounding=ROUND_FLOOR)
    rounding = exact - floored
    accumulator += rounding
    rebate = ZERO
    if accumulator > CENT and trade_fee + rounding >= CENT:
        rebate = CENT
        accumulator -= CENT
    net_fee = trade_fee + rounding - rebate
    return Charge(floored + rebate, net_fee, accumulator)


def net_fees(fills: Iterable[FillReport]) -> tuple[FillReport, ...]:
    """The fills with each `fee_cost` as the balance paid it: rule 2 applied per order.

    Under either reading of the fee report the result is the same, and the book that uses it
    moves exactly as a cent-precision balance does (A7), never above it:
    - `fee_cost` is the net fee (what the simulator and the paper exchange send): price x count
      + fee_cost is already a whole number of cents, so rule 2 adds nothing;
    - `fee_cost` is the trade fee alone (without the rounding part): rule 2 adds each fill's
      rounding, less the order's whole-cent rebates, as the venue's balance did.
    An order's accumulator runs over its fills in time order (within one timestamp, the reverse
    of the listing, which is newest first), so every fill of an order should be in `fills`: a
    read that holds only its later fills starts the accumulator at zero, which can only
    withhold a rebate (the book then sits below the venue, by at most a cent an order, never
    above it). Returned in the order given; a fill listed twice counts once.
    """
    listed = list(fills)
    accumulators: dict[str, Decimal] = {}
    netted: dict[str, FillReport] = {}
    for fill in sorted(reversed(listed), key=lambda f: f.created_time):
        if fill.fill_id in netted:
            continue
        # Netting pays whole dollars per pair (counts step by 0.01: whole cents), so only the
        # purchase and its fee decide the rounding.
        before = accumulators.get(fill.order_id, ZERO)
        result = charge(-(fill.price * fill.count), fill.fee, before)
        accumulators[fill.order_id] = result.accumulator
        same = result.net_fee == fill.fee
        netted[fill.fill_id] = fill if same else fill.replace(fee=result.net_fee)
    return tuple(netted[f.fill_id] for f in listed)


def affordable(
    balance: Decimal, price: Decimal, schedule: FeeSchedule, *, is_taker: bool
) -> Decimal:
    """The most contracts at `price` the balance surely pays for, fees and rounding included."""
    per_contract = price + schedule.max_fee_per_contract(is_taker=is_taker)
    return floor_to_step(max(balance - CENT, ZERO) / per_contract, COUNT_STEP)


def max_cost(
    count: Decimal, price: Decimal, schedule: FeeSchedule, *, is_taker: bool = True
) -> Decimal:
    """An upper bound of what buying `count` at `price` can take from the balance (as taker, or
    as maker: a resting order's fills pay the maker fee)."""
    fee = schedule.trade_fee(count, price, is_taker=is_taker)
    return (count * price + fee).quantize(CENT, rounding=ROUND_CEILING)
