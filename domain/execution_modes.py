"""Execution modes compared (pure): the bot's trades placed as taker or as maker.

Per mode, over the same simulated worlds, each figure with a 95% interval clustered by event:
- expected P&L: each fill against the hidden fair value (a maker fill's at the cycle after it
  filled: the fair value is a martingale, so that is the fill's own worth, adverse selection in);
- fees per contract filled;
- fill rate: contracts filled of those ordered (a taker order takes what the ask displays);
- adverse selection (maker): how far the fair value of the side bought moved against it from
  the order's placement to the cycle after its fill, per contract.
Ratios get their interval by linearisation: the clustered interval of the residuals
numerator - ratio x denominator, divided by the denominator's total.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from domain.base import Frozen
from domain.evaluation import Trade
from domain.models import Side
from domain.money import ONE, ZERO
from domain.scoring import Interval, clustered_total_ci

TAKER, MAKER = "taker", "maker"


class Order(Frozen):
    """Contracts an order asked for, in its event's cluster (the fill rate's denominator)."""

    cluster: str
    count: Decimal


class ExecutionResult(Frozen):
    mode: str
    scenario: str
    orders: int
    trades: int  # orders that filled at all
    ordered: Decimal
    contracts: Decimal  # filled
    fill_rate: Decimal | None
    fill_rate_ci: Interval | None
    fees_per_contract: Decimal | None
    fees_per_contract_ci: Interval | None
    expected_pnl: Decimal
    expected_pnl_ci: Interval | None
    adverse_selection: Decimal | None  # per contract filled; None for taker fills
    adverse_selection_ci: Interval | None


def ratio(parts: Iterable[tuple[str, Decimal, Decimal]]) -> tuple[Decimal | None, Interval | None]:
    """sum(numerator) / sum(denominator) over (cluster, numerator, denominator), with its
    clustered interval (None with a zero denominator; no interval under two clusters)."""
    rows = list(parts)
    denominator = sum((d for _, _, d in rows), ZERO)
    if denominator == 0:
        return None, None
    value = sum((n for _, n, _ in rows), ZERO) / denominator
    spread = clustered_total_ci((c, n - value * d) for c, n, d in rows)
    if spread is None:
        return value, None
    return value, (value + spread[0] / denominator, value + spread[1] / denominator)


def _side_value(side: Side, yes: Decimal) -> Decimal:
    return yes if side is Side.YES else ONE - yes


def adverse_move(trade: Trade) -> Decimal | None:
    """The fair value's move against the side bought, from placement to valuation, per
    contract (positive: it filled when the price was going its way less than it looked)."""
    if trade.placed_truth is None:
        return None
    before = _side_value(trade.side, trade.placed_truth)
    return before - _side_value(trade.side, trade.decision.truth)


def score_execution(
    mode: str, scenario: str, trades: Sequence[Trade], orders: Sequence[Order]
) -> ExecutionResult:
    total = sum((t.expected_pnl for t in trades), ZERO)
    interval = clustered_total_ci((t.decision.cluster, t.expected_pnl) for t in trades)
    # An exit's sale (domain.evaluation_exits) adds its P&L and its fee, not a fill.
    sales, trades = [t for t in trades if t.sale], [t for t in trades if not t.sale]
    filled = {t.decision.cluster: ZERO for t in trades}
    for t in trades:
        filled[t.decision.cluster] += t.count
    asked: dict[str, Decimal] = {}
    for order in orders:
        asked[order.cluster] = asked.get(order.cluster, ZERO) + order.count
    clusters = sorted(set(asked) | set(filled))
    fill_rate, fill_ci = ratio((c, filled.get(c, ZERO), asked.get(c, ZERO)) for c in clusters)
    fees, fees_ci = ratio(
        [(t.decision.cluster, t.fee, t.count) for t in trades]
        + [(t.decision.cluster, t.fee, ZERO) for t in sales]
    )
    moves = [(t, adverse_move(t)) for t in trades]
    adverse, adverse_ci = ratio(
        (t.decision.cluster, move * t.count, t.count) for t, move in moves if move is not None
    )
    return ExecutionResult(
        mode=mode,
        scenario=scenario,
        orders=len(orders),
        trades=len(trades),
        ordered=sum(asked.values(), ZERO),
        contracts=sum(filled.values(), ZERO),
        fill_rate=fill_rate,
        fill_rate_ci=fill_ci,
        fees_per_contract=fees,
        fees_per_contract_ci=fees_ci,
        expected_pnl=total,
        expected_pnl_ci=interval if interval is not None else (total, total),
        adverse_selection=adverse,
        adverse_selection_ci=adverse_ci,
    )
