"""Kalshi's wire format: answers into domain objects, and request bodies out.

Pure functions, no I/O (but for the warning `infra.unknown_values` logs the first time an
unknown value is read past). Current fields first (`*_dollars` strings, `*_fp` counts,
`orderbook_fp`, `position_fp`, `balance_dollars`), legacy ones (integer cents and counts)
only when the current ones are absent. Anything malformed raises `MalformedResponse` naming
the field, and a page is parsed completely before any of it is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from domain.fees import FeeType
from domain.models import (
    Balance,
    BookLevel,
    FillReport,
    Market,
    MarketResult,
    MarketStatus,
    OrderAck,
    OrderBook,
    OrderReport,
    OrderStatus,
    PositionReport,
    PriceRange,
    PublicTrade,
    SettlementReport,
    Side,
)
from domain.money import ONE, ZERO, count_str, dollar_str
from infra.kalshi.bounds import WireBounds
from infra.kalshi.errors import MalformedResponse
from infra.kalshi.fields import Fields
from infra.kalshi.models import (
    CancelAck,
    ExchangeStatus,
    KalshiEvent,
    KalshiSeries,
    SelfTradePrevention,
    TimeInForce,
)
from infra.unknown_values import UNKNOWN_VALUES

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def _build(fields: Fields, model: type[M], **values: Any) -> M:
    """Construct a domain object; a validation failure names the field it came from."""
    try:
        return model(**values)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        name = ".".join(str(part) for part in error["loc"]) or model.__name__
        raise fields.fail(name, error["msg"]) from None


# ---------------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Quarantined:
    """A record left out of a page because one of its fields is unusable."""

    endpoint: str
    ticker: str  # "?" when the record has no readable ticker
    field: str
    reason: str


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    cursor: str | None  # None: this was the last page
    quarantined: tuple[Quarantined, ...] = ()


def parse_cursor(fields: Fields) -> str | None:
    """Empty string, null or absent all mean "no more pages"."""
    cursor = fields.string("cursor", required=False)
    return cursor or None


def parse_page(
    endpoint: str,
    payload: Any,
    list_key: str,
    parse_item: Callable[[Fields], T],
    *,
    bounds: WireBounds | None = None,
    quarantine: bool = False,
) -> Page[T]:
    """One page of a cursor-paginated list.

    By default it is parsed entirely or not at all (what reconciliation needs: one bad record
    fails the whole answer closed). With `quarantine`, a record that cannot be used is left
    out and described in `Page.quarantined`, and the rest of the page is kept (market pages:
    one odd market must not blind the scanner to the others). The envelope is always strict.
    """
    fields = root(endpoint, payload, bounds)
    if not quarantine:
        return Page(tuple(fields.items(list_key, parse_item)), parse_cursor(fields))
    kept: list[T] = []
    dropped: list[Quarantined] = []
    for index, raw in enumerate(fields.array(list_key)):
        try:
            kept.append(parse_item(fields.nested(raw, f"{list_key}[{index}]")))
        except MalformedResponse as exc:
            dropped.append(Quarantined(endpoint, _ticker_of(raw), exc.field, exc.reason))
    return Page(tuple(kept), parse_cursor(fields), tuple(dropped))


def _ticker_of(raw: Any) -> str:
    ticker = raw.get("ticker") if isinstance(raw, dict) else None
    return ticker[:100] if isinstance(ticker, str) and ticker else "?"


def unwrap(endpoint: str, payload: Any, key: str, bounds: WireBounds | None = None) -> Fields:
    """The object under `key` (`{"market": {...}}` -> the market)."""
    return root(endpoint, payload, bounds).child(key)


def root(endpoint: str, payload: Any, bounds: WireBounds | None = None) -> Fields:
    return Fields(endpoint, payload, "", bounds)


# -------------------------------------------------------------------------------- markets


def fingerprint(record: Mapping[str, Any]) -> int:
    """A 64-bit hash of a record's text as decoded (every field and its type: 1 is not 1.0,
    "1" nor true): equal records, equal fingerprints, and different ones equal only by a
    chance of 2^-64 (str hashes are SipHash, keyed per process)."""
    return hash(repr(record))


def parse_market(fields: Fields) -> Market:
    subtitle = fields.string("subtitle", required=False) or fields.string(
        "yes_sub_title", required=False
    )
    return _build(
        fields,
        Market,
        ticker=fields.identifier("ticker"),
        event_ticker=fields.string("event_ticker"),
        title=fields.string("title", required=False),
        subtitle=subtitle,
        rules=fields.string("rules_primary", required=False),
        status=_market_status(fields),
        yes_bid=fields.price("yes_bid_dollars", "yes_bid"),
        yes_ask=fields.price("yes_ask_dollars", "yes_ask"),
        no_bid=fields.price("no_bid_dollars", "no_bid"),
        no_ask=fields.price("no_ask_dollars", "no_ask"),
        last_price=fields.price("last_price_dollars", "last_price"),
        volume=fields.count("volume_fp", "volume", market=True) or ZERO,
        volume_24h=fields.count("volume_24h_fp", "volume_24h", market=True) or ZERO,
        open_interest=fields.count("open_interest_fp", "open_interest", market=True) or ZERO,
        open_time=fields.timestamp("open_time", required=False),
        close_time=fields.timestamp("close_time"),
        result=fields.enum("result", MarketResult, default=MarketResult.NONE),
        settlement_value=fields.amount("settlement_value_dollars", "settlement_value"),
        is_combo=_is_combo(fields),
        price_ranges=tuple(fields.items("price_ranges", _price_range, required=False)),
    )


def _market_status(fields: Fields) -> MarketStatus:
    """A status the bot does not know is not a broken market: it is read as UNKNOWN (never
    traded, never settled on) and counted (infra.unknown_values). Missing or not text fails."""
    value = fields.data.get("status")
    if isinstance(value, str) and value and value not in _MARKET_STATUSES:
        UNKNOWN_VALUES.note("kalshi", "market.status", value, "not open, not final")
        return MarketStatus.UNKNOWN
    return fields.enum("status", MarketStatus)


_MARKET_STATUSES = frozenset(status.value for status in MarketStatus)


def _price_range(fields: Fields) -> PriceRange:
    """A5.3 `price_ranges[]`: `{start, end, step}` dollar strings. The ends are bounds within
    [$0, $1] (real `linear_cent` markets send 0.0000..1.0000 by 0.0100); the valid prices are
    the steps strictly inside ($0, $1) (domain.ticks)."""
    start, end, step = (fields.decimal_text(name) for name in ("start", "end", "step"))
    if not ZERO <= start < end <= ONE or not ZERO < step < ONE:
        raise fields.fail("step", f"{start}..{end} by {step} is not a price range")
    return PriceRange(start=start, end=end, step=step)


COMBO_TICKER_PREFIX = "KXMVE"  # part C gotcha 7: combo (multivariate) tickers


def _is_combo(fields: Fields) -> bool:
    """A combo (multivariate) market: it names its collection or legs (A5.3), or has a combo
    ticker (part C gotcha 7). Any one sign is enough: such a market is never traded."""
    data = fields.data
    ticker = data.get("ticker")
    return (
        bool(data.get("mve_collection_ticker"))
        or bool(data.get("mve_selected_legs"))
        or (isinstance(ticker, str) and ticker.startswith(COMBO_TICKER_PREFIX))
    )


def parse_market_response(endpoint: str, payload: Any, bounds: WireBounds | None = None) -> Market:
    return parse_market(unwrap(endpoint, payload, "market", bounds))


def _levels(fields: Fields, name: str, *, cents: bool) -> tuple[BookLevel, ...]:
    levels = []
    for index, raw in enumerate(fields.array(name, required=False)):
        where = f"{name}[{index}]"
        if not isinstance(raw, list) or len(raw) != 2:
            raise fields.fail(where, "expected a [price, count] pair")
        price_raw, count_raw = raw
        key = "price_cents" if cents else "price"  # legacy levels: [cents, count]
        level = fields.nested({key: price_raw, "count": count_raw}, fields.path(where))
        price = level.required_price("price", "price_cents")
        count = level.required_count("count", market=True)
        levels.append(_build(level, BookLevel, price=price, count=count))
    return tuple(levels)


def parse_orderbook(
    endpoint: str, payload: Any, ticker: str, bounds: WireBounds | None = None
) -> OrderBook:
    """Bids only, in whatever order the venue sends (the model computes best by max)."""
    fields = root(endpoint, payload, bounds)
    if fields.present("orderbook_fp"):
        book = fields.child("orderbook_fp")
        yes = _levels(book, "yes_dollars", cents=False)
        no = _levels(book, "no_dollars", cents=False)
    elif fields.present("orderbook"):
        book = fields.child("orderbook")
        if book.present("yes_dollars") or book.present("no_dollars"):
            yes = _levels(book, "yes_dollars", cents=False)
            no = _levels(book, "no_dollars", cents=False)
        else:
            yes = _levels(book, "yes", cents=True)
            no = _levels(book, "no", cents=True)
    else:
        raise fields.fail("orderbook_fp", "required object is missing (nor legacy 'orderbook')")
    return _build(fields, OrderBook, ticker=ticker, yes_bids=yes, no_bids=no)


def parse_event(fields: Fields) -> KalshiEvent:
    return _build(
        fields,
        KalshiEvent,
        event_ticker=fields.identifier("event_ticker"),
        series_ticker=fields.string("series_ticker", required=False),
        title=fields.string("title", required=False),
        sub_title=fields.string("sub_title", required=False),
        mutually_exclusive=fields.boolean("mutually_exclusive", required=False),
        strike_date=fields.timestamp("strike_date", required=False),
        markets=tuple(fields.items("markets", parse_market, required=False)),
        fee_type_override=_fee_type(fields, "fee_type_override"),
        fee_multiplier_override=_multiplier(fields, "fee_multiplier_override"),
    )


def _fee_type(fields: Fields, name: str) -> FeeType | None:
    """A5.6 / A7 fee types; absent or empty means no override."""
    if not fields.data.get(name):
        return None
    return fields.enum(name, FeeType)


_MAX_MULTIPLIER = Decimal(100)


def _multiplier(fields: Fields, name: str) -> Decimal | None:
    """A fee multiplier: a JSON number (the SDK's type) or a decimal string, in [0, 100]."""
    value = fields.data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise fields.fail(name, "expected a number")
    number = fields.decimal_text(name) if isinstance(value, str) else Decimal(value)
    if not number.is_finite() or not ZERO <= number <= _MAX_MULTIPLIER:
        raise fields.fail(name, f"{value!r} is not a fee multiplier in [0, 100]")
    return number


def parse_series(fields: Fields) -> KalshiSeries:
    return _build(
        fields,
        KalshiSeries,
        series_ticker=fields.identifier("ticker"),
        fee_type=_fee_type(fields, "fee_type") or FeeType.QUADRATIC,
        fee_multiplier=_multiplier(fields, "fee_multiplier") or ONE,
    )


def _taker_side(fields: Fields) -> Side:
    """SDK 3.34 Trade: `taker_outcome_side` (yes = buy-yes or sell-no) and `taker_book_side`
    (bid = yes), the deprecated `taker_side` (yes/no); whichever are present must agree."""
    readings: dict[str, Side] = {}
    for name in ("taker_outcome_side", "taker_side"):
        if fields.present(name):
            readings[name] = fields.enum(name, Side)
    if fields.present("taker_book_side"):
        book_side = fields.string("taker_book_side")
        if book_side not in _BOOK_SIDE:
            raise fields.fail("taker_book_side", f"{book_side!r} is not 'bid' or 'ask'")
        readings["taker_book_side"] = _BOOK_SIDE[book_side]
    if not readings:
        raise fields.fail("taker_outcome_side", "required direction is missing")
    if len(set(readings.values())) > 1:
        raise fields.fail("taker_outcome_side", f"direction fields disagree: {readings}")
    return next(iter(readings.values()))


def parse_trade(fields: Fields) -> PublicTrade:
    """A5.15 `GET /markets/trades` (SDK 3.34 Trade): the side the taker bought, the price,
    the size, and whether it was a block trade matched off the book."""
    yes_price = fields.required_price("yes_price_dollars", "yes_price")
    no_price = fields.price("no_price_dollars", "no_price")
    if no_price is not None and yes_price + no_price != ONE:
        raise fields.fail("no_price_dollars", f"{no_price} + yes {yes_price} is not $1 (A7)")
    ticker_name = fields.first_present("ticker", "market_ticker") or "ticker"
    return _build(
        fields,
        PublicTrade,
        trade_id=fields.identifier("trade_id"),
        ticker=fields.identifier(ticker_name),
        count=fields.required_count("count_fp", "count", market=True),
        yes_price=yes_price,
        taker_side=_taker_side(fields),
        is_block_trade=fields.boolean("is_block_trade", required=False),
        created_time=fields.timestamp("created_time"),
    )


def parse_exchange_status(endpoint: str, payload: Any) -> ExchangeStatus:
    fields = root(endpoint, payload)
    return _build(
        fields,
        ExchangeStatus,
        exchange_active=fields.boolean("exchange_active"),
        trading_active=fields.boolean("trading_active"),
        estimated_resume_time=fields.timestamp("exchange_estimated_resume_time", required=False),
    )


# ------------------------------------------------------------------------------ portfolio


def parse_balance(endpoint: str, payload: Any, bounds: WireBounds | None = None) -> Balance:
    fields = root(endpoint, payload, bounds)
    return _build(
        fields,
        Balance,
        balance=fields.required_amount("balance_dollars", "balance"),
        portfolio_value=fields.amount("portfolio_value_dollars", "portfolio_value"),
    )


def parse_position(fields: Fields) -> PositionReport:
    position = fields.count("position_fp", "position", signed=True)
    if position is None:
        raise fields.fail("position_fp", "required count is missing (nor legacy 'position')")
    exposure = fields.required_amount("market_exposure_dollars", "market_exposure")
    fees_paid = fields.amount("fees_paid_dollars", "fees_paid") or ZERO
    # A5.8: exposure is "the cost of the aggregate position". A contract costs at most $1; the
    # reference does not say whether fees are included, so allow them under either reading.
    if exposure > abs(position) + fees_paid:
        raise fields.fail(
            "market_exposure_dollars",
            f"{exposure} is more than {abs(position)} contracts x $1 (+ {fees_paid} fees)",
        )
    return _build(
        fields,
        PositionReport,
        ticker=fields.identifier("ticker"),
        position=position,
        market_exposure=exposure,
        realized_pnl=fields.amount("realized_pnl_dollars", "realized_pnl", signed=True) or ZERO,
        fees_paid=fees_paid,
        total_traded=fields.amount("total_traded_dollars", "total_traded") or ZERO,
        last_updated=fields.timestamp("last_updated_ts", required=False),
    )


def _side(fields: Fields, *names: str) -> Side:
    name = fields.first_present(*names)
    if name is None:
        raise fields.fail(names[0], "required side is missing")
    return fields.enum(name, Side)


def _order_status(fields: Fields) -> OrderStatus:
    if fields.data.get("status") == "pending":  # removed Nov 2025; it meant "not final yet"
        return OrderStatus.RESTING
    return fields.enum("status", OrderStatus)


def _sum(*amounts: Decimal | None) -> Decimal:
    return sum((amount for amount in amounts if amount is not None), ZERO)


def parse_order(fields: Fields) -> OrderReport:
    yes_price = fields.price("yes_price_dollars", "yes_price")
    if yes_price is None:
        no_price = fields.price("no_price_dollars", "no_price")
        if no_price is None:
            raise fields.fail("yes_price_dollars", "required price is missing")
        yes_price = ONE - no_price
    fill = fields.required_count("fill_count_fp", "fill_count")
    remaining = fields.required_count("remaining_count_fp", "remaining_count")
    initial = fields.count("initial_count_fp", "initial_count")
    return _build(
        fields,
        OrderReport,
        order_id=fields.identifier("order_id"),
        client_order_id=fields.string("client_order_id", required=False),
        ticker=fields.identifier("ticker"),
        side=_side(fields, "outcome_side", "side"),
        action=fields.string("action", required=False, default="buy"),
        status=_order_status(fields),
        yes_price=yes_price,
        fill_count=fill,
        remaining_count=remaining,
        initial_count=fill + remaining if initial is None else initial,
        fill_cost=_sum(
            fields.amount("taker_fill_cost_dollars", "taker_fill_cost"),
            fields.amount("maker_fill_cost_dollars", "maker_fill_cost"),
        ),
        fees=_sum(
            fields.amount("taker_fees_dollars", "taker_fees"),
            fields.amount("maker_fees_dollars", "maker_fees"),
        ),
        created_time=fields.timestamp("created_time", required=False),
    )


def parse_order_response(
    endpoint: str, payload: Any, bounds: WireBounds | None = None
) -> OrderReport:
    return parse_order(unwrap(endpoint, payload, "order", bounds))


def parse_order_ack(
    endpoint: str, payload: Any, client_order_id: str, bounds: WireBounds | None = None
) -> OrderAck:
    """The V2 create answer. It must describe the order we sent (same client_order_id).

    An older full-Order answer (`{"order": {...}}`) is accepted too.
    """
    fields = root(endpoint, payload, bounds)
    if fields.present("error"):
        raise fields.fail("error", "a success status carried an error body")
    if fields.present("order"):
        return ack_from_report(parse_order(fields.child("order")), client_order_id, endpoint)
    echoed = fields.string("client_order_id", required=False)
    if echoed and echoed != client_order_id:
        raise fields.fail("client_order_id", f"answer describes {echoed!r}, not our order")
    ts_ms = fields.integer("ts_ms", required=False)
    return _build(
        fields,
        OrderAck,
        order_id=fields.identifier("order_id"),
        client_order_id=client_order_id,
        fill_count=fields.required_count("fill_count", "fill_count_fp"),
        remaining_count=fields.required_count("remaining_count", "remaining_count_fp"),
        average_fill_price=fields.price("average_fill_price"),
        average_fee_paid=fields.amount("average_fee_paid"),
        ts_ms=ts_ms,
    )


def ack_from_report(report: OrderReport, client_order_id: str, endpoint: str) -> OrderAck:
    """An ack for an order found by lookup (no average price: the fills will say)."""
    if report.client_order_id and report.client_order_id != client_order_id:
        raise MalformedResponse(
            endpoint, "order.client_order_id", f"{report.client_order_id!r} is not our order"
        )
    return OrderAck(
        order_id=report.order_id,
        client_order_id=client_order_id,
        fill_count=report.fill_count,
        remaining_count=report.remaining_count,
    )


def parse_cancel(
    endpoint: str, payload: Any, order_id: str, bounds: WireBounds | None = None
) -> CancelAck:
    fields = root(endpoint, payload, bounds)
    if fields.present("order"):  # legacy DELETE answer: {"order": {...}, "reduced_by": n}
        order = fields.child("order")
        answered_id = order.identifier("order_id")
        client_order_id = order.string("client_order_id", required=False)
    else:
        answered_id = fields.identifier("order_id")
        client_order_id = fields.string("client_order_id", required=False)
    if answered_id != order_id:
        raise fields.fail("order_id", f"answer describes {answered_id!r}, not {order_id!r}")
    return _build(
        fields,
        CancelAck,
        order_id=answered_id,
        client_order_id=client_order_id,
        reduced_by=fields.required_count("reduced_by", "reduced_by_fp"),
        ts_ms=fields.integer("ts_ms", required=False),
    )


# A5.9: buying YES and selling NO are one direction (book_side bid), buying NO and selling YES
# the other (ask); `purchased_side` (Sep 2025) names the side bought directly.
_BOOK_SIDE = {"bid": Side.YES, "ask": Side.NO}
_LEGACY = {
    ("yes", "buy"): Side.YES,
    ("no", "sell"): Side.YES,
    ("no", "buy"): Side.NO,
    ("yes", "sell"): Side.NO,
}


def _fill_side(fields: Fields) -> Side:
    """The side a fill bought, from whichever direction fields the venue sent (A5.13).

    The unambiguous ones (`book_side`, `purchased_side`, legacy `side` + `action`) must agree.
    `outcome_side` alone follows A5.9's direction rule (yes = bid); beside `action: sell` it
    has two plausible readings, so such a fill is refused rather than guessed.
    """
    readings: dict[str, Side] = {}
    if fields.present("book_side"):
        book_side = fields.string("book_side")
        if book_side not in _BOOK_SIDE:
            raise fields.fail("book_side", f"{book_side!r} is not 'bid' or 'ask'")
        readings["book_side"] = _BOOK_SIDE[book_side]
    if fields.present("purchased_side"):
        readings["purchased_side"] = fields.enum("purchased_side", Side)
    action = fields.string("action", required=False, default="buy")
    if action not in {"buy", "sell"}:
        raise fields.fail("action", f"{action!r} is not 'buy' or 'sell'")
    if fields.present("side"):
        readings["side"] = _LEGACY[(fields.enum("side", Side).value, action)]
    if len(set(readings.values())) > 1:
        raise fields.fail("book_side", f"direction fields disagree: {readings}")
    if readings:
        return next(iter(readings.values()))
    if not fields.present("outcome_side"):
        raise fields.fail("book_side", "required direction is missing (nor outcome_side, side)")
    if action == "sell":
        raise fields.fail("outcome_side", "ambiguous beside action 'sell' without book_side")
    return fields.enum("outcome_side", Side)


def parse_fill(fields: Fields) -> FillReport:
    yes_price = fields.price("yes_price_dollars", "yes_price")
    if yes_price is None:
        yes_price = fields.price("yes_price_fixed")
    no_price = fields.price("no_price_dollars", "no_price")
    if no_price is None:
        no_price = fields.price("no_price_fixed")
    if yes_price is None and no_price is None:
        raise fields.fail("yes_price_dollars", "required price is missing")
    if yes_price is None:
        assert no_price is not None
        yes_price = ONE - no_price
    if no_price is not None and yes_price + no_price != ONE:
        raise fields.fail("no_price_dollars", f"{no_price} + yes {yes_price} is not $1 (A7)")
    created = fields.timestamp("created_time", required=False)
    if created is None:
        seconds = fields.integer("ts", required=False)
        if seconds is None:
            raise fields.fail("created_time", "required timestamp is missing (nor 'ts')")
        created = _from_unix(fields, "ts", seconds)
    fill_id_name = fields.first_present("fill_id", "trade_id") or "fill_id"
    ticker_name = fields.first_present("ticker", "market_ticker") or "ticker"
    return _build(
        fields,
        FillReport,
        fill_id=fields.identifier(fill_id_name),
        order_id=fields.identifier("order_id"),
        ticker=fields.identifier(ticker_name),
        side=_fill_side(fields),
        count=fields.required_count("count_fp", "count"),
        yes_price=yes_price,
        fee=fields.amount("fee_cost") or ZERO,
        is_taker=fields.boolean("is_taker", required=False, default=True),
        created_time=created,
    )


def _from_unix(fields: Fields, name: str, seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise fields.fail(name, f"{seconds} is not a Unix time") from None


def parse_settlement(fields: Fields) -> SettlementReport:
    # A5.14: `revenue` and `value` are integer cents in the current spec; dollar strings are
    # accepted too.
    revenue = fields.amount("revenue_dollars", "revenue")
    if revenue is None:
        raise fields.fail("revenue", "required amount is missing")
    result = fields.enum("market_result", MarketResult)
    if result is MarketResult.NONE:
        raise fields.fail("market_result", "a settlement without a result")
    return _build(
        fields,
        SettlementReport,
        ticker=fields.identifier("ticker"),
        event_ticker=fields.string("event_ticker", required=False),
        market_result=result,
        yes_count=fields.required_count("yes_count_fp", "yes_count"),
        no_count=fields.required_count("no_count_fp", "no_count"),
        yes_total_cost=fields.amount("yes_total_cost_dollars", "yes_total_cost") or ZERO,
        no_total_cost=fields.amount("no_total_cost_dollars", "no_total_cost") or ZERO,
        revenue=revenue,
        fee_cost=fields.amount("fee_cost") or ZERO,
        value=fields.price("value_dollars", "value"),
        settled_time=fields.timestamp("settled_time"),
    )


# ------------------------------------------------------------------------------- requests


def yes_side_quote(side: Side, price: Decimal) -> tuple[str, Decimal]:
    """V2 quotes everything from the YES side: buy YES at p = bid p; buy NO at q = ask 1-q."""
    if side is Side.YES:
        return "bid", price
    return "ask", ONE - price


def build_create_order_body(
    *,
    ticker: str,
    side: Side,
    price: Decimal,
    count: Decimal,
    client_order_id: str,
    time_in_force: TimeInForce = TimeInForce.IMMEDIATE_OR_CANCEL,
    self_trade_prevention: SelfTradePrevention = SelfTradePrevention.TAKER_AT_CROSS,
    post_only: bool | None = None,
    reduce_only: bool | None = None,
    expiration_time: int | None = None,
    cancel_order_on_pause: bool | None = None,
    order_group_id: str | None = None,
    subaccount: int | None = None,
) -> dict[str, Any]:
    """The JSON body of `POST /portfolio/events/orders` to buy `count` of `side` at `price`.

    `price` is that side's price in dollars. Raises ValueError (before anything is sent)
    for values the venue would refuse anyway.
    """
    if not ticker:
        raise ValueError("ticker is empty")
    if not client_order_id:
        raise ValueError("client_order_id is required: it is how a lost answer is found again")
    if isinstance(price, float) or isinstance(count, float):
        raise ValueError("price and count must be Decimal, never float")
    if not ZERO < price < ONE:
        raise ValueError(f"price {price} is not strictly between $0 and $1")
    if count <= 0:
        raise ValueError(f"count {count} must be positive")
    tif = TimeInForce(time_in_force)
    if expiration_time is not None and tif is TimeInForce.IMMEDIATE_OR_CANCEL:
        raise ValueError("expiration_time cannot be combined with immediate_or_cancel")
    if reduce_only and tif is not TimeInForce.IMMEDIATE_OR_CANCEL:
        raise ValueError("reduce_only is only accepted with immediate_or_cancel")
    book_side, yes_price = yes_side_quote(Side(side), price)
    body: dict[str, Any] = {
        "ticker": ticker,
        "client_order_id": client_order_id,
        "side": book_side,
        "count": count_str(count),
        "price": dollar_str(yes_price, 4),
        "time_in_force": tif.value,
        "self_trade_prevention_type": SelfTradePrevention(self_trade_prevention).value,
    }
    optional: dict[str, Any] = {
        "post_only": post_only,
        "reduce_only": reduce_only,
        "expiration_time": expiration_time,
        "cancel_order_on_pause": cancel_order_on_pause,
        "order_group_id": order_group_id,
        "subaccount": subaccount,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body
