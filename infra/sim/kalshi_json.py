"""Kalshi's current (late-2026) response shapes: dollar strings, fixed-point counts, RFC 3339.

The fields, JSON types and string formats are those of the real captured answers in
tests/corpus/kalshi; tests/infra/sim/test_real_shapes.py diffs them and names every difference
it allows.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from domain.money import ZERO
from infra.sim.book import book_levels
from infra.sim.catalog import DAY, HOUR
from infra.sim.combos import COMBO_COLLECTION
from infra.sim.engine import Exchange
from infra.sim.ledger import Result
from infra.sim.models import (
    Account,
    BookSide,
    EventState,
    Fill,
    MarketState,
    Order,
    PositionState,
    SeriesState,
    Settlement,
    Status,
    Trade,
)
from infra.sim.quotes import last_price, top_of_book, top_sizes
from infra.sim.ticks import price_ranges
from infra.sim.wire import cents_dollars, count, dollars, exact_dollars, from_ts, rfc3339

_EMPTY_SIZE = "0.00"


@lru_cache(maxsize=1 << 16)
def _time(ts: float) -> str:
    return rfc3339(from_ts(ts))


def _top(market: MarketState, epoch: int) -> tuple[int | None, Decimal, int | None, Decimal]:
    """(best YES bid, its size, best NO bid, its size). The common case (market maker only,
    nothing consumed) skips building the whole book: listings of 10k markets stay fast."""
    untouched = not market.mm_consumed
    plain = market.pinned is None and not market.resting and untouched
    if market.status is Status.ACTIVE and plain:
        bid, ask = top_of_book(market, epoch)
        yes_size, no_size = top_sizes(market, epoch)
        return bid, yes_size, 100 - ask, no_size
    yes, no = book_levels(market, epoch)
    best_yes = max(yes) if yes else None
    best_no = max(no) if no else None
    return (
        best_yes,
        yes[best_yes] if best_yes else ZERO,
        best_no,
        no[best_no] if best_no else ZERO,
    )


def _quote_fields(market: MarketState, epoch: int) -> dict[str, Any]:
    best_yes, yes_size, best_no, no_size = _top(market, epoch)
    return {
        "yes_bid_dollars": cents_dollars(best_yes or 0),
        "yes_ask_dollars": cents_dollars(100 - best_no if best_no else 100),
        "no_bid_dollars": cents_dollars(best_no or 0),
        "no_ask_dollars": cents_dollars(100 - best_yes if best_yes else 100),
        "yes_bid_size_fp": count(yes_size) if best_yes else _EMPTY_SIZE,
        "yes_ask_size_fp": count(no_size) if best_no else _EMPTY_SIZE,
    }


def _history_fields(exchange: Exchange, market: MarketState, epoch: int) -> dict[str, Any]:
    """Last price, a-day-ago prices and volumes, all at re-quote granularity (cache friendly)."""
    interval = exchange.config.quote_interval_seconds
    frozen_epoch = min(epoch, exchange.epoch_of(market.close_ts))
    day_ago = max(exchange.epoch_of(market.open_ts), frozen_epoch - int(DAY // interval))
    prev_bid, prev_ask = top_of_book(market, day_ago)
    last = market.last_trade_cents
    if last is None:
        last = last_price(market, frozen_epoch)
    open_hours = max(0.0, (min(frozen_epoch * interval, market.close_ts) - market.open_ts) / HOUR)
    synthetic = Decimal(int(market.volume_per_hour * open_hours))
    synthetic_24h = Decimal(int(market.volume_per_hour * min(open_hours, 24.0)))
    return {
        "last_price_dollars": cents_dollars(last),
        "previous_yes_bid_dollars": cents_dollars(prev_bid),
        "previous_yes_ask_dollars": cents_dollars(prev_ask),
        "previous_price_dollars": cents_dollars(last_price(market, day_ago)),
        "volume_fp": count(synthetic + market.traded),
        "volume_24h_fp": count(synthetic_24h + market.traded),
        "open_interest_fp": count((synthetic * 2 / 5).to_integral_value() + market.traded),
    }


def market_json(exchange: Exchange, market: MarketState) -> dict[str, Any]:
    """The Market object; cached per (state version, re-quote epoch). Callers must not mutate."""
    epoch = exchange.epoch
    cached = market.json_cache
    if cached is not None and cached[0] == market.version and cached[1] == epoch:
        return cached[2]
    data: dict[str, Any] = {
        "ticker": market.ticker,
        "event_ticker": market.event_ticker,
        "market_type": market.market_type,
        "title": market.title,
        "subtitle": market.subtitle,
        "yes_sub_title": market.yes_sub_title,
        "no_sub_title": market.no_sub_title,
        "rules_primary": market.rules_primary,
        "rules_secondary": market.rules_secondary,
        "created_time": _time(market.created_ts),
        "updated_time": _time(market.updated_ts),
        "open_time": _time(market.open_ts),
        "close_time": _time(market.close_ts),
        "expected_expiration_time": _time(
            market.close_ts + exchange.config.determination_delay_seconds
        ),
        "expiration_time": _time(market.latest_expiration_ts),
        "latest_expiration_time": _time(market.latest_expiration_ts),
        "settlement_timer_seconds": market.settlement_timer_seconds,
        "status": str(market.status),
        **_quote_fields(market, epoch),
        **_history_fields(exchange, market, epoch),
        "notional_value_dollars": "1.0000",
        "liquidity_dollars": "0.0000",  # what the venue sends, always (tests/corpus/kalshi)
        # The Market schema's result enum has no void (yes/no/scalar/""): a voided market
        # shows "" while its settlement records say void (A5.14 legacy).
        "result": "" if market.result == Result.VOID else market.result,
        "expiration_value": "",
        "can_close_early": False,
        "early_close_condition": "This market closes at its close time.",
        "strike_type": market.strike_type,
        "floor_strike": market.floor_strike,
        "cap_strike": market.cap_strike,
        "price_level_structure": market.price_structure,
        "price_ranges": price_ranges(market.price_structure),
        # Not in the real captures, but the official SDK's Market model requires it.
        "settlement_bounds_type": "default",
        "exchange_index": 0,
    }
    if market.is_combo:  # A5.3 optional combo fields
        data["mve_collection_ticker"] = COMBO_COLLECTION
        data["mve_selected_legs"] = [
            {
                "event_ticker": exchange.markets_by_ticker[leg].event_ticker,
                "market_ticker": leg,
                "side": "yes",
            }
            for leg in market.legs
        ]
    if market.settlement_value is not None:
        data["settlement_value_dollars"] = dollars(market.settlement_value)
    elif market.result in {Result.YES, Result.NO}:
        data["settlement_value_dollars"] = "1.0000" if market.result == Result.YES else "0.0000"
    if market.settled_ts is not None:
        data["settlement_ts"] = _time(market.settled_ts)
    for key in ("strike_type", "floor_strike", "cap_strike"):  # absent, never null
        if data[key] is None:
            del data[key]
    market.json_cache = (market.version, epoch, data)
    return data


def orderbook_json(exchange: Exchange, market: MarketState, depth: int) -> dict[str, Any]:
    """Bids only, ascending by price, best (highest) last; `depth` > 0 keeps the N best."""
    yes, no = book_levels(market, exchange.epoch)

    def side(levels: dict[int, Decimal]) -> list[list[str]]:
        prices = sorted(p for p, size in levels.items() if size > 0)
        if depth > 0:
            prices = prices[-depth:]
        return [[cents_dollars(p), count(levels[p])] for p in prices]

    return {"orderbook_fp": {"yes_dollars": side(yes), "no_dollars": side(no)}}


def event_json(
    exchange: Exchange, event: EventState, *, nested: bool, with_markets: bool = False
) -> dict[str, Any]:
    series = exchange.series[event.series_ticker]
    markets = [exchange.markets_by_ticker[t] for t in event.market_tickers]
    data: dict[str, Any] = {
        "event_ticker": event.event_ticker,
        "series_ticker": event.series_ticker,
        "title": event.title,
        "sub_title": event.sub_title,
        "collateral_return_type": "MECNET" if event.mutually_exclusive else "",
        "mutually_exclusive": event.mutually_exclusive,
        "category": event.category,
        "settlement_sources": [{"name": series.source_name, "url": series.source_url}],
        "strike_period": "",
        "available_on_brokers": True,
        "product_metadata": {},
        "last_updated_ts": _time(max(m.updated_ts for m in markets)),
        "exchange_index": 0,
    }
    if event.fee_override is not None:  # A5.6
        data["fee_type_override"] = str(event.fee_override.fee_type)
        data["fee_multiplier_override"] = _multiplier(event.fee_override.multiplier)
    if nested or with_markets:
        data["markets"] = [market_json(exchange, m) for m in markets]
    return data


def _multiplier(value: Decimal) -> int | float:
    """Series.fee_multiplier is a JSON number (SDK 3.34: StrictFloat | StrictInt)."""
    return int(value) if value == value.to_integral_value() else float(value)


def series_json(exchange: Exchange, series: SeriesState) -> dict[str, Any]:
    """SDK 3.34 Series: `categories` (discovery categories, may be empty) is required by the
    SDK's model, though the real captured series do not carry it."""
    return {
        "ticker": series.ticker,
        "frequency": series.frequency,
        "title": series.title,
        "category": series.category,
        "categories": [series.category],
        "tags": list(series.tags),
        "settlement_sources": [{"name": series.source_name, "url": series.source_url}],
        "contract_url": f"https://kalshi.com/markets/{series.ticker.lower()}",
        "contract_terms_url": f"https://kalshi.com/regulatory/rulebook/{series.ticker}",
        "fee_type": str(series.fees.fee_type),
        "fee_multiplier": _multiplier(series.fees.multiplier),
        "additional_prohibitions": [],
        "product_metadata": {},
        "exchange_index": 0,
        "last_updated_ts": _time(exchange.started_ts),
    }


def _legacy_direction(book_side: BookSide, sells: bool) -> tuple[str, str]:
    """Deprecated `side`/`action` (A5.9 direction rule): buy-yes and sell-no are bids, buy-no
    and sell-yes are asks. An order or fill that closes a held position is the sale."""
    if sells:
        return ("no" if book_side is BookSide.BID else "yes"), "sell"
    return book_side.outcome, "buy"


def order_json(order: Order) -> dict[str, Any]:
    side, action = _legacy_direction(order.book_side, order.closes)
    return {
        "order_id": order.order_id,
        "user_id": order.user_id,
        "client_order_id": order.client_order_id,
        "ticker": order.ticker,
        "outcome_side": order.book_side.outcome,
        "book_side": str(order.book_side),
        "side": side,
        "action": action,
        "type": "limit",
        "status": str(order.status),
        "yes_price_dollars": cents_dollars(order.price_cents),
        "no_price_dollars": cents_dollars(100 - order.price_cents),
        "fill_count_fp": count(order.filled),
        "remaining_count_fp": count(order.remaining),
        "initial_count_fp": count(order.initial),
        "taker_fill_cost_dollars": dollars(order.taker_cost),
        "maker_fill_cost_dollars": dollars(order.maker_cost),
        "taker_fees_dollars": exact_dollars(order.taker_fees),
        "maker_fees_dollars": exact_dollars(order.maker_fees),
        "time_in_force": str(order.time_in_force),
        "post_only": order.post_only,
        "expiration_time": None if order.expiration_ts is None else _time(order.expiration_ts),
        "created_time": _time(order.created_ts),
        "last_update_time": _time(order.updated_ts),
        "self_trade_prevention_type": str(order.self_trade_prevention),
        "order_group_id": None,
        "cancel_order_on_pause": False,
        "subaccount_number": 0,
        "exchange_index": 0,
    }


def fill_json(fill: Fill, *, without_rounding: bool = False) -> dict[str, Any]:
    """Every current A5.13 Fill field; `fee_cost` is the fill's net fee (A7), or its trade fee
    alone with `without_rounding` (the `fee_cost_without_rounding` fault)."""
    side, action = _legacy_direction(fill.book_side, fill.closed > 0)
    return {
        "fill_id": fill.fill_id,
        "trade_id": fill.trade_id,
        "order_id": fill.order_id,
        "ticker": fill.ticker,
        "market_ticker": fill.ticker,
        "outcome_side": fill.book_side.outcome,
        "book_side": str(fill.book_side),
        "side": side,
        "action": action,
        "count_fp": count(fill.count),
        "yes_price_dollars": cents_dollars(fill.yes_cents),
        "no_price_dollars": cents_dollars(100 - fill.yes_cents),
        "is_taker": fill.is_taker,
        "created_time": _time(fill.ts),
        "ts": int(fill.ts),
        "fee_cost": exact_dollars(fill.trade_fee if without_rounding else fill.fee),
        "subaccount_number": 0,
        "exchange_index": 0,
    }


def trade_json(trade: Trade) -> dict[str, Any]:
    """A5.15 / SDK 3.34 Trade: the taker's direction both ways, and the deprecated taker_side."""
    outcome = "yes" if trade.taker_buys_yes else "no"
    return {
        "trade_id": trade.trade_id,
        "ticker": trade.ticker,
        "count_fp": count(trade.count),
        "yes_price_dollars": cents_dollars(trade.yes_cents),
        "no_price_dollars": cents_dollars(100 - trade.yes_cents),
        "taker_side": outcome,
        "taker_outcome_side": outcome,
        "taker_book_side": "bid" if trade.taker_buys_yes else "ask",
        "created_time": _time(trade.ts),
        "is_block_trade": False,
    }


def position_json(position: PositionState) -> dict[str, Any]:
    return {
        "ticker": position.ticker,
        "position_fp": count(position.position),
        "market_exposure_dollars": exact_dollars(position.exposure),
        "realized_pnl_dollars": exact_dollars(position.realized),
        "fees_paid_dollars": exact_dollars(position.fees),
        "total_traded_dollars": dollars(position.traded),
        "last_updated_ts": _time(position.updated_ts),
        "exchange_index": 0,
    }


def event_positions_json(positions: list[PositionState]) -> list[dict[str, Any]]:
    grouped: dict[str, list[PositionState]] = {}
    for position in positions:
        grouped.setdefault(position.event_ticker, []).append(position)
    return [
        {
            "event_ticker": event_ticker,
            "total_cost_dollars": dollars(sum((p.traded for p in items), ZERO)),
            "total_cost_shares_fp": count(sum((abs(p.position) for p in items), ZERO)),
            "event_exposure_dollars": dollars(sum((p.exposure for p in items), ZERO)),
            "realized_pnl_dollars": dollars(sum((p.realized for p in items), ZERO)),
            "fees_paid_dollars": dollars(sum((p.fees for p in items), ZERO)),
        }
        for event_ticker, items in grouped.items()
    ]


def settlement_json(record: Settlement) -> dict[str, Any]:
    """A5.14: counts and costs of the contracts held at settlement, `revenue` and `value` in
    integer cents, `fee_cost` the trade fees paid on the market."""
    return {
        "ticker": record.ticker,
        "event_ticker": record.event_ticker,
        "market_result": record.result,
        "yes_count_fp": count(record.yes_count),
        "yes_total_cost_dollars": exact_dollars(record.yes_cost),
        "no_count_fp": count(record.no_count),
        "no_total_cost_dollars": exact_dollars(record.no_cost),
        "revenue": record.revenue_cents,
        "settled_time": _time(record.settled_ts),
        "fee_cost": exact_dollars(record.fee_cost),
        "value": record.value_cents,
        "exchange_index": 0,
    }


def balance_json(exchange: Exchange, account: Account) -> dict[str, Any]:
    """`balance` and `portfolio_value` are integer cents (truncated); positions at their bid."""
    value = account.balance
    for position in account.positions.values():
        if position.settled or position.position == 0:
            continue
        market = exchange.markets_by_ticker[position.ticker]
        if market.status is not Status.ACTIVE:
            continue
        best_yes, best_no = exchange.top_prices(market)
        bid = best_yes if position.position > 0 else best_no
        value += abs(position.position) * Decimal(bid or 0) / 100
    return {
        "balance": int(account.balance * 100),
        "balance_dollars": dollars(account.balance),
        "portfolio_value": int(value * 100),
        "updated_ts": int(account.updated_ts),
    }
