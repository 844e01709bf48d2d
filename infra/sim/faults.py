"""Fault injection, changed live from tests, the CLI or `POST /_sim/faults`.

Semantics (each decided once per request, before the request is handled):
- `latency`: seconds added before every answer.
- `timeout_rate`: the server holds the request for `hang_seconds` without answering, then closes
  the connection. The request is NOT executed.
- `error_rate`: HTTP 500 or 503 with a Kalshi error body. The request is NOT executed.
- `malformed_rate`: HTTP 200 with a body that is not valid JSON. The request is NOT executed.
- `drop_order_responses`: the next N create-order requests ARE executed (whatever the outcome,
  an order is placed if the request was valid) and then the connection is closed without a
  response. This is the ambiguous outcome a bot must resolve by looking the order up.
- `truncate_pages`: every page of a list endpoint holds at most half the items it should.
  `truncate_mode="loop"` (default): the page's cursor leads back to where this page started
  (the cursor the client just sent, or a cursor for the very first item on page one), so the
  next request repeats data: a client that checks for a repeated cursor or repeated keys
  detects it; a naive client loops forever. `truncate_mode="early_end"`: the page carries an
  empty cursor although more data exists, which only a client that cross-checks (e.g. counts)
  can notice.
- `unparsable_markets`: this share of the records on every `GET /markets` page (the first
  ones, rounded up) carry a price no client may accept (`yes_bid_dollars` "-0.4000"): a venue
  whose market objects a client cannot parse, as when a field's shape changes. The request IS
  executed; the page keeps its length and cursor.
- `fee_cost_without_rounding`: a fill's `fee_cost` is its trade fee alone, without the A7
  rounding part the balance change carries (a reading of the fee report some clients meet);
  the balance moves as always. Not a per-path fault: it holds on every path.
- `path_prefixes`: when non-empty, the faults above (drop_order_responses excepted) only hit
  paths that start with one of the prefixes; a prefix may be given with or without the
  `/trade-api/v2` part (e.g. "/portfolio/positions").
The `/_sim/*` admin routes are never faulted.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any, Generic, TypeVar

from infra.sim.paths import KALSHI_PREFIX

T = TypeVar("T")


class TruncateMode(StrEnum):
    LOOP = "loop"
    EARLY_END = "early_end"


class FaultKind(StrEnum):
    NONE = "none"
    TIMEOUT = "timeout"
    ERROR = "error"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class FaultSettings:
    """An immutable snapshot of the fault switches."""

    latency: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0
    drop_order_responses: int = 0
    truncate_pages: bool = False
    truncate_mode: TruncateMode = TruncateMode.LOOP
    hang_seconds: float = 30.0
    unparsable_markets: float = 0.0
    fee_cost_without_rounding: bool = False
    path_prefixes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["truncate_mode"] = str(self.truncate_mode)
        data["path_prefixes"] = list(self.path_prefixes)
        return data


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request."""

    kind: FaultKind = FaultKind.NONE
    latency: float = 0.0
    status: int = 200
    hang_seconds: float = 0.0
    truncate: TruncateMode | None = None
    unparsable_markets: float = 0.0
    fee_cost_without_rounding: bool = False


NO_FAULT = FaultDecision()


def _rate(value: Any) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"a rate must be in [0, 1], got {value!r}")
    return number


def _seconds(value: Any) -> float:
    number = float(value)
    if number < 0:
        raise ValueError(f"seconds must be >= 0, got {value!r}")
    return number


def _count(value: Any) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 0:
        raise ValueError(f"expected a non-negative integer, got {value!r}")
    return int(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _prefixes(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value or ())
    for item in items:
        if not isinstance(item, str) or not item.startswith("/"):
            raise ValueError(f"a path prefix must start with '/', got {item!r}")
    return tuple(items)


class _Setting(Generic[T]):
    """A validated attribute of `Faults`, read and written under the owner's lock."""

    def __init__(self, validate: Callable[[Any], T]) -> None:
        self._validate = validate
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, obj: Faults | None, objtype: type | None = None) -> T:
        if obj is None:
            raise AttributeError(self._name)
        return getattr(obj.snapshot(), self._name)  # type: ignore[no-any-return]

    def __set__(self, obj: Faults, value: Any) -> None:
        obj.update(**{self._name: value})


_VALIDATORS: Mapping[str, Callable[[Any], Any]] = {
    "latency": _seconds,
    "error_rate": _rate,
    "timeout_rate": _rate,
    "malformed_rate": _rate,
    "drop_order_responses": _count,
    "truncate_pages": _flag,
    "truncate_mode": TruncateMode,
    "hang_seconds": _seconds,
    "unparsable_markets": _rate,
    "fee_cost_without_rounding": _flag,
    "path_prefixes": _prefixes,
}


class Faults:
    """Mutable, thread-safe fault settings: `sim.faults.error_rate = 0.5` takes effect at once."""

    latency = _Setting(_seconds)
    error_rate = _Setting(_rate)
    timeout_rate = _Setting(_rate)
    malformed_rate = _Setting(_rate)
    drop_order_responses = _Setting(_count)
    truncate_pages = _Setting(_flag)
    truncate_mode = _Setting(TruncateMode)
    hang_seconds = _Setting(_seconds)
    unparsable_markets = _Setting(_rate)
    fee_cost_without_rounding = _Setting(_flag)
    path_prefixes = _Setting(_prefixes)

    def __init__(self, seed: int = 0, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self._values = settings or FaultSettings()
        self._random = random.Random(seed)

    def snapshot(self) -> FaultSettings:
        with self._lock:
            return self._values

    def update(self, **changes: Any) -> FaultSettings:
        """Validate and apply several settings at once; unknown names raise ValueError."""
        unknown = set(changes) - set(_VALIDATORS)
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        validated = {name: _VALIDATORS[name](value) for name, value in changes.items()}
        with self._lock:
            self._values = replace(self._values, **validated)
            return self._values

    def reset(self) -> None:
        with self._lock:
            self._values = FaultSettings()

    def target(self, *prefixes: str) -> None:
        """Aim the faults at these path prefixes only (no arguments: everything again)."""
        self.update(path_prefixes=prefixes)

    def applies_to(self, path: str, settings: FaultSettings | None = None) -> bool:
        values = settings or self.snapshot()
        if not values.path_prefixes:
            return True
        relative = path[len(KALSHI_PREFIX) :] if path.startswith(KALSHI_PREFIX) else path
        return any(path.startswith(p) or relative.startswith(p) for p in values.path_prefixes)

    def decide(self, path: str) -> FaultDecision:
        """Roll the dice for one request."""
        with self._lock:
            values = self._values
            roll = self._random.random()
            pick_503 = self._random.random() < 0.5
        if not self.applies_to(path, values):
            return FaultDecision(fee_cost_without_rounding=values.fee_cost_without_rounding)
        truncate = values.truncate_mode if values.truncate_pages else None
        kind, status = FaultKind.NONE, 200
        threshold = values.timeout_rate
        if roll < threshold:
            kind = FaultKind.TIMEOUT
        elif roll < (threshold := threshold + values.error_rate):
            kind, status = FaultKind.ERROR, (503 if pick_503 else 500)
        elif roll < threshold + values.malformed_rate:
            kind = FaultKind.MALFORMED
        return FaultDecision(
            kind=kind,
            latency=values.latency,
            status=status,
            hang_seconds=values.hang_seconds,
            truncate=truncate,
            unparsable_markets=values.unparsable_markets,
            fee_cost_without_rounding=values.fee_cost_without_rounding,
        )

    def take_dropped_order_response(self) -> bool:
        """Consume one unit of `drop_order_responses`; True if this response must be dropped."""
        with self._lock:
            if self._values.drop_order_responses <= 0:
                return False
            self._values = replace(
                self._values, drop_order_responses=self._values.drop_order_responses - 1
            )
            return True


def unparsable(items: list[dict[str, Any]], share: float) -> list[dict[str, Any]]:
    """The `unparsable_markets` fault on one page of market objects."""
    broken = math.ceil(share * len(items))
    return [{**item, "yes_bid_dollars": "-0.4000"} for item in items[:broken]] + items[broken:]
