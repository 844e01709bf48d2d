"""Canned Kalshi answers shaped like the reference's examples (current and legacy eras).

Hand-written, so no evidence of the venue: the real captured answers are in tests/corpus/kalshi.
"""

from __future__ import annotations

import copy
from typing import Any


def market(ticker: str = "KXHIGHNY-26OCT01-T60", **changes: Any) -> dict[str, Any]:
    """A current (v3.34) Market: dollar strings and fixed-point counts only."""
    base: dict[str, Any] = {
        "ticker": ticker,
        "event_ticker": "KXHIGHNY-26OCT01",
        "market_type": "binary",
        "title": "Will the high temp in NYC be >60° on Oct 1, 2026?",
        "yes_sub_title": "61° or above",
        "no_sub_title": "60° or below",
        "rules_primary": "If the highest temperature ... is greater than 60°, Yes.",
        "rules_secondary": "",
        "created_time": "2026-09-25T14:00:00Z",
        "updated_time": "2026-09-30T10:00:00Z",
        "open_time": "2026-09-25T14:00:00Z",
        "close_time": "2026-10-02T03:59:00Z",
        "latest_expiration_time": "2026-10-09T14:00:00Z",
        "settlement_timer_seconds": 1800,
        "status": "active",
        "yes_bid_dollars": "0.5600",
        "yes_ask_dollars": "0.5800",
        "no_bid_dollars": "0.4200",
        "no_ask_dollars": "0.4400",
        "last_price_dollars": "0.5700",
        "previous_yes_bid_dollars": "0.5000",
        "previous_yes_ask_dollars": "0.5200",
        "previous_price_dollars": "0.5100",
        "notional_value_dollars": "1.0000",
        "yes_bid_size_fp": "150.00",
        "yes_ask_size_fp": "75.00",
        "volume_fp": "12345.50",
        "volume_24h_fp": "2300.00",
        "open_interest_fp": "8000.00",
        "result": "",
        "expiration_value": "",
        "can_close_early": True,
        "price_level_structure": "linear_cent",
        # As real markets send it (tests/corpus/kalshi): a band touching $0 and $1.
        "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
        "settlement_bounds_type": "default",
        "exchange_index": 0,
    }
    base.update(changes)
    return base


def legacy_market(ticker: str = "KXOLD-25NOV01-T1", **changes: Any) -> dict[str, Any]:
    """A Nov 2025 Market: integer cents and integer counts, no `_dollars`/`_fp`."""
    base: dict[str, Any] = {
        "ticker": ticker,
        "event_ticker": "KXOLD-25NOV01",
        "title": "Old market",
        "subtitle": "legacy subtitle",
        "status": "active",
        "yes_bid": 56,
        "yes_ask": 58,
        "no_bid": 42,
        "no_ask": 44,
        "last_price": 57,
        "volume": 1200,
        "volume_24h": 30,
        "open_interest": 800,
        "open_time": "2025-11-01T00:00:00Z",
        "close_time": "2025-11-02T00:00:00Z",
        "result": "",
        "response_price_units": "usd_cent",
        "tick_size": 1,
    }
    base.update(changes)
    return base


def markets_page(markets: list[dict[str, Any]], cursor: str | None = "") -> dict[str, Any]:
    page: dict[str, Any] = {"markets": markets}
    if cursor is not None:
        page["cursor"] = cursor
    return page


ORDERBOOK_CURRENT: dict[str, Any] = {
    "orderbook_fp": {
        "yes_dollars": [["0.4000", "10.00"], ["0.4100", "5.50"], ["0.4200", "13.00"]],
        "no_dollars": [["0.5500", "3.00"], ["0.5600", "20.00"]],
    }
}

ORDERBOOK_LEGACY_CENTS: dict[str, Any] = {
    "orderbook": {"yes": [[40, 10], [42, 13]], "no": [[55, 3], [56, 20]]}
}

ORDERBOOK_LEGACY_DOLLARS: dict[str, Any] = {
    "orderbook": {
        "yes": [[40, 10], [42, 13]],
        "no": [[56, 20]],
        "yes_dollars": [["0.4000", 10], ["0.4200", 13]],
        "no_dollars": [["0.5600", 20]],
    }
}


def order(
    order_id: str = "ord-1", client_order_id: str = "cid-1", **changes: Any
) -> dict[str, Any]:
    """A current (v3.32) Order."""
    base: dict[str, Any] = {
        "order_id": order_id,
        "user_id": "user-1",
        "client_order_id": client_order_id,
        "ticker": "KXHIGHNY-26OCT01-T60",
        "outcome_side": "yes",
        "book_side": "bid",
        "type": "limit",
        "status": "executed",
        "yes_price_dollars": "0.5600",
        "no_price_dollars": "0.4400",
        "fill_count_fp": "10.00",
        "remaining_count_fp": "0.00",
        "initial_count_fp": "10.00",
        "taker_fill_cost_dollars": "5.600000",
        "maker_fill_cost_dollars": "0.000000",
        "taker_fees_dollars": "0.1800",
        "maker_fees_dollars": None,
        "expiration_time": None,
        "created_time": "2026-10-01T12:00:00.123456Z",
        "last_update_time": "2026-10-01T12:00:00.200Z",
        "self_trade_prevention_type": "taker_at_cross",
        "order_group_id": None,
        "cancel_order_on_pause": False,
        "subaccount_number": 0,
        "exchange_index": 0,
    }
    base.update(changes)
    return base


LEGACY_ORDER: dict[str, Any] = {
    "order_id": "ord-old",
    "user_id": "user-1",
    "client_order_id": "cid-old",
    "ticker": "KXOLD-25NOV01-T1",
    "side": "no",
    "action": "buy",
    "type": "limit",
    "status": "resting",
    "yes_price": 60,
    "no_price": 40,
    "fill_count": 2,
    "remaining_count": 3,
    "initial_count": 5,
    "taker_fees": 2,
    "maker_fees": 0,
    "taker_fill_cost": 80,
    "maker_fill_cost": 0,
    "queue_position": 0,
    "created_time": "2025-11-01T00:00:00Z",
}

CREATE_ACK: dict[str, Any] = {
    "order_id": "ord-1",
    "client_order_id": "cid-1",
    "fill_count": "10.00",
    "remaining_count": "0.00",
    "average_fill_price": "0.5600",
    "average_fee_paid": "0.0180",
    "ts_ms": 1790856000123,
}

CANCEL_ACK: dict[str, Any] = {
    "order_id": "ord-1",
    "client_order_id": "cid-1",
    "reduced_by": "4.00",
    "ts_ms": 1790856000999,
}

FILL_CURRENT: dict[str, Any] = {
    "fill_id": "fill-1",
    "trade_id": "fill-1",
    "order_id": "ord-1",
    "ticker": "KXHIGHNY-26OCT01-T60",
    "market_ticker": "KXHIGHNY-26OCT01-T60",
    "outcome_side": "no",
    "book_side": "ask",
    "count_fp": "10.00",
    "yes_price_dollars": "0.5600",
    "no_price_dollars": "0.4400",
    "is_taker": True,
    "created_time": "2026-10-01T12:00:00Z",
    "ts": 1790856000,
    "fee_cost": "0.1800",
    "subaccount_number": 0,
}

FILL_LEGACY: dict[str, Any] = {
    "fill_id": "fill-old",
    "trade_id": "fill-old",
    "order_id": "ord-old",
    "client_order_id": "cid-old",
    "ticker": "KXOLD-25NOV01-T1",
    "market_ticker": "KXOLD-25NOV01-T1",
    "side": "yes",
    "action": "buy",
    "count": 3,
    "price": 0.56,
    "yes_price": 56,
    "no_price": 44,
    "is_taker": False,
    "ts": 1761955200,
}

POSITION_CURRENT: dict[str, Any] = {
    "ticker": "KXHIGHNY-26OCT01-T60",
    "exchange_index": 0,
    "total_traded_dollars": "12.500000",
    "position_fp": "-5.00",
    "market_exposure_dollars": "2.200000",
    "realized_pnl_dollars": "0.000000",
    "fees_paid_dollars": "0.090000",
    "last_updated_ts": "2026-10-01T12:00:00Z",
}

POSITION_LEGACY: dict[str, Any] = {
    "ticker": "KXOLD-25NOV01-T1",
    "total_traded": 1250,
    "position": 7,
    "market_exposure": 392,
    "realized_pnl": -15,
    "resting_orders_count": 0,
    "fees_paid": 9,
    "last_updated_ts": "2025-11-01T00:00:00Z",
}

SETTLEMENT_CURRENT: dict[str, Any] = {
    "ticker": "KXHIGHNY-26OCT01-T60",
    "exchange_index": 0,
    "event_ticker": "KXHIGHNY-26OCT01",
    "market_result": "yes",
    "yes_count_fp": "10.00",
    "yes_total_cost_dollars": "5.600000",
    "no_count_fp": "0.00",
    "no_total_cost_dollars": "0.000000",
    "revenue": 1000,
    "settled_time": "2026-10-02T05:00:00Z",
    "fee_cost": "0.1800",
    "value": 100,
}

SETTLEMENT_LEGACY: dict[str, Any] = {
    "ticker": "KXOLD-25NOV01-T1",
    "market_result": "void",
    "yes_count": 0,
    "no_count": 4,
    "yes_total_cost": 0,
    "no_total_cost": 176,
    "revenue": 176,
    "settled_time": "2025-11-02T00:00:00Z",
    "fee_cost": "0.0000",
    "value": None,
}

BALANCE_CURRENT: dict[str, Any] = {
    "balance": 123456,
    "balance_dollars": "1234.5678",
    "portfolio_value": 150000,
    "updated_ts": 1790856000,
}

EXCHANGE_STATUS: dict[str, Any] = {
    "exchange_active": True,
    "trading_active": False,
    "exchange_estimated_resume_time": "2026-10-01T09:00:00Z",
    "intra_exchange_transfers_active": True,
    "exchange_index_statuses": [],
}

EVENT: dict[str, Any] = {
    "event_ticker": "KXHIGHNY-26OCT01",
    "series_ticker": "KXHIGHNY",
    "title": "Highest temperature in NYC on Oct 1, 2026?",
    "sub_title": "On Oct 1, 2026",
    "collateral_return_type": "MECNET",
    "mutually_exclusive": True,
    "settlement_sources": None,
    "strike_date": "2026-10-02T03:59:00Z",
    "strike_period": None,
    "product_metadata": {},
    "last_updated_ts": "2026-09-30T10:00:00Z",
}


def copy_of(payload: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(payload)
