"""Polymarket Gamma catalogue routes, served at the server root.

`GET /markets/keyset` pages with `after_cursor` (a `cursor=` parameter is ignored and page one
comes back, as on the real Gamma); `limit` is clamped to 1..100 (default 20).
"""

from __future__ import annotations

from typing import Any

from infra.sim.engine import Exchange
from infra.sim.gamma import GammaMarket
from infra.sim.httptypes import Context, Kind, Response, Route, json_response
from infra.sim.models import MarketState
from infra.sim.paging import maybe_truncate
from infra.sim.wire import bad_request, decode_int_cursor, encode_cursor, first, not_found

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _limit(ctx: Context) -> int:
    raw = ctx.request.param("limit")
    if not raw:
        return DEFAULT_LIMIT
    try:
        return max(1, min(MAX_LIMIT, int(raw)))
    except ValueError as exc:
        raise bad_request("limit must be an integer") from exc


def _closed_filter(ctx: Context) -> bool | None:
    raw = first(ctx.request.query, "closed")
    if raw is None or raw == "":
        return None
    return raw.lower() == "true"


class GammaRoutes:
    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/markets/keyset", self.keyset, Kind.GAMMA, None),
            Route("GET", "/markets/{market_id}", self.get_market, Kind.GAMMA, None),
            Route("GET", "/markets", self.legacy_list, Kind.GAMMA, None),
        ]

    def _matching(self, closed: bool | None) -> list[GammaMarket]:
        ex = self.exchange
        if closed is None:
            return list(ex.gamma.markets)
        return [
            m
            for m in ex.gamma.markets
            if ex.gamma.is_closed(m, self._kalshi(m), ex.now_ts) == closed
        ]

    def _kalshi(self, market: GammaMarket) -> MarketState | None:
        if market.linked_ticker is None:
            return None
        return self.exchange.markets_by_ticker.get(market.linked_ticker)

    def _json(self, market: GammaMarket) -> dict[str, Any]:
        ex = self.exchange
        return ex.gamma.to_json(market, self._kalshi(market), ex.now_ts, ex.epoch)

    def keyset(self, ctx: Context) -> Response:
        limit = _limit(ctx)
        raw = ctx.request.param("after_cursor")
        after = decode_int_cursor("gamma", raw) if raw else 0
        with self.exchange.synced():
            candidates = [m for m in self._matching(_closed_filter(ctx)) if m.id > after]
            page = candidates[:limit]
            more = len(candidates) > limit
            items = [self._json(m) for m in page]
        cursor = encode_cursor("gamma", page[-1].id) if more and page else ""
        items, cursor = maybe_truncate(ctx, items, cursor, encode_cursor("gamma", 0))
        return json_response({"markets": items, "next_cursor": cursor or None})

    def get_market(self, ctx: Context) -> Response:
        wanted = ctx.params["market_id"]
        with self.exchange.synced():
            for market in self.exchange.gamma.markets:
                if str(market.id) == wanted:
                    return json_response(self._json(market))
        raise not_found(f"market {wanted} not found")

    def legacy_list(self, ctx: Context) -> Response:
        """The deprecated offset listing: a bare array, with Gamma's deprecation headers."""
        limit = _limit(ctx)
        raw_offset = ctx.request.param("offset") or "0"
        try:
            offset = max(0, int(raw_offset))
        except ValueError as exc:
            raise bad_request("offset must be an integer") from exc
        with self.exchange.synced():
            page = self._matching(_closed_filter(ctx))[offset : offset + limit]
            items = [self._json(m) for m in page]
        response = json_response(items)
        return Response(
            status=response.status,
            body=response.body,
            headers=(
                ("deprecation", "true"),
                ("sunset", "Fri, 01 May 2026 00:00:00 GMT"),
                ("warning", '299 - "use /markets/keyset"'),
            ),
        )
