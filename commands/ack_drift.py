"""`pm-trader ack-drift`: accept the cash difference with the venue that halted trading.

Writes a request into the book; the running bot (or the next start) applies it at its next
reconciliation: the venue's figure is taken as the truth about the money that is not the bot's
(a deposit, a withdrawal, a trade made elsewhere), the CASH_DRIFT halt is lifted, and both are
logged and shown by `status`. The book's own balance is not changed.
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
    number = request(path, OperatorAction.RESUME, HaltCode.CASH_DRIFT)
    console.print(
        f"request {number} recorded in {path}: the bot accepts the venue's cash and lifts"
        " CASH_DRIFT at its next reconciliation (see `status`)"
    )
    return EXIT_OK
