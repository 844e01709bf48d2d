"""Name -> the current ActorRef, so a restarted peer (new URN) is reached automatically."""

from __future__ import annotations

import threading
from typing import Any

import pykka


class ActorUnavailable(RuntimeError):
    """The named actor is not running (not started yet, crashed, or stopped)."""


class Directory:
    def __init__(self) -> None:
        self._refs: dict[str, pykka.ActorRef[Any]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    def register(self, name: str, ref: pykka.ActorRef[Any]) -> None:
        with self._lock:
            self._refs[name] = ref
            self._changed.notify_all()

    def wait_for(self, name: str, timeout: float) -> pykka.ActorRef[Any]:
        """The named actor once it is running (e.g. restarted by the supervisor)."""

        def alive() -> bool:
            ref = self._refs.get(name)
            return ref is not None and ref.is_alive()

        with self._changed:
            if not self._changed.wait_for(alive, timeout=timeout):
                raise ActorUnavailable(f"{name} did not come back within {timeout:g} s")
            return self._refs[name]

    def remove(self, name: str) -> None:
        with self._lock:
            self._refs.pop(name, None)

    def get(self, name: str) -> pykka.ActorRef[Any]:
        with self._lock:
            ref = self._refs.get(name)
        if ref is None or not ref.is_alive():
            raise ActorUnavailable(f"{name} is not running")
        return ref

    def current_urn(self, name: str) -> str | None:
        with self._lock:
            ref = self._refs.get(name)
        return None if ref is None else ref.actor_urn
