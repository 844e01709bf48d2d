"""A strict reader for one JSON object of a venue answer.

Every failure is a `MalformedResponse` naming the endpoint and the field's full path
(`markets[3].yes_bid_dollars`). Amounts are never floats: a dollar field must be a string,
a legacy cents field an integer, and a JSON number with a fraction is refused everywhere
(the client decodes JSON with `parse_float=Decimal`, so such numbers arrive as Decimal).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from domain.clock import parse_utc
from domain.money import MoneyFormatError, dollars_from_cents, to_decimal
from infra.kalshi.errors import MalformedResponse

E = TypeVar("E", bound=StrEnum)
_FIXED_POINT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,12})?")
T = TypeVar("T")


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

    def __init__(self, endpoint: str, data: Any, where: str) -> None:
        if not isinstance(data, Mapping):
            raise MalformedResponse(endpoint, where, f"expected an object, got {_kind(data)}")
        self.endpoint = endpoint
        self.data: Mapping[str, Any] = data
        self.where = where

    def path(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def fail(self, name: str, reason: str) -> MalformedResponse:
        return MalformedResponse(self.endpoint, self.path(name), reason)

    def present(self, name: str) -> bool:
        return self.data.get(name) is not None

    def first_present(self, *names: str) -> str | None:
        return next((name for name in names if self.present(name)), None)

    def child(self, name: str) -> Fields:
        if not self.present(name):
            raise self.fail(name, "required object is missing")
        return Fields(self.endpoint, self.data[name], self.path(name))

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
        except ValueError as exc:
            raise self.fail(name, f"{value!r} is not an RFC 3339 timestamp ({exc})") from None

    def decimal_text(self, name: str) -> Decimal:
        """A fixed-point string ("0.5600", "-3.00"); numbers and other types are refused."""
        value = self.data.get(name)
        if not isinstance(value, str):
            raise self.fail(name, f"expected a decimal string, got {_kind(value)}")
        return self._to_decimal(name, value)

    def _to_decimal(self, name: str, value: str) -> Decimal:
        if not _FIXED_POINT.fullmatch(value):
            raise self.fail(name, f"{value[:40]!r} is not a fixed-point decimal")
        try:
            return to_decimal(value, field=self.path(name))
        except MoneyFormatError as exc:
            raise self.fail(name, str(exc)) from None

    def dollars(self, current: str, legacy_cents: str | None = None) -> Decimal | None:
        """The `*_dollars` string if present, else the legacy integer-cents field, else None.

        A present-but-malformed current field is an error; it never falls back.
        """
        if self.present(current):
            return self.decimal_text(current)
        if legacy_cents is not None and self.present(legacy_cents):
            cents = self.integer(legacy_cents)
            assert cents is not None
            return dollars_from_cents(cents)
        return None

    def required_dollars(self, current: str, legacy_cents: str | None = None) -> Decimal:
        value = self.dollars(current, legacy_cents)
        if value is None:
            also = f" (nor {legacy_cents!r})" if legacy_cents else ""
            raise self.fail(current, f"required amount is missing{also}")
        return value

    def count(self, *names: str) -> Decimal | None:
        """The first present of `names`: a fixed-point string ("10.00") or a legacy integer."""
        name = self.first_present(*names)
        if name is None:
            return None
        value = self.data[name]
        if isinstance(value, str):
            return self._to_decimal(name, value)
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        raise self.fail(name, f"expected a fixed-point count string, got {_kind(value)}")

    def required_count(self, *names: str) -> Decimal:
        value = self.count(*names)
        if value is None:
            raise self.fail(names[0], "required count is missing")
        return value

    def items(self, name: str, parse: Callable[[Fields], T], *, required: bool = True) -> list[T]:
        """Parse every element of an array of objects; all or nothing."""
        return [
            parse(Fields(self.endpoint, item, f"{self.path(name)}[{index}]"))
            for index, item in enumerate(self.array(name, required=required))
        ]
