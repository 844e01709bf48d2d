"""Reason codes for every refusal, so each one is logged and counted the same way."""

from __future__ import annotations

from enum import StrEnum


class DenyReason(StrEnum):
    """Why the bot did not trade. Local refusals only; venue refusals keep the venue's text."""

    NO_PRICE = "SIGNAL_NO_PRICE"
    FORECAST_IMPLAUSIBLE = "FORECAST_IMPLAUSIBLE"  # too far from the market (domain.evidence)
    NO_EDGE = "SIGNAL_NO_EDGE"
    EDGE_BELOW_MIN = "SIGNAL_EDGE_BELOW_MIN"
    SIZE_ZERO = "SIZE_ZERO"
    ALREADY_HELD = "GUARD_ALREADY_HELD"
    IN_FLIGHT = "GUARD_ORDER_IN_FLIGHT"
    NOT_HELD = "GUARD_NOT_HELD"  # a sale of a market the book holds nothing in
    BANKROLL_LOCKED = "GUARD_ZERO_BANKROLL"
    INSUFFICIENT_FUNDS = "GUARD_INSUFFICIENT_FUNDS"
    BANKROLL_UNAVAILABLE = "GUARD_BANKROLL_UNAVAILABLE"
    POSITIONS_UNAVAILABLE = "GUARD_POSITIONS_UNAVAILABLE"
    CYCLE_ORDER_CAP = "CAP_ORDERS_PER_CYCLE"
    CYCLE_NOTIONAL_CAP = "CAP_NOTIONAL_PER_CYCLE"
    RESTING_CAP = "CAP_RESTING_ORDERS"  # execution.max_resting maker orders rest already
    EXPOSURE_CAP = "CAP_TOTAL_EXPOSURE"
    EVENT_EXPOSURE_CAP = "CAP_EVENT_EXPOSURE"
    EVENT_CONFLICT = "GUARD_EVENT_CONFLICT"  # cannot win together with a position held
    TRADING_HALTED = "STATE_HALTED"
    SHUTTING_DOWN = "STATE_SHUTTING_DOWN"
    MARKET_CLOSED = "MARKET_CLOSED"
    EXIT_COOLDOWN = "GUARD_EXIT_COOLDOWN"  # sold by an exit within the re-entry cooldown
