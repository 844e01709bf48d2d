"""Validation of a V2 create-order body (`POST /portfolio/events/orders`) into an OrderRequest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.money import ZERO
from infra.sim.models import BookSide, SelfTradePrevention, TimeInForce
from infra.sim.wire import FOUR_PLACES, ApiError

_DECIMAL_TEXT = re.compile(r"^\d+(\.\d+)?$")
MAX_COUNT = Decimal(1_000_000)
MAX_CLIENT_ORDER_ID = 64


@dataclass(frozen=True)
class OrderRequest:
    ticker: str
    client_order_id: str
    side: BookSide
    count: Decimal
    price_cents: Decimal  # YES price in cents (tenths of a cent on tapered ticks)
    time_in_force: TimeInForce
    self_trade_prevention: SelfTradePrevention
    post_only: bool
    reduce_only: bool
    expiration_ts: int | None


def _invalid(details: str) -> ApiError:
    return ApiError(400, "invalid_order", "invalid order", details)


def _decimal_text(value: Any) -> Decimal | None:
    if not isinstance(value, str) or not _DECIMAL_TEXT.match(value.strip()):
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return None


def parse_price(value: Any) -> Decimal:
    """A FixedPointDollars string with at most four decimals, strictly inside ($0, $1), as YES
    cents (a Decimal: sub-penny where the market's ticks allow; the engine checks them)."""
    price = _decimal_text(value)
    if price is None:
        raise ApiError(400, "invalid_price", "invalid price", "price must be a decimal string")
    if not ZERO < price < 1:
        raise ApiError(400, "invalid_price", "invalid price", "price must be above 0 and below 1")
    if price != price.quantize(FOUR_PLACES):
        raise ApiError(400, "invalid_price", "invalid price", "price has more than 4 decimals")
    return price * 100


def parse_count(value: Any) -> Decimal:
    """A FixedPointCount string, > 0, with at most two decimals."""
    count = _decimal_text(value)
    if count is None:
        raise ApiError(
            400, "invalid_order_size", "invalid order size", "count must be a decimal string"
        )
    if count <= 0 or count > MAX_COUNT:
        raise ApiError(400, "invalid_order_size", "invalid order size", "count out of range")
    if count != count.quantize(Decimal("0.01")):
        raise ApiError(
            400, "invalid_order_size", "invalid order size", "count has more than two decimals"
        )
    return count


def _enum(value: Any, kind: type[TimeInForce] | type[SelfTradePrevention], name: str) -> Any:
    if not isinstance(value, str):
        raise _invalid(f"{name} is required")
    try:
        return kind(value)
    except ValueError as exc:
        raise _invalid(f"invalid {name}: {value!r}") from exc


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _invalid(f"{name} must be a boolean")
    return value


def parse_order(body: Any) -> OrderRequest:
    """Field checks that need no exchange state; the engine checks market, balance and ids."""
    if not isinstance(body, dict):
        raise _invalid("request body must be a JSON object")
    ticker = body.get("ticker")
    if not isinstance(ticker, str) or not ticker:
        raise _invalid("ticker is required")
    client_order_id = body.get("client_order_id") or ""
    if not isinstance(client_order_id, str) or len(client_order_id) > MAX_CLIENT_ORDER_ID:
        raise _invalid("client_order_id must be a string of at most 64 characters")
    side = body.get("side")
    if side not in {"bid", "ask"}:
        raise _invalid("side must be 'bid' or 'ask'")
    if "count" not in body:
        raise _invalid("count is required")
    if "price" not in body:
        raise _invalid("price is required")
    price_cents = parse_price(body["price"])
    count = parse_count(body["count"])
    tif = _enum(body.get("time_in_force"), TimeInForce, "time_in_force")
    stp = _enum(
        body.get("self_trade_prevention_type"), SelfTradePrevention, "self_trade_prevention_type"
    )
    post_only = _flag(body, "post_only")
    reduce_only = _flag(body, "reduce_only")
    expiration = body.get("expiration_time")
    if expiration is not None and (isinstance(expiration, bool) or not isinstance(expiration, int)):
        raise _invalid("expiration_time must be Unix seconds")
    if expiration is not None and tif is not TimeInForce.GOOD_TILL_CANCELED:
        raise _invalid("expiration_time is only allowed with good_till_canceled")
    if post_only and tif is not TimeInForce.GOOD_TILL_CANCELED:
        raise _invalid("post_only is only allowed with good_till_canceled")
    if reduce_only and tif is not TimeInForce.IMMEDIATE_OR_CANCEL:
        raise _invalid("reduce_only is only accepted with immediate_or_cancel")
    return OrderRequest(
        ticker=ticker,
        client_order_id=client_order_id,
        side=BookSide(side),
        count=count,
        price_cents=price_cents,
        time_in_force=tif,
        self_trade_prevention=stp,
        post_only=post_only,
        reduce_only=reduce_only,
        expiration_ts=expiration,
    )
