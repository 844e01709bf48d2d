"""HTTP plumbing shared by the venue clients: one request, timed, rate-limited, classified.

`HttpTransport.send` returns the status and raw body of whatever the server answered, or
raises `Unanswered`, which says whether the request may have reached the server
(`maybe_sent`). That distinction is what makes order creation safe: a request that provably
never left can be sent again; one that may have arrived must be looked up instead.

Logs carry method, path, status and duration at DEBUG; never headers, never bodies.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import requests
from loguru import logger
from urllib3.exceptions import NewConnectionError

from infra.kalshi.backoff import RetryPolicy
from infra.kalshi.errors import KalshiError, MalformedResponse, TransientError, error_for_status
from infra.kalshi.ratelimit import Bucket, TokenBucketLimiter

Timeout = tuple[float, float]  # (connect, read) seconds
DEFAULT_TIMEOUT: Timeout = (3.05, 10.0)
USER_AGENT = "pm-trader/0.1 (+https://github.com/; python-requests)"


@dataclass(frozen=True)
class Answer:
    status: int
    content: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Unanswered(TransientError):
    """No HTTP answer. `maybe_sent` is False only when the request provably never left."""

    def __init__(self, message: str, *, endpoint: str, maybe_sent: bool) -> None:
        super().__init__(message, endpoint=endpoint)
        self.maybe_sent = maybe_sent


_REFUSED_BEFORE_SENDING = (
    requests.exceptions.ConnectTimeout,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
    requests.exceptions.URLRequired,
)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection itself failed (or the request could not be built), so no
    byte of the request was sent. Anything else may have reached the server."""
    if isinstance(exc, _REFUSED_BEFORE_SENDING):
        return True
    if isinstance(exc, requests.exceptions.SSLError):
        return False  # could be mid-stream; assume the worst
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError)
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def decode_json(endpoint: str, content: bytes) -> Any:
    """JSON with exact numbers: fractions become Decimal (never float); NaN is refused."""
    try:
        return json.loads(content, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = content[:80].decode("utf-8", errors="replace")
        raise MalformedResponse(endpoint, "<body>", f"not JSON ({exc}): {snippet!r}") from None


def query_params(params: Mapping[str, Any] | None, *, repeat_lists: bool = False) -> dict[str, Any]:
    """Query values as the venue wants them: booleans lower-case; lists comma-joined (Kalshi)
    or, with `repeat_lists`, as repeated keys (`?id=1&id=2`, Polymarket's Gamma)."""
    result: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            result[key] = "true" if value else "false"
        elif isinstance(value, Enum):
            result[key] = str(value.value)
        elif isinstance(value, list | tuple | set | frozenset):
            items = [str(item) for item in value]
            result[key] = items if repeat_lists else ",".join(items)
        else:
            result[key] = str(value)
    return result


class HttpTransport:
    """Sends one request through the limiter with a timeout; one session per thread."""

    def __init__(
        self,
        base_url: str,
        *,
        limiter: TokenBucketLimiter,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        venue: str = "kalshi",
        encode: Callable[[Mapping[str, Any] | None], Mapping[str, Any]] = query_params,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path.rstrip("/")
        self.limiter = limiter
        self.timeout = timeout
        self.venue = venue
        self._encode = encode
        self._shared_session = session
        self._local = threading.local()
        self._owned: list[requests.Session] = []
        self._owned_lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def full_path(self, path: str) -> str:
        """The path from the server root (what Kalshi signs)."""
        return f"{self.base_path}{path}"

    def _session(self) -> requests.Session:
        if self._shared_session is not None:
            return self._shared_session
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            self._local.session = session
            with self._owned_lock:
                self._owned.append(session)
        return session

    def close(self) -> None:
        """Close the sessions this transport created (not an injected one)."""
        with self._owned_lock:
            owned, self._owned = self._owned, []
        for session in owned:
            session.close()
        self._local = threading.local()

    def send(
        self,
        method: str,
        path: str,
        *,
        bucket: Bucket,
        cost: float | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        sign: Callable[[], Mapping[str, str]] | None = None,
    ) -> Answer:
        """One request: wait for the limiter, then sign (if `sign`), then send."""
        endpoint = f"{method} {path}"
        self.limiter.acquire(bucket, cost)
        headers = sign() if sign is not None else {}
        started = time.monotonic()
        try:
            response = self._session().request(
                method,
                self.url(path),
                params=self._encode(params),
                json=body,
                headers=dict(headers),
                timeout=self.timeout,
                allow_redirects=False,
            )
            content = response.content
        except requests.RequestException as exc:
            elapsed = (time.monotonic() - started) * 1000
            logger.debug(
                "{} {} failed after {:.0f} ms: {}",
                self.venue,
                endpoint,
                elapsed,
                type(exc).__name__,
            )
            never_sent = _never_sent(exc)
            kind = "could not connect" if never_sent else "no answer"
            raise Unanswered(
                f"{endpoint}: {kind} ({type(exc).__name__})",
                endpoint=endpoint,
                maybe_sent=not never_sent,
            ) from None
        elapsed = (time.monotonic() - started) * 1000
        logger.debug(
            "{} {} -> {} in {:.0f} ms", self.venue, endpoint, response.status_code, elapsed
        )
        return Answer(response.status_code, content)


def retrying_read(
    call: Callable[[], Answer],
    *,
    endpoint: str,
    policy: RetryPolicy,
    sleeper: Callable[[float], None],
    rng: random.Random,
    on_rate_limited: Callable[[], None] = lambda: None,
) -> Any:
    """Run an idempotent request until it answers 2xx; decode its JSON.

    Retries timeouts, connection errors, 429 and 5xx with full-jitter backoff, up to
    `policy.attempts` tries; other errors (4xx, auth) are raised at once. A malformed 2xx
    body is raised, not retried: the venue answered, and what it said cannot be used.
    """
    last: KalshiError | None = None
    for attempt in range(policy.attempts):
        if attempt:
            sleeper(policy.delay(attempt - 1, rng))
        try:
            answer = call()
        except TransientError as exc:
            last = exc
            continue
        if answer.ok:
            return decode_json(endpoint, answer.content)
        error = error_for_status(answer.status, answer.content, endpoint=endpoint)
        if not isinstance(error, TransientError):
            raise error
        if answer.status == 429:
            on_rate_limited()
        last = error
    assert last is not None
    if isinstance(last, TransientError):
        raise TransientError(
            f"{last} (gave up after {policy.attempts} attempts)",
            status=last.status,
            body=last.body,
            endpoint=endpoint,
        ) from None
    raise last
