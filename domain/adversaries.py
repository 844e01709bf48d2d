"""Strategies with no information, kept forever as a check on the simulator (issue 22).

Each reads only what any trader sees (the book, the market's earlier quotes, its close time) and
buys a fixed number of contracts of one side at that side's ask, at most once per market and
run. On a simulator where no public rule has an edge, every one of them loses about the spread
and the fee: an expected P&L above zero is the simulator's bug, not a strategy worth having.
(`passive-maker`, a resting bid at the touch, needs the venue's own matching: it is played on
the simulator by services.evaluation and scored here like the others.)

- `random-side`: a seeded coin per market.
- `longshot`: the side whose ask is at most LONGSHOT_ASK.
- `favourite`: the side whose ask is at least FAVOURITE_ASK.
- `near-close-favourite`: the favourite in a market closing within NEAR_CLOSE_HOURS.
- `mean-reversion`: against the last move of the mid, when it moved at least MOVE.
- `momentum`: with that move.
- `quote-error-estimator`: the next move of the mid predicted from the market's earlier quotes
  by least squares fitted on every market's earlier quotes of the same run (nothing from the
  future), bought when the predicted move beats the half spread and the fee.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol

from domain.models import Side
from domain.money import ONE, ZERO

ADVERSARIES = (
    "random-side",
    "longshot",
    "favourite",
    "near-close-favourite",
    "mean-reversion",
    "momentum",
    "quote-error-estimator",
    "passive-maker",
)
CONTRACTS = Decimal(10)  # per trade: every adversary bets the same, so per-contract figures compare
LONGSHOT_ASK = Decimal("0.10")
FAVOURITE_ASK = Decimal("0.80")
NEAR_CLOSE_HOURS = Decimal(3)
MOVE = Decimal("0.02")
MIN_TRAINING = 30  # pairs before the estimator trades
REVERSION_WINDOW = 4  # earlier mids the estimator averages


class Quoted(Protocol):
    """The public side of a decision that the rules read (domain.evaluation's Decision)."""

    run: int
    cycle: int
    ticker: str
    mid: Decimal
    history: tuple[Decimal, ...]
    hours_to_close: Decimal | None


def coin(run: int, ticker: str) -> Side:
    """A fair coin per (run, market), the same on every machine."""
    digest = hashlib.sha256(f"{run}:{ticker}".encode()).digest()
    return Side.YES if digest[0] % 2 == 0 else Side.NO


def cheap_side(yes_ask: Decimal, no_ask: Decimal, limit: Decimal) -> Side | None:
    """The side whose ask is at most `limit` (the cheaper, if both)."""
    side, ask = (Side.YES, yes_ask) if yes_ask <= no_ask else (Side.NO, no_ask)
    return side if ZERO < ask <= limit else None


def dear_side(yes_ask: Decimal, no_ask: Decimal, limit: Decimal) -> Side | None:
    """The side whose ask is at least `limit` and below $1 (the dearer, if both)."""
    side, ask = (Side.YES, yes_ask) if yes_ask >= no_ask else (Side.NO, no_ask)
    return side if limit <= ask < ONE else None


def last_move(history: Sequence[Decimal], mid: Decimal) -> Decimal | None:
    return None if not history else mid - history[-1]


def features(history: Sequence[Decimal], mid: Decimal) -> tuple[float, float] | None:
    """(last move, mid less the mean of the window before it): what the estimator reads."""
    if len(history) < REVERSION_WINDOW:
        return None
    window = history[-REVERSION_WINDOW:]
    mean = sum(window, ZERO) / len(window)
    return float(mid - history[-1]), float(mid - mean)


def fit(pairs: Sequence[tuple[tuple[float, float], float]]) -> tuple[float, float, float] | None:
    """Least squares of y on (1, x1, x2) (a statistic, not money: floats); None if singular."""
    sums = [[0.0] * 4 for _ in range(3)]
    for (x1, x2), y in pairs:
        row = (1.0, x1, x2)
        for i in range(3):
            for j in range(3):
                sums[i][j] += row[i] * row[j]
            sums[i][3] += row[i] * y
    return _solve(sums)


def _solve(matrix: list[list[float]]) -> tuple[float, float, float] | None:
    """Gauss-Jordan on a 3 x 4 augmented matrix."""
    m = [row[:] for row in matrix]
    for col in range(3):
        pivot = max(range(col, 3), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(3):
            if r != col:
                factor = m[r][col] / m[col][col]
                m[r] = [a - factor * b for a, b in zip(m[r], m[col], strict=True)]
    return m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]


def predicted_moves(decisions: Sequence[Quoted]) -> list[Decimal | None]:
    """Each decision's predicted next move of the mid, from a fit on the pairs (features,
    move) that were complete before its cycle in its run."""
    pairs: dict[int, list[tuple[tuple[float, float], float]]] = defaultdict(list)
    ready: dict[tuple[int, int], list[tuple[tuple[float, float], float]]] = defaultdict(list)
    for d in decisions:  # the pair that ends at d: features one quote earlier, then d's move
        if len(d.history) > REVERSION_WINDOW:
            x = features(d.history[:-1], d.history[-1])
            assert x is not None
            ready[(d.run, d.cycle)].append((x, float(d.mid - d.history[-1])))
    fitted: dict[tuple[int, int], tuple[float, float, float] | None] = {}
    for run, cycle in sorted({(d.run, d.cycle) for d in decisions}):
        training = pairs[run]
        fitted[(run, cycle)] = fit(training) if len(training) >= MIN_TRAINING else None
        training += ready[(run, cycle)]  # known once this cycle's quotes are
    moves: list[Decimal | None] = []
    for d in decisions:
        coefficients = fitted[(d.run, d.cycle)]
        x = features(d.history, d.mid)
        if coefficients is None or x is None:
            moves.append(None)
            continue
        a, b1, b2 = coefficients
        moves.append(Decimal(repr(a + b1 * x[0] + b2 * x[1])).quantize(Decimal("0.0001")))
    return moves


SideRule = Callable[[Quoted, Decimal, Decimal], Side | None]  # (decision, yes ask, no ask)


def _reversion(d: Quoted, _yes: Decimal, _no: Decimal) -> Side | None:
    move = last_move(d.history, d.mid)
    if move is None or abs(move) < MOVE:
        return None
    return Side.NO if move > 0 else Side.YES


def _momentum(d: Quoted, yes: Decimal, no: Decimal) -> Side | None:
    side = _reversion(d, yes, no)
    return None if side is None else (Side.NO if side is Side.YES else Side.YES)


def _near_close(d: Quoted, yes: Decimal, no: Decimal) -> Side | None:
    if d.hours_to_close is None or d.hours_to_close > NEAR_CLOSE_HOURS:
        return None
    return dear_side(yes, no, FAVOURITE_ASK)


RULES: dict[str, SideRule] = {
    "random-side": lambda d, _yes, _no: coin(d.run, d.ticker),
    "longshot": lambda _d, yes, no: cheap_side(yes, no, LONGSHOT_ASK),
    "favourite": lambda _d, yes, no: dear_side(yes, no, FAVOURITE_ASK),
    "near-close-favourite": _near_close,
    "mean-reversion": _reversion,
    "momentum": _momentum,
}


def estimator_side(
    predicted: Decimal | None, yes_ask: Decimal, no_ask: Decimal, fee: Decimal
) -> Side | None:
    """Buy the side the predicted move favours when it beats that side's ask and `fee`."""
    if predicted is None:
        return None
    mid = (yes_ask + ONE - no_ask) / 2
    view = mid + predicted
    if view - yes_ask > fee:
        return Side.YES
    if (ONE - view) - no_ask > fee:
        return Side.NO
    return None
