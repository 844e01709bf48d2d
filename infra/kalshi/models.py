"""Kalshi answers that have no counterpart in domain.models (exchange status, events, cancels)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime

from domain.base import Frozen
from domain.models import Market


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


class CancelAck(Frozen):
    """The V2 cancel answer: `reduced_by` is the count that was still resting."""

    order_id: str
    client_order_id: str = ""
    reduced_by: Decimal
    ts_ms: int | None = None
