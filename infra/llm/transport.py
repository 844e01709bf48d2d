"""The LLM SDKs' HTTP client, bounded: a whole-exchange deadline, a size cap, a nesting limit.

The SDKs read and parse the body themselves, so the bounds live in an `httpx2` transport
handed to them (`http_client=`). The deadline runs from the request's first byte to the body's
last: every socket read and write waits at most the time left (`_DeadlineStream`), so headers
trickling a byte a second end at the deadline too, as a read timeout. The body is read here
first, a chunk at a time, against the size cap, and measured for nesting before the SDK's
JSON parser can recurse.

What happens to an answer that breaks a bound depends on its status:
- a 2xx was (probably) billed: its body is replaced by `{}`, which the provider classes read as
  a malformed answer and book at the call's worst-case cost, once. (Raising instead would make
  the SDK retry, and each retry is another billed call that nothing would book.)
- anything else is not billed: it raises a network error, which the SDK retries.

Attempts that reached the provider and got no answer (a timeout, a connection dropped after the
request was sent) may be billed all the same; the transport counts them in the calling thread's
`AttemptLog` (`attempts()`), so the provider can book each one at its worst case. A request
that never left (connection refused) is not counted: it cannot cost anything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore2
import httpx2
from loguru import logger

from domain.jsonlimits import MAX_DEPTH, exceeds_depth

REFUSED_BODY = b"{}"


@dataclass(frozen=True)
class LlmResponseLimits:
    deadline: float = 120.0  # seconds from the request sent to the last byte of the body
    max_bytes: int = 4 * 1024 * 1024  # a forecast answer is a few kilobytes
    max_depth: int = MAX_DEPTH


class ResponseRefused(httpx2.ReadError):
    """A non-2xx answer broke a bound (retryable: nothing was billed)."""


# The deadline of the exchange this thread is in (the SDKs are synchronous: one request per
# thread at a time, its body read in the same thread before the next request starts).
_exchange = threading.local()


def _time_left(
    timeout: float | None, expired: type[httpcore2.TimeoutException] = httpcore2.ReadTimeout
) -> float | None:
    """`timeout` cut to what is left of the thread's exchange deadline; past it, `expired`."""
    deadline: float | None = getattr(_exchange, "deadline", None)
    if deadline is None:
        return timeout  # outside any exchange (a pooled connection's liveness check)
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the whole-exchange deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore2.NetworkStream):
    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore2.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore2.NetworkBackend):
    """Connections whose every read and write is cut to the thread's exchange deadline."""

    def __init__(self, inner: httpcore2.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class AttemptLog:
    """The attempts of one provider call that reached the provider and got no answer."""

    def __init__(self) -> None:
        self.unanswered = 0


_calls = threading.local()


@contextmanager
def attempts() -> Iterator[AttemptLog]:
    """Count, in this thread, the unanswered attempts of the call made inside the block."""
    log = AttemptLog()
    _calls.log = log
    try:
        yield log
    finally:
        _calls.log = None


# Failures that prove the request never reached the provider: it cannot have been billed.
# (A write that failed left the request incomplete, which the API does not process.)
_NEVER_SENT = (
    httpx2.ConnectError,
    httpx2.ConnectTimeout,
    httpx2.PoolTimeout,
    httpx2.WriteError,
    httpx2.WriteTimeout,
    httpx2.UnsupportedProtocol,
    httpx2.ProxyError,
)


def _note_unanswered() -> None:
    log: AttemptLog | None = getattr(_calls, "log", None)
    if log is not None:
        log.unanswered += 1


class _Bounded(httpx2.SyncByteStream):
    def __init__(
        self,
        inner: httpx2.SyncByteStream,
        limits: LlmResponseLimits,
        deadline: float,
        success: bool,
        declared: str,
    ) -> None:
        self._inner = inner
        self._limits = limits
        self._deadline = deadline
        self._success = success
        self._declared = declared

    def __iter__(self) -> Iterator[bytes]:
        _exchange.deadline = self._deadline
        try:
            problem = self._read_problem()
        finally:
            _exchange.deadline = None
        if problem is None:
            yield self._body
            return
        if not self._success:
            raise ResponseRefused(problem)
        logger.bind(actor="llm").warning(
            "LLM answer refused ({}): booked at its worst case", problem
        )
        yield REFUSED_BODY

    def _read_problem(self) -> str | None:
        """Read the whole body into `_body`; or say which bound it broke."""
        self._body = b""
        limits = self._limits
        if self._declared.isdigit() and int(self._declared) > limits.max_bytes:
            return f"declares {self._declared} bytes, more than {limits.max_bytes}"
        chunks: list[bytes] = []
        size = 0
        too_slow = f"took longer than {limits.deadline:g} s"
        try:
            for chunk in self._inner:
                size += len(chunk)
                if size > limits.max_bytes:
                    return f"larger than {limits.max_bytes} bytes"
                if time.monotonic() > self._deadline:
                    return too_slow
                chunks.append(chunk)
        except httpx2.TransportError as exc:
            if not self._success:
                raise
            if isinstance(exc, httpx2.TimeoutException):
                return too_slow  # a 2xx cut short was still billed
            return f"the connection dropped mid-body ({type(exc).__name__})"
        body = b"".join(chunks)
        if exceeds_depth(body, limits.max_depth):
            return f"JSON nested more than {limits.max_depth} levels deep"
        self._body = body
        return None

    def close(self) -> None:
        self._inner.close()


class BoundedTransport(httpx2.BaseTransport):
    def __init__(
        self, limits: LlmResponseLimits, inner: httpx2.BaseTransport | None = None
    ) -> None:
        self._limits = limits
        self._inner = inner or _deadline_transport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        deadline = time.monotonic() + self._limits.deadline
        _exchange.deadline = deadline
        try:
            response = self._inner.handle_request(request)
        except _NEVER_SENT:
            raise
        except httpx2.TransportError:
            _note_unanswered()  # it reached the provider: it may be billed
            raise
        finally:
            _exchange.deadline = None
        assert isinstance(response.stream, httpx2.SyncByteStream)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_Bounded(
                response.stream,
                self._limits,
                deadline,
                200 <= response.status_code < 300,
                response.headers.get("content-length", ""),
            ),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


def _deadline_transport() -> httpx2.HTTPTransport:
    """httpx's own transport, its connections' reads and writes held to the deadline."""
    transport = httpx2.HTTPTransport()
    # httpx offers no other way to choose its pool's network backend.
    pool = transport._pool
    pool._network_backend = _DeadlineBackend(pool._network_backend)
    return transport


def bounded_client(limits: LlmResponseLimits) -> httpx2.Client:
    """An `httpx2.Client` for an LLM SDK's `http_client=` (the SDK sets its own timeouts)."""
    # Uncompressed bodies: the bounds measure what the SDK will parse.
    return httpx2.Client(
        transport=BoundedTransport(limits),
        follow_redirects=True,
        headers={"Accept-Encoding": "identity"},
    )
