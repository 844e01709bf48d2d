"""The ledger's integrity, checked before any actor trades, at the end of a run, and by `status`.

The chain (every row's balance is the previous balance plus its change) is checked in one
query (`Repository.ledger_chain`). The ledger is append-only in the database itself (triggers
refuse UPDATE and DELETE: infra.db.tables.APPEND_ONLY_TRIGGERS), so a prefix once verified
stays so: each check that holds records a checkpoint (the last row's id and balance, the
running totals and a SHA-256 chain over every row's stored values), and the next check reads
only the rows after it. The cost of a check is the rows written since the last one, not the
book's age.

What the checkpoint cannot see, a full check can: `pm-trader status --verify` re-checks every
row's chain and recomputes the digest at every checkpoint, so a row changed behind the
triggers' back (dropped, the row edited, put back) is found and located between two
checkpoints. A book whose triggers are missing is checked in full at once, and start-up puts
them back once the check holds.

An empty ledger beside positions or executions is refused as well: seeding it again with
`initial_bankroll` would invent money the book cannot account for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from domain.clock import format_utc
from domain.money import exact_dollars
from infra.db.errors import LedgerIntegrityError
from infra.db.repository import Database, LedgerChain, LedgerCheckpoint, Repository
from infra.db.tables import APPEND_ONLY_TRIGGERS

GENESIS = ""  # the digest before the first row


class LedgerVerdict(NamedTuple):
    chain: LedgerChain  # the whole ledger's figures
    problem: str  # empty if the ledger holds
    scope: str  # what was read: "in full", or the rows after a checkpoint


def link(digest: str, row: tuple[Any, ...]) -> str:
    """The digest chained over one more row's stored values."""
    return hashlib.sha256(f"{digest}|{row!r}".encode()).hexdigest()


def chain_problem(repo: Repository, chain: LedgerChain) -> str:
    """What is wrong with the chain and where; empty if nothing is."""
    if chain.rows == 0 and (book_rows := repo.book_rows()) > 0:
        return (
            f"bankroll_history is empty, but the book holds {book_rows} positions and"
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


def _anchor_problem(repo: Repository, checkpoint: LedgerCheckpoint) -> str:
    """The checkpoint's own row must still say what was verified."""
    balance = repo.ledger_balance_at(checkpoint.through_id)
    if balance == checkpoint.balance:
        return ""
    found = "is gone" if balance is None else f"now says {exact_dollars(balance)}"
    return (
        f"bankroll_history row {checkpoint.through_id}, verified with balance"
        f" {exact_dollars(checkpoint.balance)} at {format_utc(checkpoint.checked_at)}, {found}"
    )


def _digest_problem(repo: Repository) -> str:
    """Every row's values chained again, compared with each checkpoint's digest."""
    checkpoints = {c.through_id: c for c in repo.ledger_checkpoints()}
    digest, verified_through = GENESIS, 0
    for row in repo.ledger_values(after=0):
        digest = link(digest, row)
        checkpoint = checkpoints.get(row[0])
        if checkpoint is None:
            continue
        if checkpoint.digest != digest:
            return (
                f"bankroll_history was changed after it was verified: a row between"
                f" {verified_through + 1} and {checkpoint.through_id} differs from what the"
                f" checkpoint of {format_utc(checkpoint.checked_at)} recorded"
            )
        verified_through = checkpoint.through_id
    return ""


def check_ledger(repo: Repository, *, full: bool = False) -> LedgerVerdict:
    """The ledger checked from its newest checkpoint, or in full when asked (`full`), when
    there is none, or when the append-only triggers are missing (nothing then guarantees the
    verified prefix)."""
    full = full or not repo.ledger_guarded(list(APPEND_ONLY_TRIGGERS))
    checkpoint = repo.ledger_checkpoint()
    start = None if full else checkpoint
    if start is not None and (problem := _anchor_problem(repo, start)):
        return LedgerVerdict(repo.ledger_chain(), problem, "in full")
    chain = repo.ledger_chain(after=start)
    problem = chain_problem(repo, chain)
    if not problem and full and checkpoint is not None:
        problem = _digest_problem(repo)
    scope = "in full" if start is None else f"the rows after {start.through_id}"
    return LedgerVerdict(chain, problem, scope)


def record_checkpoint(repo: Repository, chain: LedgerChain, at: datetime) -> None:
    """Record the rows through `chain.last_id` as verified: call it only with the chain of a
    check that held, in the same transaction."""
    checkpoint = repo.ledger_checkpoint()
    if chain.last_id == 0 or (checkpoint is not None and checkpoint.through_id >= chain.last_id):
        return
    start, digest = (
        (0, GENESIS) if checkpoint is None else (checkpoint.through_id, checkpoint.digest)
    )
    digest = _chained(digest, repo.ledger_values(after=start), chain.last_id)
    repo.record_ledger_checkpoint(
        LedgerCheckpoint(
            through_id=chain.last_id,
            rows=chain.rows,
            balance=chain.last_balance,
            api_cost=chain.api_cost,
            digest=digest,
            checked_at=at,
        )
    )


def _chained(digest: str, rows: Iterable[tuple[Any, ...]], through: int) -> str:
    for row in rows:
        if row[0] > through:
            break
        digest = link(digest, row)
    return digest


def guard_ledger(repo: Repository) -> None:
    """Put back any append-only trigger that is missing (after a full check held)."""
    for statement in APPEND_ONLY_TRIGGERS.values():
        repo.execute_ddl(statement)


def verify_ledger(path: Path, at: datetime) -> LedgerChain:
    """The chain, if it holds, recorded as the newest checkpoint (at start-up, under the
    book's lock); raises LedgerIntegrityError saying what is wrong and where."""
    with Database.open(path) as db, db.unit_of_work() as repo:
        verdict = check_ledger(repo)
        if not verdict.problem:
            record_checkpoint(repo, verdict.chain, at)
            guard_ledger(repo)
    if verdict.problem:
        raise LedgerIntegrityError(
            f"database {path}: {verdict.problem}. Not trading: restore the file from a backup"
            " (migrations keep one beside it) or start a new book with another --db file."
        )
    return verdict.chain
