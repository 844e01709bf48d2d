"""A recording opened for replay: its scans in the chosen period, its LLM calls, and how its
markets resolved. Read-only: a replay never writes into the recording.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from domain.base import Frozen
from domain.clock import format_utc
from domain.errors import OperatorInterventionRequired
from domain.models import LedgerReason, MarketResult
from domain.recording import RecordLlmExchange
from infra.db.errors import DatabaseError
from infra.db.reading import open_for_reading
from infra.db.recordings import RecordedScan, RecordingRowError, Recordings
from infra.db.tables import ForecastRow, LedgerRow, SettlementRow


class RecordingError(OperatorInterventionRequired):
    """The file or the period asked for cannot be replayed (a problem with the input: exit 2)."""


class Resolution(Frozen):
    """How a recorded market resolved, and when the recording learned it."""

    result: MarketResult
    value: Decimal | None = None  # a scalar market's payout per YES contract, dollars
    at: datetime


@dataclass(frozen=True)
class Recording:
    path: Path
    scans: tuple[RecordedScan, ...]  # in the period, oldest first
    exchanges: tuple[RecordLlmExchange, ...]  # LLM calls of those scans
    resolutions: dict[str, Resolution]
    initial_bankroll: Decimal

    @property
    def start(self) -> datetime:
        return self.scans[0].ts

    @property
    def end(self) -> datetime:
        return self.scans[-1].ts

    @property
    def settings(self) -> str | None:
        """The trading settings the period's first cycle ran with (None: not recorded)."""
        return self.scans[0].settings

    @property
    def settings_changed_at(self) -> datetime | None:
        """When, within the period, the bot first ran with other trading settings."""
        return next((s.ts for s in self.scans if s.settings != self.settings), None)


def load_recording(path: Path, start: datetime | None, end: datetime | None) -> Recording:
    """The recording at `path` between `start` and `end` (inclusive; None: its first or last
    scan); raises `RecordingError` saying what is wrong with the file or the period."""
    if start is not None and end is not None and start > end:
        raise RecordingError(f"--from {format_utc(start)} is after --to {format_utc(end)}")
    try:
        database = open_for_reading(path)
    except DatabaseError as exc:
        raise RecordingError(
            f"--db {path} is not a recording this version can replay: {exc}"
        ) from None
    try:
        with database, database.read(Recordings) as recordings:
            return _load(path, recordings, start, end)
    except RecordingRowError as exc:
        raise RecordingError(f"--db {path} cannot be replayed: {exc}") from None


def _load(
    path: Path, recordings: Recordings, start: datetime | None, end: datetime | None
) -> Recording:
    recordings.check_row_sizes()
    times = recordings.scan_times()
    if not times:
        raise RecordingError(
            f"--db {path} holds no recorded cycles (recorder.enabled was off, or every"
            " recording was pruned: recorder.keep_days)"
        )
    scans = recordings.scans(start, end)
    if not scans:
        raise RecordingError(
            f"no recorded cycle between {_text(start)} and {_text(end)}: {path} holds"
            f" cycles from {format_utc(times[0])} to {format_utc(times[-1])}"
        )
    # The calls of the period's last scan were booked after it, before the next scan.
    after = None if end is None else recordings.next_scan_time(end)
    exchanges = tuple(recordings.llm_exchanges(scans[0].ts, after))
    resolutions = _resolutions(recordings, times)
    initial = recordings.connection.execute(
        select(LedgerRow.balance)
        .where(LedgerRow.reason == LedgerReason.INITIAL.value)
        .order_by(LedgerRow.id)
        .limit(1)
    ).scalar()
    if initial is None:
        raise RecordingError(f"--db {path} has no initial bankroll in its ledger")
    return Recording(path, tuple(scans), exchanges, resolutions, initial)


def _text(moment: datetime | None) -> str:
    return "the start" if moment is None else format_utc(moment)


def _resolutions(recordings: Recordings, scans: list[datetime]) -> dict[str, Resolution]:
    """Each market's result as the recording learned it: the venue's settlement record where
    the bot held the market, else the result its forecasts were scored on.

    It counts as known from the cycle in which the recording booked it (the scan at or before
    the booking): the replay's clock stands at each scan's time for its whole cycle, so the
    replay learns it in the same cycle as the recording did, and never earlier."""
    found: dict[str, Resolution] = {}

    def learned(booked: datetime) -> datetime:
        index = bisect_right(scans, booked) - 1
        return scans[index] if index >= 0 else booked

    forecasts = recordings.connection.execute(
        select(ForecastRow.ticker, ForecastRow.outcome, ForecastRow.resolved_at).where(
            ForecastRow.outcome.is_not(None), ForecastRow.resolved_at.is_not(None)
        )
    )
    for ticker, outcome, resolved_at in forecasts:
        found[ticker] = Resolution(result=MarketResult(outcome), at=learned(resolved_at))
    settlements = recordings.connection.execute(
        select(
            SettlementRow.ticker,
            SettlementRow.market_result,
            SettlementRow.value,
            SettlementRow.booked_at,
        )
    )
    for ticker, result, value, booked_at in settlements:
        if result:
            found[ticker] = Resolution(
                result=MarketResult(result), value=value, at=learned(booked_at)
            )
    return found
