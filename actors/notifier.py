"""The Notifier: after each cycle it reads what the book booked since its last look (fills,
halts, parts turned unhealthy, the day's summary) and posts each notice to every channel.

It runs beside the trading system, not in it: a cycle only `tell`s it, so a slow or dead
receiver delays notices, never trading. Retries back off in its own thread; at shutdown it
looks once more and tries each channel once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pykka
import requests

from actors.base import BaseActor, handles
from domain.clock import Clock
from domain.messages import LookForNotices
from domain.notices import Notice, NoticeKind
from infra.notify import DEFAULT_DELIVERY, Channel, Delivery, channels, send
from infra.settings import NotificationSettings
from services.notice_feed import NoticeFeed


class Notifier(BaseActor):
    name: ClassVar[str] = "notifier"
    supervised: ClassVar[bool] = False  # the run command stops it after the trading system

    def __init__(
        self,
        feed: NoticeFeed,
        channels: Iterable[Channel],
        kinds: frozenset[NoticeKind],
        clock: Clock,
        delivery: Delivery = DEFAULT_DELIVERY,
        stopping: threading.Event | None = None,
    ) -> None:
        super().__init__()
        self.stopping = stopping or threading.Event()
        self.feed = feed
        self.channels = tuple(channels)
        self.kinds = kinds
        self.clock = clock
        self.delivery = delivery
        self.session = requests.Session()
        self.sent = 0

    @handles(LookForNotices)
    def _on_look(self, message: LookForNotices) -> int:
        try:
            return self._deliver(message.now, self.delivery)
        except Exception as exc:  # noqa: BLE001 - notices must never stop; said loudly
            self.log.error("could not read the book for notices: {}", exc)
            return 0

    def on_stop(self) -> None:
        try:
            self._deliver(self.clock.now(), self.delivery)
        except Exception as exc:  # noqa: BLE001 - a last look must not stop the shutdown
            self.log.warning("last look for notices failed: {}", exc)
        self.session.close()

    def _deliver(self, now: datetime, delivery: Delivery) -> int:
        """Post the notices since the last look; returns how many reached every channel."""
        notices: list[Notice] = [n for n in self.feed.poll(now) if n.kind in self.kinds]
        delivered = 0
        for notice in notices:
            taken = [
                send(channel, notice, delivery, self.session, self.stopping)
                for channel in self.channels
            ]
            delivered += all(taken)
        self.sent += delivered
        return delivered


@dataclass(frozen=True)
class RunningNotifier:
    """A started Notifier, and the event that cuts its retries short at shutdown."""

    ref: pykka.ActorRef[Notifier]
    stopping: threading.Event

    def look(self, now: datetime) -> None:
        self.ref.tell(LookForNotices(now=now))

    def stop(self, timeout: float) -> bool:
        """Stop after one last look, each channel tried once more at most; False: timed out."""
        self.stopping.set()
        try:
            self.ref.stop(timeout=timeout)
        except pykka.Timeout:
            return False
        return True


def start_notifier(
    settings: NotificationSettings, path: Path, clock: Clock, delivery: Delivery = DEFAULT_DELIVERY
) -> RunningNotifier | None:
    """The Notifier for the book at `path`, started at the book's end (None: no channel)."""
    if not settings.configured:
        return None
    feed = NoticeFeed(path, clock.now(), daily_hour=settings.daily_hour)
    kinds = frozenset(NoticeKind(kind) for kind in settings.events)
    stopping = threading.Event()
    ref = Notifier.start(feed, channels(settings), kinds, clock, delivery, stopping)
    return RunningNotifier(ref, stopping)
