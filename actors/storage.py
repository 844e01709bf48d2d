"""Storage: the only writer. One message is one transaction; replies are frozen snapshots.

It opens the database in its own thread on start and closes it on stop, so a restart gets a
fresh engine and no ORM object ever crosses a thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from actors.base import BaseActor, handles
from domain.fold import MarketRecords
from domain.halts import Halt, OperatorCommand
from domain.killswitch import KillSwitchMemory
from domain.messages import (
    CashState,
    ClosePosition,
    CommitBatch,
    CommitWork,
    GetActiveHalts,
    GetBookedFills,
    GetBookedSettlements,
    GetCashState,
    GetExecutions,
    GetKillSwitchMemory,
    GetLatestForecasts,
    GetLedger,
    GetLedgerTotals,
    GetMarketRecords,
    GetPendingCommands,
    GetPositions,
    GetPositionStats,
    GetRecentExits,
    GetScorecardInputs,
    GetSyncState,
    GetTickersWithFills,
    GetUnresolvedForecastTickers,
    InsertAdoption,
    InsertDeadLetter,
    InsertExecution,
    InsertFill,
    InsertForecast,
    InsertLlmCall,
    InsertPnl,
    InsertPosition,
    InsertSettlement,
    InsertSnapshots,
    LedgerTotals,
    MarkCommandHandled,
    RecordCashCheck,
    RecordEquityReading,
    RecordHalt,
    RecordHaltLifted,
    RecordHealth,
    RecordHeartbeat,
    ResolveForecasts,
    SaveKillSwitchMemory,
    SaveSyncState,
    ScorecardInputs,
    SyncState,
    UpdateExecution,
    UpdatePosition,
    WorkCommitted,
    Write,
)
from domain.models import (
    Execution,
    Forecast,
    LedgerEntry,
    Position,
    PositionStats,
)
from domain.recording import PruneRecordings, RecordLlmExchange, RecordScan
from infra.db.boundary import check_write
from infra.db.integrity import check_ledger, record_checkpoint
from infra.db.recordings import Recordings
from infra.db.repository import Database, Repository
from infra.db.retention import SnapshotRetention, compact_snapshots
from infra.db.scorecard import ScorecardCache


def _apply(repo: Repository, write: Write) -> Position | Forecast | None:
    """Apply one write; return what it inserted (with its id) when that matters to the caller."""
    match write:
        case InsertExecution(execution=execution):
            repo.insert_execution(execution)
        case UpdateExecution():
            changes = write.model_dump(
                exclude={"client_order_id", "only_if_in_flight"}, exclude_none=True
            )
            repo.update_execution(
                write.client_order_id, only_if_in_flight=write.only_if_in_flight, **changes
            )
        case InsertPosition(position=position):
            return repo.insert_position(position)
        case UpdatePosition():
            changes = write.model_dump(exclude={"position_id"}, exclude_none=True)
            repo.update_position(write.position_id, **changes)
        case ClosePosition(position_id=position_id, closed_at=closed_at, payout=payout):
            repo.close_position(position_id, closed_at, payout)
        case InsertPnl(event=event):
            repo.insert_pnl(event)
        case InsertSnapshots(ts=ts, markets=markets, raw=raw):
            repo.insert_market_snapshots(ts, markets, raw)
        case InsertLlmCall(call=call):
            repo.insert_llm_call(call)
        case InsertForecast(forecast=forecast):
            return repo.insert_forecast(forecast)
        case ResolveForecasts(ticker=ticker, outcome=outcome, resolved_at=resolved_at):
            repo.resolve_forecasts(ticker, outcome, resolved_at)
        case RecordScan() | RecordLlmExchange() | PruneRecordings():
            _apply_recording(Recordings(repo.connection), write)
        case _:
            _apply_operational(repo, write)
    return None


def _apply_recording(recordings: Recordings, write: Write) -> None:
    """The recorder's rows (infra.db.recordings): a cycle's inputs, an LLM call, a prune."""
    match write:
        case RecordScan():
            recordings.record_scan(write)
        case RecordLlmExchange():
            recordings.record_llm_exchange(write)
        case PruneRecordings():
            recordings.prune(write)


def _apply_operational(repo: Repository, write: Write) -> None:
    """The bot's own records: heartbeat, health, dead letters, halts, cash checks, operator
    commands."""
    match write:
        case RecordHeartbeat(heartbeat=heartbeat):
            repo.record_heartbeat(heartbeat)
        case RecordHealth(check=check):
            repo.record_health(check)
        case InsertDeadLetter():
            repo.insert_dead_letter(
                write.ts, write.actor, write.message_kind, write.message_id, write.error
            )
        case RecordHalt(halt=halt):
            repo.raise_halt(halt)
        case RecordHaltLifted(code=code, lifted_at=lifted_at, lifted_by=lifted_by):
            repo.lift_halt(code, lifted_at, lifted_by.value)
        case RecordCashCheck(check=check):
            repo.insert_cash_check(check)
        case MarkCommandHandled(command_id=command_id, handled_at=handled_at, outcome=outcome):
            repo.mark_command_handled(command_id, handled_at, outcome)
        case SaveKillSwitchMemory(memory=memory):
            repo.save_kill_switch_memory(memory)
        case RecordEquityReading(at=at, reading=reading):
            repo.insert_equity(at, reading)
        case _:
            _apply_venue_record(repo, write)


def _apply_venue_record(repo: Repository, write: Write) -> None:
    """The venue's records booked into the book: fills, settlements, the streams' cursors."""
    match write:
        case InsertFill(fill=fill, client_order_id=client_order_id, booked_at=booked_at):
            repo.insert_fill(fill, client_order_id, booked_at)
        case InsertAdoption(adoption=adoption):
            repo.insert_adoption(adoption)
        case InsertSettlement():
            repo.insert_settlement(write.record, write.position_id, write.booked_at, write.note)
        case SaveSyncState(state=state):
            repo.save_sync_state(**state.model_dump())
        case _:
            raise TypeError(f"not a write: {write!r}")


def _commit(repo: Repository, works: Sequence[CommitWork]) -> tuple[WorkCommitted, ...]:
    """Apply units of work inside the caller's transaction: ledger rows first, in one go.
    Every value is checked first: one the database cannot hold refuses the whole batch."""
    for work in works:
        for write in (work.ledger, *work.writes):
            if write is not None:
                check_write(write)
    rows = [work.ledger for work in works if work.ledger is not None]
    entries = iter(
        repo.append_ledger_entries([LedgerEntry.model_validate(row.model_dump()) for row in rows])
    )
    results = []
    for work in works:
        entry = next(entries) if work.ledger is not None else None
        inserted = [_apply(repo, write) for write in work.writes]
        results.append(
            WorkCommitted(
                ledger_entry=entry,
                positions=tuple(p for p in inserted if isinstance(p, Position)),
                forecasts=tuple(f for f in inserted if isinstance(f, Forecast)),
            ).caused(work)
        )
    return tuple(results)


CHECKPOINT_EVERY = 1000  # ledger rows between Storage's checks of the chain


class Storage(BaseActor):
    name = "storage"

    def __init__(
        self,
        path: Path,
        retention: SnapshotRetention | None = None,
        checkpoint_every: int = CHECKPOINT_EVERY,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.retention = retention
        self.checkpoint_every = checkpoint_every
        self._db: Database | None = None
        self._scorecard = ScorecardCache()  # kept as this actor commits: see its module
        self._unverified = 0  # ledger rows appended since this actor last checked the chain

    def started(self) -> None:
        self._db = Database.open(self.path)

    def on_stop(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("storage is not open")
        return self._db

    @handles(CommitWork)
    def _on_commit(self, command: CommitWork) -> WorkCommitted:
        with self.db.unit_of_work() as repo:
            [result] = _commit(repo, [command])
            self._upkeep(repo, [command])
        self._scorecard.committed([command], [result])
        return result

    @handles(CommitBatch)
    def _on_batch(self, command: CommitBatch) -> tuple[WorkCommitted, ...]:
        with self.db.unit_of_work() as repo:
            results = _commit(repo, command.works)
            self._upkeep(repo, command.works)
        self._scorecard.committed(command.works, results)
        return results

    def _upkeep(self, repo: Repository, works: Sequence[CommitWork]) -> None:
        """The history's upkeep, in the commit's transaction, keeping pace with its growth a
        bounded step at a time: each scan stored is followed by one batch of the snapshots'
        compaction (infra.db.retention), and every CHECKPOINT_EVERY ledger rows the ledger is
        checked since its last checkpoint and a new one recorded (infra.db.integrity), so the
        checks at the next start and at the end of the run read about that many rows."""
        appended = [work.ledger for work in works if work.ledger is not None]
        self._unverified += len(appended)
        if self._unverified >= self.checkpoint_every:
            self._unverified = 0
            verdict = check_ledger(repo)
            if verdict.problem:  # the end-of-run check reports it, and the next start refuses
                self.log.error("the ledger does not add up: {}", verdict.problem)
            else:
                record_checkpoint(repo, verdict.chain, appended[-1].ts)
        if self.retention is None:
            return
        for work in works:
            for write in work.writes:
                if isinstance(write, InsertSnapshots):
                    compact_snapshots(repo.connection, self.retention, write.ts)

    @handles(GetLedgerTotals)
    def _on_totals(self, _query: GetLedgerTotals) -> LedgerTotals:
        with self.db.read() as repo:
            rows, total, last, seeded = repo.ledger_totals()
        return LedgerTotals(rows=rows, total_change=total, last_balance=last, seeded=seeded)

    @handles(GetLedger)
    def _on_ledger(self, _query: GetLedger) -> tuple[LedgerEntry, ...]:
        with self.db.read() as repo:
            return tuple(repo.ledger_entries())

    @handles(GetPositions)
    def _on_positions(self, query: GetPositions) -> tuple[Position, ...]:
        with self.db.read() as repo:
            positions = repo.all_positions()
        wanted = set(query.statuses)
        return tuple(p for p in positions if not wanted or p.status in wanted)

    @handles(GetExecutions)
    def _on_executions(self, query: GetExecutions) -> tuple[Execution, ...]:
        with self.db.read() as repo:
            return tuple(repo.executions_with_status(*query.statuses))

    @handles(GetRecentExits)
    def _on_recent_exits(self, query: GetRecentExits) -> tuple[tuple[str, datetime], ...]:
        with self.db.read() as repo:
            return tuple(repo.recent_exits(query.since))

    @handles(GetBookedFills)
    def _on_booked_fills(self, query: GetBookedFills) -> frozenset[str]:
        with self.db.read() as repo:
            return frozenset(repo.booked_fill_ids(query.fill_ids))

    @handles(GetBookedSettlements)
    def _on_booked_settlements(self, query: GetBookedSettlements) -> frozenset[str]:
        tickers = tuple({key.rsplit("@", 1)[0] for key in query.keys})
        with self.db.read() as repo:
            return frozenset(repo.booked_settlement_keys(tickers)) & frozenset(query.keys)

    @handles(GetMarketRecords)
    def _on_market_records(self, query: GetMarketRecords) -> MarketRecords:
        with self.db.read() as repo:
            return repo.market_records(query.tickers)

    @handles(GetTickersWithFills)
    def _on_tickers_with_fills(self, query: GetTickersWithFills) -> frozenset[str]:
        with self.db.read() as repo:
            return frozenset(repo.tickers_with_fills(query.tickers))

    @handles(GetSyncState)
    def _on_sync_state(self, query: GetSyncState) -> SyncState | None:
        with self.db.read() as repo:
            row = repo.sync_state(query.stream)
        return None if row is None else SyncState.model_validate(dict(row))

    @handles(GetPositionStats)
    def _on_stats(self, _query: GetPositionStats) -> PositionStats:
        with self.db.read() as repo:
            return PositionStats.model_validate(repo.position_stats().model_dump())

    @handles(GetLatestForecasts)
    def _on_latest_forecasts(self, _query: GetLatestForecasts) -> tuple[Forecast, ...]:
        with self.db.read() as repo:
            return tuple(repo.latest_forecasts())

    @handles(GetUnresolvedForecastTickers)
    def _on_unresolved(self, query: GetUnresolvedForecastTickers) -> tuple[str, ...]:
        with self.db.read() as repo:
            return tuple(repo.unresolved_forecast_tickers(query.closed_before, query.limit))

    @handles(GetScorecardInputs)
    def _on_scorecard(self, _query: GetScorecardInputs) -> ScorecardInputs:
        with self.db.read() as repo:
            return self._scorecard.inputs(repo)

    @handles(GetActiveHalts)
    def _on_halts(self, _query: GetActiveHalts) -> tuple[Halt, ...]:
        with self.db.read() as repo:
            return tuple(repo.active_halts())

    @handles(GetKillSwitchMemory)
    def _on_kill_switch(self, _query: GetKillSwitchMemory) -> KillSwitchMemory | None:
        with self.db.read() as repo:
            return repo.kill_switch_memory()

    @handles(GetPendingCommands)
    def _on_commands(self, _query: GetPendingCommands) -> tuple[OperatorCommand, ...]:
        with self.db.read() as repo:
            return tuple(repo.pending_operator_commands())

    @handles(GetCashState)
    def _on_cash(self, query: GetCashState) -> CashState:
        with self.db.read() as repo:
            return CashState(book=repo.book_cash(), recent=tuple(repo.recent_cash_checks())).caused(
                query
            )
