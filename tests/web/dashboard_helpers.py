"""A dashboard served in process on a loopback port of its own (port 0), over a book."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from infra.settings import DashboardSettings, Settings
from web.server import DashboardServer

TOKEN = "a-long-enough-test-token"


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


def settings_for(book: Path, token: str | None = None, **dashboard: Any) -> Settings:
    return Settings(
        db=book, dashboard=DashboardSettings(**{"port": 0, "token": token, **dashboard})
    )


@contextmanager
def serving(settings: Settings, clock: FixedClock | None = None) -> Iterator[str]:
    """The dashboard's base URL (without the final slash) while it runs; every answer read
    afresh (no second's cache), so a test sees each change at once."""
    with DashboardServer(settings, clock, cache=0) as server:
        yield server.url.rstrip("/")


def post(url: str, token: str | None, body: dict[str, Any] | None = None) -> requests.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return requests.post(url, data=json.dumps(body or {}), headers=headers, timeout=10)
