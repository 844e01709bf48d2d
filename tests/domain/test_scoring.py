import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.scoring import (
    ModelScore,
    ScorecardPolicy,
    ScoredForecast,
    TradeResult,
    brier,
    clustered_total_ci,
    kelly_scale,
    log_loss,
    one_per_market,
    scorecard,
)

D = Decimal


def scored(p: str, outcome: bool, model: str = "A", version: str = "v1") -> ScoredForecast:
    return ScoredForecast(
        model=model,
        prompt_version=version,
        probability=D(p),
        outcome=outcome,
        ticker=f"T-{p}-{outcome}",
    )


def test_hand_computed_scorecard() -> None:
    # Brier: 0.2^2, 0.3^2, 0.6^2 -> (0.04 + 0.09 + 0.36) / 3 = 0.163333...
    # Log loss: -ln 0.8 = 0.2231436, -ln 0.7 = 0.3566749, -ln 0.4 = 0.9162907 -> mean 0.4987031
    forecasts = [scored("0.8", True), scored("0.3", False), scored("0.6", False)]
    trades = [
        TradeResult(model="A", prompt_version="v1", pnl=D("5.00")),
        TradeResult(model="A", prompt_version="v1", pnl=D("-2.00")),
    ]
    [row] = scorecard(forecasts, trades, {("A", "v1"): D("0.75")})
    assert row.forecasts == 3
    assert row.brier == D("0.163333")
    assert row.log_loss == D("0.498703")
    assert [(b.low, b.count, b.observed_rate) for b in row.buckets] == [
        (D("0.3"), 1, D(0)),
        (D("0.6"), 1, D(0)),
        (D("0.8"), 1, D(1)),
    ]
    assert (row.trades, row.trade_pnl, row.api_cost, row.net) == (
        2,
        D("3.00"),
        D("0.75"),
        D("2.25"),
    )


def test_rows_per_model_and_prompt_version() -> None:
    rows = scorecard(
        [
            scored("0.5", True, "A", "v1"),
            scored("0.5", True, "A", "v2"),
            scored("0.9", False, "B", "v1"),
        ]
    )
    assert [(r.model, r.prompt_version, r.forecasts) for r in rows] == [
        ("A", "v1", 1),
        ("A", "v2", 1),
        ("B", "v1", 1),
    ]


def test_log_loss_is_clipped_not_infinite() -> None:
    assert log_loss(D(0), True) == -(D("0.001").ln())
    assert log_loss(D(1), True) < D("0.0011")


@given(st.decimals(min_value=0, max_value=1, places=3), st.booleans())
def test_brier_is_in_unit_interval(p: Decimal, outcome: bool) -> None:
    assert D(0) <= brier(p, outcome) <= D(1)


def test_one_scored_forecast_per_market_the_first_traded_else_the_first() -> None:
    def made(ticker: str, p: str, traded: bool = False) -> ScoredForecast:
        return ScoredForecast(
            model="A",
            prompt_version="v1",
            probability=D(p),
            outcome=True,
            ticker=ticker,
            traded=traded,
        )

    repeated = [made("M1", "0.6"), made("M1", "0.7", traded=True), made("M1", "0.8", True)]
    repeated += [made("M2", "0.3"), made("M2", "0.4")]
    chosen = {f.ticker: f.probability for f in one_per_market(repeated)}
    assert chosen == {"M1": D("0.7"), "M2": D("0.3")}
    [row] = scorecard(repeated)
    assert row.forecasts == 2  # five forecasts, two markets: two pieces of evidence


def _world(
    events: int, per_event: int, forecaster_noise: float, market_noise: float, seed: int = 1
) -> list[ScoredForecast]:
    """Seeded synthetic markets: truth p, outcome drawn from it, noisy views of p."""
    rng = random.Random(seed)
    rows = []
    for event in range(events):
        for leg in range(per_event):
            p = rng.uniform(0.3, 0.7)  # uncertain markets: every absolute Brier is high
            outcome = rng.random() < p

            def view(noise: float, p: float = p) -> Decimal:
                return D(repr(min(0.99, max(0.01, p + rng.gauss(0, noise))))).quantize(D("0.01"))

            rows.append(
                ScoredForecast(
                    model="A",
                    prompt_version="v1",
                    probability=view(forecaster_noise),
                    market_probability=view(market_noise),
                    outcome=outcome,
                    ticker=f"E{event}-{leg}",
                    event_ticker=f"E{event}",
                )
            )
    return rows


def test_skill_against_the_market_with_intervals_clustered_by_event() -> None:
    [better] = scorecard(_world(200, 2, forecaster_noise=0.0, market_noise=0.12))
    assert better.brier > D("0.2")  # high absolute Brier: the markets are uncertain...
    assert better.brier_skill is not None
    assert better.brier_skill_ci is not None
    assert better.brier_skill_ci[0] > 0  # ...yet it beats the market, with confidence
    assert better.log_loss_gain_ci is not None
    assert better.log_loss_gain_ci[0] > 0
    [same] = scorecard(_world(200, 2, forecaster_noise=0.0, market_noise=0.0))
    assert same.brier_skill == 0
    assert same.brier_skill_ci == (D(0), D(0))
    [worse] = scorecard(_world(200, 2, forecaster_noise=0.12, market_noise=0.0))
    assert worse.brier_skill_ci is not None
    assert worse.brier_skill_ci[1] < 0
    # The same 400 markets in 20 events are far less evidence than in 400 events.
    [clustered] = scorecard(_world(20, 20, forecaster_noise=0.0, market_noise=0.12))
    [spread] = scorecard(_world(400, 1, forecaster_noise=0.0, market_noise=0.12))
    assert clustered.brier_skill_ci is not None
    assert spread.brier_skill_ci is not None
    width = lambda ci: ci[1] - ci[0]  # noqa: E731
    assert width(clustered.brier_skill_ci) > width(spread.brier_skill_ci)
    # A fixed bootstrap seed: the same inputs give the same digits.
    assert scorecard(_world(20, 20, 0.0, 0.12)) == (clustered,)


def test_net_interval_is_a_clustered_standard_error_after_api_cost() -> None:
    trades = [
        TradeResult(model="A", prompt_version="v1", pnl=D(4), event_ticker="E1"),
        TradeResult(model="A", prompt_version="v1", pnl=D(-1), event_ticker="E1"),
        TradeResult(model="A", prompt_version="v1", pnl=D(-2), event_ticker="E2"),
        TradeResult(model="A", prompt_version="v1", pnl=D(1), event_ticker="E3"),
    ]
    # Event totals 3, -2, 1: mean 2/3, squares 49/9 + 64/9 + 1/9 = 114/9; x 3/2 = 19.
    # Three events: Student's t on 2 degrees of freedom, 4.302653, not the normal 1.96.
    low, high = clustered_total_ci((t.event_ticker, t.pnl) for t in trades)  # type: ignore[misc]
    half_width = D("4.302653") * D(19).sqrt()
    assert (low, high) == (D(2) - half_width, D(2) + half_width)
    [row] = scorecard([], trades, {("A", "v1"): D("0.50")})
    assert row.net == D("1.50")
    assert row.net_ci == (low - D("0.50"), high - D("0.50"))


def _marked(markouts: list[str], events: int = 10) -> list[ScoredForecast]:
    """Forecasts carrying these markouts, spread over `events` events, one market each."""
    return [
        ScoredForecast(
            model="A",
            prompt_version="v1",
            probability=D("0.5"),
            outcome=True,
            ticker=f"T{i}",
            event_ticker=f"E{i % events}",
            markouts=(D(m),),
        )
        for i, m in enumerate(markouts)
    ]


def test_kelly_follows_the_markout_evidence_never_brier() -> None:
    policy = ScorecardPolicy(min_forecasts=20, full_edge=D("0.02"))
    [better] = scorecard(_marked(["0.03", "0.05"] * 20))
    [worse] = scorecard(_marked(["-0.03", "-0.02"] * 20))
    [few] = scorecard(_marked(["0.03", "0.05"] * 5))
    assert better.edge == D("0.04")
    assert better.edge_ci is not None
    assert better.edge_ci[0] > D("0.02")
    assert kelly_scale(better, policy) == 1
    assert worse.edge_ci is not None
    assert worse.edge_ci[1] < 0
    assert kelly_scale(worse, policy) == 0  # shown to lose: no bets
    assert kelly_scale(few, policy) == policy.unproven_scale == D("0.25")
    assert kelly_scale(None, policy) == D("0.25")
    unshown = better.replace(edge_ci=(D("-0.02"), D("0.03")))
    assert kelly_scale(unshown, policy) == D("0.25")  # no edge shown: the unproven end
    half = better.replace(edge_ci=(D("0.01"), D("0.2")))
    assert kelly_scale(half, policy) == D("0.625")  # halfway from 0.25 to 1
    brier_only = better.replace(edge_ci=None, brier_skill_ci=(D("0.1"), D("0.2")))
    assert kelly_scale(brier_only, policy) == D("0.25")  # Brier skill is reported, not sized on


def test_the_markouts_of_every_forecast_of_a_market_count_in_its_cluster() -> None:
    first = ScoredForecast(
        model="A",
        prompt_version="v1",
        probability=D("0.6"),
        outcome=True,
        ticker="T",
        event_ticker="E",
        markouts=(D("0.01"),),
    )
    again = first.replace(probability=D("0.7"), markouts=(D("0.03"),), traded=True)
    [kept] = one_per_market([first, again])
    assert kept.probability == D("0.7")  # the one traded on is scored...
    assert kept.markouts == (D("0.01"), D("0.03"))  # ...carrying both markouts
    [row] = scorecard([first, again])
    assert row.edge_markouts == 2
    assert row.edge == D("0.02")
    assert row.edge_ci is None  # one event: no interval, so no evidence either way
    assert kelly_scale(row, ScorecardPolicy(min_forecasts=1)) == D("0.25")


def test_a_little_evidence_of_an_edge_never_bets_less_than_none() -> None:
    """The old rule bet an unproven forecaster at 1 and one with a lower bound of +0.01 at 0.2."""
    policy = ScorecardPolicy()
    [row] = scorecard(_marked(["0.03", "0.05"] * 20))
    some = row.replace(edge_ci=(D("0.004"), D("0.2")))
    assert kelly_scale(some, policy) == D("0.4")  # 0.25 + 0.75 x 0.004 / 0.02
    assert kelly_scale(some, policy) > kelly_scale(None, policy)


def test_a_policy_that_bets_more_on_worse_than_unproven_is_refused() -> None:
    with pytest.raises(ValidationError, match="must not exceed the unproven scale"):
        ScorecardPolicy(unproven_scale=D("0.1"), worse_scale=D("0.2"))


_skills = st.decimals(min_value=D(-1), max_value=D(1), places=4)
_policies = st.builds(
    ScorecardPolicy,
    min_forecasts=st.integers(1, 40),
    full_edge=st.decimals(min_value=D("0.0001"), max_value=D(1), places=4),
    unproven_scale=st.decimals(min_value=D(0), max_value=D(1), places=2),
    worse_scale=st.just(D(0)),
)


def _evidence(scored: int, bounds: tuple[Decimal, Decimal]) -> ModelScore:
    low, high = sorted(bounds)
    return ModelScore(
        model="A",
        prompt_version="v1",
        forecasts=scored,
        brier=D("0.2"),
        log_loss=D("0.6"),
        buckets=(),
        versus_market=scored,
        edge_markouts=scored,
        edge_ci=(low, high),
    )


@settings(max_examples=100, deadline=None)
@given(
    policy=_policies,
    scored=st.integers(0, 60),
    bounds=st.tuples(_skills, _skills),
    gains=st.tuples(_skills.map(abs), _skills.map(abs)),
)
def test_better_evidence_never_gives_a_smaller_scale(
    policy: ScorecardPolicy,
    scored: int,
    bounds: tuple[Decimal, Decimal],
    gains: tuple[Decimal, Decimal],
) -> None:
    """Raising either bound of the markout interval never lowers the scale, and the scale stays
    in [0, 1]."""
    before = _evidence(scored, bounds)
    low, high = before.edge_ci  # type: ignore[misc]
    after = _evidence(scored, (low + gains[0], high + gains[1]))
    scale = kelly_scale(before, policy)
    assert 0 <= scale <= kelly_scale(after, policy) <= 1
