"""The price model: a moving hidden fair value per event, quoted by both venues per scenario."""

from __future__ import annotations

import math
from decimal import Decimal
from statistics import mean

import pytest
import requests

from infra.sim import SimConfig, SimExchange
from infra.sim.cli import build_parser, price_options
from infra.sim.pricing import (
    SCENARIOS,
    LatentPath,
    PriceModel,
    decides,
    fair_value,
    interval_of,
)
from infra.sim.quotes import top_of_book
from tests.infra.sim.helpers import running_sim
from tests.infra.sim.helpers import test_config as sim_config

HOUR = 3600.0


def _rmse(pairs: list[tuple[float, float]]) -> float:
    return math.sqrt(mean((a - b) ** 2 for a, b in pairs))


def _quotes(sim: SimExchange, steps: int = 8) -> list[tuple[float, float, float]]:
    """(truth, Kalshi mid, Polymarket price) for every open linked market, hourly."""
    ex = sim.exchange
    rows = []
    for _ in range(steps):
        with ex.synced():
            for twin in ex.gamma.markets:
                market = ex.markets_by_ticker.get(twin.linked_ticker or "")
                if market is None or market.status.value != "active":
                    continue
                bid, ask = top_of_book(market, ex.epoch)
                poly = float(ex.gamma.prices(twin, market, ex.epoch)[0])
                rows.append((ex.truth(market), (bid + ask) / 200, poly))
        sim.advance(HOUR)
    return rows


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenarios_quote_the_truth_as_documented(scenario: str) -> None:
    sim = SimExchange(sim_config(seed=3, markets=150, scenario=scenario))
    rows = _quotes(sim)
    assert len(rows) > 100
    kalshi = _rmse([(t, k) for t, k, _ in rows])
    poly = _rmse([(t, p) for t, _, p in rows])
    poly_to_kalshi = _rmse([(k, p) for _, k, p in rows])
    if scenario == "agree":  # Polymarket copies Kalshi's view: it knows nothing more
        assert poly_to_kalshi < 0.02 < kalshi
        assert abs(poly - kalshi) < 0.01
    elif scenario == "kalshi-truth":  # Kalshi's maker is centred on the truth
        assert kalshi < 0.015 < poly
    else:  # the planted edge: Polymarket is far closer to the truth than Kalshi
        assert poly < 0.01
        assert kalshi > 0.03


def test_the_truth_moves_converges_and_decides_the_result() -> None:
    sim = SimExchange(sim_config(seed=5, markets=60))
    ex = sim.exchange
    with ex.synced():
        watched = {m.ticker: [ex.truth(m)] for m in ex.markets if m.status.value == "active"}
    for _ in range(24 * 4):
        sim.advance(HOUR)
        with ex.synced():
            for ticker, history in watched.items():
                history.append(ex.truth(ex.markets_by_ticker[ticker]))
    moved = [t for t, h in watched.items() if max(h) - min(h) > 0.05]
    assert len(moved) > len(watched) / 3
    finished = [ex.markets_by_ticker[t] for t in watched if ex.markets_by_ticker[t].result]
    assert len(finished) > 10
    for market in finished:
        # After the close the truth is the result, and the path had converged to it.
        assert ex.truth(market) == (1.0 if market.result == "yes" else 0.0)
        history = watched[market.ticker]
        assert history[-1] in {0.0, 1.0}


def test_a_ladder_has_one_winner_and_its_fair_values_sum_to_one() -> None:
    sim = SimExchange(sim_config(seed=8, markets=80))
    ex = sim.exchange
    ladders = [e for e in ex.events if e.mutually_exclusive and len(e.market_tickers) > 2]
    assert ladders
    sim.advance(6 * HOUR)
    with ex.synced():
        for event in ladders:
            markets = [ex.markets_by_ticker[t] for t in event.market_tickers]
            assert sum(ex.truth(m) for m in markets) == pytest.approx(1.0, abs=1e-9)
    sim.advance(12 * 24 * HOUR)
    with ex.synced():
        for event in ladders:
            results = [ex.markets_by_ticker[t].result for t in event.market_tickers]
            assert results.count("yes") == 1


def test_the_truth_is_calibrated_across_many_events() -> None:
    """Markets pay on the resolution source's reading, so the prior is a calibrated forecast of
    the payout: over 2,000 single markets with a 0.3 prior about 30% pay YES (fixed seeds: no
    luck). At the close the truth is the payout probability, not where the path ended: a close
    call stays uncertain (it is the market an amendment may flip)."""
    model = PriceModel()
    interval = interval_of(0.0, 0.3)
    wins = flipped = uncertain = 0
    for seed in range(2000):
        path = LatentPath(seed, 0.0, 86_400.0, 60.0, model)
        assert fair_value(path, interval, 0.0) == pytest.approx(0.3)
        wins += decides(interval, path.reading)
        flipped += decides(interval, path.reading) != decides(interval, path.final)
        uncertain += 0.01 < fair_value(path, interval, 86_400.0) < 0.99
    assert 0.27 < wins / 2000 < 0.33
    assert 0.005 < flipped / 2000 < 0.04
    assert flipped <= uncertain < 0.1 * 2000


def test_same_seed_and_start_same_truth_whatever_the_steps() -> None:
    with running_sim(seed=4) as one, running_sim(seed=4) as two:
        one.advance(30 * HOUR)
        for _ in range(30):
            two.advance(HOUR)
        assert one.truths() == two.truths()
        assert one.truths()


def test_truth_route_serves_each_open_markets_fair_value() -> None:
    with running_sim(seed=2, markets=20) as sim:
        sim.advance(2 * HOUR)
        body = requests.get(f"{sim.gamma_url}/_sim/truth", timeout=5).json()
        assert body["scenario"] == "agree"
        served = {m["ticker"]: Decimal(m["fair_value"]) for m in body["markets"]}
        assert set(served) == set(sim.open_tickers())
        for ticker, value in served.items():
            assert abs(value - Decimal(repr(sim.true_probability(ticker)))) < Decimal("0.000001")


def test_every_knob_is_a_flag_and_bad_values_fail_clearly() -> None:
    args = build_parser().parse_args(
        ["--scenario", "kalshi-truth", "--polymarket-noise", "0.05", "--news-per-event", "3"]
    )
    options = price_options(args)
    assert options == {"scenario": "kalshi-truth", "polymarket_noise": 0.05, "news_per_event": 3}
    model = SimConfig(**options).price_model()  # type: ignore[arg-type]
    assert (model.kalshi_noise, model.polymarket_noise, model.news_per_event) == (0.0, 0.05, 3)
    with pytest.raises(ValueError, match="unknown scenario 'lucky'"):
        SimConfig(scenario="lucky")
    with pytest.raises(ValueError, match="noise_correlation"):
        SimConfig(noise_correlation=2.0)
