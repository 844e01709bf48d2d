"""The paper account's own database: orders, fills, settlements and the trades already seen.

A separate SQLite file (`data/pm-trader-paper.db` by default), never the bot's book: the paper
exchange stands where the venue stands, and the bot's book reconciles against it exactly as
against Kalshi. Everything that moves cash is an append-only row (a fill with its balance
change, a settlement with its revenue), so the cash is the starting cash plus their sum at every
moment and after any crash; an order row carries its live state (filled, queue ahead, status).
Each change is one transaction, so a stopped bot resumes its paper book, resting orders and cash.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    Row,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DatabaseError

from domain.errors import OperatorInterventionRequired
from domain.models import FillReport, MarketResult, OrderStatus, SettlementReport, Side
from domain.money import ONE, ZERO
from infra.db.engine import create_engine_for
from infra.db.types import CentiContracts, MicroDollars, UtcTimestamp
from infra.lockfile import AlreadyRunning, DatabaseLock
from infra.private_files import private_folder

SCHEMA_VERSION = 1
APPLICATION = "pm-trader paper account"

metadata = MetaData()
account = Table(
    "paper_account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("application", Text, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("starting_cash", MicroDollars, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
)
orders = Table(
    "paper_orders",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Text, nullable=False, unique=True),
    Column("client_order_id", Text, nullable=False, index=True),
    Column("ticker", Text, nullable=False, index=True),
    Column("event_ticker", Text, nullable=False),
    Column("side", Text, nullable=False),
    Column("price", MicroDollars, nullable=False),  # the price of the side bought
    Column("initial", CentiContracts, nullable=False),
    Column("filled", CentiContracts, nullable=False),
    Column("remaining", CentiContracts, nullable=False),
    Column("status", Text, nullable=False, index=True),
    Column("queue_ahead", CentiContracts, nullable=False),
    Column("fee_accumulator", MicroDollars, nullable=False),
    Column("fill_cost", MicroDollars, nullable=False),
    Column("fees", MicroDollars, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
)
fills = Table(
    "paper_fills",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("fill_id", Text, nullable=False, unique=True),
    Column("order_id", Text, nullable=False, index=True),
    Column("ticker", Text, nullable=False, index=True),
    Column("event_ticker", Text, nullable=False),
    Column("side", Text, nullable=False),
    Column("price", MicroDollars, nullable=False),  # the price of the side bought
    Column("count", CentiContracts, nullable=False),
    Column("fee", MicroDollars, nullable=False),  # net fee (A7 rounding)
    Column("is_taker", Boolean, nullable=False),
    Column("closed", CentiContracts, nullable=False),  # contracts of a held position it netted
    Column("balance_change", MicroDollars, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
)
settlements = Table(
    "paper_settlements",
    metadata,
    Column("ticker", Text, primary_key=True),
    Column("event_ticker", Text, nullable=False),
    Column("result", Text, nullable=False),
    Column("yes_count", CentiContracts, nullable=False),
    Column("no_count", CentiContracts, nullable=False),
    Column("yes_cost", MicroDollars, nullable=False),
    Column("no_cost", MicroDollars, nullable=False),
    Column("revenue", MicroDollars, nullable=False),
    Column("fee_cost", MicroDollars, nullable=False),
    Column("value", MicroDollars, nullable=True),
    Column("settled_at", UtcTimestamp, nullable=False),
)
# A resting order's `expiration_time` (A5.9 (b)): the venue cancels it then. Its own table, so
# an account made before resting orders could expire opens unchanged (create_all adds it).
expiries = Table(
    "paper_order_expiries",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("expires_at", UtcTimestamp, nullable=False),
)
seen_trades = Table(
    "paper_seen_trades",
    metadata,
    Column("trade_id", Text, primary_key=True),
    Column("ticker", Text, nullable=False, index=True),
    Column("created_at", UtcTimestamp, nullable=False),
)


def yes_price(side: Side, price: Decimal) -> Decimal:
    """The YES price the venue reports for `side` bought at `price` (A7: YES + NO = $1)."""
    return price if side is Side.YES else ONE - price


@dataclass(frozen=True, slots=True)
class PaperOrder:
    """An order of the paper account and its live state."""

    order_id: str
    client_order_id: str
    ticker: str
    event_ticker: str
    side: Side
    price: Decimal  # of the side bought
    initial: Decimal
    filled: Decimal
    remaining: Decimal
    status: OrderStatus
    queue_ahead: Decimal
    fee_accumulator: Decimal
    fill_cost: Decimal
    fees: Decimal
    created_at: datetime
    updated_at: datetime

    def filled_by(
        self, count: Decimal, cost: Decimal, fee: Decimal, accumulator: Decimal, at: datetime
    ) -> PaperOrder:
        remaining = self.remaining - count
        return replace(
            self,
            filled=self.filled + count,
            remaining=remaining,
            fill_cost=self.fill_cost + cost,
            fees=self.fees + fee,
            fee_accumulator=accumulator,
            status=OrderStatus.EXECUTED if remaining <= 0 else self.status,
            updated_at=at,
        )


@dataclass(frozen=True, slots=True)
class PaperFill:
    fill_id: str
    order_id: str
    ticker: str
    event_ticker: str
    side: Side
    price: Decimal
    count: Decimal
    fee: Decimal
    is_taker: bool
    closed: Decimal
    balance_change: Decimal
    created_at: datetime

    def report(self) -> FillReport:
        return FillReport(
            fill_id=self.fill_id,
            order_id=self.order_id,
            ticker=self.ticker,
            side=self.side,
            count=self.count,
            yes_price=yes_price(self.side, self.price),
            fee=self.fee,
            is_taker=self.is_taker,
            created_time=self.created_at,
        )


class PaperStoreError(OperatorInterventionRequired):
    """The paper database cannot be used as it is (foreign, newer, or damaged)."""


class PaperStore:
    """Thread-safe access to one paper account file; one transaction per `transaction()`."""

    def __init__(
        self, path: Path, starting_cash: Decimal, now: datetime, *, exclusive: bool = False
    ) -> None:
        """`exclusive`: hold the account's file lock until `close`, so no second bot trades
        the same paper account (its cash would no longer match either bot's book)."""
        self.path = path
        self._lock = threading.RLock()
        self._file_lock = DatabaseLock(path) if exclusive else None
        if self._file_lock is not None:
            try:
                self._file_lock.acquire()
            except AlreadyRunning:
                raise AlreadyRunning(
                    f"another bot is trading the paper account {path}; stop it first, or give"
                    " this one another paper.account_db"
                ) from None
        try:
            self._open(path, starting_cash, now)
        except BaseException:
            self._release()
            raise

    def _open(self, path: Path, starting_cash: Decimal, now: datetime) -> None:
        try:
            private_folder(path.parent)
            self._engine = create_engine_for(path)
            with self._engine.begin() as conn:
                metadata.create_all(conn)
                row = conn.execute(select(account)).first()
                if row is None:
                    conn.execute(
                        insert(account).values(
                            id=1,
                            application=APPLICATION,
                            schema_version=SCHEMA_VERSION,
                            starting_cash=starting_cash,
                            created_at=now,
                        )
                    )
                    row = conn.execute(select(account)).one()
        except (DatabaseError, OSError) as exc:
            raise PaperStoreError(
                f"the paper account {path} cannot be opened ({exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0][:200]}); give another --paper-db or move it aside"
            ) from None
        if row.application != APPLICATION or row.schema_version != SCHEMA_VERSION:
            raise PaperStoreError(
                f"{path} is not a paper account this version can use (schema "
                f"{row.schema_version}, expected {SCHEMA_VERSION}); give another --paper-db"
            )
        self.starting_cash: Decimal = row.starting_cash
        self.created_at: datetime = row.created_at

    def close(self) -> None:
        self._engine.dispose()
        self._release()

    def _release(self) -> None:
        if self._file_lock is not None:
            self._file_lock.release()
            self._file_lock = None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._lock, self._engine.begin() as conn:
            yield conn

    # Reads ---------------------------------------------------------------------------------

    def balance(self, conn: Connection) -> Decimal:
        """Starting cash + every fill's balance change + every settlement's revenue."""
        moved = conn.execute(select(func.sum(fills.c.balance_change))).scalar()
        paid = conn.execute(select(func.sum(settlements.c.revenue))).scalar()
        return self.starting_cash + (moved or ZERO) + (paid or ZERO)

    def orders(
        self,
        conn: Connection,
        *,
        status: OrderStatus | None = None,
        ticker: str | None = None,
        client_order_id: str | None = None,
        order_id: str | None = None,
    ) -> list[PaperOrder]:
        query = select(orders).order_by(orders.c.seq)
        if status is not None:
            query = query.where(orders.c.status == status.value)
        if ticker is not None:
            query = query.where(orders.c.ticker == ticker)
        if client_order_id is not None:
            query = query.where(orders.c.client_order_id == client_order_id)
        if order_id is not None:
            query = query.where(orders.c.order_id == order_id)
        return [
            _record(PaperOrder, r, side=Side(r.side), status=OrderStatus(r.status))
            for r in conn.execute(query)
        ]

    def fills(
        self,
        conn: Connection,
        *,
        ticker: str | None = None,
        order_id: str | None = None,
        since: datetime | None = None,
        unsettled: bool = False,
    ) -> list[PaperFill]:
        """Oldest first; `unsettled`: only markets without a settlement record."""
        query = select(fills).order_by(fills.c.seq)
        if ticker is not None:
            query = query.where(fills.c.ticker == ticker)
        if order_id is not None:
            query = query.where(fills.c.order_id == order_id)
        if since is not None:
            query = query.where(fills.c.created_at >= since)
        if unsettled:
            query = query.where(fills.c.ticker.not_in(select(settlements.c.ticker)))
        return [_record(PaperFill, r, side=Side(r.side)) for r in conn.execute(query)]

    def settlements(self, conn: Connection) -> list[SettlementReport]:
        rows = conn.execute(select(settlements).order_by(settlements.c.settled_at))
        return [
            SettlementReport(
                ticker=r.ticker,
                event_ticker=r.event_ticker,
                market_result=MarketResult(r.result),
                yes_count=r.yes_count,
                no_count=r.no_count,
                yes_total_cost=r.yes_cost,
                no_total_cost=r.no_cost,
                revenue=r.revenue,
                fee_cost=r.fee_cost,
                value=r.value,
                settled_time=r.settled_at,
            )
            for r in rows
        ]

    def seen(self, conn: Connection, ticker: str) -> set[str]:
        query = select(seen_trades.c.trade_id).where(seen_trades.c.ticker == ticker)
        return set(conn.execute(query).scalars())

    def seen_high_water(self, conn: Connection, ticker: str) -> datetime | None:
        """The time of the newest public trade of `ticker` already applied."""
        query = select(func.max(seen_trades.c.created_at)).where(seen_trades.c.ticker == ticker)
        return conn.execute(query).scalar()

    def expiries(self, conn: Connection, order_ids: Iterable[str]) -> dict[str, datetime]:
        """When each of these orders expires (those that do)."""
        wanted = list(order_ids)
        if not wanted:
            return {}
        query = select(expiries).where(expiries.c.order_id.in_(wanted))
        return {row.order_id: row.expires_at for row in conn.execute(query)}

    # Writes --------------------------------------------------------------------------------

    def set_expiry(self, conn: Connection, order_id: str, at: datetime) -> None:
        conn.execute(insert(expiries).values(order_id=order_id, expires_at=at))

    def add_order(self, conn: Connection, order: PaperOrder) -> None:
        conn.execute(insert(orders).values(**_columns(order)))

    def save_order(self, conn: Connection, order: PaperOrder) -> None:
        values = _columns(order)
        conn.execute(update(orders).where(orders.c.order_id == order.order_id).values(**values))

    def add_fill(self, conn: Connection, fill: PaperFill) -> None:
        conn.execute(insert(fills).values(**_columns(fill)))

    def add_settlement(self, conn: Connection, record: SettlementReport) -> None:
        conn.execute(
            insert(settlements).values(
                ticker=record.ticker,
                event_ticker=record.event_ticker,
                result=record.market_result.value,
                yes_count=record.yes_count,
                no_count=record.no_count,
                yes_cost=record.yes_total_cost,
                no_cost=record.no_total_cost,
                revenue=record.revenue,
                fee_cost=record.fee_cost,
                value=record.value,
                settled_at=record.settled_time,
            )
        )

    def forget_seen(self, conn: Connection, ticker: str, *, before: datetime | None) -> None:
        """Drop the ticker's seen trades older than `before` (all of them if None)."""
        query = delete(seen_trades).where(seen_trades.c.ticker == ticker)
        if before is not None:
            query = query.where(seen_trades.c.created_at < before)
        conn.execute(query)

    def mark_seen(self, conn: Connection, ticker: str, trades: dict[str, datetime]) -> None:
        if trades:
            conn.execute(
                insert(seen_trades),
                [{"trade_id": t, "ticker": ticker, "created_at": at} for t, at in trades.items()],
            )


R = TypeVar("R", PaperOrder, PaperFill)


def _columns(record: PaperOrder | PaperFill) -> dict[str, object]:
    """A record's row: each field in the column of its name, an enum by its value."""
    values = {field.name: getattr(record, field.name) for field in fields(record)}
    return {name: v.value if isinstance(v, Enum) else v for name, v in values.items()}


def _record(kind: type[R], row: Row[Any], **typed: object) -> R:
    """The `kind` a row holds: each field from the column of its name, `typed` ones as given
    (the enums, stored by their value)."""
    return kind(**({field.name: getattr(row, field.name) for field in fields(kind)} | typed))
