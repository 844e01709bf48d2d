"""Cash reconciliation: does the venue's cash match the cash the book says it should hold?

The book is an allotment within the venue account (README, "Cash"): `initial_bankroll` seeds the
ledger, and the first check records the `offset`, the venue's cash that is not the bot's. From
then on the venue's cash should equal offset + the book's venue-facing cash, exactly, where:

- LLM costs are left out: they are paid to the model provider, not from the Kalshi account;
- orders in flight are left out: their reservations are the book's, the venue may not have
  moved yet (and with anything in flight the comparison is recorded but not judged);
- every fill is booked with the fee the balance paid (A7 rule 2, `domain.fees.net_fees`: the
  trade fee rounded up to $0.0001, each fill's balance change floored to the cent, an order's
  whole cents of overpayment given back), whichever way the venue's `fee_cost` reads. So there
  is one expected figure, not a choice of readings, and the book never sits above the venue.

The drift is measured from the baseline, not from the last check: a difference that grows a
little each order shows as the sum, so what is tolerated (under a cent, the balance's
precision) is bounded over any number of checks. A difference with nothing in flight is
recorded and logged each time it is seen. Trading halts when it exceeds `risk.max_cash_drift`
in two consecutive checks.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime

from domain.base import Frozen
from domain.models import Amount
from domain.money import CENT, ZERO, exact_dollars

TOLERANCE = CENT  # in total since the baseline: the balance's precision (A7), no more


class CashVerdict(StrEnum):
    BASELINE = "baseline"  # the first check: records the offset
    OK = "ok"
    DRIFT = "drift"  # unexplained by the venue's records, nothing in flight
    DRIFT_OVER_LIMIT = "drift_over_limit"  # the same, beyond `risk.max_cash_drift`
    IN_FLIGHT = "in_flight"  # recorded, not judged: orders in flight or the book moved
    ACKNOWLEDGED = "acknowledged"  # an operator accepted the last drift: a new offset


class BookCash(Frozen):
    """The book's venue-facing cash, read in one query (see the module docstring)."""

    exact: Amount  # sum of the changes
    in_flight: int  # orders in flight
    last_id: int  # the newest venue-facing ledger row counted (0: none)
    orders: int = 0  # orders ever recorded: a new one means the bot traded meanwhile

    @property
    def settled(self) -> bool:
        """With nothing in flight every order's rows are all in: a checkpoint later checks
        can add only newer rows to (recorded on the check as `ledger_id`, `book_*`)."""
        return self.in_flight == 0


class VenueCash(Frozen):
    """The venue's cash as read between two agreeing reads of its records (the Reconciler's
    bracket), with the book's figures just before it was read."""

    balance: Amount
    book: BookCash
    unjudged: str = ""  # why the comparison cannot be judged (records moved, deferred...)


class CashCheck(Frozen):
    """One comparison of the venue's cash with the book's, as recorded."""

    id: int | None = None
    ts: AwareDatetime
    venue_cash: Amount
    expected_cash: Amount
    drift: Amount  # venue - expected
    offset: Amount  # the venue's cash that is not the bot's
    in_flight: int
    verdict: CashVerdict
    detail: str = ""
    ledger_id: int = 0  # the book's figures below count ledger rows up to this id
    book_exact: Amount = ZERO

    @property
    def checkpoint(self) -> BookCash | None:
        """The book's figures at this check, if later checks may start from them."""
        if self.in_flight or self.verdict is CashVerdict.IN_FLIGHT:
            return None
        return BookCash(exact=self.book_exact, in_flight=0, last_id=self.ledger_id)

    @property
    def exceeds(self) -> bool:
        return self.verdict is CashVerdict.DRIFT_OVER_LIMIT

    @property
    def drifted(self) -> bool:
        return self.verdict in {CashVerdict.DRIFT, CashVerdict.DRIFT_OVER_LIMIT}


def judge(
    book: BookCash,
    venue_cash: Decimal,
    last: CashCheck | None,
    max_drift: Decimal,
    now: AwareDatetime,
    *,
    unjudged: str = "",
) -> CashCheck | None:
    """The check to record, or None when there is no offset yet and nothing can be judged.

    `unjudged`: why the venue's figure may not match the book's records (the bot traded
    meanwhile, records kept landing while read, a record is waiting for others).
    """
    busy = book.in_flight > 0 or bool(unjudged)
    figures = {"ledger_id": book.last_id, "book_exact": book.exact}
    if last is None:
        if busy:
            return None
        offset = venue_cash - book.exact
        return CashCheck(
            **figures,
            ts=now,
            venue_cash=venue_cash,
            expected_cash=venue_cash,
            drift=ZERO,
            offset=offset,
            in_flight=0,
            verdict=CashVerdict.BASELINE,
            detail=f"the book's {exact_dollars(book.exact)} is an allotment within the venue's"
            f" {exact_dollars(venue_cash)}",
        )
    target = last.offset + book.exact
    drift = venue_cash - target
    common = {
        **figures,
        "ts": now,
        "venue_cash": venue_cash,
        "expected_cash": target,
        "drift": drift,
        "offset": last.offset,
        "in_flight": book.in_flight,
    }
    if busy:
        why = f"{book.in_flight} orders in flight" if book.in_flight else unjudged
        return CashCheck(**common, verdict=CashVerdict.IN_FLIGHT, detail=f"not judged: {why}")
    if abs(drift) < TOLERANCE:
        return CashCheck(**common, verdict=CashVerdict.OK)
    if abs(drift) > max_drift:
        return CashCheck(
            **common,
            verdict=CashVerdict.DRIFT_OVER_LIMIT,
            detail=f"over the limit of {exact_dollars(max_drift)}",
        )
    return CashCheck(
        **common,
        verdict=CashVerdict.DRIFT,
        detail=f"within the limit of {exact_dollars(max_drift)}",
    )


def should_halt(check: CashCheck, previous: CashCheck | None) -> bool:
    """Over the limit twice in a row (see the module docstring)."""
    return check.exceeds and previous is not None and previous.exceeds


def acknowledge(drifted: CashCheck, now: AwareDatetime) -> CashCheck:
    """The operator accepts `drifted`: the difference is not the bot's money (a deposit, a
    withdrawal, a trade made elsewhere). The offset absorbs it; the book does not change."""
    return drifted.replace(
        id=None,
        ts=now,
        expected_cash=drifted.venue_cash,
        drift=ZERO,
        offset=drifted.offset + drifted.drift,
        verdict=CashVerdict.ACKNOWLEDGED,
        detail=f"operator accepted a drift of {exact_dollars(drifted.drift)} (check {drifted.id})",
    )
