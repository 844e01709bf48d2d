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

A resting order (a maker order, `OrderResting`) is in flight for as long as it rests, so its
fills are not deferred: each is booked as it arrives, as the order's fill, releasing its own
cost from the order's reservation (what is left of it is the claim's `reserved`); a fill on its
market from any other order is booked as a trade placed elsewhere. The order's final booking
then books only the fills not booked yet and gives back what is left of the reservation. So a
resting order holds back neither the fill cursor nor the booking of any other fill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pykka

from actors import booking
from actors.base import BaseActor, ask, handles
from domain.base import Frozen
from domain.clock import Clock
from domain.errors import ExecutionAlreadyFinal
from domain.fold import Adoption, MarketRecords, unique_fills
from domain.messages import (
    ApplyVenueRecords,
    BookOrder,
    BookSnapshot,
    ClaimMarket,
    ClaimRefused,
    CommitWork,
    GetBook,
    GetBookedFills,
    GetBookedSettlements,
    GetExecutions,
    GetMarketRecords,
    GetPositions,
    GetPositionStats,
    GetTickersWithFills,
    InsertAdoption,
    InsertFill,
    InsertSettlement,
    MarketClaimed,
    OrderBooked,
    OrderResting,
    PositionClosed,
    PositionOpened,
    ReleaseClaim,
    UpdateExecution,
    VenueRecordsApplied,
    Write,
)
from domain.models import (
    Execution,
    ExecutionStatus,
    FillReport,
    LedgerReason,
    Position,
    PositionReport,
    PositionStats,
    PositionStatus,
    SettlementReport,
    reserved_left,
)
from domain.money import ZERO, usd
from domain.risk import DenyReason
from infra.clock import SystemClock

IN_FLIGHT = tuple(status for status in ExecutionStatus if status.in_flight)
Ref = Callable[[], pykka.ActorRef[Any]]


class Claim(Frozen):
    """A market reserved for one order in flight, and what of its reservation is left."""

    client_order_id: str
    reserved: Decimal  # the reservation not yet spent on fills booked as the order's
    venue_order_id: str | None = None  # set once the order is known to rest at the venue
    filled: Decimal = ZERO  # booked as the order's fills so far (a resting order's)
    fill_cost: Decimal = ZERO
    fees: Decimal = ZERO

    @classmethod
    def of(cls, execution: Execution) -> Claim:
        resting = execution.status is ExecutionStatus.RESTING
        return cls(
            client_order_id=execution.client_order_id,
            reserved=reserved_left(execution),
            venue_order_id=execution.venue_order_id if resting else None,
            filled=execution.filled_count if resting else ZERO,
            fill_cost=execution.fill_cost if resting else ZERO,
            fees=execution.fees if resting else ZERO,
        )


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
        self.claims: dict[str, Claim] = {}  # ticker -> the order in flight there
        self.stats = PositionStats()

    def started(self) -> None:
        self._reload()

    def _reload(self) -> None:
        open_statuses = (PositionStatus.OPEN, PositionStatus.RECOVERED)
        positions = ask(self.storage, GetPositions(statuses=open_statuses), self.storage_timeout)
        in_flight = ask(self.storage, GetExecutions(statuses=IN_FLIGHT), self.storage_timeout)
        self.stats = ask(self.storage, GetPositionStats(), self.storage_timeout)
        self.book = {p.ticker: p for p in positions}
        self.claims = {e.ticker: Claim.of(e) for e in in_flight}
        self.log.info(
            "book: {} open positions, {} orders in flight, {} closed trades",
            len(self.book),
            len(self.claims),
            self.stats.trades,
        )

    @property
    def exposure(self) -> Decimal:
        held = sum((p.cost for p in self.book.values()), ZERO)
        return held + sum((claim.reserved for claim in self.claims.values()), ZERO)

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
            return refuse(
                DenyReason.IN_FLIGHT, f"order {self.claims[command.ticker].client_order_id}"
            )
        cap = command.max_total_exposure
        if cap is not None and self.exposure + command.cost > cap:
            return refuse(DenyReason.EXPOSURE_CAP, f"{self.exposure} + {command.cost} > {cap}")
        self.claims[command.ticker] = Claim(
            client_order_id=command.client_order_id, reserved=command.cost
        )
        return MarketClaimed(
            ticker=command.ticker, client_order_id=command.client_order_id, held=held
        ).caused(command)

    @handles(ReleaseClaim)
    def _on_release(self, command: ReleaseClaim) -> None:
        self._release(command.ticker, command.client_order_id)

    def _release(self, ticker: str, client_order_id: str) -> None:
        claim = self.claims.get(ticker)
        if claim is not None and claim.client_order_id == client_order_id:
            del self.claims[ticker]

    @handles(OrderResting)
    def _on_resting(self, command: OrderResting) -> bool:
        """The order rests: recorded with its venue id, so its fills are booked as they come.
        False if the order is no longer in flight here (booked meanwhile)."""
        claim = self.claims.get(command.ticker)
        if claim is None or claim.client_order_id != command.client_order_id:
            return False
        update = UpdateExecution(
            client_order_id=command.client_order_id,
            updated_at=self.clock.now(),
            only_if_in_flight=True,
            status=ExecutionStatus.RESTING,
            venue_order_id=command.venue_order_id,
        )
        try:
            ask(self.storage, CommitWork(writes=(update,)), self.storage_timeout)
        except ExecutionAlreadyFinal:
            return False
        self.claims[command.ticker] = claim.replace(venue_order_id=command.venue_order_id)
        return True

    @handles(PositionOpened)
    def _on_opened(self, event: PositionOpened) -> None:
        self.claims.pop(event.position.ticker, None)
        self.book[event.position.ticker] = event.position

    @handles(PositionClosed)
    def _on_closed(self, event: PositionClosed) -> None:
        self.book.pop(event.ticker, None)
        self._reload_stats()

    def _reload_stats(self) -> None:
        """The closed trades and realized P&L, as the book's P&L rows say (once a message)."""
        self.stats = ask(self.storage, GetPositionStats(), self.storage_timeout)

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

    def _records(self, tickers: Iterable[str]) -> MarketRecords:
        wanted = tuple(sorted(set(tickers)))
        if not wanted:
            return MarketRecords()
        records: MarketRecords = ask(
            self.storage, GetMarketRecords(tickers=wanted), self.storage_timeout
        )
        return records

    def _book(
        self,
        ticker: str,
        stored: MarketRecords,
        *,
        fills: Sequence[FillReport] = (),
        settlement: SettlementReport | None = None,
        adoption: Adoption | None = None,
        client_order_id: str | None = None,
        evidence: Evidence,
        reserved: Decimal = ZERO,
        writes: Sequence[Write] = (),
    ) -> booking.MarketBooking:
        """Move the market's row from the fold of `stored` to the fold with the new records
        in: one transaction with the records, the row, its P&L rows and the ledger row for
        the difference of the two folds' cash (plus what an order's reservation gives back)."""
        now = self.clock.now()
        row = self.book.get(ticker)
        settlements = () if settlement is None else (settlement,)
        before = stored.fold(ticker)
        after = stored.plus(fills, settlements, () if adoption is None else (adoption,)).fold(
            ticker
        )
        records: list[Write] = [
            InsertFill(fill=f, client_order_id=client_order_id, booked_at=now) for f in fills
        ]
        if adoption is not None:
            records.append(InsertAdoption(adoption=adoption))
        if settlement is not None:
            records.append(
                InsertSettlement(
                    record=settlement,
                    position_id=None if row is None else row.id,
                    booked_at=now,
                    note="; ".join(after.problems),
                )
            )
        moved = booking.market_writes(row, before, after, records, client_order_id, now)
        inserted = booking.commit(
            self.bankroll,
            self._storage,
            reserved + moved.cash,
            reason=evidence.reason,
            ref_type=evidence.ref_type,
            ref_id=evidence.ref_id,
            detail=evidence.detail,
            writes=[*writes, *moved.writes],
            release=evidence.release,
        )
        position = inserted[-1] if moved.inserts else moved.kept
        if position is None:
            self.book.pop(ticker, None)
        else:
            self.book[ticker] = position
        return moved

    @handles(BookOrder)
    def _on_book_order(self, command: BookOrder) -> OrderBooked:
        """An order's outcome, its new fills, its position and its refund: one transaction."""
        execution, outcome = command.execution, command.outcome
        claim = self.claims.get(execution.ticker)
        if claim is not None and claim.client_order_id == execution.client_order_id:
            reserved = claim.reserved  # a resting order's fills booked so far spent the rest
        else:
            reserved = execution.reserved
        booked = self._booked_fills(outcome.fills)
        new = [f for f in outcome.fills if f.fill_id not in booked]
        update = UpdateExecution(
            client_order_id=execution.client_order_id,
            updated_at=self.clock.now(),
            only_if_in_flight=True,
            status=outcome.status,
            venue_order_id=command.venue_order_id,
            filled_count=outcome.filled_count,
            fill_cost=outcome.fill_cost,
            fees=outcome.fees,
        )
        try:
            # A buy gives back what its reservation did not spend; a sale (which reserves
            # nothing) brings in what its fills paid, net of their fee.
            self._book(
                execution.ticker,
                self._records([execution.ticker]),
                fills=new,
                client_order_id=execution.client_order_id,
                evidence=Evidence(
                    reason=LedgerReason.FILL if execution.reduce_only else LedgerReason.RELEASE,
                    ref_type="execution",
                    ref_id=execution.client_order_id,
                    detail=_evidence(new),
                    release=not execution.reduce_only,
                ),
                reserved=reserved,
                writes=[update],
            )
        except ExecutionAlreadyFinal as already:
            self.log.info("{}: not booked twice", already)
            return OrderBooked(booked=False).caused(command)
        self._release(execution.ticker, execution.client_order_id)
        self._reload_stats()
        return OrderBooked(booked=True, position=self.book.get(execution.ticker)).caused(command)

    @handles(ApplyVenueRecords)
    def _on_venue_records(self, command: ApplyVenueRecords) -> VenueRecordsApplied:
        fills, deferred_fills = self._new_fills(command)
        settlements, deferred_settlements = self._new_settlements(command)
        stored = self._records([*fills, *settlements])
        report = VenueRecordsApplied(
            deferred_fills=deferred_fills, deferred_settlements=deferred_settlements
        )
        for ticker in sorted({*fills, *settlements}):
            report = self._apply_market(
                ticker, stored, fills.get(ticker, []), settlements.get(ticker, []), report
            )
        if not command.pushed:
            report = self._adopt_and_compare(command, report)
        self._reload_stats()
        return report.caused(command)

    def _new_fills(
        self, command: ApplyVenueRecords
    ) -> tuple[dict[str, list[FillReport]], tuple[str, ...]]:
        """The fills not booked yet, by market; those on a claimed market are deferred to
        its order's own booking."""
        booked = self._booked_fills(command.fills)
        new: dict[str, list[FillReport]] = {}
        deferred: list[str] = []
        for fill in unique_fills(command.fills):
            if fill.fill_id in booked or _predates(fill.created_time, command.fills_ignore_through):
                continue
            claim = self.claims.get(fill.ticker)
            if claim is not None and claim.venue_order_id is None:
                deferred.append(fill.fill_id)  # the order's own booking takes it
                continue
            new.setdefault(fill.ticker, []).append(fill)
        return new, tuple(deferred)

    def _new_settlements(
        self, command: ApplyVenueRecords
    ) -> tuple[dict[str, list[SettlementReport]], tuple[str, ...]]:
        keys = tuple(s.key for s in command.settlements)
        booked: frozenset[str] = (
            ask(self.storage, GetBookedSettlements(keys=keys)) if keys else frozenset()
        )
        new: dict[str, list[SettlementReport]] = {}
        deferred: list[str] = []
        for record in sorted(command.settlements, key=lambda s: (s.settled_time, s.ticker)):
            if record.key in booked:
                continue
            if record.ticker in self.claims:
                deferred.append(record.key)
                continue
            held = self.book.get(record.ticker)
            if held is None and _predates(record.settled_time, command.settlements_ignore_through):
                continue  # history from before this book, on nothing it holds
            new.setdefault(record.ticker, []).append(record)
        return new, tuple(deferred)

    def _apply_market(
        self,
        ticker: str,
        stored: MarketRecords,
        fills: Sequence[FillReport],
        settlements: Sequence[SettlementReport],
        report: VenueRecordsApplied,
    ) -> VenueRecordsApplied:
        """The market's new records, each its own transaction: fills in the venue's sequence,
        then its settlement, which waits (deferred) while its counts disagree with the fold."""
        settled = stored.fold(ticker).settled
        if settled is not None:
            late = [f.fill_id for f in fills] + [s.key for s in settlements]
            line = f"{ticker}: settled at {settled.settled_time}; later records not booked: {late}"
            self.log.error("{}", line)
            return report.replace(discrepancies=(*report.discrepancies, line))
        pnl, booked, opened = ZERO, 0, 0
        for fill in fills:
            claim = self.claims.get(ticker)
            if claim is not None and fill.order_id == claim.venue_order_id:
                self._book_resting_fill(ticker, stored, fill, claim)
                stored = stored.plus([fill])
                booked += 1
                continue
            moved = self._book(
                ticker,
                stored,
                fills=[fill],
                evidence=Evidence(
                    reason=LedgerReason.FILL,
                    ref_type="fill",
                    ref_id=fill.fill_id,
                    detail=f"{fill.count} {fill.side} {ticker} @ {fill.price} (fee {fill.fee})",
                ),
            )
            self.log.warning(
                "{}: a trade the bot did not place: {} {} @ {} (fee {}), fill {}",
                ticker,
                fill.count,
                fill.side,
                fill.price,
                usd(fill.fee),
                fill.fill_id,
            )
            stored = stored.plus([fill])
            pnl, booked = pnl + moved.realized_pnl, booked + 1
            # A trade made elsewhere that opens a position: `recovered`, as `status` shows it.
            opened += 1 if moved.inserts else 0
        report = report.replace(
            fills_booked=report.fills_booked + booked,
            realized_pnl=report.realized_pnl + pnl,
            recovered=report.recovered + opened,
        )
        for record in settlements:
            report = self._apply_settlement(ticker, stored, record, report)
            stored = stored.plus(settlements=[record])
        return report

    def _book_resting_fill(
        self, ticker: str, stored: MarketRecords, fill: FillReport, claim: Claim
    ) -> None:
        """A fill of the resting order on this market: booked as the order's, its cost taken
        from what is left of the order's reservation (one transaction with the fill)."""
        before, after = stored.fold(ticker), stored.plus([fill]).fold(ticker)
        outlay = before.cash - after.cash  # what the fill took from the balance
        release = min(max(outlay, ZERO), claim.reserved)
        claim = claim.replace(
            reserved=claim.reserved - release,
            filled=claim.filled + fill.count,
            fill_cost=claim.fill_cost + fill.price * fill.count,
            fees=claim.fees + fill.fee,
        )
        update = UpdateExecution(
            client_order_id=claim.client_order_id,
            updated_at=self.clock.now(),
            only_if_in_flight=True,
            filled_count=claim.filled,
            fill_cost=claim.fill_cost,
            fees=claim.fees,
        )
        self._book(
            ticker,
            stored,
            fills=[fill],
            client_order_id=claim.client_order_id,
            evidence=Evidence(
                reason=LedgerReason.FILL,
                ref_type="execution",
                ref_id=claim.client_order_id,
                detail=f"resting order {claim.venue_order_id}: {_evidence([fill])}",
                release=True,
            ),
            reserved=release,
            writes=[update],
        )
        self.claims[ticker] = claim
        self.log.info(
            "{}: resting order {} filled {} {} @ {} (fee {}); {} of its reservation left",
            ticker,
            claim.client_order_id,
            fill.count,
            fill.side,
            fill.price,
            usd(fill.fee),
            usd(claim.reserved),
        )

    def _apply_settlement(
        self,
        ticker: str,
        stored: MarketRecords,
        record: SettlementReport,
        report: VenueRecordsApplied,
    ) -> VenueRecordsApplied:
        after = stored.plus(settlements=[record]).fold(ticker)
        if after.waiting is not None:
            line = f"{ticker} settlement {record.key}: {'; '.join(after.problems)}"
            self.log.warning("{}", line)
            return report.replace(
                deferred_settlements=(*report.deferred_settlements, record.key),
                waiting=(*report.waiting, (record.key, line)),
            )
        moved = self._book(
            ticker,
            stored,
            settlement=record,
            evidence=Evidence(
                reason=LedgerReason.SETTLEMENT,
                ref_type="settlement",
                ref_id=record.key,
                detail=f"{record.market_result}: {record.yes_count} yes / {record.no_count} no",
            ),
        )
        for problem in after.problems:
            self.log.warning("{} settlement {}: {}", ticker, record.key, problem)
        self.log.info(
            "{} settled {}: paid {}, P&L {}",
            ticker,
            record.market_result,
            record.revenue,
            moved.realized_pnl,
        )
        return report.replace(
            settled=report.settled + 1, realized_pnl=report.realized_pnl + moved.realized_pnl
        )

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
        return report.replace(
            recovered=report.recovered + recovered,
            discrepancies=(*report.discrepancies, *discrepancies),
            gone=gone,
        )

    def _adopt(self, venue: PositionReport) -> None:
        """A venue position with no fill behind it yet: provisional (domain.fold), replaced by
        its fills when they arrive."""
        side = venue.side
        assert side is not None
        adoption = Adoption(
            ticker=venue.ticker,
            side=side,
            count=venue.count,
            cost=venue.market_exposure + venue.fees_paid,
            # The venue's clock where it gives one: the fills behind the position are no
            # later than its last change, whatever the bot's clock says.
            observed_at=venue.last_updated or self.clock.now(),
        )
        self.log.warning(
            "{}: adopting {} {} the book has no record of, at cost {}",
            venue.ticker,
            venue.count,
            side,
            usd(adoption.cost),
        )
        self._book(
            venue.ticker,
            self._records([venue.ticker]),
            adoption=adoption,
            evidence=Evidence(
                reason=LedgerReason.RECOVERED,
                ref_type="recovered",
                ref_id=venue.ticker,
                detail=f"venue position {venue.position}, exposure {venue.market_exposure}"
                f" + fees {venue.fees_paid}",
            ),
        )


class Evidence(Frozen):
    """The ledger row's reason and the record it names."""

    reason: LedgerReason
    ref_type: str
    ref_id: str
    detail: str
    release: bool = False  # an order's refund: a release of its reservation


def _predates(moment: datetime, ignore_through: datetime | None) -> bool:
    return ignore_through is not None and moment <= ignore_through


def _evidence(fills: Iterable[FillReport]) -> str:
    ids = [f.fill_id for f in fills]
    return f"fills: {', '.join(ids)}" if ids else "no fills"
