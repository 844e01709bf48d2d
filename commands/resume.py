"""`pm-trader resume [CODE]`: lift a halt on the running bot (by default PAUSED and the kill
switch's MAX_DAILY_LOSS and MAX_DRAWDOWN).

Like `pause`, a request in the book, applied at the bot's next reconciliation and acknowledged in
its log and in `status`. RECONCILE_FAILING is lifted only by a reconciliation that succeeds.
Two halts are never lifted by a bare `resume`, each by its own acknowledgement: CASH_DRIFT by
`ack-drift AMOUNT`, naming the drift accepted; AUTH_FAILED by `resume AUTH_FAILED`, which the bot
applies only once an authenticated read of the venue succeeds.
"""

from __future__ import annotations

import argparse

from rich.console import Console

from commands.control import recorded
from domain.halts import LIFTED_ONLY_BY, HaltCode, OperatorAction
from infra.operator import request
from infra.settings import Settings

# CASH_DRIFT is acknowledged with `ack-drift AMOUNT`, which names the drift accepted.
OPERATOR_LIFTS = tuple(
    code.value
    for code in HaltCode
    if code not in LIFTED_ONLY_BY and code is not HaltCode.CASH_DRIFT
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "code",
        nargs="?",
        choices=OPERATOR_LIFTS,
        help="the halt to lift (default: PAUSED and the kill switch's; CASH_DRIFT: see ack-drift)",
    )


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    code = None if options.code is None else HaltCode(options.code)
    number = request(settings.database_path, OperatorAction.RESUME, code)
    what = f"the bot lifts {code or 'its halts'} at its next reconciliation (see `status`)"
    return recorded(settings, number, what, console)
