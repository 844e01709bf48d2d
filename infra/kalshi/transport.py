"""HTTP plumbing shared by the venue clients: one request, timed, rate-limited, classified.

`HttpTransport.send` returns the status and raw body of whatever the server answered, or
raises `Unanswered`, which says whether the request may have reached the server
(`maybe_sent`). That distinction is what makes order creation safe: a request that provably
never left can be sent again; one that may have arrived must be looked up instead.

Every answer is bounded (`ResponseLimits`): the whole exchange, from the request sent to the
last byte of the body, must end before a deadline (the read timeout alone applies per read, so
headers or a body trickling a byte a second would never end: `infra.kalshi.deadline` cuts the
connection off at the deadline), its body must stay under a size cap, and its JSON under a
nesting limit. Breaking one raises `ResponseLimitExceeded`, an `Unanswered` that may have been
processed: retryable for reads, looked up for orders.

Logs carry method, path, status and duration at DEBUG; never headers, never bodies.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import requests
from loguru import logger
from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError

from domain.jsonlimits import MAX_DEPTH, TooDeep, loads_bounded
from infra.kalshi.backoff import RetryPolicy
from infra.kalshi.deadline import Exchange, WatchedHTTPAdapter, exchange_deadline
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


class ResponseLimitExceeded(Unanswered):
    """The answer broke a limit (`limit`: "deadline", "size" or "nesting"); nothing of it is
    used. The request reached the server, so an order it carried may exist."""

    def __init__(self, endpoint: str, limit: str, detail: str) -> None:
        super().__init__(f"{endpoint}: {detail}", endpoint=endpoint, maybe_sent=True)
        self.limit = limit


@dataclass(frozen=True)
class ResponseLimits:
    """Bounds on one whole response."""

    deadline: float = 30.0  # seconds from sending the request to the last byte of the body
    max_bytes: int = 32 * 1024 * 1024
    max_depth: int = MAX_DEPTH
    chunk: int = field(default=64 * 1024, repr=False)

    def __post_init__(self) -> None:
        if not (0 < self.deadline <= 3600 and self.max_bytes > 0 and self.max_depth > 0):
            raise ValueError(f"unusable response limits: {self}")


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


def decode_json(endpoint: str, content: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """JSON with exact numbers: fractions become Decimal (never float); NaN is refused; a
    body nested deeper than `max_depth` raises `ResponseLimitExceeded` (never RecursionError)."""
    try:
        return loads_bounded(
            content, limit=max_depth, parse_float=Decimal, parse_constant=_reject_constant
        )
    except TooDeep as exc:
        raise ResponseLimitExceeded(endpoint, "nesting", str(exc)) from None
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


def read_body(
    response: requests.Response, endpoint: str, limits: ResponseLimits, exchange: Exchange
) -> bytes:
    """The whole body, read a chunk at a time against the deadline and the size cap.

    Each read returns what has arrived (`read1`), and the socket's timeout is cut to the time
    left, so a trickling body ends at the deadline, not a read timeout after each byte. A body
    the watchdog cut off is refused even where its end looks like a clean close.
    """
    deadline = exchange.deadline
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise _too_large(endpoint, limits, f"declares {declared} bytes")
    raw = response.raw
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _too_slow(endpoint, limits, size)
        _cut_read_timeout(raw, left)
        try:
            chunk = raw.read1(limits.chunk)
        except (TimeoutError, ReadTimeoutError) as exc:
            if time.monotonic() >= deadline:
                raise _too_slow(endpoint, limits, size) from None
            raise requests.exceptions.ReadTimeout(str(exc)) from None
        except (ProtocolError, OSError) as exc:
            if exchange.expired:
                raise _too_slow(endpoint, limits, size) from None
            raise requests.exceptions.ChunkedEncodingError(str(exc)) from None
        if not chunk:
            if exchange.expired:
                raise _too_slow(endpoint, limits, size)
            return b"".join(chunks)
        size += len(chunk)
        if size > limits.max_bytes:
            raise _too_large(endpoint, limits, f"sent more than {limits.max_bytes} bytes")
        chunks.append(chunk)


def _socket_of(raw: Any) -> Any:
    """The socket under a urllib3 response: its connection's, or (once the connection has let
    go of it, as it does for `Connection: close`) the one the body is read from."""
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:  # http.client response -> BufferedReader -> SocketIO -> socket
        sock = getattr(
            getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None), "_sock", None
        )
    return sock if hasattr(sock, "settimeout") else None


def _cut_read_timeout(raw: Any, left: float) -> None:
    """Make the next socket read wait no longer than the time left (if the socket is known)."""
    sock = _socket_of(raw)
    if sock is None:
        return
    current = sock.gettimeout()
    if current is None or current > left:
        sock.settimeout(max(left, 0.001))


def _too_slow(endpoint: str, limits: ResponseLimits, size: int) -> ResponseLimitExceeded:
    return ResponseLimitExceeded(
        endpoint,
        "deadline",
        f"the response took longer than {limits.deadline:g} s ({size} bytes by then)",
    )


def _too_large(endpoint: str, limits: ResponseLimits, detail: str) -> ResponseLimitExceeded:
    return ResponseLimitExceeded(
        endpoint, "size", f"the response is larger than {limits.max_bytes} bytes ({detail})"
    )


class HttpTransport:
    """Sends one request through the limiter with a timeout; one session per thread."""

    def __init__(
        self,
        base_url: str,
        *,
        limiter: TokenBucketLimiter,
        timeout: Timeout = DEFAULT_TIMEOUT,
        limits: ResponseLimits | None = None,
        session: requests.Session | None = None,
        venue: str = "kalshi",
        encode: Callable[[Mapping[str, Any] | None], Mapping[str, Any]] = query_params,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path.rstrip("/")
        self.limiter = limiter
        self.timeout = timeout
        self.limits = limits or ResponseLimits()
        self.venue = venue
        self._encode = encode
        self._shared_session = session
        self._local = threading.local()
        # Each thread's own session (requests.Session is not thread-safe), by thread, so the
        # session of a thread that has ended is closed: a paging call's prefetch thread is new
        # each call, and its sessions, each with an open connection, grew by a dozen a cycle.
        self._owned: dict[threading.Thread, requests.Session] = {}
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
            adapter = WatchedHTTPAdapter()  # the deadline covers the headers too
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
            with self._owned_lock:
                ended = [thread for thread in self._owned if not thread.is_alive()]
                finished = [self._owned.pop(thread) for thread in ended]
                self._owned[threading.current_thread()] = session
            for done in finished:
                done.close()
        return session

    @property
    def open_sessions(self) -> int:
        """The sessions this transport holds open (one a live thread that has sent)."""
        with self._owned_lock:
            return len(self._owned)

    def close(self) -> None:
        """Close the sessions this transport created (not an injected one)."""
        with self._owned_lock:
            owned, self._owned = self._owned, {}
        for session in owned.values():
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
            with exchange_deadline(started + self.limits.deadline) as exchange:
                try:
                    response = self._session().request(
                        method,
                        self.url(path),
                        params=self._encode(params),
                        json=body,
                        headers=dict(headers),
                        timeout=self.timeout,
                        allow_redirects=False,
                        stream=True,
                    )
                except requests.RequestException:
                    if exchange.expired:  # cut off before the headers were in
                        raise _too_slow(endpoint, self.limits, 0) from None
                    raise
                try:
                    content = read_body(response, endpoint, self.limits, exchange)
                finally:
                    exchange.finish()  # before the connection can go back to the pool
                    response.close()
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
    max_depth: int = MAX_DEPTH,
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
            if answer.ok:
                return decode_json(endpoint, answer.content, max_depth)
        except TransientError as exc:  # ResponseLimitExceeded included: ask again
            last = exc
            continue
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
