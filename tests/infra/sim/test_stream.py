"""The simulator's WebSocket (A8) seen by the bot's client (infra/kalshi/stream.py): the signed
handshake, the channels in the venue's wire format, the faults, reconnection and sequence gaps.

Nothing here sleeps to synchronise: each test waits on the sink's events, with a timeout."""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from domain.models import FillReport, Side
from infra.kalshi.signing import RequestSigner
from infra.kalshi.stream import Backoff, KalshiStream
from infra.sim import SimExchange
from tests.infra.sim.helpers import KEY_ID

WAIT = 10.0


class Sink:
    """What the stream told the bot, as queues a test can wait on."""

    def __init__(self) -> None:
        self.pushed: queue.Queue[FillReport] = queue.Queue()
        self.resyncs: queue.Queue[str] = queue.Queue()

    def fills(self, fills: tuple[FillReport, ...]) -> None:
        for fill in fills:
            self.pushed.put(fill)

    def resync(self, reason: str) -> None:
        self.resyncs.put(reason)

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
    client.start()
    assert client.subscribed.wait(WAIT)
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
    assert ack == {"id": 1, "type": "subscribed", "msg": {"channel": "fill", "sid": 1}}


def test_a_dropped_connection_reconnects_and_asks_for_a_resync(
    sim: SimExchange, stream: KalshiStream, sink: Sink
) -> None:
    sim.stream_faults.drop_next("fill")
    _trade(sim)  # its message is lost with the connection
    assert sink.resync_reason() == "the venue stream reconnected"
    assert sink.pushed.empty()
    _trade(sim)  # the new connection pushes the next one
    assert sink.fill().fill_id == _rest_fill_ids(sim)[-1]


def test_a_sequence_gap_asks_for_a_resync_and_the_stream_goes_on(
    sim: SimExchange, stream: KalshiStream, sink: Sink
) -> None:
    sim.stream_faults.skip_next("fill")
    _trade(sim)  # lost, seq 1 with it
    _trade(sim)
    assert sink.resync_reason() == "a sequence gap on fill: expected seq 1, got 2"
    assert sink.fill().fill_id == _rest_fill_ids(sim)[-1]


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
