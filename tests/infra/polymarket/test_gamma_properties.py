"""Property test: any Gamma page parses into bounded markets (the rest quarantined), or is
refused whole as a MalformedResponse when its envelope is broken."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.db.types import storable
from infra.kalshi.errors import MalformedResponse
from infra.polymarket.wire import MAX_SIZE, parse_gamma_page
from tests.infra.kalshi.test_wire_properties import HOSTILE
from tests.infra.polymarket.test_gamma import gamma_market

EXAMPLES = 80
EP = "GET /markets/keyset"
KEYS = sorted(gamma_market())

# Gamma's JSON-in-JSON fields, made hostile as text too (B3.2).
EMBEDDED = st.one_of(
    st.lists(HOSTILE, max_size=3).map(lambda items: json.dumps(items, default=str)),
    st.sampled_from(['["Yes", "No"]', '["1.5", "-0.5"]', '["0.5000001", "0.4999999"]', "[[[[", ""]),
    st.integers(min_value=1, max_value=300).map(
        lambda depth: "[" * depth * 300 + "]" * depth * 300
    ),
)


def mutated_entry() -> st.SearchStrategy[Any]:
    change = st.tuples(
        st.sampled_from(KEYS),
        st.one_of(HOSTILE, EMBEDDED),
    )

    def apply(changes: list[tuple[str, Any]]) -> Any:
        entry = gamma_market()
        for key, value in changes:
            entry[key] = value
        return entry  # numbers already as the transport decodes them (Decimal, int)

    return st.lists(change, min_size=1, max_size=3).map(apply)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=st.lists(st.one_of(mutated_entry(), HOSTILE), max_size=4),
    cursor=st.one_of(st.none(), st.text(max_size=5), st.integers()),
)
def test_gamma_pages_parse_within_bounds_or_are_refused(entries: list[Any], cursor: Any):
    try:
        page = parse_gamma_page(EP, {"markets": entries, "next_cursor": cursor})
    except MalformedResponse as exc:
        refused: MalformedResponse | None = exc
    else:
        refused = None
    if refused is not None:
        assert refused.endpoint == EP
        return
    assert len(page.markets) + len(page.skipped) + page.non_binary == len(entries)
    for market in page.markets:
        for price in (market.yes_price, market.no_price, market.best_bid, market.best_ask):
            if price is not None:
                assert Decimal(0) <= price <= 1
        assert storable(market.yes_price, "micros") is None
        assert storable(market.no_price, "micros") is None
        assert Decimal(0) <= market.volume <= MAX_SIZE
