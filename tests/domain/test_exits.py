"""When a held position is sold before settlement (domain.exits), and under which halts."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.exits import ExitPolicy, decide_exit, exits_stopped_by
from domain.fees import FeeSchedule
from domain.halts import HaltCode
from domain.models import BookLevel, ExitReason, OrderBook, Position, PositionStatus, Side

D = Decimal
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
CLOSE = NOW + timedelta(days=2)
POLICY = ExitPolicy(take_profit_margin=D("0.02"), stop_margin=D("0.05"))
FEES = FeeSchedule()


def held(side: Side = Side.YES, count: str = "10", cost: str = "5") -> Position:
    """Bought at 50c a contract, fees included."""
    return Position(
        ticker="T",
        side=side,
        count=D(count),
        cost=D(cost),
        status=PositionStatus.OPEN,
        opened_at=NOW - timedelta(hours=1),
    )


def book(yes_bid: str | None, no_bid: str | None) -> OrderBook:
    def levels(price: str | None) -> tuple[BookLevel, ...]:
        return () if price is None else (BookLevel(price=D(price), count=D(100)),)

    return OrderBook(ticker="T", yes_bids=levels(yes_bid), no_bids=levels(no_bid))


def test_a_view_that_did_not_change_is_held() -> None:
    # Fair 0.55 on a position bought at 0.50, bid 0.52: nothing calls for a sale.
    assert decide_exit(held(), book("0.52", "0.46"), D("0.55"), FEES, POLICY, NOW, CLOSE) is None


def test_take_profit_when_the_bid_less_its_fee_beats_fair_value_by_the_margin() -> None:
    # Bid 0.62: fee of 10 at 0.62 is ceil(0.07 x 10 x 0.62 x 0.38) = 0.1650 -> 0.0165 each.
    decision = decide_exit(held(), book("0.62", "0.37"), D("0.58"), FEES, POLICY, NOW, CLOSE)
    assert decision is not None
    assert decision.reason is ExitReason.TAKE_PROFIT
    assert (decision.bid, decision.count, decision.fair, decision.paid) == (
        D("0.62"),
        D(10),
        D("0.58"),
        D("0.5"),
    )
    assert "0.6035" in decision.detail  # the proceeds after the fee


def test_no_take_profit_when_the_fee_eats_the_margin() -> None:
    # 0.61 - 0.0165 = 0.5935: beats 0.58 by 0.0135, under the 0.02 margin.
    assert decide_exit(held(), book("0.61", "0.38"), D("0.58"), FEES, POLICY, NOW, CLOSE) is None


def test_stop_when_the_view_falls_below_the_price_paid_by_the_margin() -> None:
    decision = decide_exit(held(), book("0.43", "0.55"), D("0.44"), FEES, POLICY, NOW, CLOSE)
    assert decision is not None
    assert decision.reason is ExitReason.VIEW_CHANGED
    # A fall of the price alone, the view holding, is no stop.
    assert decide_exit(held(), book("0.40", "0.58"), D("0.50"), FEES, POLICY, NOW, CLOSE) is None
    # No stop margin (the default): no stop at all.
    no_stop = POLICY.replace(stop_margin=None)
    assert decide_exit(held(), book("0.43", "0.55"), D("0.44"), FEES, no_stop, NOW, CLOSE) is None


def test_a_no_position_is_valued_on_the_no_side() -> None:
    # NO bought at 0.50; P(yes) 0.56 means NO is worth 0.44: the view changed.
    decision = decide_exit(held(Side.NO), book("0.55", "0.43"), D("0.56"), FEES, POLICY, NOW, CLOSE)
    assert decision is not None
    assert (decision.reason, decision.side, decision.bid, decision.fair) == (
        ExitReason.VIEW_CHANGED,
        Side.NO,
        D("0.43"),
        D("0.44"),
    )


def test_time_exit_only_when_configured_and_even_without_a_view() -> None:
    timed = POLICY.replace(time_before_close=timedelta(minutes=30))
    soon = NOW + timedelta(minutes=20)
    assert decide_exit(held(), book("0.52", "0.46"), None, FEES, POLICY, NOW, soon) is None
    decision = decide_exit(held(), book("0.52", "0.46"), None, FEES, timed, NOW, soon)
    assert decision is not None
    assert decision.reason is ExitReason.TIME_BEFORE_CLOSE
    assert decide_exit(held(), book("0.52", "0.46"), None, FEES, timed, NOW, CLOSE) is None


def test_no_bid_or_no_view_sells_nothing() -> None:
    assert decide_exit(held(), book(None, "0.55"), D("0.30"), FEES, POLICY, NOW, CLOSE) is None
    assert decide_exit(held(), book("0.90", "0.08"), None, FEES, POLICY, NOW, CLOSE) is None


def test_exits_go_on_under_a_pause_or_the_kill_switch_not_when_the_book_may_be_wrong() -> None:
    assert exits_stopped_by([HaltCode.PAUSED, HaltCode.MAX_DRAWDOWN]) == ()
    assert exits_stopped_by([HaltCode.PAUSED, HaltCode.CASH_DRIFT]) == (HaltCode.CASH_DRIFT,)
    for code in (
        HaltCode.RECONCILE_FAILING,
        HaltCode.BOOK_UNEXPLAINED,
        HaltCode.AUTH_FAILED,
    ):
        assert exits_stopped_by([code]) == (code,)
