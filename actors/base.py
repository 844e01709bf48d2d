"""The base actor: typed dispatch by message class, a ping, the fault plan, crash reports.

Handlers are methods decorated with `@handles(MessageType)`. A message sent with `tell` whose
handler raises stops the actor and reaches `on_failure` (then the supervisor); one sent with
`ask` returns the exception to the caller and the actor keeps running (Pykka's semantics).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import pykka
from loguru import logger

from actors.faults import FaultPlan, InjectedFault
from domain.messages import Message, Ping, Pong

M = TypeVar("M", bound=Message)
Handler = Callable[[Any, Any], Any]

DEFAULT_ASK_TIMEOUT = 10.0


def handles(message_type: type[Message]) -> Callable[[Handler], Handler]:
    """Mark a method as the handler for `message_type`."""

    def mark(method: Handler) -> Handler:
        method.__handles__ = message_type  # type: ignore[attr-defined]
        return method

    return mark


class CrashReport(Message):
    """An actor died handling a message; the message is recorded, never redelivered."""

    actor: str
    actor_urn: str
    error_type: str
    error: str
    message_kind: str | None = None
    message_id: str | None = None


class UnknownMessage(TypeError):
    pass


class BaseActor(pykka.ThreadingActor):
    name: ClassVar[str] = "actor"
    supervised: ClassVar[bool] = True  # False: runs beside the trading system, stopped after it
    _handlers: ClassVar[dict[type, Handler]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table: dict[type, Handler] = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                message_type = getattr(attr, "__handles__", None)
                if message_type is not None:
                    table[message_type] = attr
        cls._handlers = table

    def __init__(
        self,
        *,
        fault_plan: FaultPlan | None = None,
        on_crash: Callable[[CrashReport], None] | None = None,
    ) -> None:
        super().__init__()
        self.fault_plan = fault_plan or FaultPlan()
        self.on_crash = on_crash
        self.log = logger.bind(actor=self.name)
        self._current: Message | None = None
        self._crashed = False

    # Lifecycle -------------------------------------------------------------------------

    def on_start(self) -> None:
        try:
            self.fault_plan.before_start(self.name)
            self.started()
        except Exception as exc:
            # Pykka stops an actor whose start failed without calling on_failure: report it
            # here, so the supervisor can say why the start failed (see Supervisor.report).
            if self.on_crash is not None:
                self.on_crash(self._report(type(exc), exc, message=None))
            raise

    def started(self) -> None:
        """Rebuild state here (runs in the actor's thread, before the first message)."""

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Ping):
            return Pong(actor=self.name).caused(message)
        handler = self._handlers.get(type(message))
        if handler is None:
            raise UnknownMessage(f"{self.name} has no handler for {type(message).__name__}")
        self._current = message
        try:
            self.fault_plan.before_message(self.name, message)
        except InjectedFault as fault:
            self._crash(fault)
            raise pykka.ActorDeadError(
                f"{self.name} crashed handling {type(message).__name__}"
            ) from fault
        result = handler(self, message)
        self._current = None
        return result

    def _crash(self, fault: InjectedFault) -> None:
        """A planned crash kills the actor however the message came, as a real one would.

        Pykka keeps an actor alive when a handler it was *asked* to run raises (the asker
        gets the exception), so a planned crash on a message that is only ever asked
        (ReserveFunds, ClaimMarket) would otherwise crash the asker and spare this actor.
        Stop the way Pykka stops a failed actor, report to the supervisor once, and let an
        asker see what it sees when its peer has died: ActorDeadError.
        """
        pykka.ActorRegistry.unregister(self.actor_ref)
        self.actor_stopped.set()
        self.on_failure(type(fault), fault, fault.__traceback__)
        self._crashed = True

    def on_failure(self, exception_type: Any, exception_value: Any, traceback: Any) -> None:  # noqa: ARG002
        if self._crashed:
            return  # already reported by _crash (Pykka calls this again for a tell)
        report = self._report(exception_type, exception_value, message=self._current)
        self.log.error(
            "crashed on {} ({}): {}", report.message_kind, report.error_type, report.error
        )
        if self.on_crash is not None:
            self.on_crash(report)
        try:  # Pykka skips on_stop after a failure: release what this actor holds anyway
            self.on_stop()
        except Exception:
            self.log.exception("cleanup after the crash failed")

    def _report(
        self, exception_type: Any, exception_value: Any, *, message: Message | None
    ) -> CrashReport:
        return CrashReport(
            actor=self.name,
            actor_urn=self.actor_urn,
            error_type=getattr(exception_type, "__name__", str(exception_type)),
            error=str(exception_value),
            message_kind=type(message).__name__ if message is not None else None,
            message_id=message.message_id if message is not None else None,
        )


def ask(ref: pykka.ActorRef[Any], message: Message, timeout: float = DEFAULT_ASK_TIMEOUT) -> Any:
    """Ask with a timeout, always: raises pykka.Timeout or the handler's exception."""
    return ref.ask(message, timeout=timeout)


def ping(ref: pykka.ActorRef[Any], timeout: float = DEFAULT_ASK_TIMEOUT) -> Pong:
    """Confirm an actor finished `on_start` and is handling messages."""
    reply = ref.ask(Ping(), timeout=timeout)
    if not isinstance(reply, Pong):
        raise TypeError(f"unexpected reply to Ping: {reply!r}")
    return reply
