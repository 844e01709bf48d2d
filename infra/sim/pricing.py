"""The hidden price model: one latent fair value per event, and how each venue quotes it.

The reference (exchange-apis.md) is silent on how prices move; this is the sim's own model,
built so that no strategy wins by construction:

- Each event has one latent path W, a Brownian motion in *information time* s in [0, 1]: s = 0
  when the event is listed, s = 1 at its close. The outcome is drawn from where the path ends:
  Z = W(1) ~ N(0, 1), and market m of the event resolves YES iff Z falls in its interval
  [a_m, b_m) (brackets tile the line, so a ladder has exactly one winner).
- Information arrives as diffusion spread over the event's life, plus jumps: scheduled news
  (a few seeded moments that each reveal a fixed share) and unscheduled jumps (seeded steps
  carrying several times a normal step's share). Every share is fixed in advance, so the
  remaining variance 1 - s(t) is known and the hidden fair value
  P(a <= Z < b | W(s)) = Phi((b - W) / sqrt(1 - s)) - Phi((a - W) / sqrt(1 - s))
  is the exact conditional probability: calibrated, a martingale, and it converges to 0 or 1
  as the close nears.
- Venues quote the fair value with errors. Kalshi's market maker centres on
  fair + kalshi_noise * e_k(t); a linked Polymarket price is
  fair + noise_correlation * kalshi_noise * e_k(t) + polymarket_noise * e_p(t), with e_k, e_p
  independent slowly-moving standard normals. A correlation of 1 means Polymarket copies
  Kalshi's error (arbitraged venues agree); 0 means independent views.

Everything is a pure function of (seed, listing time, elapsed sim time): each path has its
own generator seeded from the event's seed, never a shared one.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from statistics import NormalDist

from infra.sim.rng import normalish

# Steps per event path: at most one per re-quote, and no more than this many.
MAX_STEPS = 96
# The quote errors take a fresh anchor every this many re-quotes and interpolate in between.
ANCHOR_EPOCHS = 30
_STANDARD = NormalDist()
_POLY_SALT = 0x9017


@dataclass(frozen=True)
class Scenario:
    """How the two venues quote the hidden fair value (probability units; see module doc)."""

    name: str
    kalshi_noise: float
    polymarket_noise: float
    noise_correlation: float
    summary: str


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "agree",
            kalshi_noise=0.03,
            polymarket_noise=0.01,
            noise_correlation=1.0,
            summary="arbitraged venues: Polymarket = Kalshi's view + small noise (the default)",
        ),
        Scenario(
            "kalshi-truth",
            kalshi_noise=0.0,
            polymarket_noise=0.03,
            noise_correlation=0.0,
            summary="Kalshi's maker quotes the fair value; Polymarket adds its own noise",
        ),
        Scenario(
            "polymarket-edge",
            kalshi_noise=0.04,
            polymarket_noise=0.005,
            noise_correlation=0.0,
            summary="opt-in, planted edge: Polymarket is close to the truth, Kalshi is noisy",
        ),
    )
}
DEFAULT_SCENARIO = "agree"


@dataclass(frozen=True)
class PriceModel:
    """Every knob of the price model, resolved (scenario defaults plus overrides)."""

    scenario: str = DEFAULT_SCENARIO
    kalshi_noise: float = 0.03
    polymarket_noise: float = 0.01
    noise_correlation: float = 1.0
    news_per_event: int = 2  # up to this many scheduled news moments per event
    news_share: float = 0.3  # share of the information that arrives as scheduled news
    jump_probability: float = 0.02  # chance that a diffusion step is an unscheduled jump
    jump_size: float = 15.0  # a jump step carries this many normal steps' information
    # Other traders (infra.sim.flow): taker flow per re-quote as a multiple of each market's
    # volume (0: none), the informed share of it, and the share of a take the maker refills
    # at each re-quote (1: all of it at once).
    flow_scale: float = 1.0
    informed_share: float = 0.3
    refill_per_quote: float = 0.5

    def __post_init__(self) -> None:
        checks = {
            "kalshi_noise": 0 <= self.kalshi_noise <= 0.5,
            "polymarket_noise": 0 <= self.polymarket_noise <= 0.5,
            "noise_correlation": 0 <= self.noise_correlation <= 1,
            "news_per_event": 0 <= self.news_per_event <= 20,
            "news_share": 0 <= self.news_share < 1,
            "jump_probability": 0 <= self.jump_probability <= 1,
            "jump_size": 1 <= self.jump_size <= 1000,
            "flow_scale": 0 <= self.flow_scale <= 100,
            "informed_share": 0 <= self.informed_share <= 1,
            "refill_per_quote": 0 < self.refill_per_quote <= 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"price model out of range: {', '.join(bad)}")


# Every knob of the model but the scenario's name (flags and settings expose each of them).
PRICE_KNOBS = tuple(name for name in PriceModel.__dataclass_fields__ if name != "scenario")


def price_model(scenario: str, **overrides: float | int | None) -> PriceModel:
    """The scenario's model with any non-None override applied; unknown names fail clearly."""
    chosen = SCENARIOS.get(scenario)
    if chosen is None:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    values: dict[str, float | int | str] = {
        "scenario": chosen.name,
        "kalshi_noise": chosen.kalshi_noise,
        "polymarket_noise": chosen.polymarket_noise,
        "noise_correlation": chosen.noise_correlation,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return PriceModel(**values)  # type: ignore[arg-type]


def z_of(probability: float) -> float:
    """The standard-normal quantile, with the ends mapped to infinities."""
    if probability <= 0.0:
        return -math.inf
    if probability >= 1.0:
        return math.inf
    return _STANDARD.inv_cdf(probability)


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


class LatentPath:
    """One event's information path: W after each step, and the information s revealed."""

    __slots__ = ("_close", "_created", "_s", "_steps", "_w", "epoch_seconds")

    def __init__(
        self, seed: int, created_ts: float, close_ts: float, epoch_seconds: float, model: PriceModel
    ) -> None:
        self.epoch_seconds = epoch_seconds
        self._created = created_ts
        self._close = max(close_ts, created_ts + 1.0)
        self._steps = max(1, min(MAX_STEPS, math.ceil((self._close - created_ts) / epoch_seconds)))
        self._w: list[float] = [0.0]
        self._s: list[float] = [0.0]
        self._build(seed, model)

    def _build(self, seed: int, model: PriceModel) -> None:
        """Draw the path from its own seeded generator: a pure function of the seed."""
        steps = self._steps
        rng = random.Random(seed)
        weights = [
            model.jump_size if rng.random() < model.jump_probability else 1.0 for _ in range(steps)
        ]
        news_count = int(rng.random() * (model.news_per_event + 1))
        news_share = model.news_share if news_count else 0.0
        scale = (1.0 - news_share) / sum(weights)
        shares = [w * scale for w in weights]
        for _ in range(news_count):  # news falls in the later four-fifths of the life
            shares[min(steps - 1, int(steps * (0.2 + 0.8 * rng.random())))] += (
                news_share / news_count
            )
        w, s = 0.0, 0.0
        gauss, sqrt, path, revealed = rng.gauss, math.sqrt, self._w, self._s
        for share in shares:
            w += sqrt(share) * gauss(0.0, 1.0)
            s += share
            path.append(w)
            revealed.append(s)
        revealed[-1] = 1.0  # rounding: at the close everything is known

    def state(self, ts: float) -> tuple[float, float]:
        """(W, information revealed) at sim time `ts`: steps completed by then."""
        if ts <= self._created:
            return 0.0, 0.0
        elapsed = (ts - self._created) / (self._close - self._created)
        done = min(self._steps, int(elapsed * self._steps))
        return self._w[done], self._s[done]

    @property
    def final(self) -> float:
        """Z = W(1): where the path ends, which decides every market of the event."""
        return self._w[-1]


def interval_of(result_lo: float, probability: float) -> tuple[float, float]:
    """The z-interval [a, b) of a market whose prior YES share is [result_lo, result_lo + p)."""
    return z_of(result_lo), z_of(result_lo + probability)


def fair_value(path: LatentPath, interval: tuple[float, float], ts: float) -> float:
    """P(YES | information at ts): the hidden truth."""
    w, s = path.state(ts)
    low, high = interval
    remaining = 1.0 - s
    if remaining <= 1e-12:
        return 1.0 if low <= w < high else 0.0
    sd = math.sqrt(remaining)
    return max(0.0, _phi((high - w) / sd) - _phi((low - w) / sd))


# Standard deviation of a scalar market's settlement value around its expected value.
SCALAR_SPREAD = 0.15


def scalar_value(expected: float, z: float) -> float:
    """A scalar market's value per YES contract at path position z: the listing-time
    expectation moved by SCALAR_SPREAD per unit of z, clipped to [0, 1] (A7)."""
    return min(1.0, max(0.0, expected + SCALAR_SPREAD * z))


def scalar_fair_value(path: LatentPath, expected: float, ts: float) -> float:
    """E[value | information at ts], ignoring the clip at 0 and 1 (a close approximation
    unless the value sits near an end): the path's mean moves, its spread shrinks."""
    w, _ = path.state(ts)
    return scalar_value(expected, w)


def quote_error(seed: int, epoch: int) -> float:
    """A slowly moving standard-normal-ish error: anchors every ANCHOR_EPOCHS, interpolated."""
    anchor, offset = divmod(epoch, ANCHOR_EPOCHS)
    start = normalish(seed, anchor)
    end = normalish(seed, anchor + 1)
    return start + (end - start) * offset / ANCHOR_EPOCHS


def polymarket_error(seed: int, epoch: int) -> float:
    return quote_error(seed ^ _POLY_SALT, epoch)
