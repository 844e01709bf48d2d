"""What the venue's WebSocket sends (A8), read into the bot's records.

Frames are `{"type", "sid", "seq", "msg"}` (data) or `{"id", "type", "msg"}` (answers to
commands). A `fill` message is the REST fill (A5.13) under other names: its id is `trade_id`
(REST documents `trade_id` as "same as fill_id"), `market_ticker`, and `ts` (seconds) with
`ts_ms`; it is read by the REST parser, so a fill pushed and the same fill listed by REST are one
record, deduplicated by id in the book's fold. Where `ts_ms` is sent the fill's time is taken to
the millisecond, as REST's `created_time` gives it.

Where the reference (A8: every data message has a per-subscription `seq`) and the venue's
examples disagree, the examples win: Kalshi's own AsyncAPI example of a `fill` has no `seq`, nor
do third-party captures of `user_order`; `orderbook_*` always carry one. So `seq` is checked
where it is sent and never required. A `fill` carries what catches a lost one instead:
`post_position_fp`, the market's position after it, which must be the last one's plus this
fill's contracts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.models import FillReport
from infra.kalshi.errors import MalformedResponse
from infra.kalshi.fields import Fields
from infra.kalshi.wire import parse_fill

ENDPOINT = "websocket"
ONE = Decimal(1)


@dataclass(frozen=True)
class Frame:
    type: str
    sid: int | None
    seq: int | None
    id: int | None
    msg: dict[str, Any]


def parse_frame(text: str | bytes) -> Frame:
    """One message; raises MalformedResponse if it is not a JSON object with a `type`."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise MalformedResponse(ENDPOINT, "", f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise MalformedResponse(ENDPOINT, "type", "a message without a type")
    msg = data.get("msg")

    def integer(name: str) -> int | None:
        value = data.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Frame(
        type=data["type"],
        sid=integer("sid"),
        seq=integer("seq"),
        id=integer("id"),
        msg=msg if isinstance(msg, dict) else {},
    )


def parse_pushed_fill(msg: dict[str, Any]) -> FillReport:
    """A `fill` message's body as the bot's fill record; raises MalformedResponse."""
    fields = Fields(ENDPOINT, msg, "fill.msg")
    fill = parse_fill(fields)
    millis = msg.get("ts_ms")
    if "created_time" not in msg and isinstance(millis, int) and not isinstance(millis, bool):
        try:
            at = datetime.fromtimestamp(millis / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise fields.fail("ts_ms", f"{millis} is not a Unix time in ms") from None
        if int(at.timestamp()) == int(fill.created_time.timestamp()):
            fill = fill.replace(created_time=at.replace(microsecond=millis % 1000 * 1000))
    return fill


def post_position(msg: dict[str, Any]) -> Decimal | None:
    """A `fill` message's `post_position_fp`: the market's position after it (+ YES, - NO);
    None if absent or unreadable (then nothing is checked with it)."""
    try:
        value = Decimal(str(msg["post_position_fp"]))
    except (KeyError, InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


ENDED = frozenset({"canceled", "executed"})


def ended_order(msg: dict[str, Any]) -> str | None:
    """A `user_order` message's client order id if the order is over; None otherwise."""
    status, client_order_id = msg.get("status"), msg.get("client_order_id")
    if status in ENDED and isinstance(client_order_id, str) and client_order_id:
        return client_order_id
    return None


def _price(value: Any) -> Decimal | None:
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return price if price.is_finite() and 0 <= price <= ONE else None


@dataclass(frozen=True)
class Quote:
    """A market's top of book as last pushed (None: no order on that side)."""

    ticker: str
    yes_bid: Decimal | None
    yes_ask: Decimal | None
    at: datetime


def quote_from_ticker(msg: dict[str, Any], at: datetime) -> Quote | None:
    """A `ticker` message's top of book; None if it names no market."""
    ticker = msg.get("market_ticker")
    if not isinstance(ticker, str) or not ticker:
        return None
    bid, ask = _price(msg.get("yes_bid_dollars")), _price(msg.get("yes_ask_dollars"))
    return Quote(ticker, bid if bid else None, ask if ask is not None and ask < ONE else None, at)


@dataclass
class LiveBook:
    """One market's book from `orderbook_snapshot` and `orderbook_delta` (bids only, A10.4:
    the YES ask is $1 less the best NO bid)."""

    yes: dict[Decimal, Decimal] = field(default_factory=dict)
    no: dict[Decimal, Decimal] = field(default_factory=dict)

    @classmethod
    def from_snapshot(cls, msg: dict[str, Any]) -> LiveBook:
        book = cls()
        for side, levels in (("yes", msg.get("yes_dollars_fp")), ("no", msg.get("no_dollars_fp"))):
            for level in levels or ():
                book.apply(side, level[0], level[1])
        return book

    def apply(self, side: Any, price_text: Any, delta_text: Any) -> None:
        levels = self.yes if side == "yes" else self.no if side == "no" else None
        price = _price(price_text)
        try:
            delta = Decimal(str(delta_text))
        except (InvalidOperation, ValueError):
            return
        if levels is None or price is None or not delta.is_finite():
            return
        size = levels.get(price, Decimal(0)) + delta
        if size > 0:
            levels[price] = size
        else:
            levels.pop(price, None)

    def quote(self, ticker: str, at: datetime) -> Quote:
        yes_bid = max(self.yes) if self.yes else None
        no_bid = max(self.no) if self.no else None
        return Quote(ticker, yes_bid, None if no_bid is None else ONE - no_bid, at)
