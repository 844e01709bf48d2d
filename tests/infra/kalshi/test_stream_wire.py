"""The venue's WebSocket messages as published (tests/corpus/kalshi-ws, provenance in its
README) read into the bot's records (the simulator's are checked against them in
tests/infra/sim/test_stream.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.models import Side
from infra.kalshi.errors import MalformedResponse
from infra.kalshi.stream_wire import LiveBook, parse_frame, parse_pushed_fill
from tests.corpus_data import CORPUS

WS = CORPUS / "kalshi-ws"


def raw(name: str) -> str:
    return (WS / name).read_text(encoding="utf-8")


def test_the_venues_fill_example_reads_as_a_fill_with_its_trade_id_as_the_fill_id() -> None:
    frame = parse_frame(raw("fill-asyncapi-example.json"))
    assert (frame.type, frame.sid, frame.seq) == ("fill", 13, None)  # no seq: checked if sent
    fill = parse_pushed_fill(frame.msg)
    assert fill.fill_id == "d91bc706-ee49-470d-82d8-11418bda6fed"  # REST: "same as fill_id"
    assert (fill.ticker, fill.side, fill.count) == ("HIGHNY-22DEC23-B53.5", Side.YES, Decimal(278))
    assert (fill.yes_price, fill.fee, fill.is_taker) == (Decimal("0.75"), Decimal(0), True)
    assert fill.created_time == datetime.fromtimestamp(1671899397, UTC)


def test_a_fill_time_in_milliseconds_is_kept_to_the_millisecond() -> None:
    msg = json.loads(raw("fill-asyncapi-example.json"))["msg"] | {"ts_ms": 1671899397123}
    assert parse_pushed_fill(msg).created_time == datetime(
        2022, 12, 24, 16, 29, 57, 123000, tzinfo=UTC
    )


def test_a_fill_without_a_price_is_refused_not_guessed() -> None:
    msg = json.loads(raw("fill-asyncapi-example.json"))["msg"]
    del msg["yes_price_dollars"]
    with pytest.raises(MalformedResponse):
        parse_pushed_fill(msg)


def test_a_book_from_its_snapshot_and_deltas() -> None:
    snapshot = parse_frame(raw("orderbook-snapshot-nautilus.json"))
    delta = parse_frame(raw("orderbook-delta-nautilus.json"))
    assert (snapshot.seq, delta.seq) == (1, 2)
    book = LiveBook.from_snapshot(snapshot.msg)
    at = datetime(2025, 3, 1, tzinfo=UTC)
    quote = book.quote("KXBTC-25MAR15-B100000", at)
    assert (quote.yes_bid, quote.yes_ask) == (Decimal("0.42"), Decimal("0.44"))  # 1 - 0.56
    book.apply(delta.msg["side"], delta.msg["price_dollars"], delta.msg["delta_fp"])
    assert book.yes[Decimal("0.42")] == Decimal(63)
    book.apply("yes", "0.4200", "-63.00")  # a level that empties is gone
    assert book.quote("X", at).yes_bid == Decimal("0.35")


def test_a_message_that_is_not_json_or_has_no_type_is_refused() -> None:
    for text in ("{not json", "[]", '{"sid": 1}'):
        with pytest.raises(MalformedResponse):
            parse_frame(text)
