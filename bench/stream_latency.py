"""How long a fill takes to be booked through the venue's WebSocket, against the embedded simulator.

A trade is made on the account (as from the web app, the simulator's external position), the
stream pushes its fill, the Reconciler books it. Measured per trade: from the trade to the push
(the simulator's polling and the wire), and to the booking (a request the Reconciler answers
after the fill it was told, so an upper bound). Without the stream, the same fill is booked at
the end of the next cycle: `cycle_interval` later at worst.

    .venv/bin/python -m bench.stream_latency [--trades 40]
"""

from __future__ import annotations

import argparse
import queue
import statistics
import tempfile
import time
from pathlib import Path

from actors.base import ask
from actors.stream_feed import ReconcilerFeed
from actors.system import TradingSystem
from domain.messages import ResyncRequested
from domain.models import FillReport
from infra.db.migrate import migrate
from infra.kalshi.stream import KalshiStream
from infra.settings import load_settings
from infra.venue import connect


class TimedFeed:
    """The system's feed, noting when each fill arrived."""

    def __init__(self, inner: ReconcilerFeed) -> None:
        self.inner = inner
        self.arrived: queue.Queue[tuple[float, FillReport]] = queue.Queue()

    def fills(self, fills: tuple[FillReport, ...]) -> None:
        now = time.perf_counter()
        self.inner.fills(fills)
        for fill in fills:
            self.arrived.put((now, fill))

    def resync(self, reason: str) -> None:
        self.inner.resync(reason)

    def order_ended(self, client_order_id: str) -> None:
        self.inner.order_ended(client_order_id)


def measure(trades: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        settings = load_settings(venue="sim", db=path, sim={"markets": max(trades, 20)})
        migrate(path)
        venue = connect(settings, scale_clock=lambda: 0.0)
        assert venue.sim is not None
        assert venue.open_stream is not None
        assert venue.client.signer is not None
        sim, key_id = venue.sim, venue.client.signer.key_id
        system = TradingSystem(settings, venue, path)
        to_push, to_booked = [], []
        try:
            system.start()
            report = system.reconcile(enable_trading=False, starting=True)
            if not report.ok:
                raise SystemExit(f"start-up reconciliation failed: {report.error}")
            feed = TimedFeed(ReconcilerFeed(system.directory))
            system.stream = stream = venue.open_stream(feed)
            stream.start()
            if not isinstance(stream, KalshiStream) or not stream.subscribed.wait(30):
                raise SystemExit("the simulator's WebSocket never subscribed")
            reconciler = system.directory.get("reconciler")
            for ticker in sim.open_tickers()[:trades]:
                started = time.perf_counter()
                sim.place_external_position(key_id, ticker, "yes", "1", "0.40")
                pushed, _ = feed.arrived.get(timeout=30)
                ask(reconciler, ResyncRequested(reason="bench", requested_ns=0), 30)
                booked = time.perf_counter()
                to_push.append(pushed - started)
                to_booked.append(booked - started)
        finally:
            system.stop()
            venue.close()
        return to_push, to_booked


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=40)
    args = parser.parse_args()
    to_push, to_booked = measure(args.trades)
    print(
        f"{len(to_push)} trades: trade -> pushed {_ms(to_push)}; trade -> booked {_ms(to_booked)}"
    )


if __name__ == "__main__":
    main()
