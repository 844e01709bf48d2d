"""`pm-trader flatten`: sell every position the running bot holds, each as `close` sells one
(commands/close.py: the order flow, and why a request is refused with no bot running)."""

from __future__ import annotations

import argparse

from rich.console import Console

from commands.base import EXIT_FAILURE, EXIT_OK
from commands.close import refused_offline
from domain.halts import OperatorAction
from infra.operator import held_tickers, request
from infra.settings import Settings


def execute(settings: Settings, _options: argparse.Namespace, console: Console) -> int:
    path = settings.database_path
    held = held_tickers(path)
    if not held:
        console.print("flatten: the book holds no position, nothing to sell")
        return EXIT_OK
    if refused_offline(settings, console):
        return EXIT_FAILURE
    number = request(path, OperatorAction.FLATTEN, None)
    console.print(
        f"request {number} recorded in {path}: the bot sells every position it holds"
        f" ({len(held)} now) at its next reconciliation, each at its best bid (see `status`)"
    )
    return EXIT_OK
