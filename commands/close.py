"""`pm-trader close TICKER`: sell a position the running bot holds (`flatten`: all of them).

A request in the book the bot already owns (like `pause`), applied at its next reconciliation:
the Executor sells through the order flow a buy takes (the order recorded before it is sent,
then booked from the venue's fills alone), with a reduce-only, immediate-or-cancel order at the
best bid of the side held (domain.closing). What fills is sold; the rest is cancelled by the
venue at once and the log says how much; with no bid nothing is sent. The outcome is in the
bot's log (`operator command close ...`) and in `status`. Halts do not stop a sale: selling is
how an operator gets out, say after the kill switch.

With no bot running the request is refused, where `pause` would wait: a pause is a state that is
as right at the next start as now, but a sale is made at the bid of the moment it is applied,
and a request left waiting for a start hours later would sell at a price nobody saw, perhaps
after the reason to sell is gone. (If the bot stops before applying it, its next start drops it
and says so.)
"""

from __future__ import annotations

import argparse

from rich.console import Console

from commands.base import EXIT_FAILURE, EXIT_OK
from domain.halts import OperatorAction
from infra.lockfile import bot_running
from infra.operator import held_tickers, request
from infra.settings import Settings


def refused_offline(settings: Settings, console: Console) -> bool:
    path = settings.database_path
    if bot_running(path):
        return False
    console.print(
        f"no bot is running on {path}: a sale is made at the bid of the moment it is applied,"
        " so it is not left waiting for a later start. Start the bot (`pm-trader pause` first"
        " if it should buy nothing), then ask again."
    )
    return True


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    path, ticker = settings.database_path, options.ticker
    if ticker not in held_tickers(path):
        console.print(f"close: the book holds no position in {ticker} (see `pm-trader status`)")
        return EXIT_FAILURE
    if refused_offline(settings, console):
        return EXIT_FAILURE
    number = request(path, OperatorAction.CLOSE, None, ticker=ticker)
    console.print(
        f"request {number} recorded in {path}: the bot sells {ticker} at its next"
        " reconciliation, reduce-only and immediate-or-cancel at the best bid (see `status`)"
    )
    return EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ticker", help="the market to sell (as `status` shows it)")
