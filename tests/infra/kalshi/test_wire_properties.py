"""Property tests: any answer either parses into values within bounds, or raises MalformedResponse.

Each test starts from a real-shaped record (current and legacy eras) and overwrites or drops a
few of its fields with hostile values: huge and negative numbers, too many decimals, wrong
types, nesting, text. Whatever comes back must be storable (micro-dollars, centi-contracts,
64-bit) and within the configured ceilings; anything else must be a MalformedResponse.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from infra.db.types import storable
from infra.kalshi import wire
from infra.kalshi.bounds import WireBounds
from infra.kalshi.errors import MalformedResponse
from infra.kalshi.fields import Fields
from tests.infra.kalshi import payloads as p

EXAMPLES = 60  # per parser; the suite stays fast (see PROPERTY_CASES in the report)
BOUNDS = WireBounds()
EP = "GET /property"

PRICES = {"yes_bid", "yes_ask", "no_bid", "no_ask", "last_price", "yes_price", "no_price"}
COUNTS = {
    "volume",
    "volume_24h",
    "open_interest",
    "count",
    "fill_count",
    "remaining_count",
    "initial_count",
    "position",
    "yes_count",
    "no_count",
}
SIGNED = {"position", "realized_pnl"}
# Sums of two bounded wire fields (taker + maker, fill + remaining) may reach twice a ceiling.
CEILING_SLACK = 2


def decimal_text() -> st.SearchStrategy[str]:
    """Fixed-point text with any sign, size and number of decimals."""
    return st.builds(
        lambda sign, whole, fraction: f"{sign}{whole}{'.' + fraction if fraction else ''}",
        st.sampled_from(["", "-"]),
        st.integers(min_value=0, max_value=10**31).map(str),
        st.text("0123456789", max_size=9),
    )


HOSTILE: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**31), max_value=10**31),
    decimal_text(),
    st.decimals(allow_nan=False, allow_infinity=False, places=8),
    st.text(max_size=12),
    st.sampled_from(["NaN", "Infinity", "1e30", "", " ", "0x10", "9999-12-31T23:59:59-05:00"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def mutated(base: dict[str, Any], extra_keys: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """`base` with one to three fields replaced by hostile values or removed."""
    keys = st.sampled_from(sorted(set(base) | set(extra_keys)))
    change = st.tuples(keys, st.one_of(HOSTILE, st.just(_DROP)))

    def apply(changes: list[tuple[str, Any]]) -> dict[str, Any]:
        record = p.copy_of(base)
        for key, value in changes:
            if value is _DROP:
                record.pop(key, None)
            else:
                record[key] = value
        return record

    return st.lists(change, min_size=1, max_size=3).map(apply)


_DROP = object()


def assert_within_bounds(model: BaseModel) -> None:
    """Every amount is storable and within its bounds."""
    for name, value in model.model_dump().items():
        if isinstance(value, dict):
            continue
        if isinstance(value, tuple | list):
            for item in value:
                if isinstance(item, dict):
                    assert_values(item)
            continue
        check(name, value)


def assert_values(values: dict[str, Any]) -> None:
    for name, value in values.items():
        check(name, value)


def check(name: str, value: Any) -> None:
    if not isinstance(value, Decimal):
        return
    unit = "centis" if name in COUNTS else "micros"
    assert storable(value, unit) is None, (name, value)
    if name in PRICES or name == "price":
        assert 0 <= value <= 1, (name, value)
        return
    if name not in SIGNED:
        assert value >= 0, (name, value)
    ceiling = BOUNDS.max_market_contracts if name in COUNTS else BOUNDS.max_dollars
    assert abs(value) <= ceiling * CEILING_SLACK, (name, value)


def either_bounded_or_malformed(parse: Callable[[], BaseModel]) -> None:
    try:
        model = parse()
    except MalformedResponse:
        return
    assert_within_bounds(model)


def record(data: Any) -> Fields:
    return Fields(EP, data, "x", BOUNDS)


PROPERTY = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

RECORD_PARSERS: list[tuple[str, Callable[[Fields], BaseModel], dict[str, Any], tuple[str, ...]]] = [
    ("market", wire.parse_market, p.market(), ("volume", "yes_bid", "last_price")),
    ("legacy market", wire.parse_market, p.legacy_market(), ("volume_fp", "yes_bid_dollars")),
    ("order", wire.parse_order, p.order(), ("yes_price", "fill_count")),
    ("legacy order", wire.parse_order, p.LEGACY_ORDER, ("yes_price_dollars",)),
    ("fill", wire.parse_fill, p.FILL_CURRENT, ("yes_price_fixed", "count")),
    ("legacy fill", wire.parse_fill, p.FILL_LEGACY, ("no_price_fixed", "count_fp")),
    ("position", wire.parse_position, p.POSITION_CURRENT, ("position", "market_exposure")),
    ("legacy position", wire.parse_position, p.POSITION_LEGACY, ("position_fp",)),
    ("settlement", wire.parse_settlement, p.SETTLEMENT_CURRENT, ("revenue_dollars",)),
    ("legacy settlement", wire.parse_settlement, p.SETTLEMENT_LEGACY, ("yes_count_fp",)),
]


@pytest.mark.parametrize(
    ("parse", "base", "extra"),
    [pytest.param(parse, base, extra, id=name) for name, parse, base, extra in RECORD_PARSERS],
)
def test_records_parse_within_bounds_or_are_malformed(
    parse: Callable[[Fields], BaseModel], base: dict[str, Any], extra: tuple[str, ...]
):
    @PROPERTY
    @given(data=mutated(base, extra))
    def run(data: dict[str, Any]) -> None:
        either_bounded_or_malformed(lambda: parse(record(data)))

    run()


@PROPERTY
@given(data=mutated(p.BALANCE_CURRENT, ("portfolio_value_dollars",)))
def test_balance_within_bounds_or_malformed(data: dict[str, Any]):
    either_bounded_or_malformed(lambda: wire.parse_balance(EP, data, BOUNDS))


LEVEL = st.one_of(HOSTILE, st.tuples(HOSTILE, HOSTILE).map(list))


@PROPERTY
@given(
    yes=st.lists(LEVEL, max_size=3),
    no=st.lists(LEVEL, max_size=3),
    shape=st.sampled_from(["orderbook_fp", "legacy_cents", "legacy_dollars"]),
)
def test_orderbook_within_bounds_or_malformed(yes: list[Any], no: list[Any], shape: str):
    if shape == "orderbook_fp":
        payload: dict[str, Any] = {"orderbook_fp": {"yes_dollars": yes, "no_dollars": no}}
    elif shape == "legacy_cents":
        payload = {"orderbook": {"yes": yes, "no": no}}
    else:
        payload = {"orderbook": {"yes_dollars": yes, "no_dollars": no}}

    def parse() -> BaseModel:
        book = wire.parse_orderbook(EP, payload, "T", BOUNDS)
        for level in (*book.yes_bids, *book.no_bids):
            assert 0 < level.price < 1
            assert storable(level.price, "micros") is None
            assert storable(level.count, "centis") is None
            assert 0 <= level.count <= BOUNDS.max_market_contracts
        return book

    either_bounded_or_malformed(parse)


@PROPERTY
@given(markets=st.lists(st.one_of(mutated(p.market(), ("volume",)), HOSTILE), max_size=4))
def test_market_page_keeps_good_records_and_quarantines_the_rest(markets: list[Any]):
    page = wire.parse_page(
        EP, {"markets": markets, "cursor": ""}, "markets", wire.parse_market, quarantine=True
    )
    assert len(page.items) + len(page.quarantined) == len(markets)
    for market in page.items:
        assert_within_bounds(market)
    for bad in page.quarantined:
        assert bad.endpoint == EP
        assert bad.field.startswith("markets[")
