"""`pm-trader pause`: stop new entries on the running bot; `pm-trader resume` restarts them.

Each writes one request into the book the bot already owns; the bot applies it at its next
reconciliation (at most one cycle later), logs it, and `status` shows it: PAUSED among the
halts while paused. Reconciliation and settlement go on while paused. With no bot running, the
request waits for the next start, and says so (commands/control.py).
"""

from __future__ import annotations

import argparse

from rich.console import Console

from commands.control import recorded
from domain.halts import HaltCode, OperatorAction, operator_command
from infra.operator import request
from infra.settings import Settings


def execute(settings: Settings, _options: argparse.Namespace, console: Console) -> int:
    number = request(settings.database_path, OperatorAction.PAUSE, HaltCode.PAUSED)
    undo = operator_command("resume", settings.book_flag)
    return recorded(
        settings,
        number,
        f"the bot stops opening positions at its next reconciliation (see `status`; `{undo}`"
        " to undo)",
        console,
    )
