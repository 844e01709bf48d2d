"""A deadline on a whole HTTP exchange, from the request sent to the last byte of the body.

A socket timeout bounds one read, so a server that sends its status line and headers a byte
every 2 s never trips it, and `requests` gives no handle on the socket until the headers are
in. Here a connection registers its socket with the running exchange as soon as the request is
sent (`WatchedHTTPAdapter`), and one watchdog thread shuts the socket down when the exchange's
deadline passes: whatever read is blocked then returns at once, and the exchange says it
`expired`, so the caller can report the deadline rather than a broken connection.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class Exchange:
    """One request's deadline and the sockets it used (normally one)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False
        self._finished = False

    @property
    def expired(self) -> bool:
        """True once the watchdog has cut this exchange off."""
        with self._lock:
            return self._expired

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            if self._finished:
                return
            self._sockets.append(sock)
            overdue = self._expired
        if overdue:
            _shut(sock)
        else:
            _WATCHDOG.watch(self)

    def expire(self) -> None:
        """Called by the watchdog at the deadline: shut every socket (unless finished)."""
        with self._lock:
            if self._finished:
                return
            self._expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def finish(self) -> None:
        """The exchange is over: the watchdog must leave its sockets alone from now on."""
        with self._lock:
            self._finished = True
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also under TLS: SSLSocket.shutdown would drop its SSL
    # object under the reading thread's feet.
    with suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread for every exchange in the process, woken by the earliest deadline."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queue: list[tuple[float, int, Exchange]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, exchange: Exchange) -> None:
        with self._changed:
            heapq.heappush(self._queue, (exchange.deadline, next(self._order), exchange))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadline", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._queue:
                    self._changed.wait()
                deadline, _, exchange = self._queue[0]
                left = deadline - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                heapq.heappop(self._queue)
            exchange.expire()  # a finished exchange ignores it


_WATCHDOG = _Watchdog()
_current = threading.local()


@contextmanager
def exchange_deadline(deadline: float) -> Iterator[Exchange]:
    """Bound every request this thread sends inside the block by `deadline` (monotonic)."""
    exchange = Exchange(deadline)
    _current.exchange = exchange
    try:
        yield exchange
    finally:
        _current.exchange = None
        exchange.finish()


def _attach_current(connection: HTTPConnection) -> None:
    exchange: Exchange | None = getattr(_current, "exchange", None)
    if exchange is not None and connection.sock is not None:
        exchange.attach(connection.sock)


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        super().request(*args, **kwargs)
        _attach_current(self)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        super().request(*args, **kwargs)
        _attach_current(self)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedHTTPAdapter(HTTPAdapter):
    """A `requests` adapter whose connections join the thread's `exchange_deadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }
