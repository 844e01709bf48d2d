"""Scan benchmark: page every open market from the simulator, with realistic added latency,
and compare the wall time with the floor the read budget sets (pages / read rate).

Run from the repository root: `.venv/bin/python -m bench.scan [--markets N] [--latency S]`.
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.kalshi.client import KalshiClient
from infra.kalshi.ratelimit import RateLimitConfig, TokenBucketLimiter
from infra.kalshi.signing import RequestSigner
from infra.logs import setup_logging
from infra.sim import SimConfig, SimExchange


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
    sim = SimExchange(SimConfig(seed=1, markets=args.markets, scale_clock=lambda: 0.0))
    sim.register_key("bench", public)
    sim.start()
    sim.faults.latency = args.latency
    config = RateLimitConfig()  # Basic tier: 200 read tokens/s, 10 tokens a request
    read_rate = config.read_rate / config.request_cost  # requests per second
    try:
        for round_no in range(1, args.rounds + 1):
            client = KalshiClient(
                sim.base_url, RequestSigner("bench", key), TokenBucketLimiter(config)
            )
            sim.reset_stats()
            start = time.perf_counter()
            markets = client.get_all_markets(status="open", limit=args.limit)
            wall = time.perf_counter() - start
            pages = sim.stats.request_count("GET", "/trade-api/v2/markets")
            floor = Decimal(pages) / read_rate
            ratio = Decimal(wall) / floor
            print(
                f"round {round_no}: {len(markets)} markets in {pages} pages, {wall:.3f} s;"
                f" floor {floor:.3f} s (pages / {read_rate} req/s), ratio {ratio:.2f}"
                f"; {args.latency * 1000:.0f} ms latency a page"
            )
            client.close()
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
