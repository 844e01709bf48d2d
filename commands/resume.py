"""`pm-trader resume [CODE]`: lift a halt on the running bot (by default every halt an operator
may lift: PAUSED, the kill switch's MAX_DAILY_LOSS and MAX_DRAWDOWN, CASH_DRIFT).

Like `pause`, a request in the book, applied at the bot's next reconciliation and acknowledged in
its log and in `status`. RECONCILE_FAILING is lifted only by a reconciliation that succeeds.
"""

from __future__ import annotations

import argparse

from rich.console import Console

from commands.base import EXIT_OK
from domain.halts import LIFTED_ONLY_BY, HaltCode, OperatorAction
from infra.operator import request
from infra.settings import Settings

OPERATOR_LIFTS = tuple(code.value for code in HaltCode if code not in LIFTED_ONLY_BY)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "code",
        nargs="?",
        choices=OPERATOR_LIFTS,
        help="the halt to lift (default: every halt an operator may lift)",
    )


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    path = settings.database_path
    code = None if options.code is None else HaltCode(options.code)
    number = request(path, OperatorAction.RESUME, code)
    console.print(
        f"request {number} recorded in {path}: the bot lifts {code or 'its halts'} at its next"
        " reconciliation (see `status`)"
    )
    return EXIT_OK
