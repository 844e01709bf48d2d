from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.scoring import (
    ModelScore,
    ScorecardPolicy,
    ScoredForecast,
    TradeResult,
    brier,
    kelly_scale,
    log_loss,
    scorecard,
)

D = Decimal


def scored(p: str, outcome: bool, model: str = "A", version: str = "v1") -> ScoredForecast:
    return ScoredForecast(model=model, prompt_version=version, probability=D(p), outcome=outcome)


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


def test_kelly_scale_shrinks_a_poor_forecaster() -> None:
    policy = ScorecardPolicy(
        min_forecasts=2, good_brier=D("0.20"), bad_brier=D("0.30"), bad_scale=D("0.5")
    )

    def score(brier_value: str, n: int = 10) -> ModelScore:
        return ModelScore(
            model="A",
            prompt_version="v1",
            forecasts=n,
            brier=D(brier_value),
            log_loss=D(0),
            buckets=(),
        )

    assert kelly_scale(None, policy) == 1
    assert kelly_scale(score("0.9", n=1), policy) == 1  # too little evidence
    assert kelly_scale(score("0.10"), policy) == 1
    assert kelly_scale(score("0.25"), policy) == D("0.75")
    assert kelly_scale(score("0.40"), policy) == D("0.5")
