"""Read-only views of the book for the cockpit: every trade with its story, and the chain of
evidence behind one market (`trades`, `why`, the marks in `status`).

Nothing here writes; `Database.read(History)` opens it in a query-only transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, type_coerce

from domain.base import Frozen
from domain.marks import mark, price_paid, side_probability, unrealized_pnl
from domain.models import (
    Execution,
    ExecutionStatus,
    ExitReason,
    Forecast,
    LedgerEntry,
    LlmCall,
    PnlEvent,
    Position,
)
from domain.money import ZERO
from infra.db.repository import Repository, _columns, _forecast, _to_domain
from infra.db.tables import (
    EquityRow,
    ExecutionRow,
    FillRow,
    ForecastRow,
    LedgerRow,
    LlmCallRow,
    MarketSnapshotRow,
    PnlRow,
    PositionRow,
    TradingHaltRow,
)
from infra.db.types import MicroDollars

OPEN_ORDER_STATUSES = tuple(s.value for s in ExecutionStatus if s.in_flight)


class Snapshot(Frozen):
    """A market as the scanner last saw it."""

    ticker: str
    event_ticker: str
    ts: datetime
    status: str
    yes_bid: Decimal | None
    yes_ask: Decimal | None
    no_bid: Decimal | None
    no_ask: Decimal | None
    close_time: datetime


CLOCK_SLACK = timedelta(minutes=10)


def _exits_of(
    position: Position, sales: list[tuple[str, datetime, ExitReason]]
) -> tuple[ExitReason, ...]:
    """The reasons of the exits that sold out of `position`, in order, each once. A fill's
    time is the venue's and the close the book's: CLOCK_SLACK apart still counts (a re-entry
    comes a cooldown later)."""
    reasons: list[ExitReason] = []
    closed = position.closed_at
    for ticker, at, reason in sales:
        late = closed is not None and at > closed + CLOCK_SLACK
        if ticker != position.ticker or at < position.opened_at or late:
            continue
        if reason not in reasons:
            reasons.append(reason)
    return tuple(reasons)


class EquityPoint(Frozen):
    """Equity at one reconciliation: cash plus open positions at their marks."""

    ts: datetime
    cash: Decimal
    positions: Decimal
    unmarked: int  # positions without a bid then, counted at $0

    @property
    def equity(self) -> Decimal:
        return self.cash + self.positions


class Activity(Frozen):
    """What the bot has done over the book's life (the counters /metrics serves)."""

    orders: dict[str, int]  # by status
    fills: int
    fees: Decimal  # every fill's fee, buys and sales
    llm_calls: dict[str, int]  # by outcome: ok, invalid, refused, error
    llm_cost: Decimal
    halts_raised: dict[str, int]  # by code, lifted or not


class Trade(Frozen):
    """One position, open or closed, with what it cost, earned and was decided on."""

    position: Position
    execution: Execution | None
    forecast: Forecast | None
    llm_cost: Decimal  # every LLM call spent on this market
    snapshot: Snapshot | None  # the latest: the mark of an open position
    exit_note: str = ""
    last_scan: datetime | None = None  # when the scanner last wrote any market
    parts: tuple[PnlEvent, ...] = ()  # what it realized: each sale and its settlement
    exits: tuple[ExitReason, ...] = ()  # why the bot sold out of it by itself (domain.exits)

    @property
    def realized(self) -> Decimal:
        """Every sale's and the settlement's P&L, fees in (legacy rows: payout less cost)."""
        if self.parts:
            return sum((part.realized_pnl for part in self.parts), ZERO)
        p = self.position
        return p.payout - p.cost if p.payout is not None else ZERO

    @property
    def contracts(self) -> Decimal:
        """How many contracts the position held in all: those sold and settled, and those
        still held (a closed row keeps the count it had before its last part)."""
        parted = sum((part.count for part in self.parts), ZERO)
        if parted == 0:
            return self.position.count
        return parted + (self.position.count if self.position.payout is None else ZERO)

    @property
    def mark_stale(self) -> bool:
        """The market was not in the scanner's last pass: its bid is old, not a mark."""
        s = self.snapshot
        return s is not None and self.last_scan is not None and s.ts < self.last_scan

    @property
    def entry_fees(self) -> Decimal:
        return ZERO if self.execution is None else self.execution.fees

    @property
    def fees(self) -> Decimal:
        """The fees of the buy and of every sale out of the position."""
        return self.entry_fees + sum((part.fees for part in self.parts), ZERO)

    @property
    def entry_price(self) -> Decimal:
        """The average price paid per contract, before fees."""
        e = self.execution
        if e is not None and e.filled_count > 0:
            return e.fill_cost / e.filled_count
        p = self.position
        return (p.cost - self.entry_fees) / p.count if p.count > 0 else ZERO

    @property
    def last_bid(self) -> Decimal | None:
        """The best bid of the side held when the market was last seen (maybe stale)."""
        s = self.snapshot
        if self.position.payout is not None or s is None:
            return None
        return mark(self.position.side, s.yes_bid, s.no_bid)

    @property
    def mark(self) -> Decimal | None:
        """The current mark: the last bid, if the last scan saw the market (None: unmarked,
        valued at zero, as the kill switch does: never an old price taken for a current one)."""
        return None if self.mark_stale else self.last_bid

    @property
    def pnl(self) -> Decimal | None:
        """Realised P&L if closed; if open, what its sales realized plus the rest unrealised
        at the mark (None: no mark)."""
        p = self.position
        if p.payout is not None:
            return self.realized
        return None if self.unrealized is None else self.realized + self.unrealized

    @property
    def unrealized(self) -> Decimal | None:
        """What the contracts still held would make at the mark (None: closed, or no mark)."""
        p = self.position
        return None if p.payout is not None else unrealized_pnl(p.count, p.cost, self.mark)

    @property
    def net(self) -> Decimal | None:
        """P&L net of the LLM cost spent on the market."""
        return None if self.pnl is None else self.pnl - self.llm_cost

    @property
    def forecast_probability(self) -> Decimal | None:
        f = self.forecast
        return None if f is None else side_probability(self.position.side, f.probability)

    @property
    def market_price(self) -> Decimal | None:
        """The ask of the side bought when the forecast was made."""
        f = self.forecast
        if f is None:
            return None
        return price_paid(self.position.side, f.inputs.yes_bid, f.inputs.yes_ask)


class Valuation(Frozen):
    """Open positions at their marks: what `status` and the run report show as held."""

    positions: int
    unmarked: int  # without a current mark: valued at $0
    market_value: Decimal
    unrealized_pnl: Decimal

    @staticmethod
    def of(held: list[Trade]) -> Valuation:
        return Valuation(
            positions=len(held),
            unmarked=sum(1 for t in held if t.mark is None),
            market_value=sum((t.position.count * t.mark for t in held if t.mark is not None), ZERO),
            unrealized_pnl=sum((t.unrealized for t in held if t.unrealized is not None), ZERO),
        )


class Chain(Frozen):
    """Everything the book knows about one market, oldest first: `why TICKER`."""

    ticker: str
    ledger: tuple[LedgerEntry, ...]
    executions: tuple[Execution, ...]
    forecasts: tuple[Forecast, ...]
    llm_calls: tuple[LlmCall, ...]
    positions: tuple[Position, ...]
    pnl: tuple[PnlEvent, ...]
    decision_snapshots: dict[str, Snapshot]  # client order id -> the market just before it
    latest: Snapshot | None


class History(Repository):
    """Read-only queries across tables, for people rather than actors."""

    def trades(self, *criteria: object, limit: int | None = None) -> list[Trade]:
        """The positions meeting `criteria` (every one without), oldest first: the newest
        `limit` of them when given."""
        if limit is None:
            positions = self._positions(*criteria)
        else:
            rows = self._all(
                select(*_columns(PositionRow))
                .where(*criteria)
                .order_by(PositionRow.id.desc())
                .limit(limit)
            )
            positions = [_to_domain(Position, row) for row in reversed(rows)]
        coids = [p.client_order_id for p in positions if p.client_order_id]
        executions = {
            e.client_order_id: e for e in self._executions(ExecutionRow.client_order_id.in_(coids))
        }
        forecast_ids = [e.forecast_id for e in executions.values() if e.forecast_id is not None]
        forecasts = {f.id: f for f in self._forecasts(ForecastRow.id.in_(forecast_ids))}
        tickers = sorted({p.ticker for p in positions})
        costs = self.llm_cost_by_ticker(tickers)
        snapshots = self.latest_snapshots(tickers)
        # The newest snapshot by primary key (scans are written in time order), not max(ts):
        # that would read every snapshot.
        newest = select(func.max(MarketSnapshotRow.id)).scalar_subquery()
        last_scan = self._connection.execute(
            select(MarketSnapshotRow.ts).where(MarketSnapshotRow.id == newest)
        ).scalar()
        parts: dict[int, list[PnlEvent]] = defaultdict(list)
        for event in self._pnl(PnlRow.position_id.in_([p.id for p in positions])):
            if event.position_id is not None:
                parts[event.position_id].append(event)
        exits = self._exit_sales(tickers)
        trades = []
        for p in positions:
            own = tuple(parts.get(p.id or 0, ()))
            execution = executions.get(p.client_order_id or "")
            forecast = forecasts.get(execution.forecast_id) if execution else None
            trades.append(
                Trade(
                    position=p,
                    execution=execution,
                    forecast=forecast,
                    llm_cost=costs.get(p.ticker, ZERO),
                    snapshot=snapshots.get(p.ticker),
                    exit_note=own[-1].note if own else "",
                    last_scan=last_scan,
                    parts=own,
                    exits=_exits_of(p, exits),
                )
            )
        return trades

    def _exit_sales(self, tickers: Sequence[str]) -> list[tuple[str, datetime, ExitReason]]:
        """Each fill of an exit the bot made in these markets: ticker, time, reason (through
        the fills' ticker index and the executions' unique client order id)."""
        statement = (
            select(FillRow.ticker, FillRow.created_time, ExecutionRow.exit_reason)
            .join(ExecutionRow, ExecutionRow.client_order_id == FillRow.client_order_id)
            .where(FillRow.ticker.in_(tickers), ExecutionRow.exit_reason.is_not(None))
            .order_by(FillRow.created_time)
        )
        return [
            (row["ticker"], row["created_time"], ExitReason(row["exit_reason"]))
            for row in self._all(statement)
        ]

    def equity_curve(self, points: int = 500) -> list[EquityPoint]:
        """Equity over the book's life in at most about `points` readings, oldest first: every
        n-th reading and always the newest, so the curve spans the whole history. The readings
        are picked by key (rows are only ever appended), so a year of them costs as little to
        draw as a day."""
        # Two queries: SQLite reads min() or max() alone off the key, both together by a scan.
        first = self._connection.execute(select(func.min(EquityRow.id))).scalar()
        last = self._connection.execute(select(func.max(EquityRow.id))).scalar()
        if first is None or last is None:
            return []
        step = max(1, -(-(last - first + 1) // points))
        picked = [*range(first, last + 1, step), last]
        rows = self._all(
            select(*_columns(EquityRow)).where(EquityRow.id.in_(picked)).order_by(EquityRow.id)
        )
        return [_to_domain(EquityPoint, row) for row in rows]

    def activity(self) -> Activity:
        fees = type_coerce(func.sum(FillRow.fee), MicroDollars())
        cost = type_coerce(func.sum(LlmCallRow.cost), MicroDollars())
        fills, fee_total = self._connection.execute(select(func.count(FillRow.id), fees)).one()
        calls = self._connection.execute(
            select(LlmCallRow.outcome, func.count(), cost).group_by(LlmCallRow.outcome)
        ).all()
        return Activity(
            orders=self._tally(ExecutionRow.status),
            fills=fills,
            fees=fee_total or ZERO,
            llm_calls={outcome: n for outcome, n, _ in calls},
            llm_cost=sum((spent or ZERO for _, _, spent in calls), ZERO),
            halts_raised=self._tally(TradingHaltRow.code),
        )

    def _tally(self, column: Any) -> dict[str, int]:
        rows = self._connection.execute(select(column, func.count()).group_by(column))
        return {value: n for value, n in rows}

    def held(self) -> list[Trade]:
        """The positions still held (not closed: no payout yet)."""
        return self.trades(PositionRow.payout.is_(None))

    def count_trades(self, *criteria: object) -> int:
        return self._connection.execute(
            select(func.count(PositionRow.id)).where(*criteria)
        ).scalar_one()

    def fees_since(self, moment: datetime) -> Decimal:
        """Fees of the orders placed since `moment` (the book's clock)."""
        total = type_coerce(func.sum(ExecutionRow.fees), MicroDollars())
        fees = self._connection.execute(
            select(total).where(ExecutionRow.created_at >= moment)
        ).scalar()
        return ZERO if fees is None else fees

    def open_orders(self) -> list[Execution]:
        """Orders not known to be final: recorded, resting, partly filled or in doubt."""
        return self._executions(ExecutionRow.status.in_(OPEN_ORDER_STATUSES))

    def llm_cost_by_ticker(self, tickers: list[str]) -> dict[str, Decimal]:
        total = type_coerce(func.sum(LlmCallRow.cost), MicroDollars())
        rows = self._connection.execute(
            select(LlmCallRow.ticker, total)
            .where(LlmCallRow.ticker.in_(tickers))
            .group_by(LlmCallRow.ticker)
        )
        return {ticker: cost for ticker, cost in rows}

    def latest_snapshots(self, tickers: list[str]) -> dict[str, Snapshot]:
        newest = (
            select(func.max(MarketSnapshotRow.id).label("id"))
            .where(MarketSnapshotRow.ticker.in_(tickers))
            .group_by(MarketSnapshotRow.ticker)
            .subquery()
        )
        rows = self._all(
            select(*_columns(MarketSnapshotRow)).join(newest, MarketSnapshotRow.id == newest.c.id)
        )
        return {row["ticker"]: _to_domain(Snapshot, row) for row in rows}

    def chain(self, ticker: str) -> Chain:
        positions = self._positions(PositionRow.ticker == ticker)
        executions = self._executions(ExecutionRow.ticker == ticker)
        calls = [
            _to_domain(LlmCall, row)
            for row in self._all(
                select(*_columns(LlmCallRow))
                .where(LlmCallRow.ticker == ticker)
                .order_by(LlmCallRow.id)
            )
        ]
        fills = select(FillRow.fill_id).where(FillRow.ticker == ticker)
        refs = {
            *(e.client_order_id for e in executions),
            *(str(p.id) for p in positions),
            *(c.call_id for c in calls),
            *self._connection.execute(fills).scalars(),
            ticker,
        }
        # A settlement's payout is keyed `TICKER@settled time` (its record): the keys from
        # "TICKER@" up to "TICKERA", the character after "@", read as a range of the index.
        settled = and_(LedgerRow.ref_id >= f"{ticker}@", LedgerRow.ref_id < f"{ticker}A")
        ledger = [
            _to_domain(LedgerEntry, row)
            for row in self._all(
                select(*_columns(LedgerRow))
                .where(or_(LedgerRow.ref_id.in_(refs), settled))
                .order_by(LedgerRow.id)
            )
        ]
        decisions = {
            e.client_order_id: snap
            for e in executions
            if (snap := self._snapshot_before(ticker, e.created_at)) is not None
        }
        return Chain(
            ticker=ticker,
            ledger=tuple(ledger),
            executions=tuple(executions),
            forecasts=tuple(self._forecasts(ForecastRow.ticker == ticker)),
            llm_calls=tuple(calls),
            positions=tuple(positions),
            pnl=tuple(self._pnl(PnlRow.ticker == ticker)),
            decision_snapshots=decisions,
            latest=self.latest_snapshots([ticker]).get(ticker),
        )

    def ledger_row(self, row_id: int) -> LedgerEntry | None:
        row = self._maybe_one(select(*_columns(LedgerRow)).where(LedgerRow.id == row_id))
        return None if row is None else _to_domain(LedgerEntry, row)

    def ticker_of(self, entry: LedgerEntry) -> str | None:
        """The market a ledger row is about, from what it refers to; None for none."""
        ref = entry.ref_id
        if ref is None:
            return None
        statements = (
            select(ExecutionRow.ticker).where(ExecutionRow.client_order_id == ref),
            select(LlmCallRow.ticker).where(LlmCallRow.call_id == ref),
            select(PositionRow.ticker).where(PositionRow.id == int(ref))
            if ref.isdigit() and entry.ref_type == "position"
            else None,
            select(PositionRow.ticker).where(PositionRow.ticker == ref).limit(1),
        )
        for statement in statements:
            if statement is not None and (found := self._connection.execute(statement).scalar()):
                return str(found)
        return None

    # helpers

    def _snapshot_before(self, ticker: str, moment: datetime) -> Snapshot | None:
        row = self._maybe_one(
            select(*_columns(MarketSnapshotRow))
            .where(MarketSnapshotRow.ticker == ticker, MarketSnapshotRow.ts <= moment)
            .order_by(MarketSnapshotRow.id.desc())
            .limit(1)
        )
        return None if row is None else _to_domain(Snapshot, row)

    def _executions(self, *criteria: object) -> list[Execution]:
        rows = self._all(select(*_columns(ExecutionRow)).where(*criteria).order_by(ExecutionRow.id))
        return [_to_domain(Execution, row) for row in rows]

    def _forecasts(self, *criteria: object) -> list[Forecast]:
        rows = self._all(select(*_columns(ForecastRow)).where(*criteria).order_by(ForecastRow.id))
        return [_forecast(row) for row in rows]

    def _pnl(self, *criteria: object) -> list[PnlEvent]:
        rows = self._all(select(*_columns(PnlRow)).where(*criteria).order_by(PnlRow.id))
        return [_to_domain(PnlEvent, row) for row in rows]


def grouped_exposure(trades: list[Trade]) -> dict[str, Decimal]:
    """Cost of open positions per event (the market's event ticker, or the market's own)."""
    exposure: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for t in trades:
        if t.position.payout is None:
            event = t.snapshot.event_ticker if t.snapshot else t.position.ticker
            exposure[event] += t.position.cost
    return dict(exposure)
