"""`pm-trader ack-drift AMOUNT`: accept the cash difference with the venue that halted trading.

AMOUNT is the drift `status` shows (venue minus book, e.g. -5.00): naming it is the operator's
statement of what is accepted. Writes a request into the book; the running bot (or the next
start) applies it at its next reconciliation if the latest drift is still exactly AMOUNT: the
venue's figure is taken as the truth about the money that is not the bot's (a deposit, a
withdrawal, a trade made elsewhere), the CASH_DRIFT halt is lifted, and both are logged and
shown by `status`. A different drift is refused (and said so): the operator looks again. The
book's own balance is not changed. `resume` never lifts CASH_DRIFT.
"""

from __future__ import annotations

import argparse
from decimal import Decimal

from rich.console import Console

from commands.control import recorded
from domain.halts import HaltCode, OperatorAction
from domain.money import exact_dollars, to_decimal, to_micros
from infra.operator import request
from infra.settings import Settings


def drift(text: str) -> Decimal:
    """A dollar amount as typed (`-5.00`, `+0.0042`), exactly."""
    try:
        amount = to_decimal(text, field="AMOUNT")
        to_micros(amount)  # the book keeps micro-dollars
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a dollar amount: {text!r} ({exc})") from None
    return amount


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "amount", type=drift, help="the drift accepted, as `status` shows it (e.g. -5.00)"
    )


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    amount: Decimal = options.amount
    number = request(
        settings.database_path, OperatorAction.RESUME, HaltCode.CASH_DRIFT, accepted=amount
    )
    what = (
        f"if the drift is still {exact_dollars(amount)}, the bot accepts the venue's cash and"
        " lifts CASH_DRIFT at its next reconciliation (see `status`)"
    )
    return recorded(settings, number, what, console)
