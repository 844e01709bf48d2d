"""A loopback HTTP receiver for notices: it keeps every POST (path and JSON body), answers
with the statuses it is given in turn (then 200), and can be held so that a sender waits."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, statuses: tuple[int, ...] = ()) -> None:
        self.statuses = list(statuses)
        self.posts: list[tuple[str, dict[str, Any]]] = []  # every attempt, answered or not
        self.taken: list[tuple[str, dict[str, Any]]] = []  # those answered 200
        self.arrived = threading.Condition()
        self.released = threading.Event()
        self.released.set()
        self.url = ""

    def wait_for(self, count: int, timeout: float = 30.0) -> list[tuple[str, dict[str, Any]]]:
        """The first `count` posts taken, once they arrived (fails after `timeout`)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.taken) >= count, timeout):
                raise AssertionError(f"{len(self.taken)} of {count} notices arrived")
            return self.taken[:count]

    def _handle(self, path: str, body: dict[str, Any]) -> int:
        self.released.wait(30)
        with self.arrived:
            self.posts.append((path, body))
            status = self.statuses.pop(0) if self.statuses else 200
            if status == 200:
                self.taken.append((path, body))
            self.arrived.notify_all()
            return status


@contextmanager
def receiving(statuses: tuple[int, ...] = ()) -> Iterator[Receiver]:
    receiver = Receiver(statuses)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            status = receiver._handle(self.path, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            """A sender hanging up (a notifier stopped mid-post) is part of the tests."""

    server = Server(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
