"""The sim's mutable state objects. Only the exchange engine touches them, under its lock."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.fees import FeeSchedule
from domain.money import ZERO
from infra.sim.pricing import LatentPath


class Status(StrEnum):
    """Market.status values the sim emits (A5.3; lifecycle A7: active -> closed -> determined
    -> (disputed -> amended) -> finalized; inactive: listed but not trading yet)."""

    INITIALIZED = "initialized"
    INACTIVE = "inactive"
    ACTIVE = "active"
    CLOSED = "closed"
    DETERMINED = "determined"
    DISPUTED = "disputed"
    AMENDED = "amended"
    FINALIZED = "finalized"

    @property
    def listed_open(self) -> bool:
        """Selected by `GET /markets?status=open`: inactive-during-trading-hours markets were
        moved into the `open` selector in Nov 2025 (A5.2)."""
        return self in {Status.ACTIVE, Status.INACTIVE}

    @property
    def awaiting_payout(self) -> bool:
        """Determined but not finalized: the result is known and may still change."""
        return self in {Status.DETERMINED, Status.DISPUTED, Status.AMENDED}


class OrderStatus(StrEnum):
    RESTING = "resting"
    CANCELED = "canceled"
    EXECUTED = "executed"


class BookSide(StrEnum):
    BID = "bid"  # buy YES at the price
    ASK = "ask"  # sell YES at the price = buy NO at 1 - price

    @property
    def outcome(self) -> str:
        return "yes" if self is BookSide.BID else "no"

    @property
    def buys_yes(self) -> bool:
        return self is BookSide.BID


class TimeInForce(StrEnum):
    FILL_OR_KILL = "fill_or_kill"
    GOOD_TILL_CANCELED = "good_till_canceled"
    IMMEDIATE_OR_CANCEL = "immediate_or_cancel"


class SelfTradePrevention(StrEnum):
    TAKER_AT_CROSS = "taker_at_cross"
    MAKER = "maker"


@dataclass(slots=True)
class SeriesState:
    ticker: str
    title: str
    category: str
    frequency: str
    tags: tuple[str, ...]
    source_name: str
    source_url: str
    fees: FeeSchedule = field(default_factory=FeeSchedule)


@dataclass(slots=True)
class EventState:
    seq: int
    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    category: str
    mutually_exclusive: bool
    strike_ts: float
    created_ts: float
    # Seeds the event's latent path (infra.sim.pricing), whose end decides every market.
    path_seed: int
    path: LatentPath | None = None
    market_tickers: list[str] = field(default_factory=list)
    fee_override: FeeSchedule | None = None  # A5.6 fee_type_override / fee_multiplier_override
    multivariate: bool = False  # a combo's event: not listed by GET /events (A5.6)


@dataclass(slots=True)
class PinnedBook:
    """A test-pinned market-maker book (cents -> size); fills deplete it, nothing refreshes it."""

    yes: dict[int, Decimal]
    no: dict[int, Decimal]


@dataclass(slots=True)
class MarketState:
    seq: int
    ticker: str
    event_ticker: str
    series_ticker: str
    title: str
    subtitle: str
    yes_sub_title: str
    no_sub_title: str
    rules_primary: str
    rules_secondary: str
    poly_question: str
    strike_type: str | None
    floor_strike: float | None
    cap_strike: float | None
    created_ts: float
    open_ts: float
    close_ts: float
    latest_expiration_ts: float
    settlement_timer_seconds: int
    probability: float  # prior probability of YES at listing; YES iff Z in [result_lo, +p)
    result_lo: float
    mm_seed: int
    noise: float  # the maker's error scale relative to the scenario (then in probability units)
    spread_cents: int
    levels: int
    size_scale: int
    volume_per_hour: int
    status: Status = Status.ACTIVE
    longshot_bias: float = 0.0  # the scenario's favourite-longshot bias (infra.sim.pricing)
    result: str = ""
    market_type: str = "binary"  # A5.3: binary | scalar
    settlement_value: Decimal | None = None  # A7: dollars per YES contract once determined
    updated_ts: float = 0.0
    determined_ts: float | None = None
    settled_ts: float | None = None
    traded: Decimal = ZERO  # contracts traded by sim accounts
    last_trade_cents: int | None = None
    # Takes from the maker not yet refilled: (side, cents) -> [(epoch, contracts)] (book.py).
    mm_consumed: dict[tuple[str, int], list[tuple[int, Decimal]]] = field(default_factory=dict)
    refill_per_quote: float = 1.0  # share of a take the maker puts back at each re-quote
    # Price impact of takes from the maker: [(epoch, shift of its centre in probability)], each
    # applied from the next re-quote and decaying as the take refills (infra.sim.quotes).
    impacts: list[tuple[int, float]] = field(default_factory=list)
    mm_book_epoch: int = -1
    mm_book: tuple[dict[int, Decimal], dict[int, Decimal]] | None = None
    fair_cache: dict[int, float] = field(default_factory=dict)
    path: LatentPath | None = None  # the event's latent path (shared by its markets)
    interval: tuple[float, float] = (-math.inf, math.inf)  # YES iff the path ends in it
    truth_override: float | None = None  # a test pinned the hidden fair value
    pinned: PinnedBook | None = None
    resting: list[Order] = field(default_factory=list)
    checked_epoch: int = -1  # last re-quote at which resting orders were matched
    version: int = 0
    json_cache: tuple[int, int, dict[str, Any]] | None = None
    price_structure: str = "linear_cent"  # infra.sim.ticks
    legs: tuple[str, ...] = ()  # a combo's leg tickers, each selected on YES (infra.sim.combos)

    @property
    def is_combo(self) -> bool:
        return bool(self.legs)

    def touch(self, ts: float | None = None) -> None:
        self.version += 1
        if ts is not None:
            self.updated_ts = ts


@dataclass(slots=True)
class Order:
    seq: int
    order_id: str
    account: str
    user_id: str
    client_order_id: str
    ticker: str
    book_side: BookSide
    price_cents: Decimal | int  # YES price (tenths of a cent on tapered ticks)
    initial: Decimal
    time_in_force: TimeInForce
    self_trade_prevention: SelfTradePrevention
    post_only: bool
    reduce_only: bool
    expiration_ts: float | None
    created_ts: float
    updated_ts: float
    filled: Decimal = ZERO
    remaining: Decimal = ZERO
    status: OrderStatus = OrderStatus.RESTING
    taker_cost: Decimal = ZERO
    maker_cost: Decimal = ZERO
    taker_fees: Decimal = ZERO
    maker_fees: Decimal = ZERO
    fee_accumulator: Decimal = ZERO  # A7 fee rounding: the order's rounding overpayment
    queue_ahead: Decimal = ZERO  # displayed size at its price when it rested (A5.9 queue)
    closes: bool = False  # it reduced a held position when placed: legacy `action` "sell"

    @property
    def side_price_cents(self) -> int:
        """The price of the contract this order buys (YES price for a bid, NO price for an ask)."""
        return self.price_cents if self.book_side is BookSide.BID else 100 - self.price_cents


@dataclass(slots=True)
class Fill:
    seq: int
    fill_id: str
    trade_id: str
    order_id: str
    account: str
    ticker: str
    book_side: BookSide
    yes_cents: int
    count: Decimal
    is_taker: bool
    fee: Decimal  # net fee: trade fee + rounding - rebate (A7)
    ts: float
    trade_fee: Decimal  # the fee before the balance change's rounding (A7 rule 1)
    closed: Decimal = ZERO  # contracts of a held position this fill closed (a sale)
    post_position: Decimal = ZERO  # the market's position after it (+ YES, - NO): A8 fill


@dataclass(slots=True)
class PositionState:
    account: str
    ticker: str
    event_ticker: str
    position: Decimal = ZERO  # + YES, - NO
    exposure: Decimal = ZERO  # cost of the contracts held
    realized: Decimal = ZERO
    fees: Decimal = ZERO
    traded: Decimal = ZERO
    updated_ts: float = 0.0
    settled: bool = False


@dataclass(frozen=True, slots=True)
class Trade:
    """One public trade (A5.15 `GET /markets/trades`): whoever the two sides were."""

    seq: int
    trade_id: str
    ticker: str
    yes_cents: int
    count: Decimal
    taker_buys_yes: bool  # the taker bought YES (lifted a NO bid) or NO (hit a YES bid)
    ts: float


@dataclass(slots=True)
class Settlement:
    seq: int
    account: str
    ticker: str
    event_ticker: str
    result: str
    yes_count: Decimal
    yes_cost: Decimal
    no_count: Decimal
    no_cost: Decimal
    revenue_cents: int
    fee_cost: Decimal
    value_cents: int | None
    settled_ts: float


@dataclass(slots=True)
class Account:
    key_id: str
    user_id: str
    balance: Decimal
    updated_ts: float
    orders: list[Order] = field(default_factory=list)
    client_order_ids: set[str] = field(default_factory=set)
    fills: list[Fill] = field(default_factory=list)
    positions: dict[str, PositionState] = field(default_factory=dict)
    settlements: list[Settlement] = field(default_factory=list)
