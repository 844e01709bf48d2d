"""Bankroll: the single owner of the balance and the ledger.

Every change is a ledger row made durable by Storage before the change is acknowledged; the
in-memory balance is only a projection of the ledger, rebuilt on start (a restart is a cold
start). Asks Storage (never the reverse), so the ask graph stays acyclic.

Bankroll also owns the trading halts (domain.halts): every order reserves its cost here first,
so refusing reservations while a halt is active is the pre-trade guard, checked in this one
thread: an order either reserved before the halt was raised, or is refused. And it owns what
the kill switch measures against (the day's starting equity and the peak), kept in the book, so
a restart mid-day forgets neither.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pykka

from actors.base import BaseActor, ask, handles
from domain.clock import Clock
from domain.errors import InvariantViolation
from domain.halts import KILL_SWITCH_CODES, Halt, describe, lift_refusal
from domain.killswitch import KillSwitchMemory, first_memory
from domain.messages import (
    BalanceChanged,
    BalanceCommand,
    BankrollSnapshot,
    ChargeApiCost,
    CommitBatch,
    CommitWork,
    CreditFunds,
    DebitFunds,
    FundsRefused,
    GetActiveHalts,
    GetBankroll,
    GetKillSwitchMemory,
    GetLedgerTotals,
    HaltsChanged,
    HaltTrading,
    LedgerRow,
    LedgerTotals,
    LiftHalt,
    RecordEquity,
    RecordEquityReading,
    RecordHalt,
    RecordHaltLifted,
    ReleaseFunds,
    ReserveFunds,
    SaveKillSwitchMemory,
    WorkCommitted,
    Write,
)
from domain.models import LedgerReason
from domain.money import ZERO, usd
from domain.risk import DenyReason

Reply = BalanceChanged | FundsRefused


class Bankroll(BaseActor):
    name = "bankroll"

    def __init__(
        self,
        storage: pykka.ActorRef[Any],
        initial_bankroll: Decimal,
        clock: Clock,
        *,
        storage_timeout: float = 10.0,
        max_batch: int = 64,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.storage = storage
        self.initial_bankroll = initial_bankroll
        self.clock = clock
        self.storage_timeout = storage_timeout
        self.max_batch = max_batch
        self.balance = ZERO
        self.rows = 0
        self.halts: tuple[Halt, ...] = ()
        self.equity_memory: KillSwitchMemory | None = None

    def started(self) -> None:
        self._load()
        self.halts = ask(self.storage, GetActiveHalts(), self.storage_timeout)
        self.equity_memory = ask(self.storage, GetKillSwitchMemory(), self.storage_timeout)
        if self.halts:
            self.log.warning("trading HALTED: {}", describe(self.halts))

    def _load(self) -> None:
        totals: LedgerTotals = ask(self.storage, GetLedgerTotals(), self.storage_timeout)
        if totals.rows == 0:
            self.balance, self.rows = ZERO, 0
            self._commit(
                None, self.initial_bankroll, LedgerReason.INITIAL, ref_type="config", ref_id=None
            )
            self.log.info("seeded the bankroll with {}", usd(self.initial_bankroll))
            return
        if totals.total_change != totals.last_balance:
            raise InvariantViolation(
                f"the ledger does not add up: {totals.rows} rows sum to {totals.total_change}"
                f" but the last balance is {totals.last_balance}"
            )
        self.balance, self.rows = totals.last_balance, totals.rows
        self.log.info("loaded balance {} from {} ledger rows", usd(self.balance), self.rows)
        if totals.seeded is not None and totals.seeded != self.initial_bankroll:
            self.log.warning(
                "initial_bankroll {} is not used: this book keeps its own bankroll (seeded with {},"
                " now {}); for a fresh book with {}, give a new --db",
                usd(self.initial_bankroll),
                usd(totals.seeded),
                usd(self.balance),
                usd(self.initial_bankroll),
            )

    @property
    def locked(self) -> bool:
        """The zero-bankroll lock: no reservations at or below zero; credits still land."""
        return self.balance <= 0

    def _commit(
        self,
        command: BalanceCommand | None,
        change: Decimal,
        reason: LedgerReason,
        *,
        ref_type: str | None,
        ref_id: str | None,
    ) -> BalanceChanged:
        """Commit one change on its own (used to seed the ledger)."""
        work = self._work(command, change, reason, self.balance + change, ref_type, ref_id, None)
        [reply] = self._commit_batch([(command, work)])
        return reply

    def _work(
        self,
        command: BalanceCommand | None,
        change: Decimal,
        reason: LedgerReason,
        balance: Decimal,
        ref_type: str | None,
        ref_id: str | None,
        detail: str | None,
    ) -> CommitWork:
        row = LedgerRow(
            ts=self.clock.now(),
            change=change,
            reason=reason,
            balance=balance,
            ref_type=ref_type,
            ref_id=ref_id,
            detail=detail,
        )
        work = CommitWork(ledger=row, writes=command.writes if command else ())
        return work.caused(command) if command is not None else work

    def _commit_batch(
        self, pending: list[tuple[BalanceCommand | None, CommitWork]]
    ) -> list[BalanceChanged]:
        """One transaction for all of `pending`; the balance moves only once it is durable."""
        works = tuple(work for _, work in pending)
        try:
            committed: tuple[WorkCommitted, ...] = ask(
                self.storage, CommitBatch(works=works), self.storage_timeout
            )
        except Exception:
            # The commit may or may not have landed: believe only the database.
            self._load()
            raise
        replies = []
        for (command, work), result in zip(pending, committed, strict=True):
            entry = result.ledger_entry
            if entry is None or work.ledger is None or entry.balance != work.ledger.balance:
                raise InvariantViolation(f"storage recorded {entry!r} for {work.ledger!r}")
            reply = BalanceChanged(
                entry=entry, positions=result.positions, forecasts=result.forecasts
            )
            replies.append(reply.caused(command) if command is not None else reply)
        self.balance, self.rows = replies[-1].entry.balance, self.rows + len(replies)
        return replies

    # Group commit ------------------------------------------------------------------------

    def _take_queued_commands(self) -> list[Any]:
        """Envelopes of balance commands already waiting right behind the current one.

        This actor is its inbox's only consumer, so peeking at the head and then taking it
        cannot race; producers only append at the other end.
        """
        taken: list[Any] = []
        inbox = self.actor_inbox
        while len(taken) < self.max_batch - 1:
            try:
                head = inbox.queue[0]  # type: ignore[attr-defined]
            except IndexError:
                break
            if not isinstance(getattr(head, "message", None), BalanceCommand):
                break
            taken.append(inbox.get_nowait())
        return taken

    def _decide(
        self, command: BalanceCommand, balance: Decimal
    ) -> tuple[Decimal, LedgerReason] | FundsRefused:
        """The signed change `command` makes to `balance`, or why it is refused."""
        match command:
            case ReserveFunds():
                reason = None
                if self.halts:
                    self.log.info("refused to reserve {}: halted", usd(command.amount))
                    return FundsRefused(
                        reason=DenyReason.TRADING_HALTED,
                        balance=balance,
                        requested=command.amount,
                        detail=describe(self.halts),
                    ).caused(command)
                if balance <= 0:
                    reason = DenyReason.BANKROLL_LOCKED
                elif command.amount > balance:
                    reason = DenyReason.INSUFFICIENT_FUNDS
                if reason is not None:
                    self.log.info("refused to reserve {}: {}", usd(command.amount), reason)
                    return FundsRefused(
                        reason=reason, balance=balance, requested=command.amount
                    ).caused(command)
                return -command.amount, LedgerReason.RESERVE
            case ReleaseFunds():
                return command.amount, LedgerReason.RELEASE
            case CreditFunds():
                return command.amount, command.reason
            case DebitFunds():
                return -command.amount, command.reason
            case ChargeApiCost():
                return -command.amount, LedgerReason.API_COST
        raise TypeError(f"not a balance command: {command!r}")

    def _on_balance_command(self, command: BalanceCommand) -> BalanceChanged | FundsRefused:
        """Handle `command` and every balance command queued behind it in one transaction.

        If that transaction fails, each command is tried again on its own, so one bad command
        (say, an order booked twice) cannot fail the neighbours it was grouped with.
        """
        envelopes = self._take_queued_commands()
        commands = [command, *(envelope.message for envelope in envelopes)]
        try:
            results: list[Reply | BaseException] = list(self._apply_all(commands))
        except Exception:
            if not envelopes:
                raise
            results = [self._apply_alone(each) for each in commands]
        for envelope, result in zip(envelopes, results[1:], strict=True):
            if envelope.reply_to is None:
                continue
            if isinstance(result, BaseException):
                envelope.reply_to.set_exception((type(result), result, result.__traceback__))
            else:
                envelope.reply_to.set(result)
        first = results[0]
        if isinstance(first, BaseException):
            raise first
        return first

    def _apply_alone(self, command: BalanceCommand) -> Reply | BaseException:
        try:
            [reply] = self._apply_all([command])
        except Exception as exc:  # noqa: BLE001 - handed to that command's caller
            return exc
        return reply

    def _apply_all(self, commands: list[BalanceCommand]) -> list[Reply]:
        """Decide each command against the running balance, then commit them together."""
        replies: list[Reply | None] = []
        pending: list[tuple[BalanceCommand | None, CommitWork]] = []
        balance = self.balance
        for each in commands:
            decision = self._decide(each, balance)
            if isinstance(decision, FundsRefused):
                replies.append(decision)
                continue
            change, reason = decision
            balance += change
            pending.append(
                (
                    each,
                    self._work(
                        each, change, reason, balance, each.ref_type, each.ref_id, each.detail
                    ),
                )
            )
            replies.append(None)
        committed = iter(self._commit_batch(pending)) if pending else iter(())
        return [reply if reply is not None else next(committed) for reply in replies]

    @handles(ReserveFunds)
    def _on_reserve(self, command: ReserveFunds) -> BalanceChanged | FundsRefused:
        return self._on_balance_command(command)

    @handles(ReleaseFunds)
    def _on_release(self, command: ReleaseFunds) -> BalanceChanged | FundsRefused:
        return self._on_balance_command(command)

    @handles(CreditFunds)
    def _on_credit(self, command: CreditFunds) -> BalanceChanged | FundsRefused:
        return self._on_balance_command(command)

    @handles(DebitFunds)
    def _on_debit(self, command: DebitFunds) -> BalanceChanged | FundsRefused:
        return self._on_balance_command(command)

    @handles(ChargeApiCost)
    def _on_api_cost(self, command: ChargeApiCost) -> BalanceChanged | FundsRefused:
        return self._on_balance_command(command)

    @handles(GetBankroll)
    def _on_get(self, query: GetBankroll) -> BankrollSnapshot:
        return BankrollSnapshot(
            balance=self.balance, locked=self.locked, ledger_rows=self.rows, halts=self.halts
        ).caused(query)

    # Trading halts -------------------------------------------------------------------------

    def _commit_writes(self, writes: tuple[Write, ...]) -> None:
        if writes:
            ask(self.storage, CommitWork(writes=writes), self.storage_timeout)

    @handles(HaltTrading)
    def _on_halt(self, command: HaltTrading) -> HaltsChanged:
        """From now on every reservation is refused; durable before it is acknowledged (and
        in force here even if the write fails: a halt fails closed, a lift does not)."""
        if any(halt.code == command.code for halt in self.halts):
            self._commit_writes(command.writes)
            return HaltsChanged(halts=self.halts, changed=False).caused(command)
        halt = Halt(code=command.code, detail=command.detail, raised_at=self.clock.now())
        self.halts = (*self.halts, halt)
        self._commit_writes((*command.writes, RecordHalt(halt=halt)))
        self.log.warning("trading HALTED: {}: {}", halt.code, halt.detail)
        return HaltsChanged(halts=self.halts, changed=True).caused(command)

    @handles(LiftHalt)
    def _on_lift(self, command: LiftHalt) -> HaltsChanged:
        active = any(halt.code == command.code for halt in self.halts)
        refused = lift_refusal(command.code, command.by)
        if not active or refused:
            self._commit_writes(command.writes)
            return HaltsChanged(halts=self.halts, changed=False, refused=refused).caused(command)
        lifted = RecordHaltLifted(
            code=command.code, lifted_at=self.clock.now(), lifted_by=command.by
        )
        forget = command.code in KILL_SWITCH_CODES
        forgotten = (SaveKillSwitchMemory(memory=None),) if forget else ()
        self._commit_writes((*command.writes, lifted, *forgotten))
        if forget:
            self.equity_memory = None
        self.halts = tuple(halt for halt in self.halts if halt.code != command.code)
        self.log.warning(
            "halt {} lifted by the {}; trading {}",
            command.code,
            command.by,
            f"still HALTED: {describe(self.halts)}" if self.halts else "may resume",
        )
        return HaltsChanged(halts=self.halts, changed=True).caused(command)

    # The kill switch's memory ---------------------------------------------------------------

    @handles(RecordEquity)
    def _on_equity(self, command: RecordEquity) -> KillSwitchMemory:
        """Fold `command.equity` into the day start and the peak; durable before the reply."""
        now = self.clock.now()
        memory = (
            first_memory(command.equity, now.date(), now)
            if self.equity_memory is None
            else self.equity_memory.after(command.equity, now.date(), now)
        )
        kept = (
            ()
            if command.reading is None
            else (RecordEquityReading(at=now, reading=command.reading),)
        )
        self._commit_writes((SaveKillSwitchMemory(memory=memory), *kept))
        self.equity_memory = memory
        return memory
