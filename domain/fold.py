"""The book is a fold: one market's holding, cash and realized P&L as a pure function of the
venue's records for it, whatever order, batching or duplication they arrived in.

The records: fills (A5.13; `domain.book.apply_fill` is the step: A5.9 netting, A7 prices and
fees), at most one settlement (A5.14: it pays exactly its `revenue`), and the positions the
bot adopted from `/portfolio/positions` before it had their fills (provisional). Fills are
deduplicated by `fill_id` and applied in the venue's own sequence: by `created_time`, then by
the order the venue listed fills of one timestamp (`FillReport.seq`), never by id alone.

An adoption stands for the fills created up to the moment it was seen: when those fills are
all here (they reproduce its side and count) they replace it; until then it is the holding and
they are waited for. Fills created after it are applied on top either way.

A settlement closes the market after every fill. One whose counts disagree with the holding
means fills are missing: it is held back (`waiting`), never applied to a holding it does not
describe, so no position is invented on a finalized market.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.base import Frozen
from domain.book import Holding, apply_fill, venue_order
from domain.models import FillReport, SettlementReport, Side
from domain.money import ZERO


class Adoption(Frozen):
    """A venue position the bot took into its book before it had the fills behind it."""

    ticker: str
    side: Side
    count: Decimal
    cost: Decimal  # exposure plus fees, as the venue reported them
    observed_at: datetime

    @property
    def holding(self) -> Holding:
        return Holding(side=self.side, count=self.count, cost=self.cost)


class PartKind(StrEnum):
    SALE = "sale"
    SETTLEMENT = "settlement"


class RealizedPart(Frozen):
    """Contracts that left the book: sold (netted by a fill on the other side) or settled."""

    kind: PartKind
    key: str  # the evidence: a fill id or a settlement key
    at: datetime
    side: Side  # the side the contracts were
    count: Decimal
    proceeds: Decimal  # cash they brought in, net of the sale's fee
    fees: Decimal  # the fee charged on this part itself (a sale's share of its fill's fee)
    cost: Decimal  # the part of the cost basis (fees in) they carried

    @property
    def pnl(self) -> Decimal:
        return self.proceeds - self.cost


class MarketBook(Frozen):
    ticker: str
    holding: Holding | None = None
    provisional: bool = False  # the holding is (partly) an adoption, not yet its fills
    cash: Decimal = ZERO  # every record's signed change to the balance
    realized: tuple[RealizedPart, ...] = ()
    settled: SettlementReport | None = None
    waiting: SettlementReport | None = None  # counts disagree: fills are missing
    problems: tuple[str, ...] = ()
    fills: tuple[str, ...] = ()  # the fill ids folded into the holding, in order

    @property
    def realized_pnl(self) -> Decimal:
        return sum((part.pnl for part in self.realized), ZERO)

    @property
    def fees(self) -> Decimal:
        return sum((part.fees for part in self.realized), ZERO)


def sequence_listing(listing: Iterable[FillReport]) -> tuple[FillReport, ...]:
    """Number a newest-first listing (the venue's order, A5.13) within each timestamp.

    Fills that share a `created_time` get `seq` 0, 1, ... from the oldest, which is the
    position in the listing read from its end: the venue's own sequence, kept with the fill.
    """
    oldest_first = list(listing)[::-1]
    seen: dict[datetime, int] = {}
    numbered = []
    for fill in oldest_first:
        seq = seen.get(fill.created_time, 0)
        seen[fill.created_time] = seq + 1
        numbered.append(fill if fill.seq == seq else fill.replace(seq=seq))
    return tuple(numbered[::-1])


def unique_fills(fills: Iterable[FillReport]) -> list[FillReport]:
    """Each fill once (by id), in the venue's sequence."""
    by_id: dict[str, FillReport] = {}
    for fill in fills:
        by_id.setdefault(fill.fill_id, fill)
    return sorted(by_id.values(), key=venue_order)


class _Run(Frozen):
    holding: Holding | None = None
    cash: Decimal = ZERO
    realized: tuple[RealizedPart, ...] = ()
    fills: tuple[str, ...] = ()


def _apply(run: _Run, fills: Iterable[FillReport]) -> _Run:
    holding, cash = run.holding, run.cash
    realized, applied = list(run.realized), list(run.fills)
    for fill in fills:
        effect = apply_fill(holding, fill)
        if effect.sale is not None and holding is not None:
            sold = effect.sale
            realized.append(
                RealizedPart(
                    kind=PartKind.SALE,
                    key=fill.fill_id,
                    at=fill.created_time,
                    side=holding.side,
                    count=sold.count,
                    proceeds=sold.proceeds,
                    fees=sold.fee,
                    cost=sold.released_cost,
                )
            )
        holding, cash = effect.after, cash + effect.cash
        applied.append(fill.fill_id)
    return _Run(holding=holding, cash=cash, realized=tuple(realized), fills=tuple(applied))


def _matches(holding: Holding | None, side: Side | None, count: Decimal) -> bool:
    if holding is None or holding.count == 0:
        return count == 0
    return holding.side is side and holding.count == count


def _n(count: Decimal) -> str:
    """A count as people write it: 8, 7.5 (not 8.00, nor 1E+1)."""
    return f"{count.normalize():f}"


def _counts(holding: Holding | None) -> tuple[Decimal, Decimal]:
    if holding is None:
        return ZERO, ZERO
    return (holding.count, ZERO) if holding.side is Side.YES else (ZERO, holding.count)


def fold_market(
    ticker: str,
    fills: Iterable[FillReport] = (),
    settlements: Iterable[SettlementReport] = (),
    adoption: Adoption | None = None,
) -> MarketBook:
    """The market's book from its records; the same records give the same book."""
    ordered = [f for f in unique_fills(fills) if f.ticker == ticker]
    problems: list[str] = []
    provisional = False
    if adoption is None:
        run = _apply(_Run(), ordered)
    else:
        before = [f for f in ordered if f.created_time <= adoption.observed_at]
        after = [f for f in ordered if f.created_time > adoption.observed_at]
        explained = _apply(_Run(), before)
        if _matches(explained.holding, adoption.side, adoption.count):
            run = _apply(explained, after)
        else:
            provisional = True
            start = _Run(holding=adoption.holding, cash=-adoption.cost)
            run = _apply(start, after)
    records = {s.key: s for s in settlements if s.ticker == ticker}
    book = MarketBook(
        ticker=ticker,
        holding=run.holding,
        provisional=provisional,
        cash=run.cash,
        realized=run.realized,
        fills=run.fills,
    )
    if not records:
        return book
    if len(records) > 1:
        problems.append(f"{len(records)} settlement records for one market: {sorted(records)}")
    record = min(records.values(), key=lambda s: (s.settled_time, s.key))
    held_yes, held_no = _counts(run.holding)
    if (held_yes, held_no) != (record.yes_count, record.no_count):
        problems.append(
            f"the venue settled {_n(record.yes_count)} yes / {_n(record.no_count)} no,"
            f" the book holds {_n(held_yes)} yes / {_n(held_no)} no: waiting for the missing fills"
        )
        return book.replace(waiting=record, problems=tuple(problems))
    if run.holding is None:
        problems.append("a settlement for a market with no local position")
    realized = run.realized
    if run.holding is not None or record.revenue != 0:
        realized += (
            RealizedPart(
                kind=PartKind.SETTLEMENT,
                key=record.key,
                at=record.settled_time,
                side=run.holding.side if run.holding is not None else Side.YES,
                count=run.holding.count if run.holding is not None else ZERO,
                proceeds=record.revenue,
                fees=ZERO,
                cost=run.holding.cost if run.holding is not None else ZERO,
            ),
        )
    return book.replace(
        holding=None,
        provisional=False,
        cash=run.cash + record.revenue,
        realized=realized,
        settled=record,
        problems=tuple(problems),
    )


class MarketRecords(Frozen):
    """The records of some markets, as booked or as just read: what a fold starts from."""

    fills: tuple[FillReport, ...] = ()
    settlements: tuple[SettlementReport, ...] = ()
    adoptions: tuple[Adoption, ...] = ()

    def plus(
        self,
        fills: Iterable[FillReport] = (),
        settlements: Iterable[SettlementReport] = (),
        adoptions: Iterable[Adoption] = (),
    ) -> MarketRecords:
        return MarketRecords(
            fills=(*self.fills, *fills),
            settlements=(*self.settlements, *settlements),
            adoptions=(*self.adoptions, *adoptions),
        )

    def fold(self, ticker: str) -> MarketBook:
        adopted = [a for a in self.adoptions if a.ticker == ticker]
        return fold_market(
            ticker, self.fills, self.settlements, min(adopted, key=_first) if adopted else None
        )


def _first(adoption: Adoption) -> datetime:
    return adoption.observed_at
