"""One fill's step of the book's fold: A5.9 netting, A7 prices and fees."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.book import Holding, apply_fill
from domain.models import FillReport, Side

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
