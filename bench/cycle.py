"""Two figures for the trading cycle, measured in this process on the embedded simulator.

(a) Local overhead from signal to order sent: the time inside the bot from an ExecuteSignal
    being told to the Executor to the create-order HTTP request leaving, exchange time
    excluded. It covers the pre-trade checks, the market claim (Positions), the reservation
    and the durable order intent (Bankroll -> Storage, one SQLite transaction with
    synchronous=FULL), building, rate-limiting and signing the request, and `requests`
    preparing it. Production code is untouched: the Venue handed to the TradingSystem carries
    a KalshiClient subclass that stamps the moment `create_order` is entered, on a
    requests.Session subclass that stamps the moment the POST is handed to the connection
    adapter. Signals go one at a time (the next after the Executor answers a Ping), each to a
    distinct market whose book is pinned so the order fills. The rate limits are raised for
    (a) so no token wait is counted: that is (b)'s subject.

(b) A full cycle over 1,000 markets against the floor the rate limits set: cycles on an
    embedded simulator with 1,000 markets and the default Basic-tier limits on both sides
    (200 read / 100 write tokens per second, buckets of 200, 10 tokens a request). The
    simulator counts the Kalshi requests a cycle makes; the floor is
    reads * cost / read_rate + writes * cost / write_rate, and the exact floor also takes away
    what the full buckets let through at once (the burst).

Run from the repository root: `.venv/bin/python -m bench.cycle`
(options: `--signals N`, `--cycles N`, `--markets N`).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from actors.base import ping
from actors.system import TradingSystem
from domain.messages import ExecuteSignal
from domain.models import Forecast, OrderAck, Side, TradeSignal
from infra.db.migrate import migrate
from infra.kalshi.client import CREATE_ORDER_PATH, KalshiClient
from infra.kalshi.ratelimit import RateLimitConfig, TokenBucketLimiter
from infra.kalshi.signing import RequestSigner
from infra.logs import setup_logging
from infra.settings import Settings, load_settings
from infra.sim import SimConfig, SimExchange
from infra.sim.stats import SimStats
from infra.venue import Venue, connect

UNLIMITED = Decimal(1_000_000)  # tokens per second: no rate-limit wait in (a)
KALSHI_PREFIX = "/trade-api/v2"


# (a) signal -> order sent ------------------------------------------------------------------


class StampingSession(requests.Session):
    """Notes when each create-order POST is handed to the connection adapter."""

    def __init__(self, stamp: Callable[[], None]) -> None:
        super().__init__()
        self._stamp = stamp

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if request.method == "POST" and (request.path_url or "").endswith(CREATE_ORDER_PATH):
            self._stamp()
        return super().send(request, **kwargs)


class TimedClient(KalshiClient):
    """A KalshiClient that notes when `create_order` is entered and when its request leaves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.entered: list[float] = []
        self.sent: list[float] = []
        super().__init__(*args, session=StampingSession(self._on_wire), **kwargs)

    def _on_wire(self) -> None:
        self.sent.append(time.perf_counter())

    def create_order(self, *args: Any, **kwargs: Any) -> OrderAck:
        self.entered.append(time.perf_counter())
        return super().create_order(*args, **kwargs)


def _keys() -> tuple[str, rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return str(uuid.uuid4()), key, public


def _overhead_settings(path: Path) -> Settings:
    return load_settings(
        venue="sim",
        db=path,
        log_level="WARNING",
        initial_bankroll=Decimal(1_000_000),
        risk={
            "max_orders_per_cycle": 100_000,
            "max_notional_per_cycle": Decimal(1_000_000),
            "max_total_exposure": Decimal(1_000_000),
        },
        rate_limits={
            "read_rate": UNLIMITED,
            "read_burst": UNLIMITED,
            "write_rate": UNLIMITED,
            "write_burst": UNLIMITED,
        },
        polymarket={"enabled": False},
    )


def _signal(ticker: str) -> ExecuteSignal:
    price, count, fee = Decimal("0.50"), Decimal(2), Decimal("0.04")
    now = datetime.now(UTC)
    return ExecuteSignal(
        cycle=1,
        signal=TradeSignal(
            ticker=ticker,
            side=Side.YES,
            limit_price=price,
            count=count,
            probability=Decimal("0.60"),
            edge=Decimal("0.10"),
            kelly_fraction=Decimal("0.01"),
            fee=fee,
            cost=price * count + fee,
        ),
        forecast=Forecast(ticker=ticker, probability=Decimal("0.60"), model="bench", made_at=now),
    )


@dataclass
class Overhead:
    to_client: list[float]  # ms, signal told -> create_order entered
    to_wire: list[float]  # ms, signal told -> request handed to the adapter
    orders: int


def signal_to_order(n: int, markets: int) -> Overhead:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        settings = _overhead_settings(path)
        migrate(path)
        key_id, key, public = _keys()
        sim = SimExchange(
            SimConfig(
                seed=11,
                markets=markets,
                time_scale=0.0,
                initial_balance=Decimal(10_000_000),
                read_rate=float(UNLIMITED),
                read_burst=float(UNLIMITED),
                write_rate=float(UNLIMITED),
                write_burst=float(UNLIMITED),
            )
        )
        sim.register_key(key_id, public)
        sim.start()
        limiter = TokenBucketLimiter(RateLimitConfig(**settings.rate_limits.model_dump()))
        client = TimedClient(sim.base_url, RequestSigner(key_id, key), limiter, timeout=(3, 10))
        venue = Venue("sim", client, None, sim.clock, sim)
        tickers = sim.open_tickers()[:n]
        if len(tickers) < n:
            raise SystemExit(f"only {len(tickers)} open markets for {n} signals")
        for ticker in tickers:
            # YES offered at 0.45 (a NO bid at 0.55): a YES buy up to 0.50 fills at once.
            sim.pin_book(ticker, yes_bids=[("0.40", 100)], no_bids=[("0.55", 100)])
        system = TradingSystem(settings, venue, path)
        told: list[float] = []
        try:
            system.start()
            report = system.reconcile(enable_trading=True)
            if not report.ok:
                raise SystemExit(f"start-up reconciliation failed: {report.error}")
            executor = system.directory.get("executor")
            ping(executor)  # trading is ACTIVE once the executor has handled the switch
            for ticker in tickers:
                message = _signal(ticker)
                told.append(time.perf_counter())
                executor.tell(message)
                ping(executor, timeout=30)  # the signal is fully handled, book and all
        finally:
            system.stop()
            venue.close()
        if not (len(told) == len(client.entered) == len(client.sent)):
            raise SystemExit(
                f"{len(told)} signals, {len(client.entered)} create_order calls,"
                f" {len(client.sent)} requests: some signals were refused"
            )
        return Overhead(
            to_client=[(e - t) * 1000 for t, e in zip(told, client.entered, strict=True)],
            to_wire=[(s - t) * 1000 for t, s in zip(told, client.sent, strict=True)],
            orders=len(sim.stats.orders_created),
        )


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# (b) a full cycle against the rate-limit floor --------------------------------------------


@dataclass
class CycleFigures:
    cycle: int
    wall: float
    markets: int
    candidates: int
    orders: int
    reads: int
    writes: int
    read_tokens: int
    write_tokens: int
    other: int  # requests outside the Kalshi API (Polymarket Gamma), not Kalshi-limited
    served: float  # seconds the simulator spent handling this cycle's requests


def _count(stats: SimStats) -> tuple[int, int, int, int, int]:
    reads = writes = other = 0
    for (method, template), n in stats.requests.items():
        if not template.startswith(KALSHI_PREFIX):
            if not template.startswith("/_sim"):
                other += n
        elif method == "GET":
            reads += n
        else:
            writes += n
    read_tokens = sum(stats.admitted_tokens(b) for b in stats.admitted if b.startswith("read:"))
    write_tokens = sum(stats.admitted_tokens(b) for b in stats.admitted if b.startswith("write:"))
    return reads, writes, read_tokens, write_tokens, other


def full_cycles(cycles: int, markets: int) -> tuple[Settings, list[CycleFigures]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        settings = load_settings(
            venue="sim", db=path, log_level="WARNING", sim={"markets": markets}
        )
        migrate(path)
        venue = connect(settings, scale_clock=lambda: 0.0)  # sim time stands still
        sim = venue.sim
        assert sim is not None
        system = TradingSystem(settings, venue, path)
        limits = settings.rate_limits
        refill = float(
            max(limits.read_burst / limits.read_rate, limits.write_burst / limits.write_rate)
        )
        figures = []
        try:
            system.start()
            report = system.reconcile(enable_trading=True)
            if not report.ok:
                raise SystemExit(f"start-up reconciliation failed: {report.error}")
            for number in range(1, cycles + 1):
                # Full buckets at the start of every cycle, as after the usual pause.
                time.sleep(refill)
                sim.reset_stats()
                started = time.perf_counter()
                stats = system.run_cycle(number, 300)
                wall = time.perf_counter() - started
                if stats is None:
                    raise SystemExit(f"cycle {number} did not complete")
                reads, writes, read_tokens, write_tokens, other = _count(sim.stats)
                figures.append(
                    CycleFigures(
                        cycle=number,
                        wall=wall,
                        markets=stats.markets_scanned,
                        candidates=stats.candidates,
                        orders=stats.orders_placed,
                        reads=reads,
                        writes=writes,
                        read_tokens=read_tokens,
                        write_tokens=write_tokens,
                        other=other,
                        served=sum(sim.stats.server_seconds.values()),
                    )
                )
                sim.advance(300)  # the usual pause between cycles, in market time
        finally:
            system.stop()
            venue.close()
        return settings, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signals", type=int, default=300, help="(a): signals to time")
    parser.add_argument("--cycles", type=int, default=3, help="(b): cycles to run")
    parser.add_argument("--markets", type=int, default=1000, help="(b): markets listed")
    args = parser.parse_args()
    setup_logging("WARNING")

    overhead = signal_to_order(args.signals, max(args.signals + 50, 400))
    print("(a) local overhead, ExecuteSignal told -> create-order request sent")
    print(f"    {len(overhead.to_wire)} signals to distinct markets, {overhead.orders} orders")
    for label, values in (
        ("-> create_order entered", overhead.to_client),
        ("-> request handed to HTTP", overhead.to_wire),
    ):
        print(
            f"    {label:28} median {statistics.median(values):6.2f} ms"
            f"   p99 {_p(values, 0.99):6.2f} ms   max {max(values):6.2f} ms"
        )

    settings, figures = full_cycles(args.cycles, args.markets)
    limits = settings.rate_limits
    cost = float(limits.request_cost)
    read_rate, write_rate = float(limits.read_rate), float(limits.write_rate)
    read_burst, write_burst = float(limits.read_burst), float(limits.write_burst)
    print()
    print(
        f"(b) full cycle over {args.markets} markets, limits: reads {read_rate:g} tokens/s"
        f" (burst {read_burst:g}), writes {write_rate:g} tokens/s (burst {write_burst:g}),"
        f" {cost:g} tokens a request"
    )
    print(
        "    cycle  markets  cand  orders  reads  writes  gamma    wall s   floor s"
        "  exact s  wall/floor  wall/exact  sim s"
    )
    for f in figures:
        floor = f.read_tokens / read_rate + f.write_tokens / write_rate
        exact = (
            max(0.0, f.read_tokens - read_burst) / read_rate
            + max(0.0, f.write_tokens - write_burst) / write_rate
        )
        print(
            f"    {f.cycle:5}  {f.markets:7}  {f.candidates:4}  {f.orders:6}  {f.reads:5}"
            f"  {f.writes:6}  {f.other:5}  {f.wall:8.3f}  {floor:8.3f}  {exact:7.3f}"
            f"  {f.wall / floor if floor else float('inf'):10.1f}"
            f"  {f.wall / exact if exact else float('inf'):10.1f}  {f.served:5.2f}"
        )
    print(
        "    floor = reads x cost / read rate + writes x cost / write rate (tokens the sim"
        " admitted);\n    exact = the same less one full bucket of each (the burst);"
        " sim s = the simulator's own handling time."
    )


if __name__ == "__main__":
    main()
