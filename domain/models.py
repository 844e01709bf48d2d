"""Value objects: markets, books, forecasts, signals, orders, fills, positions, ledger entries.

Prices are YES-side dollars in (0, 1) unless a name says otherwise; counts are contracts with
0.01 granularity; every amount is a `Decimal`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from domain.base import Frozen
from domain.money import ONE, ZERO


def _probability(value: Decimal) -> Decimal:
    if not ZERO <= value <= ONE:
        raise ValueError(f"{value} is not in [0, 1]")
    return value


def _price(value: Decimal) -> Decimal:
    if not ZERO < value < ONE:
        raise ValueError(f"price {value} is not strictly between $0 and $1")
    return value


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(f"{value} is negative")
    return value


Probability = Annotated[Decimal, AfterValidator(_probability)]
Price = Annotated[Decimal, AfterValidator(_price)]
Count = Annotated[Decimal, AfterValidator(_non_negative)]
Amount = Decimal


class Side(StrEnum):
    """Which contract: YES pays $1 if the event happens, NO pays $1 if it does not."""

    YES = "yes"
    NO = "no"

    @property
    def opposite(self) -> Side:
        return Side.NO if self is Side.YES else Side.YES


class MarketStatus(StrEnum):
    """Kalshi's Market.status vocabulary (the object's, not the list filter's)."""

    INITIALIZED = "initialized"
    INACTIVE = "inactive"
    ACTIVE = "active"
    CLOSED = "closed"
    DETERMINED = "determined"
    DISPUTED = "disputed"
    AMENDED = "amended"
    FINALIZED = "finalized"
    SETTLED = "settled"  # legacy (Nov 2025)
    # A status this bot does not know (infra.unknown_values counts them): never open for trading,
    # never final, so nothing is traded or settled on it until the venue says more.
    UNKNOWN = "unknown"


class MarketResult(StrEnum):
    YES = "yes"
    NO = "no"
    SCALAR = "scalar"
    VOID = "void"
    NONE = ""


class PriceRange(Frozen):
    """One band of a market's tick structure (A5.3 `price_ranges`; domain.ticks).

    Its ends are bounds, not prices: the venue sends `linear_cent` as one band from $0 to $1
    (`{"start": "0.0000", "end": "1.0000", "step": "0.0100"}`), and the valid prices are its
    steps strictly inside ($0, $1)."""

    start: Decimal = Field(ge=0, lt=1)
    end: Decimal = Field(gt=0, le=1)
    step: Decimal = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _a_band(self) -> PriceRange:
        if self.start >= self.end:
            raise ValueError(f"{self.start}..{self.end} by {self.step} is not a price band")
        return self


class Market(Frozen):
    """One binary market as the venue describes it."""

    ticker: str
    event_ticker: str
    title: str = ""
    subtitle: str = ""
    rules: str = ""
    status: MarketStatus
    yes_bid: Decimal | None = None
    yes_ask: Decimal | None = None
    no_bid: Decimal | None = None
    no_ask: Decimal | None = None
    last_price: Decimal | None = None
    volume: Count = ZERO
    volume_24h: Count = ZERO
    open_interest: Count = ZERO
    open_time: AwareDatetime | None = None
    close_time: AwareDatetime
    result: MarketResult = MarketResult.NONE
    settlement_value: Decimal | None = None  # A5.3 settlement_value_dollars: per YES contract
    venue: str = "kalshi"
    is_combo: bool = False  # a combo (multivariate) market: never traded (domain.screening)
    price_ranges: tuple[PriceRange, ...] = ()  # its valid prices (domain.ticks); () = $0.01

    @property
    def spread(self) -> Decimal | None:
        """None without a two-sided quote: the venue sends an empty side as a YES bid of 0 or
        a YES ask of 1 (a book at an extreme, e.g. only a 1c ask)."""
        if self.yes_bid is None or self.yes_ask is None:
            return None
        if self.yes_bid <= 0 or self.yes_ask >= 1:
            return None
        return self.yes_ask - self.yes_bid

    @property
    def is_open(self) -> bool:
        return self.status is MarketStatus.ACTIVE


class BookLevel(Frozen):
    price: Price
    count: Count


class OrderBook(Frozen):
    """Bids only, as Kalshi quotes them: a YES bid at X is a NO ask at 1 - X."""

    ticker: str
    yes_bids: tuple[BookLevel, ...] = ()
    no_bids: tuple[BookLevel, ...] = ()

    @property
    def best_yes_bid(self) -> Decimal | None:
        return max((level.price for level in self.yes_bids), default=None)

    @property
    def best_no_bid(self) -> Decimal | None:
        return max((level.price for level in self.no_bids), default=None)

    @property
    def best_yes_ask(self) -> Decimal | None:
        best_no = self.best_no_bid
        return None if best_no is None else ONE - best_no

    @property
    def best_no_ask(self) -> Decimal | None:
        best_yes = self.best_yes_bid
        return None if best_yes is None else ONE - best_yes

    def ask(self, side: Side) -> Decimal | None:
        return self.best_yes_ask if side is Side.YES else self.best_no_ask

    def bid(self, side: Side) -> Decimal | None:
        return self.best_yes_bid if side is Side.YES else self.best_no_bid


class PublicTrade(Frozen):
    """One trade of the market between any two traders (`GET /markets/trades`, A5.15).

    `taker_side` is the side the taker bought: `yes` lifted resting NO bids at 1 - yes_price,
    `no` hit resting YES bids at yes_price (A5.5: the book is bids on both sides)."""

    trade_id: str
    ticker: str
    count: Count = Field(gt=0)
    yes_price: Price
    taker_side: Side
    is_block_trade: bool = False  # matched off the book (RFQ): it traded through no order
    created_time: AwareDatetime

    def price(self, side: Side) -> Decimal:
        """The trade's price for `side` (A7: YES price + NO price = $1)."""
        return self.yes_price if side is Side.YES else ONE - self.yes_price


class ForecastInputs(Frozen):
    """The market data a forecast was made on; a forecast is reused while these barely move."""

    yes_bid: Decimal | None = None
    yes_ask: Decimal | None = None
    polymarket_price: Decimal | None = None
    close_time: AwareDatetime | None = None
    rules_digest: str | None = None  # of the market's rules text: new rules, a new forecast


class Forecast(Frozen):
    """A fair probability for YES, with who made it, on what inputs, and what it cost."""

    id: int | None = None
    ticker: str
    probability: Probability
    confidence: Probability = Decimal("0.5")
    rationale: str = ""
    model: str
    prompt_version: str = ""
    offline: bool = False
    cost: Amount = ZERO
    made_at: AwareDatetime
    cycle: int = 0
    inputs: ForecastInputs = ForecastInputs()
    refusal: str | None = None  # `FORECAST_IMPLAUSIBLE: ...` when refused (domain.evidence)


class TradeSignal(Frozen):
    """A sized intent: buy `count` contracts of `side`, paying at most `limit_price` each."""

    ticker: str
    side: Side
    limit_price: Price
    count: Count = Field(gt=0)
    probability: Probability
    edge: Decimal
    kelly_fraction: Decimal  # of the bankroll bet: full Kelly x the multiplier, after the caps
    full_kelly: Decimal = ZERO  # the edge's full-Kelly fraction, before any scaling
    caps: tuple[str, ...] = ()  # the limits that made the bet smaller (domain.sizing)
    fee: Amount
    cost: Amount  # limit_price * count + fee: the most this order can take from the bankroll
    # A maker order: post-only, resting at `limit_price` below the ask, paying the maker fee.
    post_only: bool = False

    @property
    def yes_price(self) -> Decimal:
        """The V2 order endpoint quotes every order at its YES price."""
        return self.limit_price if self.side is Side.YES else ONE - self.limit_price


class OrderStatus(StrEnum):
    RESTING = "resting"
    CANCELED = "canceled"
    EXECUTED = "executed"


class OrderAck(Frozen):
    """The V2 create-order answer: what filled at once and what rests."""

    order_id: str
    client_order_id: str
    fill_count: Count
    remaining_count: Count
    average_fill_price: Decimal | None = None  # YES-side dollars
    average_fee_paid: Decimal | None = None
    ts_ms: int | None = None


class OrderReport(Frozen):
    """An order as the venue reports it (GET /portfolio/orders)."""

    order_id: str
    client_order_id: str = ""
    ticker: str
    side: Side
    action: str = "buy"
    status: OrderStatus
    yes_price: Decimal
    fill_count: Count
    remaining_count: Count
    initial_count: Count
    fill_cost: Amount = ZERO
    fees: Amount = ZERO
    created_time: AwareDatetime | None = None


class FillReport(Frozen):
    """One trade of the account (GET /portfolio/fills, A5.13).

    `side` is the side this fill bought, whatever words the venue used: buying YES and
    selling NO are one trade (A5.9: both are `book_side` bid), and a NO bought against a YES
    position nets it out, which is how a sale shows up in a fill.
    """

    fill_id: str
    order_id: str
    ticker: str
    side: Side
    count: Count = Field(gt=0)
    yes_price: Price
    fee: Amount = Field(default=ZERO, ge=0)
    is_taker: bool = True
    created_time: AwareDatetime
    # The venue's own order among fills of one `created_time` (0: the oldest), from the
    # order it lists them in (domain.fold.sequence_listing): ties are never broken by id.
    seq: int = Field(default=0, ge=0)

    @property
    def no_price(self) -> Decimal:
        return ONE - self.yes_price

    @property
    def price(self) -> Decimal:
        """The price of the side bought (A7: YES price + NO price = $1)."""
        return self.yes_price if self.side is Side.YES else self.no_price

    @property
    def cost(self) -> Decimal:
        """What the fill took from the balance before any netting: price x count + fee."""
        return self.price * self.count + self.fee


class PositionReport(Frozen):
    """A venue position: `position` is signed, positive YES contracts, negative NO contracts."""

    ticker: str
    position: Decimal
    market_exposure: Amount = ZERO
    realized_pnl: Amount = ZERO
    fees_paid: Amount = ZERO
    total_traded: Amount = ZERO
    # The venue's time of the position's last change: every fill behind it is no later.
    last_updated: AwareDatetime | None = None

    @property
    def side(self) -> Side | None:
        if self.position > 0:
            return Side.YES
        if self.position < 0:
            return Side.NO
        return None

    @property
    def count(self) -> Decimal:
        return abs(self.position)


def settlement_key(ticker: str, settled_time: datetime) -> str:
    """`TICKER@2026-11-30T06:00:00.000+00:00`: the millisecond the book stores."""
    return f"{ticker}@{settled_time.astimezone(UTC).isoformat(timespec='milliseconds')}"


class SettlementReport(Frozen):
    """The venue's record of a market settling for this account (A5.14): the cash it paid
    (`revenue`) is the only payout the book credits."""

    ticker: str
    event_ticker: str = ""
    market_result: MarketResult
    yes_count: Count
    no_count: Count
    yes_total_cost: Amount = ZERO
    no_total_cost: Amount = ZERO
    revenue: Amount = Field(ge=0)  # dollars (the wire sends integer cents)
    fee_cost: Amount = Field(default=ZERO, ge=0)  # trade fees on the position (already paid)
    value: Amount | None = None  # payout of one YES contract, dollars (the wire: cents)
    settled_time: AwareDatetime

    @property
    def key(self) -> str:
        """The record's identity: a market settles once per account (its evidence id)."""
        return settlement_key(self.ticker, self.settled_time)

    def count(self, side: Side) -> Decimal:
        return self.yes_count if side is Side.YES else self.no_count


class Balance(Frozen):
    balance: Amount
    portfolio_value: Amount | None = None


class PositionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    RECOVERED = "recovered"


class Position(Frozen):
    """The bot's own record of a holding."""

    id: int | None = None
    ticker: str
    side: Side
    count: Count
    cost: Amount  # what the bankroll paid for it, fees included
    status: PositionStatus
    client_order_id: str | None = None
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    payout: Amount | None = None

    @property
    def realized_pnl(self) -> Decimal | None:
        return None if self.payout is None else self.payout - self.cost


class LedgerReason(StrEnum):
    """Why the balance moved. Every change is one row with one of these."""

    INITIAL = "initial"
    RESERVE = "reserve"
    RELEASE = "release"
    SETTLEMENT = "settlement"
    API_COST = "api_cost"
    RECOVERED = "recovered"
    ADJUSTMENT = "adjustment"
    FILL = "fill"  # a venue fill no reservation covered: a manual trade, a sale, a late fill


class LedgerEntry(Frozen):
    id: int | None = None
    ts: datetime
    change: Amount
    reason: LedgerReason
    balance: Amount
    ref_type: str | None = None  # what caused it: "execution", "position", "llm_call", ...
    ref_id: str | None = None
    detail: str | None = None  # e.g. what an API cost bought: market, cycle, model


class ExitReason(StrEnum):
    """Why the bot sold a position before settlement (domain.exits); `close` has none."""

    TAKE_PROFIT = "TAKE_PROFIT"
    VIEW_CHANGED = "VIEW_CHANGED"
    TIME_BEFORE_CLOSE = "TIME_BEFORE_CLOSE"


class ExecutionStatus(StrEnum):
    """An order attempt's life. `intent` is written before anything is sent."""

    INTENT = "intent"
    RESTING = "resting"
    PARTIAL = "partial"
    FILLED = "filled"
    REJECTED = "rejected"
    AMBIGUOUS = "ambiguous"
    CANCELED = "canceled"

    @property
    def in_flight(self) -> bool:
        """Sent (or maybe sent) with an outcome not yet final: the market stays blocked."""
        return self in {ExecutionStatus.INTENT, ExecutionStatus.AMBIGUOUS, ExecutionStatus.RESTING}


class Execution(Frozen):
    """One order attempt, keyed by the client order id the bot chose before sending."""

    client_order_id: str
    correlation_id: str = ""
    ticker: str
    side: Side
    limit_price: Price
    count: Count
    reserved: Amount
    status: ExecutionStatus
    venue_order_id: str | None = None
    filled_count: Count = ZERO
    fill_cost: Amount = ZERO
    fees: Amount = ZERO
    error_code: str | None = None
    error_message: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    forecast_id: int | None = None
    # A sale (`close`, `flatten`): buys the other side of a holding, reduce-only, so the venue
    # nets the pair (A5.9) and it can only close contracts, never open any.
    reduce_only: bool = False
    # A maker order (execution.mode maker): post-only, good-till-canceled, resting until it
    # fills, is cancelled, or the venue expires it at `expires_at`.
    post_only: bool = False
    expires_at: AwareDatetime | None = None
    # A sale the bot made by itself, and why (domain.exits); None for `close` and for entries.
    exit_reason: ExitReason | None = None
    # The signal an entry was sized from (domain.sizing), rounded to six places for the record.
    edge: Decimal | None = None
    full_kelly: Decimal | None = None
    kelly_fraction: Decimal | None = None
    caps: str | None = None


def reserved_left(execution: Execution) -> Decimal:
    """What of an order's reservation its booked fills have not spent: a resting order's
    fills are booked as they arrive (actors.positions), each taking its cost from it."""
    if execution.status is not ExecutionStatus.RESTING:
        return execution.reserved
    return max(execution.reserved - execution.fill_cost - execution.fees, ZERO)


class PnlEvent(Frozen):
    id: int | None = None
    ts: AwareDatetime
    ticker: str
    position_id: int | None = None
    cost: Amount
    payout: Amount
    realized_pnl: Amount
    note: str = ""
    kind: str = ""  # sale, settlement, restated ("" before these were recorded)
    count: Count = ZERO  # the contracts sold or settled
    fees: Amount = ZERO  # the fee charged on this part itself (a sale's share of its fill's)


class Heartbeat(Frozen):
    """The `status` row: when the bot last succeeded, last failed, and what it is doing."""

    last_success_at: AwareDatetime | None = None
    last_error_at: AwareDatetime | None = None
    last_error: str | None = None
    heartbeat_at: AwareDatetime | None = None
    cycle: int = 0
    venue: str = ""
    cycle_started_at: AwareDatetime | None = None  # of cycle `cycle`, ended at `heartbeat_at`

    @property
    def cycle_seconds(self) -> float | None:
        """How long the last cycle took, scan to reconciliation."""
        if self.cycle_started_at is None or self.heartbeat_at is None:
            return None
        return (self.heartbeat_at - self.cycle_started_at).total_seconds()


class PositionStats(Frozen):
    """Cumulative results of closed positions, reloaded from the database on start."""

    trades: int = 0
    wins: int = 0
    losses: int = 0
    realized_pnl: Amount = ZERO


class LlmCall(Frozen):
    """One billed call to a language model."""

    call_id: str
    ts: AwareDatetime
    ticker: str
    cycle: int
    provider: str
    model: str
    prompt_version: str
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    usage: str = "reported"  # as the provider reported it, or "estimated" / "capped" by us
    cost: Amount
    outcome: str  # ok, invalid, refused, error, lost (reached the provider, no answer)
    error: str | None = None
