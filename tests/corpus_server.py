"""A loopback server replaying the real captured answers of tests/corpus by request path.

It serves Kalshi's public endpoints under `/trade-api/v2` and Gamma's `/markets/keyset` at the
root, the way the paper venue asks for them (`--venue paper --data-url
http://127.0.0.1:PORT/trade-api/v2`, with Gamma at that origin). Records go out as captured.
Some records reached the corpus without the body that listed them (a nested event's markets,
say); for those, the envelope around them (`{"markets": [...], "cursor": ""}`, `{"event": ...}`)
is written here, and each route says so. A path the corpus has no answer for is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from tests.corpus_data import (
    GAMMA,
    KALSHI,
    SERIES_FILES,
    book_records,
    kalshi,
    market_records,
)
from tests.infra.kalshi.recording_server import Recorded, RecordingServer, Reply

# Whole bodies the corpus holds for one market (otherwise the record is wrapped here).
MARKET_BODIES = {
    "KXMVENFLSINGLEGAME-S202513E70FA7695-688BECB3826": "starter/market-combo.json",
    "KXNCAAFGAME-26SEP19MSUND-ND": "cockpit/market-KXNCAAFGAME-26SEP19MSUND-ND.json",
}
EVENT_BODIES = {"KXELONMARS-99": "starter/event-KXELONMARS-99.json"}
NESTED_EVENTS = ("cockpit/events-sports-nested.json", "cockpit/events-nfl-preseason.json")


def is_combo(raw: dict[str, Any]) -> bool:
    """The venue's own `mve_filter=exclude` criterion: the market names a collection."""
    return bool(raw.get("mve_collection_ticker"))


def listed_markets() -> list[dict[str, Any]]:
    """Every market record once (the first copy the corpus holds of each ticker)."""
    seen: dict[str, dict[str, Any]] = {}
    for _, raw in market_records():
        seen.setdefault(raw["ticker"], raw)
    return list(seen.values())


def _bytes(path: str) -> Reply:
    return Reply(200, (KALSHI / path).read_bytes())


def _json(body: Any) -> Reply:
    """Records re-encoded: a JSON number read as Decimal goes out as the same shortest text."""
    return Reply(200, json.dumps(body, default=float).encode())


def _markets(request: Recorded) -> Reply:
    """GET /markets, filtered as the venue filters (`status=open` lists `active` markets),
    on one page (envelope written here: no capture holds two consecutive pages)."""
    markets = listed_markets()
    if request.param("status") == "open":
        markets = [m for m in markets if m["status"] == "active"]
    if request.param("mve_filter") == "exclude":
        markets = [m for m in markets if not is_combo(m)]
    if tickers := request.param("tickers"):
        markets = [m for m in markets if m["ticker"] in tickers.split(",")]
    return _json({"markets": markets, "cursor": ""})


def _keyset(request: Recorded) -> Reply:
    """Gamma: the captured open page, then an empty last page (written here)."""
    if request.param("after_cursor"):
        return Reply(200, {"markets": [], "next_cursor": None})
    name = (
        "resolved-markets-keyset-limit-1.json"
        if request.param("closed") == "true"
        else "markets-keyset-limit-1.json"
    )
    return Reply(200, (GAMMA / name).read_bytes())


def serve_corpus(server: RecordingServer) -> RecordingServer:
    """Route every answer of the corpus on `server` (prefix /trade-api/v2)."""
    server.route("GET", "/exchange/status", _bytes("starter/exchange-status.json"))
    server.route("GET", "/markets", _markets)
    for raw in listed_markets():
        ticker = raw["ticker"]
        body = MARKET_BODIES.get(ticker)
        server.route(
            "GET",
            f"/markets/{ticker}",
            _bytes(body) if body else _json({"market": raw}),
        )
    for _, ticker, book in book_records():
        server.route("GET", f"/markets/{ticker}/orderbook", _json(book))
    for event, body in EVENT_BODIES.items():
        server.route("GET", f"/events/{event}", _bytes(body))
    for name in NESTED_EVENTS:
        for event in kalshi(name):
            server.route("GET", f"/events/{event['event_ticker']}", _json({"event": event}))
    for name in SERIES_FILES:
        series = json.loads((KALSHI / name).read_bytes())["series"]
        server.route("GET", f"/series/{series['ticker']}", _bytes(name))
    server.route("GET", "/markets/keyset", _keyset)
    return server
