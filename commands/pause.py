"""`pm-trader pause`: stop new entries on the running bot; `pm-trader resume` restarts them.

Each writes one request into the book the bot already owns; the bot applies it at its next
reconciliation (at most one cycle later), logs it, and `status` shows it: PAUSED among the
halts while paused. Reconciliation and settlement go on while paused. With no bot running, the
request waits for the next start.
"""

from __future__ import annotations

import argparse

from rich.console import Console

from commands.base import EXIT_OK
from domain.halts import HaltCode, OperatorAction
from infra.operator import request
from infra.settings import Settings


def execute(settings: Settings, _options: argparse.Namespace, console: Console) -> int:
    path = settings.database_path
    number = request(path, OperatorAction.PAUSE, HaltCode.PAUSED)
    console.print(
        f"request {number} recorded in {path}: the bot stops opening positions at its next"
        " reconciliation (see `status`; `pm-trader resume` to undo)"
    )
    return EXIT_OK
