from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from infra.kalshi import ratelimit
from infra.kalshi.ratelimit import Bucket, RateLimitConfig, TokenBucketLimiter, process_limiter


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def assert_within_budget(
    admissions: list[tuple[float, float]], rate: float, capacity: float
) -> None:
    """Over every interval [t_i, t_j], admitted tokens <= capacity + rate * (t_j - t_i)."""
    admissions = sorted(admissions)
    for i in range(len(admissions)):
        total = 0.0
        for j in range(i, len(admissions)):
            total += admissions[j][1]
            span = admissions[j][0] - admissions[i][0]
            assert total <= capacity + rate * span + 1e-6, (i, j, total, span)


def max_in_window(admissions: list[tuple[float, float]], window: float) -> float:
    times = sorted(admissions)
    best = 0.0
    for i, (start, _) in enumerate(times):
        best = max(best, sum(cost for t, cost in times[i:] if t < start + window))
    return best


def test_defaults_are_basic_tier():
    config = RateLimitConfig()
    assert (config.read_rate, config.read_burst) == (200, 200)
    assert (config.write_rate, config.write_burst) == (100, 200)
    assert (config.request_cost, config.cancel_cost) == (10, 2)


def test_burst_then_steady_rate_with_fake_clock():
    fake = FakeTime()
    limiter = TokenBucketLimiter(clock=fake.clock, sleeper=fake.sleep)
    admissions = []
    for _ in range(100):
        limiter.acquire(Bucket.READ)
        admissions.append((fake.now, 10.0))
    # 20 requests fit the full bucket at once; the other 80 arrive at 20 per second.
    assert fake.now - 1000.0 == pytest.approx(80 * 10 / 200)
    assert_within_budget(admissions, rate=200, capacity=200)
    assert max_in_window(admissions, 1.0) <= 200 + 200


def test_write_bucket_is_independent_and_cancel_is_cheap():
    fake = FakeTime()
    limiter = TokenBucketLimiter(clock=fake.clock, sleeper=fake.sleep)
    for _ in range(20):
        limiter.acquire(Bucket.WRITE)  # 200 tokens of burst
    assert fake.sleeps == []
    limiter.acquire(Bucket.WRITE, limiter.cancel_cost)
    assert fake.sleeps == [pytest.approx(2 / 100)]
    limiter.acquire(Bucket.READ)  # reads were untouched
    assert len(fake.sleeps) == 1
    assert limiter.admitted(Bucket.WRITE) == 21
    assert limiter.admitted(Bucket.READ) == 1


def test_configurable_rate_replaces_fixed_requests_per_second():
    fake = FakeTime()
    config = RateLimitConfig.requests_per_second(8)
    assert config.read_rate == 80
    limiter = TokenBucketLimiter(config, clock=fake.clock, sleeper=fake.sleep)
    admissions = []
    for _ in range(40):
        limiter.acquire(Bucket.READ)
        admissions.append((fake.now, 10.0))
    assert_within_budget(admissions, rate=80, capacity=80)
    assert fake.now - 1000.0 == pytest.approx(32 / 8)


def test_drain_makes_everyone_wait():
    fake = FakeTime()
    limiter = TokenBucketLimiter(clock=fake.clock, sleeper=fake.sleep)
    limiter.drain(Bucket.READ)
    assert limiter.available(Bucket.READ) == 0
    limiter.acquire(Bucket.READ)
    assert fake.sleeps == [pytest.approx(10 / 200)]


def test_refill_is_capped_at_capacity():
    fake = FakeTime()
    limiter = TokenBucketLimiter(clock=fake.clock, sleeper=fake.sleep)
    limiter.acquire(Bucket.READ, 200)
    fake.now += 3600
    assert limiter.available(Bucket.READ) == 200


def test_invalid_costs_and_configs():
    limiter = TokenBucketLimiter()
    with pytest.raises(ValueError, match="capacity"):
        limiter.acquire(Bucket.READ, 201)
    with pytest.raises(ValueError, match="positive"):
        limiter.acquire(Bucket.READ, 0)
    with pytest.raises(ValueError, match="positive"):
        RateLimitConfig(read_rate=Decimal(0))
    with pytest.raises(ValueError, match="capacity"):
        RateLimitConfig(read_burst=Decimal(5))


def test_threads_share_one_budget_with_a_real_clock():
    """Real Condition waits: 8 threads x 25 requests never exceed the bucket's guarantee."""
    local = threading.local()

    def clock() -> float:
        local.last = time.monotonic()
        return local.last

    config = RateLimitConfig(
        read_rate=Decimal(20_000), read_burst=Decimal(100), request_cost=Decimal(10)
    )
    limiter = TokenBucketLimiter(config, clock=clock)
    admissions: list[tuple[float, float]] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(25):
            limiter.acquire(Bucket.READ)
            with lock:
                admissions.append((local.last, 10.0))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admissions) == 200
    assert limiter.admitted(Bucket.READ) == 200
    assert_within_budget(admissions, rate=20_000, capacity=100)


def test_fake_clock_threads_never_exceed_budget():
    fake = FakeTime()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            fake.sleep(seconds)

    limiter = TokenBucketLimiter(clock=fake.clock, sleeper=sleep)
    admissions: list[tuple[float, float]] = []
    local = threading.local()

    def clock() -> float:
        local.last = fake.now
        return local.last

    limiter._clock = clock  # same fake time, read per thread
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        for _ in range(30):
            limiter.acquire(Bucket.WRITE)
            with lock:
                admissions.append((local.last, 10.0))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admissions) == 120
    assert_within_budget(admissions, rate=100, capacity=200)


def test_process_limiter_is_a_singleton(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(ratelimit, "_default", None)
    first = process_limiter()
    assert process_limiter() is first
    assert process_limiter(RateLimitConfig()) is first
    with pytest.raises(ValueError, match="already exists"):
        process_limiter(RateLimitConfig(read_rate=Decimal(300)))
