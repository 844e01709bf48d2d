"""Fills the venue pushes on its WebSocket are booked as they arrive, through the same fold as
REST's; whatever the connection does, none is lost (the REST resync finds it) and none is
booked twice. A real system, a real simulator serving the real wire format, a real SQLite book.

Synchronisation: a test waits for what the stream told the bot (events), then asks the
Reconciler a request it answers at once: it handles messages in order, so by then everything the
stream told it before is booked."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from actors.base import ask
from actors.stream_feed import ReconcilerFeed
from domain.messages import BookSnapshot, GetBook, ResyncRequested
from domain.models import ExecutionStatus, FillReport
from infra.db.repository import Database
from infra.kalshi.stream import KalshiStream
from infra.settings import load_settings
from infra.venue import connect
from tests.actors.system_harness import Harness, running_system
from tests.actors.test_guards import signal

WAIT = 20.0
SMALL = {"markets": 12}


class RecordingFeed:
    """The system's feed, with what it was told kept for the test to wait on."""

    def __init__(self, inner: ReconcilerFeed) -> None:
        self.inner = inner
        self.pushed: queue.Queue[FillReport] = queue.Queue()
        self.resyncs: queue.Queue[str] = queue.Queue()
        self.ended: queue.Queue[str] = queue.Queue()

    def fills(self, fills: tuple[FillReport, ...]) -> None:
        self.inner.fills(fills)
        for fill in fills:
            self.pushed.put(fill)

    def resync(self, reason: str) -> None:
        self.inner.resync(reason)
        self.resyncs.put(reason)

    def order_ended(self, client_order_id: str) -> None:
        self.inner.order_ended(client_order_id)
        self.ended.put(client_order_id)


@contextmanager
def streaming(tmp_path: Path) -> Iterator[tuple[Harness, RecordingFeed]]:
    with running_system(tmp_path, sim=SMALL) as h:
        assert h.venue.open_stream is not None
        feed = RecordingFeed(ReconcilerFeed(h.system.directory))
        h.system.stream = stream = h.venue.open_stream(feed)
        stream.start()
        assert isinstance(stream, KalshiStream)
        assert stream.subscribed.wait(WAIT)
        yield h, feed


def settle(h: Harness) -> None:
    """Everything told to the Reconciler so far is handled (a request older than any
    reconciliation is answered at once, and after the messages before it)."""
    ask(h.system.directory.get("reconciler"), ResyncRequested(reason="test", requested_ns=0), WAIT)


def held(h: Harness) -> dict[str, Decimal]:
    book: BookSnapshot = ask(h.system.directory.get("positions"), GetBook())
    return {p.ticker: p.count for p in book.positions}


def fill_rows(h: Harness) -> int:
    with Database.open(h.path) as db, db.read() as repo:
        return len(repo.fills())


def trade(h: Harness, ticker: str, count: str = "3") -> None:
    """A trade the bot did not place (as from the web app): a fill on the account."""
    h.sim.place_external_position(h.key_id, ticker, "yes", count, "0.40")


def test_a_pushed_fill_is_booked_before_the_next_cycle(tmp_path: Path) -> None:
    with streaming(tmp_path) as (h, feed):
        ticker = h.sim.open_tickers()[0]
        trade(h, ticker)
        feed.pushed.get(timeout=WAIT)
        settle(h)
        assert held(h) == {ticker: Decimal(3)}  # no cycle ran, no REST read since
        assert feed.resyncs.empty()
        ledger, _, _ = h.read()
        assert ledger.ok


def test_a_dropped_connection_loses_no_fill(tmp_path: Path) -> None:
    with streaming(tmp_path) as (h, feed):
        ticker = h.sim.open_tickers()[0]
        h.sim.stream_faults.drop_next("fill")
        trade(h, ticker)  # its message goes down with the connection
        assert feed.resyncs.get(timeout=WAIT) == "the venue stream reconnected"
        settle(h)
        assert feed.pushed.empty()
        assert held(h) == {ticker: Decimal(3)}  # the REST resync found it


def test_a_lost_fill_message_loses_no_fill(tmp_path: Path) -> None:
    with streaming(tmp_path) as (h, feed):
        ticker = h.sim.open_tickers()[0]
        trade(h, ticker)
        feed.pushed.get(timeout=WAIT)
        h.sim.stream_faults.skip_next("fill")
        trade(h, ticker)  # lost: the fill channel sends no seq, as the venue's example
        trade(h, ticker)  # its position after says one is missing
        assert feed.resyncs.get(timeout=WAIT).startswith(f"a fill missed on {ticker}")
        settle(h)
        assert held(h) == {ticker: Decimal(9)}


def test_a_sequence_gap_loses_no_fill(tmp_path: Path) -> None:
    with streaming(tmp_path) as (h, feed):
        first, second = h.sim.open_tickers()[:2]
        h.sim.stream_faults.skip_next("fill")
        h.sim.stream_faults.skip_next("market_positions")
        trade(h, first)  # its fill and position messages are lost
        trade(h, second)
        assert feed.resyncs.get(timeout=WAIT) == (
            "a sequence gap on market_positions: expected seq 1, got 2"
        )
        settle(h)
        assert held(h) == {first: Decimal(3), second: Decimal(3)}


def test_a_duplicated_fill_books_once_and_the_rest_read_agrees(tmp_path: Path) -> None:
    with streaming(tmp_path) as (h, feed):
        ticker = h.sim.open_tickers()[0]
        h.sim.stream_faults.duplicate_next("fill")
        trade(h, ticker)  # its message sent twice
        first, again = feed.pushed.get(timeout=WAIT), feed.pushed.get(timeout=WAIT)
        assert first == again
        feed.inner.fills((first,))  # and once more, as a reconnection might replay it
        settle(h)
        report = h.system.reconcile(enable_trading=False)  # REST lists it too
        assert report.ok, report.error
        assert held(h) == {ticker: Decimal(3)}
        assert fill_rows(h) == 1
        ledger, _, _ = h.read()
        assert ledger.ok


def test_the_stream_can_be_switched_off(tmp_path: Path) -> None:
    settings = load_settings(
        venue="sim", db=tmp_path / "book.db", sim=SMALL, stream={"enabled": False}
    )
    venue = connect(settings, scale_clock=lambda: 0.0)
    try:
        assert venue.open_stream is None
    finally:
        venue.close()


def rest_an_order(h: Harness, ticker: str) -> str:
    """A post-only YES bid at 0.41 under a 0.45 ask, through the Executor: it rests."""
    h.sim.pin_book(ticker, yes_bids=[("0.40", "10")], no_bids=[("0.55", "10")])
    message = signal(h, ticker, 1, count=5, limit=Decimal("0.41"))
    maker = message.replace(signal=message.signal.replace(post_only=True))
    ask(h.system.directory.get("executor"), maker, WAIT)
    _, _, executions = h.read()
    (order,) = [e for e in executions if e.status is ExecutionStatus.RESTING]
    assert order.venue_order_id is not None
    return order.client_order_id


def test_a_resting_order_the_venue_ends_is_booked_before_the_next_cycle(tmp_path: Path) -> None:
    with streaming(tmp_path) as (h, feed):
        ticker = h.sim.open_tickers()[0]
        client_order_id = rest_an_order(h, ticker)
        (venue_order,) = h.venue.client.get_orders(status="resting")
        with h.sim.exchange.synced() as exchange:  # as an expiry or the market's close would
            exchange.cancel(h.key_id, venue_order.order_id)
        assert feed.ended.get(timeout=WAIT) == client_order_id
        settle(h)
        _, _, executions = h.read()
        status = {e.client_order_id: e.status for e in executions}
        assert status[client_order_id] is ExecutionStatus.CANCELED  # no cycle ran
        ledger, _, _ = h.read()
        assert ledger.ok
