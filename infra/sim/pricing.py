"""The hidden price model: one latent fair value per event, and how each venue quotes it.

The reference (exchange-apis.md) is silent on how prices move; this is the sim's own model,
built so that no strategy wins by construction:

- Each event has one latent path W, a Brownian motion in *information time* s in [0, 1]: s = 0
  when the event is listed, s = 1 at its close. Information arrives in steps at random times
  (uniform over the event's life, drawn from its seed and published nowhere): diffusion steps,
  unscheduled jumps (several times a normal step's share) and a few news steps (a fixed share
  each). Z = W(1) ~ N(0, 1) is where the path ends.
- Markets pay on the resolution source's reading R = Z + RESOLUTION_SD * eta, eta ~ N(0, 1)
  drawn with the path: the first determination reads Z, and where R decides differently (a
  close call) the result is disputed and amended: flipped results are the markets whose
  outcome sat at a boundary, as real disputes are. Market m of the event pays YES iff R falls
  in its interval [a_m, b_m) (brackets tile the line, so a ladder has exactly one winner).
  Every share is fixed in advance, so the remaining variance 1 - s(t) is known and the hidden
  fair value P(a <= R < b | W(s)) = Phi((b - W) / v) - Phi((a - W) / v), with
  v = sqrt(1 - s + RESOLUTION_SD^2), is the exact payout probability (flips included):
  calibrated, a martingale, and it moves toward 0 or 1 as the close nears (all the way where
  the outcome is clear; a close call stays uncertain until the amendment).
- Venues quote the fair value with errors, in log-odds. Kalshi's market maker centres on
  logistic((1 - longshot_bias) * logit(fair) + 4 * kalshi_noise * e_k(t)): the favourite-
  longshot bias shrinks the log-odds toward even, so longshots are overpriced and favourites
  underpriced, as on real exchanges (see LONGSHOT_BIAS for its size and source). A linked
  Polymarket price is logistic(logit(fair) + noise_correlation * (Kalshi's log-odds error) +
  4 * polymarket_noise * e_p(t)). A correlation of 1 copies Kalshi's whole view, bias
  included (arbitraged venues agree); 0 means an independent, unbiased view. The factor 4 makes
  a noise a probability error at 50c; toward 0 and 1 errors shrink with p(1 - p).
- e_k and e_p are standard-normal AR(1) processes that take a new value at random times (every
  ERROR_GAP_SECONDS on average, at times drawn from the market's seed): mean-reverting (they
  keep exp(-1) of their value over ERROR_REVERSION_SECONDS), unchanged between innovations (no
  drift that would give the error away) and independent of the fair value's steps. The mid is
  then the best public estimate of the maker's centre, and its own history adds nothing
  measurable (tests/infra/sim/test_pricing.py fits an estimator on it).

Everything is a pure function of (seed, listing time, elapsed sim time): each path has its
own generator seeded from the event's (or the market's) seed, never a shared one.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

# Steps per event path: at most one per re-quote, and no more than this many.
MAX_STEPS = 96
# The resolution source's reading of the outcome differs from where the path ends by this much
# (in z units): about 1.5% of binary results are flipped by an amendment, the close calls.
RESOLUTION_SD = 0.06
# Each quote error takes a new value every ERROR_GAP_SECONDS on average (at random times) and
# keeps exp(-1) of its value over ERROR_REVERSION_SECONDS (an AR(1) in the innovations): a
# mispricing lasts about half an hour of sim time, as the interpolated errors before did, so a
# markout an hour later sees most of it gone. At most ERROR_MAX_INNOVATIONS over a life.
ERROR_GAP_SECONDS = 300.0
ERROR_REVERSION_SECONDS = 900.0
ERROR_MAX_INNOVATIONS = 2000
# Log-odds per unit of noise: a noise of 0.03 is a 3c error at 50c.
NOISE_LOGIT = 4.0
# The favourite-longshot bias: quoted log-odds = (1 - LONGSHOT_BIAS) x the true log-odds. On
# Kalshi, contracts trading at 5c win 4.18% of the time (J. Becker, "The Microstructure of
# Wealth Transfer in Prediction Markets", 2026, 72.1M Kalshi trades 2021-2025), which is
# logit(0.0418) / logit(0.05) = 1 / 0.94; Burgi, Deng & Whelan ("Makers and Takers: the
# economics of the Kalshi prediction market", CESifo WP 12122, 2025) find the same direction:
# low-price contracts win far less often than priced, high-price ones a little more often.
LONGSHOT_BIAS = 0.06
_STANDARD = NormalDist()
_POLY_SALT = 0x9017
_EDGE = 1e-9  # probabilities are kept this far from 0 and 1 before taking log-odds


@dataclass(frozen=True)
class Scenario:
    """How the two venues quote the hidden fair value (probability units; see module doc)."""

    name: str
    kalshi_noise: float
    polymarket_noise: float
    noise_correlation: float
    longshot_bias: float
    summary: str


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "agree",
            kalshi_noise=0.03,
            polymarket_noise=0.01,
            noise_correlation=1.0,
            longshot_bias=LONGSHOT_BIAS,
            summary="arbitraged venues: Polymarket = Kalshi's view + small noise (the default)",
        ),
        Scenario(
            "kalshi-truth",
            kalshi_noise=0.0,
            polymarket_noise=0.045,
            noise_correlation=0.0,
            longshot_bias=0.0,
            summary="Kalshi's maker quotes the fair value; Polymarket adds its own noise",
        ),
        Scenario(
            "polymarket-edge",
            kalshi_noise=0.07,
            polymarket_noise=0.005,
            noise_correlation=0.0,
            longshot_bias=LONGSHOT_BIAS,
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
    longshot_bias: float = LONGSHOT_BIAS  # quoted log-odds = (1 - it) x the true log-odds
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
            "longshot_bias": 0 <= self.longshot_bias < 1,
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
        "longshot_bias": chosen.longshot_bias,
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


def _density(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def logit(probability: float) -> float:
    p = min(1.0 - _EDGE, max(_EDGE, probability))
    return math.log(p / (1.0 - p))


def logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class LatentPath:
    """One event's information path: W after each step, the information s revealed, the times
    the steps happen (random, unpublished), and the resolution source's reading R."""

    __slots__ = ("_created", "_s", "_times", "_w", "epoch_seconds", "reading")

    def __init__(
        self, seed: int, created_ts: float, close_ts: float, epoch_seconds: float, model: PriceModel
    ) -> None:
        self.epoch_seconds = epoch_seconds
        self._created = created_ts
        close = max(close_ts, created_ts + 1.0)
        steps = max(1, min(MAX_STEPS, math.ceil((close - created_ts) / epoch_seconds)))
        self._w: list[float] = [0.0]
        self._s: list[float] = [0.0]
        self._times: list[float] = []
        self.reading = 0.0
        self._build(seed, model, steps, close)

    def _build(self, seed: int, model: PriceModel, steps: int, close: float) -> None:
        """Draw the path from its own seeded generator: a pure function of the seed."""
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
        # The steps' times: sorted uniform draws over the life (the last one at the close, so
        # that everything is known then), unknowable from the listing.
        life = close - self._created
        times = sorted(self._created + life * rng.random() for _ in range(steps - 1))
        self._times = [*times, close]
        self.reading = w + RESOLUTION_SD * gauss(0.0, 1.0)

    def state(self, ts: float) -> tuple[float, float]:
        """(W, information revealed) at sim time `ts`: steps completed by then."""
        done = bisect_right(self._times, ts)
        return self._w[done], self._s[done]

    @property
    def final(self) -> float:
        """Z = W(1): where the path ends, which the first determination reads."""
        return self._w[-1]


# The payout's z-scale: R = Z + RESOLUTION_SD * eta has this standard deviation.
_READING_SD = math.sqrt(1.0 + RESOLUTION_SD**2)


def interval_of(result_lo: float, probability: float) -> tuple[float, float]:
    """The interval [a, b) of R for a market whose prior YES share is [result_lo, result_lo + p)."""
    return z_of(result_lo) * _READING_SD, z_of(result_lo + probability) * _READING_SD


def fair_value(path: LatentPath, interval: tuple[float, float], ts: float) -> float:
    """P(the market pays YES | information at ts): the hidden truth, amendments included."""
    w, s = path.state(ts)
    low, high = interval
    sd = math.sqrt(max(0.0, 1.0 - s) + RESOLUTION_SD**2)
    return max(0.0, _phi((high - w) / sd) - _phi((low - w) / sd))


def decides(interval: tuple[float, float], position: float) -> bool:
    low, high = interval
    return low <= position < high


# Standard deviation of a scalar market's settlement value around its expected value.
SCALAR_SPREAD = 0.15


def scalar_value(expected: float, z: float) -> float:
    """A scalar market's value per YES contract at path position z: the listing-time
    expectation moved by SCALAR_SPREAD per unit of z, clipped to [0, 1] (A7)."""
    return min(1.0, max(0.0, expected + SCALAR_SPREAD * z))


def scalar_fair_value(path: LatentPath, expected: float, ts: float) -> float:
    """E[value | information at ts], exactly: the mean of a normal clipped to [0, 1]."""
    w, s = path.state(ts)
    mean = expected + SCALAR_SPREAD * w
    sd = SCALAR_SPREAD * math.sqrt(max(0.0, 1.0 - s))
    if sd <= 1e-12:
        return min(1.0, max(0.0, mean))
    low, high = -mean / sd, (1.0 - mean) / sd
    inside = mean * (_phi(high) - _phi(low)) + sd * (_density(low) - _density(high))
    return min(1.0, max(0.0, inside + 1.0 - _phi(high)))


class ErrorPath:
    """A standard-normal AR(1) error that takes a new value at random times over a life."""

    __slots__ = ("_times", "_values")

    def __init__(self, seed: int, start: float, end: float) -> None:
        rng = random.Random(seed)
        life = max(end - start, 1.0)
        count = max(1, min(ERROR_MAX_INNOVATIONS, round(life / ERROR_GAP_SECONDS)))
        keep = math.exp(-life / count / ERROR_REVERSION_SECONDS)
        fresh = math.sqrt(1.0 - keep * keep)
        self._times = sorted(start + life * rng.random() for _ in range(count))
        value = rng.gauss(0.0, 1.0)
        self._values = [value]
        for _ in range(count):
            value = keep * value + fresh * rng.gauss(0.0, 1.0)
            self._values.append(value)

    def at(self, ts: float) -> float:
        return self._values[bisect_right(self._times, ts)]


@lru_cache(maxsize=1 << 14)
def error_path(seed: int, start: float, end: float) -> ErrorPath:
    return ErrorPath(seed, start, end)


def quote_error(seed: int, start: float, end: float, ts: float) -> float:
    """The maker's standard-normal error at `ts` for a market living from `start` to `end`."""
    return error_path(seed, start, end).at(ts)


def polymarket_error(seed: int, start: float, end: float, ts: float) -> float:
    return quote_error(seed ^ _POLY_SALT, start, end, ts)
