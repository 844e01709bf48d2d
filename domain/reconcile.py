"""Reconciliation as a pure diff between the local book and the venue's reports.

Fails closed: only positive evidence changes the book. A local position gone from the venue is
closed only on a settlement record or a final market result; an unknown remote position is
adopted as `recovered` at its cost (and debited); anything else is reported, not acted on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from domain.base import Frozen
from domain.models import (
    MarketResult,
    Position,
    PositionReport,
    SettlementReport,
    Side,
)
from domain.money import ZERO


class RecoverPosition(Frozen):
    ticker: str
    side: Side
    count: Decimal
    cost: Decimal


class SettlePosition(Frozen):
    position: Position
    result: MarketResult
    payout: Decimal
    evidence: str  # "settlement" or "market result"

    @property
    def realized_pnl(self) -> Decimal:
        return self.payout - self.position.cost


class Discrepancy(Frozen):
    ticker: str
    detail: str


class ReconciliationPlan(Frozen):
    recover: tuple[RecoverPosition, ...] = ()
    settle: tuple[SettlePosition, ...] = ()
    discrepancies: tuple[Discrepancy, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.recover or self.settle)

    def describe(self) -> list[str]:
        lines = [f"recover {r.count} {r.side} {r.ticker} at cost {r.cost}" for r in self.recover]
        lines += [
            f"settle {s.position.ticker} ({s.position.side}) on {s.evidence} {s.result}:"
            f" payout {s.payout}, P&L {s.realized_pnl}"
            for s in self.settle
        ]
        lines += [f"discrepancy {d.ticker}: {d.detail}" for d in self.discrepancies]
        return lines


def payout(position: Position, result: MarketResult) -> Decimal:
    """$1 per winning contract, nothing per losing one; a void market returns the cost."""
    if result is MarketResult.VOID:
        return position.cost
    if result not in {MarketResult.YES, MarketResult.NO}:
        raise ValueError(f"a binary position cannot settle on result {result!r}")
    won = (result is MarketResult.YES) == (position.side is Side.YES)
    return position.count if won else ZERO


def plan(
    local: Iterable[Position],
    remote: Iterable[PositionReport],
    settlements: Iterable[SettlementReport],
    final_results: Mapping[str, MarketResult],
    busy_tickers: frozenset[str] = frozenset(),
) -> ReconciliationPlan:
    """Diff a complete set of venue reports against the local open book.

    `final_results` holds the results of markets known to be determined or finalized;
    `busy_tickers` have orders still in flight and are left alone until those resolve.
    """
    local_by_ticker = {p.ticker: p for p in local}
    remote_by_ticker = {r.ticker: r for r in remote if r.position != 0}
    settled = {s.ticker: s for s in settlements}
    recover: list[RecoverPosition] = []
    settle: list[SettlePosition] = []
    discrepancies: list[Discrepancy] = []

    for ticker, report in sorted(remote_by_ticker.items()):
        if ticker in busy_tickers:
            continue
        side = report.side
        assert side is not None
        held = local_by_ticker.get(ticker)
        if held is None:
            recover.append(
                RecoverPosition(
                    ticker=ticker, side=side, count=report.count, cost=report.market_exposure
                )
            )
        elif held.side is not side or held.count != report.count:
            discrepancies.append(
                Discrepancy(
                    ticker=ticker,
                    detail=f"local {held.count} {held.side}, venue {report.count} {side}",
                )
            )

    for ticker, held in sorted(local_by_ticker.items()):
        if ticker in remote_by_ticker or ticker in busy_tickers:
            continue
        if ticker in settled:
            record = settled[ticker]
            result, evidence = record.market_result, "settlement"
        elif final_results.get(ticker, MarketResult.NONE) is not MarketResult.NONE:
            result, evidence = final_results[ticker], "market result"
        else:
            discrepancies.append(
                Discrepancy(ticker=ticker, detail="gone from the venue without evidence; kept")
            )
            continue
        if result not in {MarketResult.YES, MarketResult.NO, MarketResult.VOID}:
            discrepancies.append(Discrepancy(ticker=ticker, detail=f"unexpected result {result}"))
            continue
        settle.append(
            SettlePosition(
                position=held, result=result, payout=payout(held, result), evidence=evidence
            )
        )
    return ReconciliationPlan(
        recover=tuple(recover), settle=tuple(settle), discrepancies=tuple(discrepancies)
    )
