"""Positions: the single owner of the position book, of market claims, and of applying the
venue's records (fills, settlements, adopted positions) to the book.

A claim is taken before any money moves, in this actor's thread, so two signals for one
market can never both pass (the duplicate-market guard at execution). The book is a
projection of the database, rebuilt on start: open positions, plus a claim for every order
still in flight.

The invariant that keeps the order flow and reconciliation from racing, by construction:
  1. an order's claim is registered here (ClaimMarket) before the order is sent, and it
     stays until that order is booked or released;
  2. every fill, settlement and adoption is applied here, one message at a time, and a venue
     record on a claimed market is deferred to the order's own booking (BookOrder);
  3. each fill commits in the same transaction as its `fills` row (unique `fill_id`), each
     settlement with its `settlements` row (unique per market and time), and an order's
     booking only while its execution is still in flight.
So whatever the Reconciler read and whenever, a fill is booked once, as the order's fill if
the order was in flight, or else as a trade placed elsewhere; never twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pykka

from actors import booking
from actors.base import BaseActor, ask, handles
from domain.book import Holding, apply_fill, apply_fills, settle
from domain.clock import Clock
from domain.errors import ExecutionAlreadyFinal
from domain.messages import (
    ApplyVenueRecords,
    BookOrder,
    BookSnapshot,
    ClaimMarket,
    ClaimRefused,
    GetBook,
    GetBookedFills,
    GetBookedSettlements,
    GetExecutions,
    GetPositions,
    GetPositionStats,
    GetTickersWithFills,
    InsertPosition,
    MarketClaimed,
    OrderBooked,
    PositionClosed,
    PositionOpened,
    ReleaseClaim,
    UpdateExecution,
    VenueRecordsApplied,
)
from domain.models import (
    ExecutionStatus,
    FillReport,
    LedgerReason,
    Position,
    PositionReport,
    PositionStats,
    PositionStatus,
    SettlementReport,
)
from domain.money import ZERO
from domain.risk import DenyReason
from infra.clock import SystemClock

IN_FLIGHT = tuple(status for status in ExecutionStatus if status.in_flight)
Ref = Callable[[], pykka.ActorRef[Any]]


def _missing() -> pykka.ActorRef[Any]:
    raise RuntimeError("Positions was started without a Bankroll: it cannot book money")


class Positions(BaseActor):
    name = "positions"

    def __init__(
        self,
        storage: pykka.ActorRef[Any],
        *,
        bankroll: Ref = _missing,
        clock: Clock | None = None,
        storage_timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.storage = storage
        self.bankroll = bankroll
        self.clock = clock or SystemClock()
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

    # Claims --------------------------------------------------------------------------------

    @handles(ClaimMarket)
    def _on_claim(self, command: ClaimMarket) -> MarketClaimed | ClaimRefused:
        def refuse(reason: DenyReason, detail: str = "") -> ClaimRefused:
            return ClaimRefused(ticker=command.ticker, reason=reason, detail=detail).caused(command)

        held = self.book.get(command.ticker)
        if command.closing and held is None:
            return refuse(DenyReason.NOT_HELD)
        if held is not None and not command.closing:
            return refuse(DenyReason.ALREADY_HELD)
        if command.ticker in self.claims:
            return refuse(DenyReason.IN_FLIGHT, f"order {self.claims[command.ticker][0]}")
        cap = command.max_total_exposure
        if cap is not None and self.exposure + command.cost > cap:
            return refuse(DenyReason.EXPOSURE_CAP, f"{self.exposure} + {command.cost} > {cap}")
        self.claims[command.ticker] = (command.client_order_id, command.cost)
        return MarketClaimed(
            ticker=command.ticker, client_order_id=command.client_order_id, held=held
        ).caused(command)

    @handles(ReleaseClaim)
    def _on_release(self, command: ReleaseClaim) -> None:
        self._release(command.ticker, command.client_order_id)

    def _release(self, ticker: str, client_order_id: str) -> None:
        claim = self.claims.get(ticker)
        if claim is not None and claim[0] == client_order_id:
            del self.claims[ticker]

    @handles(PositionOpened)
    def _on_opened(self, event: PositionOpened) -> None:
        self.claims.pop(event.position.ticker, None)
        self.book[event.position.ticker] = event.position

    @handles(PositionClosed)
    def _on_closed(self, event: PositionClosed) -> None:
        self.book.pop(event.ticker, None)
        self._count_closed(event.realized_pnl)

    def _count_closed(self, realized_pnl: Decimal) -> None:
        self.stats = self.stats.replace(
            trades=self.stats.trades + 1,
            wins=self.stats.wins + int(realized_pnl > 0),
            losses=self.stats.losses + int(realized_pnl < 0),
            realized_pnl=self.stats.realized_pnl + realized_pnl,
        )

    @handles(GetBook)
    def _on_get(self, query: GetBook) -> BookSnapshot:
        return BookSnapshot(
            positions=tuple(self.book.values()),
            claimed=tuple(self.claims),
            exposure=self.exposure,
            stats=self.stats,
        ).caused(query)

    # The venue's evidence ------------------------------------------------------------------

    def _storage(self) -> pykka.ActorRef[Any]:
        return self.storage

    def _booked_fills(self, fills: Iterable[FillReport]) -> frozenset[str]:
        ids = tuple(f.fill_id for f in fills)
        if not ids:
            return frozenset()
        booked: frozenset[str] = ask(self.storage, GetBookedFills(fill_ids=ids))
        return booked

    @handles(BookOrder)
    def _on_book_order(self, command: BookOrder) -> OrderBooked:
        """An order's outcome, its new fills, its position and its refund: one transaction."""
        execution, outcome = command.execution, command.outcome
        now = self.clock.now()
        booked = self._booked_fills(outcome.fills)
        new = [f for f in outcome.fills if f.fill_id not in booked]
        held = self.book.get(execution.ticker)
        effects = apply_fills(Holding.of(held), new)
        writes, kept, closed, pnl = booking.fill_writes(
            held, effects, execution.client_order_id, now
        )
        update = UpdateExecution(
            client_order_id=execution.client_order_id,
            updated_at=now,
            only_if_in_flight=True,
            status=outcome.status,
            venue_order_id=command.venue_order_id,
            filled_count=outcome.filled_count,
            fill_cost=outcome.fill_cost,
            fees=outcome.fees,
        )
        cash = sum((e.cash for e in effects), ZERO)
        try:
            # A buy gives back what its reservation did not spend; a sale (which reserves
            # nothing) brings in what its fills paid, net of their fee.
            inserted = booking.commit(
                self.bankroll,
                self._storage,
                execution.reserved + cash,
                reason=LedgerReason.FILL if execution.reduce_only else LedgerReason.RELEASE,
                ref_type="execution",
                ref_id=execution.client_order_id,
                detail=_evidence(new),
                writes=[update, *writes],
                release=not execution.reduce_only,
            )
        except ExecutionAlreadyFinal as already:
            self.log.info("{}: not booked twice", already)
            return OrderBooked(booked=False).caused(command)
        self._release(execution.ticker, execution.client_order_id)
        position = inserted[0] if inserted else kept
        if position is not None:
            self.book[execution.ticker] = position
        elif closed:
            self.book.pop(execution.ticker, None)
        if closed:
            self._count_closed(pnl)
        return OrderBooked(booked=True, position=position).caused(command)

    @handles(ApplyVenueRecords)
    def _on_venue_records(self, command: ApplyVenueRecords) -> VenueRecordsApplied:
        report = VenueRecordsApplied()
        report = self._apply_fills(command, report)
        report = self._apply_settlements(command, report)
        report = self._adopt_and_compare(command, report)
        return report.caused(command)

    def _apply_fills(
        self, command: ApplyVenueRecords, report: VenueRecordsApplied
    ) -> VenueRecordsApplied:
        booked = self._booked_fills(command.fills)
        deferred: list[str] = []
        count, pnl = 0, ZERO
        for fill in sorted(command.fills, key=lambda f: (f.created_time, f.fill_id)):
            if fill.fill_id in booked or _predates(fill.created_time, command.fills_ignore_through):
                continue
            if fill.ticker in self.claims:
                deferred.append(fill.fill_id)  # its order's own booking takes it
                continue
            pnl += self._book_fill(fill)
            count += 1
        return report.replace(
            fills_booked=count,
            deferred_fills=tuple(deferred),
            realized_pnl=report.realized_pnl + pnl,
        )

    def _book_fill(self, fill: FillReport) -> Decimal:
        """A trade the book did not place (or a late fill): its own transaction."""
        now = self.clock.now()
        held = self.book.get(fill.ticker)
        effect = apply_fill(Holding.of(held), fill)
        writes, kept, closed, pnl = booking.fill_writes(held, [effect], None, now)
        what = "sale" if effect.sale is not None else "buy"
        self.log.warning(
            "{}: a {} the bot did not place: {} {} @ {} (fee {}), fill {}",
            fill.ticker,
            what,
            fill.count,
            fill.side,
            fill.price,
            fill.fee,
            fill.fill_id,
        )
        inserted = booking.commit(
            self.bankroll,
            self._storage,
            effect.cash,
            reason=LedgerReason.FILL,
            ref_type="fill",
            ref_id=fill.fill_id,
            detail=f"{what} {fill.count} {fill.side} {fill.ticker} @ {fill.price}",
            writes=writes,
        )
        if closed:
            self._count_closed(pnl)
        position = inserted[0] if inserted else kept
        if position is None:
            self.book.pop(fill.ticker, None)
        else:
            self.book[fill.ticker] = position
        return pnl

    def _apply_settlements(
        self, command: ApplyVenueRecords, report: VenueRecordsApplied
    ) -> VenueRecordsApplied:
        keys = tuple(s.key for s in command.settlements)
        booked: frozenset[str] = (
            ask(self.storage, GetBookedSettlements(keys=keys)) if keys else frozenset()
        )
        deferred: list[str] = []
        settled, pnl = 0, ZERO
        for record in sorted(command.settlements, key=lambda s: (s.settled_time, s.ticker)):
            if record.key in booked:
                continue
            if record.ticker in self.claims:
                deferred.append(record.key)
                continue
            held = self.book.get(record.ticker)
            if held is None and _predates(record.settled_time, command.settlements_ignore_through):
                continue  # history from before this book, on nothing it holds
            pnl += self._settle(held, record)
            settled += 1
        return report.replace(
            settled=settled,
            deferred_settlements=tuple(deferred),
            realized_pnl=report.realized_pnl + pnl,
        )

    def _settle(self, held: Position | None, record: SettlementReport) -> Decimal:
        effect = settle(Holding.of(held), record)
        for problem in effect.problems:
            self.log.warning("{} settlement {}: {}", record.ticker, record.key, problem)
        booking.commit(
            self.bankroll,
            self._storage,
            effect.payout,
            reason=LedgerReason.SETTLEMENT,
            ref_type="settlement",
            ref_id=record.key,
            detail=f"{record.market_result}: {record.yes_count} yes / {record.no_count} no",
            writes=booking.settlement_writes(held, effect, self.clock.now()),
        )
        self.log.info(
            "{} settled {}: paid {}, P&L {}",
            record.ticker,
            record.market_result,
            effect.payout,
            effect.realized_pnl,
        )
        if held is None:
            return ZERO
        self.book.pop(record.ticker, None)
        self._count_closed(effect.realized_pnl)
        return effect.realized_pnl

    def _adopt_and_compare(
        self, command: ApplyVenueRecords, report: VenueRecordsApplied
    ) -> VenueRecordsApplied:
        """Venue positions the records do not explain: adopted if no fill ever touched them,
        otherwise reported. Markets with an order in flight, a settlement or a fill in this
        batch (which may postdate the positions read) are left for the next round."""
        touched = {f.ticker for f in command.fills} | {s.ticker for s in command.settlements}
        remote = {r.ticker: r for r in command.positions if r.position != 0}
        unknown = tuple(t for t in remote if t not in self.book and t not in self.claims)
        with_fills: frozenset[str] = (
            ask(self.storage, GetTickersWithFills(tickers=unknown)) if unknown else frozenset()
        )
        recovered = 0
        discrepancies: list[str] = []
        for ticker, venue in sorted(remote.items()):
            if ticker in self.claims or ticker in touched:
                continue
            held = self.book.get(ticker)
            if held is None and ticker not in with_fills:
                self._adopt(venue)
                recovered += 1
            elif held is None or held.side is not venue.side or held.count != venue.count:
                local = "nothing" if held is None else f"{held.count} {held.side}"
                discrepancies.append(f"{ticker}: local {local}, venue {venue.count} {venue.side}")
        gone = tuple(
            ticker
            for ticker in sorted(self.book)
            if ticker not in remote and ticker not in self.claims and ticker not in touched
        )
        discrepancies += [f"{t}: gone from the venue with no settlement record; kept" for t in gone]
        return report.replace(recovered=recovered, discrepancies=tuple(discrepancies), gone=gone)

    def _adopt(self, venue: PositionReport) -> None:
        side = venue.side
        assert side is not None
        cost = venue.market_exposure + venue.fees_paid
        now = self.clock.now()
        position = Position(
            ticker=venue.ticker,
            side=side,
            count=venue.count,
            cost=cost,
            status=PositionStatus.RECOVERED,
            opened_at=now,
        )
        self.log.warning(
            "{}: adopting {} {} the book has no record of, at cost {}",
            venue.ticker,
            venue.count,
            side,
            cost,
        )
        [inserted] = booking.commit(
            self.bankroll,
            self._storage,
            -cost,
            reason=LedgerReason.RECOVERED,
            ref_type="recovered",
            ref_id=venue.ticker,
            detail=f"venue position {venue.position}, exposure {venue.market_exposure}"
            f" + fees {venue.fees_paid}",
            writes=[InsertPosition(position=position)],
        )
        self.book[venue.ticker] = inserted


def _predates(moment: datetime, ignore_through: datetime | None) -> bool:
    return ignore_through is not None and moment <= ignore_through


def _evidence(fills: Iterable[FillReport]) -> str:
    ids = [f.fill_id for f in fills]
    return f"fills: {', '.join(ids)}" if ids else "no fills"
