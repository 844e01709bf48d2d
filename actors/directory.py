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

    def register(self, name: str, ref: pykka.ActorRef[Any]) -> None:
        with self._lock:
            self._refs[name] = ref

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
