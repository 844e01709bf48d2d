"""A tiny HTTP server on port 0 that records every request and answers from canned replies.

Routes are keyed by (method, path without the base prefix). A route holds a queue of
replies (the last one repeats) or a function of the recorded request. A reply can hang until
an event is set (to provoke client timeouts) or drop the connection without answering.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # full path, e.g. /trade-api/v2/markets
    route: str  # path without the prefix, e.g. /markets
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes/str -> as is
    hang: threading.Event | None = None  # wait for this before answering
    drop: bool = False  # close the connection without any answer
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Handler = Callable[[Recorded], Reply]


class RecordingServer:
    def __init__(self, prefix: str = "/trade-api/v2") -> None:
        self.prefix = prefix
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, str], list[Reply] | Handler] = {}
        self._lock = threading.Lock()
        self._hangs: list[threading.Event] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                route = parts.path
                if route.startswith(server.prefix):
                    route = route[len(server.prefix) :] or "/"
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    route=route,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={key: value for key, value in self.headers.items()},
                    raw=raw,
                )
                reply = server._reply(recorded)
                if reply.hang is not None:
                    reply.hang.wait(timeout=30)
                if reply.drop:
                    self.close_connection = True
                    return
                body = reply.encoded()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout): nothing to answer to

            do_GET = do_POST = do_DELETE = do_PUT = _handle  # noqa: N815 (http.server names)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}{self.prefix}"

    def start(self) -> RecordingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            for event in self._hangs:
                event.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def route(self, method: str, path: str, *replies: Reply | Handler) -> None:
        """Queue replies for (method, path); a single callable answers every request."""
        with self._lock:
            if len(replies) == 1 and callable(replies[0]) and not isinstance(replies[0], Reply):
                self._routes[(method, path)] = replies[0]
            else:
                self._routes[(method, path)] = [r for r in replies if isinstance(r, Reply)]
                for reply in self._routes[(method, path)]:  # type: ignore[union-attr]
                    if reply.hang is not None:
                        self._hangs.append(reply.hang)

    def _reply(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            target = self._routes.get((recorded.method, recorded.route))
            if target is None:
                return Reply(404, {"error": {"code": "not_found", "message": "no such route"}})
            if callable(target):
                handler = target
            else:
                return target.pop(0) if len(target) > 1 else target[0]
        return handler(recorded)

    def calls(self, method: str, route: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.route == route]
