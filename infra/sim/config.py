"""Settings for one simulated exchange."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from infra.sim.pricing import DEFAULT_SCENARIO, PriceModel, price_model

DEFAULT_BALANCE = Decimal("1000")


@dataclass(frozen=True)
class SimConfig:
    """Everything that shapes a sim run. Same seed + same start_time = same markets and results.

    Rate-limit defaults are Kalshi's Basic tier (token buckets, 10 tokens a request, 2 a cancel).
    `start_time` None means "the wall clock at construction, floored to the minute"; pass a fixed
    time when tickers (which embed dates) must be identical across runs.
    """

    seed: int = 0
    markets: int = 200
    host: str = "127.0.0.1"
    port: int = 0
    initial_balance: Decimal = DEFAULT_BALANCE
    read_rate: float = 200.0
    read_burst: float = 200.0
    write_rate: float = 100.0
    write_burst: float = 200.0
    request_cost: int = 10
    cancel_cost: int = 2
    time_scale: float = 60.0
    start_time: datetime | None = None
    # Sim seconds between market-maker re-quotes; resting orders are checked at every re-quote.
    quote_interval_seconds: float = 60.0
    # Sim seconds from close to determination (the result becomes known).
    determination_delay_seconds: float = 600.0
    # Share of Kalshi markets that get a linked Polymarket (Gamma) twin.
    gamma_link_fraction: float = 0.3
    # The price model (infra.sim.pricing): a named scenario, and overrides of its knobs (None =
    # the scenario's value). Noise is in probability units.
    scenario: str = DEFAULT_SCENARIO
    kalshi_noise: float | None = None
    polymarket_noise: float | None = None
    noise_correlation: float | None = None
    longshot_bias: float | None = None
    news_per_event: int | None = None
    news_share: float | None = None
    jump_probability: float | None = None
    jump_size: float | None = None
    # Other traders (infra.sim.flow), None = the default in PriceModel.
    flow_scale: float | None = None
    informed_share: float | None = None
    refill_per_quote: float | None = None
    # Accepted skew of KALSHI-ACCESS-TIMESTAMP against the real wall clock, either way.
    timestamp_tolerance_seconds: float = 5.0
    # Injectable time sources (tests): the token buckets' monotonic clock, the wall clock used
    # for signature timestamps, and the wall source that drives time_scale.
    rate_clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    auth_clock: Callable[[], float] = field(default=time.time, repr=False)
    scale_clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        if self.markets < 1:
            raise ValueError("markets must be >= 1")
        if self.request_cost < 1 or self.cancel_cost < 1:
            raise ValueError("request costs must be >= 1")
        if self.quote_interval_seconds <= 0:
            raise ValueError("quote_interval_seconds must be > 0")
        if self.initial_balance < 0:
            raise ValueError("initial_balance must be >= 0")
        self.price_model()  # an unknown scenario or an out-of-range knob fails here

    def price_model(self) -> PriceModel:
        return price_model(
            self.scenario,
            kalshi_noise=self.kalshi_noise,
            polymarket_noise=self.polymarket_noise,
            noise_correlation=self.noise_correlation,
            longshot_bias=self.longshot_bias,
            news_per_event=self.news_per_event,
            news_share=self.news_share,
            jump_probability=self.jump_probability,
            jump_size=self.jump_size,
            flow_scale=self.flow_scale,
            informed_share=self.informed_share,
            refill_per_quote=self.refill_per_quote,
        )
