"""Reconciler: compares the local book with the venue, at start-up and after every cycle.

Fails closed: a failed, partial or malformed fetch changes nothing (the whole reconciliation is
abandoned before anything is applied). Orders in flight are resolved first, by client order
id; then the pure diff (domain.reconcile) is applied one money-moving transaction at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from actors.base import BaseActor, ask, handles
from actors.directory import Directory
from actors.kill_switch import KillSwitch
from actors.outcomes import book_outcome, book_refusal
from actors.trading_guard import CashCheckFailed, TradingGuard
from domain.clock import Clock
from domain.execution import resolve_order
from domain.messages import (
    ClosePosition,
    CommitWork,
    CreditFunds,
    CycleStats,
    DebitFunds,
    EndOfCycle,
    GetExecutions,
    GetPositions,
    GetUnresolvedForecastTickers,
    InsertPnl,
    InsertPosition,
    PositionClosed,
    PositionOpened,
    Reconcile,
    ReconciliationReport,
    RecordHeartbeat,
    ResolveForecasts,
    SetTradingState,
    Write,
)
from domain.models import (
    Execution,
    ExecutionStatus,
    Heartbeat,
    MarketResult,
    MarketStatus,
    PnlEvent,
    Position,
    PositionStatus,
)
from domain.money import ZERO
from domain.reconcile import RecoverPosition, SettlePosition, plan
from infra.kalshi.client import KalshiClient
from infra.kalshi.errors import KalshiError, VenueRefused

SCORE_BATCH = 25  # markets whose outcome is looked up per cycle
IN_FLIGHT = tuple(status for status in ExecutionStatus if status.in_flight)
FINAL_MARKET = {MarketStatus.DETERMINED, MarketStatus.FINALIZED, MarketStatus.SETTLED}


class Reconciler(BaseActor):
    name = "reconciler"

    def __init__(
        self,
        directory: Directory,
        client: KalshiClient,
        clock: Clock,
        venue: str,
        *,
        not_found_grace: timedelta = timedelta(seconds=30),
        on_cycle_complete: Callable[[CycleStats], None] | None = None,
        max_failures: int = 3,
        max_cash_drift: Decimal = Decimal("1.00"),
        max_daily_loss: Decimal | None = None,
        max_drawdown: Decimal | None = None,
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
                directory,
                clock,
                self.log,
                max_daily_loss=max_daily_loss,
                max_drawdown=max_drawdown,
            ),
        )
        self.halts = ""  # the active halts after the last reconciliation, described
        self.directory = directory
        self.client = client
        self.clock = clock
        self.venue = venue
        self.not_found_grace = not_found_grace
        self.on_cycle_complete = on_cycle_complete
        self.success_at: datetime | None = None
        self.error_at: datetime | None = None
        self.last_error: str | None = None

    # Entry points ------------------------------------------------------------------------

    @handles(Reconcile)
    def _on_reconcile(self, command: Reconcile) -> ReconciliationReport:
        report = self._reconcile_guarded()
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
            realized_pnl=report.realized_pnl,
            errors=() if report.ok else (f"reconcile: {report.error}",),
        )
        self._heartbeat(stats.cycle)
        if self.on_cycle_complete is not None:
            self.on_cycle_complete(stats)

    # The guard around the work (actors/trading_guard.py) ----------------------------------

    def _reconcile_guarded(self) -> ReconciliationReport:
        """Operator commands, the book's reconciliation, the cash check, then fail closed:
        anything unexpected is a failed reconciliation, never a dead Reconciler."""
        try:
            self.guard.apply_operator_commands()
        except Exception as exc:  # noqa: BLE001 - retried next time; reconciliation goes on
            self.log.warning("operator commands not applied yet: {!r}", exc)
        try:
            report = self._reconcile()
            if report.ok:
                report = report.replace(cash=self.guard.check_cash())
                self.guard.check_equity()
        except (KalshiError, CashCheckFailed) as exc:
            report = self._failed(f"cash check failed: {exc}")
        except Exception as exc:  # noqa: BLE001 - fail closed, keep reconciling
            self.log.opt(exception=exc).error("reconciliation raised")
            report = self._failed(f"unexpected {type(exc).__name__}: {exc}")
        try:
            self.halts = self.guard.record_outcome(report.ok, report.error)
        except Exception as exc:  # noqa: BLE001 - Bankroll restarting: next time
            self.log.error("could not update the trading halt: {!r}", exc)
        return report

    # The work ----------------------------------------------------------------------------

    def _reconcile(self) -> ReconciliationReport:
        storage = self.directory.get("storage")
        try:
            in_flight: tuple[Execution, ...] = ask(storage, GetExecutions(statuses=IN_FLIGHT))
            resolved, still = self._resolve_in_flight(in_flight)
            local: tuple[Position, ...] = ask(
                storage, GetPositions(statuses=(PositionStatus.OPEN, PositionStatus.RECOVERED))
            )
            remote = self.client.get_positions()
            settlements = self.client.get_settlements()
            remote_tickers = {r.ticker for r in remote if r.position != 0}
            settled_tickers = {s.ticker for s in settlements}
            results = {
                p.ticker: self._final_result(p.ticker)
                for p in local
                if p.ticker not in remote_tickers and p.ticker not in settled_tickers
            }
        except KalshiError as exc:
            return self._failed(f"venue fetch failed, nothing changed: {exc}")
        busy = frozenset(e.ticker for e in still)
        diff = plan(local, remote, settlements, results, busy)
        for line in diff.describe():
            (self.log.warning if line.startswith("discrepancy") else self.log.info)(
                "plan: {}", line
            )
        for recover in diff.recover:
            self._recover(recover)
        pnl = sum((self._settle(settle) for settle in diff.settle), ZERO)
        self.success_at = self.clock.now()
        return ReconciliationReport(
            ok=True,
            resolved_in_flight=resolved,
            still_in_flight=len(still),
            recovered=len(diff.recover),
            settled=len(diff.settle),
            realized_pnl=pnl,
            discrepancies=tuple(f"{d.ticker}: {d.detail}" for d in diff.discrepancies),
        )

    def _failed(self, error: str) -> ReconciliationReport:
        self.log.warning("reconciliation failed: {}", error)
        self.error_at, self.last_error = self.clock.now(), error
        return ReconciliationReport(ok=False, error=error)

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

    def _resolve_in_flight(self, executions: tuple[Execution, ...]) -> tuple[int, list[Execution]]:
        """Settle what the venue can prove; keep the rest in flight. Raises on fetch failure."""
        resolved, still = 0, []
        for execution in executions:
            report = self.client.find_order_by_client_order_id(
                execution.client_order_id, execution.ticker
            )
            now = self.clock.now()
            if report is None:
                if now - execution.updated_at >= self.not_found_grace:
                    self.log.warning(
                        "{} order {} never reached the venue; releasing its reservation",
                        execution.ticker,
                        execution.client_order_id,
                    )
                    book_refusal(self.directory, execution, "not_found", "not at the venue", now)
                    resolved += 1
                else:
                    still.append(execution)
                continue
            outcome = resolve_order(execution, report)
            if outcome is None:
                still.append(execution)
                continue
            book_outcome(self.directory, execution, outcome, report.order_id, now)
            resolved += 1
        return resolved, still

    def _recover(self, recover: RecoverPosition) -> None:
        position = Position(
            ticker=recover.ticker,
            side=recover.side,
            count=recover.count,
            cost=recover.cost,
            status=PositionStatus.RECOVERED,
            opened_at=self.clock.now(),
        )
        reply = ask(
            self.directory.get("bankroll"),
            DebitFunds(
                amount=recover.cost,
                ref_type="recovered",
                ref_id=recover.ticker,
                writes=(InsertPosition(position=position),),
            ),
        )
        self.directory.get("positions").tell(PositionOpened(position=reply.positions[0]))

    def _settle(self, settle: SettlePosition) -> Decimal:
        position = settle.position
        assert position.id is not None
        now = self.clock.now()
        writes: tuple[Write, ...] = (
            ClosePosition(position_id=position.id, closed_at=now, payout=settle.payout),
            InsertPnl(
                event=PnlEvent(
                    ts=now,
                    ticker=position.ticker,
                    position_id=position.id,
                    cost=position.cost,
                    payout=settle.payout,
                    realized_pnl=settle.realized_pnl,
                    note=f"{settle.evidence}: {settle.result}",
                )
            ),
        )
        if settle.payout > 0:
            ask(
                self.directory.get("bankroll"),
                CreditFunds(
                    amount=settle.payout,
                    ref_type="position",
                    ref_id=str(position.id),
                    writes=writes,
                ),
            )
        else:
            ask(self.directory.get("storage"), CommitWork(writes=writes))
        self.directory.get("positions").tell(
            PositionClosed(
                position_id=position.id,
                ticker=position.ticker,
                realized_pnl=settle.realized_pnl,
            )
        )
        return settle.realized_pnl

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

    def _heartbeat(self, cycle: int) -> None:
        heartbeat = Heartbeat(
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
