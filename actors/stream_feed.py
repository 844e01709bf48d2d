"""The venue stream's news, told to the Reconciler: the one actor that feeds the venue's
records to the book's fold, so a pushed fill and a REST read never interleave."""

from __future__ import annotations

import time
from typing import Any

import pykka
from loguru import logger

from actors.directory import ActorUnavailable, Directory
from domain.messages import BookPushedFills, OrderEnded, ResyncRequested
from domain.models import FillReport


class ReconcilerFeed:
    """A `StreamSink` (infra.kalshi.stream) for the running system."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def fills(self, fills: tuple[FillReport, ...]) -> None:
        self._tell(BookPushedFills(fills=fills))

    def resync(self, reason: str) -> None:
        self._tell(ResyncRequested(reason=reason, requested_ns=time.monotonic_ns()))

    def order_ended(self, client_order_id: str) -> None:
        self._tell(OrderEnded(client_order_id=client_order_id, requested_ns=time.monotonic_ns()))

    def _tell(self, message: Any) -> None:
        try:
            self.directory.get("reconciler").tell(message)
        except (ActorUnavailable, pykka.ActorDeadError) as exc:
            # Restarting: it reconciles from REST when it is back, which finds what this says.
            logger.info("venue stream news left for the next reconciliation: {!r}", exc)
