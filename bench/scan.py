"""Scan benchmark: page every open market from the simulator, with realistic added latency,
and compare the wall time with the floor the read budget sets (pages / read rate).

The simulator runs as its own process, as a venue would be (in-process, its JSON encoding
would compete with the client's parsing for the interpreter).

Run from the repository root: `.venv/bin/python -m bench.scan [--markets N] [--latency S]`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.kalshi.client import KalshiClient
from infra.kalshi.ratelimit import RateLimitConfig, TokenBucketLimiter
from infra.kalshi.signing import RequestSigner
from infra.logs import setup_logging


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markets", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    parser.add_argument("--limit", type=int, default=1000, help="markets per page")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_logging("WARNING")

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    config = RateLimitConfig()  # Basic tier: 200 read tokens/s, 10 tokens a request
    read_rate = config.read_rate / config.request_cost  # requests per second
    with tempfile.TemporaryDirectory() as tmp:
        public_file = Path(tmp) / "bench.pub.pem"
        public_file.write_bytes(public)
        sim = subprocess.Popen(
            [
                *(sys.executable, "-m", "infra.sim", "--port", "0", "--seed", "1"),
                *("--markets", str(args.markets), "--time-scale", "0"),
                *("--key-id", "bench", "--public-key", str(public_file)),
                *("--latency", str(args.latency), "--fault-path", "/markets"),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert sim.stdout is not None
            base_url = sim.stdout.readline().strip()
            admin = base_url.split("/trade-api/", maxsplit=1)[0] + "/_sim/stats"
            for round_no in range(1, args.rounds + 1):
                requests.post(admin + "/reset", timeout=10)
                limiter = TokenBucketLimiter(config)
                with KalshiClient(base_url, RequestSigner("bench", key), limiter) as client:
                    start = time.perf_counter()
                    markets = client.get_all_markets(status="open", limit=args.limit)
                    wall = time.perf_counter() - start
                stats = requests.get(admin, timeout=10).json()
                pages = stats["requests"]["GET /trade-api/v2/markets"]
                serving = stats["server_seconds"]["GET /trade-api/v2/markets"]
                floor = Decimal(pages) / read_rate
                # Cursor pages come one after another: each costs latency + the venue's work.
                round_trips = pages * args.latency + serving
                print(
                    f"round {round_no}: {len(markets)} markets in {pages} pages, {wall:.3f} s"
                    f" | budget floor {floor:.3f} s, ratio {Decimal(wall) / floor:.2f}"
                    f" | round-trip bound {round_trips:.3f} s ({args.latency * 1000:.0f} ms"
                    f" latency + {serving / pages * 1000:.0f} ms serving a page),"
                    f" ratio {wall / round_trips:.2f}"
                )
        finally:
            sim.terminate()
            sim.wait(10)


if __name__ == "__main__":
    main()
