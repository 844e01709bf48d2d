"""A deterministic fault plan: crash a chosen actor on a chosen message, for tests.

In production the plan is empty and costs one dict lookup per message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


class InjectedFault(RuntimeError):
    """Raised by the fault plan; never raised in production."""


@dataclass
class _Rule:
    actor: str
    message_type: type | None  # None: the actor's start
    nth: int
    times: int
    seen: int = 0
    fired: int = 0


class FaultPlan:
    """Rules like "crash Bankroll on its 2nd ReserveFunds" or "fail Storage's start once".

    Bankroll commits queued balance commands in groups: the plan sees the command that starts
    a group, not the ones taken along with it, so a test counting a Bankroll rule's `nth`
    sends those commands one at a time (each ask waiting for its reply).
    """

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()

    def crash_on(self, actor: str, message_type: type, *, nth: int = 1, times: int = 1) -> None:
        """Raise InjectedFault when `actor` handles its `nth` message of `message_type`.

        The actor dies of it whether the message was told or asked (see BaseActor._crash).
        """
        with self._lock:
            self._rules.append(_Rule(actor, message_type, nth, times))

    def fail_start(self, actor: str, *, times: int = 1) -> None:
        with self._lock:
            self._rules.append(_Rule(actor, None, 1, times))

    def before_message(self, actor: str, message: object) -> None:
        self._check(actor, type(message))

    def before_start(self, actor: str) -> None:
        self._check(actor, None)

    def _check(self, actor: str, message_type: type | None) -> None:
        if not self._rules:
            return
        with self._lock:
            for rule in self._rules:
                if rule.actor != actor or rule.message_type is not message_type:
                    continue
                rule.seen += 1
                if rule.seen >= rule.nth and rule.fired < rule.times:
                    rule.fired += 1
                    what = "start" if message_type is None else message_type.__name__
                    raise InjectedFault(f"fault plan: {actor} crashes on {what} #{rule.seen}")
