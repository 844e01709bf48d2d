"""Positions: the single owner of the position book and of market claims.

A claim is taken before any money moves, in this actor's thread, so two signals for one
market can never both pass (the duplicate-market guard at execution). The book is a
projection of the database, rebuilt on start: open positions, plus a claim for every order
still in flight.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pykka

from actors.base import BaseActor, ask, handles
from domain.messages import (
    BookSnapshot,
    ClaimMarket,
    ClaimRefused,
    GetBook,
    GetExecutions,
    GetPositions,
    GetPositionStats,
    MarketClaimed,
    PositionClosed,
    PositionOpened,
    ReleaseClaim,
)
from domain.models import ExecutionStatus, Position, PositionStats, PositionStatus
from domain.money import ZERO
from domain.risk import DenyReason

IN_FLIGHT = tuple(status for status in ExecutionStatus if status.in_flight)


class Positions(BaseActor):
    name = "positions"

    def __init__(
        self, storage: pykka.ActorRef[Any], *, storage_timeout: float = 10.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.storage = storage
        self.storage_timeout = storage_timeout
        self.book: dict[str, Position] = {}
        self.claims: dict[str, tuple[str, Decimal]] = {}  # ticker -> (client order id, cost)
        self.stats = PositionStats()

    def started(self) -> None:
        self._reload()

    def _reload(self) -> None:
        open_statuses = (PositionStatus.OPEN, PositionStatus.RECOVERED)
        positions = ask(self.storage, GetPositions(statuses=open_statuses), self.storage_timeout)
        in_flight = ask(self.storage, GetExecutions(statuses=IN_FLIGHT), self.storage_timeout)
        self.stats = ask(self.storage, GetPositionStats(), self.storage_timeout)
        self.book = {p.ticker: p for p in positions}
        self.claims = {e.ticker: (e.client_order_id, e.reserved) for e in in_flight}
        self.log.info(
            "book: {} open positions, {} orders in flight, {} closed trades",
            len(self.book),
            len(self.claims),
            self.stats.trades,
        )

    @property
    def exposure(self) -> Decimal:
        held = sum((p.cost for p in self.book.values()), ZERO)
        return held + sum((cost for _, cost in self.claims.values()), ZERO)

    @handles(ClaimMarket)
    def _on_claim(self, command: ClaimMarket) -> MarketClaimed | ClaimRefused:
        def refuse(reason: DenyReason, detail: str = "") -> ClaimRefused:
            return ClaimRefused(ticker=command.ticker, reason=reason, detail=detail).caused(command)

        if command.ticker in self.book:
            return refuse(DenyReason.ALREADY_HELD)
        if command.ticker in self.claims:
            return refuse(DenyReason.IN_FLIGHT, f"order {self.claims[command.ticker][0]}")
        cap = command.max_total_exposure
        if cap is not None and self.exposure + command.cost > cap:
            return refuse(DenyReason.EXPOSURE_CAP, f"{self.exposure} + {command.cost} > {cap}")
        self.claims[command.ticker] = (command.client_order_id, command.cost)
        return MarketClaimed(ticker=command.ticker, client_order_id=command.client_order_id).caused(
            command
        )

    @handles(ReleaseClaim)
    def _on_release(self, command: ReleaseClaim) -> None:
        claim = self.claims.get(command.ticker)
        if claim is not None and claim[0] == command.client_order_id:
            del self.claims[command.ticker]

    @handles(PositionOpened)
    def _on_opened(self, event: PositionOpened) -> None:
        self.claims.pop(event.position.ticker, None)
        self.book[event.position.ticker] = event.position

    @handles(PositionClosed)
    def _on_closed(self, event: PositionClosed) -> None:
        self.book.pop(event.ticker, None)
        self.stats = self.stats.replace(
            trades=self.stats.trades + 1,
            wins=self.stats.wins + int(event.realized_pnl > 0),
            losses=self.stats.losses + int(event.realized_pnl < 0),
            realized_pnl=self.stats.realized_pnl + event.realized_pnl,
        )

    @handles(GetBook)
    def _on_get(self, query: GetBook) -> BookSnapshot:
        return BookSnapshot(
            positions=tuple(self.book.values()),
            claimed=tuple(self.claims),
            exposure=self.exposure,
            stats=self.stats,
        ).caused(query)
