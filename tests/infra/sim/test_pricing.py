"""The price model: a moving hidden fair value per event, quoted by both venues per scenario."""

from __future__ import annotations

import math
from decimal import Decimal
from statistics import mean

import pytest
import requests

from infra.sim import SimConfig, SimExchange, pricing, quotes
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


def _solve(rows: list[list[float]], ys: list[float]) -> list[float]:
    """Least squares by the normal equations (a handful of columns), with a little ridge."""
    k = len(rows[0])
    a = [
        [sum(r[i] * r[j] for r in rows) + (1e-9 if i == j else 0.0) for j in range(k)]
        for i in range(k)
    ]
    b = [sum(r[i] * y for r, y in zip(rows, ys, strict=True)) for i in range(k)]
    for col in range(k):  # Gauss-Jordan with partial pivoting
        pivot = max(range(col, k), key=lambda r: abs(a[r][col]))
        a[col], a[pivot], b[col], b[pivot] = a[pivot], a[col], b[pivot], b[col]
        for row in range(k):
            if row != col:
                factor = a[row][col] / a[col][col]
                a[row] = [x - factor * y for x, y in zip(a[row], a[col], strict=True)]
                b[row] -= factor * b[col]
    return [b[i] / a[i][i] for i in range(k)]


def _logit(p: float) -> float:
    p = min(0.995, max(0.005, p))
    return math.log(p / (1 - p))


def test_the_quote_history_adds_nothing_to_the_mid() -> None:
    """The best public estimate of the truth is a function of the current mid (it may undo the
    known favourite-longshot bias); the mids before it add nothing. Fitted on one seed's quotes
    every 10 minutes, scored on another's: the history fit's error is within 2% of the
    current-mid fit's (under the old interpolated error, the slope of recent moves cut it)."""
    samples: dict[int, list[tuple[float, list[float]]]] = {}
    for seed in (11, 12):
        sim = SimExchange(sim_config(seed=seed, markets=60))
        ex = sim.exchange
        history: dict[str, list[float]] = {}
        rows = samples[seed] = []
        for _ in range(72):
            with ex.synced():
                for market in ex.markets:
                    if market.status.value != "active" or market.market_type != "binary":
                        continue
                    bid, ask = top_of_book(market, ex.epoch)
                    if bid < 1 or ask > 99:
                        continue
                    mids = history.setdefault(market.ticker, [])
                    mids.append(_logit((bid + ask) / 200))
                    if len(mids) >= 4:
                        rows.append((_logit(ex.truth(market)), mids[-4:]))
            sim.advance(600)
    assert min(len(r) for r in samples.values()) > 1500

    def fitted_error(columns: int) -> float:
        train, test = samples[11], samples[12]
        features = [[1.0, *reversed(m[-columns:])] for _, m in train]
        beta = _solve(features, [t for t, _ in train])
        predicted = [
            sum(b * x for b, x in zip(beta, [1.0, *reversed(m[-columns:])], strict=True))
            for _, m in test
        ]
        return _rmse([(p, t) for p, (t, _) in zip(predicted, test, strict=True)])

    current, with_history = fitted_error(1), fitted_error(4)
    assert with_history > 0.98 * current


def test_the_truth_steps_at_times_no_one_publishes() -> None:
    """Two events listed and closing at the same moments step at different times, and not on
    the grid that the listing would give away."""
    model = PriceModel()
    day = 86_400.0

    def step_times(seed: int) -> list[float]:
        path = LatentPath(seed, 0.0, day, 60.0, model)
        times, last = [], path.state(0.0)
        for minute in range(1, 1440):
            now = path.state(minute * 60.0)
            if now != last:
                times.append(minute * 60.0)
            last = now
        return times

    one, two = step_times(1), step_times(2)
    assert len(one) > 50
    assert len(set(one) & set(two)) < len(one) / 4
    grid = day / 96
    assert sum(1 for t in one if t % grid < 60.0) < len(one) / 4


def test_longshots_pay_as_often_as_the_truth_says_flips_included() -> None:
    """Late in the life, markets the truth puts under 2% pay YES about that often (the old truth
    ignored amendments: where it said under 1%, YES was paid 2.3% of the time)."""
    model = PriceModel()
    interval = interval_of(0.0, 0.5)
    said = paid = 0.0
    count = 0
    for seed in range(3000):
        path = LatentPath(seed, 0.0, 86_400.0, 60.0, model)
        truth = fair_value(path, interval, 0.9 * 86_400.0)
        if truth < 0.02:
            said += truth
            paid += decides(interval, path.reading)
            count += 1
    assert count > 600
    assert abs(paid - said) < 3 * math.sqrt(said) + 1


def test_the_maker_overprices_longshots_and_underprices_favourites_without_a_clamp() -> None:
    """The favourite-longshot bias of real markets (infra.sim.pricing.LONGSHOT_BIAS), and quotes
    that follow the truth to the extremes: a near-certain NO has a few-cent ask and no bid."""
    sim = SimExchange(sim_config(seed=3, markets=30, kalshi_noise=0.0))
    ex = sim.exchange
    market = next(m for m in ex.markets if m.status.value == "active" and m.market_type == "binary")
    centres = {}
    for probability in (0.05, 0.5, 0.95, 0.001):
        sim.set_true_probability(market.ticker, probability)
        centres[probability] = quotes.fair_value(market, ex.epoch)
    assert centres[0.05] == pytest.approx(pricing.logistic(0.94 * pricing.logit(0.05)))
    assert centres[0.05] > 0.05
    assert centres[0.95] < 0.95
    assert centres[0.5] == pytest.approx(0.5)
    assert centres[0.001] < 0.005  # no 2c floor
    bid, ask = top_of_book(market, ex.epoch)
    assert bid == 0  # one-sided: no YES bid (nobody pays 1c for 0.1c)
    assert 1 <= ask <= market.spread_cents
    unbiased = SimExchange(sim_config(seed=3, markets=30, scenario="kalshi-truth"))
    sim_market = unbiased.exchange.markets_by_ticker[market.ticker]
    unbiased.set_true_probability(market.ticker, 0.05)
    assert quotes.fair_value(sim_market, unbiased.exchange.epoch) == pytest.approx(0.05)
