"""The LLM SDKs' HTTP client, bounded: a whole-response deadline, a size cap, a nesting limit.

The SDKs read and parse the body themselves, so the bounds live in an `httpx2` transport
handed to them (`http_client=`). The body is read here first, a chunk at a time, against the
deadline and the size cap, and measured for nesting before the SDK's JSON parser can recurse.

What happens to an answer that breaks a bound depends on its status:
- a 2xx was (probably) billed: its body is replaced by `{}`, which the provider classes read as
  a malformed answer and book at the call's worst-case cost, once. (Raising instead would make
  the SDK retry, and each retry is another billed call that nothing would book.)
- anything else is not billed: it raises a network error, which the SDK retries.
The per-read timeout is cut to the deadline, so one read cannot outlast it by more than itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx2
from loguru import logger

from domain.jsonlimits import MAX_DEPTH, exceeds_depth

REFUSED_BODY = b"{}"


@dataclass(frozen=True)
class LlmResponseLimits:
    deadline: float = 120.0  # seconds for the whole response, body included
    max_bytes: int = 4 * 1024 * 1024  # a forecast answer is a few kilobytes
    max_depth: int = MAX_DEPTH


class ResponseRefused(httpx2.ReadError):
    """A non-2xx answer broke a bound (retryable: nothing was billed)."""


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
        problem = self._read_problem()
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
        except httpx2.TimeoutException:
            if not self._success:
                raise
            return too_slow  # a 2xx cut short was still billed
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
        self._inner = inner or httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        deadline = time.monotonic() + self._limits.deadline
        timeouts = dict(request.extensions.get("timeout", {}))
        read = timeouts.get("read")
        timeouts["read"] = (
            self._limits.deadline if read is None else min(read, self._limits.deadline)
        )
        request.extensions["timeout"] = timeouts
        response = self._inner.handle_request(request)
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


def bounded_client(limits: LlmResponseLimits) -> httpx2.Client:
    """An `httpx2.Client` for an LLM SDK's `http_client=` (the SDK sets its own timeouts)."""
    # Uncompressed bodies: the bounds measure what the SDK will parse.
    return httpx2.Client(
        transport=BoundedTransport(limits),
        follow_redirects=True,
        headers={"Accept-Encoding": "identity"},
    )
