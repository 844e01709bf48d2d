"""The Reconciler's guard duties, kept apart from booking: operator commands, the cash check,
and failing closed after consecutive failed reconciliations.

Called from the Reconciler's thread; asks Storage and Bankroll (Bankroll owns the halts).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pykka

from actors.base import ask
from actors.directory import Directory
from actors.kill_switch import KillSwitch
from domain.cash import CashCheck, CashVerdict, VenueCash, acknowledge, judge, should_halt
from domain.clock import Clock, format_utc
from domain.halts import (
    ACKNOWLEDGED_BY,
    HaltCode,
    HaltLifter,
    MalformedRequest,
    OperatorAction,
    OperatorCommand,
    acknowledgement,
    describe,
    lifted_by_bare_resume,
    operator_command,
)
from domain.messages import (
    CashState,
    CommitWork,
    GetBankroll,
    GetCashState,
    GetPendingCommands,
    HaltsChanged,
    HaltTrading,
    HoldingsSold,
    LiftHalt,
    MarkCommandHandled,
    RecordCashCheck,
    SellHoldings,
    Write,
)
from domain.money import exact_dollars
from infra.kalshi.errors import KalshiError
from infra.venue_client import VenueClient

SALES = (OperatorAction.CLOSE, OperatorAction.FLATTEN)
SALE_TIMEOUT = 120.0  # per request: an order book read, one order and its booking per market


def auth_halt(denied: Exception, book: str = "") -> HaltTrading:
    """The venue refused the credentials: AUTH_FAILED, durable (a restart keeps it), until an
    operator's `resume AUTH_FAILED` is applied with an authenticated read that succeeds.
    `book`: the flag naming the bot's book, for the hint."""
    return HaltTrading(
        code=HaltCode.AUTH_FAILED,
        detail=f"the venue refused the credentials: {denied}"[:300]
        + f"; fix them, then: {acknowledgement(HaltCode.AUTH_FAILED, book)}",
    )


class CashCheckFailed(Exception):
    """The comparison cannot be made (e.g. the venue holds less than the book's allotment)."""


@dataclass
class TradingGuard:
    directory: Directory
    client: VenueClient
    clock: Clock
    log: Any
    max_failures: int = 3
    max_cash_drift: Decimal = Decimal("1.00")
    kill_switch: KillSwitch | None = None
    failures: int = 0
    book: str = ""  # the flag naming this bot's book (`--db PATH`), for the hints it logs

    # Operator commands ---------------------------------------------------------------------

    def apply_operator_commands(self, at_start: bool = False) -> None:
        """Apply what operators asked for since the last reconciliation, each once, oldest first.

        `at_start`: the bot's first reconciliation. A sale waiting then was asked of a bot that
        stopped before applying it (`close` refuses when none runs): it is dropped, not made at
        a bid nobody saw, hours later perhaps (see commands/close.py). A malformed request is
        refused and reported; the ones after it are applied all the same.
        """
        storage = self.directory.get("storage")
        requests: tuple[OperatorCommand | MalformedRequest, ...] = ask(
            storage, GetPendingCommands()
        )
        for command in requests:
            if isinstance(command, MalformedRequest):
                outcome = f"refused, not applied: {command.problem}"
                self.log.error("operator request #{} {}", command.id, outcome)
            else:
                if at_start and command.action in SALES:
                    outcome = "not applied: it was waiting when the bot started; ask again"
                else:
                    outcome = self._apply(command)
                self.log.warning(
                    "operator command {}: {} (request #{} by {} at {})",
                    command.what,
                    outcome,
                    command.id,
                    command.requested_by,
                    format_utc(command.requested_at),
                )
            handled = MarkCommandHandled(
                command_id=command.id, handled_at=self.clock.now(), outcome=outcome[:500]
            )
            ask(storage, CommitWork(writes=(handled,)))

    def _sell(self, command: OperatorCommand) -> str:
        """`close` and `flatten`: the Executor sells through its order flow and says how it went."""
        tickers = (command.ticker,) if command.ticker else ()
        try:
            reply: HoldingsSold = ask(
                self.directory.get("executor"),
                SellHoldings(request_id=command.id, tickers=tickers),
                SALE_TIMEOUT,
            )
        except pykka.Timeout:
            return f"the executor did not answer within {SALE_TIMEOUT:.0f} s: see its log"
        return reply.outcome

    def _apply(self, command: OperatorCommand) -> str:
        if command.action in SALES:
            return self._sell(command)
        if command.action is OperatorAction.PAUSE:
            reply: HaltsChanged = ask(
                self.directory.get("bankroll"),
                HaltTrading(
                    code=HaltCode.PAUSED,
                    detail=f"paused by the operator (request {command.id});"
                    f" resume with: {operator_command('resume', self.book)}",
                ),
            )
            return "PAUSED: new entries stopped" if reply.changed else "PAUSED was already active"
        if command.code is not None:
            return self._resume(command.code, command.accepted)
        snapshot = ask(self.directory.get("bankroll"), GetBankroll())
        outcomes = [self._resume(h.code) for h in snapshot.halts if lifted_by_bare_resume(h.code)]
        kept = [
            f"{h.code} kept (lift it with: {acknowledgement(h.code, self.book)})"
            for h in snapshot.halts
            if h.code in ACKNOWLEDGED_BY
        ]
        return "; ".join(outcomes + kept) or "nothing to resume"

    def _resume(self, code: HaltCode, accepted: Decimal | None = None) -> str:
        writes: tuple[Write, ...] = ()
        note = ""
        if code is HaltCode.CASH_DRIFT:
            refused, check = self._acknowledge_drift(accepted)
            if refused:
                return f"{code} not lifted: {refused}"
            if check is not None:
                writes = (RecordCashCheck(check=check),)
                note = f" (the venue's {exact_dollars(check.venue_cash)} accepted: {check.detail})"
        elif code is HaltCode.AUTH_FAILED:
            try:
                self.client.get_balance()
            except KalshiError as still:
                return f"{code} not lifted: an authenticated read still fails: {still}"
            note = " (an authenticated read of the venue succeeded)"
        reply: HaltsChanged = ask(
            self.directory.get("bankroll"),
            LiftHalt(code=code, by=HaltLifter.OPERATOR, writes=writes),
        )
        if reply.refused:
            return f"{code} not lifted: {reply.refused}"
        return f"{code} {'lifted' if reply.changed else 'was not active'}{note}"

    def _acknowledge_drift(self, accepted: Decimal | None) -> tuple[str, CashCheck | None]:
        """(why not, the acknowledgement to record): only the drift the operator named."""
        if accepted is None:
            return (
                "a request must name the drift it accepts: "
                + acknowledgement(HaltCode.CASH_DRIFT, self.book),
                None,
            )
        state: CashState = ask(self.directory.get("storage"), GetCashState())
        latest = state.recent[0] if state.recent else None
        if latest is None or not latest.drifted:
            return "", None
        if latest.drift != accepted:
            return (
                f"the drift is {exact_dollars(latest.drift)}, not the"
                f" {exact_dollars(accepted)} named: look again (`status`), then ack-drift"
                f" {exact_dollars(latest.drift)}",
                None,
            )
        return "", acknowledge(latest, self.clock.now())

    def halt_on_auth_failure(self, denied: Exception) -> None:
        ask(self.directory.get("bankroll"), auth_halt(denied, self.book))

    # The cash check ------------------------------------------------------------------------

    def check_cash(self, read: VenueCash) -> CashCheck | None:
        """Compare the venue's cash (A5.7), read inside the Reconciler's bracket, with the book
        now that the records read around it are booked; record it; halt on drift.

        Raises CashCheckFailed if the book's allotment exceeds the venue's cash. The book as it
        stood before the balance was read is compared with the book now: an order placed or
        booked meanwhile makes the check `in_flight` (not judged), never drift.
        """
        after: CashState = ask(self.directory.get("storage"), GetCashState())
        unjudged = read.unjudged
        if (read.book.orders, read.book.in_flight) != (after.book.orders, after.book.in_flight):
            unjudged = unjudged or "the bot traded while the venue was read"
        last = after.recent[0] if after.recent else None
        check = judge(
            after.book,
            read.balance,
            last,
            self.max_cash_drift,
            self.clock.now(),
            unjudged=unjudged,
        )
        if check is None:
            self.log.info("cash: no baseline yet: {}", unjudged or "orders in flight")
            return None
        if check.verdict is CashVerdict.BASELINE and check.offset < 0:
            raise CashCheckFailed(
                f"the venue holds {exact_dollars(read.balance)}, less than the book's"
                f" {exact_dollars(after.book.exact)}"
                " (initial_bankroll is an allotment within the venue's cash): lower"
                " initial_bankroll or fund the account"
            )
        self._record(check, last)
        return check

    def _record(self, check: CashCheck, last: CashCheck | None) -> None:
        figures = (
            f"venue {exact_dollars(check.venue_cash)}, book expects"
            f" {exact_dollars(check.expected_cash)}, drift {exact_dollars(check.drift)}"
        )
        write = RecordCashCheck(check=check)
        if check.drifted:
            self.log.warning(
                "cash drift unexplained by the venue's records: {} ({})", figures, check.detail
            )
        else:
            self.log.debug("cash {}: {}", check.verdict, figures)
        if should_halt(check, last):
            detail = f"{figures}; acknowledge with: " + operator_command(
                f"ack-drift {exact_dollars(check.drift)}", self.book
            )
            ask(
                self.directory.get("bankroll"),
                HaltTrading(code=HaltCode.CASH_DRIFT, detail=detail, writes=(write,)),
            )
            return
        if check.verdict is CashVerdict.BASELINE:
            self.log.info("cash baseline: {}", check.detail)
        ask(self.directory.get("storage"), CommitWork(writes=(write,)))

    # The kill switch -----------------------------------------------------------------------

    def check_equity(self) -> None:
        """Mark the book to market; halt new entries past the loss limits (actors/kill_switch)."""
        if self.kill_switch is not None:
            self.kill_switch.check()

    # Failing closed ------------------------------------------------------------------------

    def record_outcome(self, ok: bool, error: str) -> str:
        """Count consecutive failures; halt at `max_failures`, lift on the next success.
        Returns the halts still active (empty: new orders may go)."""
        bankroll = self.directory.get("bankroll")
        if ok:
            self.failures = 0
            command: LiftHalt | HaltTrading | GetBankroll = LiftHalt(
                code=HaltCode.RECONCILE_FAILING, by=HaltLifter.RECONCILER
            )
        else:
            self.failures += 1
            detail = f"{self.failures} consecutive reconciliations failed; last: {error}"
            command = (
                HaltTrading(code=HaltCode.RECONCILE_FAILING, detail=detail[:500])
                if self.failures >= self.max_failures
                else GetBankroll()
            )
        return describe(ask(bankroll, command).halts)
