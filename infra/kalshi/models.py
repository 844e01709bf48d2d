"""Kalshi answers that have no counterpart in domain.models (exchange status, events, cancels)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime

from domain.base import Frozen
from domain.fees import FeeSchedule, FeeType
from domain.models import Market


@dataclass(frozen=True)
class MarketListing:
    """What a market listing kept, and the field that made each left-out record unusable
    (one entry a record): the Scanner's health check counts them (domain.health)."""

    markets: tuple[Market, ...]
    quarantined: tuple[str, ...] = ()

    @property
    def served(self) -> int:
        """Market records the pages served, kept or not."""
        return len(self.markets) + len(self.quarantined)


class TimeInForce(StrEnum):
    FILL_OR_KILL = "fill_or_kill"
    GOOD_TILL_CANCELED = "good_till_canceled"
    IMMEDIATE_OR_CANCEL = "immediate_or_cancel"


class SelfTradePrevention(StrEnum):
    TAKER_AT_CROSS = "taker_at_cross"  # cancel the incoming taker, keep partial fills
    MAKER = "maker"  # cancel the resting maker and continue


class ExchangeStatus(Frozen):
    exchange_active: bool
    trading_active: bool
    estimated_resume_time: AwareDatetime | None = None


class KalshiEvent(Frozen):
    event_ticker: str
    series_ticker: str = ""
    title: str = ""
    sub_title: str = ""
    mutually_exclusive: bool = False
    strike_date: AwareDatetime | None = None
    markets: tuple[Market, ...] = ()
    fee_type_override: FeeType | None = None  # A5.6
    fee_multiplier_override: Decimal | None = None  # A5.6


class KalshiSeries(Frozen):
    """A series' fee schedule (`GET /series/{series_ticker}`, A5.15; A7 per-series fee types)."""

    series_ticker: str
    fee_type: FeeType = FeeType.QUADRATIC
    fee_multiplier: Decimal = Decimal(1)

    def fees(self, event: KalshiEvent | None = None) -> FeeSchedule:
        """The schedule a market of `event` pays: the event's override, else the series'."""
        if event is not None and event.fee_type_override is not None:
            multiplier = event.fee_multiplier_override
            return FeeSchedule(event.fee_type_override, multiplier or self.fee_multiplier)
        if event is not None and event.fee_multiplier_override is not None:
            return FeeSchedule(self.fee_type, event.fee_multiplier_override)
        return FeeSchedule(self.fee_type, self.fee_multiplier)


class CancelAck(Frozen):
    """The V2 cancel answer: `reduced_by` is the count that was still resting."""

    order_id: str
    client_order_id: str = ""
    reduced_by: Decimal
    ts_ms: int | None = None
