"""One-for-one supervision with bounded restart intensity, escalating to an orderly shutdown.

Pykka has no supervision (its issue #42). Children report crashes through `on_failure`
(see BaseActor); the supervisor records the message that crashed the child as a dead letter
(never redelivered), restarts the child if the restart budget allows, and otherwise escalates:
it sets the shutdown request with a non-zero exit code and `main.py` runs the ordered stop.

The supervisor is a plain object driven by one thread of its own, so a crash report never
waits behind the work of the actor that crashed.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pykka
from loguru import logger

from actors.base import CrashReport, ping
from actors.directory import ActorUnavailable, Directory
from domain.clock import Clock
from domain.errors import StartupFailed

Factory = Callable[[Callable[[CrashReport], None]], pykka.ActorRef[Any]]


@dataclass(frozen=True)
class ChildSpec:
    """How to (re)start one child. `factory` receives the crash callback to pass on."""

    name: str
    factory: Factory
    escalate_on_crash: bool = False  # Storage: never restart a database owner in-process
    after_restart: Callable[[], None] | None = None
    start_timeout: float = 15.0
    stop_timeout: float = 15.0


@dataclass(frozen=True)
class RestartPolicy:
    max_restarts: int = 3
    within_seconds: float = 60.0


@dataclass(frozen=True)
class ShutdownRequest:
    reason: str
    exit_code: int


@dataclass
class SupervisorEvents:
    """What tests and main.py observe: restarts, give-ups, and the shutdown request."""

    restarted: queue.Queue[str] = field(default_factory=queue.Queue)
    gave_up: queue.Queue[str] = field(default_factory=queue.Queue)
    dead_letters: queue.Queue[CrashReport] = field(default_factory=queue.Queue)


class Supervisor:
    def __init__(
        self,
        specs: list[ChildSpec],
        clock: Clock,
        *,
        policy: RestartPolicy | None = None,
        on_shutdown: Callable[[ShutdownRequest], None],
        record_dead_letter: Callable[[CrashReport], None] | None = None,
        on_restart: Callable[[str], None] | None = None,
    ) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self.order = [spec.name for spec in specs]
        self.clock = clock
        self.policy = policy or RestartPolicy()
        self.on_shutdown = on_shutdown
        self.record_dead_letter = record_dead_letter
        self.on_restart = on_restart
        self.directory = Directory()
        self.events = SupervisorEvents()
        self._restarts: dict[str, deque[datetime]] = {name: deque() for name in self.order}
        self._reports: queue.Queue[CrashReport | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="Supervisor", daemon=True)
        self._stopping = threading.Event()
        self._escalated = False
        self._started: list[str] = []
        self._start_failures: dict[str, CrashReport] = {}
        self.log = logger.bind(actor="supervisor")

    # Start and stop ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the children in order, confirming each with a ping; stop all on failure."""
        self._thread.start()
        try:
            for name in self.order:
                self._start_child(name)
        except Exception:
            self.stop()
            raise

    def _start_child(self, name: str) -> pykka.ActorRef[Any]:
        spec = self.specs[name]
        ref = spec.factory(self.report)
        try:
            ping(ref, timeout=spec.start_timeout)
        except (pykka.ActorDeadError, pykka.Timeout) as exc:
            ref.stop(block=False)
            failure = self._start_failures.pop(ref.actor_urn, None)
            why = f"{failure.error_type}: {failure.error}" if failure else repr(exc)
            raise StartupFailed(f"{name} could not start: {why}") from exc
        self.directory.register(name, ref)
        if name not in self._started:
            self._started.append(name)
        self.log.debug("started {}", name)
        return ref

    def stop(self) -> None:
        """Stop the children in reverse start order, each with a timeout, then sweep."""
        self._stopping.set()
        for name in reversed(self._started):
            try:
                ref = self.directory.get(name)
            except ActorUnavailable:
                self.log.debug("{} had already stopped", name)
                continue
            if not ref.stop(block=True, timeout=self.specs[name].stop_timeout):
                self.log.warning("{} was already stopped", name)
            self.directory.remove(name)
        self._started.clear()
        self._reports.put(None)
        self._thread.join(timeout=5)
        leftovers = [
            ref
            for ref in pykka.ActorRegistry.get_all()
            if getattr(ref.actor_class, "supervised", True)
        ]
        if leftovers:
            names = [ref.actor_class.__name__ for ref in leftovers]
            self.log.error("actors still running after the ordered stop (a bug): {}", names)
            pykka.ActorRegistry.stop_all(block=True, timeout=10)

    # Crashes -------------------------------------------------------------------------------

    def report(self, crash: CrashReport) -> None:
        """Called from the dying actor's thread; hands the report to the supervisor thread.

        A child that dies while starting is not registered yet: its report is also kept for
        the start to say why (it is called before the start's ping fails)."""
        if self.directory.current_urn(crash.actor) != crash.actor_urn:
            self._start_failures[crash.actor_urn] = crash
        self._reports.put(crash)

    def _loop(self) -> None:
        while True:
            crash = self._reports.get()
            if crash is None:
                return
            try:
                self._handle(crash)
            except Exception as exc:  # the supervisor itself must not die
                if self._stopping.is_set():  # e.g. a restarted child's peer was just stopped
                    self.log.debug("stopping: ignored {!r} handling {}", exc, crash.actor)
                    continue
                self.log.exception("supervisor failed handling {}", crash)
                self._escalate(f"supervisor error: {exc}")

    def _handle(self, crash: CrashReport) -> None:
        if self._stopping.is_set() or self._escalated:
            return
        if self.directory.current_urn(crash.actor) != crash.actor_urn:
            self.log.debug("ignoring a stale crash report from {}", crash.actor)
            return
        self.events.dead_letters.put(crash)
        if self.record_dead_letter is not None and crash.message_kind is not None:
            try:
                self.record_dead_letter(crash)
            except Exception:  # noqa: BLE001 - storage may be the one that crashed
                self.log.warning("could not record the dead letter for {}", crash.actor)
        spec = self.specs[crash.actor]
        if spec.escalate_on_crash:
            self._give_up(crash.actor, f"{crash.actor} crashed: {crash.error}")
            return
        if not self._within_budget(crash.actor):
            self._give_up(
                crash.actor,
                f"{crash.actor} crashed more than {self.policy.max_restarts} times in"
                f" {self.policy.within_seconds:g} s (last: {crash.error_type}: {crash.error})",
            )
            return
        self.log.warning("restarting {} after {}: {}", crash.actor, crash.error_type, crash.error)
        try:
            ref = self._start_child(crash.actor)
        except Exception as exc:  # noqa: BLE001
            if self._stopping.is_set():
                self.log.debug("{} not restarted: the system is stopping", crash.actor)
                return
            self._give_up(crash.actor, f"{crash.actor} could not be restarted: {exc}")
            return
        if self._stopping.is_set():
            # The ordered stop began while this child was starting and may have gone past
            # it (it saw the dead one): stop the new one here, or it would outlive the stop.
            ref.stop(block=True, timeout=spec.stop_timeout)
            self.directory.remove(crash.actor)
            return
        if spec.after_restart is not None:
            spec.after_restart()
        if self.on_restart is not None:
            self.on_restart(crash.actor)
        self.events.restarted.put(crash.actor)

    def _within_budget(self, name: str) -> bool:
        now = self.clock.now()
        history = self._restarts[name]
        while history and (now - history[0]).total_seconds() > self.policy.within_seconds:
            history.popleft()
        if len(history) >= self.policy.max_restarts:
            return False
        history.append(now)
        return True

    def _give_up(self, name: str, reason: str) -> None:
        self.log.error("giving up: {}", reason)
        self.events.gave_up.put(name)
        self._escalate(reason)

    def _escalate(self, reason: str) -> None:
        """Ask for the orderly shutdown, once; from now on nothing is restarted."""
        if self._escalated:
            return
        self._escalated = True
        self.on_shutdown(ShutdownRequest(reason=reason, exit_code=3))
