"""The schema: typed declarative tables, every constraint named.

Only `infra.db` uses these classes; everything else sees the frozen domain objects that
`infra.db.repository` builds from them. A change here needs a migration in `migrations/versions`
(the drift test fails until there is one).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from sqlalchemy import (
    DDL,
    CheckConstraint,
    ForeignKey,
    Index,
    MetaData,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.cash import CashVerdict
from domain.health import Part
from domain.models import ExecutionStatus, LedgerReason, MarketResult, PositionStatus, Side
from infra.db.types import CentiContracts, MicroDollars, UtcTimestamp

# Batch migrations on SQLite copy tables and drop constraints by name, so none may be unnamed.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Annotated[Decimal, MicroDollars]
Contracts = Annotated[Decimal, CentiContracts]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
        Money: MicroDollars(),
        Contracts: CentiContracts(),
        datetime: UtcTimestamp(),
        str: Text(),
    }


def one_of(column: str, values: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """A named CHECK that `column` holds one of the enum's values."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)


ACTIVE_POSITION = "status IN ('open', 'recovered')"


class MarketSnapshotRow(Base):
    """One market as the scanner saw it at `ts`, with the venue's JSON object in `raw` if kept."""

    __tablename__ = "market_snapshots"
    __table_args__ = (Index(None, "ticker", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime]
    venue: Mapped[str]
    ticker: Mapped[str]
    event_ticker: Mapped[str]
    status: Mapped[str]
    yes_bid: Mapped[Money | None]
    yes_ask: Mapped[Money | None]
    no_bid: Mapped[Money | None]
    no_ask: Mapped[Money | None]
    last_price: Mapped[Money | None]
    volume: Mapped[Contracts]
    open_interest: Mapped[Contracts]
    close_time: Mapped[datetime]
    raw: Mapped[str | None]


class LedgerRow(Base):
    """The bankroll's append-only audit: one row per balance change, `balance` after it."""

    __tablename__ = "bankroll_history"
    # By reference: `why TICKER` reads a market's rows (its orders, fills, settlements, calls).
    __table_args__ = (one_of("reason", LedgerReason), Index(None, "ref_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime]
    change: Mapped[Money]
    reason: Mapped[str]
    balance: Mapped[Money]
    ref_type: Mapped[str | None]
    ref_id: Mapped[str | None]
    detail: Mapped[str | None]  # what a cost bought, e.g. "KX... cycle 3 claude-sonnet-5-5"


# The ledger is append-only in the database itself: SQLite refuses to change or delete a row,
# whoever asks. So a verified prefix stays verified (LedgerCheckpointRow), and the checks at
# start-up and at the end of a run read only the rows after it (infra.db.integrity).
APPEND_ONLY_TRIGGERS = {
    f"bankroll_history_no_{verb}": (
        f"CREATE TRIGGER IF NOT EXISTS bankroll_history_no_{verb} BEFORE {verb.upper()}"
        " ON bankroll_history BEGIN SELECT RAISE(ABORT, 'bankroll_history is append-only:"
        f" a ledger row is never {done}'); END"
    )
    for verb, done in (("update", "changed"), ("delete", "deleted"))
}
for _trigger in APPEND_ONLY_TRIGGERS.values():
    event.listen(LedgerRow.__table__, "after_create", DDL(_trigger))


class LedgerCheckpointRow(Base):
    """A verified prefix of the ledger: rows up to `through_id` held their chain when checked,
    and `digest` is the SHA-256 chain over their stored values (infra.db.integrity), so a full
    check (`status --verify`) finds a row changed behind the triggers' back."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    through_id: Mapped[int]
    rows: Mapped[int]
    balance: Mapped[Money]
    api_cost: Mapped[Money]  # the LLM costs charged through `through_id`, as a positive amount
    digest: Mapped[str]
    checked_at: Mapped[datetime]


class ExecutionRow(Base):
    """One order attempt, written as `intent` before anything is sent to the venue."""

    __tablename__ = "executions"
    __table_args__ = (
        one_of("side", Side),
        one_of("status", ExecutionStatus),
        Index(None, "status"),
        Index(None, "forecast_id"),  # whether a forecast was traded on (the scorecard)
        Index(None, "ticker"),  # a market's orders (`why TICKER`)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_order_id: Mapped[str] = mapped_column(unique=True)
    correlation_id: Mapped[str]
    ticker: Mapped[str]
    side: Mapped[str]
    limit_price: Mapped[Money]
    count: Mapped[Contracts]
    reserved: Mapped[Money]
    status: Mapped[str]
    # A UNIQUE column admits any number of NULLs: unique once the venue has assigned one.
    venue_order_id: Mapped[str | None] = mapped_column(unique=True)
    filled_count: Mapped[Contracts]
    fill_cost: Mapped[Money]
    fees: Mapped[Money]
    error_code: Mapped[str | None]
    error_message: Mapped[str | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    forecast_id: Mapped[int | None] = mapped_column(ForeignKey("forecasts.id"))
    reduce_only: Mapped[bool] = mapped_column(server_default=false())  # a sale: close, flatten
    # The signal an entry was sized from (domain.sizing); NULL for sales and older orders.
    edge: Mapped[Money | None]
    full_kelly: Mapped[Money | None]
    kelly_fraction: Mapped[Money | None]
    caps: Mapped[str | None]
    post_only: Mapped[bool] = mapped_column(server_default=false())  # a maker order, resting
    expires_at: Mapped[datetime | None]  # when the venue cancels a resting order
    exit_reason: Mapped[str | None]  # a sale the bot made by itself, and why (domain.exits)


class PositionRow(Base):
    """The bot's own book; at most one open (or recovered) position per ticker."""

    __tablename__ = "positions"
    __table_args__ = (
        one_of("side", Side),
        one_of("status", PositionStatus),
        Index(
            "uq_positions_ticker_active",
            "ticker",
            unique=True,
            sqlite_where=text(ACTIVE_POSITION),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticker: Mapped[str]
    side: Mapped[str]
    count: Mapped[Contracts]
    cost: Mapped[Money]
    status: Mapped[str]
    client_order_id: Mapped[str | None] = mapped_column(
        ForeignKey("executions.client_order_id"), index=True
    )
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    payout: Mapped[Money | None]


class PnlRow(Base):
    """A realized profit or loss: a sale or a settlement of part or all of a position."""

    __tablename__ = "pnl_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime]
    ticker: Mapped[str]
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), index=True)
    cost: Mapped[Money]
    payout: Mapped[Money]
    realized_pnl: Mapped[Money]
    note: Mapped[str]
    kind: Mapped[str] = mapped_column(server_default="")  # sale, settlement, restated; "" old
    count: Mapped[Contracts] = mapped_column(server_default="0")
    fees: Mapped[Money] = mapped_column(server_default="0")  # charged on this part itself


STATUS_ROW_ID = 1


class StatusRow(Base):
    """The single heartbeat row an operator (or a watchdog) reads to see the bot is alive."""

    __tablename__ = "status"
    __table_args__ = (CheckConstraint(f"id = {STATUS_ROW_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None]
    heartbeat_at: Mapped[datetime | None]
    cycle: Mapped[int]
    venue: Mapped[str]
    cycle_started_at: Mapped[datetime | None]  # of the cycle `cycle`, which ended at heartbeat_at


class TradingHaltRow(Base):
    """Why new orders are stopped (domain.halts): active until `lifted_at` is set.

    `code` has no CHECK: new reasons (issue 12's pause and kill switch) need no migration.
    """

    __tablename__ = "trading_halts"
    __table_args__ = (
        Index(
            "uq_trading_halts_code_active",
            "code",
            unique=True,
            sqlite_where=text("lifted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str]
    detail: Mapped[str]
    raised_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None]


class OperatorCommandRow(Base):
    """A request from the command line to the running bot (e.g. `ack-drift`), applied once."""

    __tablename__ = "operator_commands"
    __table_args__ = (Index(None, "handled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_at: Mapped[datetime]
    action: Mapped[str]
    code: Mapped[str | None]
    handled_at: Mapped[datetime | None]
    outcome: Mapped[str | None]
    ticker: Mapped[str | None]  # the market a `close` names
    # Who asked (NULL in a row written by hand or before 0009: refused as malformed).
    requested_by: Mapped[str | None]  # the OS user
    requested_pid: Mapped[int | None]
    requested_host: Mapped[str | None]
    accepted: Mapped[Money | None]  # the drift an `ack-drift` accepts


KILL_SWITCH_ROW_ID = 1


class KillSwitchRow(Base):
    """The kill switch's memory (domain.killswitch), owned by Bankroll: the UTC day the daily
    loss is measured in, that day's first equity, and the highest equity seen."""

    __tablename__ = "kill_switch"
    __table_args__ = (CheckConstraint(f"id = {KILL_SWITCH_ROW_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[str]  # ISO date
    day_start: Mapped[Money]
    peak: Mapped[Money]
    updated_at: Mapped[datetime]


class EquityRow(Base):
    """Equity at one reconciliation: cash plus the open positions at the best bid of the side
    held (domain.killswitch.Equity), as the kill switch measured it; `unmarked` positions had no
    bid and count at $0."""

    __tablename__ = "equity_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime]
    cash: Mapped[Money]
    positions: Mapped[Money]
    unmarked: Mapped[int]


class HealthRow(Base):
    """Each part's health (domain.health), one row a part: its last check, written every cycle
    by the actor that ran the part, and when it was last healthy."""

    __tablename__ = "health"
    __table_args__ = (one_of("part", Part),)

    part: Mapped[str] = mapped_column(primary_key=True)
    healthy: Mapped[bool]
    problem: Mapped[str | None]
    cycle: Mapped[int]
    checked_at: Mapped[datetime]
    last_healthy_at: Mapped[datetime | None]
    note: Mapped[str | None]  # read past, not a failure (domain.health.HealthCheck.note)
    quarantined: Mapped[int | None]  # scanner: the market records its last scan left out


class CashCheckRow(Base):
    """One comparison of the venue's cash with the book's (domain.cash), both figures kept."""

    __tablename__ = "cash_checks"
    __table_args__ = (one_of("verdict", CashVerdict),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime]
    venue_cash: Mapped[Money]
    expected_cash: Mapped[Money]
    drift: Mapped[Money]
    offset: Mapped[Money]
    in_flight: Mapped[int]
    verdict: Mapped[str]
    detail: Mapped[str]
    ledger_id: Mapped[int]  # the book's figures count ledger rows up to this id
    book_exact: Mapped[Money]


class DeadLetterRow(Base):
    """A message that crashed an actor; kept for the operator, never redelivered."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime]
    actor: Mapped[str]
    message_kind: Mapped[str]
    message_id: Mapped[str]
    error: Mapped[str]


class LlmCallRow(Base):
    """One call to a language model: its usage and its cost (also a ledger row, `api_cost`)."""

    __tablename__ = "llm_calls"
    # By market too: what `trades` and `why` show as a market's LLM cost.
    __table_args__ = (
        Index(None, "ts"),
        Index(None, "model", "prompt_version"),
        Index(None, "ticker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(unique=True)
    ts: Mapped[datetime]
    ticker: Mapped[str]
    cycle: Mapped[int]
    provider: Mapped[str]
    model: Mapped[str]
    prompt_version: Mapped[str]
    input_tokens: Mapped[int]
    output_tokens: Mapped[int]
    cost: Mapped[Money]
    outcome: Mapped[str]  # ok, invalid, refused, error
    error: Mapped[str | None]
    usage: Mapped[str] = mapped_column(server_default="reported")  # or estimated, capped


class ForecastRow(Base):
    """A probability the bot acted on (or would have), with its inputs; scored at settlement.

    Probabilities use the money column type: exact, six decimal places.
    """

    __tablename__ = "forecasts"
    __table_args__ = (Index(None, "ticker", "made_at"), Index(None, "outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticker: Mapped[str]
    made_at: Mapped[datetime]
    cycle: Mapped[int]
    model: Mapped[str]
    prompt_version: Mapped[str]
    offline: Mapped[bool]
    probability: Mapped[Money]
    confidence: Mapped[Money]
    rationale: Mapped[str]
    cost: Mapped[Money]
    yes_bid: Mapped[Money | None]
    yes_ask: Mapped[Money | None]
    polymarket_price: Mapped[Money | None]
    close_time: Mapped[datetime | None]
    outcome: Mapped[str | None]  # yes, no, void once the market resolves
    resolved_at: Mapped[datetime | None]
    refusal: Mapped[str | None]  # why it was not traded on, if refused (domain.evidence)
    rules_digest: Mapped[str | None]  # of the rules text it was made on (a change: re-ask)


class FillRow(Base):
    """A venue fill booked into the book (A5.13). `fill_id` is unique, and the row commits in
    the transaction that moves the fill's money and position: no fill is ever booked twice."""

    __tablename__ = "fills"
    __table_args__ = (one_of("side", Side), Index(None, "ticker"), Index(None, "order_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    fill_id: Mapped[str] = mapped_column(unique=True)
    order_id: Mapped[str]
    ticker: Mapped[str]
    side: Mapped[str]  # the side bought
    count: Mapped[Contracts]
    yes_price: Mapped[Money]
    fee: Mapped[Money]
    created_time: Mapped[datetime]
    client_order_id: Mapped[str | None]  # the bot's order; NULL for a trade placed elsewhere
    booked_at: Mapped[datetime]
    seq: Mapped[int] = mapped_column(server_default="0")  # the venue's order in its timestamp


class AdoptionRow(Base):
    """A venue position taken into the book before its fills (provisional: domain.fold)."""

    __tablename__ = "adoptions"
    __table_args__ = (one_of("side", Side),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticker: Mapped[str] = mapped_column(unique=True)
    side: Mapped[str]
    count: Mapped[Contracts]
    cost: Mapped[Money]
    observed_at: Mapped[datetime]


class SettlementRow(Base):
    """A venue settlement record (A5.14), booked once: what it paid and which position it
    closed (NULL: the book held nothing there, which is reported)."""

    __tablename__ = "settlements"
    __table_args__ = (
        one_of("market_result", MarketResult),
        UniqueConstraint("ticker", "settled_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticker: Mapped[str]
    event_ticker: Mapped[str]
    market_result: Mapped[str]
    yes_count: Mapped[Contracts]
    no_count: Mapped[Contracts]
    revenue: Mapped[Money]
    fee_cost: Mapped[Money]
    value: Mapped[Money | None]
    settled_time: Mapped[datetime]
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    booked_at: Mapped[datetime]
    note: Mapped[str]


class VenueSyncRow(Base):
    """How far the book has read a venue stream (`fills`, `settlements`): the durable cursor.

    `high_water`: every record up to it is booked or deliberately skipped; the next read
    starts a little before it (records may appear late) and the unique keys drop repeats.
    `ignore_through`: records at or before it predate the book (set once, when a new book
    first meets an account with history); the positions they built are adopted instead.
    """

    __tablename__ = "venue_sync"

    stream: Mapped[str] = mapped_column(primary_key=True)
    high_water: Mapped[datetime | None]
    ignore_through: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class HistoryCursorRow(Base):
    """How far a history table's upkeep has gone: every row up to `through_id` is done (the
    snapshots' compaction, infra.db.retention)."""

    __tablename__ = "history_cursors"

    name: Mapped[str] = mapped_column(primary_key=True)
    through_id: Mapped[int]
    updated_at: Mapped[datetime]


# The recorder (domain.recording): each decision's inputs, replayable by `pm-trader replay`.


class RecordingBlobRow(Base):
    """One piece of recorded input, stored once: its text keyed by its SHA-256."""

    __tablename__ = "recording_blobs"

    hash: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str]  # market, book, polymarket, prompt, settings, answer
    body: Mapped[str]


class RecordedScanRow(Base):
    """One cycle's scan, at the time the bot decided on it."""

    __tablename__ = "recorded_scans"
    __table_args__ = (Index(None, "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime]
    cycle: Mapped[int]
    settings_hash: Mapped[str | None]  # the trading settings of its run (revision 0020)


class RecordedMarketRow(Base):
    """A market of a recorded scan: one analysed (with its book and Polymarket link), or held."""

    __tablename__ = "recorded_markets"
    __table_args__ = (
        CheckConstraint("role IN ('candidate', 'held')", name="role"),
        Index(None, "scan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("recorded_scans.id", ondelete="CASCADE"))
    ticker: Mapped[str]
    role: Mapped[str]
    market_hash: Mapped[str]
    book_hash: Mapped[str | None]
    polymarket_hash: Mapped[str | None]
    fees_hash: Mapped[str | None]  # the market's fee schedule (revision 0008)


class RecordedLlmCallRow(Base):
    """One LLM call's prompt, settings and answer (blobs), beside its row in `llm_calls`."""

    __tablename__ = "recorded_llm_calls"
    __table_args__ = (Index(None, "ts"), Index(None, "ticker", "cycle"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(unique=True)
    ts: Mapped[datetime]
    ticker: Mapped[str]
    cycle: Mapped[int]
    system_hash: Mapped[str]
    user_hash: Mapped[str]
    settings_hash: Mapped[str]
    answer_hash: Mapped[str | None]
    outcome: Mapped[str]
    cost: Mapped[Money]
