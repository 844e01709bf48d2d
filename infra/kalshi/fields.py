"""A strict reader for one JSON object of a venue answer.

Every failure is a `MalformedResponse` naming the endpoint and the field's full path
(`markets[3].yes_bid_dollars`). Amounts are never floats: a dollar field must be a string,
a legacy cents field an integer, and a JSON number with a fraction is refused everywhere
(the client decodes JSON with `parse_float=Decimal`, so such numbers arrive as Decimal).

Every number is also checked against sane bounds where it enters (`WireBounds`): prices in
[0, 1], amounts and counts non-negative (unless signed by nature) and below a ceiling, and no
finer than the unit the database stores: micro-dollars for money and prices (A3.1: responses
emit up to 6 decimals), centi-contracts for counts (A3.1: granularity 0.01). A value the
database could not hold exactly is refused here, never at Storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from domain.clock import parse_utc
from domain.money import (
    COUNT_STEP,
    MICRO,
    ONE,
    ZERO,
    dollars_from_cents,
)
from infra.kalshi.bounds import WireBounds
from infra.kalshi.errors import MalformedResponse

E = TypeVar("E", bound=StrEnum)
_FIXED_POINT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,12})?")
T = TypeVar("T")
_MAX_CENTS = 10**15  # ten trillion dollars: far above every ceiling, far below overflow


@lru_cache(maxsize=1 << 14)
def _fixed_point(text: str) -> Decimal | None:
    """A fixed-point string's exact value (always finite), or None; cached, as a page of
    markets repeats the same prices and counts."""
    return Decimal(text) if _FIXED_POINT.fullmatch(text) else None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class Fields:
    """Typed access to one object; `where` is its path inside the answer."""

    def __init__(
        self, endpoint: str, data: Any, where: str, bounds: WireBounds | None = None
    ) -> None:
        if not isinstance(data, Mapping):
            raise MalformedResponse(endpoint, where, f"expected an object, got {_kind(data)}")
        self.endpoint = endpoint
        self.data: Mapping[str, Any] = data
        self.where = where
        self.bounds = bounds or WireBounds()

    def nested(self, data: Any, where: str) -> Fields:
        """Another object of the same answer (same endpoint and bounds) at path `where`."""
        return Fields(self.endpoint, data, where, self.bounds)

    def path(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def fail(self, name: str, reason: str) -> MalformedResponse:
        return MalformedResponse(self.endpoint, self.path(name), reason)

    def present(self, name: str) -> bool:
        return self.data.get(name) is not None

    def first_present(self, *names: str) -> str | None:
        return next((name for name in names if self.present(name)), None)

    def _filled(self, name: str) -> bool:
        """Present with a value: real answers send `""` for an amount or count they have
        no value for (`"maker_fill_cost_dollars": ""`, tests/corpus/kalshi), which says no
        more than an absent field."""
        return self.data.get(name) not in (None, "")

    def child(self, name: str) -> Fields:
        if not self.present(name):
            raise self.fail(name, "required object is missing")
        return self.nested(self.data[name], self.path(name))

    def array(self, name: str, *, required: bool = True) -> list[Any]:
        """A JSON array; null counts as empty (Go encodes a nil slice as null)."""
        if name not in self.data:
            if required:
                raise self.fail(name, "required array is missing")
            return []
        value = self.data[name]
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(name, f"expected an array, got {_kind(value)}")
        return value

    def string(self, name: str, *, required: bool = True, default: str = "") -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.fail(name, "required string is missing")
            return default
        if not isinstance(value, str):
            raise self.fail(name, f"expected a string, got {_kind(value)}")
        return value

    def identifier(self, name: str) -> str:
        value = self.string(name)
        if not value.strip():
            raise self.fail(name, "is empty")
        return value

    def boolean(self, name: str, *, required: bool = True, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.fail(name, "required boolean is missing")
            return default
        if not isinstance(value, bool):
            raise self.fail(name, f"expected a boolean, got {_kind(value)}")
        return value

    def integer(self, name: str, *, required: bool = True) -> int | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.fail(name, "required integer is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"expected an integer, got {_kind(value)}")
        return value

    def enum(self, name: str, kind: type[E], *, default: E | None = None) -> E:
        value = self.data.get(name)
        if value is None:
            if default is None:
                raise self.fail(name, f"required {kind.__name__} is missing")
            return default
        if not isinstance(value, str):
            raise self.fail(name, f"expected a string, got {_kind(value)}")
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in kind)
            raise self.fail(name, f"{value!r} is not one of {allowed}") from None

    def timestamp(self, name: str, *, required: bool = True) -> datetime | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise self.fail(name, "required timestamp is missing")
            return None
        if not isinstance(value, str):
            raise self.fail(name, f"expected an RFC 3339 string, got {_kind(value)}")
        try:
            return parse_utc(value)
        except (ValueError, OverflowError) as exc:  # year 9999 with an offset overflows
            raise self.fail(name, f"{value!r} is not an RFC 3339 timestamp ({exc})") from None

    def decimal_text(self, name: str) -> Decimal:
        """A fixed-point string ("0.5600", "-3.00"); numbers and other types are refused."""
        value = self.data.get(name)
        if not isinstance(value, str):
            raise self.fail(name, f"expected a decimal string, got {_kind(value)}")
        return self._to_decimal(name, value)

    def _to_decimal(self, name: str, value: str) -> Decimal:
        result = _fixed_point(value)
        if result is None:
            raise self.fail(name, f"{value[:40]!r} is not a fixed-point decimal")
        return result

    def _dollars(self, current: str, legacy_cents: str | None) -> tuple[str, Decimal] | None:
        """The `*_dollars` string if filled, else the legacy integer-cents field, else None
        (with the name it came from). A filled but malformed current field is an error; it
        never falls back."""
        if self._filled(current):
            return current, self.decimal_text(current)
        if legacy_cents is not None and self._filled(legacy_cents):
            cents = self.integer(legacy_cents)
            assert cents is not None
            if abs(cents) > _MAX_CENTS:  # checked before arithmetic: 10^30 overflows Decimal
                raise self.fail(legacy_cents, f"{cents} cents is outside any sane amount")
            return legacy_cents, dollars_from_cents(cents)
        return None

    def _bounded(
        self, name: str, value: Decimal, low: Decimal, high: Decimal, unit: Decimal
    ) -> Decimal:
        if not low <= value <= high:
            raise self.fail(name, f"{value} is outside [{low}, {high}]")
        if value % unit:
            raise self.fail(name, f"{value} is finer than the stored unit {unit}")
        return value

    def price(self, current: str, legacy_cents: str | None = None) -> Decimal | None:
        """A YES or NO price in dollars, in [0, 1] and whole micro-dollars, or None."""
        found = self._dollars(current, legacy_cents)
        if found is None:
            return None
        return self._bounded(*found, ZERO, ONE, MICRO)

    def required_price(self, current: str, legacy_cents: str | None = None) -> Decimal:
        value = self.price(current, legacy_cents)
        if value is None:
            raise self._missing(current, legacy_cents)
        return value

    def amount(
        self, current: str, legacy_cents: str | None = None, *, signed: bool = False
    ) -> Decimal | None:
        """Money in dollars: whole micro-dollars, at most the configured ceiling, and not
        negative unless `signed` (a realized P&L)."""
        found = self._dollars(current, legacy_cents)
        if found is None:
            return None
        ceiling = self.bounds.max_dollars
        return self._bounded(*found, -ceiling if signed else ZERO, ceiling, MICRO)

    def required_amount(self, current: str, legacy_cents: str | None = None) -> Decimal:
        value = self.amount(current, legacy_cents)
        if value is None:
            raise self._missing(current, legacy_cents)
        return value

    def _missing(self, current: str, legacy_cents: str | None) -> MalformedResponse:
        also = f" (nor {legacy_cents!r})" if legacy_cents else ""
        return self.fail(current, f"required amount is missing{also}")

    def _raw_count(self, names: tuple[str, ...]) -> tuple[str, Decimal] | None:
        """The first present of `names`: a fixed-point string ("10.00") or a legacy integer."""
        name = next((name for name in names if self._filled(name)), None)
        if name is None:
            return None
        value = self.data[name]
        if isinstance(value, str):
            return name, self._to_decimal(name, value)
        if isinstance(value, int) and not isinstance(value, bool):
            return name, Decimal(value)
        raise self.fail(name, f"expected a fixed-point count string, got {_kind(value)}")

    def count(self, *names: str, signed: bool = False, market: bool = False) -> Decimal | None:
        """Contracts: whole centi-contracts, at most the ceiling (the account's own ceiling, or
        with `market` the one for a whole market's volume and depth), not negative unless
        `signed` (a position: positive YES, negative NO)."""
        found = self._raw_count(names)
        if found is None:
            return None
        ceiling = self.bounds.max_market_contracts if market else self.bounds.max_contracts
        return self._bounded(*found, -ceiling if signed else ZERO, ceiling, COUNT_STEP)

    def required_count(self, *names: str, market: bool = False) -> Decimal:
        value = self.count(*names, market=market)
        if value is None:
            raise self.fail(names[0], "required count is missing")
        return value

    def items(self, name: str, parse: Callable[[Fields], T], *, required: bool = True) -> list[T]:
        """Parse every element of an array of objects; all or nothing."""
        return [
            parse(self.nested(item, f"{self.path(name)}[{index}]"))
            for index, item in enumerate(self.array(name, required=required))
        ]
