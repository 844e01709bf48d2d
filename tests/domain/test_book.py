"""The book from the venue's records: fills (A5.9 netting, A7 fees) and settlements (A5.14)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.book import Holding, apply_fill, apply_fills, settle, signed
from domain.models import FillReport, MarketResult, SettlementReport, Side

D = Decimal
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def fill(side: Side, count: str, yes_price: str, fee: str = "0", n: int = 0) -> FillReport:
    return FillReport(
        fill_id=f"f{n}",
        order_id="o",
        ticker="T",
        side=side,
        count=D(count),
        yes_price=D(yes_price),
        fee=D(fee),
        created_time=NOW + timedelta(seconds=n),
    )


def record(result: MarketResult, yes: str, no: str, revenue: str, fee: str = "0"):
    return SettlementReport(
        ticker="T",
        market_result=result,
        yes_count=D(yes),
        no_count=D(no),
        revenue=D(revenue),
        fee_cost=D(fee),
        settled_time=NOW,
    )


NO_28 = Holding(side=Side.NO, count=D(28), cost=D("9.96"))  # 28 NO at $0.35 + $0.16 fees


def test_a_buy_costs_the_price_of_the_side_bought_times_the_count_plus_the_fee() -> None:
    effect = apply_fill(None, fill(Side.NO, "10", "0.56", "0.18"))
    assert effect.cash == -(D("0.44") * 10 + D("0.18"))
    assert effect.after == Holding(side=Side.NO, count=D(10), cost=D("4.58"))
    assert effect.sale is None


def test_selling_everything_by_hand_is_a_sale_with_its_proceeds() -> None:
    """Issue 9, problem 1: the user sells all 28 NO at $0.50 on the web app (a YES bid)."""
    effect = apply_fill(NO_28, fill(Side.YES, "28", "0.50", "0.49"))
    assert effect.after is None
    assert effect.cash == D(14) - D("0.49")  # the venue's cash moved by the sale
    assert effect.sale is not None
    assert effect.sale.proceeds == D("13.51")
    assert effect.sale.released_cost == D("9.96")
    assert effect.sale.realized_pnl == D("3.55")


def test_selling_one_of_28_leaves_27_at_their_share_of_the_cost() -> None:
    """Issue 9, problem 2: the count follows the sale at once; nothing waits for settlement."""
    effect = apply_fill(NO_28, fill(Side.YES, "1", "0.50", "0.02"))
    assert effect.after == Holding(side=Side.NO, count=D(27), cost=D("9.96") - D("0.355714"))
    assert effect.sale is not None
    assert effect.sale.proceeds == D("0.48")


def test_selling_through_the_position_opens_the_other_side() -> None:
    effect = apply_fill(NO_28, fill(Side.YES, "30", "0.50", "0.30"))
    assert effect.after == Holding(side=Side.YES, count=D(2), cost=D(1) + D("0.02"))
    assert effect.sale is not None
    assert effect.sale.count == 28
    assert effect.cash == -D(15) - D("0.30") + D(28)


def test_signed_is_kalshis_position_sign() -> None:
    assert signed(NO_28) == -28
    assert signed(None) == 0


side = st.sampled_from([Side.YES, Side.NO])
fills_strategy = st.lists(
    st.tuples(
        side,
        st.integers(1, 50),
        st.integers(1, 99),
        st.integers(0, 200),
    ),
    max_size=12,
)


@given(fills_strategy)
def test_cash_and_count_follow_the_venues_netting(trades: list[tuple[Side, int, int, int]]) -> None:
    """Whatever the order of buys and sales: the cash is what every fill cost, plus $1 for
    each YES+NO pair netted (A5.9), and the count is the venue's signed position."""
    fills = [
        fill(s, str(c), str(D(p) / 100), str(D(f) / 10000), n)
        for n, (s, c, p, f) in enumerate(trades)
    ]
    effects = apply_fills(None, fills)
    yes = sum((f.count for f in fills if f.side is Side.YES), D(0))
    no = sum((f.count for f in fills if f.side is Side.NO), D(0))
    pairs = min(yes, no)
    paid = sum((f.cost for f in fills), D(0))
    assert sum((e.cash for e in effects), D(0)) == pairs - paid
    final = effects[-1].after if effects else None
    assert signed(final) == yes - no
    # Cost basis plus realized P&L is what the money says (up to micro-dollar rounding).
    realized = sum((e.sale.realized_pnl for e in effects if e.sale), D(0))
    basis = final.cost if final is not None else D(0)
    assert abs((realized - basis) - (pairs - paid)) <= D("0.000001") * len(fills)


def test_a_settlement_pays_its_revenue_not_the_local_count() -> None:
    """Issue 9, problem 2: the book held 28, the venue settled 27 (one sold on the web)."""
    effect = settle(NO_28, record(MarketResult.NO, "0", "27", "27.00"))
    assert effect.payout == D(27)
    assert effect.realized_pnl == D(27) - D("9.96")
    assert any("held 0 yes / 28 no" in p for p in effect.problems)


def test_a_manual_exit_settles_for_nothing() -> None:
    """Issue 9, problem 1: the settlement record says 0 contracts and revenue $0."""
    effect = settle(NO_28, record(MarketResult.NO, "0", "0", "0"))
    assert effect.payout == 0


def test_scalar_and_void_pay_what_the_record_says() -> None:
    """Problems 4 and 5: a scalar result closes the position at the record's revenue; a void
    market refunds what the venue paid back, not the bot's recorded cost."""
    held = Holding(side=Side.YES, count=D(10), cost=D("4.17"))
    scalar = settle(held, record(MarketResult.SCALAR, "10", "0", "3.70"))
    assert (scalar.payout, scalar.problems) == (D("3.70"), ())
    void = settle(held, record(MarketResult.VOID, "10", "0", "4.00"))
    assert void.payout == D("4.00")
    assert void.realized_pnl == D("-0.17")


def test_a_settlement_without_a_local_position_is_reported() -> None:
    effect = settle(None, record(MarketResult.YES, "5", "0", "5.00"))
    assert effect.payout == D(5)
    assert "no local position" in effect.problems[-1]
