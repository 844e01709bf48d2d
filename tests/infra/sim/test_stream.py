"""The simulator's WebSocket (A8) seen by the bot's client (infra/kalshi/stream.py): the signed
handshake, the channels in the venue's wire format, the faults, reconnection and sequence gaps.

Nothing here sleeps to synchronise: each test waits on the sink's events, with a timeout."""

from __future__ import annotations

import json
import logging
import queue
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from domain.models import FillReport, Side
from infra.kalshi.signing import RequestSigner
from infra.kalshi.stream import Backoff, KalshiStream
from infra.sim import SimExchange
from tests.corpus_data import CORPUS
from tests.infra.sim.helpers import KEY_ID

WAIT = 10.0


class Sink:
    """What the stream told the bot, as queues a test can wait on."""

    def __init__(self) -> None:
        self.pushed: queue.Queue[FillReport] = queue.Queue()
        self.resyncs: queue.Queue[str] = queue.Queue()
        self.ended: queue.Queue[str] = queue.Queue()

    def fills(self, fills: tuple[FillReport, ...]) -> None:
        for fill in fills:
            self.pushed.put(fill)

    def resync(self, reason: str) -> None:
        self.resyncs.put(reason)

    def order_ended(self, client_order_id: str) -> None:
        self.ended.put(client_order_id)

    def fill(self) -> FillReport:
        return self.pushed.get(timeout=WAIT)

    def resync_reason(self) -> str:
        return self.resyncs.get(timeout=WAIT)


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def stream(sim: SimExchange, rsa_key: rsa.RSAPrivateKey, sink: Sink) -> Iterator[KalshiStream]:
    client = KalshiStream(
        sim.ws_url,
        RequestSigner(KEY_ID, rsa_key),
        sink,
        backoff=Backoff(initial=0.01, maximum=0.05),
    )
    assert client.down_since() is not None  # not connected yet
    client.start()
    assert client.subscribed.wait(WAIT)
    assert client.down_since() is None
    yield client
    client.stop()


def _trade(sim: SimExchange, count: str = "3") -> str:
    ticker = sim.open_tickers()[0]
    sim.place_external_position(KEY_ID, ticker, "yes", count, "0.40")
    return ticker


def _rest_fill_ids(sim: SimExchange) -> list[str]:
    with sim.exchange.synced() as exchange:
        return [f.fill_id for f in exchange.account(KEY_ID).fills]


def test_a_fill_is_pushed_in_the_venues_wire_format_and_reads_as_the_rest_record(
    sim: SimExchange, stream: KalshiStream, sink: Sink
) -> None:
    ticker = _trade(sim)
    fill = sink.fill()
    assert [fill.fill_id] == _rest_fill_ids(sim)  # `trade_id` is the REST fill's id
    assert (fill.ticker, fill.side, fill.count, fill.yes_price) == (
        ticker,
        Side.YES,
        Decimal(3),
        Decimal("0.40"),
    )


def test_the_handshake_is_signed_and_a_bad_signature_is_refused(
    sim: SimExchange, rsa_key: rsa.RSAPrivateKey
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    headers = RequestSigner(KEY_ID, other).headers("GET", "/trade-api/ws/v2")
    with pytest.raises(InvalidStatus) as refused:
        connect(sim.ws_url, additional_headers=headers, proxy=None)
    assert refused.value.response.status_code == 401
    assert b"INCORRECT_API_KEY_SIGNATURE" in refused.value.response.body
    with pytest.raises(InvalidStatus):
        connect(sim.ws_url, proxy=None)  # no headers at all
    # Signed over another path: refused too (the signature covers GET + /trade-api/ws/v2).
    wrong_path = RequestSigner(KEY_ID, rsa_key).headers("GET", "/trade-api/v2/portfolio/fills")
    with pytest.raises(InvalidStatus):
        connect(sim.ws_url, additional_headers=wrong_path, proxy=None)
    good = RequestSigner(KEY_ID, rsa_key).headers("GET", "/trade-api/ws/v2")
    with connect(sim.ws_url, additional_headers=good, proxy=None) as ws:
        ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}}))
        ack = json.loads(ws.recv(timeout=WAIT))
        _trade(sim)
        pushed = json.loads(ws.recv(timeout=WAIT))
    assert ack == {"id": 1, "type": "subscribed", "msg": {"channel": "fill", "sid": 1}}
    # The venue's own example (tests/corpus/kalshi-ws): every field it has, the sim sends.
    example = json.loads((CORPUS / "kalshi-ws" / "fill-asyncapi-example.json").read_text())
    assert set(example) <= set(pushed)
    assert set(example["msg"]) <= set(pushed["msg"])
    assert pushed["sid"] == 1
    assert "seq" not in pushed  # as in the venue's example: a fill's check is its position


def test_a_dropped_connection_reconnects_and_asks_for_a_resync(
    sim: SimExchange, stream: KalshiStream, sink: Sink
) -> None:
    sim.stream_faults.drop_next("fill")
    _trade(sim)  # its message is lost with the connection
    assert sink.resync_reason() == "the venue stream reconnected"
    assert stream.down_since() is None
    assert sink.pushed.empty()
    _trade(sim)  # the new connection pushes the next one
    assert sink.fill().fill_id == _rest_fill_ids(sim)[-1]


def test_a_lost_fill_is_caught_by_the_position_after_the_next(
    sim: SimExchange, stream: KalshiStream, sink: Sink
) -> None:
    ticker = _trade(sim)  # position 3
    sink.fill()
    sim.stream_faults.skip_next("fill")
    _trade(sim)  # position 6: lost
    _trade(sim)  # position 9, but the last one pushed said 3
    assert sink.resync_reason() == f"a fill missed on {ticker}: position 3.00 + 3.00 is not 9.00"
    assert sink.fill().fill_id == _rest_fill_ids(sim)[-1]


def test_a_sequence_gap_asks_for_a_resync_and_the_stream_goes_on(
    sim: SimExchange, stream: KalshiStream, sink: Sink
) -> None:
    sim.stream_faults.skip_next("market_positions")
    _trade(sim)  # its position message is lost, seq 1 with it
    sink.fill()  # pushed in the same pass as the lost one
    _trade(sim)
    assert sink.resync_reason() == "a sequence gap on market_positions: expected seq 1, got 2"
    sink.fill()


def test_a_gap_in_a_book_brings_a_fresh_snapshot(
    sim: SimExchange, stream: KalshiStream, sink: Sink
) -> None:
    ticker = sim.open_tickers()[0]
    sim.pin_book(ticker, yes_bids=[("0.41", "10")], no_bids=[("0.55", "7")])
    stream.watch({ticker})
    assert stream.wait_for_quote(ticker, lambda q: q.yes_bid == Decimal("0.41"), WAIT)
    sim.stream_faults.skip_next("orderbook_delta")
    sim.pin_book(ticker, yes_bids=[("0.41", "10"), ("0.39", "5")], no_bids=[("0.55", "7")])
    # The +5 at 0.39 was lost; the next delta (0.41 emptied) shows the gap: a new snapshot.
    sim.pin_book(ticker, yes_bids=[("0.39", "5")], no_bids=[("0.55", "7")])
    quote = stream.wait_for_quote(ticker, lambda q: q.yes_bid == Decimal("0.39"), WAIT)
    assert quote is not None
    assert sink.resyncs.empty()  # a book is no record: nothing to read from REST


def test_the_books_of_watched_markets_are_followed(
    sim: SimExchange, stream: KalshiStream, sink: Sink
) -> None:
    ticker = sim.open_tickers()[0]
    sim.pin_book(ticker, yes_bids=[("0.41", "10")], no_bids=[("0.55", "7")])
    stream.watch({ticker})
    quote = stream.wait_for_quote(ticker, lambda q: q.yes_bid == Decimal("0.41"), WAIT)
    assert quote is not None
    assert quote.yes_ask == Decimal("0.45")  # $1 less the best NO bid
    stream.watch(set())
    assert stream.quote(ticker) is None


def test_the_handshake_leaves_no_signature_in_the_logs(
    sim: SimExchange, rsa_key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the most a user can ask for
    client = KalshiStream(sim.ws_url, RequestSigner(KEY_ID, rsa_key), Sink())
    client.start()
    try:
        assert client.subscribed.wait(WAIT)
    finally:
        client.stop()
    assert "KALSHI-ACCESS-SIGNATURE" not in caplog.text.upper()


def test_a_standalone_simulators_stream_faults_are_switched_over_http(
    sim: SimExchange, stream: KalshiStream, sink: Sink
) -> None:
    url = f"{sim.gamma_url}/_sim/stream_fault"
    refused = requests.post(url, json={"fault": "skip_next", "channel": "nope"}, timeout=WAIT)
    assert refused.status_code == 400
    assert requests.post(url, json={"fault": "drop_connections"}, timeout=WAIT).ok
    assert sink.resync_reason() == "the venue stream reconnected"
