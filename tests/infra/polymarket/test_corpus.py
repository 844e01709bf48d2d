"""Every real captured Gamma keyset answer (tests/corpus/gamma) parses with the bot's parser,
and what it makes of each entry matches an independent reading of the raw JSON."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest

from infra.polymarket.wire import parse_gamma_market, parse_gamma_page
from tests.corpus_data import GAMMA, GAMMA_FILES, gamma

# The capturer's manifest (tests/corpus/gamma/README.md): the files are its bytes, unchanged.
SHA256 = {
    "markets-keyset-limit-1.json": (
        "6b52f9a15056c5665cbf2a06fefcc64362538765c5f6c9015eaee80a57a98f03"
    ),
    "resolved-markets-keyset-limit-1.json": (
        "0b7639d0798216cd4b236718f10da51d4d84e1bbac0218372bd364c2fb7bfe7d"
    ),
}


def test_the_corpus_is_the_captured_bytes() -> None:
    assert {
        name: hashlib.sha256((GAMMA / name).read_bytes()).hexdigest() for name in GAMMA_FILES
    } == SHA256


def _yes_index(raw: dict[str, Any]) -> int:
    return [label.lower() for label in json.loads(raw["outcomes"])].index("yes")


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.mark.parametrize("name", GAMMA_FILES)
def test_every_entry_reads_as_its_raw_json(name: str) -> None:
    body = gamma(name)
    page = parse_gamma_page(f"corpus {name}", body, strict=True)
    assert page.next_cursor == body["next_cursor"]
    assert len(page.markets) == len(body["markets"])
    for market, raw in zip(page.markets, body["markets"], strict=True):
        yes = _yes_index(raw)
        prices = [Decimal(price) for price in json.loads(raw["outcomePrices"])]
        tokens = json.loads(raw["clobTokenIds"])
        live = not raw["closed"] and raw.get("umaResolutionStatus") != "resolved"
        actual = (
            market.id,
            market.question,
            market.yes_token_id,
            market.no_token_id,
            market.closed,
            market.volume,
            market.yes_price,
            market.no_price,
            market.best_bid,
            market.best_ask,
        )
        expected = (
            raw["id"],
            raw["question"],
            tokens[yes],
            tokens[1 - yes],
            raw["closed"],
            Decimal(raw["volume"]),
            prices[yes] if live else None,
            prices[1 - yes] if live else None,
            _number(raw["bestBid"]) if live else None,
            _number(raw["bestAsk"]) if live else None,
        )
        assert actual == expected


def test_a_resolved_market_is_never_a_live_price() -> None:
    """Its outcome prices are the resolution (0 / 1) and its cached bid and ask stale."""
    raw = gamma("resolved-markets-keyset-limit-1.json")["markets"][0]
    assert (raw["closed"], raw["bestBid"], raw["bestAsk"]) == (True, 0, 1)
    market = parse_gamma_market(raw)
    assert (market.yes_price, market.no_price, market.best_bid, market.best_ask) == (None,) * 4


# Hand-written variations of the real open entry (not evidence of the venue: the shapes were
# seen in real keyset pages, issue 18, but no public capture holds them).


def _open_entry(**changes: Any) -> dict[str, Any]:
    return {**gamma("markets-keyset-limit-1.json")["markets"][0], **changes}


def test_prices_finer_than_the_stored_unit_are_rounded_not_refused() -> None:
    market = parse_gamma_market(
        _open_entry(
            outcomePrices='["0.9999997005287313540028152153997362", "0.0000002994712686"]',
            bestBid=Decimal("0.4999995"),
            bestAsk=Decimal("0.5100001"),
        )
    )
    assert (market.yes_price, market.no_price) == (Decimal("1.000000"), Decimal("0.000000"))
    assert (market.best_bid, market.best_ask) == (Decimal("0.499999"), Decimal("0.510001"))


@pytest.mark.parametrize("prices", ['["0", "0"]', '["0.9", "0.9"]', '["0.2", "0.3"]'])
def test_prices_that_are_no_probabilities_of_one_question_are_no_opinion(prices: str) -> None:
    body = gamma("markets-keyset-limit-1.json")
    body["markets"] = [_open_entry(outcomePrices=prices)]
    page = parse_gamma_page("hand-written", body, strict=True)
    (market,) = page.markets
    assert (market.yes_price, market.no_price, page.no_opinion) == (None, None, 1)
