"""Reconciler: brings the local book to the venue's records, at start-up and after every cycle.

Fails closed: a failed, partial or malformed fetch changes nothing (the whole reconciliation is
abandoned before anything is applied). The steps, in this order:
  1. orders in flight: each is looked up by client order id and, once final, booked from its
     fills by Positions (or released if it provably never reached the venue); at start-up an
     order found resting (a maker order a crash or kill left behind) is cancelled first;
  2. the venue's settlements and fills (each since its durable cursor), its positions and its
     cash, then the fills and settlements again, repeated until the two reads agree (bounded):
     every record behind a listed position or the cash is among those read (_read_venue);
  3. Positions applies them all in one message, in its own thread, where the claims of
     orders in flight live (see `actors.positions` for why nothing can be booked twice);
  4. the cursors move on, past everything booked and up to anything deferred;
  5. the cash read in step 2 is compared with the book (actors/trading_guard.py).
The Reconciler itself owns nothing durable and moves no money.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from typing import Any

import pykka

from actors.base import BaseActor, ask, handles
from actors.directory import ActorUnavailable, Directory
from actors.kill_switch import KillSwitch
from actors.outcomes import book_refusal
from actors.trading_guard import CashCheckFailed, TradingGuard
from domain.base import Frozen
from domain.cash import VenueCash
from domain.clock import Clock
from domain.execution import resolve_order
from domain.halts import HaltCode
from domain.killswitch import KillSwitchLimits
from domain.messages import (
    ApplyVenueRecords,
    BookOrder,
    BookPushedFills,
    CancelResting,
    CashState,
    CommitWork,
    CycleStats,
    EndOfCycle,
    GetCashState,
    GetExecutions,
    GetPositionStats,
    GetSyncState,
    GetUnresolvedForecastTickers,
    HaltTrading,
    OrderEnded,
    Reconcile,
    ReconciliationReport,
    RecordHeartbeat,
    ResolveForecasts,
    ResyncRequested,
    SaveSyncState,
    SetTradingState,
    SyncState,
    VenueRecordsApplied,
    Write,
)
from domain.models import (
    Execution,
    ExecutionStatus,
    FillReport,
    Heartbeat,
    MarketResult,
    MarketStatus,
    OrderReport,
    OrderStatus,
    PositionReport,
    PositionStats,
    SettlementReport,
)
from infra.kalshi.errors import AuthenticationError, KalshiError, VenueRefused
from infra.venue_client import VenueClient

UNAVAILABLE = (ActorUnavailable, pykka.ActorDeadError, pykka.Timeout)
SCORE_BATCH = 25  # markets whose outcome is looked up per cycle
IN_FLIGHT = tuple(status for status in ExecutionStatus if status.in_flight)
# A result is final only once the market is finalized (legacy: settled). A determined result
# may still be disputed and amended (A7 lifecycle: determined -> (disputed/amended) ->
# finalized); the reference does not say whether an amendment can follow a payout, so the
# scorecard waits for finalization, which is right whichever way it goes. Money never waits on
# this: positions close only on the venue's settlement records.
FINAL_MARKET = {MarketStatus.FINALIZED, MarketStatus.SETTLED}
FILLS, SETTLEMENTS = "fills", "settlements"
# Each read starts this far before the last high-water mark: records may be listed late
# (the venue is eventually consistent), and the unique keys drop the ones seen before.
OVERLAP = timedelta(hours=1)
APPLY_TIMEOUT = 120.0  # Positions books one transaction per record
REREADS = 2  # reads of a market's fills, in one reconciliation, for a settlement they miss
UNEXPLAINED = 3  # reconciliations a settlement may wait for its fills before trading halts
BRACKET_ATTEMPTS = 3  # reads of the venue until its records hold still around the cash
CANCEL_TIMEOUT = 60.0  # the Executor cancels each resting order at the venue


class Reconciler(BaseActor):
    name = "reconciler"

    def __init__(
        self,
        directory: Directory,
        client: VenueClient,
        clock: Clock,
        venue: str,
        *,
        not_found_grace: timedelta = timedelta(seconds=30),
        on_cycle_complete: Callable[[CycleStats], None] | None = None,
        max_failures: int = 3,
        max_cash_drift: Decimal = Decimal("1.00"),
        kill_switch: KillSwitchLimits | None = None,
        checkpoint: Callable[[str], None] | None = None,
        book: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.guard = TradingGuard(
            directory,
            client,
            clock,
            self.log,
            max_failures=max_failures,
            max_cash_drift=max_cash_drift,
            kill_switch=KillSwitch(
                directory, client, self.log, kill_switch or KillSwitchLimits(), book=book
            ),
            book=book,
        )
        self.halts = ""  # the active halts after the last reconciliation, described
        self.directory = directory
        self.client = client
        self.clock = clock
        self.venue = venue
        self.not_found_grace = not_found_grace
        self.on_cycle_complete = on_cycle_complete
        # Called between the steps (tests use it to interleave the order flow exactly).
        self.checkpoint = checkpoint or (lambda _step: None)
        self.success_at: datetime | None = None
        self.error_at: datetime | None = None
        self.realized_total: Decimal | None = None  # the book's realized P&L at the last cycle
        self.unexplained: dict[str, int] = {}  # settlement key -> reconciliations it waited
        self.last_error: str | None = None
        self.started_ns = 0  # time.monotonic_ns() when the last reconciliation began

    # Entry points ------------------------------------------------------------------------

    @handles(Reconcile)
    def _on_reconcile(self, command: Reconcile) -> ReconciliationReport:
        report = self._reconcile_guarded(at_start=command.starting)
        if report.ok and command.enable_trading:
            held = f"; new orders still halted: {self.halts}" if self.halts else ""
            self.directory.get("executor").tell(
                SetTradingState(active=True, reason=f"reconciled{held}")
            )
        return report.caused(command)

    @handles(EndOfCycle)
    def _on_end_of_cycle(self, marker: EndOfCycle) -> None:
        report = self._reconcile_guarded()
        self._record_outcomes()
        stats = marker.stats.plus(
            settled=report.settled,
            recovered=report.recovered,
            resolved_in_flight=report.resolved_in_flight,
            realized_pnl=self._realized_this_cycle(),
            errors=() if report.ok else (f"reconcile: {report.error}",),
        )
        self._heartbeat(stats.cycle, stats.started_at)
        if self.on_cycle_complete is not None:
            self.on_cycle_complete(stats)

    @handles(BookPushedFills)
    def _on_pushed_fills(self, command: BookPushedFills) -> None:
        """Fills the venue pushed, booked now through the same fold as REST's. Handled here,
        between reconciliations, so none lands in the middle of one's bracketed reads. A book
        that never read the fills stream books nothing pushed: its first reconciliation
        decides what predates it. What cannot be booked now is left to that REST read."""
        try:
            saved: SyncState | None = ask(self.directory.get("storage"), GetSyncState(stream=FILLS))
            if saved is None:
                return
            applied: VenueRecordsApplied = ask(
                self.directory.get("positions"),
                ApplyVenueRecords(
                    positions=(),
                    fills=command.fills,
                    settlements=(),
                    fills_ignore_through=saved.ignore_through,
                    pushed=True,
                ),
                APPLY_TIMEOUT,
            )
        except UNAVAILABLE as exc:
            self.log.info("pushed fills left for the next REST read: {!r}", exc)
            return
        except Exception as exc:  # noqa: BLE001 - told, not asked: raising would kill this actor
            self.log.opt(exception=exc).warning(
                "pushed fills not booked now; the next reconciliation reads them from REST"
            )
            return
        if applied.fills_booked:
            self.log.info("booked {} fill(s) pushed by the venue", applied.fills_booked)
        for line in applied.discrepancies:
            self.log.warning("discrepancy {}", line)

    @handles(ResyncRequested)
    def _on_resync(self, request: ResyncRequested) -> None:
        """Reconcile from REST now, unless one began after the request (it read it all)."""
        if request.requested_ns < self.started_ns:
            return
        self.log.info("resync from REST: {}", request.reason)
        self._reconcile_guarded()

    @handles(OrderEnded)
    def _on_order_ended(self, event: OrderEnded) -> None:
        """A resting order the venue ended: reconciled now, unless a reconciliation began
        since. An order the Executor is booking itself (its IOC, its own cancel) is no longer
        resting by then, and costs nothing here."""
        if event.requested_ns < self.started_ns:
            return
        try:
            resting: tuple[Execution, ...] = ask(
                self.directory.get("storage"),
                GetExecutions(statuses=(ExecutionStatus.RESTING,)),
            )
        except UNAVAILABLE:
            return  # the next reconciliation finds it
        if any(e.client_order_id == event.client_order_id for e in resting):
            self.log.info("resting order {} ended at the venue: resync", event.client_order_id)
            self._reconcile_guarded()

    def started(self) -> None:
        self.realized_total = self._realized_total()

    def _realized_total(self) -> Decimal | None:
        """Every sale's and settlement's P&L the book holds (None: Storage did not answer)."""
        try:
            stats: PositionStats = ask(self.directory.get("storage"), GetPositionStats())
        except UNAVAILABLE:
            return None
        return stats.realized_pnl

    def _realized_this_cycle(self) -> Decimal:
        """What the book realized since the last cycle ended: the bot's own sales, trades by
        hand and settlements alike (not only what this reconciliation booked)."""
        before, now = self.realized_total, self._realized_total()
        if now is None:
            return Decimal(0)
        self.realized_total = now
        return Decimal(0) if before is None else now - before

    # The guard around the work (actors/trading_guard.py) ----------------------------------

    def _reconcile_guarded(self, at_start: bool = False) -> ReconciliationReport:
        """Operator commands, the book's reconciliation, the cash check, then fail closed:
        anything unexpected is a failed reconciliation, never a dead Reconciler."""
        try:
            self.guard.apply_operator_commands(at_start)
        except Exception as exc:  # noqa: BLE001 - retried next time; reconciliation goes on
            self.log.warning("operator commands not applied yet: {!r}", exc)
        try:
            report, cash = self._reconcile(at_start)
            if cash is not None:
                report = report.replace(cash=self.guard.check_cash(cash))
                self.guard.check_equity()
        except (KalshiError, CashCheckFailed) as exc:
            self._halt_if_denied(exc)
            report = self._failed(f"cash check failed: {exc}")
        except Exception as exc:  # noqa: BLE001 - fail closed, keep reconciling
            self.log.opt(exception=exc).error("reconciliation raised")
            report = self._failed(f"unexpected {type(exc).__name__}: {exc}")
        try:
            self.halts = self.guard.record_outcome(report.ok, report.error)
        except Exception as exc:  # noqa: BLE001 - Bankroll restarting: next time
            self.log.error("could not update the trading halt: {!r}", exc)
        if self.halts:
            self._cancel_resting(f"trading halted: {self.halts}")
        return report

    def _cancel_resting(self, reason: str) -> None:
        """No maker order rests while a halt is in force (pause, the kill switch, a guard):
        cancelled before this reconciliation ends (the Executor never asks this actor)."""
        try:
            ask(self.directory.get("executor"), CancelResting(reason=reason[:500]), CANCEL_TIMEOUT)
        except UNAVAILABLE as exc:
            self.log.warning("resting orders not cancelled yet ({!r}): at the next pass", exc)

    # The work ----------------------------------------------------------------------------

    def _reconcile(self, at_start: bool = False) -> tuple[ReconciliationReport, VenueCash | None]:
        """The book brought to the venue's records; with the venue's cash read among them
        (None when the reconciliation failed)."""
        self.started_ns = time.monotonic_ns()
        storage = self.directory.get("storage")
        try:
            in_flight: tuple[Execution, ...] = ask(storage, GetExecutions(statuses=IN_FLIGHT))
            self.checkpoint("in_flight")
            resolved, still = self._resolve_in_flight(in_flight, at_start)
            self.checkpoint("resolved")
            read = self._read_venue()
        except KalshiError as exc:
            self._halt_if_denied(exc)
            return self._failed(f"venue fetch failed, nothing changed: {exc}"), None
        except UNAVAILABLE as exc:
            return self._failed(f"an owner of the book is unavailable: {exc!r}"), None
        records = ApplyVenueRecords(
            positions=read.positions,
            fills=read.fills,
            settlements=read.settlements,
            fills_ignore_through=read.fill_state.ignore_through,
            settlements_ignore_through=read.settlement_state.ignore_through,
        )
        try:
            applied: VenueRecordsApplied = ask(
                self.directory.get("positions"), records, APPLY_TIMEOUT
            )
            applied = self._explain_settlements(records, applied)
        except UNAVAILABLE as exc:
            # Each record Positions booked is durable and will be skipped next time.
            return self._failed(f"Positions could not apply the venue's records: {exc!r}"), None
        self._save(
            (read.fills_saved, read.settlements_saved),
            (
                self._advance(read.fill_state, read.fills, applied.deferred_fills, _fill_id),
                self._advance(
                    read.settlement_state, read.settlements, applied.deferred_settlements, _key
                ),
            ),
        )
        self._log_applied(applied)
        self.success_at = self.clock.now()
        report = ReconciliationReport(
            ok=True,
            resolved_in_flight=resolved,
            still_in_flight=len(still),
            recovered=applied.recovered,
            settled=applied.settled,
            realized_pnl=applied.realized_pnl,
            discrepancies=applied.discrepancies,
        )
        cash = read.cash
        if applied.deferred_fills or applied.deferred_settlements:
            cash = cash.replace(unjudged=cash.unjudged or "records wait for others to be booked")
        return report, cash

    def _read_venue(self) -> VenueRead:
        """The venue's settlements, fills, positions and cash, bracketed: the fills and the
        settlements are read again after the positions and the balance, and all of it is read
        again (up to BRACKET_ATTEMPTS times) until the two reads of each agree. Then nothing
        landed in between: the positions and the balance are those of exactly these records,
        and a trade made by hand meanwhile is read with its fill, never seen as drift. If the
        reads never agree, the later ones are booked (they hold the earlier ones) and the
        cash is not judged this time.
        """
        storage = self.directory.get("storage")
        fills_saved: SyncState | None = ask(storage, GetSyncState(stream=FILLS))
        settlements_saved: SyncState | None = ask(storage, GetSyncState(stream=SETTLEMENTS))
        fetch_fills = self._fetcher(fills_saved, self.client.get_fills)
        fetch_settlements = self._fetcher(settlements_saved, self.client.get_settlements)
        starts: dict[str, SyncState] = {}
        for attempt in range(1, BRACKET_ATTEMPTS + 1):
            settlements = fetch_settlements()
            self.checkpoint("settlements")
            fills = fetch_fills()
            self.checkpoint("fills")
            positions = self.client.get_positions()
            self.checkpoint("positions")
            book: CashState = ask(storage, GetCashState())
            balance = self.client.get_balance().balance
            self.checkpoint("balance")
            fills_again = fetch_fills()
            self.checkpoint("fills_again")
            settlements_again = fetch_settlements()
            self.checkpoint("settlements_again")
            starts.setdefault(FILLS, self._start(FILLS, fills_saved, fills))
            starts.setdefault(SETTLEMENTS, self._start(SETTLEMENTS, settlements_saved, settlements))
            agree = {f.fill_id for f in fills} == {f.fill_id for f in fills_again} and {
                _key(r) for r in settlements
            } == {_key(r) for r in settlements_again}
            if agree:
                break
            self.log.info("venue records landed while read (attempt {}): reading again", attempt)
        unjudged = "" if agree else f"records kept landing while read ({BRACKET_ATTEMPTS} reads)"
        return VenueRead(
            positions=positions,
            fills=fills_again,
            settlements=settlements_again,
            fills_saved=fills_saved,
            settlements_saved=settlements_saved,
            fill_state=starts[FILLS],
            settlement_state=starts[SETTLEMENTS],
            cash=VenueCash(balance=balance, book=book.book, unjudged=unjudged),
        )

    def _explain_settlements(
        self, records: ApplyVenueRecords, applied: VenueRecordsApplied
    ) -> VenueRecordsApplied:
        """A settlement whose counts the book's fold cannot explain means fills are missing
        (listed late, or on a page cut short): its market's fills up to its time are read
        again, a bounded number of times, and applied with it. Still unexplained after
        `UNEXPLAINED_CYCLES` reconciliations, it halts new orders with the figures: the book
        waits for the venue's records and never guesses them."""
        for _ in range(REREADS):
            waiting = {key for key, _ in applied.waiting}
            retry = tuple(s for s in records.settlements if s.key in waiting)
            if not retry:
                break
            fills = tuple(
                fill
                for record in retry
                for fill in self.client.get_fills(
                    ticker=record.ticker, max_ts=int(record.settled_time.timestamp()) + 1
                )
            )
            again: VenueRecordsApplied = ask(
                self.directory.get("positions"),
                ApplyVenueRecords(
                    positions=records.positions,
                    fills=fills,
                    settlements=retry,
                    fills_ignore_through=records.fills_ignore_through,
                    settlements_ignore_through=records.settlements_ignore_through,
                ),
                APPLY_TIMEOUT,
            )
            applied = applied.after_retry(again)
        figures = dict(applied.waiting)
        self.unexplained = {key: self.unexplained.get(key, 0) + 1 for key in figures}
        overdue = [figures[k] for k, cycles in self.unexplained.items() if cycles >= UNEXPLAINED]
        if overdue:
            detail = f"settlements unexplained by the venue's fills: {'; '.join(overdue)}"
            ask(
                self.directory.get("bankroll"),
                HaltTrading(code=HaltCode.BOOK_UNEXPLAINED, detail=detail[:500]),
            )
        return applied

    def _halt_if_denied(self, exc: Exception) -> None:
        if isinstance(exc, AuthenticationError):
            self.guard.halt_on_auth_failure(exc)

    def _failed(self, error: str) -> ReconciliationReport:
        self.log.warning("reconciliation failed: {}", error)
        self.error_at, self.last_error = self.clock.now(), error
        return ReconciliationReport(ok=False, error=error)

    @staticmethod
    def _fetcher(
        saved: SyncState | None, fetch: Callable[..., Sequence[Any]]
    ) -> Callable[[], tuple[Any, ...]]:
        """One venue stream since its cursor (an hour before its high-water mark: records may
        be listed late), or all of it for a stream never read."""
        if saved is not None and saved.high_water is not None:
            since = max(int((saved.high_water - OVERLAP).timestamp()), 0)
            return lambda: tuple(fetch(min_ts=since))
        return lambda: tuple(fetch())

    def _start(self, stream: str, saved: SyncState | None, records: Sequence[Any]) -> SyncState:
        """The cursor to use. A book that never read the stream starts with all of it, and what
        exists at that moment predates the book (`ignore_through`): an account's history is
        not replayed into a new book (its open positions are adopted instead)."""
        if saved is not None:
            return saved
        times = [_time(r) for r in records]
        return SyncState(
            stream=stream, ignore_through=max(times) if times else None, updated_at=self.clock.now()
        )

    def _advance(
        self,
        state: SyncState,
        records: Sequence[Any],
        deferred: Sequence[str],
        key: Callable[[Any], str],
    ) -> SyncState:
        """The stream's cursor past what was booked, never past a deferred record."""
        waiting = [_time(r) for r in records if key(r) in set(deferred)]
        times = [_time(r) for r in records]
        if waiting:
            high = min(waiting)
        elif times:
            high = max([*times, *([state.high_water] if state.high_water else [])])
        else:
            high = state.high_water  # nothing listed yet: never a local clock's guess
        return state.replace(high_water=high, updated_at=self.clock.now())

    def _save(self, before: Sequence[SyncState | None], after: Sequence[SyncState]) -> None:
        """The cursors in one transaction, only when they moved."""
        changed = [
            state
            for old, state in zip(before, after, strict=True)
            if old is None or old.replace(updated_at=state.updated_at) != state
        ]
        if changed:
            writes = tuple(SaveSyncState(state=state) for state in changed)
            ask(self.directory.get("storage"), CommitWork(writes=writes))

    def _log_applied(self, applied: VenueRecordsApplied) -> None:
        for line in applied.discrepancies:
            self.log.warning("discrepancy {}", line)
        for ticker in applied.gone:
            try:
                result = self._final_result(ticker)
            except KalshiError as exc:
                self.log.debug("cannot look up {}: {}", ticker, exc)
                continue
            if result is not MarketResult.NONE:
                self.log.info("{} resolved {}; waiting for its settlement record", ticker, result)

    def _final_result(self, ticker: str) -> MarketResult:
        """The market's result if it is final; none if it is not, or the venue does not know
        it (a 404 is no evidence either way: the position is kept and reported)."""
        try:
            market = self.client.get_market(ticker)
        except VenueRefused as refused:
            if refused.status == HTTPStatus.NOT_FOUND:
                self.log.warning("{}: the venue does not list this market", ticker)
                return MarketResult.NONE
            raise
        return market.result if market.status in FINAL_MARKET else MarketResult.NONE

    def _resolve_in_flight(
        self, executions: tuple[Execution, ...], at_start: bool = False
    ) -> tuple[int, list[Execution]]:
        """Book what the venue can prove; keep the rest in flight. Raises on fetch failure.
        At start-up an order still resting is cancelled first: a bot that starts resumes
        no order it did not place in this run (none is left untracked, none duplicated)."""
        resolved, still = 0, []
        for execution in executions:
            report = self.client.find_order_by_client_order_id(
                execution.client_order_id, execution.ticker
            )
            now = self.clock.now()
            if report is None:
                if now - execution.updated_at >= self.not_found_grace:
                    self.log.warning(
                        "{} order {} never reached the venue; releasing its reservation"
                        " (if it shows up later, its fills are booked as they are)",
                        execution.ticker,
                        execution.client_order_id,
                    )
                    book_refusal(self.directory, execution, "not_found", "not at the venue", now)
                    resolved += 1
                else:
                    still.append(execution)
                continue
            if at_start and report.status is OrderStatus.RESTING:
                report = self._cancel_left_resting(execution, report)
            fills = self.client.get_fills(order_id=report.order_id)
            try:
                outcome = resolve_order(execution, report, fills)
            except ValueError as unreadable:
                self.log.error("{}: kept in flight: {}", execution.ticker, unreadable)
                still.append(execution)
                continue
            if outcome is None:
                still.append(execution)
                continue
            if outcome.disagreement:
                self.log.warning("{}: {}", execution.ticker, outcome.disagreement)
            ask(
                self.directory.get("positions"),
                BookOrder(execution=execution, outcome=outcome, venue_order_id=report.order_id),
            )
            resolved += 1
        return resolved, still

    def _cancel_left_resting(self, execution: Execution, report: OrderReport) -> OrderReport:
        """Cancel an order left resting by the last run; its record after (a 404: it ended
        meanwhile). Raises on fetch failure, like every read here."""
        try:
            self.client.cancel_order(report.order_id)
        except VenueRefused as refused:
            if refused.status != HTTPStatus.NOT_FOUND:
                raise
        self.log.warning(
            "{} order {} was left resting by the last run: cancelled",
            execution.ticker,
            execution.client_order_id,
        )
        return self.client.get_order(report.order_id)

    def _record_outcomes(self) -> None:
        """Mark how closed markets resolved on their forecasts, for the scorecard."""
        storage = self.directory.get("storage")
        now = self.clock.now()
        tickers = ask(storage, GetUnresolvedForecastTickers(closed_before=now, limit=SCORE_BATCH))
        writes: list[Write] = []
        for ticker in tickers:
            try:
                result = self._final_result(ticker)
            except KalshiError as exc:
                self.log.debug("cannot score {} yet: {}", ticker, exc)
                continue
            if result in {MarketResult.YES, MarketResult.NO, MarketResult.VOID}:
                writes.append(ResolveForecasts(ticker=ticker, outcome=result, resolved_at=now))
        if writes:
            ask(storage, CommitWork(writes=tuple(writes)))
            self.log.info("recorded outcomes of {} markets for the scorecard", len(writes))

    def _heartbeat(self, cycle: int, started_at: datetime) -> None:
        heartbeat = Heartbeat(
            cycle_started_at=started_at,
            last_success_at=self.success_at,
            last_error_at=self.error_at,
            last_error=self.last_error,
            heartbeat_at=self.clock.now(),
            cycle=cycle,
            venue=self.venue,
        )
        self.directory.get("storage").tell(
            CommitWork(writes=(RecordHeartbeat(heartbeat=heartbeat),))
        )


def _time(record: FillReport | SettlementReport) -> datetime:
    return record.created_time if isinstance(record, FillReport) else record.settled_time


def _key(record: SettlementReport) -> str:
    return record.key


def _fill_id(record: FillReport) -> str:
    return record.fill_id


class VenueRead(Frozen):
    """What one bracketed read of the venue found (see Reconciler._read_venue)."""

    positions: tuple[PositionReport, ...]
    fills: tuple[FillReport, ...]
    settlements: tuple[SettlementReport, ...]
    fills_saved: SyncState | None  # the cursors as saved, and as used
    settlements_saved: SyncState | None
    fill_state: SyncState
    settlement_state: SyncState
    cash: VenueCash
