"""`pm-trader dashboard`: the book in a web page, with /metrics and /healthz, until Ctrl-C.

It reads the book a bot is running on (or one it left) read-only, beside the bot; with
`dashboard.token` set its controls write the same requests as `pause`, `resume`, `close` and
`flatten` (web.server says what each route does).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from rich.console import Console

from commands.base import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
from infra.db.errors import DatabaseError
from infra.db.reading import open_for_reading
from infra.settings import ConfigError, Settings
from web.server import EXPOSED, DashboardServer, is_loopback


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="the address to listen on (default 127.0.0.1: loopback)")
    parser.add_argument("--port", type=int, help="the port (default 8686; 0: any free one)")


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    changes = {k: v for k, v in (("host", options.host), ("port", options.port)) if v is not None}
    try:
        settings = settings.with_section("dashboard", **changes)
    except ConfigError as exc:
        console.print(f"error: {exc}")
        return EXIT_CONFIG
    try:
        open_for_reading(settings.database_path).close()
    except DatabaseError as exc:  # served all the same: a bot may create it, or upgrade it, later
        console.print(f"note: {exc}; the page and /healthz say so until it can be read")
    try:
        server = DashboardServer(settings)
    except OSError as exc:
        console.print(
            f"dashboard: cannot listen on {settings.dashboard.host}:{settings.dashboard.port}:"
            f" {exc.strerror or exc} (choose another with --port)"
        )
        return EXIT_FAILURE
    mode = "controls on: a token is set" if settings.dashboard.token else "read-only: no token set"
    console.print(f"dashboard of {settings.database_path} at {server.url} ({mode}); Ctrl-C stops")
    if not is_loopback(settings.dashboard.host):
        console.print(f"warning: {EXPOSED}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # `docker stop`, systemd
    with server, contextlib.suppress(KeyboardInterrupt):  # Ctrl-C
        stop.wait()
    console.print("dashboard stopped")
    return EXIT_OK
