"""Time as a value: UTC-aware datetimes and the canonical storage format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """An injectable source of the current UTC time (real in production, manual in tests)."""

    def now(self) -> datetime: ...


def format_utc(moment: datetime) -> str:
    """ISO 8601, UTC, milliseconds, `Z`: the only format stored anywhere."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are refused; attach a timezone")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_utc(text: str) -> datetime:
    """Parse an RFC 3339 / ISO 8601 timestamp (with `Z` or an offset) to an aware UTC datetime."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no timezone")
    return moment.astimezone(UTC)
