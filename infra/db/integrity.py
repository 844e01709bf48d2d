"""The ledger's integrity, checked before any actor trades (and shown by `status`).

The whole chain (every row's balance is the previous balance plus its change) is checked in one
query (`Repository.ledger_chain`), so a broken row in the middle is found at start-up, not at
the end of a run. An empty ledger beside positions or executions is refused as well: seeding it
again with `initial_bankroll` would invent money the book cannot account for.
"""

from __future__ import annotations

from pathlib import Path

from domain.money import exact_dollars
from infra.db.errors import LedgerIntegrityError
from infra.db.repository import Database, LedgerChain, Repository


def chain_problem(repo: Repository, chain: LedgerChain) -> str:
    """What is wrong with the chain and where; empty if nothing is."""
    if chain.rows == 0 and chain.book_rows > 0:
        return (
            f"bankroll_history is empty, but the book holds {chain.book_rows} positions and"
            " executions: the ledger was emptied"
        )
    if chain.first_bad_time is not None:
        # Read as any row is read, so an unreadable time stops the run with the same words
        # (DatabaseCorruptError) whichever check meets it first.
        repo.ledger_entry(chain.first_bad_time)
    if chain.first_break is None:
        return ""
    entry = repo.ledger_entry(chain.first_break)
    previous = repo.previous_ledger_entry(chain.first_break)
    assert entry is not None
    before = previous.balance if previous is not None else None
    after = "the start (zero)" if before is None else f"{exact_dollars(before)}"
    return (
        f"bankroll_history row {chain.first_break} ({entry.reason}) breaks the chain: its balance"
        f" {exact_dollars(entry.balance)} is not the previous balance {after} plus its change"
        f" {exact_dollars(entry.change)}"
    )


def verify_ledger(path: Path) -> LedgerChain:
    """The chain, if it holds; raises LedgerIntegrityError saying what is wrong and where."""
    with Database.open(path) as db, db.read() as repo:
        chain = repo.ledger_chain()
        problem = chain_problem(repo, chain)
    if problem:
        raise LedgerIntegrityError(
            f"database {path}: {problem}. Not trading: restore the file from a backup"
            " (migrations keep one beside it) or start a new book with another --db file."
        )
    return chain
