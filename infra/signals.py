"""SIGINT and SIGTERM only set an event; a second SIGINT exits at once. SIGUSR1 dumps stacks.

The handler sets the event before anything else and never calls the logger: a signal can land
while a log line is being written, and loguru is not re-entrant. It writes its one line to
stderr directly.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import suppress
from types import FrameType

import pykka.debug

FORCED_EXIT = 130
STDERR = 2  # the file descriptor, whatever sys.stderr has been replaced with


def _say(text: str) -> None:
    with suppress(OSError):  # stderr closed or full: the event is set all the same
        os.write(STDERR, text.encode())


def install_signal_handlers(shutting_down: threading.Event) -> None:
    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if shutting_down.is_set() and signum == signal.SIGINT:
            _say(f"second {name}: exiting now, without the orderly stop\n")
            os._exit(FORCED_EXIT)
        shutting_down.set()
        _say(f"{name}: finishing the work in hand, then stopping (Ctrl-C again to force)\n")

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGUSR1, pykka.debug.log_thread_tracebacks)
