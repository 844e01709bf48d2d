"""Units of work over the database, returning frozen domain objects and never ORM instances.

Statements return plain rows (`RETURNING` for writes), so every object handed out carries
exactly what was stored (times truncated to the millisecond, amounts as stored) and no ORM state
can leak across threads or go stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from loguru import logger
from pydantic import ValidationError
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.types import NullType, TypeDecorator

from domain.base import Frozen
from domain.cash import BookCash, CashCheck, CashVerdict
from domain.errors import ExecutionAlreadyFinal, RecordAlreadyBooked
from domain.evidence import pooled
from domain.fold import Adoption, MarketRecords
from domain.halts import (
    Halt,
    HaltCode,
    MalformedRequest,
    OperatorAction,
    OperatorCommand,
    Requester,
)
from domain.health import HealthCheck, Part, PartHealth
from domain.killswitch import Equity, KillSwitchMemory
from domain.markout import HORIZON, markout
from domain.models import (
    Execution,
    ExecutionStatus,
    FillReport,
    Forecast,
    ForecastInputs,
    Heartbeat,
    LedgerEntry,
    LedgerReason,
    LlmCall,
    Market,
    MarketResult,
    PnlEvent,
    Position,
    PositionStats,
    PositionStatus,
    SettlementReport,
    settlement_key,
)
from domain.money import ZERO, from_micros
from domain.scoring import ScoredForecast, TradeResult
from domain.sizing import STANDARD_FEES
from infra.db.engine import EXPECTED_PRAGMAS, Pragmas, create_engine_for, read_pragmas
from infra.db.errors import DatabaseCorruptError, DatabaseError
from infra.db.tables import (
    KILL_SWITCH_ROW_ID,
    STATUS_ROW_ID,
    AdoptionRow,
    Base,
    CashCheckRow,
    DeadLetterRow,
    EquityRow,
    ExecutionRow,
    FillRow,
    ForecastRow,
    HealthRow,
    KillSwitchRow,
    LedgerCheckpointRow,
    LedgerRow,
    LlmCallRow,
    MarketSnapshotRow,
    OperatorCommandRow,
    PnlRow,
    PositionRow,
    SettlementRow,
    StatusRow,
    TradingHaltRow,
    VenueSyncRow,
)
from infra.db.types import MICROS, RESTORE, MicroDollars, storable, stored_integer
from infra.logs import redactor

M = TypeVar("M", bound=Frozen)
R = TypeVar("R")

ACTIVE_STATUSES = (PositionStatus.OPEN, PositionStatus.RECOVERED)


_LAST_BALANCE = select(LedgerRow.balance).order_by(LedgerRow.id.desc()).limit(1)
_INSERT_LEDGER = insert(LedgerRow).returning(*LedgerRow.__table__.c, sort_by_parameter_order=True)


class NotFoundError(LookupError):
    """The row a change was aimed at does not exist."""


class LedgerBalanceError(ValueError):
    """A ledger row whose balance is not the previous balance plus its change."""


class LedgerCheckpoint(NamedTuple):
    """A verified prefix of the ledger (rows up to `through_id`), see infra.db.integrity."""

    through_id: int
    rows: int
    balance: Decimal
    api_cost: Decimal  # LLM costs charged through `through_id`, positive
    digest: str
    checked_at: datetime


class LedgerChain(NamedTuple):
    """What the chain check found (`Repository.ledger_chain`), with the whole ledger's figures
    (from its checkpoint, if it started from one)."""

    rows: int
    first_break: int | None  # id of the first row whose balance breaks the chain
    first_bad_time: int | None  # id of the first row whose time SQLite cannot read
    last_balance: Decimal
    api_cost: Decimal  # every LLM cost the ledger charged, positive
    last_id: int  # the newest row's id (0: none)


# Every row's balance must be the previous row's balance plus its change (zero before the
# first), checked in one pass over the rows after `:after` (a checkpoint, or 0 for all): each
# row joined to the row before it by primary key (the ledger is append-only, so ids are
# consecutive; a deleted row breaks the chain at the row after it). Integer micro-dollars, so
# the comparison is exact. A LAG() window function says the same but took 7 to 10 times as long
# on SQLite here (it sorts into a temporary table); see bench/ledger_chain.py.
_CHAIN = text(
    """
    SELECT COUNT(*) AS rows,
           MIN(CASE WHEN row.balance != row.change + COALESCE(previous.balance, 0)
                    THEN row.id END) AS first_break,
           MIN(CASE WHEN julianday(row.ts) IS NULL THEN row.id END) AS first_bad_time,
           -COALESCE(SUM(CASE WHEN row.reason = 'api_cost' THEN row.change END), 0) AS api_cost,
           MAX(row.id) AS last_id,
           (SELECT balance FROM bankroll_history ORDER BY id DESC LIMIT 1) AS last_balance
    FROM bankroll_history AS row
    LEFT JOIN bankroll_history AS previous ON previous.id = row.id - 1
    WHERE row.id > :after
    """
)
_BOOK_ROWS = text("SELECT (SELECT COUNT(*) FROM positions) + (SELECT COUNT(*) FROM executions)")
# A ledger row's stored values as SQLite holds them, for the checkpoints' digest.
_LEDGER_VALUES = text(
    "SELECT id, ts, change, reason, balance, ref_type, ref_id, detail FROM bankroll_history"
    " WHERE id > :after ORDER BY id"
)
_GUARDS = text(
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN :names"
).bindparams(bindparam("names", expanding=True))


def _dollars(value: object) -> Decimal:
    return ZERO if value is None else from_micros(stored_integer(value, MICROS))


# The book's venue-facing cash (domain.cash) in the ledger rows after `:after` (a checkpoint,
# or 0 for all): LLM costs and the rows of orders in flight left out. A primary-key range: a
# cycle's check reads only the rows since the last checkpoint, not a million.
_IN_FLIGHT = [status.value for status in ExecutionStatus if status.in_flight]
_BOOK_CASH = text(
    """
    WITH flying AS (
        SELECT client_order_id FROM executions WHERE status IN :in_flight
    ), venue_rows AS (
        SELECT * FROM bankroll_history WHERE id > :after AND reason != 'api_cost'
    )
    SELECT (SELECT COALESCE(SUM(change), 0) FROM venue_rows
            WHERE NOT (ref_type = 'execution'
                       AND ref_id IN (SELECT client_order_id FROM flying))) AS exact,
           (SELECT COUNT(*) FROM flying) AS in_flight,
           (SELECT MAX(id) FROM venue_rows) AS last_id,
           (SELECT COUNT(*) FROM executions) AS orders
    """
).bindparams(bindparam("in_flight", expanding=True))


class LedgerTotals(NamedTuple):
    rows: int
    total_change: Decimal
    last_balance: Decimal  # zero for an empty ledger, as the invariant implies
    seeded: Decimal | None  # the INITIAL row's amount: the bankroll the book started with


def _columns(entity: type[Base]) -> list[Any]:
    return list(entity.__table__.c)


def _checkpoint(row: Mapping[str, Any]) -> LedgerCheckpoint:
    return LedgerCheckpoint(**{name: row[name] for name in LedgerCheckpoint._fields})


def _to_domain(model: type[M], row: Mapping[str, Any]) -> M:
    """A stored row as its domain value; a row the domain refuses (a negative count, a price
    above $1) fails closed as corruption, with what is wrong."""
    return _validated(model, {name: row[name] for name in model.model_fields}, row)


def _fill(row: Mapping[str, Any]) -> FillReport:
    return _validated(FillReport, {n: row[n] for n in FillReport.model_fields if n in row}, row)


def _settlement(row: Mapping[str, Any]) -> SettlementReport:
    values = {n: row[n] for n in SettlementReport.model_fields if n in row}
    return _validated(SettlementReport, values, row)


def _forecast(row: Mapping[str, Any]) -> Forecast:
    inputs = _to_domain(ForecastInputs, row)
    values = {name: row[name] for name in Forecast.model_fields if name != "inputs"}
    return _validated(Forecast, {**values, "inputs": inputs}, row)


def _validated(model: type[M], values: Mapping[str, Any], row: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or "the row"
        where = f" (id {row['id']})" if "id" in row else ""
        raise DatabaseCorruptError(
            f"a stored {model.__name__}{where} is not valid: {field}:"
            f" {problem['msg']} ({str(problem.get('input'))[:40]!r}): {RESTORE}"
        ) from None


class Repository:
    """Every query and write the bot makes, inside the caller's one transaction."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def connection(self) -> Connection:
        """The transaction's connection, for a view of other tables in the same unit of work."""
        return self._connection

    def _one(self, statement: Any) -> Mapping[str, Any]:
        return self._connection.execute(statement).mappings().one()

    def _maybe_one(self, statement: Any) -> Mapping[str, Any] | None:
        return self._connection.execute(statement).mappings().one_or_none()

    def _all(self, statement: Any) -> list[Mapping[str, Any]]:
        return list(self._connection.execute(statement).mappings())

    # ledger

    def append_ledger(
        self,
        ts: datetime,
        change: Decimal,
        reason: LedgerReason,
        balance: Decimal,
        ref_type: str | None = None,
        ref_id: str | None = None,
    ) -> LedgerEntry:
        """Append one audit row; refuses a `balance` that is not the last balance plus `change`."""
        entry = LedgerEntry(
            ts=ts, change=change, reason=reason, balance=balance, ref_type=ref_type, ref_id=ref_id
        )
        [stored] = self.append_ledger_entries([entry])
        return stored

    def append_ledger_entries(self, entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
        """Append rows in order with one statement; each balance must continue the chain.

        The hot path of every balance change (and of group commits): one SELECT, one INSERT.
        """
        if not entries:
            return []
        previous = self._connection.execute(_LAST_BALANCE).scalar()
        running = ZERO if previous is None else previous
        for entry in entries:
            running += entry.change
            if entry.balance != running:
                raise LedgerBalanceError(
                    f"ledger balance {entry.balance} != previous {running - entry.change}"
                    f" + change {entry.change}"
                )
        values = [
            {
                "ts": entry.ts,
                "change": entry.change,
                "reason": LedgerReason(entry.reason).value,
                "balance": entry.balance,
                "ref_type": entry.ref_type,
                "ref_id": entry.ref_id,
                "detail": entry.detail,
            }
            for entry in entries
        ]
        rows = self._connection.execute(_INSERT_LEDGER, values).mappings().all()
        return [_to_domain(LedgerEntry, row) for row in rows]

    def last_ledger_entry(self) -> LedgerEntry | None:
        row = self._maybe_one(select(*_columns(LedgerRow)).order_by(LedgerRow.id.desc()).limit(1))
        return None if row is None else _to_domain(LedgerEntry, row)

    def ledger_entries(self) -> list[LedgerEntry]:
        return [
            _to_domain(LedgerEntry, row)
            for row in self._all(select(*_columns(LedgerRow)).order_by(LedgerRow.id))
        ]

    def ledger_totals(self) -> LedgerTotals:
        """Row count, sum of changes and last balance, summed by SQLite in integer micro-dollars
        over the rows after the newest checkpoint (whose sum is its verified balance)."""
        checkpoint = self.ledger_checkpoint()
        after = 0 if checkpoint is None else checkpoint.through_id
        last_balance = (
            select(LedgerRow.balance).order_by(LedgerRow.id.desc()).limit(1).scalar_subquery()
        )
        seeded = (
            select(LedgerRow.change)
            .where(LedgerRow.reason == LedgerReason.INITIAL.value)
            .order_by(LedgerRow.id)
            .limit(1)
            .scalar_subquery()
        )
        rows, total, last, first = self._connection.execute(
            select(
                func.count(LedgerRow.id), func.sum(LedgerRow.change), last_balance, seeded
            ).where(LedgerRow.id > after)
        ).one()
        total = ZERO if total is None else total
        if checkpoint is not None:
            rows, total = rows + checkpoint.rows, total + checkpoint.balance
        return LedgerTotals(
            rows=rows,
            total_change=total,
            last_balance=ZERO if last is None else last,
            seeded=first,
        )

    def ledger_chain(self, after: LedgerCheckpoint | None = None) -> LedgerChain:
        """The chain checked in one query (see `_CHAIN`): every row, or the rows after the
        checkpoint `after` (whose own figures are taken as verified)."""
        row = (
            self._connection.execute(_CHAIN, {"after": 0 if after is None else after.through_id})
            .mappings()
            .one()
        )
        rows, api_cost = row["rows"], _dollars(row["api_cost"])
        if after is not None:
            rows, api_cost = rows + after.rows, api_cost + after.api_cost
        return LedgerChain(
            rows=rows,
            first_break=row["first_break"],
            first_bad_time=row["first_bad_time"],
            last_balance=_dollars(row["last_balance"]),
            api_cost=api_cost,
            last_id=row["last_id"] or (0 if after is None else after.through_id),
        )

    def book_rows(self) -> int:
        """Positions and executions: a book that an empty ledger cannot explain."""
        return int(self._connection.execute(_BOOK_ROWS).scalar_one())

    def ledger_values(self, after: int) -> Iterator[tuple[Any, ...]]:
        """The rows after id `after`, oldest first, as SQLite stores them (streamed)."""
        for row in self._connection.execute(_LEDGER_VALUES, {"after": after}):
            yield tuple(row)

    def ledger_guarded(self, names: Sequence[str]) -> bool:
        """Whether every trigger in `names` (the ledger's append-only guards) is in place."""
        return self._connection.execute(_GUARDS, {"names": list(names)}).scalar_one() == len(names)

    def execute_ddl(self, statement: str) -> None:
        self._connection.exec_driver_sql(statement)

    def ledger_checkpoint(self) -> LedgerCheckpoint | None:
        """The newest verified prefix of the ledger, if any."""
        row = self._maybe_one(
            select(*_columns(LedgerCheckpointRow)).order_by(LedgerCheckpointRow.id.desc()).limit(1)
        )
        return None if row is None else _checkpoint(row)

    def ledger_checkpoints(self) -> list[LedgerCheckpoint]:
        """Every recorded checkpoint, oldest first (a full check compares each digest)."""
        rows = self._all(select(*_columns(LedgerCheckpointRow)).order_by(LedgerCheckpointRow.id))
        return [_checkpoint(row) for row in rows]

    def record_ledger_checkpoint(self, checkpoint: LedgerCheckpoint) -> None:
        self._connection.execute(insert(LedgerCheckpointRow).values(**checkpoint._asdict()))

    def ledger_balance_at(self, entry_id: int) -> Decimal | None:
        """The balance stored in row `entry_id`, read as stored (None: no such row)."""
        value = self._connection.execute(
            text("SELECT balance FROM bankroll_history WHERE id = :id"), {"id": entry_id}
        ).scalar()
        return None if value is None else _dollars(value)

    def ledger_entry(self, entry_id: int) -> LedgerEntry | None:
        row = self._maybe_one(select(*_columns(LedgerRow)).where(LedgerRow.id == entry_id))
        return None if row is None else _to_domain(LedgerEntry, row)

    def previous_ledger_entry(self, entry_id: int) -> LedgerEntry | None:
        row = self._maybe_one(
            select(*_columns(LedgerRow))
            .where(LedgerRow.id < entry_id)
            .order_by(LedgerRow.id.desc())
            .limit(1)
        )
        return None if row is None else _to_domain(LedgerEntry, row)

    # cash checks, trading halts, operator commands

    def book_cash(self, since: BookCash | None = None) -> BookCash:
        """The book's venue-facing cash in one query (`_BOOK_CASH`), from the checkpoint
        `since` (a settled BookCash, see domain.cash) when given, else from the first row."""
        if since is not None and not since.settled:
            raise ValueError(f"not a checkpoint, orders were in flight: {since}")
        start = since or BookCash(exact=ZERO, in_flight=0, last_id=0)
        row = (
            self._connection.execute(_BOOK_CASH, {"in_flight": _IN_FLIGHT, "after": start.last_id})
            .mappings()
            .one()
        )
        return BookCash(
            exact=start.exact + from_micros(stored_integer(row["exact"], MICROS)),
            in_flight=row["in_flight"],
            last_id=row["last_id"] or start.last_id,
            orders=row["orders"],
        )

    def cash_checkpoint(self) -> BookCash | None:
        """The newest check's book figures that a later check may start from."""
        row = self._maybe_one(
            select(*_columns(CashCheckRow))
            .where(CashCheckRow.in_flight == 0, CashCheckRow.verdict != CashVerdict.IN_FLIGHT.value)
            .order_by(CashCheckRow.id.desc())
            .limit(1)
        )
        return None if row is None else _to_domain(CashCheck, row).checkpoint

    def insert_cash_check(self, check: CashCheck) -> CashCheck:
        row = self._one(
            insert(CashCheckRow)
            .values(**check.model_dump(exclude={"id"}))
            .returning(*_columns(CashCheckRow))
        )
        return _to_domain(CashCheck, row)

    def recent_cash_checks(self, limit: int = 2) -> list[CashCheck]:
        """The newest checks first."""
        rows = self._all(
            select(*_columns(CashCheckRow)).order_by(CashCheckRow.id.desc()).limit(limit)
        )
        return [_to_domain(CashCheck, row) for row in rows]

    def raise_halt(self, halt: Halt) -> None:
        """Record `halt` unless one with its code is already active (that one stays)."""
        statement = (
            sqlite_insert(TradingHaltRow)
            .values(**halt.model_dump())
            .on_conflict_do_nothing(
                index_elements=[TradingHaltRow.code],
                index_where=TradingHaltRow.lifted_at.is_(None),
            )
        )
        self._connection.execute(statement)

    def lift_halt(self, code: HaltCode, lifted_at: datetime, lifted_by: str) -> bool:
        """Lift the active halt with `code`; False if there was none."""
        result = self._connection.execute(
            update(TradingHaltRow)
            .where(TradingHaltRow.code == code.value, TradingHaltRow.lifted_at.is_(None))
            .values(lifted_at=lifted_at, lifted_by=lifted_by)
        )
        return result.rowcount > 0

    def active_halts(self) -> list[Halt]:
        rows = self._all(
            select(TradingHaltRow.code, TradingHaltRow.detail, TradingHaltRow.raised_at)
            .where(TradingHaltRow.lifted_at.is_(None))
            .order_by(TradingHaltRow.id)
        )
        return [_to_domain(Halt, row) for row in rows]

    def request_operator_command(
        self,
        action: OperatorAction,
        code: HaltCode | None,
        requested_at: datetime,
        requested_by: Requester,
        *,
        ticker: str | None = None,
        accepted: Decimal | None = None,
    ) -> int:
        return self._connection.execute(
            insert(OperatorCommandRow)
            .values(
                requested_at=requested_at,
                requested_by=requested_by.user,
                requested_pid=requested_by.pid,
                requested_host=requested_by.host,
                action=action.value,
                code=None if code is None else code.value,
                ticker=ticker,
                accepted=accepted,
            )
            .returning(OperatorCommandRow.id)
        ).scalar_one()

    def pending_operator_commands(self) -> list[OperatorCommand | MalformedRequest]:
        """Oldest first; a row that is not a valid request comes back as MalformedRequest."""
        rows = self._raw_commands(
            select(OperatorCommandRow.__table__)
            .where(OperatorCommandRow.handled_at.is_(None))
            .order_by(OperatorCommandRow.id)
        )
        return [_operator_command(row) for row in rows]

    def recent_operator_commands(self, limit: int = 5) -> list[OperatorCommand | MalformedRequest]:
        """The newest requests first, handled or not."""
        rows = self._raw_commands(
            select(OperatorCommandRow.__table__).order_by(OperatorCommandRow.id.desc()).limit(limit)
        )
        return [_operator_command(row) for row in rows]

    def _raw_commands(self, query: Any) -> list[Mapping[str, Any]]:
        """The rows as stored, each column undecoded (`_operator_command` decodes them one
        row at a time, so a value written by hand fails only its own row)."""
        table = OperatorCommandRow.__table__
        raw = [type_coerce(column, NullType()).label(column.name) for column in table.c]
        return list(self._connection.execute(query.with_only_columns(*raw)).mappings())

    def kill_switch_memory(self) -> KillSwitchMemory | None:
        row = self._maybe_one(select(*_columns(KillSwitchRow)))
        if row is None:
            return None
        return KillSwitchMemory(
            day=date.fromisoformat(row["day"]),
            day_start=row["day_start"],
            peak=row["peak"],
            updated_at=row["updated_at"],
        )

    def save_kill_switch_memory(self, memory: KillSwitchMemory | None) -> None:
        """Keep `memory` (the single row), or forget it when None."""
        if memory is None:
            self._connection.execute(delete(KillSwitchRow))
            return
        values = {
            "day": memory.day.isoformat(),
            "day_start": memory.day_start,
            "peak": memory.peak,
            "updated_at": memory.updated_at,
        }
        self._connection.execute(
            sqlite_insert(KillSwitchRow)
            .values(id=KILL_SWITCH_ROW_ID, **values)
            .on_conflict_do_update(index_elements=[KillSwitchRow.id], set_=values)
        )

    def insert_equity(self, at: datetime, reading: Equity) -> None:
        self._connection.execute(
            insert(EquityRow).values(
                ts=at,
                cash=reading.cash,
                positions=reading.positions,
                unmarked=len(reading.unmarked),
            )
        )

    def mark_command_handled(self, command_id: int, handled_at: datetime, outcome: str) -> None:
        self._connection.execute(
            update(OperatorCommandRow)
            .where(OperatorCommandRow.id == command_id, OperatorCommandRow.handled_at.is_(None))
            .values(handled_at=handled_at, outcome=outcome)
        )

    # executions

    def insert_execution(self, execution: Execution) -> Execution:
        row = self._one(
            insert(ExecutionRow).values(**execution.model_dump()).returning(*_columns(ExecutionRow))
        )
        return _to_domain(Execution, row)

    def get_execution(self, client_order_id: str) -> Execution | None:
        row = self._maybe_one(
            select(*_columns(ExecutionRow)).where(ExecutionRow.client_order_id == client_order_id)
        )
        return None if row is None else _to_domain(Execution, row)

    def update_execution(
        self, client_order_id: str, /, *, only_if_in_flight: bool = False, **changes: Any
    ) -> Execution:
        """Apply `changes` (validated as an `Execution`) to the execution with this id.

        With `only_if_in_flight`, an execution already final raises ExecutionAlreadyFinal, so
        the whole unit of work (the refund and the position with it) rolls back: an order's
        outcome is booked once, whichever path gets there first.
        """
        if "client_order_id" in changes:
            raise ValueError("an execution's client_order_id never changes")
        current = self.get_execution(client_order_id)
        if current is None:
            raise NotFoundError(f"no execution with client_order_id {client_order_id!r}")
        if only_if_in_flight and not current.status.in_flight:
            raise ExecutionAlreadyFinal(
                f"order {client_order_id} was already booked as {current.status}"
            )
        updated = current.replace(**changes)
        row = self._one(
            update(ExecutionRow)
            .where(ExecutionRow.client_order_id == client_order_id)
            .values({name: getattr(updated, name) for name in changes})
            .returning(*_columns(ExecutionRow))
        )
        return _to_domain(Execution, row)

    def recent_exits(self, since: datetime) -> list[tuple[str, datetime]]:
        """Each market the bot sold by an exit since `since`, with the latest such sale."""
        statement = select(ExecutionRow.ticker, ExecutionRow.created_at).where(
            ExecutionRow.exit_reason.is_not(None), ExecutionRow.created_at >= since
        )
        latest: dict[str, datetime] = {}
        for row in self._all(statement):
            latest[row["ticker"]] = max(row["created_at"], latest.get(row["ticker"], since))
        return sorted(latest.items())

    def executions_with_status(self, *statuses: ExecutionStatus) -> list[Execution]:
        """Executions in any of `statuses`; all of them when none is given."""
        statement = select(*_columns(ExecutionRow)).order_by(ExecutionRow.id)
        if statuses:
            statement = statement.where(
                ExecutionRow.status.in_([ExecutionStatus(s).value for s in statuses])
            )
        rows = self._all(statement)
        return [_to_domain(Execution, row) for row in rows]

    # positions

    def insert_position(self, position: Position) -> Position:
        """Store a new position and return it with its id.

        Raises `sqlalchemy.exc.IntegrityError` if the ticker already has an active position.
        """
        if position.id is not None:
            raise ValueError(f"position {position.id} already has an id; use update_position")
        row = self._one(
            insert(PositionRow)
            .values(**position.model_dump(exclude={"id"}))
            .returning(*_columns(PositionRow))
        )
        return _to_domain(Position, row)

    def get_position(self, position_id: int) -> Position | None:
        row = self._maybe_one(select(*_columns(PositionRow)).where(PositionRow.id == position_id))
        return None if row is None else _to_domain(Position, row)

    def update_position(self, position_id: int, /, **changes: Any) -> Position:
        """Apply `changes` (validated as a `Position`), e.g. more contracts after a late fill."""
        if "id" in changes:
            raise ValueError("a position's id never changes")
        current = self.get_position(position_id)
        if current is None:
            raise NotFoundError(f"no position with id {position_id}")
        updated = current.replace(**changes)
        row = self._one(
            update(PositionRow)
            .where(PositionRow.id == position_id)
            .values({name: getattr(updated, name) for name in changes})
            .returning(*_columns(PositionRow))
        )
        return _to_domain(Position, row)

    def close_position(self, position_id: int, closed_at: datetime, payout: Decimal) -> Position:
        current = self.get_position(position_id)
        if current is None:
            raise NotFoundError(f"no position with id {position_id}")
        if current.status not in ACTIVE_STATUSES:
            raise ValueError(f"position {position_id} is already {current.status.value}")
        return self.update_position(
            position_id, status=PositionStatus.CLOSED, closed_at=closed_at, payout=payout
        )

    def open_positions(self) -> list[Position]:
        """Positions still held: open, or recovered from the venue."""
        return self._positions(PositionRow.status.in_([s.value for s in ACTIVE_STATUSES]))

    def position_for_ticker(self, ticker: str) -> Position | None:
        """The ticker's active position (the schema allows at most one)."""
        row = self._maybe_one(
            select(*_columns(PositionRow)).where(
                PositionRow.ticker == ticker,
                PositionRow.status.in_([s.value for s in ACTIVE_STATUSES]),
            )
        )
        return None if row is None else _to_domain(Position, row)

    def all_positions(self) -> list[Position]:
        return self._positions()

    def _positions(self, *criteria: Any) -> list[Position]:
        rows = self._all(select(*_columns(PositionRow)).where(*criteria).order_by(PositionRow.id))
        return [_to_domain(Position, row) for row in rows]

    def position_stats(self) -> PositionStats:
        """Closed positions won and lost by their realized P&L, and the realized P&L of every
        sale and settlement (a partial sale counts when it happens, not when the rest closes)."""
        realized = self._connection.execute(
            select(type_coerce(func.sum(PnlRow.realized_pnl), MicroDollars()))
        ).scalar()
        per_position = (
            select(PnlRow.position_id, func.sum(PnlRow.realized_pnl).label("pnl"))
            .group_by(PnlRow.position_id)
            .subquery()
        )
        pnl = func.coalesce(type_coerce(per_position.c.pnl, Integer()), literal(0, Integer()))
        trades, wins, losses = self._connection.execute(
            select(
                func.count(PositionRow.id),
                func.count(PositionRow.id).filter(pnl > 0),
                func.count(PositionRow.id).filter(pnl < 0),
            )
            .outerjoin(per_position, per_position.c.position_id == PositionRow.id)
            .where(PositionRow.status == PositionStatus.CLOSED.value)
        ).one()
        return PositionStats(
            trades=trades,
            wins=wins,
            losses=losses,
            realized_pnl=ZERO if realized is None else realized,
        )

    # the venue's records: fills, settlements, and how far each stream was read

    def insert_fill(
        self, fill: FillReport, client_order_id: str | None, booked_at: datetime
    ) -> None:
        """Book a fill; a fill booked before raises RecordAlreadyBooked (the unit rolls back)."""
        if self._maybe_one(select(FillRow.id).where(FillRow.fill_id == fill.fill_id)):
            raise RecordAlreadyBooked(f"fill {fill.fill_id} was booked already")
        self._connection.execute(
            insert(FillRow).values(
                fill_id=fill.fill_id,
                order_id=fill.order_id,
                ticker=fill.ticker,
                side=fill.side.value,
                count=fill.count,
                yes_price=fill.yes_price,
                fee=fill.fee,
                created_time=fill.created_time,
                seq=fill.seq,
                client_order_id=client_order_id,
                booked_at=booked_at,
            )
        )

    def booked_fill_ids(self, fill_ids: Sequence[str]) -> set[str]:
        statement = select(FillRow.fill_id).where(FillRow.fill_id.in_(fill_ids))
        rows = self._connection.execute(statement)
        return {fill_id for (fill_id,) in rows}

    def tickers_with_fills(self, tickers: Sequence[str]) -> set[str]:
        rows = self._connection.execute(
            select(FillRow.ticker).where(FillRow.ticker.in_(tickers)).distinct()
        )
        return {ticker for (ticker,) in rows}

    def market_records(self, tickers: Sequence[str]) -> MarketRecords:
        """Every record booked for `tickers`: what the fold of their books starts from."""
        fills = self._all(select(*_columns(FillRow)).where(FillRow.ticker.in_(tickers)))
        settlements = self._all(
            select(*_columns(SettlementRow)).where(SettlementRow.ticker.in_(tickers))
        )
        adoptions = self._all(select(*_columns(AdoptionRow)).where(AdoptionRow.ticker.in_(tickers)))
        return MarketRecords(
            fills=tuple(_fill(row) for row in fills),
            settlements=tuple(_settlement(row) for row in settlements),
            adoptions=tuple(_to_domain(Adoption, row) for row in adoptions),
        )

    def insert_adoption(self, adoption: Adoption) -> None:
        self._connection.execute(insert(AdoptionRow).values(**adoption.model_dump()))

    def fills(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._all(select(*_columns(FillRow)).order_by(FillRow.id))]

    def insert_settlement(
        self, record: SettlementReport, position_id: int | None, booked_at: datetime, note: str
    ) -> None:
        """Book a settlement record; one booked before raises RecordAlreadyBooked."""
        booked = exists().where(
            SettlementRow.ticker == record.ticker,
            SettlementRow.settled_time == record.settled_time,
        )
        if self._connection.execute(select(booked)).scalar():
            raise RecordAlreadyBooked(f"settlement {record.key} was booked already")
        self._connection.execute(
            insert(SettlementRow).values(
                ticker=record.ticker,
                event_ticker=record.event_ticker,
                market_result=record.market_result.value,
                yes_count=record.yes_count,
                no_count=record.no_count,
                revenue=record.revenue,
                fee_cost=record.fee_cost,
                value=record.value,
                settled_time=record.settled_time,
                position_id=position_id,
                booked_at=booked_at,
                note=note,
            )
        )

    def booked_settlement_keys(self, tickers: Sequence[str]) -> set[str]:
        rows = self._connection.execute(
            select(SettlementRow.ticker, SettlementRow.settled_time).where(
                SettlementRow.ticker.in_(tickers)
            )
        )
        return {settlement_key(ticker, settled) for ticker, settled in rows}

    def settlements(self) -> list[dict[str, Any]]:
        rows = self._all(select(*_columns(SettlementRow)).order_by(SettlementRow.id))
        return [dict(row) for row in rows]

    def sync_state(self, stream: str) -> Mapping[str, Any] | None:
        return self._maybe_one(select(*_columns(VenueSyncRow)).where(VenueSyncRow.stream == stream))

    def save_sync_state(self, **values: Any) -> None:
        statement = sqlite_insert(VenueSyncRow).values(values)
        changes = {k: v for k, v in values.items() if k != "stream"}
        upsert = statement.on_conflict_do_update(index_elements=[VenueSyncRow.stream], set_=changes)
        self._connection.execute(upsert)

    # market snapshots, P&L, dead letters

    def insert_market_snapshots(
        self, ts: datetime, markets: Sequence[Market], raw: Sequence[str] = ()
    ) -> int:
        """Store the markets seen at `ts`; returns how many.

        `raw`, when given, holds the venue's JSON text for each market (parallel to `markets`);
        without it the `raw` column is NULL.
        """
        if raw and len(raw) != len(markets):
            raise ValueError(f"{len(markets)} markets but {len(raw)} raw objects")
        # A snapshot is an observation, not money: one that cannot be stored exactly is left
        # out with a warning rather than failing (and crashing Storage over) the others.
        unfit = {index: _unstorable(market) for index, market in enumerate(markets)}
        for index, problem in unfit.items():
            if problem is not None:
                logger.warning("snapshot of {} not stored: {}", markets[index].ticker, problem)
        rows = [
            {
                "ts": ts,
                "venue": market.venue,
                "ticker": market.ticker,
                "event_ticker": market.event_ticker,
                "status": market.status.value,
                "yes_bid": market.yes_bid,
                "yes_ask": market.yes_ask,
                "no_bid": market.no_bid,
                "no_ask": market.no_ask,
                "last_price": market.last_price,
                "volume": market.volume,
                "open_interest": market.open_interest,
                "close_time": market.close_time,
                "raw": raw[index] if raw else None,
            }
            for index, market in enumerate(markets)
            if unfit[index] is None
        ]
        if rows:
            self._connection.execute(insert(MarketSnapshotRow), rows)
        return len(rows)

    def insert_pnl(self, event: PnlEvent) -> PnlEvent:
        row = self._one(
            insert(PnlRow).values(**event.model_dump(exclude={"id"})).returning(*_columns(PnlRow))
        )
        return _to_domain(PnlEvent, row)

    def pnl_events(self) -> list[PnlEvent]:
        rows = self._all(select(*_columns(PnlRow)).order_by(PnlRow.id))
        return [_to_domain(PnlEvent, row) for row in rows]

    def insert_dead_letter(
        self, ts: datetime, actor: str, message_kind: str, message_id: str, error: str
    ) -> int:
        """Record a message that crashed `actor`; returns the row id."""
        return self._connection.execute(
            insert(DeadLetterRow)
            .values(
                ts=ts, actor=actor, message_kind=message_kind, message_id=message_id, error=error
            )
            .returning(DeadLetterRow.id)
        ).scalar_one()

    # forecasts and LLM calls

    def insert_llm_call(self, call: LlmCall) -> None:
        self._connection.execute(insert(LlmCallRow).values(**call.model_dump()))

    def insert_forecast(self, forecast: Forecast) -> Forecast:
        values = forecast.model_dump(exclude={"id", "inputs"})
        values.update(forecast.inputs.model_dump())
        row = self._one(insert(ForecastRow).values(**values).returning(ForecastRow.id))
        return forecast.replace(id=row["id"])

    def latest_forecasts(self) -> list[Forecast]:
        """The newest forecast for each market."""
        newest = (
            select(ForecastRow.ticker, func.max(ForecastRow.id).label("id"))
            .group_by(ForecastRow.ticker)
            .subquery()
        )
        rows = self._all(select(*_columns(ForecastRow)).join(newest, ForecastRow.id == newest.c.id))
        return [_forecast(row) for row in rows]

    def unresolved_forecast_tickers(self, closed_before: datetime, limit: int) -> list[str]:
        rows = self._connection.execute(
            select(ForecastRow.ticker)
            .where(ForecastRow.outcome.is_(None), ForecastRow.close_time < closed_before)
            .group_by(ForecastRow.ticker)
            .order_by(func.min(ForecastRow.close_time))
            .limit(limit)
        )
        return [ticker for (ticker,) in rows]

    def resolve_forecasts(self, ticker: str, outcome: MarketResult, resolved_at: datetime) -> int:
        result = self._connection.execute(
            update(ForecastRow)
            .where(ForecastRow.ticker == ticker, ForecastRow.outcome.is_(None))
            .values(outcome=MarketResult(outcome).value, resolved_at=resolved_at)
        )
        return result.rowcount

    @staticmethod
    def _event_of(ticker: Any) -> Any:
        """The market's event ticker from its latest snapshot (the forecast row does not keep
        it): one lookup in the (ticker, ts) index per row, never a pass over every snapshot."""
        return (
            select(MarketSnapshotRow.event_ticker)
            .where(MarketSnapshotRow.ticker == ticker)
            .order_by(MarketSnapshotRow.ts.desc())
            .limit(1)
            .scalar_subquery()
        )

    def scored_forecasts(self, tickers: Sequence[str] | None = None) -> list[ScoredForecast]:
        """Every forecast whose market resolved YES or NO (void markets are not scored), oldest
        first, with its event, the Kalshi mid when it was made and whether an order filled on
        it (the scorecard keeps one per market: domain.scoring.one_per_market); only those of
        `tickers` when given."""
        traded = exists().where(
            ExecutionRow.forecast_id == ForecastRow.id, ExecutionRow.filled_count > ZERO
        )
        rows = self._all(
            select(
                ForecastRow.ticker,
                ForecastRow.model,
                ForecastRow.prompt_version,
                ForecastRow.probability,
                ForecastRow.confidence,
                ForecastRow.refusal,
                ForecastRow.yes_bid,
                ForecastRow.yes_ask,
                ForecastRow.outcome,
                self._event_of(ForecastRow.ticker).label("event"),
                traded.label("traded"),
                self._later(MarketSnapshotRow.yes_bid).label("later_bid"),
                self._later(MarketSnapshotRow.yes_ask).label("later_ask"),
            )
            .where(
                ForecastRow.outcome.in_(("yes", "no")),
                true() if tickers is None else ForecastRow.ticker.in_(tickers),
            )
            .order_by(ForecastRow.id)
        )
        return [
            ScoredForecast(
                model=row["model"],
                prompt_version=row["prompt_version"],
                probability=row["probability"],
                outcome=row["outcome"] == "yes",
                ticker=row["ticker"],
                event_ticker=row["event"] or row["ticker"],
                market_probability=_mid(row["yes_bid"], row["yes_ask"]),
                traded=bool(row["traded"]),
                markouts=_markouts(row),
            )
            for row in rows
        ]

    @staticmethod
    def _later(column: Any) -> Any:
        """`column` of the market's first snapshot at least domain.markout's horizon after the
        forecast (one lookup in the (ticker, ts) index per row); none if it stopped trading
        sooner."""
        horizon = f"+{int(HORIZON.total_seconds())} seconds"
        return (
            select(column)
            .where(
                MarketSnapshotRow.ticker == ForecastRow.ticker,
                MarketSnapshotRow.ts
                >= func.strftime("%Y-%m-%dT%H:%M:%fZ", ForecastRow.made_at, horizon),
            )
            .order_by(MarketSnapshotRow.ts)
            .limit(1)
            .scalar_subquery()
        )

    def trade_results(self) -> list[TradeResult]:
        """Closed positions, attributed to the forecast their order acted on."""
        return list(self.trade_results_by_position().values())

    def trade_results_by_position(
        self, position_ids: Sequence[int] | None = None
    ) -> dict[int, TradeResult]:
        """`trade_results` keyed by position id; only those of `position_ids` when given."""
        rows = self._all(
            select(
                PositionRow.id,
                ForecastRow.model,
                ForecastRow.prompt_version,
                PositionRow.ticker,
                PositionRow.cost,
                PositionRow.payout,
                self._event_of(PositionRow.ticker).label("event"),
            )
            .join(ExecutionRow, ExecutionRow.client_order_id == PositionRow.client_order_id)
            .join(ForecastRow, ForecastRow.id == ExecutionRow.forecast_id)
            .where(
                PositionRow.status == PositionStatus.CLOSED.value,
                true() if position_ids is None else PositionRow.id.in_(position_ids),
            )
        )
        return {
            row["id"]: TradeResult(
                model=row["model"],
                prompt_version=row["prompt_version"],
                pnl=row["payout"] - row["cost"],
                event_ticker=row["event"] or row["ticker"],
            )
            for row in rows
        }

    def api_costs(self) -> dict[tuple[str, str], Decimal]:
        total = type_coerce(func.sum(LlmCallRow.cost), MicroDollars())
        rows = self._connection.execute(
            select(LlmCallRow.model, LlmCallRow.prompt_version, total).group_by(
                LlmCallRow.model, LlmCallRow.prompt_version
            )
        )
        return {(model, version): cost for model, version, cost in rows}

    def api_cost_total(self) -> Decimal:
        """Every LLM call's cost the ledger has charged, as a positive amount: the newest
        checkpoint's total plus the rows after it."""
        checkpoint = self.ledger_checkpoint()
        after = 0 if checkpoint is None else checkpoint.through_id
        total = type_coerce(func.sum(LedgerRow.change), MicroDollars())
        charged = self._connection.execute(
            select(total).where(
                LedgerRow.id > after, LedgerRow.reason == LedgerReason.API_COST.value
            )
        ).scalar()
        since = ZERO if charged is None else -charged
        return since if checkpoint is None else checkpoint.api_cost + since

    # health (domain.health)

    def record_health(self, check: HealthCheck) -> None:
        """Keep `check` as its part's health; a healthy check is the part's last healthy time."""
        at = check.checked_at
        values = {
            "healthy": check.healthy,
            "problem": None if check.problem is None else redactor.redact(check.problem),
            "note": None if check.note is None else redactor.redact(check.note),
            "cycle": check.cycle,
            "checked_at": at,
            "quarantined": check.quarantined,
        }
        statement = sqlite_insert(HealthRow).values(
            part=check.part.value, last_healthy_at=at if check.healthy else None, **values
        )
        kept = statement.excluded.last_healthy_at if check.healthy else HealthRow.last_healthy_at
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[HealthRow.part], set_={**values, "last_healthy_at": kept}
            )
        )

    def health(self) -> list[PartHealth]:
        """Every part ever checked, in the order of `Part`."""
        rows = {row["part"]: row for row in self._all(select(*_columns(HealthRow)))}
        return [_to_domain(PartHealth, rows[part]) for part in Part if part.value in rows]

    # status (heartbeat)

    def record_heartbeat(self, heartbeat: Heartbeat) -> Heartbeat:
        """Replace the status row with `heartbeat` (its error text without credentials)."""
        values = heartbeat.model_dump()
        if heartbeat.last_error is not None:
            values["last_error"] = redactor.redact(heartbeat.last_error)
        return self._update_status(**values)

    def heartbeat(self) -> Heartbeat | None:
        row = self._maybe_one(select(*_columns(StatusRow)))
        return None if row is None else _to_domain(Heartbeat, row)

    def _update_status(self, **values: Any) -> Heartbeat:
        statement = sqlite_insert(StatusRow).values(
            {"id": STATUS_ROW_ID, "cycle": 0, "venue": "", **values}
        )
        row = self._one(
            statement.on_conflict_do_update(index_elements=[StatusRow.id], set_=values).returning(
                *_columns(StatusRow)
            )
        )
        return _to_domain(Heartbeat, row)


def _unstorable(market: Market) -> str | None:
    """The first field of a market snapshot the database could not hold exactly, described."""
    amounts = {
        "yes_bid": (market.yes_bid, "micros"),
        "yes_ask": (market.yes_ask, "micros"),
        "no_bid": (market.no_bid, "micros"),
        "no_ask": (market.no_ask, "micros"),
        "last_price": (market.last_price, "micros"),
        "volume": (market.volume, "centis"),
        "open_interest": (market.open_interest, "centis"),
    }
    for name, (value, unit) in amounts.items():
        problem = storable(value, unit)
        if problem is not None:
            return f"{name}: {problem}"
    return None


def _mid(bid: Decimal | None, ask: Decimal | None) -> Decimal | None:
    """The market's probability when a forecast was made: the Kalshi mid, if both quotes."""
    return None if bid is None or ask is None else (bid + ask) / 2


def _markouts(row: Mapping[str, Any]) -> tuple[Decimal, ...]:
    """The forecast's trade marked to the market an hour later (domain.markout), on the view the
    Analyst weighed it to (domain.evidence); none for a refused forecast. The forecast row does
    not keep its market's fee schedule: the standard one is used."""
    bid, ask = row["yes_bid"], row["yes_ask"]
    mid, later = _mid(bid, ask), _mid(row["later_bid"], row["later_ask"])
    if mid is None or row["refusal"] is not None:
        return ()
    view = pooled(mid, row["probability"], row["confidence"])
    found = markout(view, bid, ask, later, STANDARD_FEES)
    return () if found is None else (found,)


class Database:
    """Owns the engine; hands out one `Repository` per unit of work."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, path: Path) -> Database:
        """Open a migrated database file and check its PRAGMAs are what durability needs."""
        engine = create_engine_for(path)
        pragmas = read_pragmas(engine)
        if pragmas != EXPECTED_PRAGMAS:
            engine.dispose()
            raise DatabaseError(f"database {path}: expected {EXPECTED_PRAGMAS}, got {pragmas}")
        return cls(engine)

    def pragmas(self) -> Pragmas:
        return read_pragmas(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def unit_of_work(self) -> Iterator[Repository]:
        """One transaction: committed on a clean exit, rolled back on an exception."""
        with self._engine.begin() as connection:
            yield Repository(connection)

    @contextmanager
    def read(self, view: Callable[[Connection], R] = Repository) -> Iterator[R]:
        """One consistent read transaction; any write inside it fails (PRAGMA query_only).

        `view` is what reads it: the repository, or a richer read-only view of it.
        """
        with self._engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA query_only=ON")
            try:
                yield view(connection)
            finally:
                connection.exec_driver_sql("PRAGMA query_only=OFF")


def _decoded(kind: Any, value: Any) -> tuple[Any, str]:
    """A stored value through its column type's decoding, if it has one: (value, problem)."""
    if not isinstance(kind, TypeDecorator):
        return value, ""
    try:
        return kind.process_result_value(value, sqlite_dialect()), ""
    except Exception:  # noqa: BLE001 - a hand-written value of any kind
        return None, f"{str(value)[:40]!r} is not a value the program writes"


def _operator_command(row: Mapping[str, Any]) -> OperatorCommand | MalformedRequest:
    """One stored request, or what is wrong with it (never an exception: see MalformedRequest)."""
    table = OperatorCommandRow.__table__
    decoded = {name: _decoded(table.c[name].type, value) for name, value in row.items()}
    values = {name: value for name, (value, _) in decoded.items()}
    problems = [f"{name}: {problem}" for name, (_, problem) in decoded.items() if problem]
    requester = (values["requested_by"], values["requested_pid"], values["requested_host"])
    if None in requester:
        problems.append("it does not say who made it (user, pid, host)")
    if not problems:
        try:
            return OperatorCommand.model_validate(
                {
                    **{
                        name: values[name]
                        for name in OperatorCommand.model_fields
                        if name in values
                    },
                    "requested_by": dict(zip(("user", "pid", "host"), requester, strict=True)),
                }
            )
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = ".".join(str(part) for part in problem["loc"]) or "the row"
            problems.append(f"{field}: {problem['msg']} ({str(problem.get('input'))[:40]!r})")
    return MalformedRequest(
        id=int(row["id"]),
        problem="; ".join(problems)[:300],
        requested_at=values["requested_at"],
        handled_at=values["handled_at"],
        outcome=values["outcome"],
    )
