"""The paper exchange against the simulator as its market data: no keys, real HTTP, a real
SQLite file, the simulator's frozen clock. Every expected fill and fee is worked out by hand
from A5.5 (bids on both sides) and A7 (fee = 0.07 x C x P x (1 - P) up to $0.0001, the balance
change floored to the cent, the order's accumulator)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from domain.models import MarketResult, OrderStatus, Side
from infra.kalshi.errors import TransientError, VenueRefused
from infra.kalshi.models import TimeInForce
from infra.lockfile import AlreadyRunning
from infra.paper.store import PaperStore
from infra.sim import SimExchange
from tests.infra.paper.helpers import paper_exchange, sell_yes, standard_ticker


def test_an_ioc_order_walks_the_book_level_by_level(sim: SimExchange, tmp_path: Path) -> None:
    ticker = standard_ticker(sim)
    # YES asks at 0.45 x 10 and 0.46 x 20 (NO bids at 0.55 and 0.54); a YES bid at 0.40.
    sim.pin_book(ticker, yes_bids=[("0.40", "10")], no_bids=[("0.55", "10"), ("0.54", "20")])
    with paper_exchange(sim, tmp_path / "paper.db") as paper:
        ack = paper.create_order(ticker, Side.YES, Decimal("0.46"), Decimal(15), "walk-1")
        # 10 @ 0.45: fee 0.07*10*0.45*0.55 = 0.17325 -> 0.1733; -4.50 - 0.1733 = -4.6733,
        #   floored -4.68 (rounding 0.0067, accumulator 0.0067): net fee 0.18.
        # 5 @ 0.46: fee 0.07*5*0.46*0.54 = 0.08694 -> 0.0870; -2.30 - 0.0870 = -2.3870,
        #   floored -2.39 (rounding 0.0030, accumulator 0.0097 < 0.01, no rebate): net 0.09.
        assert (ack.fill_count, ack.remaining_count) == (Decimal(15), Decimal(0))
        fills = sorted(paper.get_fills(order_id=ack.order_id), key=lambda f: f.yes_price)
        assert [(f.yes_price, f.count, f.fee, f.is_taker) for f in fills] == [
            (Decimal("0.45"), Decimal(10), Decimal("0.18"), True),
            (Decimal("0.46"), Decimal(5), Decimal("0.09"), True),
        ]
        assert paper.get_balance().balance == Decimal("992.93")  # 1000 - 6.80 - 0.27
        (position,) = paper.get_positions()
        assert (position.ticker, position.position) == (ticker, Decimal(15))
        assert (position.market_exposure, position.fees_paid) == (Decimal("6.80"), Decimal("0.27"))
        report = paper.get_order(ack.order_id)
        assert report.status is OrderStatus.EXECUTED
        assert (report.fill_cost, report.fees) == (Decimal("6.80"), Decimal("0.27"))

        # A NO buy takes the YES bids: 0.40 -> NO at 0.60; the 0.62 limit stops nothing,
        # the 0.40 level's 10 is all there is. 0.07*10*0.6*0.4 = 0.168 -> 0.1680;
        # 10 NO against 15 YES nets 10 pairs: revenue -6.00 + 10.00 = 4.00; 4.00 - 0.1680 =
        # 3.8320, floored 3.83 (rounding 0.0020): net fee 0.17.
        sale = paper.create_order(ticker, Side.NO, Decimal("0.62"), Decimal(12), "walk-2")
        assert (sale.fill_count, sale.remaining_count) == (Decimal(10), Decimal(0))
        assert paper.get_order(sale.order_id).status is OrderStatus.EXECUTED
        assert paper.get_balance().balance == Decimal("996.76")  # 992.93 + 3.83
        (position,) = paper.get_positions()
        assert position.position == Decimal(5)

    # The real market never saw the paper orders.
    book = requests.get(f"{sim.base_url}/markets/{ticker}/orderbook").json()["orderbook_fp"]
    assert book["no_dollars"] == [["0.5400", "20.00"], ["0.5500", "10.00"]]
    assert book["yes_dollars"] == [["0.4000", "10.00"]]


def test_refusals_and_a_resend(sim: SimExchange, tmp_path: Path) -> None:
    ticker = standard_ticker(sim)
    sim.pin_book(ticker, no_bids=[("0.50", "100")])
    with paper_exchange(sim, tmp_path / "paper.db", cash=Decimal(10)) as paper:
        with pytest.raises(VenueRefused) as too_big:
            paper.create_order(ticker, Side.YES, Decimal("0.50"), Decimal(40), "big")
        assert too_big.value.code_is("available_balance_too_low")
        with pytest.raises(VenueRefused) as unknown:
            paper.create_order("KXNOPE-26NOV24-T1", Side.YES, Decimal("0.5"), Decimal(1), "x")
        assert unknown.value.status == 404
        first = paper.create_order(ticker, Side.YES, Decimal("0.50"), Decimal(2), "again")
        assert paper.create_order(ticker, Side.YES, Decimal("0.50"), Decimal(2), "again") == first
        with pytest.raises(VenueRefused) as taken:
            paper.create_order(ticker, Side.YES, Decimal("0.50"), Decimal(3), "again")
        assert taken.value.code_is("order_already_exists")
        assert len(paper.get_fills()) == 1
        sim.settle(ticker, "yes")
        with pytest.raises(VenueRefused) as closed:
            paper.create_order(ticker, Side.YES, Decimal("0.50"), Decimal(1), "late")
        assert closed.value.code_is("market_closed")


def test_market_data_that_cannot_be_read_places_nothing(sim: SimExchange, tmp_path: Path) -> None:
    ticker = standard_ticker(sim)
    with paper_exchange(sim, tmp_path / "paper.db") as paper:
        sim.stop()
        with pytest.raises(TransientError):
            paper.create_order(ticker, Side.YES, Decimal("0.50"), Decimal(1), "offline")
        with paper.store.transaction() as conn:
            assert paper.store.orders(conn) == []


def test_a_resting_order_fills_only_after_the_queue_ahead_has_traded(
    sim: SimExchange, http: requests.Session, tmp_path: Path
) -> None:
    ticker = standard_ticker(sim)
    sim.pin_book(ticker, yes_bids=[("0.40", "10")], no_bids=[("0.55", "10")])
    with paper_exchange(sim, tmp_path / "paper.db") as paper:
        ack = paper.create_order(
            ticker, Side.YES, Decimal("0.40"), Decimal(5), "rest", TimeInForce.GOOD_TILL_CANCELED
        )
        assert (ack.fill_count, ack.remaining_count) == (Decimal(0), Decimal(5))

        def state() -> tuple[OrderStatus, Decimal, Decimal]:
            report = paper.get_order(ack.order_id)
            with paper.store.transaction() as conn:
                (order,) = paper.store.orders(conn, order_id=ack.order_id)
            return report.status, report.fill_count, order.queue_ahead

        # The 10 displayed at 0.40 when it rested are ahead of it.
        assert state() == (OrderStatus.RESTING, Decimal(0), Decimal(10))
        sell_yes(http, sim, ticker, "0.40", "6")  # a trade of 6 at 0.40
        assert state() == (OrderStatus.RESTING, Decimal(0), Decimal(4))
        sell_yes(http, sim, ticker, "0.40", "4")  # the last of the queue ahead
        assert state() == (OrderStatus.RESTING, Decimal(0), Decimal(0))
        # New bids at 0.40 arrive behind it; the next seller at 0.40 reaches it first.
        sim.pin_book(ticker, yes_bids=[("0.40", "10")], no_bids=[("0.55", "10")])
        sell_yes(http, sim, ticker, "0.40", "3")
        assert state() == (OrderStatus.RESTING, Decimal(3), Decimal(0))
        # A seller who goes through 0.40 down to 0.38 fills the rest, at 0.40, never better.
        sim.pin_book(ticker, yes_bids=[("0.40", "1"), ("0.38", "10")], no_bids=[("0.55", "10")])
        sell_yes(http, sim, ticker, "0.38", "5")
        assert state() == (OrderStatus.EXECUTED, Decimal(5), Decimal(0))
        fills = paper.get_fills(order_id=ack.order_id)
        assert {(f.yes_price, f.is_taker, f.fee) for f in fills} == {
            (Decimal("0.40"), False, Decimal(0))  # a quadratic series charges no maker fee
        }
        assert sum(f.count for f in fills) == Decimal(5)
        assert paper.get_balance().balance == Decimal(998)  # 1000 - 5 x 0.40
        with paper.store.transaction() as conn:  # nothing rests there: nothing to remember
            assert paper.store.seen(conn, ticker) == set()


def test_a_resting_order_the_cash_no_longer_covers_is_cancelled(
    sim: SimExchange, http: requests.Session, tmp_path: Path
) -> None:
    ticker, other = standard_ticker(sim), standard_ticker(sim, 1)
    sim.pin_book(ticker, yes_bids=[("0.40", "1")], no_bids=[("0.55", "10")])
    sim.pin_book(other, no_bids=[("0.50", "100")])
    with paper_exchange(sim, tmp_path / "paper.db", cash=Decimal(10)) as paper:
        # At most 20 x 0.40 + fee 0.34 = 8.34: the $10 covers it when it rests.
        rest = paper.create_order(
            ticker, Side.YES, Decimal("0.40"), Decimal(20), "rest", TimeInForce.GOOD_TILL_CANCELED
        )
        # Then 8 YES at 0.50 elsewhere: 4.00 + 0.07*8*.25 = 0.14 -> cash 5.86.
        paper.create_order(other, Side.YES, Decimal("0.50"), Decimal(8), "spend")
        assert paper.get_balance().balance == Decimal("5.86")
        sell_yes(http, sim, ticker, "0.40", "1")  # the queue ahead
        sim.pin_book(ticker, yes_bids=[("0.40", "20")], no_bids=[("0.55", "10")])
        sell_yes(http, sim, ticker, "0.40", "20")
        # (5.86 - 0.01) / (0.40 + 0.0001) = 14.62...: 14.62 contracts, then the rest is cancelled.
        report = paper.get_order(rest.order_id)
        assert (report.status, report.fill_count) == (OrderStatus.CANCELED, Decimal("14.62"))
        assert paper.get_balance().balance == Decimal("0.01")  # 5.86 - 5.848, floored to cents


def test_buyers_of_the_same_side_never_reach_a_resting_bid(
    sim: SimExchange, http: requests.Session, tmp_path: Path
) -> None:
    ticker = standard_ticker(sim)
    sim.pin_book(ticker, yes_bids=[("0.41", "10")], no_bids=[("0.55", "10")])
    with paper_exchange(sim, tmp_path / "paper.db") as paper:
        ack = paper.create_order(
            ticker, Side.YES, Decimal("0.40"), Decimal(5), "rest", TimeInForce.GOOD_TILL_CANCELED
        )
        # A YES buyer lifts the NO bids: taker side yes, it never sells to a YES bid.
        response = http.post(
            f"{sim.base_url}/portfolio/events/orders",
            json={
                "ticker": ticker,
                "client_order_id": "buyer",
                "side": "bid",
                "count": "5",
                "price": "0.45",
                "time_in_force": "immediate_or_cancel",
                "self_trade_prevention_type": "taker_at_cross",
            },
        )
        assert response.status_code == 201
        sell_yes(http, sim, ticker, "0.41", "5")  # at a better bid than its own: not its turn
        report = paper.get_order(ack.order_id)
        assert (report.status, report.fill_count) == (OrderStatus.RESTING, Decimal(0))
        paper.cancel_order(ack.order_id)
        assert paper.get_order(ack.order_id).status is OrderStatus.CANCELED


def test_positions_settle_on_the_markets_results(sim: SimExchange, tmp_path: Path) -> None:
    won, lost, voided = (standard_ticker(sim, n) for n in range(3))
    ex = sim.exchange
    scalar = next(t for t in sim.open_tickers() if ex.markets_by_ticker[t].market_type == "scalar")
    for ticker in (won, lost, voided, scalar):
        sim.pin_book(ticker, yes_bids=[("0.30", "50")], no_bids=[("0.60", "50")])
    with paper_exchange(sim, tmp_path / "paper.db") as paper:
        for n, ticker in enumerate((won, lost, voided, scalar)):
            paper.create_order(ticker, Side.YES, Decimal("0.40"), Decimal(10), f"buy-{n}")
        before = paper.get_balance().balance
        spent = Decimal(1000) - before
        sim.settle(won, "yes")
        sim.settle(lost, "no")
        sim.settle(voided, "void")
        sim.settle(scalar, "scalar", "0.3700")
        records = {s.ticker: s for s in paper.get_settlements()}
        assert set(records) == {won, lost, voided, scalar}
        assert records[won].market_result is MarketResult.YES
        assert records[won].revenue == Decimal(10)  # 10 x $1
        assert records[lost].revenue == Decimal(0)
        assert records[voided].market_result is MarketResult.VOID
        assert records[voided].revenue == Decimal("4.00")  # returned at cost: 10 x 0.40
        assert records[scalar].revenue == Decimal("3.70")  # 10 x 0.37
        assert records[scalar].value == Decimal("0.37")
        assert all(r.yes_count == Decimal(10) and r.no_count == 0 for r in records.values())
        assert paper.get_positions() == ()
        assert paper.get_balance().balance == before + Decimal("17.70")
        assert spent == 4 * (Decimal("4.00") + Decimal("0.17"))  # 0.07*10*.4*.6=0.168 -> 0.17
        # Settled once: a second read pays nothing more.
        assert len(paper.get_settlements()) == 4
        assert paper.get_balance().balance == before + Decimal("17.70")


def test_the_paper_book_survives_a_restart(
    sim: SimExchange, http: requests.Session, tmp_path: Path
) -> None:
    ticker, other = standard_ticker(sim), standard_ticker(sim, 1)
    sim.pin_book(ticker, yes_bids=[("0.40", "2")], no_bids=[("0.55", "10")])
    sim.pin_book(other, no_bids=[("0.70", "10")])
    path = tmp_path / "paper.db"
    with paper_exchange(sim, path) as paper:
        held = paper.create_order(other, Side.YES, Decimal("0.30"), Decimal(4), "held")
        rest = paper.create_order(
            ticker, Side.YES, Decimal("0.40"), Decimal(5), "rest", TimeInForce.GOOD_TILL_CANCELED
        )
        cash = paper.get_balance().balance
        positions = paper.get_positions()
    # A different starting cash setting does not change an existing account.
    with paper_exchange(sim, path, cash=Decimal(5)) as again:
        assert again.get_balance().balance == cash
        assert again.get_positions() == positions
        assert again.get_order(held.order_id).fill_count == Decimal(4)
        assert again.find_order_by_client_order_id("rest", ticker) == again.get_order(rest.order_id)
        sell_yes(http, sim, ticker, "0.40", "2")  # the queue ahead
        sim.pin_book(ticker, yes_bids=[("0.40", "10")], no_bids=[("0.55", "10")])
        sell_yes(http, sim, ticker, "0.40", "5")
        assert again.get_order(rest.order_id).status is OrderStatus.EXECUTED
        assert again.get_balance().balance == cash - Decimal(2)


def test_a_reduce_only_order_only_closes_what_is_held(sim: SimExchange, tmp_path: Path) -> None:
    """A5.9 (b): `reduce_only` is accepted only with immediate_or_cancel, and closes contracts
    held (here: a NO buy against YES held); it never opens a position."""
    ticker = standard_ticker(sim)
    sim.pin_book(ticker, yes_bids=[("0.40", "50")], no_bids=[("0.55", "50")])
    with paper_exchange(sim, tmp_path / "paper.db") as paper:
        nothing = paper.create_order(
            ticker, Side.NO, Decimal("0.60"), Decimal(5), "reduce-0", reduce_only=True
        )
        assert nothing.fill_count == 0
        assert paper.get_order(nothing.order_id).status is OrderStatus.CANCELED
        assert paper.get_positions() == ()
        paper.create_order(ticker, Side.YES, Decimal("0.45"), Decimal(8), "buy-1")
        sold = paper.create_order(
            ticker, Side.NO, Decimal("0.60"), Decimal(20), "reduce-1", reduce_only=True
        )
        assert sold.fill_count == Decimal(8)  # the 8 held, not the 20 asked
        assert paper.get_positions() == ()
        with pytest.raises(VenueRefused, match="immediate_or_cancel"):
            paper.create_order(
                ticker,
                Side.NO,
                Decimal("0.60"),
                Decimal(1),
                "reduce-2",
                TimeInForce.GOOD_TILL_CANCELED,
                reduce_only=True,
            )


def test_one_bot_at_a_time_trades_a_paper_account(tmp_path: Path) -> None:
    path, now = tmp_path / "paper.db", datetime(2026, 11, 24, tzinfo=UTC)
    first = PaperStore(path, Decimal(100), now, exclusive=True)
    try:
        with pytest.raises(AlreadyRunning, match=r"paper\.account_db"):
            PaperStore(path, Decimal(100), now, exclusive=True)
    finally:
        first.close()
    PaperStore(path, Decimal(100), now, exclusive=True).close()  # free again once closed


def test_a_post_only_order_that_would_take_is_refused_and_a_resting_one_expires(
    sim: SimExchange, http: requests.Session, tmp_path: Path
) -> None:
    """A5.9 (b): post_only and expiration_time, with good_till_canceled only; a post-only order
    at or through the ask is refused (nothing placed); a resting order is cancelled at its
    expiry, and a trade after it no longer reaches it."""
    ticker = standard_ticker(sim)
    sim.pin_book(ticker, yes_bids=[("0.40", "10")], no_bids=[("0.55", "10")])  # YES ask 0.45
    gtc = TimeInForce.GOOD_TILL_CANCELED
    expiry = int(sim.clock.now().timestamp()) + 600
    with paper_exchange(sim, tmp_path / "paper.db") as paper:
        with pytest.raises(VenueRefused, match="post only cross"):
            paper.create_order(
                ticker, Side.YES, Decimal("0.45"), Decimal(5), "x", gtc, post_only=True
            )
        with pytest.raises(VenueRefused, match="good_till_canceled"):
            paper.create_order(ticker, Side.YES, Decimal("0.41"), Decimal(5), "y", post_only=True)
        with pytest.raises(VenueRefused, match="in the future"):
            paper.create_order(
                ticker,
                Side.YES,
                Decimal("0.41"),
                Decimal(5),
                "z",
                gtc,
                expiration_time=expiry - 900,
            )
        ack = paper.create_order(
            ticker,
            Side.YES,
            Decimal("0.41"),
            Decimal(5),
            "m",
            gtc,
            post_only=True,
            expiration_time=expiry,
        )
        assert paper.get_order(ack.order_id).status is OrderStatus.RESTING
        sim.advance(601)
        sim.pin_book(ticker, yes_bids=[("0.41", "10")], no_bids=[("0.55", "10")])
        sell_yes(http, sim, ticker, "0.41", "5")  # after the expiry: never reaches it
        report = paper.get_order(ack.order_id)
        assert (report.status, report.fill_count) == (OrderStatus.CANCELED, Decimal(0))
        assert paper.get_fills(order_id=ack.order_id) == ()
