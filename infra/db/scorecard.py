"""The scorecard's inputs, kept by Storage as it commits (issue 21): read in full once, then
brought up to date from what each transaction changed, never re-read whole every cycle.

What can change them is known to Storage, the only writer: a market resolving (its scored
forecasts, read again through the (ticker, made_at) index), a position changing (its trade
result, by primary key) and an LLM call (its cost, added to its model's). A forecast is scored
only once its market resolved, and all its market's forecasts resolve together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from domain.messages import (
    ClosePosition,
    CommitWork,
    InsertLlmCall,
    InsertSettlement,
    ResolveForecasts,
    ScorecardInputs,
    UpdatePosition,
    WorkCommitted,
)
from domain.money import ZERO
from domain.scoring import ScoredForecast, TradeResult, one_per_market
from infra.db.repository import Repository


class ScorecardCache:
    def __init__(self) -> None:
        self._loaded = False
        self._scored: dict[str, tuple[ScoredForecast, ...]] = {}
        self._trades: dict[int, TradeResult] = {}
        self._costs: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        self._tickers: set[str] = set()  # resolved since the last read
        self._positions: set[int] = set()  # changed since the last read

    def committed(self, works: Sequence[CommitWork], results: Sequence[WorkCommitted]) -> None:
        """Note what a committed transaction changed (call only after it committed)."""
        if not self._loaded:
            return
        for work in works:
            for write in work.writes:
                match write:
                    case ResolveForecasts(ticker=ticker):
                        self._tickers.add(ticker)
                    case ClosePosition(position_id=pid) | UpdatePosition(position_id=pid):
                        self._positions.add(pid)
                    case InsertSettlement(position_id=int() as pid):
                        self._positions.add(pid)
                    case InsertLlmCall(call=call):
                        self._costs[call.model, call.prompt_version] += call.cost
        for result in results:
            self._positions.update(p.id for p in result.positions if p.id is not None)

    def inputs(self, repo: Repository) -> ScorecardInputs:
        """The inputs as the book holds them now: in full the first time, then only what
        changed since."""
        if not self._loaded:
            self._tickers.clear()
            self._scored = _per_market(repo.scored_forecasts())
            self._trades = repo.trade_results_by_position()
            self._costs.update(repo.api_costs())
            self._loaded = True
        if self._tickers:
            fresh = _per_market(repo.scored_forecasts(sorted(self._tickers)))
            self._scored.update({ticker: fresh.get(ticker, ()) for ticker in self._tickers})
            self._tickers.clear()
        if self._positions:
            ids = sorted(self._positions)
            for pid in ids:
                self._trades.pop(pid, None)
            self._trades.update(repo.trade_results_by_position(ids))
            self._positions.clear()
        return ScorecardInputs(
            scored=tuple(f for group in self._scored.values() for f in group),
            trades=tuple(self._trades.values()),
            api_costs=tuple((m, v, c) for (m, v), c in sorted(self._costs.items())),
        )


def _per_market(forecasts: Sequence[ScoredForecast]) -> dict[str, tuple[ScoredForecast, ...]]:
    """Each market's scored forecasts as the scorecard keeps them (one per model and prompt
    version: domain.scoring.one_per_market), oldest first: all it reads of them."""
    by_ticker: dict[str, list[ScoredForecast]] = defaultdict(list)
    for forecast in forecasts:
        by_ticker[forecast.ticker].append(forecast)
    return {ticker: tuple(one_per_market(group)) for ticker, group in by_ticker.items()}
