"""Kalshi wire conventions: dollar and count strings, timestamps, error bodies, cursors, limits."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

FOUR_PLACES = Decimal("0.0001")
SIX_PLACES = Decimal("0.000001")
TWO_PLACES = Decimal("0.01")
# Kalshi's 429 body is a bare string, not the wrapped error object, and carries no Retry-After.
RATE_LIMIT_BODY = b'{"error": "too many requests"}'


class ApiError(Exception):
    """An error answered in Kalshi's wrapped shape: {"error": {"code", "message", "details"}}."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(f"{status} {code}: {details or message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: str, details: str = "") -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def bad_request(details: str, code: str = "invalid_parameters") -> ApiError:
    return ApiError(400, code, code.replace("_", " "), details)


def not_found(details: str, code: str = "not_found") -> ApiError:
    return ApiError(404, code, code.replace("_", " "), details)


def dollars(amount: Decimal) -> str:
    """A FixedPointDollars response string with four decimals ("0.5600")."""
    return f"{amount.quantize(FOUR_PLACES, rounding=ROUND_HALF_EVEN):f}"


def exact_dollars(amount: Decimal) -> str:
    """A FixedPointDollars response string with four to six decimals: exact for amounts such
    as fee rounding on fractional counts ("0.009597"; responses emit up to 6, A3.1)."""
    if amount == amount.quantize(FOUR_PLACES):
        return dollars(amount)
    return f"{amount.quantize(SIX_PLACES, rounding=ROUND_HALF_EVEN):f}"


_CENT_STRINGS = tuple(f"{Decimal(c) / 100:.4f}" for c in range(101))


def cents_dollars(cents: int | Decimal) -> str:
    """Cents as a dollar string ("0.4200", "0.0550"); whole cents by table lookup, this is the
    hot path."""
    if isinstance(cents, int) and 0 <= cents <= 100:
        return _CENT_STRINGS[cents]
    return dollars(Decimal(cents) / 100)


def count(value: Decimal) -> str:
    """A FixedPointCount response string with two decimals ("10.00")."""
    return f"{value.quantize(TWO_PLACES, rounding=ROUND_HALF_EVEN):f}"


def rfc3339(moment: datetime) -> str:
    """As the venue writes times (Go's RFC3339Nano): UTC, `Z`, the fraction without trailing
    zeros and none at all on a whole second (`2026-08-09T07:17:29.033592Z`,
    `2026-10-15T00:15:00Z`)."""
    utc = moment.astimezone(UTC)
    fraction = f".{utc.microsecond:06d}".rstrip("0") if utc.microsecond else ""
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def from_ts(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def encode_cursor(kind: str, value: int | str) -> str:
    """An opaque cursor; the kind prefix stops a cursor from one listing being used on another."""
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> str:
    """The value inside a cursor of `kind`; a malformed or foreign cursor is a 400."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise bad_request("invalid cursor") from exc
    prefix, sep, value = text.partition(":")
    if not sep or prefix != kind:
        raise bad_request("invalid cursor")
    return value


def decode_int_cursor(kind: str, cursor: str) -> int:
    value = decode_cursor(kind, cursor)
    try:
        return int(value)
    except ValueError as exc:
        raise bad_request("invalid cursor") from exc


def first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def parse_limit(
    query: Mapping[str, list[str]], *, default: int, maximum: int, allow_zero: bool = False
) -> int:
    """`limit` within [1, maximum] (0 = default where the spec allows 0); anything else is a 400."""
    raw = first(query, "limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_request(f"limit must be an integer between 1 and {maximum}") from exc
    if value == 0 and allow_zero:
        return default
    if not 1 <= value <= maximum:
        raise bad_request(f"limit must be an integer between 1 and {maximum}")
    return value


def parse_int(query: Mapping[str, list[str]], name: str) -> int | None:
    raw = first(query, name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise bad_request(f"{name} must be an integer") from exc


def parse_bool(query: Mapping[str, list[str]], name: str, default: bool = False) -> bool:
    raw = first(query, name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in {"true", "1"}:
        return True
    if lowered in {"false", "0"}:
        return False
    raise bad_request(f"{name} must be true or false")
