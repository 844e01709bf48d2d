from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.models import (
    MarketResult,
    Position,
    PositionReport,
    PositionStatus,
    SettlementReport,
    Side,
)
from domain.reconcile import payout, plan

D = Decimal
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def position(ticker: str, side: Side = Side.YES, count: str = "10", cost: str = "4.20") -> Position:
    return Position(
        id=1,
        ticker=ticker,
        side=side,
        count=D(count),
        cost=D(cost),
        status=PositionStatus.OPEN,
        opened_at=NOW,
    )


def remote(ticker: str, signed: str, exposure: str = "4.20") -> PositionReport:
    return PositionReport(ticker=ticker, position=D(signed), market_exposure=D(exposure))


def settlement(
    ticker: str, result: MarketResult, yes: str = "10", no: str = "0"
) -> SettlementReport:
    revenue = D(yes) if result is MarketResult.YES else D(no)
    return SettlementReport(
        ticker=ticker,
        market_result=result,
        yes_count=D(yes),
        no_count=D(no),
        revenue=revenue,
        settled_time=NOW,
    )


def test_unknown_remote_position_is_recovered_at_its_cost() -> None:
    result = plan([], [remote("A", "-7", "2.80")], [], {})
    assert len(result.recover) == 1
    recovered = result.recover[0]
    assert (recovered.ticker, recovered.side, recovered.count, recovered.cost) == (
        "A",
        Side.NO,
        D(7),
        D("2.80"),
    )
    assert not result.settle


def test_local_position_gone_with_a_settlement_is_closed_with_the_payout() -> None:
    result = plan([position("A", Side.YES, "10")], [], [settlement("A", MarketResult.YES)], {})
    assert [(s.position.ticker, s.payout, s.evidence) for s in result.settle] == [
        ("A", D(10), "settlement"),
    ]
    assert result.settle[0].realized_pnl == D("5.80")


def test_local_position_gone_without_evidence_is_kept() -> None:
    result = plan([position("A")], [], [], {})
    assert result.empty
    assert "without evidence" in result.discrepancies[0].detail


def test_final_market_result_is_evidence() -> None:
    result = plan([position("A", Side.NO, "3", "1.50")], [], [], {"A": MarketResult.YES})
    assert result.settle[0].payout == 0
    assert result.settle[0].evidence == "market result"


def test_tickers_with_orders_in_flight_are_left_alone() -> None:
    result = plan(
        [position("B")], [remote("A", "5")], [], {"B": MarketResult.NO}, frozenset({"A", "B"})
    )
    assert result.empty


def test_quantity_mismatch_is_reported_not_acted_on() -> None:
    result = plan([position("A", Side.YES, "10")], [remote("A", "12")], [], {})
    assert result.empty
    assert "local 10 yes, venue 12 yes" in result.discrepancies[0].detail


def test_void_market_returns_the_cost() -> None:
    assert payout(position("A", cost="4.20"), MarketResult.VOID) == D("4.20")


@given(
    st.lists(st.sampled_from("ABCDEFGH"), unique=True),
    st.lists(st.sampled_from("ABCDEFGH"), unique=True),
)
def test_never_recovers_a_known_market_nor_settles_a_held_one(
    local_tickers: list[str], remote_tickers: list[str]
) -> None:
    local = [position(t) for t in local_tickers]
    reports = [remote(t, "10") for t in remote_tickers]
    result = plan(local, reports, [settlement(t, MarketResult.YES) for t in "ABCDEFGH"], {})
    assert {r.ticker for r in result.recover} == set(remote_tickers) - set(local_tickers)
    assert {s.position.ticker for s in result.settle} == set(local_tickers) - set(remote_tickers)
