"""Kalshi Trade API v2 client: signed, rate-limited, retried where that is safe.

Reads are retried (exponential backoff, full jitter) on timeouts, connection errors, 429 and
5xx. Order creation is never blindly retried. Its contract:

- returns `OrderAck`: the order exists at the venue;
- raises `VenueRefused` / `AuthenticationError`: the venue refused it; it does not exist;
- raises `TransientError`: it was provably never processed (429 or no connection, after
  bounded retries that reuse the same client_order_id); safe to release and try later;
- raises `AmbiguousOutcome`: it may exist. After a timeout, a dropped connection, a 5xx or
  an unusable 2xx, the client looks the order up by client_order_id a few times (the venue
  is eventually consistent); found -> its ack; still not found -> AmbiguousOutcome, because
  "not found" so soon after a lost answer proves nothing. The bot keeps such an order in
  flight until reconciliation finds it (or, much later, proves its absence).

A 409 `order_already_exists` means the client_order_id is taken: the order is looked up and
returned if it is the one we sent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from loguru import logger

from domain.fees import FeeSchedule, net_fees
from domain.fold import sequence_listing
from domain.models import (
    Balance,
    FillReport,
    Market,
    OrderAck,
    OrderBook,
    OrderReport,
    PositionReport,
    PublicTrade,
    SettlementReport,
    Side,
)
from infra.kalshi import wire
from infra.kalshi.backoff import LookupPolicy, RetryPolicy
from infra.kalshi.bounds import WireBounds
from infra.kalshi.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    KalshiError,
    MalformedResponse,
    TransientError,
    VenueRefused,
    error_for_status,
    parse_error_body,
)
from infra.kalshi.fee_schedules import FeeSchedules
from infra.kalshi.fields import Fields
from infra.kalshi.models import (
    CancelAck,
    ExchangeStatus,
    KalshiEvent,
    KalshiSeries,
    MarketListing,
    SelfTradePrevention,
    TimeInForce,
)
from infra.kalshi.ratelimit import Bucket, TokenBucketLimiter, process_limiter
from infra.kalshi.signing import RequestSigner
from infra.kalshi.transport import (
    DEFAULT_TIMEOUT,
    Answer,
    HttpTransport,
    ResponseLimitExceeded,
    ResponseLimits,
    Timeout,
    Unanswered,
    decode_json,
    retrying_read,
)

PRODUCTION_URL = "https://external-api.kalshi.com/trade-api/v2"
DEMO_URL = "https://external-api.demo.kalshi.co/trade-api/v2"

MAX_MARKETS_LIMIT = 1000
MAX_PORTFOLIO_LIMIT = 1000
MAX_EVENTS_LIMIT = 200
MAX_TRADES_LIMIT = 1000
CREATE_ORDER_PATH = "/portfolio/events/orders"

T = TypeVar("T")


def _check_limit(limit: int, maximum: int) -> int:
    if not 1 <= limit <= maximum:
        raise ValueError(f"limit {limit} is outside 1..{maximum}")
    return limit


class KalshiClient:
    """Synchronous, thread-safe client of the Kalshi Trade API v2 (one per process is enough)."""

    def __init__(
        self,
        base_url: str = PRODUCTION_URL,
        signer: RequestSigner | None = None,
        limiter: TokenBucketLimiter | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        limits: ResponseLimits | None = None,
        retry: RetryPolicy | None = None,
        lookup: LookupPolicy | None = None,
        session: requests.Session | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        max_pages: int = 100_000,
        bounds: WireBounds | None = None,
    ) -> None:
        self.limiter = limiter if limiter is not None else process_limiter()
        self.bounds = bounds or WireBounds()
        self.signer = signer
        self.retry = retry or RetryPolicy()
        self.lookup = lookup or LookupPolicy()
        self.max_pages = max_pages
        self._sleep = sleeper
        self._rng = rng or random.Random()  # jitter only, never secrets
        self._http = HttpTransport(
            base_url, limiter=self.limiter, timeout=timeout, limits=limits, session=session
        )
        self._fee_schedules = FeeSchedules(self.get_event, self.get_series)
        # The last listing's markets by ticker, with a fingerprint of the record each was
        # parsed from: a record served again unchanged is not parsed again (list_markets).
        self._listed: dict[str, tuple[int, Market]] = {}

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def __repr__(self) -> str:
        return f"KalshiClient({self.base_url!r}, signer={self.signer!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KalshiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------------ plumbing

    def _auth_headers(self, method: str, path: str) -> dict[str, str]:
        if self.signer is None:
            raise AuthenticationError(
                f"{method} {path} needs credentials and none are configured: set "
                "KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH"
            )
        return self.signer.headers(method, self._http.full_path(path))

    def _send(
        self,
        method: str,
        path: str,
        *,
        auth: bool,
        bucket: Bucket,
        cost: float | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Answer:
        if auth and self.signer is None:
            self._auth_headers(method, path)  # raises: no credentials

        def send() -> Answer:
            return self._http.send(
                method,
                path,
                bucket=bucket,
                cost=cost,
                params=params,
                body=body,
                # Signed after the limiter lets the request through, so a wait never makes
                # the timestamp stale.
                sign=(lambda: self._auth_headers(method, path)) if auth else None,
            )

        answer = send()
        if auth and _stale_signature(answer):
            # The venue refused the request before acting on it, so sending it again is
            # safe (an order too). A machine that stalled between signing and the venue's
            # check signs afresh once; a second refusal means the clock is off, and stays the
            # authentication failure it is.
            logger.warning(
                "Kalshi found the signature's timestamp stale on {} {}; signing it again once",
                method,
                path,
            )
            answer = send()
        return answer

    def _decode(self, endpoint: str, answer: Answer) -> Any:
        return decode_json(endpoint, answer.content, self._http.limits.max_depth)

    def _get(
        self, path: str, params: Mapping[str, Any] | None = None, *, auth: bool = False
    ) -> Any:
        endpoint = f"GET {path}"
        return retrying_read(
            lambda: self._send("GET", path, auth=auth, bucket=Bucket.READ, params=params),
            endpoint=endpoint,
            policy=self.retry,
            sleeper=self._sleep,
            rng=self._rng,
            on_rate_limited=lambda: self.limiter.drain(Bucket.READ),
            max_depth=self._http.limits.max_depth,
        )

    def _pages(
        self,
        path: str,
        params: Mapping[str, Any],
        list_key: str,
        parse_item: Callable[[Fields], T],
        key: Callable[[T], Hashable],
        *,
        auth: bool,
        quarantine: list[wire.Quarantined] | None = None,
    ) -> Iterator[tuple[T, ...]]:
        """Every page until the cursor is empty; a repeated cursor or item is an error.

        Each page is parsed and checked completely before it is yielded. With a `quarantine`
        list, unusable records are logged, added to it, and left out instead of failing the page.
        """
        endpoint = f"GET {path}"
        seen_cursors: set[str] = set()
        seen_keys: set[Hashable] = set()
        cursor: str | None = None
        # The next page is requested as soon as this page's cursor is known, and travels while
        # this one is parsed: a scan costs round trips, not round trips plus parsing.
        with ThreadPoolExecutor(1, thread_name_prefix="kalshi-next-page") as prefetch:
            fetching = prefetch.submit(self._get, path, dict(params), auth=auth)
            for page_number in range(self.max_pages):
                payload = fetching.result()
                ahead = _next_cursor(payload)
                if ahead is not None and ahead != cursor and ahead not in seen_cursors:
                    fetching = prefetch.submit(
                        self._get, path, {**params, "cursor": ahead}, auth=auth
                    )
                page = wire.parse_page(
                    endpoint,
                    payload,
                    list_key,
                    parse_item,
                    bounds=self.bounds,
                    quarantine=quarantine is not None,
                )
                if quarantine is not None:
                    quarantine.extend(page.quarantined)
                for bad in page.quarantined:
                    logger.warning(
                        "kalshi {}: {} quarantined: field {}: {}",
                        bad.endpoint,
                        bad.ticker,
                        bad.field,
                        bad.reason,
                    )
                for index, item in enumerate(page.items):
                    item_key = key(item)
                    if item_key in seen_keys:
                        raise MalformedResponse(
                            endpoint,
                            f"{list_key}[{index}]",
                            f"{item_key!r} was already listed (page {page_number + 1}): the "
                            "pagination is repeating or unstable",
                        )
                    seen_keys.add(item_key)
                yield page.items
                if page.cursor is None:
                    return
                if page.cursor in seen_cursors or page.cursor == cursor:
                    raise MalformedResponse(
                        endpoint, "cursor", f"cursor {page.cursor!r} came back again: a loop"
                    )
                seen_cursors.add(page.cursor)
                cursor = page.cursor
        raise MalformedResponse(endpoint, "cursor", f"more than {self.max_pages} pages")

    def _all(self, pages: Iterator[tuple[T, ...]]) -> tuple[T, ...]:
        """All items, or an exception: never a partial list."""
        return tuple(item for page in pages for item in page)

    # ------------------------------------------------------------------------- public

    def get_exchange_status(self) -> ExchangeStatus:
        path = "/exchange/status"
        return wire.parse_exchange_status(f"GET {path}", self._get(path))

    def iter_market_pages(
        self,
        status: str | None = "open",
        *,
        limit: int = MAX_MARKETS_LIMIT,
        quarantine: list[wire.Quarantined] | None = None,
        parse: Callable[[Fields], Market] = wire.parse_market,
        **filters: Any,
    ) -> Iterator[tuple[Market, ...]]:
        """Market pages; a record that cannot be used is logged and left out (and added to
        `quarantine`, if given): one odd market must not blind the scanner to the others."""
        params = {"status": status, "limit": _check_limit(limit, MAX_MARKETS_LIMIT), **filters}
        return self._pages(
            "/markets",
            params,
            "markets",
            parse,
            lambda m: m.ticker,
            auth=False,
            quarantine=[] if quarantine is None else quarantine,
        )

    def iter_markets(
        self, status: str | None = "open", *, limit: int = MAX_MARKETS_LIMIT, **filters: Any
    ) -> Iterator[Market]:
        """Markets page by page (a later page may still fail; use get_all_markets for all)."""
        for page in self.iter_market_pages(status, limit=limit, **filters):
            yield from page

    def get_all_markets(
        self, status: str | None = "open", *, limit: int = MAX_MARKETS_LIMIT, **filters: Any
    ) -> tuple[Market, ...]:
        return self._all(self.iter_market_pages(status, limit=limit, **filters))

    def list_markets(
        self, status: str | None = "open", *, limit: int = MAX_MARKETS_LIMIT, **filters: Any
    ) -> MarketListing:
        """Every market, with the records the pages served that were left out (the Scanner's
        health check counts them)."""
        quarantined: list[wire.Quarantined] = []
        listed: dict[str, tuple[int, Market]] = {}

        def parse(fields: Fields) -> Market:
            """The market a record gives: the last listing's if the record is unchanged
            (most of a venue's markets are, from one scan to the next)."""
            fingerprint = wire.fingerprint(fields.data)
            ticker = fields.data.get("ticker")
            seen = self._listed.get(ticker) if isinstance(ticker, str) else None
            market = seen[1] if seen is not None and seen[0] == fingerprint else None
            if market is None:
                market = wire.parse_market(fields)
            listed[market.ticker] = (fingerprint, market)
            return market

        pages = self.iter_market_pages(
            status, limit=limit, quarantine=quarantined, parse=parse, **filters
        )
        markets = self._all(pages)
        self._listed = listed
        return MarketListing(markets, tuple(bad.field for bad in quarantined))

    def get_market(self, ticker: str) -> Market:
        path = f"/markets/{quote(ticker, safe='')}"
        return wire.parse_market_response(f"GET {path}", self._get(path), self.bounds)

    def get_orderbook(self, ticker: str, depth: int = 0) -> OrderBook:
        if not 0 <= depth <= 100:
            raise ValueError("depth is 0 (all levels) .. 100")
        path = f"/markets/{quote(ticker, safe='')}/orderbook"
        params = {"depth": depth} if depth else None
        return wire.parse_orderbook(f"GET {path}", self._get(path, params), ticker, self.bounds)

    def get_events(
        self,
        status: str | None = None,
        *,
        with_nested_markets: bool = False,
        limit: int = MAX_EVENTS_LIMIT,
        **filters: Any,
    ) -> tuple[KalshiEvent, ...]:
        params = {
            "status": status,
            "with_nested_markets": with_nested_markets or None,
            "limit": _check_limit(limit, MAX_EVENTS_LIMIT),
            **filters,
        }
        pages = self._pages(
            "/events", params, "events", wire.parse_event, lambda e: e.event_ticker, auth=False
        )
        return self._all(pages)

    def get_event(self, event_ticker: str) -> KalshiEvent:
        path = f"/events/{quote(event_ticker, safe='')}"
        endpoint = f"GET {path}"
        return wire.parse_event(wire.unwrap(endpoint, self._get(path), "event", self.bounds))

    def get_series(self, series_ticker: str) -> KalshiSeries:
        path = f"/series/{quote(series_ticker, safe='')}"
        endpoint = f"GET {path}"
        return wire.parse_series(wire.unwrap(endpoint, self._get(path), "series", self.bounds))

    def get_fee_schedule(self, event_ticker: str) -> FeeSchedule:
        """The fee schedule of the event's markets (cached per run: `fee_schedules`)."""
        return self._fee_schedules.of_event(event_ticker)

    def get_trades(
        self, ticker: str, *, min_ts: int | None = None, limit: int = MAX_TRADES_LIMIT
    ) -> tuple[PublicTrade, ...]:
        """Every public trade of `ticker` (since `min_ts`, Unix seconds), newest first (A5.15)."""
        params = {
            "ticker": ticker,
            "min_ts": min_ts,
            "limit": _check_limit(limit, MAX_TRADES_LIMIT),
        }
        pages = self._pages(
            "/markets/trades", params, "trades", wire.parse_trade, lambda t: t.trade_id, auth=False
        )
        return self._all(pages)

    def get_balance(self) -> Balance:
        path = "/portfolio/balance"
        return wire.parse_balance(f"GET {path}", self._get(path, auth=True), self.bounds)

    def get_positions(
        self, *, limit: int = MAX_PORTFOLIO_LIMIT, **filters: Any
    ) -> tuple[PositionReport, ...]:
        """Every page of `market_positions` (unsettled, by default at the venue)."""
        params = {"limit": _check_limit(limit, MAX_PORTFOLIO_LIMIT), **filters}
        pages = self._pages(
            "/portfolio/positions",
            params,
            "market_positions",
            wire.parse_position,
            lambda p: p.ticker,
            auth=True,
        )
        return self._all(pages)

    def get_orders(
        self,
        ticker: str | None = None,
        status: str | None = None,
        *,
        limit: int = MAX_PORTFOLIO_LIMIT,
        **filters: Any,
    ) -> tuple[OrderReport, ...]:
        params = {
            "ticker": ticker,
            "status": status,
            "limit": _check_limit(limit, MAX_PORTFOLIO_LIMIT),
            **filters,
        }
        pages = self._pages(
            "/portfolio/orders", params, "orders", wire.parse_order, lambda o: o.order_id, auth=True
        )
        return self._all(pages)

    def get_order(self, order_id: str) -> OrderReport:
        path = f"/portfolio/orders/{quote(order_id, safe='')}"
        return wire.parse_order_response(f"GET {path}", self._get(path, auth=True), self.bounds)

    def find_order_by_client_order_id(
        self, client_order_id: str, ticker: str
    ) -> OrderReport | None:
        """The order with this client_order_id on `ticker` (all pages), or None."""
        matches = [
            order
            for order in self.get_orders(ticker=ticker)
            if order.client_order_id == client_order_id
        ]
        if len(matches) > 1:
            raise MalformedResponse(
                "GET /portfolio/orders",
                "orders.client_order_id",
                f"{len(matches)} orders share client_order_id {client_order_id!r}",
            )
        return matches[0] if matches else None

    def get_fills(
        self,
        ticker: str | None = None,
        order_id: str | None = None,
        *,
        limit: int = MAX_PORTFOLIO_LIMIT,
        **filters: Any,
    ) -> tuple[FillReport, ...]:
        params = {
            "ticker": ticker,
            "order_id": order_id,
            "limit": _check_limit(limit, MAX_PORTFOLIO_LIMIT),
            **filters,
        }
        pages = self._pages(
            "/portfolio/fills", params, "fills", wire.parse_fill, lambda f: f.fill_id, auth=True
        )
        # Each fee as the balance paid it, whichever way the venue reports it (A7 rounding);
        # each fill numbered in the venue's own sequence within its timestamp.
        return sequence_listing(net_fees(self._all(pages)))

    def get_settlements(
        self, *, limit: int = MAX_PORTFOLIO_LIMIT, **filters: Any
    ) -> tuple[SettlementReport, ...]:
        params = {"limit": _check_limit(limit, MAX_PORTFOLIO_LIMIT), **filters}
        pages = self._pages(
            "/portfolio/settlements",
            params,
            "settlements",
            wire.parse_settlement,
            lambda s: (
                s.ticker,
                s.event_ticker,
                s.settled_time,
                s.revenue,
                s.yes_count,
                s.no_count,
            ),
            auth=True,
        )
        return self._all(pages)

    # ------------------------------------------------------------------------- orders

    def create_order(
        self,
        ticker: str,
        side: Side,
        price: Decimal,
        count: Decimal,
        client_order_id: str,
        time_in_force: TimeInForce | str = TimeInForce.IMMEDIATE_OR_CANCEL,
        *,
        self_trade_prevention: SelfTradePrevention = SelfTradePrevention.TAKER_AT_CROSS,
        post_only: bool | None = None,
        reduce_only: bool | None = None,
        expiration_time: int | None = None,
        cancel_order_on_pause: bool | None = None,
        order_group_id: str | None = None,
        subaccount: int | None = None,
    ) -> OrderAck:
        """Buy `count` contracts of `side` at up to `price` (that side's price, dollars).

        See the module docstring for what each outcome means. Never sent twice unless the
        venue provably did not process the first attempt.
        """
        body = wire.build_create_order_body(
            ticker=ticker,
            side=side,
            price=price,
            count=count,
            client_order_id=client_order_id,
            time_in_force=TimeInForce(time_in_force),
            self_trade_prevention=self_trade_prevention,
            post_only=post_only,
            reduce_only=reduce_only,
            expiration_time=expiration_time,
            cancel_order_on_pause=cancel_order_on_pause,
            order_group_id=order_group_id,
            subaccount=subaccount,
        )
        endpoint = f"POST {CREATE_ORDER_PATH}"
        last: TransientError | None = None
        for attempt in range(self.retry.attempts):
            if attempt:
                self._sleep(self.retry.delay(attempt - 1, self._rng))
            try:
                answer = self._send(
                    "POST", CREATE_ORDER_PATH, auth=True, bucket=Bucket.WRITE, body=body
                )
            except Unanswered as exc:
                if exc.maybe_sent:
                    return self._resolve(body, f"no answer ({exc})")
                last = exc  # the connection never opened: nothing reached the venue
                continue
            if answer.ok:
                try:
                    return wire.parse_order_ack(
                        endpoint,
                        self._decode(endpoint, answer),
                        client_order_id,
                        self.bounds,
                    )
                except (MalformedResponse, ResponseLimitExceeded) as exc:
                    return self._resolve(body, f"unusable success answer ({exc})")
            error = error_for_status(answer.status, answer.content, endpoint=endpoint)
            if isinstance(error, VenueRefused) and error.code_is("order_already_exists"):
                return self._resolve_existing(body, error)
            if isinstance(error, TransientError) and answer.status == 429:
                self.limiter.drain(Bucket.WRITE)
                last = error  # refused at the gate, before processing
                continue
            if isinstance(error, TransientError):
                return self._resolve(body, f"HTTP {answer.status} ({error.body.describe()})")
            raise error
        assert last is not None
        raise TransientError(
            f"{last}; order {client_order_id} was not placed (gave up after "
            f"{self.retry.attempts} attempts)",
            status=last.status,
            body=last.body,
            endpoint=endpoint,
        )

    def _lookup(self, body: Mapping[str, Any]) -> tuple[OrderReport | None, str]:
        """Look for our order a few times; (report, "") or (None, why it is still unknown)."""
        client_order_id, ticker = body["client_order_id"], body["ticker"]
        problems: list[str] = []
        for attempt in range(self.lookup.attempts):
            delay = self.lookup.delay(attempt)
            if delay:
                self._sleep(delay)
            try:
                report = self.find_order_by_client_order_id(client_order_id, ticker)
            except KalshiError as exc:
                problems.append(type(exc).__name__)
                continue
            if report is not None:
                return report, ""
            problems.append("not found")
        return None, f"{self.lookup.attempts} lookups by client_order_id: {', '.join(problems)}"

    def _resolve(self, body: Mapping[str, Any], reason: str) -> OrderAck:
        client_order_id, ticker = body["client_order_id"], body["ticker"]
        logger.warning(
            "kalshi order {} on {}: {}; looking it up by client_order_id",
            client_order_id,
            ticker,
            reason,
        )
        report, why = self._lookup(body)
        if report is None:
            raise AmbiguousOutcome(client_order_id, ticker, f"{reason}; {why}")
        if not _same_order(report, body):
            raise AmbiguousOutcome(
                client_order_id,
                ticker,
                f"{reason}; the order found under this client_order_id differs from the one sent",
            )
        logger.info("kalshi order {} found as {}", client_order_id, report.order_id)
        return wire.ack_from_report(report, client_order_id, "GET /portfolio/orders")

    def _resolve_existing(self, body: Mapping[str, Any], refusal: VenueRefused) -> OrderAck:
        """409 order_already_exists: ours (a resend) -> its ack; someone else's -> refused."""
        client_order_id, ticker = body["client_order_id"], body["ticker"]
        report, why = self._lookup(body)
        if report is None:
            raise AmbiguousOutcome(
                client_order_id, ticker, f"venue says the client_order_id exists; {why}"
            )
        if not _same_order(report, body):
            raise refusal  # the id belongs to a different order: ours was not placed
        return wire.ack_from_report(report, client_order_id, "GET /portfolio/orders")

    def cancel_order(self, order_id: str) -> CancelAck:
        """Cancel a resting order. Retried only when provably unprocessed (429, no connection);
        otherwise a TransientError is raised and a retry may answer 404 if the first worked.
        """
        path = f"{CREATE_ORDER_PATH}/{quote(order_id, safe='')}"
        endpoint = f"DELETE {path}"
        last: TransientError | None = None
        for attempt in range(self.retry.attempts):
            if attempt:
                self._sleep(self.retry.delay(attempt - 1, self._rng))
            try:
                answer = self._send(
                    "DELETE",
                    path,
                    auth=True,
                    bucket=Bucket.WRITE,
                    cost=self.limiter.cancel_cost,
                )
            except Unanswered as exc:
                if exc.maybe_sent:
                    raise
                last = exc
                continue
            if answer.ok:
                payload = self._decode(endpoint, answer)
                return wire.parse_cancel(endpoint, payload, order_id, self.bounds)
            error = error_for_status(answer.status, answer.content, endpoint=endpoint)
            if isinstance(error, TransientError) and answer.status == 429:
                self.limiter.drain(Bucket.WRITE)
                last = error
                continue
            raise error
        assert last is not None
        raise last


def _next_cursor(payload: Any) -> str | None:
    """The raw page's cursor, read before the page is parsed (None if absent or empty)."""
    cursor = payload.get("cursor") if isinstance(payload, dict) else None
    return cursor if isinstance(cursor, str) and cursor else None


def _settlement_key(s: SettlementReport) -> Hashable:
    return (s.ticker, s.event_ticker, s.settled_time, s.revenue, s.yes_count, s.no_count)


def _same_order(report: OrderReport, body: Mapping[str, Any]) -> bool:
    """Is the order found under our client_order_id the one this body describes?"""
    side = Side.YES if body["side"] == "bid" else Side.NO
    return (
        report.ticker == body["ticker"]
        and report.side is side
        and report.yes_price == Decimal(body["price"])
        and report.initial_count == Decimal(body["count"])
    )


def _stale_signature(answer: Answer) -> bool:
    """A 401 `header_timestamp_expired`: the timestamp was too old when the venue checked it."""
    return (
        answer.status == 401 and parse_error_body(answer.content).code == "header_timestamp_expired"
    )
