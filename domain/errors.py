"""Errors that decide control flow (the freqtrade/Nautilus taxonomy, scaled down)."""

from __future__ import annotations


class InvariantViolation(RuntimeError):
    """State is corrupt (e.g. the ledger does not add up): stop, do not trade on it."""


class OperatorInterventionRequired(RuntimeError):
    """Configuration or credentials need a person: halt and exit non-zero."""


class ExecutionAlreadyFinal(RuntimeError):
    """An order's outcome was booked already (by another path): this booking must not land."""


class RecordAlreadyBooked(RuntimeError):
    """A venue record (a fill, a settlement) is in the book already: booking it again must not
    land, so the whole transaction that tried is refused."""


class StartupFailed(RuntimeError):
    """A child actor could not start; the message says which and why (its own error's words)."""
