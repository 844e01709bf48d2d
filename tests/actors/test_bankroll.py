from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pykka
import pytest
from loguru import logger

from actors.base import ask
from domain.ledger import check
from domain.messages import (
    BalanceChanged,
    BankrollSnapshot,
    ChargeApiCost,
    CreditFunds,
    FundsRefused,
    GetBankroll,
    GetLedger,
    ReleaseFunds,
    ReserveFunds,
)
from domain.models import LedgerReason
from domain.risk import DenyReason
from tests.actors.conftest import StartBankroll

D = Decimal


def balance(bankroll: pykka.ActorRef[Any]) -> Decimal:
    snapshot: BankrollSnapshot = ask(bankroll, GetBankroll())
    return snapshot.balance


def test_seeds_the_initial_bankroll_once(
    start_bankroll: StartBankroll, storage: pykka.ActorRef[Any]
) -> None:
    bankroll = start_bankroll(D("250.50"))
    assert balance(bankroll) == D("250.50")
    bankroll.stop(timeout=10)
    again = start_bankroll(D(999))  # a different config value must not re-seed
    assert balance(again) == D("250.50")
    ledger = ask(storage, GetLedger())
    assert [e.reason for e in ledger] == [LedgerReason.INITIAL]


def test_a_changed_initial_bankroll_on_an_existing_book_warns_in_one_line(
    start_bankroll: StartBankroll,
) -> None:
    """Issue 24: a new `initial_bankroll` on a book that has one was ignored without a word."""
    warnings: list[str] = []
    handle = logger.add(lambda m: warnings.append(m.record["message"]), level="WARNING")
    try:
        start_bankroll(D(1000)).stop(timeout=10)  # seeds the book
        start_bankroll(D(1000)).stop(timeout=10)  # the same figure: nothing to say
        assert warnings == []
        assert balance(start_bankroll(D(2000))) == D(1000)
    finally:
        logger.remove(handle)
    assert warnings == [
        "initial_bankroll $2,000.00 is not used: this book keeps its own bankroll (seeded with"
        " $1,000.00, now $1,000.00); for a fresh book with $2,000.00, give a new --db"
    ]


def test_each_change_is_one_durable_audit_row(
    start_bankroll: StartBankroll, storage: pykka.ActorRef[Any]
) -> None:
    bankroll = start_bankroll(D(100))
    reserved = ask(bankroll, ReserveFunds(amount=D("10.25"), ref_type="execution", ref_id="c1"))
    assert isinstance(reserved, BalanceChanged)
    assert reserved.balance == D("89.75")
    ask(bankroll, ReleaseFunds(amount=D("0.25"), ref_type="execution", ref_id="c1"))
    ask(bankroll, CreditFunds(amount=D(20), ref_type="position", ref_id="7"))
    ask(bankroll, ChargeApiCost(amount=D("0.003125"), ref_type="forecast", ref_id="f1"))
    ledger = ask(storage, GetLedger())
    assert [(e.reason, e.change) for e in ledger] == [
        (LedgerReason.INITIAL, D(100)),
        (LedgerReason.RESERVE, D("-10.25")),
        (LedgerReason.RELEASE, D("0.25")),
        (LedgerReason.SETTLEMENT, D(20)),
        (LedgerReason.API_COST, D("-0.003125")),
    ]
    assert ledger[1].ref_id == "c1"
    assert check(ledger).ok
    assert balance(bankroll) == ledger[-1].balance == D("109.996875")


def test_restart_reloads_the_exact_balance(start_bankroll: StartBankroll) -> None:
    bankroll = start_bankroll(D(1000))
    for i in range(7):
        ask(bankroll, ReserveFunds(amount=D("3.333333"), ref_id=f"r{i}"))
    ask(bankroll, ChargeApiCost(amount=D("0.000001")))
    before = balance(bankroll)
    bankroll.stop(timeout=10)
    assert balance(start_bankroll(D(1))) == before == D("976.666668")


def test_zero_bankroll_lock_refuses_reservations_but_accepts_credits(
    start_bankroll: StartBankroll,
) -> None:
    bankroll = start_bankroll(D(5))
    ask(bankroll, ReserveFunds(amount=D(5)))
    refused = ask(bankroll, ReserveFunds(amount=D("0.01")))
    assert isinstance(refused, FundsRefused)
    assert refused.reason is DenyReason.BANKROLL_LOCKED
    snapshot: BankrollSnapshot = ask(bankroll, GetBankroll())
    assert snapshot.locked
    ask(bankroll, ChargeApiCost(amount=D("0.50")))  # costs still land below zero
    assert balance(bankroll) == D("-0.50")
    ask(bankroll, CreditFunds(amount=D(2)))
    assert balance(bankroll) == D("1.50")
    assert isinstance(ask(bankroll, ReserveFunds(amount=D(1))), BalanceChanged)


def test_a_reservation_beyond_the_balance_is_refused(start_bankroll: StartBankroll) -> None:
    bankroll = start_bankroll(D(10))
    refused = ask(bankroll, ReserveFunds(amount=D("10.01")))
    assert isinstance(refused, FundsRefused)
    assert refused.reason is DenyReason.INSUFFICIENT_FUNDS
    assert balance(bankroll) == D(10)


def test_many_threads_never_overdraw_and_the_ledger_adds_up(
    start_bankroll: StartBankroll, storage: pykka.ActorRef[Any]
) -> None:
    bankroll = start_bankroll(D(100))
    threads, per_thread = 8, 40
    start = threading.Barrier(threads)

    def worker(n: int) -> list[object]:
        start.wait(timeout=10)
        replies = []
        for i in range(per_thread):
            if (n + i) % 3 == 0:
                replies.append(ask(bankroll, CreditFunds(amount=D("0.10"))))
            else:
                replies.append(ask(bankroll, ReserveFunds(amount=D("1.30"), ref_id=f"{n}-{i}")))
        return replies

    with ThreadPoolExecutor(threads) as pool:
        replies = [r for batch in pool.map(worker, range(threads)) for r in batch]

    ledger = ask(storage, GetLedger())
    result = check(ledger)
    assert result.ok, result.problem
    assert all(entry.balance >= 0 for entry in ledger)  # never overdrawn, at any row
    accepted = [r for r in replies if isinstance(r, BalanceChanged)]
    refused = [r for r in replies if isinstance(r, FundsRefused)]
    assert refused, "the test should drive the bankroll to its limit"
    assert len(accepted) + len(refused) == threads * per_thread
    assert len(ledger) == 1 + len(accepted)
    expected = D(100) + sum((e.change for e in ledger[1:]), D(0))
    assert balance(bankroll) == expected == result.last_balance


def test_negative_amounts_are_refused_at_the_message() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        ReserveFunds(amount=D(-1))
