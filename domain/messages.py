"""Messages between actors: frozen, with ids for correlation and causation.

Commands are verbs (`ReserveFunds`), events past tense (`FundsReserved`), queries `Get...`
answered by `...Snapshot`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import AwareDatetime, Field

from domain.base import Frozen
from domain.cash import BookCash, CashCheck
from domain.execution import OrderOutcome
from domain.exits import ExitDecision
from domain.exposure import Holding
from domain.fees import FeeSchedule
from domain.fold import Adoption
from domain.halts import Halt, HaltCode, HaltLifter
from domain.health import HealthCheck
from domain.killswitch import Equity, KillSwitchMemory
from domain.models import (
    Execution,
    ExecutionStatus,
    FillReport,
    Forecast,
    Heartbeat,
    LedgerEntry,
    LedgerReason,
    LlmCall,
    Market,
    MarketResult,
    OrderBook,
    PnlEvent,
    Position,
    PositionReport,
    PositionStats,
    PositionStatus,
    SettlementReport,
    Side,
    TradeSignal,
)
from domain.recording import PruneRecordings, RecordLlmExchange, RecordScan
from domain.risk import DenyReason
from domain.scoring import ScoredForecast, TradeResult


def new_id() -> str:
    return uuid.uuid4().hex


class Message(Frozen):
    """Envelope fields shared by every message."""

    message_id: str = Field(default_factory=new_id)
    correlation_id: str = Field(default_factory=new_id)
    causation_id: str | None = None
    ts: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))

    def caused(self, parent: Message) -> Self:
        """This message re-stamped as caused by `parent`, in `parent`'s workflow.

        Only the two id strings change, both taken from an already validated message, so a
        plain copy is safe here (every message passes through this on the hot path).
        """
        return self.model_copy(
            update={"correlation_id": parent.correlation_id, "causation_id": parent.message_id}
        )


class Ping(Message):
    pass


class Pong(Message):
    actor: str


# Writes Storage applies inside one transaction ---------------------------------------------


class LedgerRow(Frozen):
    """A ledger row as Bankroll decided it; Storage gives it an id."""

    ts: AwareDatetime
    change: Decimal
    reason: LedgerReason
    balance: Decimal
    ref_type: str | None = None
    ref_id: str | None = None
    detail: str | None = None


class InsertExecution(Frozen):
    execution: Execution


class UpdateExecution(Frozen):
    """Only the fields given change. A booking of the order's outcome sets `only_if_in_flight`:
    if the order was booked already, the whole transaction is refused."""

    client_order_id: str
    updated_at: AwareDatetime
    only_if_in_flight: bool = False
    status: ExecutionStatus | None = None
    venue_order_id: str | None = None
    filled_count: Decimal | None = None
    fill_cost: Decimal | None = None
    fees: Decimal | None = None
    error_code: str | None = None
    error_message: str | None = None


class InsertPosition(Frozen):
    position: Position


class UpdatePosition(Frozen):
    """A position grows or shrinks with a fill, turns to the other side, or changes status."""

    position_id: int
    side: Side | None = None
    count: Decimal | None = None
    cost: Decimal | None = None
    status: PositionStatus | None = None


class ClosePosition(Frozen):
    position_id: int
    closed_at: AwareDatetime
    payout: Decimal


class InsertPnl(Frozen):
    event: PnlEvent


class InsertFill(Frozen):
    """A venue fill, booked: refused whole if its fill_id was booked before."""

    fill: FillReport
    client_order_id: str | None = None
    booked_at: AwareDatetime


class InsertAdoption(Frozen):
    """A venue position taken into the book before its fills (domain.fold.Adoption)."""

    adoption: Adoption


class InsertSettlement(Frozen):
    """A venue settlement record, booked: refused whole if it was booked before."""

    record: SettlementReport
    position_id: int | None = None
    booked_at: AwareDatetime
    note: str = ""


class SyncState(Frozen):
    """How far a venue stream has been read (see `infra.db.tables.VenueSyncRow`)."""

    stream: str
    high_water: AwareDatetime | None = None
    ignore_through: AwareDatetime | None = None
    updated_at: AwareDatetime


class SaveSyncState(Frozen):
    state: SyncState


class InsertSnapshots(Frozen):
    ts: AwareDatetime
    markets: tuple[Market, ...]
    raw: tuple[str, ...] = ()


class InsertLlmCall(Frozen):
    call: LlmCall


class InsertForecast(Frozen):
    forecast: Forecast


class ResolveForecasts(Frozen):
    """Record how a market resolved, on every forecast made for it."""

    ticker: str
    outcome: MarketResult
    resolved_at: AwareDatetime


class RecordHeartbeat(Frozen):
    heartbeat: Heartbeat


class RecordHealth(Frozen):
    """A part's health this cycle (domain.health), written by the actor that ran the part."""

    check: HealthCheck


class InsertDeadLetter(Frozen):
    ts: AwareDatetime
    actor: str
    message_kind: str
    message_id: str
    error: str


class RecordHalt(Frozen):
    halt: Halt


class RecordHaltLifted(Frozen):
    code: HaltCode
    lifted_at: AwareDatetime
    lifted_by: HaltLifter


class RecordCashCheck(Frozen):
    check: CashCheck


class MarkCommandHandled(Frozen):
    command_id: int
    handled_at: AwareDatetime
    outcome: str


class RecordEquityReading(Frozen):
    """Equity at a reconciliation, kept for the equity curve (the dashboard)."""

    at: AwareDatetime
    reading: Equity


class SaveKillSwitchMemory(Frozen):
    """The kill switch's day start and peak (None: forgotten, measured afresh next time)."""

    memory: KillSwitchMemory | None


Write = (
    InsertExecution
    | UpdateExecution
    | InsertPosition
    | UpdatePosition
    | ClosePosition
    | InsertPnl
    | InsertFill
    | InsertAdoption
    | InsertSettlement
    | SaveSyncState
    | InsertSnapshots
    | RecordHeartbeat
    | RecordHealth
    | InsertDeadLetter
    | InsertLlmCall
    | InsertForecast
    | ResolveForecasts
    | RecordHalt
    | RecordHaltLifted
    | RecordCashCheck
    | MarkCommandHandled
    | RecordScan
    | RecordLlmExchange
    | PruneRecordings
    | SaveKillSwitchMemory
    | RecordEquityReading
)


class CommitWork(Message):
    """One transaction: an optional ledger row plus the writes that belong with it."""

    ledger: LedgerRow | None = None
    writes: tuple[Write, ...] = ()


class CommitBatch(Message):
    """Several units of work in one transaction (group commit): all land or none do."""

    works: tuple[CommitWork, ...]


class WorkCommitted(Message):
    ledger_entry: LedgerEntry | None = None
    positions: tuple[Position, ...] = ()  # inserted positions, with their ids
    forecasts: tuple[Forecast, ...] = ()  # inserted forecasts, with their ids


class GetLedger(Message):
    pass


class LedgerTotals(Frozen):
    rows: int
    total_change: Decimal
    last_balance: Decimal
    seeded: Decimal | None = None  # the bankroll the book was seeded with (its INITIAL row)


class GetLedgerTotals(Message):
    pass


class GetPositions(Message):
    statuses: tuple[PositionStatus, ...] = ()  # empty: all


class GetExecutions(Message):
    statuses: tuple[ExecutionStatus, ...] = ()  # empty: all


class GetRecentExits(Message):
    """Tickers the bot sold by an exit since `since`, with the time of the latest (cooldown)."""

    since: AwareDatetime


class GetLatestForecasts(Message):
    """The newest forecast per market (to warm the forecast cache after a restart)."""


class GetUnresolvedForecastTickers(Message):
    """Markets with forecasts not yet scored whose close time is before `closed_before`."""

    closed_before: AwareDatetime
    limit: int = 50


class GetActiveHalts(Message):
    pass


class GetPendingCommands(Message):
    pass


class GetKillSwitchMemory(Message):
    pass


class RecordEquity(Message):
    """Bankroll: fold one equity reading into the kill switch's memory (durable before the
    reply), answered with the memory the limits are measured against. With `reading` (its cash
    and positions), the reading is kept for the equity curve in the same transaction."""

    equity: Decimal
    reading: Equity | None = None


class GetCashState(Message):
    """The book's venue-facing cash and the newest cash checks (newest first)."""


class CashState(Message):
    book: BookCash
    recent: tuple[CashCheck, ...]


class GetBookedFills(Message):
    """Which of `fill_ids` are booked already."""

    fill_ids: tuple[str, ...]


class GetBookedSettlements(Message):
    """Which of these records' keys (`SettlementReport.key`) are booked already."""

    keys: tuple[str, ...]


class GetMarketRecords(Message):
    """Every record booked for `tickers` (domain.fold.MarketRecords)."""

    tickers: tuple[str, ...]


class GetTickersWithFills(Message):
    """Which of `tickers` have any booked fill."""

    tickers: tuple[str, ...]


class GetSyncState(Message):
    stream: str


# Bankroll: the only owner of the balance ---------------------------------------------------


class BalanceCommand(Message):
    """A balance change; `writes` commit in the same transaction as its ledger row."""

    amount: Decimal = Field(ge=0)
    ref_type: str | None = None
    ref_id: str | None = None
    detail: str | None = None
    writes: tuple[Write, ...] = ()


class ReserveFunds(BalanceCommand):
    """Take `amount` for an order; refused at or below zero balance, or beyond it."""


class ReleaseFunds(BalanceCommand):
    """Give back what an order did not use."""


class CreditFunds(BalanceCommand):
    """Money in: a settlement payout (or an operator adjustment)."""

    reason: Literal[LedgerReason.SETTLEMENT, LedgerReason.ADJUSTMENT, LedgerReason.FILL] = (
        LedgerReason.SETTLEMENT
    )


class DebitFunds(BalanceCommand):
    """Money out that is not a reservation: a recovered position's cost, a venue fill."""

    reason: Literal[LedgerReason.RECOVERED, LedgerReason.ADJUSTMENT, LedgerReason.FILL] = (
        LedgerReason.RECOVERED
    )


class ChargeApiCost(BalanceCommand):
    """An LLM call's cost, booked when it happens; accepted even when the bankroll is locked."""


class BalanceChanged(Message):
    entry: LedgerEntry
    positions: tuple[Position, ...] = ()
    forecasts: tuple[Forecast, ...] = ()

    @property
    def balance(self) -> Decimal:
        return self.entry.balance


class FundsRefused(Message):
    reason: DenyReason
    balance: Decimal
    requested: Decimal
    detail: str = ""  # e.g. the active halts


class GetBankroll(Message):
    pass


class BankrollSnapshot(Message):
    balance: Decimal
    locked: bool
    ledger_rows: int
    halts: tuple[Halt, ...] = ()


class HaltTrading(Message):
    """Stop new orders for `code` (a no-op if that halt is already active)."""

    code: HaltCode
    detail: str
    writes: tuple[Write, ...] = ()  # committed with the halt, e.g. the check that caused it


class LiftHalt(Message):
    """Lift the halt with `code` if `by` may; `writes` commit with it either way."""

    code: HaltCode
    by: HaltLifter
    writes: tuple[Write, ...] = ()


class HaltsChanged(Message):
    """The reply to HaltTrading and LiftHalt: what is active now, and whether this changed it."""

    halts: tuple[Halt, ...]
    changed: bool
    refused: str = ""  # why a lift was refused (e.g. only a reconciliation lifts this one)


# Positions: the single owner of the book and of market claims ------------------------------


class ClaimMarket(Message):
    """Reserve `ticker` for one order: refused if held, already claimed, or over exposure.

    `closing`: the order sells what is held, so the market must be held (and not claimed)."""

    ticker: str
    client_order_id: str
    cost: Decimal = Field(ge=0)
    max_total_exposure: Decimal | None = None
    closing: bool = False


class MarketClaimed(Message):
    ticker: str
    client_order_id: str
    held: Position | None = None  # for a closing claim: the position it will sell


class SellHoldings(Message):
    """An operator's `close` (one ticker) or `flatten` (`tickers` empty: everything held)."""

    request_id: int
    tickers: tuple[str, ...] = ()


class HoldingsSold(Message):
    outcome: str  # what was sent and what came of it, one clause per market


class ClaimRefused(Message):
    ticker: str
    reason: DenyReason
    detail: str = ""


class CancelResting(Message):
    """A halt is in force: the Executor cancels every resting order (actors.resting)."""

    reason: str


class OrderResting(Message):
    """A maker order is resting at the venue as `venue_order_id`: its fills are booked as they
    arrive, each releasing its own cost from the order's reservation (actors.positions)."""

    ticker: str
    client_order_id: str
    venue_order_id: str


class ReleaseClaim(Message):
    """The order behind a claim ended without a position."""

    ticker: str
    client_order_id: str


class PositionOpened(Message):
    """A committed position (with its id) joins the book; any claim on its market ends."""

    position: Position


class PositionClosed(Message):
    """A position closed in the database (its P&L rows with it): it leaves the book."""

    position_id: int
    ticker: str


class BookOrder(Message):
    """Book an order's final outcome from its fills: one transaction for the execution, its
    fills, the position and the release of its reservation (the single owner of the book
    applies it, so the order's fills cannot also be booked as someone else's trade)."""

    execution: Execution
    outcome: OrderOutcome
    venue_order_id: str


class OrderBooked(Message):
    booked: bool  # False: the order had been booked already; nothing was written
    position: Position | None = None


class ApplyVenueRecords(Message):
    """Bring the book to the venue's records, read in this order: `positions` first, then
    `fills` and `settlements` (so every fill behind a listed position is among `fills`)."""

    positions: tuple[PositionReport, ...]
    fills: tuple[FillReport, ...]
    settlements: tuple[SettlementReport, ...]
    fills_ignore_through: AwareDatetime | None = None
    settlements_ignore_through: AwareDatetime | None = None
    # Fills the venue pushed (its WebSocket): no positions were read with them, so nothing is
    # adopted or compared; the next reconciliation does that from REST.
    pushed: bool = False


class BookPushedFills(Message):
    """Fills the venue pushed on its WebSocket: booked at once, through the same fold as
    the REST records (each fill once, by id); REST still lists them, and stays the check."""

    fills: tuple[FillReport, ...]


class ResyncRequested(Message):
    """The venue stream may have missed something (it reconnected, or a sequence number was
    skipped): reconcile from REST now. `requested_ns` (time.monotonic_ns) lets one
    reconciliation that started later answer every request made before it."""

    reason: str
    requested_ns: int


class OrderEnded(Message):
    """The venue pushed that an order is over (executed or cancelled, by anyone: an expiry,
    the market's close): if it is one the book still has resting, reconcile now, so its
    booking and the rest of its reservation do not wait for the cycle."""

    client_order_id: str
    requested_ns: int


class VenueRecordsApplied(Message):
    fills_booked: int = 0
    settled: int = 0
    recovered: int = 0
    realized_pnl: Decimal = Decimal(0)
    deferred_fills: tuple[str, ...] = ()  # fill ids left for an order in flight to book
    deferred_settlements: tuple[str, ...] = ()  # settlement keys left likewise (or waiting)
    # Settlements whose counts the fold cannot explain yet (fills missing): (key, figures).
    waiting: tuple[tuple[str, str], ...] = ()
    discrepancies: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()  # held markets the venue no longer lists, with no settlement

    def after_retry(self, again: VenueRecordsApplied) -> VenueRecordsApplied:
        """This application, then `again`: the waiting settlements applied once more with
        their markets' fills read again."""
        retried = {key for key, _ in self.waiting}
        still = {key for key, _ in again.waiting} | set(again.deferred_settlements)
        return self.replace(
            fills_booked=self.fills_booked + again.fills_booked,
            settled=self.settled + again.settled,
            realized_pnl=self.realized_pnl + again.realized_pnl,
            deferred_settlements=tuple(
                key for key in self.deferred_settlements if key not in retried or key in still
            ),
            waiting=again.waiting,
        )


class GetBook(Message):
    pass


class BookSnapshot(Message):
    positions: tuple[Position, ...]
    claimed: tuple[str, ...]
    exposure: Decimal
    stats: PositionStats

    def holds(self, ticker: str) -> bool:
        return ticker in self.claimed or any(p.ticker == ticker for p in self.positions)


class GetPositionStats(Message):
    pass


# The cycle: scan -> analyze -> execute -> reconcile, with an end-of-cycle marker -------------


class Candidate(Frozen):
    """A market worth a forecast: its venue data, its book, and the linked Polymarket price."""

    market: Market
    book: OrderBook
    fees: FeeSchedule  # the market's fee schedule as the venue states it (A5.6, A7): required
    polymarket_price: Decimal | None = None
    polymarket_id: str | None = None
    link_confidence: Decimal | None = None
    event_holdings: tuple[Holding, ...] = ()  # positions and orders already on its event


class HeldMarket(Frozen):
    """A position held, with its market as a candidate's: valued every cycle for an exit."""

    position: Position
    candidate: Candidate


class CycleStats(Frozen):
    """What one cycle did; each stage adds its part as the end-of-cycle marker passes."""

    cycle: int
    started_at: AwareDatetime
    markets_scanned: int = 0
    polymarket_markets: int = 0
    linked: int = 0
    candidates: int = 0
    forecasts: int = 0
    signals: int = 0
    orders_placed: int = 0
    orders_filled: int = 0
    orders_partial: int = 0
    orders_unfilled: int = 0
    orders_ambiguous: int = 0
    skipped: tuple[tuple[str, int], ...] = ()  # analysis decisions: reason -> count
    refused: tuple[tuple[str, int], ...] = ()  # guard and venue refusals: reason -> count
    exits: tuple[tuple[str, int], ...] = ()  # exit orders sent: reason (domain.exits) -> count
    settled: int = 0
    recovered: int = 0
    resolved_in_flight: int = 0
    realized_pnl: Decimal = Decimal(0)
    api_cost: Decimal = Decimal(0)
    llm_refused: int = 0  # calls the LLM provider refused for our credentials: the run failed
    errors: tuple[str, ...] = ()
    unhealthy: tuple[HealthCheck, ...] = ()  # parts that failed their check (domain.health)

    def plus(self, **counts: Any) -> CycleStats:
        """Add counts (ints, Decimals, reason tallies, errors) to this cycle's figures."""
        changes: dict[str, Any] = {}
        for name, value in counts.items():
            current = getattr(self, name)
            if name in {"skipped", "refused", "exits"}:
                merged = dict(current)
                for reason, n in dict(value).items():
                    merged[reason] = merged.get(reason, 0) + n
                changes[name] = tuple(sorted(merged.items()))
            else:
                changes[name] = current + value
        return self.replace(**changes)


class RunCycle(Message):
    stats: CycleStats


class AnalyzeCandidates(Message):
    stats: CycleStats
    candidates: tuple[Candidate, ...]
    held: tuple[HeldMarket, ...] = ()  # positions to value for an exit (exits enabled)


class ExecuteSignal(Message):
    cycle: int
    signal: TradeSignal
    forecast: Forecast


class ExitPosition(Message):
    """Sell a held position for `decision.reason`, reduce-only at `decision.bid` or better."""

    cycle: int
    decision: ExitDecision
    forecast_id: int | None = None  # the forecast that valued it (none for a time exit)


class EndOfCycle(Message):
    """Follows a stage's work down the pipeline (mailboxes are FIFO), carrying the figures."""

    stats: CycleStats


class Reconcile(Message):
    """Compare the book with the venue; `enable_trading` re-opens the Executor on success."""

    enable_trading: bool = False
    starting: bool = False  # the session's first: requests left from before it are stale


class ReconciliationReport(Message):
    ok: bool
    error: str = ""
    resolved_in_flight: int = 0
    still_in_flight: int = 0
    recovered: int = 0
    settled: int = 0
    realized_pnl: Decimal = Decimal(0)
    discrepancies: tuple[str, ...] = ()
    cash: CashCheck | None = None  # this reconciliation's cash check, if one was made


class SetTradingState(Message):
    active: bool
    reason: str = ""


# Analyst: results of forecasting work done off the actor's thread ----------------------------


class ForecastMade(Message):
    candidate: Candidate
    forecast: Forecast
    spent: Decimal  # what its calls cost (already booked in the ledger)
    estimate: Decimal  # the budget it had held


class ForecastFailed(Message):
    ticker: str
    reason: str
    spent: Decimal
    estimate: Decimal


class GetScorecardInputs(Message):
    pass


class ScorecardInputs(Message):
    scored: tuple[ScoredForecast, ...]
    trades: tuple[TradeResult, ...]
    api_costs: tuple[tuple[str, str, Decimal], ...]  # model, prompt version, dollars


class LookForNotices(Message):
    """Tell the Notifier to read what the book booked since its last look (after a cycle)."""

    now: AwareDatetime
