"""The recorder's rows: writing a cycle's decision inputs, pruning them, reading them back.

Blobs are content-addressed (`domain.recording.content_hash`): a text already stored is not
stored again (`INSERT OR IGNORE` on its hash), so storage grows with what changed, not with
how often it was seen. Writes run inside Storage's transaction (it is the single writer);
reads serve `pm-trader replay`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import LargeBinary, cast, delete, func, insert, select, union
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.base import Frozen
from domain.linking import PolymarketMarket
from domain.models import Market, OrderBook
from domain.recording import (
    LlmSettingsRecord,
    PruneRecordings,
    RecordedAnswer,
    RecordedCandidate,
    RecordedFees,
    RecordLlmExchange,
    RecordScan,
    canonical,
    content_hash,
)
from infra.db.repository import Repository
from infra.db.tables import (
    RecordedLlmCallRow,
    RecordedMarketRow,
    RecordedScanRow,
    RecordingBlobRow,
)

MAX_BLOB_BYTES = 4 * 1024 * 1024  # a market, a book, a prompt, an answer: kilobytes
MAX_TICKER_BYTES = 256


class RecordingRowError(ValueError):
    """A recorded row that cannot be replayed; the message names the row and what is wrong."""


class RecordedScan(Frozen):
    """A recorded cycle as replay reads it back: when, and the markets it saw."""

    id: int
    ts: datetime
    cycle: int
    candidates: tuple[RecordedCandidate, ...] = ()
    held: tuple[Market, ...] = ()
    held_books: tuple[OrderBook, ...] = ()  # none in a recording made before they were kept
    held_inputs: tuple[RecordedCandidate, ...] = ()  # held markets valued for an exit
    settings: str | None = None  # the run's trading settings; none before they were kept


def _polymarket_of(candidate: RecordedCandidate | None) -> PolymarketMarket | None:
    return None if candidate is None else candidate.polymarket


def _fees_of(candidate: RecordedCandidate | None) -> RecordedFees | None:
    return None if candidate is None else candidate.fees


class Recordings(Repository):
    """The recorder's queries and writes, inside the caller's transaction."""

    # writing

    def _blob(self, kind: str, value: Frozen | str | None) -> str | None:
        if value is None:
            return None
        text = canonical(value)
        key = content_hash(text)
        self._connection.execute(
            sqlite_insert(RecordingBlobRow)
            .values(hash=key, kind=kind, body=text)
            .on_conflict_do_nothing(index_elements=["hash"])
        )
        return key

    def record_scan(self, scan: RecordScan) -> int:
        scan_id = self._connection.execute(
            insert(RecordedScanRow)
            .values(
                ts=scan.ts,
                cycle=scan.cycle,
                settings_hash=self._blob("run_settings", scan.settings),
            )
            .returning(RecordedScanRow.id)
        ).scalar_one()
        rows = [
            {
                "scan_id": scan_id,
                "ticker": c.market.ticker,
                "role": "candidate",
                "market_hash": self._blob("market", c.market),
                "book_hash": self._blob("book", c.book),
                "polymarket_hash": self._blob("polymarket", c.polymarket),
                "fees_hash": self._blob("fees", c.fees),
            }
            for c in scan.candidates
        ]
        held_books = {b.ticker: b for b in scan.held_books}
        valued = {c.market.ticker: c for c in scan.held_inputs}
        held_books.update((ticker, c.book) for ticker, c in valued.items())
        rows += [
            {
                "scan_id": scan_id,
                "ticker": m.ticker,
                "role": "held",
                "market_hash": self._blob("market", m),
                "book_hash": self._blob("book", held_books.get(m.ticker)),
                "polymarket_hash": self._blob("polymarket", _polymarket_of(valued.get(m.ticker))),
                "fees_hash": self._blob("fees", _fees_of(valued.get(m.ticker))),
            }
            for m in scan.held
        ]
        if rows:
            self._connection.execute(insert(RecordedMarketRow), rows)
        return int(scan_id)

    def record_llm_exchange(self, call: RecordLlmExchange) -> None:
        self._connection.execute(
            insert(RecordedLlmCallRow).values(
                call_id=call.call_id,
                ts=call.ts,
                ticker=call.ticker,
                cycle=call.cycle,
                system_hash=self._blob("prompt", call.system),
                user_hash=self._blob("prompt", call.user),
                settings_hash=self._blob("settings", call.settings),
                answer_hash=self._blob("answer", call.answer),
                outcome=call.outcome,
                cost=call.cost,
            )
        )

    def prune(self, command: PruneRecordings) -> int:
        """Delete the scans and calls recorded before `command.before`, then every blob
        nothing refers to any more; returns how many scans and calls went."""
        scans = self._connection.execute(
            delete(RecordedScanRow).where(RecordedScanRow.ts < command.before)
        ).rowcount
        calls = self._connection.execute(
            delete(RecordedLlmCallRow).where(RecordedLlmCallRow.ts < command.before)
        ).rowcount
        if scans or calls:
            m, c, r = RecordedMarketRow, RecordedLlmCallRow, RecordedScanRow
            used = union(
                select(r.settings_hash).where(r.settings_hash.is_not(None)),
                select(m.market_hash),
                select(m.book_hash).where(m.book_hash.is_not(None)),
                select(m.polymarket_hash).where(m.polymarket_hash.is_not(None)),
                select(m.fees_hash).where(m.fees_hash.is_not(None)),
                select(c.system_hash),
                select(c.user_hash),
                select(c.settings_hash),
                select(c.answer_hash).where(c.answer_hash.is_not(None)),
            )
            self._connection.execute(
                delete(RecordingBlobRow).where(RecordingBlobRow.hash.not_in(used))
            )
        return scans + calls

    # reading (replay)

    def _blobs(self, users: Mapping[str, str]) -> dict[str, str]:
        """The bodies of the blobs `users` names (hash -> the first row using it). A blob
        larger than MAX_BLOB_BYTES is refused before it is read, a missing one named."""
        blob = RecordingBlobRow
        size = func.length(cast(blob.body, LargeBinary))
        sizes = self._all(
            select(blob.hash, blob.kind, size.label("size")).where(blob.hash.in_(users))
        )
        for row in sizes:
            if row["size"] > MAX_BLOB_BYTES:
                raise RecordingRowError(
                    f"{users[row['hash']]}: its {row['kind']} is {row['size']:,} bytes, more than"
                    f" a recording ever holds ({MAX_BLOB_BYTES:,}); refused unread"
                )
        missing = set(users) - {row["hash"] for row in sizes}
        if missing:
            key = min(missing)
            raise RecordingRowError(f"{users[key]}: its recorded input {key[:12]} is missing")
        rows = self._all(select(blob.hash, blob.body).where(blob.hash.in_(users)))
        return {row["hash"]: row["body"] for row in rows}

    def check_row_sizes(self) -> None:
        """Refuse, before reading any, a recorded row whose ticker is not a ticker's size."""
        for table in (RecordedMarketRow, RecordedLlmCallRow):
            oversized = self._connection.execute(
                select(table.id)
                .where(func.length(cast(table.ticker, LargeBinary)) > MAX_TICKER_BYTES)
                .limit(1)
            ).scalar()
            if oversized is not None:
                raise RecordingRowError(
                    f"{table.__tablename__} row {oversized}: its ticker is longer than"
                    f" {MAX_TICKER_BYTES} bytes; refused unread"
                )

    def scan_times(self) -> list[datetime]:
        """When each recorded scan was made, oldest first."""
        return list(
            self._connection.execute(select(RecordedScanRow.ts).order_by(RecordedScanRow.ts))
            .scalars()
            .all()
        )

    def scans(self, start: datetime | None, end: datetime | None) -> list[RecordedScan]:
        """The scans recorded in [start, end], oldest first, with their markets."""
        query = select(RecordedScanRow).order_by(RecordedScanRow.ts, RecordedScanRow.id)
        if start is not None:
            query = query.where(RecordedScanRow.ts >= start)
        if end is not None:
            query = query.where(RecordedScanRow.ts <= end)
        scans = self._all(query)
        markets = self._all(
            select(RecordedMarketRow)
            .where(RecordedMarketRow.scan_id.in_([s["id"] for s in scans]))
            .order_by(RecordedMarketRow.id)
        )
        users: dict[str, str] = {
            scan["settings_hash"]: f"recorded_scans row {scan['id']}"
            for scan in scans
            if scan["settings_hash"] is not None
        }
        for row in markets:
            for h in (
                row["market_hash"],
                row["book_hash"],
                row["polymarket_hash"],
                row["fees_hash"],
            ):
                if h is not None:
                    users.setdefault(h, _market_row(row))
        bodies = self._blobs(users)
        by_scan: dict[int, list[Mapping[str, Any]]] = {}
        for row in markets:
            by_scan.setdefault(row["scan_id"], []).append(row)
        held = {
            scan["id"]: [row for row in by_scan.get(scan["id"], []) if row["role"] == "held"]
            for scan in scans
        }
        return [
            RecordedScan(
                id=scan["id"],
                ts=scan["ts"],
                cycle=scan["cycle"],
                candidates=tuple(
                    RecordedCandidate(
                        market=_load(Market, bodies, row["market_hash"], _market_row(row)),
                        book=_load(OrderBook, bodies, row["book_hash"], _market_row(row)),
                        polymarket=_load(
                            PolymarketMarket, bodies, row["polymarket_hash"], _market_row(row)
                        ),
                        fees=_load(RecordedFees, bodies, row["fees_hash"], _market_row(row)),
                    )
                    for row in by_scan.get(scan["id"], [])
                    if row["role"] == "candidate"
                ),
                held=tuple(
                    _load(Market, bodies, row["market_hash"], _market_row(row))
                    for row in held[scan["id"]]
                ),
                held_books=tuple(
                    _load(OrderBook, bodies, row["book_hash"], _market_row(row))
                    for row in held[scan["id"]]
                    if row["book_hash"] is not None
                ),
                held_inputs=tuple(
                    RecordedCandidate(
                        market=_load(Market, bodies, row["market_hash"], _market_row(row)),
                        book=_load(OrderBook, bodies, row["book_hash"], _market_row(row)),
                        polymarket=_load(
                            PolymarketMarket, bodies, row["polymarket_hash"], _market_row(row)
                        ),
                        fees=_load(RecordedFees, bodies, row["fees_hash"], _market_row(row)),
                    )
                    for row in held[scan["id"]]
                    if row["book_hash"] is not None and row["fees_hash"] is not None
                ),
                settings=None if scan["settings_hash"] is None else bodies[scan["settings_hash"]],
            )
            for scan in scans
        ]

    def next_scan_time(self, moment: datetime) -> datetime | None:
        """When the first scan after `moment` was recorded, if one was."""
        return self._connection.execute(
            select(func.min(RecordedScanRow.ts)).where(RecordedScanRow.ts > moment)
        ).scalar()

    def llm_exchanges(
        self, start: datetime | None, before: datetime | None
    ) -> list[RecordLlmExchange]:
        """The LLM calls recorded from `start` until `before` (excluded), in booking order."""
        query = select(RecordedLlmCallRow).order_by(RecordedLlmCallRow.id)
        if start is not None:
            query = query.where(RecordedLlmCallRow.ts >= start)
        if before is not None:
            query = query.where(RecordedLlmCallRow.ts < before)
        calls = self._all(query)
        users: dict[str, str] = {}
        for row in calls:
            for h in (
                row["system_hash"],
                row["user_hash"],
                row["settings_hash"],
                row["answer_hash"],
            ):
                if h is not None:
                    users.setdefault(h, _call_row(row))
        bodies = self._blobs(users)
        return [_exchange(row, bodies) for row in calls]


def _exchange(row: Mapping[str, Any], bodies: Mapping[str, str]) -> RecordLlmExchange:
    where = _call_row(row)
    try:
        return RecordLlmExchange(
            call_id=row["call_id"],
            ts=row["ts"],
            ticker=row["ticker"],
            cycle=row["cycle"],
            system=bodies[row["system_hash"]],
            user=bodies[row["user_hash"]],
            settings=_load(LlmSettingsRecord, bodies, row["settings_hash"], where),
            answer=_load(RecordedAnswer, bodies, row["answer_hash"], where),
            outcome=row["outcome"],
            cost=row["cost"],
        )
    except ValidationError as exc:
        raise RecordingRowError(f"{where}: {_first_problem(exc)}") from None


def _market_row(row: Mapping[str, Any]) -> str:
    return (
        f"recorded_markets row {row['id']} ({row['role']} {row['ticker']}, scan {row['scan_id']})"
    )


def _call_row(row: Mapping[str, Any]) -> str:
    return f"recorded_llm_calls row {row['id']} ({row['ticker']} cycle {row['cycle']})"


def _first_problem(exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or "the record"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{field}: {first['msg']}{more}"


def _load(model: type[BaseModel], bodies: Mapping[str, str], key: str | None, where: str) -> Any:
    """The model stored under `key` (None for no blob); RecordingRowError naming `where` if
    the stored text is not one."""
    if key is None:
        return None
    try:
        return model.model_validate_json(bodies[key])
    except ValidationError as exc:
        raise RecordingRowError(
            f"{where}: its recorded {model.__name__} does not read back: {_first_problem(exc)}"
        ) from None
