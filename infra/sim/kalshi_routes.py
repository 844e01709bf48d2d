"""Kalshi Trade API v2 routes (under /trade-api/v2), current wire format."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from domain.money import ZERO
from infra.sim.engine import Exchange
from infra.sim.faults import unparsable
from infra.sim.httptypes import Context, Kind, Response, Route, json_response
from infra.sim.kalshi_json import (
    balance_json,
    event_json,
    event_positions_json,
    fill_json,
    market_json,
    order_json,
    orderbook_json,
    position_json,
    series_json,
    settlement_json,
    trade_json,
)
from infra.sim.models import EventState, Fill, MarketState, Order, PositionState, Settlement, Status
from infra.sim.orders import parse_order
from infra.sim.paging import (
    after_cursor,
    after_text_cursor,
    ascending_page,
    before_cursor,
    descending_page,
    maybe_truncate,
    restart_cursor,
    text_page,
)
from infra.sim.paths import KALSHI_PREFIX
from infra.sim.ratelimit import BucketKind
from infra.sim.wire import (
    ApiError,
    bad_request,
    count,
    dollars,
    not_found,
    parse_bool,
    parse_int,
    parse_limit,
)

# GET /markets `status` filter -> Market.status values it selects.
MARKET_FILTERS: dict[str, frozenset[Status]] = {
    "unopened": frozenset({Status.INITIALIZED}),
    "open": frozenset({Status.ACTIVE, Status.INACTIVE}),
    "paused": frozenset(),
    "closed": frozenset({Status.CLOSED, Status.DETERMINED, Status.DISPUTED, Status.AMENDED}),
    "settled": frozenset({Status.FINALIZED}),
}
_TS_FAMILIES = {
    "created": ({"unopened", "open"}, "min_created_ts", "max_created_ts"),
    "close": ({"closed"}, "min_close_ts", "max_close_ts"),
    "settled": ({"settled"}, "min_settled_ts", "max_settled_ts"),
}
_ORDER_STATUSES = {"resting", "canceled", "executed"}
_FOUR = Decimal("0.0001")


def _csv(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]


def _in_range(value: float | None, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


class KalshiRoutes:
    """Handlers bound to one exchange."""

    def __init__(self, exchange: Exchange, cancel_cost: int) -> None:
        self.exchange = exchange
        self.cancel_cost = cancel_cost

    def routes(self) -> list[Route]:
        p = KALSHI_PREFIX
        public, private = Kind.PUBLIC, Kind.PRIVATE
        write = BucketKind.WRITE
        return [
            Route("GET", f"{p}/exchange/status", self.exchange_status, public),
            Route("GET", f"{p}/markets", self.list_markets, public),
            Route("GET", f"{p}/markets/trades", self.list_trades, public),
            Route("GET", f"{p}/markets/{{ticker}}", self.get_market, public),
            Route("GET", f"{p}/markets/{{ticker}}/orderbook", self.get_orderbook, public),
            Route("GET", f"{p}/events", self.list_events, public),
            Route("GET", f"{p}/events/{{event_ticker}}", self.get_event, public),
            Route("GET", f"{p}/series", self.list_series, public),
            Route("GET", f"{p}/series/{{series_ticker}}", self.get_series, public),
            Route("GET", f"{p}/account/limits", self.account_limits, private),
            Route("GET", f"{p}/portfolio/balance", self.balance, private),
            Route("GET", f"{p}/portfolio/positions", self.positions, private),
            Route("GET", f"{p}/portfolio/orders", self.list_orders, private),
            Route("GET", f"{p}/portfolio/orders/{{order_id}}", self.get_order, private),
            Route("GET", f"{p}/portfolio/fills", self.fills, private),
            Route("GET", f"{p}/portfolio/settlements", self.settlements, private),
            Route(
                "POST",
                f"{p}/portfolio/events/orders",
                self.create_order,
                private,
                write,
                creates_order=True,
            ),
            Route(
                "DELETE",
                f"{p}/portfolio/events/orders/{{order_id}}",
                self.cancel_order,
                private,
                write,
                self.cancel_cost,
            ),
            # Legacy V1 mutations: deprecated since June 2026, billed at 10x.
            Route("POST", f"{p}/portfolio/orders", self.deprecated_v1, private, write, 100),
            Route(
                "DELETE",
                f"{p}/portfolio/orders/{{order_id}}",
                self.deprecated_v1,
                private,
                write,
                20,
            ),
        ]

    # -- exchange and markets ----------------------------------------------------------------

    def exchange_status(self, _ctx: Context) -> Response:
        return json_response(
            {
                "exchange_active": True,
                "trading_active": True,
                "exchange_estimated_resume_time": None,
                "intra_exchange_transfers_active": True,
                "exchange_index_statuses": [
                    {
                        "exchange_index": 0,
                        "description": "simulated exchange",
                        "exchange_active": True,
                        "trading_active": True,
                        "intra_exchange_transfers_active": True,
                    }
                ],
            }
        )

    def _market_filter(self, ctx: Context) -> Callable[[MarketState], bool]:
        """Build the GET /markets predicate, enforcing Kalshi's filter-compatibility rules."""
        q = ctx.request.query
        status = ctx.request.param("status") or None
        if status is not None and status not in MARKET_FILTERS:
            raise bad_request(
                f"invalid status filter {status!r}: give exactly one of open, "
                "closed, settled, unopened, paused"
            )
        families = {
            name: (parse_int(q, low_name), parse_int(q, high_name), allowed)
            for name, (allowed, low_name, high_name) in _TS_FAMILIES.items()
        }
        used = [name for name, (low, high, _) in families.items() if (low, high) != (None, None)]
        if len(used) > 1:
            raise bad_request("timestamp filters of different kinds cannot be combined")
        if used and status is not None and status not in families[used[0]][2]:
            raise bad_request(
                f"{used[0]} timestamp filters are not compatible with status={status}"
            )
        statuses = MARKET_FILTERS[status] if status else None
        series = ctx.request.param("series_ticker") or None
        bounds = families[used[0]][:2] if used else (None, None)
        family = used[0] if used else ""

        def stamp(market: MarketState) -> float | None:
            if family == "created":
                return market.created_ts
            if family == "close":
                return market.close_ts
            return market.settled_ts

        def keep(market: MarketState) -> bool:
            if statuses is not None and market.status not in statuses:
                return False
            if series is not None and market.series_ticker != series:
                return False
            return not family or _in_range(stamp(market), *bounds)

        return keep

    def _market_source(self, ctx: Context) -> Iterable[MarketState]:
        exchange = self.exchange
        tickers = _csv(ctx.request.param("tickers"))
        event_ticker = ctx.request.param("event_ticker")
        if tickers:
            found = (exchange.markets_by_ticker.get(t) for t in tickers)
            return sorted((m for m in found if m is not None), key=lambda m: m.seq)
        if event_ticker:
            event = exchange.events_by_ticker.get(event_ticker)
            if event is None:
                return []
            return [exchange.markets_by_ticker[t] for t in event.market_tickers]
        return exchange.markets

    def list_markets(self, ctx: Context) -> Response:
        q = ctx.request.query
        limit = parse_limit(q, default=100, maximum=1000, allow_zero=True)
        after = after_cursor(ctx, "markets")
        mve = ctx.request.param("mve_filter")
        if mve not in {None, "", "only", "exclude"}:
            raise bad_request("mve_filter must be 'only' or 'exclude'")
        matches = self._market_filter(ctx)

        def keep(market: MarketState) -> bool:  # A5.2 mve_filter: combo markets only or none
            if mve == "only" and not market.is_combo:
                return False
            return not (mve == "exclude" and market.is_combo) and matches(market)

        with self.exchange.synced() as ex:
            source = self._market_source(ctx)
            if after and source is ex.markets:
                source = ex.markets[after:]  # seq n lives at index n - 1
            page, cursor = ascending_page(
                (m for m in source if keep(m)),
                limit=limit,
                key=lambda m: m.seq,
                kind="markets",
                after=after,
            )
            items = [market_json(ex, m) for m in page]
        items = unparsable(items, ctx.fault.unparsable_markets)
        items, cursor = maybe_truncate(ctx, items, cursor, restart_cursor("markets"))
        return json_response({"markets": items, "cursor": cursor})

    def get_market(self, ctx: Context) -> Response:
        with self.exchange.synced() as ex:
            return json_response({"market": market_json(ex, ex.market(ctx.params["ticker"]))})

    def list_trades(self, ctx: Context) -> Response:
        """A5.15 public trades, newest first; `ticker`, `min_ts`, `max_ts`, `limit` 1..1000."""
        q = ctx.request.query
        limit = parse_limit(q, default=100, maximum=1000)
        before = before_cursor(ctx, "trades")
        ticker = ctx.request.param("ticker") or None
        low, high = parse_int(q, "min_ts"), parse_int(q, "max_ts")
        with self.exchange.synced() as ex:
            trades = [
                t
                for t in ex.trades
                if (ticker is None or t.ticker == ticker) and _in_range(t.ts, low, high)
            ]
            page, cursor = descending_page(
                trades, limit=limit, key=lambda t: t.seq, kind="trades", before=before
            )
            items = [trade_json(t) for t in page]
        restart = restart_cursor("trades", descending=True)
        items, cursor = maybe_truncate(ctx, items, cursor, restart)
        return json_response({"trades": items, "cursor": cursor})

    def get_orderbook(self, ctx: Context) -> Response:
        depth = parse_int(ctx.request.query, "depth") or 0
        if depth > 100:
            raise bad_request("depth must be between 0 and 100")
        with self.exchange.synced() as ex:
            return json_response(orderbook_json(ex, ex.market(ctx.params["ticker"]), depth))

    # -- events and series -------------------------------------------------------------------

    def _event_status(self, event: EventState) -> str:
        statuses = [self.exchange.markets_by_ticker[t].status for t in event.market_tickers]
        if any(s.listed_open for s in statuses):
            return "open"
        if all(s is Status.FINALIZED for s in statuses):
            return "settled"
        return "closed"

    def list_events(self, ctx: Context) -> Response:
        q = ctx.request.query
        limit = parse_limit(q, default=200, maximum=200)
        after = after_cursor(ctx, "events")
        nested = parse_bool(q, "with_nested_markets")
        status = ctx.request.param("status") or None
        if status is not None and status not in {"unopened", "open", "closed", "settled"}:
            raise bad_request(f"invalid status filter {status!r}")
        series = ctx.request.param("series_ticker") or None
        wanted = set(_csv(ctx.request.param("tickers")))
        min_close = parse_int(q, "min_close_ts")

        def keep(event: EventState) -> bool:
            if event.multivariate:  # A5.6: under /events/multivariate (not served)
                return False
            if series is not None and event.series_ticker != series:
                return False
            if wanted and event.event_ticker not in wanted:
                return False
            if min_close is not None and event.strike_ts < min_close:
                return False
            return status is None or self._event_status(event) == status

        with self.exchange.synced() as ex:
            page, cursor = ascending_page(
                (e for e in ex.events[after:] if keep(e)),
                limit=limit,
                key=lambda e: e.seq,
                kind="events",
                after=after,
            )
            items = [event_json(ex, e, nested=nested) for e in page]
        items, cursor = maybe_truncate(ctx, items, cursor, restart_cursor("events"))
        return json_response({"events": items, "cursor": cursor})

    def get_event(self, ctx: Context) -> Response:
        nested = parse_bool(ctx.request.query, "with_nested_markets")
        with self.exchange.synced() as ex:
            event = ex.events_by_ticker.get(ctx.params["event_ticker"])
            if event is None:
                raise not_found(f"event {ctx.params['event_ticker']} not found")
            markets = [market_json(ex, ex.markets_by_ticker[t]) for t in event.market_tickers]
            return json_response(
                {"event": event_json(ex, event, nested=nested), "markets": markets}
            )

    def list_series(self, ctx: Context) -> Response:
        category = ctx.request.param("category")
        items = [
            series_json(self.exchange, s)
            for s in self.exchange.series.values()
            if not category or s.category == category
        ]
        return json_response({"series": items})

    def get_series(self, ctx: Context) -> Response:
        series = self.exchange.series.get(ctx.params["series_ticker"])
        if series is None:
            raise not_found(f"series {ctx.params['series_ticker']} not found")
        return json_response({"series": series_json(self.exchange, series)})

    # -- portfolio ---------------------------------------------------------------------------

    def account_limits(self, _ctx: Context) -> Response:
        """A6 / SDK 3.34 GetAccountApiLimitsResponse: integer token rates (a fractional sim
        rate is reported floored, the safe side for a client that paces itself by it, and at
        least 1) and the account's usage-level grants (none: every sim account is Basic)."""
        config = self.exchange.config

        def whole(value: float) -> int:
            return max(1, math.floor(value))

        return json_response(
            {
                "usage_tier": "basic",
                "grants": [],
                "read": {
                    "refill_rate": whole(config.read_rate),
                    "bucket_capacity": whole(config.read_burst),
                },
                "write": {
                    "refill_rate": whole(config.write_rate),
                    "bucket_capacity": whole(config.write_burst),
                },
            }
        )

    def _key(self, ctx: Context) -> str:
        if ctx.key_id is None:  # routes marked private always authenticate first
            raise ApiError(401, "authentication_error", "authentication error", "MISSING_AUTH")
        return ctx.key_id

    def balance(self, ctx: Context) -> Response:
        with self.exchange.synced() as ex:
            return json_response(balance_json(ex, ex.account(self._key(ctx))))

    def positions(self, ctx: Context) -> Response:
        q = ctx.request.query
        limit = parse_limit(q, default=100, maximum=1000)
        after = after_text_cursor(ctx, "positions")
        settlement = ctx.request.param("settlement_status") or "unsettled"
        if settlement not in {"unsettled", "settled", "all"}:
            raise bad_request("settlement_status must be unsettled, settled or all")
        count_filter = set(_csv(ctx.request.param("count_filter")))
        if not count_filter <= {"position", "total_traded"}:
            raise bad_request("count_filter accepts position and total_traded")
        ticker = ctx.request.param("ticker") or None
        event_ticker = ctx.request.param("event_ticker") or None

        def keep(p: PositionState) -> bool:
            if settlement != "all" and p.settled != (settlement == "settled"):
                return False
            if ticker is not None and p.ticker != ticker:
                return False
            if event_ticker is not None and p.event_ticker != event_ticker:
                return False
            if "position" in count_filter and p.position == 0:
                return False
            return not ("total_traded" in count_filter and p.traded == 0)

        with self.exchange.synced() as ex:
            account = ex.account(self._key(ctx))
            page, cursor = text_page(
                [p for p in account.positions.values() if keep(p)],
                limit=limit,
                key=lambda p: p.ticker,
                kind="positions",
                after=after,
            )
            page, cursor = maybe_truncate(ctx, page, cursor, restart_cursor("positions", text=True))
            return json_response(
                {
                    "market_positions": [position_json(p) for p in page],
                    "event_positions": event_positions_json(page),
                    "cursor": cursor,
                }
            )

    def list_orders(self, ctx: Context) -> Response:
        q = ctx.request.query
        limit = parse_limit(q, default=100, maximum=1000)
        before = before_cursor(ctx, "orders")
        status = ctx.request.param("status") or None
        if status is not None and status not in _ORDER_STATUSES:
            raise bad_request("status must be resting, canceled or executed")
        ticker = ctx.request.param("ticker") or None
        events = set(_csv(ctx.request.param("event_ticker")))
        if len(events) > 10:
            raise bad_request("at most 10 event tickers")
        low, high = parse_int(q, "min_ts"), parse_int(q, "max_ts")

        with self.exchange.synced() as ex:

            def keep(o: Order) -> bool:
                if status is not None and o.status != status:
                    return False
                if ticker is not None and o.ticker != ticker:
                    return False
                if events and ex.markets_by_ticker[o.ticker].event_ticker not in events:
                    return False
                return _in_range(o.created_ts, low, high)

            account = ex.account(self._key(ctx))
            page, cursor = descending_page(
                [o for o in account.orders if keep(o)],
                limit=limit,
                key=lambda o: o.seq,
                kind="orders",
                before=before,
            )
            items = [order_json(o) for o in page]
        items, cursor = maybe_truncate(
            ctx, items, cursor, restart_cursor("orders", descending=True)
        )
        return json_response({"orders": items, "cursor": cursor})

    def get_order(self, ctx: Context) -> Response:
        with self.exchange.synced() as ex:
            account = ex.account(self._key(ctx))
            order = ex.orders_by_id.get(ctx.params["order_id"])
            if order is None or order.account != account.key_id:
                raise not_found(f"order {ctx.params['order_id']} not found")
            return json_response({"order": order_json(order)})

    def fills(self, ctx: Context) -> Response:
        q = ctx.request.query
        limit = parse_limit(q, default=100, maximum=1000)
        before = before_cursor(ctx, "fills")
        tickers = set(_csv(ctx.request.param("ticker")))
        order_id = ctx.request.param("order_id") or None
        low, high = parse_int(q, "min_ts"), parse_int(q, "max_ts")

        def keep(f: Fill) -> bool:
            if tickers and f.ticker not in tickers:
                return False
            if order_id is not None and f.order_id != order_id:
                return False
            return _in_range(f.ts, low, high)

        with self.exchange.synced() as ex:
            account = ex.account(self._key(ctx))
            page, cursor = descending_page(
                [f for f in account.fills if keep(f)],
                limit=limit,
                key=lambda f: f.seq,
                kind="fills",
                before=before,
            )
            reading = ctx.fault.fee_cost_without_rounding
            items = [fill_json(f, without_rounding=reading) for f in page]
        items, cursor = maybe_truncate(ctx, items, cursor, restart_cursor("fills", descending=True))
        return json_response({"fills": items, "cursor": cursor})

    def settlements(self, ctx: Context) -> Response:
        q = ctx.request.query
        limit = parse_limit(q, default=100, maximum=1000)
        before = before_cursor(ctx, "settlements")
        ticker = ctx.request.param("ticker") or None
        event_ticker = ctx.request.param("event_ticker") or None
        low, high = parse_int(q, "min_ts"), parse_int(q, "max_ts")

        def keep(s: Settlement) -> bool:
            if ticker is not None and s.ticker != ticker:
                return False
            if event_ticker is not None and s.event_ticker != event_ticker:
                return False
            return _in_range(s.settled_ts, low, high)

        with self.exchange.synced() as ex:
            account = ex.account(self._key(ctx))
            page, cursor = descending_page(
                [s for s in account.settlements if keep(s)],
                limit=limit,
                key=lambda s: s.seq,
                kind="settlements",
                before=before,
            )
            items = [settlement_json(s) for s in page]
        items, cursor = maybe_truncate(
            ctx, items, cursor, restart_cursor("settlements", descending=True)
        )
        return json_response({"settlements": items, "cursor": cursor})

    # -- order entry -------------------------------------------------------------------------

    def create_order(self, ctx: Context) -> Response:
        request = parse_order(ctx.request.json())
        order, fills = self.exchange.place(self._key(ctx), request)
        body: dict[str, Any] = {
            "order_id": order.order_id,
            "client_order_id": order.client_order_id,
            "fill_count": count(order.filled),
            "remaining_count": count(order.remaining),
            "ts_ms": int(order.created_ts * 1000),
        }
        filled = sum((f.count for f in fills), ZERO)
        if filled > 0:
            notional = sum((f.count * f.yes_cents for f in fills), ZERO) / 100
            fees = sum((f.fee for f in fills), ZERO)
            body["average_fill_price"] = dollars(
                (notional / filled).quantize(_FOUR, ROUND_HALF_EVEN)
            )
            body["average_fee_paid"] = dollars((fees / filled).quantize(_FOUR, ROUND_HALF_EVEN))
        return json_response(body, 201)

    def cancel_order(self, ctx: Context) -> Response:
        order, reduced = self.exchange.cancel(self._key(ctx), ctx.params["order_id"])
        return json_response(
            {
                "order_id": order.order_id,
                "client_order_id": order.client_order_id,
                "reduced_by": count(reduced),
                "ts_ms": int(order.updated_ts * 1000),
            }
        )

    def deprecated_v1(self, _ctx: Context) -> Response:
        raise ApiError(
            400,
            "deprecated_v1_order_endpoint",
            "Please switch to the V2 endpoints",
            "use POST/DELETE /portfolio/events/orders",
        )
