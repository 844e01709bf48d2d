"""A loopback HTTP proxy that forwards to a real server (the simulator) and mutates answers.

Tests put it between the bot and `infra.sim` to play a hostile network or a broken venue
without depending on the simulator's exact output: a rule sees the real answer and returns
what to send instead (a JSON edit of whatever the simulator said, a body nested 200,000 deep,
a body larger than any cap, or one that trickles a byte at a time). Requests are forwarded
unchanged (path, query, headers, body), so Kalshi's request signatures stay valid.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Answer:
    """What the proxy sends back. `chunks` (with `interval` seconds between them) replaces
    `body` when set: a trickling answer."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    chunks: Iterable[bytes] | None = None
    interval: float = 0.0
    declared_length: int | None = None  # Content-Length to announce (default: len(body))
    head_interval: float | None = None  # send the status line and headers a byte at a time too

    def json(self) -> Any:
        return json.loads(self.body, parse_float=Decimal)


Rule = Callable[[Answer], Answer]


@dataclass
class _Route:
    method: str
    path_suffix: str
    rule: Rule
    times: int | None  # None: every matching request
    hits: int = 0


@dataclass
class MutatingProxy:
    upstream: str  # e.g. http://127.0.0.1:5555
    _routes: list[_Route] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    hung_up: threading.Event = field(default_factory=threading.Event)  # a client left a trickle
    sent_before_hang_up: list[int] = field(default_factory=list)  # bytes of it by then

    def on(self, method: str, path_suffix: str, rule: Rule, *, times: int | None = None) -> None:
        """Apply `rule` to answers of `method` requests whose path ends with `path_suffix`
        (the first `times` of them, or all)."""
        with self._lock:
            self._routes.append(_Route(method, path_suffix, rule, times))

    def hits(self, path_suffix: str) -> int:
        with self._lock:
            return sum(route.hits for route in self._routes if route.path_suffix == path_suffix)

    def _rule_for(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for route in self._routes:
                exhausted = route.times is not None and route.hits >= route.times
                if route.method == method and path.endswith(route.path_suffix) and not exhausted:
                    route.hits += 1
                    return route.rule
        return None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MutatingProxy:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()  # ends any trickle in progress
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> MutatingProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        try:
            connection.request(method, target, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
            return Answer(response.status, kept, data)
        finally:
            connection.close()


def _handler(proxy: MutatingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            return

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            path = urlsplit(self.path).path
            answer = proxy.forward(self.command, self.path, headers, body)
            rule = proxy._rule_for(self.command, path)
            if rule is not None:
                answer = rule(answer)
            self._send(answer)

        def _send(self, answer: Answer) -> None:
            if answer.head_interval is not None:
                self._trickle_whole(answer, answer.head_interval)
                return
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            length = answer.declared_length
            if answer.chunks is None:
                self.send_header(
                    "Content-Length", str(len(answer.body) if length is None else length)
                )
                self.end_headers()
                self.wfile.write(answer.body)
                return
            if length is not None:
                self.send_header("Content-Length", str(length))
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for chunk in answer.chunks:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    if proxy._stop.wait(answer.interval):
                        return
            except OSError:  # the client gave up: that is the point of a trickle
                return
            self.close_connection = True

        def _trickle_whole(self, answer: Answer, interval: float) -> None:
            """Status line, headers and body, one byte every `interval` seconds."""
            head = f"HTTP/1.1 {answer.status} OK\r\n" + "".join(
                f"{key}: {value}\r\n" for key, value in answer.headers.items()
            )
            data = (
                f"{head}Content-Length: {len(answer.body)}\r\nConnection: close\r\n\r\n"
            ).encode() + answer.body
            self.close_connection = True
            for sent in range(len(data)):
                try:
                    self.wfile.write(data[sent : sent + 1])
                    self.wfile.flush()
                except OSError:  # the client hung up
                    proxy.sent_before_hang_up.append(sent)
                    proxy.hung_up.set()
                    return
                if proxy._stop.wait(interval):
                    return

        do_GET = do_POST = do_DELETE = do_PUT = _any  # noqa: N815

    return Handler


# Rules ---------------------------------------------------------------------------------------


def edit_json(change: Callable[[Any], None]) -> Rule:
    """Decode the real answer, let `change` edit it in place, and send the result."""

    def rule(answer: Answer) -> Answer:
        data = answer.json()
        change(data)
        body = json.dumps(data, default=str).encode()
        return Answer(answer.status, {**answer.headers, "Content-Type": "application/json"}, body)

    return rule


def replace_body(body: bytes, status: int = 200) -> Rule:
    """Ignore the real answer and send `body` with `status`."""

    def rule(_answer: Answer) -> Answer:
        return Answer(status, {"Content-Type": "application/json"}, body)

    return rule


def nested(depth: int) -> bytes:
    """A JSON body nested `depth` arrays deep."""
    return b"[" * depth + b"]" * depth


def trickle_head(interval: float) -> Rule:
    """Send the real answer whole, status line and headers included, one byte every
    `interval` seconds (about 70 s of headers at 1 s a byte): every read succeeds."""

    def rule(answer: Answer) -> Answer:
        headers = {"Content-Type": "application/json", "X-Padding": "p" * 40}
        return Answer(answer.status, headers, answer.body, head_interval=interval)

    return rule


def trickle(interval: float, total: int = 10_000) -> Rule:
    """Send the real answer's status and a Content-Length of `total`, then one byte every
    `interval` seconds: every single read succeeds, the whole never ends."""

    def rule(answer: Answer) -> Answer:
        return Answer(
            answer.status,
            {"Content-Type": "application/json"},
            chunks=(b" " for _ in range(total)),
            interval=interval,
            declared_length=total,
        )

    return rule
