"""Polymarket Gamma's wire format: a `/markets/keyset` page into `PolymarketMarket`s.

Decisions:
- The page envelope must be sound (an object, `markets` an array, `next_cursor` a string
  or null/absent). If it is not, the whole page is refused (`MalformedResponse`).
- A non-binary market (not exactly two outcomes, Yes and No in either order) is a valid
  market we do not use: it is left out silently (DEBUG log).
- A malformed market entry (undecodable `outcomes`/`outcomePrices`, prices outside 0..1,
  negative or absurd volumes, missing id or question, bad dates) is left out with its reason
  recorded in `GammaPage.skipped` and logged as a warning; in strict mode it refuses the page
  instead. Gamma entries are heterogeneous (inactive markets carry nulls) and only feed a
  second opinion, so one broken entry should not blind the bot to the other thousands.
- A price finer than the micro-dollar the database stores (real closed markets send
  `"0.9999997005287313540028152153997362"`) is rounded to it, not refused: outcome prices to
  the nearest millionth (half-even), the cached best bid down and best ask up. That is safe
  for a second opinion: a millionth is far below any edge the bot acts on, and a quote rounded
  outward never looks tighter than Gamma said.
- Outcome prices that cannot be the probabilities of one question (`["0", "0"]` on legacy
  entries, or a YES and NO that sum far from 1) are no opinion: the market is kept, with no
  price (`yes_price` None), and counted in `GammaPage.no_opinion`.
- A closed or resolved market's prices are its resolution, and its cached bid and ask are
  stale: none of them is ever a live price, so such a market has no prices at all.

Gamma encodes `outcomes`, `outcomePrices` and `clobTokenIds` as JSON text inside JSON.
Numbers arrive as Decimal (the transport decodes with parse_float=Decimal), never float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic import ValidationError

from domain.clock import parse_utc
from domain.jsonlimits import loads_bounded
from domain.linking import PolymarketMarket
from domain.money import MICRO, ONE, ZERO, MoneyFormatError, to_decimal
from infra.kalshi.errors import MalformedResponse

MAX_SIZE = Decimal(10**12)  # dollars or shares: far above any real market, far below overflow
# YES + NO of one binary question is 1 up to Gamma's rounding of each; beyond this they are
# not the probabilities of one question.
OPINION_SUM_TOLERANCE = Decimal("0.05")


class EntryError(ValueError):
    """One market entry cannot be used; `field` says which field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Skipped:
    market_id: str
    field: str
    reason: str


@dataclass(frozen=True)
class GammaPage:
    markets: tuple[PolymarketMarket, ...]
    next_cursor: str | None
    skipped: tuple[Skipped, ...] = ()
    non_binary: int = 0
    raw_ids: tuple[str, ...] = ()  # every entry's id, binary or not (for repeat detection)
    no_opinion: int = 0  # open markets kept without a price: their prices are no probabilities


class NotBinary(Exception):
    """A valid market with other than Yes/No outcomes."""


def _json_list(entry: dict[str, Any], name: str, *, required: bool = True) -> list[Any] | None:
    value = entry.get(name)
    if value is None or value == "":
        if required:
            raise EntryError(name, "missing")
        return None
    if isinstance(value, str):
        try:
            value = loads_bounded(value, parse_float=Decimal)
        except ValueError:  # TooDeep included
            raise EntryError(name, f"{value[:40]!r} is not JSON") from None
    if not isinstance(value, list):
        raise EntryError(name, f"expected a JSON array, got {type(value).__name__}")
    return value


def _decimal(name: str, value: Any) -> Decimal:
    try:
        return to_decimal(value, field=name)
    except MoneyFormatError as exc:
        raise EntryError(name, str(exc)) from None


def _optional_decimal(entry: dict[str, Any], *names: str) -> Decimal | None:
    for name in names:
        value = entry.get(name)
        if value is not None and value != "":
            return _size(name, _decimal(name, value))
    return None


def _size(name: str, value: Decimal) -> Decimal:
    """A volume or liquidity: not negative, not absurd (B3.2 sends them as text or numbers)."""
    if not ZERO <= value <= MAX_SIZE:
        raise EntryError(name, f"{value} is outside [0, {MAX_SIZE}]")
    return value


def _price(name: str, value: Any, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """A price per share in [0, 1] (B3.2), rounded to the micro-dollar stored."""
    price = _decimal(name, value)
    if not ZERO <= price <= ONE:
        raise EntryError(name, f"{price} is outside [0, 1]")
    return price.quantize(MICRO, rounding=rounding)


def _optional_price(entry: dict[str, Any], name: str, rounding: str) -> Decimal | None:
    value = entry.get(name)
    return None if value is None or value == "" else _price(name, value, rounding)


def _resolved(entry: dict[str, Any]) -> bool:
    """Closed, or resolved by UMA: its prices are a resolution, its quotes stale."""
    return _flag(entry, "closed", default=False) or entry.get("umaResolutionStatus") == "resolved"


def is_an_opinion(yes: Decimal, no: Decimal) -> bool:
    """Can these be the YES and NO probabilities of one question?"""
    return abs(yes + no - ONE) <= OPINION_SUM_TOLERANCE


def _text(entry: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = entry.get(name)
    if value is None:
        if required:
            raise EntryError(name, "missing")
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise EntryError(name, f"expected a string, got {type(value).__name__}")
    if required and not value.strip():
        raise EntryError(name, "empty")
    return value


def _flag(entry: dict[str, Any], name: str, default: bool) -> bool:
    value = entry.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise EntryError(name, f"expected a boolean, got {type(value).__name__}")
    return value


def _date(entry: dict[str, Any], name: str) -> datetime | None:
    value = entry.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise EntryError(name, f"expected an ISO 8601 string, got {type(value).__name__}")
    try:
        return parse_utc(value)
    except ValueError:
        raise EntryError(name, f"{value!r} is not an ISO 8601 timestamp with a zone") from None


def _events(entry: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    events = entry.get("events") or []
    if not isinstance(events, list):
        raise EntryError("events", "expected an array")
    titles, slugs = [], []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise EntryError(f"events[{index}]", "expected an object")
        titles.append(_text(event, "title"))
        slugs.append(_text(event, "slug"))
    return tuple(titles), tuple(slugs)


def parse_gamma_market(entry: Any) -> PolymarketMarket:
    """One Gamma market; raises NotBinary or EntryError."""
    if not isinstance(entry, dict):
        raise EntryError("<entry>", f"expected an object, got {type(entry).__name__}")
    market_id = _text(entry, "id", required=True)
    outcomes = _json_list(entry, "outcomes")
    assert outcomes is not None
    labels = [str(outcome).strip().lower() for outcome in outcomes]
    if len(labels) != 2 or sorted(labels) != ["no", "yes"]:
        raise NotBinary(market_id)
    yes_index = labels.index("yes")
    no_index = 1 - yes_index
    prices = _json_list(entry, "outcomePrices")
    assert prices is not None
    if len(prices) != 2:
        raise EntryError("outcomePrices", f"expected 2 prices, got {len(prices)}")
    values = [_price(f"outcomePrices[{i}]", price) for i, price in enumerate(prices)]
    resolved = _resolved(entry)
    live = not resolved and is_an_opinion(*values)
    tokens = _json_list(entry, "clobTokenIds", required=False) or ["", ""]
    if len(tokens) != 2 or not all(isinstance(token, str) for token in tokens):
        raise EntryError("clobTokenIds", "expected two token id strings")
    titles, slugs = _events(entry)
    volume = _optional_decimal(entry, "volume", "volumeNum")
    try:
        return PolymarketMarket(
            id=market_id,
            question=_text(entry, "question", required=True),
            condition_id=_text(entry, "conditionId"),
            slug=_text(entry, "slug"),
            yes_price=values[yes_index] if live else None,
            no_price=values[no_index] if live else None,
            yes_token_id=tokens[yes_index],
            no_token_id=tokens[no_index],
            best_bid=None if resolved else _optional_price(entry, "bestBid", ROUND_FLOOR),
            best_ask=None if resolved else _optional_price(entry, "bestAsk", ROUND_CEILING),
            volume=volume if volume is not None else Decimal(0),
            liquidity=_optional_decimal(entry, "liquidity", "liquidityNum"),
            end_date=_date(entry, "endDate"),
            active=_flag(entry, "active", default=False),
            closed=_flag(entry, "closed", default=False),
            event_titles=titles,
            event_slugs=slugs,
        )
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(part) for part in error["loc"])
        raise EntryError(field, error["msg"]) from None


def parse_gamma_page(endpoint: str, payload: Any, *, strict: bool = False) -> GammaPage:
    """A whole keyset page; the envelope is checked before any entry is used."""
    if not isinstance(payload, dict):
        raise MalformedResponse(
            endpoint, "<body>", f"expected an object, got {type(payload).__name__}"
        )
    if "markets" not in payload:
        raise MalformedResponse(endpoint, "markets", "required array is missing")
    entries = payload["markets"]
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise MalformedResponse(
            endpoint, "markets", f"expected an array, got {type(entries).__name__}"
        )
    cursor = payload.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise MalformedResponse(
            endpoint, "next_cursor", f"expected a string, got {type(cursor).__name__}"
        )

    markets: list[PolymarketMarket] = []
    skipped: list[Skipped] = []
    raw_ids: list[str] = []
    non_binary = 0
    for index, entry in enumerate(entries):
        entry_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
        raw_ids.append(entry_id)
        try:
            markets.append(parse_gamma_market(entry))
        except NotBinary:
            non_binary += 1
        except EntryError as exc:
            if strict:
                raise MalformedResponse(
                    endpoint, f"markets[{index}].{exc.field}", exc.reason
                ) from None
            skipped.append(Skipped(entry_id, exc.field, exc.reason))
    no_opinion = sum(m.yes_price is None and not m.closed for m in markets)
    return GammaPage(
        tuple(markets), cursor or None, tuple(skipped), non_binary, tuple(raw_ids), no_opinion
    )
