"""The rules of the strategies with no information (domain.adversaries)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from domain.adversaries import (
    cheap_side,
    coin,
    dear_side,
    estimator_side,
    fit,
    predicted_moves,
)
from domain.models import Side

D = Decimal


@dataclass(frozen=True)
class Quote:
    run: int
    cycle: int
    ticker: str
    mid: Decimal
    history: tuple[Decimal, ...]
    hours_to_close: Decimal | None = None


def test_the_coin_is_fair_and_the_same_everywhere() -> None:
    sides = [coin(1, f"T{i}") for i in range(2000)]
    assert 900 < sides.count(Side.YES) < 1100
    assert coin(3, "KX-A") is coin(3, "KX-A")


def test_longshot_and_favourite_pick_by_the_ask() -> None:
    assert cheap_side(D("0.04"), D("0.97"), D("0.10")) is Side.YES
    assert cheap_side(D("0.93"), D("0.08"), D("0.10")) is Side.NO
    assert cheap_side(D("0.40"), D("0.62"), D("0.10")) is None
    assert dear_side(D("0.04"), D("0.97"), D("0.80")) is Side.NO
    assert dear_side(D("0.40"), D("0.62"), D("0.80")) is None


def test_the_estimator_buys_only_a_predicted_move_beyond_the_ask_and_fee() -> None:
    # YES ask 0.52, NO ask 0.50: mid 0.51.
    assert estimator_side(D("0.03"), D("0.52"), D("0.50"), D("0.005")) is Side.YES
    assert estimator_side(D("-0.03"), D("0.52"), D("0.50"), D("0.005")) is Side.NO
    assert estimator_side(D("0.01"), D("0.52"), D("0.50"), D("0.005")) is None
    assert estimator_side(None, D("0.52"), D("0.50"), D("0.005")) is None


def test_least_squares_recovers_a_linear_law() -> None:
    rng = random.Random(5)
    pairs = []
    for _ in range(200):
        x1, x2 = rng.uniform(-1, 1), rng.uniform(-1, 1)
        pairs.append(((x1, x2), 0.1 - 0.5 * x1 + 2.0 * x2))
    a, b1, b2 = fit(pairs)  # type: ignore[misc]
    assert abs(a - 0.1) < 1e-9
    assert abs(b1 + 0.5) < 1e-9
    assert abs(b2 - 2.0) < 1e-9
    assert fit([((0.0, 0.0), 1.0)] * 5) is None  # singular: nothing to fit


def _walk(run: int, markets: int, cycles: int, rng: random.Random) -> list[Quote]:
    """Mids that revert: each cycle's mid is a fixed level plus fresh noise."""
    quotes, paths = [], {f"M{m}": [] for m in range(markets)}
    for cycle in range(1, cycles + 1):
        for ticker, path in paths.items():
            mid = D("0.5") + D(rng.randint(-5, 5)) / 100
            quotes.append(Quote(run, cycle, ticker, mid, tuple(path)))
            path.append(mid)
    return quotes


def test_the_estimator_learns_reversion_from_earlier_cycles_only() -> None:
    quotes = _walk(1, 40, 8, random.Random(2))
    moves = predicted_moves(quotes)
    for quote, move in zip(quotes, moves, strict=True):
        if quote.cycle <= 5:  # too little history, or too few complete pairs before it
            assert move is None
    # Mids around a fixed level: a mid above its recent mean is predicted to fall.
    high = [m for q, m in zip(quotes, moves, strict=True) if m is not None and q.mid >= D("0.54")]
    assert high
    assert all(m < 0 for m in high)
    # Changing a later cycle changes no earlier prediction: nothing from the future.
    later = [
        q if q.cycle < 8 else Quote(q.run, q.cycle, q.ticker, D("0.9"), q.history) for q in quotes
    ]
    assert any(m is not None for m in moves[40 * 6 : 40 * 7])  # cycle 7 predicts
    assert predicted_moves(later)[: 40 * 7] == moves[: 40 * 7]
    assert predicted_moves(later)[40 * 7 :] != moves[40 * 7 :]
