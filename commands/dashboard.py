"""`pm-trader dashboard`: the book in a web page, with /metrics and /healthz, until Ctrl-C.

It reads the book a bot is running on (or one it left) read-only, beside the bot; with
`dashboard.token` set its controls write the same requests as `pause`, `resume`, `close` and
`flatten` (web.server says what each route does).
"""

from __future__ import annotations

import argparse
import threading

from rich.console import Console

from commands.base import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
from infra.db.reading import open_for_reading
from infra.settings import ConfigError, Settings
from web.server import DashboardServer


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
    open_for_reading(settings.database_path).close()  # a missing or older book: one line, exit 1
    try:
        server = DashboardServer(settings)
    except OSError as exc:
        console.print(
            f"dashboard: cannot listen on {settings.dashboard.host}:{settings.dashboard.port}:"
            f" {exc.strerror or exc} (choose another with --port)"
        )
        return EXIT_FAILURE
    mode = "controls on (token set)" if settings.dashboard.token else "read-only (no token set)"
    console.print(f"dashboard of {settings.database_path} at {server.url} ({mode}); Ctrl-C stops")
    with server:
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("dashboard stopped")
    return EXIT_OK
