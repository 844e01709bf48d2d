"""Trading halts: why new orders are stopped, who may lift each halt, and the operator's requests.

One mechanism for every reason to stop opening positions. A halt is durable (a row that stays
active until it is lifted), owned by Bankroll (which refuses every reservation while any halt is
active, in its own thread, so no order can slip past a halt being raised), and shown by
`status`. Reconciliation and settlement go on while halted: only new orders stop.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from domain.base import Frozen
from domain.models import Amount


class HaltCode(StrEnum):
    """Why trading is halted. Issue 12's pause and kill switch add their codes here."""

    RECONCILE_FAILING = "RECONCILE_FAILING"  # consecutive failed reconciliations
    CASH_DRIFT = "CASH_DRIFT"  # the venue's cash differs from the book's, unexplained
    PAUSED = "PAUSED"  # an operator's `pause`
    MAX_DAILY_LOSS = "MAX_DAILY_LOSS"  # the kill switch: equity fell too far today
    MAX_DRAWDOWN = "MAX_DRAWDOWN"  # the kill switch: equity fell too far below its peak
    AUTH_FAILED = "AUTH_FAILED"  # the venue refused the bot's credentials (401/403)
    # A settlement the venue's fills cannot explain (fills missing) after re-reading them.
    BOOK_UNEXPLAINED = "BOOK_UNEXPLAINED"


# The kill switch's halts: lifting one also forgets its day start and peak, so the limits are
# measured afresh from the equity at the next check (not from the loss that tripped it).
KILL_SWITCH_CODES = (HaltCode.MAX_DAILY_LOSS, HaltCode.MAX_DRAWDOWN)


class HaltLifter(StrEnum):
    """Who lifts a halt: the condition clearing by itself, or a person."""

    RECONCILER = "reconciler"  # a reconciliation succeeded
    OPERATOR = "operator"  # `main.py resume` / `main.py ack-drift`


# A halt that only the condition itself may lift: an operator cannot wish a venue back up.
LIFTED_ONLY_BY = {HaltCode.RECONCILE_FAILING: HaltLifter.RECONCILER}


# Halts a bare `resume` leaves alone: each is lifted only by a request that names it and what
# the operator accepts (`ack-drift AMOUNT`: the drift; `resume AUTH_FAILED`: the credentials,
# proved by an authenticated read when the bot applies it).
ACKNOWLEDGED_BY = {
    HaltCode.CASH_DRIFT: ("ack-drift AMOUNT", "the drift `status` shows"),
    HaltCode.AUTH_FAILED: ("resume AUTH_FAILED", "once the credentials are fixed"),
}


def operator_command(command: str, book: str = "") -> str:
    """The command line an operator types: `pm-trader resume --db data/x.db`. `book` is the flag
    that names the bot's book (a hint without it would act on the default book, where perhaps no
    bot runs)."""
    return " ".join(part for part in ("pm-trader", command, book) if part)


def acknowledgement(code: HaltCode, book: str = "") -> str:
    """How an operator lifts `code` (one of ACKNOWLEDGED_BY), on the book `book` names."""
    command, when = ACKNOWLEDGED_BY[code]
    return f"{operator_command(command, book)} ({when})"


def lift_refusal(code: HaltCode, by: HaltLifter) -> str:
    """Why `by` may not lift a `code` halt; empty if it may."""
    only = LIFTED_ONLY_BY.get(code, by)
    if only == by:
        return ""
    return f"{code} is lifted only by the {only} (when a reconciliation succeeds)"


def lifted_by_bare_resume(code: HaltCode) -> bool:
    """Whether `resume` with no code lifts `code` (PAUSED and the kill switch's halts)."""
    return not lift_refusal(code, HaltLifter.OPERATOR) and code not in ACKNOWLEDGED_BY


class Halt(Frozen):
    """An active halt: trading stays stopped until it is lifted."""

    code: HaltCode
    detail: str
    raised_at: AwareDatetime


class OperatorAction(StrEnum):
    """What an operator can ask the running bot to do, through the database."""

    RESUME = "resume"  # lift the halt with `code` (all the operator may lift, if none)
    PAUSE = "pause"  # raise PAUSED: no new entries until resumed
    CLOSE = "close"  # sell the position held in `ticker` (reduce-only, IOC at the bid)
    FLATTEN = "flatten"  # close every position held


class Requester(Frozen):
    """Who made a request: the OS user, the process and the host it ran on."""

    user: str = Field(min_length=1)
    pid: int = Field(gt=0)
    host: str = Field(min_length=1)

    def __str__(self) -> str:
        return f"{self.user}@{self.host} pid {self.pid}"


class OperatorCommand(Frozen):
    """A request written by a CLI command, applied by the running bot once."""

    id: int
    requested_at: AwareDatetime
    requested_by: Requester
    action: OperatorAction
    code: HaltCode | None = None
    ticker: str | None = None  # the market a `close` names
    accepted: Amount | None = None  # the drift an `ack-drift` accepts
    handled_at: AwareDatetime | None = None
    outcome: str | None = None  # what the bot did, as it logged it

    @property
    def what(self) -> str:
        """`close KX-1`, `pause PAUSED`, `resume` (every halt a bare resume lifts),
        `resume CASH_DRIFT -5.00` (an `ack-drift`)."""
        parts = (self.action, self.code, self.ticker, self.accepted)
        return " ".join(str(x) for x in parts if x is not None)


class MalformedRequest(Frozen):
    """A request row the bot cannot read (written by hand, or by another version): refused
    and reported, never applied, and never in the way of the requests after it."""

    id: int
    problem: str
    requested_at: AwareDatetime | None = None
    handled_at: AwareDatetime | None = None
    outcome: str | None = None

    @property
    def what(self) -> str:
        return f"malformed request ({self.problem})"


def describe(halts: tuple[Halt, ...]) -> str:
    """`CASH_DRIFT: ...; RECONCILE_FAILING: ...`, or empty when trading is active."""
    return "; ".join(f"{halt.code}: {halt.detail}" for halt in halts)
