"""Bankroll: the single owner of the balance and the ledger.

Every change is a ledger row made durable by Storage before the change is acknowledged; the
in-memory balance is only a projection of the ledger, rebuilt on start (a restart is a cold
start). Asks Storage (never the reverse), so the ask graph stays acyclic.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pykka

from actors.base import BaseActor, ask, handles
from domain.clock import Clock
from domain.errors import InvariantViolation
from domain.messages import (
    BalanceChanged,
    BalanceCommand,
    BankrollSnapshot,
    ChargeApiCost,
    CommitWork,
    CreditFunds,
    DebitFunds,
    FundsRefused,
    GetBankroll,
    GetLedgerTotals,
    LedgerRow,
    LedgerTotals,
    ReleaseFunds,
    ReserveFunds,
    WorkCommitted,
)
from domain.models import LedgerReason
from domain.money import ZERO, usd
from domain.risk import DenyReason


class Bankroll(BaseActor):
    name = "bankroll"

    def __init__(
        self,
        storage: pykka.ActorRef[Any],
        initial_bankroll: Decimal,
        clock: Clock,
        *,
        storage_timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.storage = storage
        self.initial_bankroll = initial_bankroll
        self.clock = clock
        self.storage_timeout = storage_timeout
        self.balance = ZERO
        self.rows = 0

    def started(self) -> None:
        self._load()

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
        new_balance = self.balance + change
        row = LedgerRow(
            ts=self.clock.now(),
            change=change,
            reason=reason,
            balance=new_balance,
            ref_type=ref_type,
            ref_id=ref_id,
        )
        work = CommitWork(ledger=row, writes=command.writes if command else ())
        if command is not None:
            work = work.caused(command)
        try:
            committed: WorkCommitted = ask(self.storage, work, self.storage_timeout)
        except Exception:
            # The commit may or may not have landed: believe only the database.
            self._load()
            raise
        if committed.ledger_entry is None or committed.ledger_entry.balance != new_balance:
            raise InvariantViolation(f"storage recorded {committed.ledger_entry!r} for {row!r}")
        self.balance, self.rows = new_balance, self.rows + 1
        reply = BalanceChanged(entry=committed.ledger_entry, positions=committed.positions)
        return reply.caused(command) if command is not None else reply

    def _apply(self, command: BalanceCommand, sign: int, reason: LedgerReason) -> BalanceChanged:
        return self._commit(
            command,
            command.amount * sign,
            reason,
            ref_type=command.ref_type,
            ref_id=command.ref_id,
        )

    @handles(ReserveFunds)
    def _on_reserve(self, command: ReserveFunds) -> BalanceChanged | FundsRefused:
        reason = None
        if self.locked:
            reason = DenyReason.BANKROLL_LOCKED
        elif command.amount > self.balance:
            reason = DenyReason.INSUFFICIENT_FUNDS
        if reason is not None:
            self.log.info("refused to reserve {}: {}", usd(command.amount), reason)
            return FundsRefused(
                reason=reason, balance=self.balance, requested=command.amount
            ).caused(command)
        return self._apply(command, -1, LedgerReason.RESERVE)

    @handles(ReleaseFunds)
    def _on_release(self, command: ReleaseFunds) -> BalanceChanged:
        return self._apply(command, 1, LedgerReason.RELEASE)

    @handles(CreditFunds)
    def _on_credit(self, command: CreditFunds) -> BalanceChanged:
        return self._apply(command, 1, command.reason)

    @handles(DebitFunds)
    def _on_debit(self, command: DebitFunds) -> BalanceChanged:
        return self._apply(command, -1, command.reason)

    @handles(ChargeApiCost)
    def _on_api_cost(self, command: ChargeApiCost) -> BalanceChanged:
        return self._apply(command, -1, LedgerReason.API_COST)

    @handles(GetBankroll)
    def _on_get(self, query: GetBankroll) -> BankrollSnapshot:
        return BankrollSnapshot(
            balance=self.balance, locked=self.locked, ledger_rows=self.rows
        ).caused(query)
