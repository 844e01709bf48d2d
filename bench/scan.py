"""Scan benchmark: page every open market from the simulator, with realistic added latency,
and compare the wall time with the floor the read budget sets (pages / read rate).

The simulator runs as its own process, as a venue would be (in-process, its JSON encoding
would compete with the client's parsing for the interpreter).

`--cycles N` runs the whole bot instead (the TradingSystem, in this process: Scanner, linking,
Storage's snapshots, screening, the offline forecaster) for N cycles against the same
simulator, and prints each cycle's wall time against the floor of its Kalshi reads, this
process's CPU, and its peak RSS. The goal (issue 21) is a cycle within 1.2x the floor plus a
second, under 1 GB.

Run from the repository root: `.venv/bin/python -m bench.scan [--markets N] [--latency S]
[--cycles N]`.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from actors.system import TradingSystem
from infra.db.migrate import migrate
from infra.kalshi.client import KalshiClient
from infra.kalshi.ratelimit import RateLimitConfig, TokenBucketLimiter
from infra.kalshi.signing import RequestSigner
from infra.logs import setup_logging
from infra.settings import load_settings
from infra.venue import connect

KEY_ID = "bench"


@contextmanager
def simulator(
    tmp: Path, key: rsa.RSAPrivateKey, markets: int, latency: float
) -> Iterator[tuple[str, str]]:
    """A standalone simulator on loopback: (its Kalshi base URL, its stats URL)."""
    public_file = tmp / "bench.pub.pem"
    public_file.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    sim = subprocess.Popen(
        [
            *(sys.executable, "-m", "infra.sim", "--port", "0", "--seed", "1"),
            *("--markets", str(markets), "--time-scale", "0"),
            *("--key-id", KEY_ID, "--public-key", str(public_file)),
            *("--latency", str(latency), "--fault-path", "/markets"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sim.stdout is not None
        base_url = sim.stdout.readline().strip()
        yield base_url, base_url.split("/trade-api/", maxsplit=1)[0] + "/_sim/stats"
    finally:
        sim.terminate()
        sim.wait(10)


def page_rounds(
    base_url: str, admin: str, key: rsa.RSAPrivateKey, args: argparse.Namespace
) -> None:
    config = RateLimitConfig()  # Basic tier: 200 read tokens/s, 10 tokens a request
    read_rate = config.read_rate / config.request_cost  # requests per second
    for round_no in range(1, args.rounds + 1):
        requests.post(admin + "/reset", timeout=10)
        limiter = TokenBucketLimiter(config)
        with KalshiClient(base_url, RequestSigner(KEY_ID, key), limiter) as client:
            start, cpu = time.perf_counter(), time.process_time()
            markets = client.get_all_markets(status="open", limit=args.limit)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        stats = requests.get(admin, timeout=10).json()
        pages = stats["requests"]["GET /trade-api/v2/markets"]
        serving = stats["server_seconds"]["GET /trade-api/v2/markets"]
        floor = Decimal(pages) / read_rate
        # Cursor pages come one after another: each costs latency + the venue's work.
        round_trips = pages * args.latency + serving
        print(
            f"round {round_no}: {len(markets)} markets in {pages} pages, {wall:.3f} s"
            f" ({cpu:.3f} s CPU here) | budget floor {floor:.3f} s,"
            f" ratio {Decimal(wall) / floor:.2f}"
            f" | round-trip bound {round_trips:.3f} s ({args.latency * 1000:.0f} ms"
            f" latency + {serving / pages * 1000:.0f} ms serving a page),"
            f" ratio {wall / round_trips:.2f}"
        )


def bot_cycles(base_url: str, admin: str, tmp: Path, key: rsa.RSAPrivateKey, cycles: int) -> None:
    key_file = tmp / "bench.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    db = tmp / "bench.db"
    settings = load_settings(
        venue="sim",
        exchange_url=base_url,
        db=db,
        log_level="WARNING",
        kalshi_api_key_id=KEY_ID,
        kalshi_private_key_path=key_file,
        stream={"enabled": False},
    )
    limits = settings.rate_limits
    read_rate = Decimal(limits.read_rate) / Decimal(limits.request_cost)
    migrate(db)
    venue = connect(settings)
    system = TradingSystem(settings, venue, db)
    try:
        system.start()
        report = system.reconcile(enable_trading=True)
        if not report.ok:
            raise SystemExit(f"start-up reconciliation failed: {report.error}")
        for number in range(1, cycles + 1):
            time.sleep(
                float(limits.read_burst / limits.read_rate)
            )  # full buckets, as after a pause
            requests.post(admin + "/reset", timeout=10)
            start, cpu = time.perf_counter(), time.process_time()
            stats = system.run_cycle(number, 600)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            if stats is None:
                raise SystemExit(f"cycle {number} did not complete")
            served = requests.get(admin, timeout=10).json()["requests"]
            reads = sum(n for name, n in served.items() if name.startswith("GET /trade-api"))
            floor = Decimal(reads) / read_rate
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"cycle {number}: {stats.markets_scanned} markets, {stats.linked} linked,"
                f" {stats.candidates} candidates | {reads} Kalshi reads, floor {floor:.2f} s"
                f" | wall {wall:.2f} s, ratio {Decimal(wall) / floor:.2f},"
                f" goal {floor * Decimal('1.2') + 1:.2f} s | CPU here {cpu:.2f} s"
                f" | peak RSS {rss:.0f} MB",
                flush=True,
            )
    finally:
        system.stop()
        venue.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markets", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    parser.add_argument("--limit", type=int, default=1000, help="markets per page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cycles", type=int, default=0, help="whole bot cycles instead")
    args = parser.parse_args()
    setup_logging("WARNING")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with (
        tempfile.TemporaryDirectory() as tmp,
        simulator(Path(tmp), key, args.markets, args.latency) as (base_url, admin),
    ):
        if args.cycles:
            bot_cycles(base_url, admin, Path(tmp), key, args.cycles)
        else:
            page_rounds(base_url, admin, key, args)


if __name__ == "__main__":
    main()
