"""Column types that keep money, counts and time exact on SQLite.

SQLite has no decimal type and SQLAlchemy's `Numeric` goes through float on it, so money is
stored as integer micro-dollars and counts as integer centi-contracts. Time is stored as text in
the one canonical format (`domain.clock.format_utc`), which also sorts chronologically.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Dialect, Text
from sqlalchemy.types import TypeDecorator

from domain.clock import format_utc, parse_utc
from domain.money import MoneyFormatError, from_centis, from_micros, to_centis, to_micros
from infra.db.errors import DatabaseCorruptError


def _require_decimal(value: object, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise MoneyFormatError(f"{what} must be a Decimal, got {type(value).__name__} {value!r}")
    return value


INT64_MAX = 2**63 - 1
MICROS = "micro-dollars"
RESTORE = (
    "the database was edited or damaged; restore it from a backup (migrations keep one"
    " beside it) or correct the row"
)


def stored_integer(value: object, unit: str) -> int:
    """A stored integer of `unit`s as read back; anything else (text, a real) is corruption:
    SQLite keeps whatever an editor put in a column, whatever its declared type."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DatabaseCorruptError(
        f"a stored amount, {str(value)[:40]!r}, is not the whole number of {unit} the program"
        f" writes: {RESTORE}"
    )


def storable(value: Decimal | None, unit: str) -> str | None:
    """Why `value` cannot be stored as integer `unit`s ("micros" or "centis"), or None."""
    if value is None:
        return None
    try:
        scaled = to_micros(value) if unit == "micros" else to_centis(value)
    except (MoneyFormatError, ArithmeticError) as exc:
        return str(exc)
    if abs(scaled) > INT64_MAX:
        return f"{value} does not fit in a 64-bit integer of {unit}"
    return None


class MicroDollars(TypeDecorator[Decimal]):
    """Dollars as integer micro-dollars; refuses floats and amounts finer than $0.000001."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, _dialect: Dialect) -> int | None:
        return None if value is None else to_micros(_require_decimal(value, "an amount"))

    def process_result_value(self, value: int | None, _dialect: Dialect) -> Decimal | None:
        return None if value is None else from_micros(stored_integer(value, MICROS))


class CentiContracts(TypeDecorator[Decimal]):
    """Contract counts as integer hundredths; refuses floats and counts finer than 0.01."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, _dialect: Dialect) -> int | None:
        return None if value is None else to_centis(_require_decimal(value, "a count"))

    def process_result_value(self, value: int | None, _dialect: Dialect) -> Decimal | None:
        return None if value is None else from_centis(stored_integer(value, "centi-contracts"))


class UtcTimestamp(TypeDecorator[datetime]):
    """An aware datetime as "YYYY-MM-DDTHH:MM:SS.mmmZ" (truncated to the millisecond).

    Naive datetimes are refused: a time without a zone cannot be put on the UTC line.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a timestamp must be a datetime, got {type(value).__name__}")
        return format_utc(value)

    def process_result_value(self, value: str | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_utc(value)
        except (ValueError, TypeError, AttributeError, OverflowError):
            raise DatabaseCorruptError(
                f"a stored timestamp, {str(value)[:40]!r}, is not the ISO 8601 UTC the program"
                f" writes (like 2026-01-31T12:00:00.000Z): {RESTORE}"
            ) from None
