"""Messages between actors: frozen, with ids for correlation and causation.

Commands are verbs (`ReserveFunds`), events past tense (`FundsReserved`), queries `Get...`
answered by `...Snapshot`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Self

from pydantic import AwareDatetime, Field

from domain.base import Frozen


def new_id() -> str:
    return uuid.uuid4().hex


class Message(Frozen):
    """Envelope fields shared by every message."""

    message_id: str = Field(default_factory=new_id)
    correlation_id: str = Field(default_factory=new_id)
    causation_id: str | None = None
    ts: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))

    def caused(self, parent: Message) -> Self:
        """This message re-stamped as caused by `parent`, in `parent`'s workflow."""
        return self.replace(correlation_id=parent.correlation_id, causation_id=parent.message_id)


class Ping(Message):
    pass


class Pong(Message):
    actor: str
