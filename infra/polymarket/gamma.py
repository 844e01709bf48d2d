"""Read-only client of Polymarket's Gamma catalogue (`GET /markets/keyset`).

Paging uses `after_cursor` (passing `cursor=` is silently ignored by Gamma and returns the
first page again); a null or absent `next_cursor` ends the listing. A repeated cursor or a
repeated market id is a loop and raises `MalformedResponse`. Only binary Yes/No markets
are returned; see `infra.polymarket.wire` for what happens to malformed entries.

Errors use the same taxonomy as the Kalshi client (`TransientError`, `VenueRefused`,
`MalformedResponse` from `infra.kalshi.errors`) and the same transport, with Gamma's own
rate limiter (its `/markets` budget is 300 requests per 10 s).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Protocol

import requests
from loguru import logger

from domain.linking import PolymarketMarket
from infra.kalshi.backoff import RetryPolicy
from infra.kalshi.errors import MalformedResponse
from infra.kalshi.ratelimit import Bucket, RateLimitConfig, TokenBucketLimiter
from infra.kalshi.transport import (
    DEFAULT_TIMEOUT,
    HttpTransport,
    ResponseLimits,
    Timeout,
    query_params,
    retrying_read,
)
from infra.polymarket.wire import GammaPage, Skipped, parse_gamma_page

GAMMA_URL = "https://gamma-api.polymarket.com"
KEYSET_PATH = "/markets/keyset"
MAX_KEYSET_LIMIT = 100

# 30 requests per second (Gamma's /markets listing: 300 per 10 s), one token each.
GAMMA_RATE_LIMIT = RateLimitConfig(
    read_rate=Decimal(30),
    read_burst=Decimal(30),
    write_rate=Decimal(1),
    write_burst=Decimal(1),
    request_cost=Decimal(1),
    cancel_cost=Decimal(1),
)


class PolymarketListing(Protocol):
    """Where the Scanner reads Polymarket's open markets: Gamma (`GammaClient`), or a
    recording of them in a replay."""

    def get_all_markets(
        self, closed: bool | None = False, **filters: Any
    ) -> tuple[PolymarketMarket, ...]: ...

    def close(self) -> None: ...


def gamma_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Gamma wants lower-case booleans and repeated keys for lists (`?id=1&id=2`)."""
    return query_params(params, repeat_lists=True)


class GammaClient:
    def __init__(
        self,
        base_url: str = GAMMA_URL,
        limiter: TokenBucketLimiter | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        limits: ResponseLimits | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        strict: bool = False,
        max_pages: int = 10_000,
    ) -> None:
        self.limiter = limiter if limiter is not None else TokenBucketLimiter(GAMMA_RATE_LIMIT)
        self.retry = retry or RetryPolicy()
        self.strict = strict
        self.max_pages = max_pages
        self.skipped: list[Skipped] = []  # entries left out of the last listing, with reasons
        self._sleep = sleeper
        self._rng = rng or random.Random()  # jitter only
        self._http = HttpTransport(
            base_url,
            limiter=self.limiter,
            timeout=timeout,
            limits=limits,
            session=session,
            venue="gamma",
            encode=gamma_params,
        )

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GammaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _get_page(self, params: Mapping[str, Any]) -> GammaPage:
        endpoint = f"GET {KEYSET_PATH}"
        payload = retrying_read(
            lambda: self._http.send("GET", KEYSET_PATH, bucket=Bucket.READ, params=params),
            endpoint=endpoint,
            policy=self.retry,
            sleeper=self._sleep,
            rng=self._rng,
            on_rate_limited=lambda: self.limiter.drain(Bucket.READ),
            max_depth=self._http.limits.max_depth,
        )
        return parse_gamma_page(endpoint, payload, strict=self.strict)

    def iter_market_pages(
        self, closed: bool | None = False, limit: int = MAX_KEYSET_LIMIT, **filters: Any
    ) -> Iterator[tuple[PolymarketMarket, ...]]:
        """Binary markets page by page (use `closed=False` for live ones, not `active=True`)."""
        if not 1 <= limit <= MAX_KEYSET_LIMIT:
            raise ValueError(f"limit {limit} is outside 1..{MAX_KEYSET_LIMIT}")
        endpoint = f"GET {KEYSET_PATH}"
        self.skipped = []
        seen_cursors: set[str] = set()
        seen_ids: set[str] = set()
        cursor: str | None = None
        for page_number in range(self.max_pages):
            params: dict[str, Any] = {"closed": closed, "limit": limit, **filters}
            if cursor is not None:
                params["after_cursor"] = cursor
            page = self._get_page(params)
            for index, market_id in enumerate(page.raw_ids):
                if market_id and market_id in seen_ids:
                    raise MalformedResponse(
                        endpoint,
                        f"markets[{index}].id",
                        f"{market_id!r} was already listed (page {page_number + 1})",
                    )
                seen_ids.add(market_id)
            for skipped in page.skipped:
                logger.warning(
                    "gamma {}: market {} quarantined: field {}: {}",
                    endpoint,
                    skipped.market_id or "?",
                    skipped.field,
                    skipped.reason,
                )
            if page.non_binary:
                logger.debug("gamma: {} non-binary markets left out", page.non_binary)
            if page.no_opinion:
                logger.debug("gamma: {} open markets with no usable price", page.no_opinion)
            self.skipped.extend(page.skipped)
            yield page.markets
            if page.next_cursor is None:
                return
            if page.next_cursor in seen_cursors or page.next_cursor == cursor:
                raise MalformedResponse(
                    endpoint, "next_cursor", f"cursor {page.next_cursor!r} came back again"
                )
            seen_cursors.add(page.next_cursor)
            cursor = page.next_cursor
        raise MalformedResponse(endpoint, "next_cursor", f"more than {self.max_pages} pages")

    def iter_markets(
        self, closed: bool | None = False, limit: int = MAX_KEYSET_LIMIT, **filters: Any
    ) -> Iterator[PolymarketMarket]:
        for page in self.iter_market_pages(closed, limit, **filters):
            yield from page

    def get_all_markets(
        self, closed: bool | None = False, limit: int = MAX_KEYSET_LIMIT, **filters: Any
    ) -> tuple[PolymarketMarket, ...]:
        """Every binary market, or an exception: never a partial list."""
        return tuple(
            market for page in self.iter_market_pages(closed, limit, **filters) for market in page
        )
