"""SIGINT and SIGTERM only set an event; a second SIGINT exits at once. SIGUSR1 dumps stacks."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

import pykka.debug
from loguru import logger

FORCED_EXIT = 130


def install_signal_handlers(shutting_down: threading.Event) -> None:
    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if shutting_down.is_set() and signum == signal.SIGINT:
            logger.warning("second {}: exiting now without the orderly stop", name)
            logger.complete()
            os._exit(FORCED_EXIT)
        logger.warning("{}: finishing the work in hand, then stopping (again to force)", name)
        shutting_down.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGUSR1, pykka.debug.log_thread_tracebacks)
