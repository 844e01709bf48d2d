"""The book is a fold (issue 19): the same venue records give the same book, whatever their
order, batching, duplication or delay. Unit cases for each rule, then a property test against a
reference fold written here independently."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.book import Holding
from domain.fold import (
    Adoption,
    MarketBook,
    MarketRecords,
    PartKind,
    fold_market,
    sequence_listing,
)
from domain.models import FillReport, MarketResult, SettlementReport, Side
from domain.money import ZERO
from domain.payout import settlement_payout

D = Decimal
T0 = datetime(2026, 11, 24, tzinfo=UTC)
MICRO = D("0.000001")


def fill(
    side: Side,
    count: str,
    yes_price: str,
    fee: str = "0",
    *,
    n: int = 0,
    at: int | None = None,
    seq: int = 0,
    ticker: str = "T",
) -> FillReport:
    return FillReport(
        fill_id=f"f{n}",
        order_id="o",
        ticker=ticker,
        side=side,
        count=D(count),
        yes_price=D(yes_price),
        fee=D(fee),
        created_time=T0 + timedelta(seconds=n if at is None else at),
        seq=seq,
    )


def settlement(
    result: MarketResult, yes: str, no: str, revenue: str, *, at: int = 1000, ticker: str = "T"
) -> SettlementReport:
    return SettlementReport(
        ticker=ticker,
        market_result=result,
        yes_count=D(yes),
        no_count=D(no),
        revenue=D(revenue),
        settled_time=T0 + timedelta(seconds=at),
    )


# The rules, one at a time -------------------------------------------------------------------


def test_a_settlement_whose_counts_disagree_waits_for_the_missing_fills() -> None:
    """Issue 19, case 1: the bot held 50 NO, the user sold 20, the market settled 30 NO. Read
    before the sale's fill, the settlement waits: no cash, no phantom; with it, all is exact."""
    buy = fill(Side.NO, "50", "0.60", "0.50", n=1)  # 50 NO at $0.40
    sale = fill(Side.YES, "20", "0.55", "0.20", n=2)  # sells 20 NO at $0.45
    paid = settlement(MarketResult.NO, "0", "30", "30")
    early = fold_market("T", [buy], [paid])
    assert early.waiting == paid
    assert early.settled is None
    assert early.holding == Holding(side=Side.NO, count=D(50), cost=D("20.50"))
    assert early.cash == -D("20.50")
    assert "settled 0 yes / 30 no, the book holds 0 yes / 50 no" in early.problems[0]
    late = fold_market("T", [sale, buy], [paid])  # the sale arrives after: same as in order
    assert (late.waiting, late.holding) == (None, None)
    assert late.cash == -D("20.50") + D(9) - D("0.20") + D(30)
    assert [p.kind for p in late.realized] == [PartKind.SALE, PartKind.SETTLEMENT]
    assert late.realized_pnl == late.cash  # nothing held: realized is all the cash did


def test_no_fill_makes_a_position_on_a_settled_market() -> None:
    """A sale fill read after the settlement is applied before it (a market trades no more
    once settled), never as a buy on an empty position."""
    buy = fill(Side.NO, "10", "0.60", n=1)
    sale = fill(Side.YES, "4", "0.50", n=5)
    book = fold_market("T", [buy, sale], [settlement(MarketResult.NO, "0", "6", "6", at=3)])
    assert book.holding is None
    assert book.settled is not None


def test_an_adoption_is_replaced_by_its_fills_not_added_to() -> None:
    """Issue 19, case 2: seen at the venue before its fills (a cut-short fills page), then the
    fills arrive: 10 contracts, not 20, and the cash is what the fills cost."""
    fills = [fill(Side.YES, "6", "0.40", "0.10", n=1), fill(Side.YES, "4", "0.42", "0.08", n=2)]
    adopted = Adoption(
        ticker="T", side=Side.YES, count=D(10), cost=D("4.26"), observed_at=T0 + timedelta(1)
    )
    alone = fold_market("T", [], [], adopted)
    assert alone.provisional
    assert (alone.holding, alone.cash) == (adopted.holding, -D("4.26"))
    partial = fold_market("T", fills[:1], [], adopted)  # still missing one: the adoption holds
    assert partial.provisional
    assert partial.holding == adopted.holding
    whole = fold_market("T", fills, [], adopted)
    assert not whole.provisional
    assert whole.holding == Holding(side=Side.YES, count=D(10), cost=D("4.26"))
    assert whole.cash == -(D("2.40") + D("0.10") + D("1.68") + D("0.08"))


def test_fills_after_an_adoption_apply_on_top_of_it() -> None:
    adopted = Adoption(ticker="T", side=Side.NO, count=D(8), cost=D(4), observed_at=T0)
    later = fill(Side.YES, "3", "0.50", n=10)  # sells 3 NO at $0.50
    book = fold_market("T", [later], [], adopted)
    assert book.provisional
    assert book.holding == Holding(side=Side.NO, count=D(5), cost=D("2.5"))
    assert book.cash == -D(4) - D("1.5") + D(3)
    [sale] = book.realized
    assert (sale.proceeds, sale.cost) == (D("1.5"), D("1.5"))


def test_fills_of_one_timestamp_apply_in_the_venues_sequence_not_by_id() -> None:
    """Issue 19, case 7: a buy and a sale share a timestamp; ids in random order. The venue's
    listing order (newest first) decides: buy 10 at 0.45, sell 5, buy 10 at 0.45 again."""
    first = fill(Side.YES, "10", "0.45", n=9, at=1)
    sale = fill(Side.NO, "5", "0.50", n=1, at=1)
    second = fill(Side.YES, "10", "0.43", n=5, at=1)
    listing = sequence_listing([second, sale, first])  # as the venue lists them
    assert [f.seq for f in listing] == [2, 1, 0]
    book = fold_market("T", listing)
    assert book.holding == Holding(side=Side.YES, count=D(15), cost=D("2.25") + D("4.30"))
    by_id = fold_market("T", [first, sale, second])  # seq 0 each: by id, the venue's is lost
    assert by_id.holding != book.holding


def test_sequence_listing_numbers_only_within_a_timestamp() -> None:
    a, b, c = (fill(Side.YES, "1", "0.5", n=i, at=t) for i, t in ((1, 1), (2, 2), (3, 2)))
    assert [f.seq for f in sequence_listing([c, b, a])] == [1, 0, 0]


def test_a_settlement_on_nothing_held_is_reported_and_pays_its_revenue() -> None:
    book = fold_market("T", [], [settlement(MarketResult.YES, "0", "0", "0")])
    assert book.settled is not None
    assert book.realized == ()
    assert "no local position" in book.problems[-1]


def test_scalar_and_void_pay_what_the_record_says() -> None:
    buy = fill(Side.YES, "10", "0.417", n=1)
    scalar = fold_market("T", [buy], [settlement(MarketResult.SCALAR, "10", "0", "3.70")])
    void = fold_market("T", [buy], [settlement(MarketResult.VOID, "10", "0", "4.00")])
    assert (scalar.cash, scalar.realized_pnl) == (D("3.70") - D("4.17"), D("-0.47"))
    assert (void.cash, void.realized_pnl) == (D("-0.17"), D("-0.17"))


# The property: any order, any pages, any duplicates ----------------------------------------


@dataclass
class Reference:
    """An independent fold: signed contracts, average cost, realized P&L, the cash."""

    position: Decimal = ZERO  # + YES, - NO
    cost: Decimal = ZERO
    cash: Decimal = ZERO
    realized: Decimal = ZERO
    settled: bool = False
    parts: list[Decimal] = field(default_factory=list)

    def trade(self, f: FillReport) -> None:
        sign = 1 if f.side is Side.YES else -1
        price = f.yes_price if f.side is Side.YES else 1 - f.yes_price
        held = abs(self.position)
        opposite = self.position * sign < 0
        closed = min(f.count, held) if opposite else D(0)
        self.cash += closed - price * f.count - f.fee
        if closed:
            whole = closed == f.count
            fee_share = f.fee if whole else (f.fee * closed / f.count).quantize(MICRO)
            released = self.cost if closed == held else (self.cost * closed / held).quantize(MICRO)
            pnl = closed * (1 - price) - fee_share - released
            self.parts.append(pnl)
            self.realized += pnl
            self.cost += (f.count - closed) * price + f.fee - fee_share - released
        else:
            self.cost += price * f.count + f.fee
        self.position += sign * f.count
        if self.position == 0:
            self.cost = D(0)

    def settle(self, revenue: Decimal) -> None:
        self.cash += revenue
        if self.position or revenue:
            self.realized += revenue - self.cost
            self.parts.append(revenue - self.cost)
        self.position, self.cost, self.settled = D(0), D(0), True

    def holding(self) -> Holding | None:
        if self.position == 0:
            return None
        side = Side.YES if self.position > 0 else Side.NO
        return Holding(side=side, count=abs(self.position), cost=self.cost)


trade_st = st.tuples(
    st.sampled_from([Side.YES, Side.NO]),
    st.integers(1, 40).map(lambda c: D(c) / (4 if c % 7 == 0 else 1)),  # some fractional
    st.integers(1, 99),
    st.integers(0, 3000),
    st.integers(0, 2),  # seconds after the previous fill: 0 makes a shared timestamp
)


@st.composite
def market_logs(draw: st.DrawFn, ticker: str) -> tuple[MarketRecords, Reference]:
    """A market's records in the venue's order and the reference book they make: buys and
    sales on both sides (netting), fills sharing timestamps, maybe an adoption (whose history
    may predate the book), maybe a settlement of any kind (maybe early: before later reads)."""
    trades = draw(st.lists(trade_st, max_size=10))
    fills, at, seqs = [], 0, {}
    for n, (side, count, cents, fee, step) in enumerate(trades):
        at += step
        seqs[at] = seqs.get(at, -1) + 1
        fills.append(
            FillReport(
                fill_id=f"{ticker}-{draw(st.uuids()).hex[:8]}-{n}",
                order_id=f"{ticker}-o{n // 2}",  # partial fills: two per order
                ticker=ticker,
                side=side,
                count=count,
                yes_price=D(cents) / 100,
                fee=D(fee) / 10000,
                created_time=T0 + timedelta(seconds=at),
                seq=seqs[at],
            )
        )
    ref = Reference()
    adoption = None
    boundaries = [i for i in range(len(fills) + 1) if _between(fills, i)]
    if fills and draw(st.booleans()):
        # Seen at the venue after the first `cut` fills, before the next one.
        cut = draw(st.sampled_from(boundaries))
        seen_at = fills[cut - 1].created_time if cut else T0 - timedelta(seconds=1)
        probe = Reference()
        for f in fills[:cut]:
            probe.trade(f)
        if probe.position:
            adoption = Adoption(
                ticker=ticker,
                side=Side.YES if probe.position > 0 else Side.NO,
                count=abs(probe.position),
                cost=probe.cost + D(draw(st.integers(0, 99))) / 100,
                observed_at=seen_at,
            )
            if draw(st.booleans()):  # its fills predate the book: never read
                fills = fills[cut:]
                ref.position, ref.cost, ref.cash = probe.position, adoption.cost, -adoption.cost
    for f in fills:
        ref.trade(f)
    settlements = []
    if draw(st.booleans()):
        result = draw(st.sampled_from(list(MarketResult)[:4]))
        value = D(draw(st.integers(0, 100))) / 100 if result is MarketResult.SCALAR else None
        yes = ref.position if ref.position > 0 else D(0)
        no = -ref.position if ref.position < 0 else D(0)
        revenue = settlement_payout(result, yes, no, ref.cost, value)
        settlements.append(
            SettlementReport(
                ticker=ticker,
                market_result=result,
                yes_count=yes,
                no_count=no,
                revenue=revenue,
                value=value,
                settled_time=T0 + timedelta(seconds=at + 1),
            )
        )
        ref.settle(revenue)
    records = MarketRecords(
        fills=tuple(fills),
        settlements=tuple(settlements),
        adoptions=() if adoption is None else (adoption,),
    )
    return records, ref


def _between(fills: list[FillReport], cut: int) -> bool:
    """Whether a moment lies after the first `cut` fills and before the rest."""
    return cut in (0, len(fills)) or fills[cut - 1].created_time < fills[cut].created_time


def same_as_reference(book: MarketBook, ref: Reference) -> None:
    assert book.waiting is None
    assert book.holding == ref.holding()
    assert book.cash == ref.cash
    assert book.realized_pnl == ref.realized
    assert [p.pnl for p in book.realized] == ref.parts
    assert (book.settled is not None) == ref.settled
    # What the money says: the cash is the realized P&L less the cost still held.
    assert book.cash == book.realized_pnl - (book.holding.cost if book.holding else D(0))


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(market_logs("A"), market_logs("B")),
    st.randoms(use_true_random=False),
    st.integers(1, 4),
)
def test_the_book_is_the_same_in_any_order_pages_and_duplicates(
    logs: tuple[tuple[MarketRecords, Reference], ...], rng: random.Random, pages: int
) -> None:
    """Two markets' records, shuffled, duplicated, cut into pages that arrive one by one: each
    page moves the book by the difference of two folds, and where every record has arrived
    the book is the reference's, record for record."""
    everything: list[tuple[str, object]] = []
    for records, _ in logs:
        everything += [("fill", f) for f in records.fills]
        everything += [("settlement", s) for s in records.settlements]
    everything += rng.sample(everything, k=min(3, len(everything)))  # duplicates
    rng.shuffle(everything)
    cut = sorted(rng.randint(0, len(everything)) for _ in range(pages - 1))
    chunks = [everything[a:b] for a, b in zip([0, *cut], [*cut, len(everything)], strict=True)]
    adoptions = tuple(a for records, _ in logs for a in records.adoptions)
    stored = MarketRecords(adoptions=adoptions)
    moved = {ticker: stored.fold(ticker).cash for ticker in ("A", "B")}  # the adoptions'
    realized = {ticker: D(0) for ticker in ("A", "B")}
    for chunk in chunks:
        fills = [r for kind, r in chunk if kind == "fill"]
        settlements = [r for kind, r in chunk if kind == "settlement"]
        after = stored.plus(fills, settlements)  # type: ignore[arg-type]
        for ticker in moved:
            moved[ticker] += after.fold(ticker).cash - stored.fold(ticker).cash
            realized[ticker] += after.fold(ticker).realized_pnl - stored.fold(ticker).realized_pnl
        stored = after
    for (_, ref), ticker in zip(logs, ("A", "B"), strict=True):
        book = stored.fold(ticker)
        same_as_reference(book, ref)
        assert (moved[ticker], realized[ticker]) == (book.cash, book.realized_pnl)
