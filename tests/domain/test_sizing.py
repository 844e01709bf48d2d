from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.fees import FeeSchedule, FeeType, taker_fee
from domain.models import BookLevel, OrderBook, Side, TradeSignal
from domain.money import ceil_to_cent
from domain.risk import DenyReason
from domain.sizing import ExecutionPolicy, NoTrade, SizingLimits, kelly_fraction, size_order
from domain.ticks import improve_bid

D = Decimal
probabilities = st.decimals(min_value=0, max_value=1, places=3)
prices = st.decimals(min_value=D("0.01"), max_value=D("0.99"), places=2)
bankrolls = st.decimals(min_value=0, max_value=D(100000), places=2)


def book(yes_bid: Decimal | None, no_bid: Decimal | None) -> OrderBook:
    level = lambda p: (BookLevel(price=p, count=D(100)),) if p is not None else ()  # noqa: E731
    return OrderBook(ticker="T", yes_bids=level(yes_bid), no_bids=level(no_bid))


def test_kelly_textbook_case() -> None:
    # 60 % to win a $1 contract costing $0.50: f* = (0.6 - 0.5) / 0.5 = 0.2
    assert kelly_fraction(D("0.6"), D("0.5")) == D("0.2")


@given(probabilities, st.decimals(min_value=D("-0.5"), max_value=D("1.5"), places=3))
def test_kelly_stays_in_unit_interval_and_is_zero_without_edge(q: Decimal, c: Decimal) -> None:
    f = kelly_fraction(q, c)
    assert D(0) <= f <= D(1)
    if q <= c:
        assert f == 0


def test_buys_yes_when_forecast_is_above_the_yes_ask() -> None:
    # YES ask = 1 - best NO bid = 0.40; forecast 0.60
    signal = size_order("T", D("0.60"), book(D("0.38"), D("0.60")), D(1000), SizingLimits())
    assert isinstance(signal, TradeSignal)
    assert signal.side is Side.YES
    assert signal.limit_price == D("0.40")
    assert signal.fee == taker_fee(signal.count, D("0.40"))
    assert signal.cost == signal.limit_price * signal.count + signal.fee


def test_buys_no_when_forecast_is_below_the_yes_bid() -> None:
    # NO ask = 1 - best YES bid = 0.45; forecast YES 0.30 -> NO wins with 0.70
    signal = size_order("T", D("0.30"), book(D("0.55"), D("0.40")), D(1000), SizingLimits())
    assert isinstance(signal, TradeSignal)
    assert signal.side is Side.NO
    assert signal.limit_price == D("0.45")
    assert signal.yes_price == D("0.55")


def test_no_trade_when_fees_eat_the_edge() -> None:
    # YES ask 0.50, forecast 0.51: raw edge 0.01, fee ~0.0175 per contract
    decision = size_order("T", D("0.51"), book(D("0.48"), D("0.50")), D(1000), SizingLimits())
    assert isinstance(decision, NoTrade)
    assert decision.reason is DenyReason.NO_EDGE


def test_no_trade_below_min_edge() -> None:
    limits = SizingLimits(min_edge=D("0.10"))
    decision = size_order("T", D("0.60"), book(D("0.50"), D("0.48")), D(1000), limits)
    assert isinstance(decision, NoTrade)
    assert decision.reason is DenyReason.EDGE_BELOW_MIN


def test_no_trade_without_prices() -> None:
    decision = size_order("T", D("0.9"), book(None, None), D(1000), SizingLimits())
    assert isinstance(decision, NoTrade)
    assert decision.reason is DenyReason.NO_PRICE


def test_kelly_scale_shrinks_the_bet() -> None:
    loose = SizingLimits(max_fraction_per_order=D(1), max_order_cost=D(10**6))
    full = size_order("T", D("0.70"), book(D("0.38"), D("0.60")), D(1000), loose)
    half = size_order(
        "T", D("0.70"), book(D("0.38"), D("0.60")), D(1000), loose, kelly_scale=D("0.5")
    )
    assert isinstance(full, TradeSignal)
    assert isinstance(half, TradeSignal)
    assert half.count < full.count


@given(probabilities, prices, prices, bankrolls)
def test_sizing_invariants(
    q: Decimal, yes_bid: Decimal, no_bid: Decimal, bankroll: Decimal
) -> None:
    limits = SizingLimits(max_order_cost=D(200), max_fraction_per_order=D("0.1"))
    decision = size_order("T", q, book(yes_bid, no_bid), bankroll, limits)
    if isinstance(decision, NoTrade):
        return
    win = q if decision.side is Side.YES else 1 - q
    per_contract = decision.cost / decision.count
    assert win - per_contract >= limits.min_edge > 0  # never bets on a non-positive edge
    assert D(0) < decision.kelly_fraction <= limits.max_fraction_per_order
    assert decision.cost <= min(limits.max_order_cost, bankroll * limits.max_fraction_per_order)
    assert decision.fee == taker_fee(decision.count, decision.limit_price)
    assert decision.count == decision.count.to_integral_value()  # count_step 1


def test_the_signal_keeps_its_full_kelly_and_the_caps_that_shrank_it() -> None:
    # A large edge: full Kelly is far above max_fraction_per_order, and on a big bankroll the
    # capped fraction is still above max_order_cost.
    signal = size_order("T", D("0.90"), book(D("0.38"), D("0.60")), D(100000), SizingLimits())
    assert isinstance(signal, TradeSignal)
    assert signal.full_kelly > signal.kelly_fraction == SizingLimits().max_fraction_per_order
    assert signal.caps == ("max_fraction_per_order 0.05", "max_order_cost 50")
    modest = size_order("T", D("0.45"), book(D("0.38"), D("0.60")), D(1000), SizingLimits())
    assert isinstance(modest, TradeSignal)
    assert modest.caps == ()
    assert modest.kelly_fraction == modest.full_kelly * SizingLimits().kelly_multiplier
    scaled = size_order(
        "T", D("0.45"), book(D("0.38"), D("0.60")), D(1000), SizingLimits(), kelly_scale=D("0.5")
    )
    assert isinstance(scaled, TradeSignal)
    assert scaled.caps == ("track record x0.5",)


def test_sizing_charges_the_markets_own_fee_schedule() -> None:
    """The same forecast and book under three schedules (A7 per-series fee types): the fee and
    the edge after it are the schedule's, never the standard table's."""
    quote = book(D("0.38"), D("0.60"))  # YES ask 0.40
    limits = SizingLimits(max_fraction_per_order=D(1), max_order_cost=D(10))
    standard = size_order("T", D("0.60"), quote, D(1000), limits)
    half = size_order("T", D("0.60"), quote, D(1000), limits, fees=FeeSchedule(multiplier=D("0.5")))
    flat = size_order("T", D("0.60"), quote, D(1000), limits, fees=FeeSchedule(FeeType.FLAT))
    assert isinstance(standard, TradeSignal)
    assert isinstance(half, TradeSignal)
    assert isinstance(flat, TradeSignal)
    assert standard.fee == taker_fee(standard.count, D("0.40"))
    assert half.fee == ceil_to_cent(D("0.035") * half.count * D("0.24"))
    assert flat.fee == D("0.01") * flat.count
    assert half.edge > standard.edge
    for signal in (standard, half, flat):
        assert signal.cost == signal.limit_price * signal.count + signal.fee <= D(10)
    # A 3x multiplier leaves no edge where the standard schedule still has one.
    thin = book(D("0.45"), D("0.53"))  # YES ask 0.47, forecast 0.52
    assert isinstance(
        size_order("T", D("0.52"), thin, D(1000), SizingLimits(min_edge=D(0))), TradeSignal
    )
    tripled = size_order(
        "T",
        D("0.52"),
        thin,
        D(1000),
        SizingLimits(min_edge=D(0)),
        fees=FeeSchedule(multiplier=D(3)),
    )
    assert isinstance(tripled, NoTrade)
    assert tripled.reason is DenyReason.NO_EDGE


def test_maker_mode_places_the_takers_decision_post_only_below_the_ask() -> None:
    """execution.mode maker changes how a trade is placed, never whether nor how much: the
    taker's count rests one tick above the bid, paying the maker fee (none on this series);
    a taker edge at or above `taker_edge` takes at the ask; no trade at the ask, no order."""
    book = OrderBook(
        ticker="T",
        yes_bids=(BookLevel(price=Decimal("0.40"), count=Decimal(100)),),
        no_bids=(BookLevel(price=Decimal("0.55"), count=Decimal(100)),),
    )  # YES 0.40 bid / 0.45 ask
    maker = SizingLimits(execution=ExecutionPolicy(mode="maker"))
    taker = size_order("T", Decimal("0.52"), book, Decimal(1000), SizingLimits())
    rested = size_order("T", Decimal("0.52"), book, Decimal(1000), maker)
    assert isinstance(taker, TradeSignal)
    assert isinstance(rested, TradeSignal)
    assert not taker.post_only
    assert rested.post_only
    assert (rested.side, rested.count) == (taker.side, taker.count)
    assert rested.limit_price == Decimal("0.41")
    assert rested.cost == Decimal("0.41") * rested.count  # quadratic: makers pay no fee
    assert rested.edge > taker.edge
    fallback = maker.replace(execution=ExecutionPolicy(mode="maker", taker_edge=taker.edge))
    assert size_order("T", Decimal("0.52"), book, Decimal(1000), fallback) == taker
    assert isinstance(size_order("T", Decimal("0.47"), book, Decimal(1000), maker), NoTrade)


def test_a_maker_bid_never_crosses_and_joins_a_one_tick_spread() -> None:
    assert improve_bid(Side.YES, Decimal("0.40"), Decimal("0.45"), ()) == Decimal("0.41")
    assert improve_bid(Side.YES, Decimal("0.40"), Decimal("0.41"), ()) == Decimal("0.40")
    assert improve_bid(Side.YES, None, Decimal("0.41"), ()) == Decimal("0.40")
    assert improve_bid(Side.NO, Decimal("0.50"), Decimal("0.53"), ()) == Decimal("0.51")
    assert improve_bid(Side.YES, None, Decimal("0.01"), ()) is None
