"""The dashboard's HTTP server: the standard library's threading server, on loopback by default.

Routes:
- `GET /` the page, `GET /static/NAME` its script and style (served from this package: no CDN,
  no internet);
- `GET /api/dashboard` every figure the page shows (web.api), as JSON;
- `GET /metrics` the book in Prometheus's format (web.metrics);
- `GET /healthz` 200 or 503 by domain.liveness's rule, with the reasons as JSON;
- `POST /api/control/{pause,resume,close,flatten}` an operator request (web.controls), only with
  `Authorization: Bearer TOKEN` when `dashboard.token` is set; refused otherwise.

It only reads the book (read-only connections; SQLite readers never block the bot's writer) and
keeps each answer for a second, so any number of open pages costs the bot nothing. On loopback
it answers only requests addressed to a loopback name (no DNS rebinding from a web page); the
controls take the token from a header a page of another site cannot send, and the page forbids
framing and any script not its own.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from loguru import logger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from domain.clock import Clock, format_utc
from domain.errors import StartupFailed
from domain.liveness import liveness
from infra.clock import SystemClock
from infra.db.errors import DatabaseError
from infra.settings import Settings
from services.status_data import read_current_status
from web.api import dashboard_object, max_cycle_age
from web.controls import ACTIONS, ControlRefused, apply
from web.metrics import registry

STATIC = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
PAGE = "index.html"
CACHE_SECONDS = 1.0
MAX_BODY = 4096
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


EXPOSED = (
    "the dashboard listens beyond this machine over plain HTTP: anyone who reaches it reads the"
    " book, and a token travels in clear; put it behind a TLS proxy with authentication"
)


def _asset(name: str) -> bytes:
    return resources.files("web").joinpath("static", name).read_bytes()


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class _Cached:
    """One answer kept for `seconds` (monotonic), computed by one thread at a time."""

    def __init__(self, compute: Callable[[], Any], seconds: float) -> None:
        self.compute = compute
        self.seconds = seconds
        self.lock = threading.Lock()
        self.value: Any = None
        self.at: float | None = None

    def get(self) -> Any:
        with self.lock:
            if self.at is None or time.monotonic() - self.at >= self.seconds:
                self.value = self.compute()
                self.at = time.monotonic()
            return self.value


class Dashboard:
    """What the handler answers from: the settings, the clock and the cached answers."""

    def __init__(
        self, settings: Settings, clock: Clock | None = None, cache: float = CACHE_SECONDS
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        token = settings.dashboard.token
        self.token = None if token is None else token.get_secret_value().encode()
        self.loopback_only = is_loopback(settings.dashboard.host)
        self.metrics = registry(settings)
        self._page = _Cached(self._dashboard, cache)
        self._metrics = _Cached(lambda: generate_latest(self.metrics), cache)
        self._status = _Cached(lambda: read_current_status(settings.database_path), cache)

    def _dashboard(self) -> bytes:
        now = self.clock.now()
        body = dashboard_object(self.settings, now, controls=self.token is not None)
        return json.dumps(body).encode()

    def dashboard_json(self) -> bytes:
        return bytes(self._page.get())

    def metrics_text(self) -> bytes:
        return bytes(self._metrics.get())

    def health(self) -> tuple[int, bytes]:
        data = self._status.get()  # a watchdog polling every second reads the book once
        heartbeat = data.heartbeat
        verdict = liveness(
            data.running,
            heartbeat.heartbeat_at if heartbeat else None,
            data.halts,
            self.clock.now(),
            max_cycle_age(self.settings),
        )
        body = {
            "ok": verdict.ok,
            "running": verdict.running,
            "last_cycle_at": None
            if verdict.last_cycle_at is None
            else format_utc(verdict.last_cycle_at),
            "last_cycle_age_seconds": verdict.age_seconds,
            "max_cycle_age_seconds": verdict.max_age_seconds,
            "halts": [h.code.value for h in verdict.halts],
            "problems": list(verdict.problems),
        }
        status = HTTPStatus.OK if verdict.ok else HTTPStatus.SERVICE_UNAVAILABLE
        return status, json.dumps(body).encode()

    def authorized(self, header: str | None) -> bool:
        if self.token is None or header is None or not header.startswith("Bearer "):
            return False
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), self.token)


class Handler(BaseHTTPRequestHandler):
    server_version = "pm-trader"
    sys_version = ""
    dashboard: Dashboard  # set on the subclass made for each server

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("dashboard {} {}", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=300" if cache else "no-store")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: dict[str, Any]) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def _host_allowed(self) -> bool:
        """On loopback, only requests addressed to a loopback name (a page elsewhere that
        points its own name at 127.0.0.1 cannot read the book)."""
        if not self.dashboard.loopback_only:
            return True
        try:
            name = urlsplit("//" + (self.headers.get("Host") or "")).hostname
        except ValueError:
            return False
        return name is not None and is_loopback(name)

    def _answer(self, route: Callable[[], None]) -> None:
        if not self._host_allowed():
            self._json(HTTPStatus.FORBIDDEN, {"error": "the dashboard answers loopback names only"})
            return
        try:
            route()
        except DatabaseError as exc:
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(exc)})
        except Exception as exc:  # noqa: BLE001 - one line in the log, never a traceback out
            logger.opt(exception=exc).debug("the dashboard's error")
            logger.error("dashboard: unexpected {}: {}", type(exc).__name__, exc)
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": type(exc).__name__})

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_HEAD(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def _get(self) -> None:
        path = self.path.split("?", 1)[0]
        board = self.dashboard
        if path in {"/", "/index.html"}:
            self._send(HTTPStatus.OK, _asset(PAGE), "text/html; charset=utf-8")
        elif path.startswith("/static/") and path.removeprefix("/static/") in STATIC:
            name = path.removeprefix("/static/")
            self._send(HTTPStatus.OK, _asset(name), STATIC[name], cache=True)
        elif path == "/api/dashboard":
            self._send(HTTPStatus.OK, board.dashboard_json(), "application/json")
        elif path == "/metrics":
            self._send(HTTPStatus.OK, board.metrics_text(), CONTENT_TYPE_LATEST)
        elif path == "/healthz":
            status, body = board.health()
            self._send(status, body, "application/json")
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {path}"})

    def _post(self) -> None:
        path = self.path.split("?", 1)[0]
        action = path.removeprefix("/api/control/")
        if not path.startswith("/api/control/") or action not in ACTIONS:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such control: {path}"})
            return
        board = self.dashboard
        if board.token is None:
            self._json(
                HTTPStatus.FORBIDDEN,
                {"error": "the dashboard is read-only: no dashboard.token is set"},
            )
            return
        if not board.authorized(self.headers.get("Authorization")):
            self._json(HTTPStatus.UNAUTHORIZED, {"error": "a valid token is needed"})
            return
        body = self._body()
        if body is None:
            return
        try:
            number, what = apply(board.settings.database_path, action, body, self.client_address[0])
        except ControlRefused as exc:
            self._json(HTTPStatus.CONFLICT, {"error": str(exc)})
            return
        logger.info("dashboard: {} request {} recorded: {}", action, number, what)
        self._json(HTTPStatus.OK, {"request": number, "message": f"request {number}: {what}"})

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "the request is too large"})
            return None
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._json(HTTPStatus.BAD_REQUEST, {"error": "the body must be a JSON object"})
            return None
        return body


@contextmanager
def served_dashboard(settings: Settings, path: Path) -> Iterator[DashboardServer | None]:
    """The dashboard of the book at `path` while the bot runs on it, if `dashboard.serve`;
    a port that cannot be listened on stops the start (StartupFailed): asked for, it is
    never silently missing."""
    if not settings.dashboard.serve:
        yield None
        return
    try:
        server = DashboardServer(settings.model_copy(update={"db": path}))
    except OSError as exc:
        where = f"{settings.dashboard.host}:{settings.dashboard.port}"
        raise StartupFailed(
            f"dashboard.serve: cannot listen on {where}: {exc.strerror or exc}"
            " (set dashboard.port to a free one)"
        ) from None
    with server:
        mode = "controls on" if settings.dashboard.token else "read-only"
        logger.info("dashboard at {} ({}); /metrics and /healthz beside it", server.url, mode)
        if not is_loopback(settings.dashboard.host):
            logger.warning("{}", EXPOSED)
        yield server


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ARG002
        """A browser that hangs up mid-request is normal: no traceback on the user's screen."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        logger.opt(exception=sys.exc_info()[1]).warning(
            "dashboard request from {} failed", client_address[0]
        )


class DashboardServer:
    """The server in a thread of its own (daemon: it never keeps a process alive)."""

    def __init__(
        self, settings: Settings, clock: Clock | None = None, cache: float = CACHE_SECONDS
    ) -> None:
        board = Dashboard(settings, clock, cache)
        handler = type("BoundHandler", (Handler,), {"dashboard": board})
        self.httpd = _QuietServer((settings.dashboard.host, settings.dashboard.port), handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, name="dashboard", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    def start(self) -> DashboardServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
