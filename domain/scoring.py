"""The forecast scorecard: Brier score, log loss and calibration, per model and prompt.

Scores are Decimals (ln via Decimal.ln), so the same inputs always give the same digits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext

from pydantic import Field

from domain.base import Frozen
from domain.models import Probability
from domain.money import ONE, ZERO

SCORE_PLACES = Decimal("0.000001")
LOG_LOSS_CLIP = Decimal("0.001")


class ScoredForecast(Frozen):
    model: str
    prompt_version: str
    probability: Probability
    outcome: bool  # did YES happen


class TradeResult(Frozen):
    model: str
    prompt_version: str
    pnl: Decimal


class CalibrationBucket(Frozen):
    low: Decimal
    high: Decimal
    count: int
    mean_forecast: Decimal
    observed_rate: Decimal


class ModelScore(Frozen):
    model: str
    prompt_version: str
    forecasts: int
    brier: Decimal
    log_loss: Decimal
    buckets: tuple[CalibrationBucket, ...]
    trades: int = 0
    trade_pnl: Decimal = ZERO
    api_cost: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """What trading on these forecasts earned after what the forecasts cost."""
        return self.trade_pnl - self.api_cost


def brier(probability: Decimal, outcome: bool) -> Decimal:
    target = ONE if outcome else ZERO
    return (probability - target) ** 2


def log_loss(probability: Decimal, outcome: bool, clip: Decimal = LOG_LOSS_CLIP) -> Decimal:
    """-ln of the probability given to what happened, clipped away from 0 and 1."""
    p = min(max(probability, clip), ONE - clip)
    with localcontext() as ctx:
        ctx.prec = 28
        return -(p if outcome else ONE - p).ln()


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, ZERO) / len(values)).quantize(SCORE_PLACES)


def calibration(
    forecasts: list[ScoredForecast], buckets: int = 10
) -> tuple[CalibrationBucket, ...]:
    """Forecasts grouped by probability decile: mean forecast vs how often YES happened."""
    width = ONE / buckets
    grouped: dict[int, list[ScoredForecast]] = defaultdict(list)
    for forecast in forecasts:
        index = min(int(forecast.probability / width), buckets - 1)
        grouped[index].append(forecast)
    return tuple(
        CalibrationBucket(
            low=width * index,
            high=width * (index + 1),
            count=len(group),
            mean_forecast=_mean([f.probability for f in group]),
            observed_rate=_mean([ONE if f.outcome else ZERO for f in group]),
        )
        for index, group in sorted(grouped.items())
    )


def scorecard(
    forecasts: Iterable[ScoredForecast],
    trades: Iterable[TradeResult] = (),
    api_costs: Mapping[tuple[str, str], Decimal] | None = None,
    buckets: int = 10,
) -> tuple[ModelScore, ...]:
    """One row per (model, prompt version), sorted by model then prompt version."""
    by_key: dict[tuple[str, str], list[ScoredForecast]] = defaultdict(list)
    for forecast in forecasts:
        by_key[(forecast.model, forecast.prompt_version)].append(forecast)
    pnl: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for trade in trades:
        pnl[(trade.model, trade.prompt_version)].append(trade.pnl)
    costs = dict(api_costs or {})
    rows = []
    for key in sorted(set(by_key) | set(pnl) | set(costs)):
        group = by_key.get(key, [])
        rows.append(
            ModelScore(
                model=key[0],
                prompt_version=key[1],
                forecasts=len(group),
                brier=_mean([brier(f.probability, f.outcome) for f in group]) if group else ZERO,
                log_loss=_mean([log_loss(f.probability, f.outcome) for f in group])
                if group
                else ZERO,
                buckets=calibration(group, buckets),
                trades=len(pnl.get(key, [])),
                trade_pnl=sum(pnl.get(key, []), ZERO),
                api_cost=costs.get(key, ZERO),
            )
        )
    return tuple(rows)


class ScorecardPolicy(Frozen):
    """A forecaster with a poor record bets less: its Kelly multiplier shrinks."""

    min_forecasts: int = Field(default=20, ge=1)
    good_brier: Decimal = Field(default=Decimal("0.20"), ge=0, le=1)
    bad_brier: Decimal = Field(default=Decimal("0.25"), ge=0, le=1)
    bad_scale: Probability = Decimal("0.5")


def kelly_scale(score: ModelScore | None, policy: ScorecardPolicy) -> Decimal:
    """1 until there is enough evidence; then from 1 (good) down to bad_scale (bad), linearly."""
    if score is None or score.forecasts < policy.min_forecasts:
        return ONE
    if score.brier <= policy.good_brier:
        return ONE
    if score.brier >= policy.bad_brier:
        return policy.bad_scale
    span = policy.bad_brier - policy.good_brier
    worse = (score.brier - policy.good_brier) / span
    return ONE - (ONE - policy.bad_scale) * worse
