"""The dashboard's controls: pause, resume, close and flatten, as the same operator requests the
command line writes (infra.operator), with the same refusals: `close` and `flatten` need a bot
running on the book (a sale is made at the bid of the moment) and a position to sell.

Each request records who asked: the dashboard's OS user, marked as made from the dashboard and
from which address, so `status` and the bot's log tell it from a command typed in a shell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commands.resume import OPERATOR_LIFTS
from domain.halts import HaltCode, OperatorAction, Requester
from infra.lockfile import bot_running
from infra.operator import held_tickers, request, requester

ACTIONS = ("pause", "resume", "close", "flatten")


class ControlRefused(Exception):
    """The request was not recorded; the message says why and what to do."""


def _by(client: str) -> Requester:
    me = requester()
    return me.replace(user=f"{me.user} (dashboard, from {client})")


def _waits(path: Path) -> str:
    return (
        "" if bot_running(path) else "; no bot is running on this book: it waits for the next start"
    )


def _sale_allowed(path: Path) -> None:
    if not bot_running(path):
        raise ControlRefused(
            "no bot is running on this book: a sale is made at the bid of the moment it is"
            " applied, so it is not left waiting for a later start"
        )


def apply(path: Path, action: str, body: dict[str, Any], client: str) -> tuple[int, str]:
    """Record `action`'s request; (its id, what it asks). Raises ControlRefused."""
    by = _by(client)
    if action == "pause":
        number = request(path, OperatorAction.PAUSE, HaltCode.PAUSED, by=by)
        return number, "the bot stops opening positions at its next reconciliation" + _waits(path)
    if action == "resume":
        code = body.get("code") or None
        if code is not None and code not in OPERATOR_LIFTS:
            raise ControlRefused(f"resume lifts one of {', '.join(OPERATOR_LIFTS)}, not {code!r}")
        halt = None if code is None else HaltCode(code)
        number = request(path, OperatorAction.RESUME, halt, by=by)
        what = f"the bot lifts {halt or 'its halts'} at its next reconciliation"
        return number, what + _waits(path)
    held = held_tickers(path)
    if action == "close":
        ticker = body.get("ticker")
        if not isinstance(ticker, str) or ticker not in held:
            raise ControlRefused(f"the book holds no position in {ticker!r}")
        _sale_allowed(path)
        number = request(path, OperatorAction.CLOSE, None, ticker=ticker, by=by)
        return number, f"the bot sells {ticker} at its next reconciliation, at the best bid"
    if action == "flatten":
        if not held:
            raise ControlRefused("the book holds no position, nothing to sell")
        _sale_allowed(path)
        number = request(path, OperatorAction.FLATTEN, None, by=by)
        return number, f"the bot sells every position it holds ({len(held)} now)"
    raise ControlRefused(f"no such control {action!r}: {', '.join(ACTIONS)}")
