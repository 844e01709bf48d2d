"""The forecast scorecard: skill against the market, with honest intervals, per model and prompt.

Honest means three things (issue 11):
- one scored forecast per market, model and prompt version (the first one the bot traded on,
  else the first one made): re-forecasting a market is not new evidence;
- skill is measured against the Kalshi mid at forecast time (Brier skill score, log-loss gain),
  because absolute Brier mostly measures how uncertain the markets were;
- every interval is clustered by event (markets of one event resolve together), by a cluster
  bootstrap with a fixed seed (skill) or a clustered standard error with Student's t on G - 1
  degrees of freedom (P&L): same inputs, same digits, on any machine and any date.

Scores are Decimals at the boundary; the bootstrap resamples float sums of Decimal losses (a
statistic, never money). Money intervals use Decimal throughout.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, localcontext

from pydantic import Field, model_validator

from domain.base import Frozen
from domain.models import Probability
from domain.money import ONE, ZERO
from domain.student_t import t_975

SCORE_PLACES = Decimal("0.000001")
LOG_LOSS_CLIP = Decimal("0.001")
BOOTSTRAP_SEED = 20_261_130
BOOTSTRAP_DRAWS = 1000

Interval = tuple[Decimal, Decimal]


class ScoredForecast(Frozen):
    model: str
    prompt_version: str
    probability: Probability
    outcome: bool  # did YES happen
    ticker: str = ""
    event_ticker: str = ""  # the cluster; empty = the market is its own event
    market_probability: Probability | None = None  # the Kalshi mid when it was made
    traded: bool = False  # an order acted on it and filled
    # Per contract, the trades its view called for marked to the market later (domain.markout):
    # this forecast's, and once one_per_market keeps it for its market, every forecast's there.
    markouts: tuple[Decimal, ...] = ()


class TradeResult(Frozen):
    model: str
    prompt_version: str
    pnl: Decimal  # after fees
    event_ticker: str = ""


class CalibrationBucket(Frozen):
    low: Decimal
    high: Decimal
    count: int
    mean_forecast: Decimal
    observed_rate: Decimal


class ModelScore(Frozen):
    model: str
    prompt_version: str
    forecasts: int  # markets scored (one forecast each)
    brier: Decimal
    log_loss: Decimal
    buckets: tuple[CalibrationBucket, ...]
    events: int = 0
    # Against the Kalshi mid, over the forecasts that had one.
    versus_market: int = 0
    market_brier: Decimal | None = None
    brier_skill: Decimal | None = None  # 1 - Brier / market Brier: > 0 beats the market
    brier_skill_ci: Interval | None = None
    market_log_loss: Decimal | None = None
    log_loss_gain: Decimal | None = None  # market log loss - log loss: > 0 beats the market
    log_loss_gain_ci: Interval | None = None
    trades: int = 0
    trade_pnl: Decimal = ZERO
    api_cost: Decimal = ZERO
    net_ci: Interval | None = None
    # The evidence that sizes Kelly (domain.markout): the mean markout per contract of every
    # forecast whose view called for a trade, with its interval clustered by event.
    edge_markouts: int = 0
    edge: Decimal | None = None
    edge_ci: Interval | None = None

    @property
    def net(self) -> Decimal:
        """What trading on these forecasts earned after fees and what the forecasts cost."""
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


def _mean(values: Sequence[Decimal]) -> Decimal:
    return (sum(values, ZERO) / len(values)).quantize(SCORE_PLACES)


def calibration(
    forecasts: Sequence[ScoredForecast], buckets: int = 10
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


def one_per_market(forecasts: Iterable[ScoredForecast]) -> list[ScoredForecast]:
    """Per (model, prompt version, market): the first forecast traded on, else the first made,
    carrying the markouts of all of them (the markout interval clusters by event, so more of
    them is not false confidence). `forecasts` come oldest first."""
    chosen: dict[tuple[str, str, str], ScoredForecast] = {}
    markouts: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    for forecast in forecasts:
        key = (forecast.model, forecast.prompt_version, forecast.ticker)
        markouts[key] += forecast.markouts
        current = chosen.get(key)
        if current is None or (forecast.traded and not current.traded):
            chosen[key] = forecast
    return [
        f if f.markouts == tuple(markouts[key]) else f.replace(markouts=tuple(markouts[key]))
        for key, f in chosen.items()
    ]


# Intervals clustered by event ---------------------------------------------------------------

Sums = tuple[float, ...]


def cluster_bootstrap(
    clusters: Sequence[Sums],
    statistics: Sequence[Callable[[Sums], float | None]],
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = BOOTSTRAP_SEED,
) -> list[Interval | None]:
    """The 95% percentile interval of each statistic over whole clusters resampled with
    replacement (each cluster = per-event sums; every statistic sees the same draws). None
    with fewer than two clusters."""
    if len(clusters) < 2:
        return [None] * len(statistics)
    rng = random.Random(seed)
    columns = list(zip(*clusters, strict=True))
    indices = range(len(clusters))
    values: list[list[float]] = [[] for _ in statistics]
    for _ in range(draws):
        drawn = rng.choices(indices, k=len(clusters))
        totals = tuple(sum(map(column.__getitem__, drawn)) for column in columns)
        for statistic, found in zip(statistics, values, strict=True):
            value = statistic(totals)
            if value is not None:
                found.append(value)
    return [_percentiles(found) for found in values]


def _percentiles(values: list[float]) -> Interval | None:
    if not values:
        return None
    values.sort()
    low = values[int(0.025 * (len(values) - 1))]
    high = values[int(0.975 * (len(values) - 1))]
    return _score(low), _score(high)


def _score(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(SCORE_PLACES)


def clustered_total_ci(amounts: Iterable[tuple[str, Decimal]]) -> Interval | None:
    """A 95% interval for the total of `amounts` (cluster, amount), from the clustered standard
    error sqrt(G / (G - 1) * sum over clusters of (total - mean)^2) and Student's t on G - 1
    degrees of freedom (the normal 1.96 covers 87%, not 95%, at 5 events), in exact Decimals."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for cluster, amount in amounts:
        totals[cluster] += amount
    count = len(totals)
    if count < 2:
        return None
    total = sum(totals.values(), ZERO)
    mean = total / count
    squares = sum(((t - mean) ** 2 for t in totals.values()), ZERO)
    with localcontext() as ctx:
        ctx.prec = 28
        error = (squares * count / (count - 1)).sqrt()
    half_width = t_975(count - 1) * error
    return total - half_width, total + half_width


def mean_with_ci(
    values: Sequence[tuple[str, Decimal]],
) -> tuple[Decimal | None, Interval | None]:
    """The mean of (cluster, value) pairs and its 95% interval (clustered_total_ci over the
    count); None with no values, no interval with fewer than two clusters."""
    if not values:
        return None, None
    count = len(values)
    mean = (sum((v for _, v in values), ZERO) / count).quantize(SCORE_PLACES)
    total_ci = clustered_total_ci(values)
    if total_ci is None:
        return mean, None
    return mean, (
        (total_ci[0] / count).quantize(SCORE_PLACES),
        (total_ci[1] / count).quantize(SCORE_PLACES),
    )


def _skill(totals: Sums) -> float | None:
    """Brier skill from (forecast Brier sum, market Brier sum, ...)."""
    return None if totals[1] <= 0 else 1.0 - totals[0] / totals[1]


def _gain(totals: Sums) -> float | None:
    """Mean log-loss gain from (..., forecast log loss sum, market log loss sum, count)."""
    return None if totals[4] <= 0 else (totals[3] - totals[2]) / totals[4]


class SkillScores(Frozen):
    forecasts: int
    events: int
    brier: Decimal
    market_brier: Decimal
    brier_skill: Decimal | None
    brier_skill_ci: Interval | None
    log_loss: Decimal
    market_log_loss: Decimal
    log_loss_gain: Decimal
    log_loss_gain_ci: Interval | None


def skill_against_market(
    pairs: Sequence[tuple[str, Decimal, Decimal, bool]],
) -> SkillScores | None:
    """Skill of forecasts against market probabilities: (event, forecast, market, outcome) each.
    The point estimates are exact Decimals; the intervals resample events."""
    if not pairs:
        return None
    per_event: dict[str, list[float]] = defaultdict(lambda: [0.0] * 5)
    sums = [ZERO] * 4
    for event, forecast, market, outcome in pairs:
        losses = (
            brier(forecast, outcome),
            brier(market, outcome),
            log_loss(forecast, outcome),
            log_loss(market, outcome),
        )
        row = per_event[event]
        for k, loss in enumerate(losses):
            sums[k] += loss
            row[k] += float(loss)
        row[4] += 1.0
    count = Decimal(len(pairs))
    clusters = [tuple(row) for _, row in sorted(per_event.items())]
    skill = None if sums[1] == 0 else (ONE - sums[0] / sums[1]).quantize(SCORE_PLACES)
    skill_ci, gain_ci = cluster_bootstrap(clusters, (_skill, _gain))
    return SkillScores(
        forecasts=len(pairs),
        events=len(per_event),
        brier=(sums[0] / count).quantize(SCORE_PLACES),
        market_brier=(sums[1] / count).quantize(SCORE_PLACES),
        brier_skill=skill,
        brier_skill_ci=skill_ci,
        log_loss=(sums[2] / count).quantize(SCORE_PLACES),
        market_log_loss=(sums[3] / count).quantize(SCORE_PLACES),
        log_loss_gain=((sums[3] - sums[2]) / count).quantize(SCORE_PLACES),
        log_loss_gain_ci=gain_ci,
    )


# The scorecard ------------------------------------------------------------------------------


def _event(forecast: ScoredForecast) -> str:
    return forecast.event_ticker or forecast.ticker


def scorecard(
    forecasts: Iterable[ScoredForecast],
    trades: Iterable[TradeResult] = (),
    api_costs: Mapping[tuple[str, str], Decimal] | None = None,
    buckets: int = 10,
) -> tuple[ModelScore, ...]:
    """One row per (model, prompt version), sorted; `forecasts` oldest first (every one made:
    the scorecard keeps one per market itself)."""
    by_key: dict[tuple[str, str], list[ScoredForecast]] = defaultdict(list)
    for forecast in one_per_market(forecasts):
        by_key[(forecast.model, forecast.prompt_version)].append(forecast)
    pnl: dict[tuple[str, str], list[TradeResult]] = defaultdict(list)
    for trade in trades:
        pnl[(trade.model, trade.prompt_version)].append(trade)
    costs = dict(api_costs or {})
    return tuple(
        _row(key, by_key.get(key, []), pnl.get(key, []), costs.get(key, ZERO), buckets)
        for key in sorted(set(by_key) | set(pnl) | set(costs))
    )


def _row(
    key: tuple[str, str],
    group: list[ScoredForecast],
    trades: list[TradeResult],
    api_cost: Decimal,
    buckets: int,
) -> ModelScore:
    skill = skill_against_market(
        [
            (_event(f), f.probability, f.market_probability, f.outcome)
            for f in group
            if f.market_probability is not None
        ]
    )
    trade_pnl = sum((t.pnl for t in trades), ZERO)
    total_ci = clustered_total_ci((t.event_ticker, t.pnl) for t in trades)
    markouts = [(_event(f), m) for f in group for m in f.markouts]
    edge, edge_ci = mean_with_ci(markouts)
    return ModelScore(
        model=key[0],
        prompt_version=key[1],
        forecasts=len(group),
        events=len({_event(f) for f in group}),
        brier=_mean([brier(f.probability, f.outcome) for f in group]) if group else ZERO,
        log_loss=_mean([log_loss(f.probability, f.outcome) for f in group]) if group else ZERO,
        buckets=calibration(group, buckets),
        versus_market=skill.forecasts if skill else 0,
        market_brier=skill.market_brier if skill else None,
        brier_skill=skill.brier_skill if skill else None,
        brier_skill_ci=skill.brier_skill_ci if skill else None,
        market_log_loss=skill.market_log_loss if skill else None,
        log_loss_gain=skill.log_loss_gain if skill else None,
        log_loss_gain_ci=skill.log_loss_gain_ci if skill else None,
        trades=len(trades),
        trade_pnl=trade_pnl,
        api_cost=api_cost,
        net_ci=None if total_ci is None else (total_ci[0] - api_cost, total_ci[1] - api_cost),
        edge_markouts=len(markouts),
        edge=edge,
        edge_ci=edge_ci,
    )


# Kelly from evidence ---------------------------------------------------------------------------


class ScorecardPolicy(Frozen):
    """Kelly follows the evidence of an edge over the market, and never falls when the evidence
    improves.

    The evidence is the 95% interval of the mean markout per contract (domain.markout): the
    forecaster's trades marked to the market an hour later, which detects a few cents of edge
    where Brier skill against the settlement does not. Until `min_forecasts` markouts are in,
    or while the interval's lower bound is at or below 0, no edge is shown and
    `unproven_scale` applies: the low end. Above 0 the scale rises linearly with the lower
    bound, to 1 at `full_edge` a contract. A forecaster shown to lose (the whole interval below
    0) bets at `worse_scale`, at most the unproven scale; forecasts are still made and marked,
    so it can earn its way back.
    """

    min_forecasts: int = Field(default=20, ge=1)
    full_edge: Decimal = Field(default=Decimal("0.02"), gt=0, le=1)
    unproven_scale: Probability = Decimal("0.25")
    worse_scale: Probability = ZERO

    @model_validator(mode="after")
    def _monotone(self) -> ScorecardPolicy:
        if self.worse_scale > self.unproven_scale:
            raise ValueError(
                f"the scale for a forecaster shown worse than the market ({self.worse_scale})"
                f" must not exceed the unproven scale ({self.unproven_scale})"
            )
        return self


def kelly_scale(score: ModelScore | None, policy: ScorecardPolicy) -> Decimal:
    """The scale on Kelly for a forecaster's record: non-decreasing in each bound of its
    markout interval."""
    interval = score.edge_ci if score is not None else None
    if score is None or score.edge_markouts < policy.min_forecasts or interval is None:
        return policy.unproven_scale
    low, high = interval
    if high < 0:
        return policy.worse_scale
    shown = min(max(low, ZERO) / policy.full_edge, ONE)
    return policy.unproven_scale + (ONE - policy.unproven_scale) * shown
