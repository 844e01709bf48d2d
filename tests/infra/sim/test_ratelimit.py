"""Token buckets: Basic-tier defaults, the exact 429 body, refill, separate write bucket."""

from __future__ import annotations

import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.infra.sim.helpers import KEY_ID, KalshiAuth, order_body, running_sim


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


BASIC = {
    "read_rate": 200.0,
    "read_burst": 200.0,
    "write_rate": 100.0,
    "write_burst": 200.0,
    "request_cost": 10,
    "cancel_cost": 2,
}


def test_read_bucket_empties_with_exact_429_and_refills(rsa_key: rsa.RSAPrivateKey) -> None:
    clock = FakeMonotonic()
    with running_sim(rsa_key, rate_clock=clock, **BASIC) as sim, requests.Session() as http:
        url = sim.base_url + "/exchange/status"
        assert all(http.get(url).status_code == 200 for _ in range(20))  # 200 tokens / 10
        refused = http.get(url)
        assert refused.status_code == 429
        assert refused.content == b'{"error": "too many requests"}'
        assert "Retry-After" not in refused.headers
        assert not any(h.lower().startswith("x-ratelimit") for h in refused.headers)
        clock.now += 0.05  # 200 tokens/s x 0.05 s = 10 tokens = one request
        assert http.get(url).status_code == 200
        assert http.get(url).status_code == 429
        clock.now += 10.0  # refills only up to the burst
        assert sum(http.get(url).status_code == 200 for _ in range(25)) == 20
        stats = sim.stats
        assert stats.rate_limited == 7
        assert stats.max_tokens_in_window("read:ip:127.0.0.1") <= 200 + 200


def test_accounts_have_their_own_read_and_write_buckets(rsa_key: rsa.RSAPrivateKey) -> None:
    clock = FakeMonotonic()
    with running_sim(rsa_key, rate_clock=clock, **BASIC) as sim, requests.Session() as http:
        http.auth = KalshiAuth(KEY_ID, rsa_key)
        for _ in range(20):
            assert http.get(sim.base_url + "/portfolio/balance").status_code == 200
        assert http.get(sim.base_url + "/portfolio/balance").status_code == 429
        # The IP's anonymous bucket is untouched, and writes use the write bucket.
        assert requests.get(sim.base_url + "/exchange/status").status_code == 200
        ticker = sim.open_tickers()[0]
        created = http.post(
            sim.base_url + "/portfolio/events/orders",
            json=order_body(ticker, price="0.01", time_in_force="good_till_canceled"),
        )
        assert created.status_code == 201
        # Write bucket: 200 - 10 left = 190; a cancel costs 2.
        order_id = created.json()["order_id"]
        assert http.delete(f"{sim.base_url}/portfolio/events/orders/{order_id}").status_code == 200
        stats = sim.stats
        assert stats.admitted_tokens(f"write:{KEY_ID}") == 12
        assert stats.rate_limited_by_bucket == {f"read:{KEY_ID}": 1}


def test_sustained_rate_stays_within_budget(rsa_key: rsa.RSAPrivateKey) -> None:
    clock = FakeMonotonic()
    with running_sim(rsa_key, rate_clock=clock, **BASIC) as sim, requests.Session() as http:
        url = sim.base_url + "/exchange/status"
        for _ in range(300):  # 3 simulated seconds at 100 attempts a second
            http.get(url)
            clock.now += 0.01
        stats = sim.stats
        bucket = "read:ip:127.0.0.1"
        # Any 1 s window: at most the burst plus one second of refill.
        assert stats.max_tokens_in_window(bucket, 1.0) <= 200 + 200
        admitted = stats.admitted_tokens(bucket) // 10
        assert 20 + 2 * 20 <= admitted <= 20 + 3 * 20 + 1
        assert stats.rate_limited == 300 - admitted
