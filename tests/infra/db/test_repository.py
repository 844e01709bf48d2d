from __future__ import annotations

import json
import random
import sqlite3
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from domain.errors import ExecutionAlreadyFinal
from domain.fees import max_cost
from domain.models import (
    ExecutionStatus,
    Forecast,
    ForecastInputs,
    Heartbeat,
    LedgerReason,
    Market,
    MarketResult,
    MarketStatus,
    PnlEvent,
    PositionStats,
    PositionStatus,
    Side,
)
from domain.money import MICRO, ZERO
from domain.sizing import STANDARD_FEES
from infra.db.repository import Database, LedgerBalanceError, NotFoundError
from tests.infra.db.builders import T0, at, execution, position
from tests.infra.db.conftest import Query
from tests.logs import capture_logs

# ledger


def test_ledger_rows_are_appended_and_read_back_in_order(database: Database) -> None:
    with database.unit_of_work() as repo:
        first = repo.append_ledger(T0, Decimal(100), LedgerReason.INITIAL, Decimal(100))
        second = repo.append_ledger(
            at(1), Decimal("-5.67"), LedgerReason.RESERVE, Decimal("94.33"), "execution", "coid-1"
        )

    with database.read() as repo:
        assert repo.ledger_entries() == [first, second]
        assert repo.last_ledger_entry() == second
    assert first.id is not None
    assert second.reason is LedgerReason.RESERVE
    assert (second.ref_type, second.ref_id) == ("execution", "coid-1")
    assert (first.ref_type, first.ref_id) == (None, None)


def test_an_empty_ledger(database: Database) -> None:
    with database.read() as repo:
        assert repo.last_ledger_entry() is None
        assert repo.ledger_entries() == []
        totals = repo.ledger_totals()
    assert totals == (0, ZERO, ZERO, None)  # no rows, nothing seeded


def test_a_balance_that_does_not_follow_from_the_change_is_refused(
    database: Database, query: Query
) -> None:
    with database.unit_of_work() as repo:
        repo.append_ledger(T0, Decimal(100), LedgerReason.INITIAL, Decimal(100))

    with pytest.raises(LedgerBalanceError), database.unit_of_work() as repo:
        repo.append_ledger(at(1), Decimal(-1), LedgerReason.API_COST, Decimal("98.99"))

    assert query("SELECT count(*) FROM bankroll_history") == [(1,)]


def test_ledger_totals_are_exact_over_many_rows(database: Database) -> None:
    rng = random.Random(20260301)
    changes = [Decimal(rng.randint(-5_000_000, 5_000_000)) * MICRO for _ in range(3000)]
    changes[0] = Decimal("1000.000001")
    balance = ZERO
    with database.unit_of_work() as repo:
        for second, change in enumerate(changes):
            balance += change
            repo.append_ledger(at(second), change, LedgerReason.ADJUSTMENT, balance)

    with database.read() as repo:
        totals = repo.ledger_totals()

    assert totals.rows == len(changes)
    assert totals.total_change == sum(changes, ZERO)
    assert totals.last_balance == balance == totals.total_change


# executions


def test_an_execution_round_trips(database: Database) -> None:
    intent = execution()
    with database.unit_of_work() as repo:
        assert repo.insert_execution(intent) == intent
    with database.read() as repo:
        assert repo.get_execution("coid-1") == intent
        assert repo.get_execution("unknown") is None


def test_an_execution_is_updated_and_validated(database: Database) -> None:
    with database.unit_of_work() as repo:
        repo.insert_execution(execution())
        updated = repo.update_execution(
            "coid-1",
            status=ExecutionStatus.PARTIAL,
            venue_order_id="venue-1",
            filled_count=Decimal("4.00"),
            fill_cost=Decimal("2.24"),
            fees=Decimal("0.07"),
            updated_at=at(5),
        )
    with database.read() as repo:
        assert repo.get_execution("coid-1") == updated
    assert updated.status is ExecutionStatus.PARTIAL
    assert updated.filled_count == Decimal("4.00")
    assert updated.created_at == T0

    with pytest.raises(ValidationError), database.unit_of_work() as repo:
        repo.update_execution("coid-1", status="lost")
    with pytest.raises(NotFoundError), database.unit_of_work() as repo:
        repo.update_execution("unknown", status=ExecutionStatus.FILLED)
    with pytest.raises(ValueError, match="never changes"), database.unit_of_work() as repo:
        repo.update_execution("coid-1", client_order_id="other")


def test_executions_are_selected_by_status(database: Database) -> None:
    with database.unit_of_work() as repo:
        repo.insert_execution(execution(client_order_id="a", status=ExecutionStatus.INTENT))
        repo.insert_execution(execution(client_order_id="b", status=ExecutionStatus.FILLED))
        repo.insert_execution(execution(client_order_id="c", status=ExecutionStatus.AMBIGUOUS))

    with database.read() as repo:
        in_flight = repo.executions_with_status(ExecutionStatus.INTENT, ExecutionStatus.AMBIGUOUS)
        every = repo.executions_with_status()
    assert [e.client_order_id for e in in_flight] == ["a", "c"]
    assert [e.client_order_id for e in every] == ["a", "b", "c"]


def test_a_booking_refuses_an_order_already_final(database: Database) -> None:
    with database.unit_of_work() as repo:
        repo.insert_execution(execution(client_order_id="a", status=ExecutionStatus.FILLED))

    def book_twice() -> None:
        with database.unit_of_work() as repo:
            repo.append_ledger(T0, Decimal(5), LedgerReason.INITIAL, Decimal(5))
            repo.update_execution("a", only_if_in_flight=True, status=ExecutionStatus.CANCELED)

    with pytest.raises(ExecutionAlreadyFinal, match="already booked as filled"):
        book_twice()
    with database.read() as repo:
        assert repo.ledger_entries() == []  # the whole unit of work rolled back
        assert repo.get_execution("a").status is ExecutionStatus.FILLED


def test_client_order_ids_are_unique(database: Database) -> None:
    with database.unit_of_work() as repo:
        repo.insert_execution(execution())
    with pytest.raises(IntegrityError, match="client_order_id"), database.unit_of_work() as repo:
        repo.insert_execution(execution(correlation_id="again"))


def test_venue_order_ids_are_unique_once_assigned(database: Database) -> None:
    with database.unit_of_work() as repo:
        repo.insert_execution(execution(client_order_id="a"))
        repo.insert_execution(execution(client_order_id="b"))  # both without a venue id
        repo.insert_execution(execution(client_order_id="c", venue_order_id="v-1"))
    with pytest.raises(IntegrityError, match="venue_order_id"), database.unit_of_work() as repo:
        repo.insert_execution(execution(client_order_id="d", venue_order_id="v-1"))


def test_the_database_refuses_an_unknown_status(database: Database, query: Query) -> None:
    with database.unit_of_work() as repo:
        repo.insert_execution(execution())
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        query("UPDATE executions SET status = 'lost'")


# positions


def test_a_position_gets_an_id_and_round_trips(database: Database) -> None:
    with database.unit_of_work() as repo:
        repo.insert_execution(execution())
        stored = repo.insert_position(position(client_order_id="coid-1"))
    with database.read() as repo:
        assert repo.all_positions() == [stored]
        assert repo.position_for_ticker(stored.ticker) == stored
    assert stored.id is not None
    assert stored.status is PositionStatus.OPEN


def test_a_position_with_an_id_is_not_inserted(database: Database) -> None:
    with pytest.raises(ValueError, match="already has an id"), database.unit_of_work() as repo:
        repo.insert_position(position(id=7))


@pytest.mark.parametrize("status", [PositionStatus.OPEN, PositionStatus.RECOVERED])
def test_a_second_active_position_for_a_ticker_is_refused(
    database: Database, status: PositionStatus
) -> None:
    with database.unit_of_work() as repo:
        repo.insert_position(position(status=status))
    with pytest.raises(IntegrityError, match="UNIQUE"), database.unit_of_work() as repo:
        repo.insert_position(position(side=Side.NO))


def test_a_ticker_can_be_held_again_after_its_position_closed(database: Database) -> None:
    with database.unit_of_work() as repo:
        first = repo.insert_position(position())
        assert first.id is not None
        repo.close_position(first.id, at(60), Decimal("10.00"))
        second = repo.insert_position(position(opened_at=at(61)))

    with database.read() as repo:
        assert repo.open_positions() == [second]
        assert repo.position_for_ticker(second.ticker) == second
        assert len(repo.all_positions()) == 2


def test_closing_a_position(database: Database) -> None:
    with database.unit_of_work() as repo:
        opened = repo.insert_position(position())
        assert opened.id is not None
        closed = repo.close_position(opened.id, at(60), Decimal("10.00"))

    assert closed.status is PositionStatus.CLOSED
    assert closed.closed_at == at(60)
    assert closed.realized_pnl == Decimal("4.33")
    with pytest.raises(ValueError, match="already closed"), database.unit_of_work() as repo:
        repo.close_position(opened.id, at(61), Decimal(0))
    with pytest.raises(NotFoundError), database.unit_of_work() as repo:
        repo.close_position(999, at(61), Decimal(0))


def test_a_position_grows_when_a_resting_order_fills(database: Database) -> None:
    with database.unit_of_work() as repo:
        opened = repo.insert_position(position(count=Decimal("4.00"), cost=Decimal("2.31")))
        assert opened.id is not None
        grown = repo.update_position(opened.id, count=Decimal("10.00"), cost=Decimal("5.67"))
    with database.read() as repo:
        assert repo.open_positions() == [grown]
    assert (grown.count, grown.cost) == (Decimal("10.00"), Decimal("5.67"))


def test_position_stats_count_every_sale_and_settlement_and_closed_positions_only(
    database: Database,
) -> None:
    """Realized P&L is every P&L row (a partial sale counts when it happens, issue 19); a
    closed position wins or loses by the sum of its own rows."""
    outcomes = {"WIN": Decimal("10.00"), "LOSS": Decimal(0), "EVEN": Decimal("5.67")}
    with database.unit_of_work() as repo:
        for ticker, payout in outcomes.items():
            opened = repo.insert_position(position(ticker=ticker))
            assert opened.id is not None
            repo.close_position(opened.id, at(60), payout)
            repo.insert_pnl(pnl(ticker, opened.id, opened.cost, payout))
        still = repo.insert_position(position(ticker="STILL-OPEN"))
        assert still.id is not None
        repo.insert_pnl(pnl("STILL-OPEN", still.id, Decimal(1), Decimal("1.25")))  # a sale

    with database.read() as repo:
        stats = repo.position_stats()

    assert stats == PositionStats(
        trades=3,
        wins=1,
        losses=1,
        realized_pnl=Decimal("4.33") - Decimal("5.67") + Decimal("0.25"),
    )


def pnl(ticker: str, position_id: int, cost: Decimal, payout: Decimal) -> PnlEvent:
    return PnlEvent(
        ts=at(60),
        ticker=ticker,
        position_id=position_id,
        cost=cost,
        payout=payout,
        realized_pnl=payout - cost,
    )


def test_position_stats_of_an_empty_book(database: Database) -> None:
    with database.read() as repo:
        assert repo.position_stats() == PositionStats(trades=0, wins=0, losses=0, realized_pnl=ZERO)


# market snapshots, P&L, dead letters


def test_market_snapshots_are_stored_with_the_raw_venue_object(
    database: Database, query: Query
) -> None:
    market = Market(
        ticker="KXTEST-T50",
        event_ticker="KXTEST",
        status=MarketStatus.ACTIVE,
        yes_bid=Decimal("0.55"),
        yes_ask=Decimal("0.5612"),
        volume=Decimal("1234.50"),
        close_time=at(3600),
    )
    raw = json.dumps({"ticker": "KXTEST-T50", "yes_bid_dollars": "0.5500"})
    with database.unit_of_work() as repo:
        stored = repo.insert_market_snapshots(T0, [market, market], [raw, "{}"])
        without_raw = repo.insert_market_snapshots(at(1), [market])
        with pytest.raises(ValueError, match="2 markets but 1 raw"):
            repo.insert_market_snapshots(at(2), [market, market], [raw])

    assert (stored, without_raw) == (2, 1)
    assert query("SELECT raw FROM market_snapshots ORDER BY id") == [(raw,), ("{}",), (None,)]
    assert query(
        "SELECT ts, venue, ticker, status, yes_bid, yes_ask, no_bid, volume, close_time, raw "
        "FROM market_snapshots ORDER BY id LIMIT 1"
    ) == [
        (
            "2026-03-01T12:00:00.123Z",
            "kalshi",
            "KXTEST-T50",
            "active",
            550_000,
            561_200,
            None,
            123_450,
            "2026-03-01T13:00:00.123Z",
            raw,
        )
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("yes_bid", Decimal("0.4000001")),  # finer than a micro-dollar
        ("last_price", Decimal("999999999999999.999999")),
        ("volume", Decimal("12.345")),  # finer than a centi-contract
        ("volume", Decimal(10**30)),  # beyond a 64-bit integer
    ],
)
def test_an_unstorable_snapshot_is_left_out_not_fatal(
    database: Database, query: Query, field: str, value: Decimal
) -> None:
    """Storage must never crash on an odd number (issue 10): the others are still stored."""
    good = Market(
        ticker="KXGOOD", event_ticker="E", status=MarketStatus.ACTIVE, close_time=at(3600)
    )
    odd = good.replace(ticker="KXODD", **{field: value})
    with capture_logs() as lines, database.unit_of_work() as repo:
        stored = repo.insert_market_snapshots(T0, [odd, good], ["{odd}", "{good}"])
    assert stored == 1
    assert query("SELECT ticker, raw FROM market_snapshots") == [("KXGOOD", "{good}")]
    assert any("KXODD" in line and field in line for line in lines)


def test_pnl_events_round_trip(database: Database) -> None:
    with database.unit_of_work() as repo:
        opened = repo.insert_position(position())
        event = repo.insert_pnl(
            PnlEvent(
                ts=at(60),
                ticker=opened.ticker,
                position_id=opened.id,
                cost=Decimal("5.67"),
                payout=Decimal("10.00"),
                realized_pnl=Decimal("4.33"),
                note="settled yes",
            )
        )
    with database.read() as repo:
        assert repo.pnl_events() == [event]
    assert event.id is not None


def test_a_dead_letter_is_recorded(database: Database, query: Query) -> None:
    with database.unit_of_work() as repo:
        row_id = repo.insert_dead_letter(T0, "executor", "PlaceOrder", "msg-1", "KeyError: 'x'")

    assert query("SELECT id, ts, actor, message_kind, message_id, error FROM dead_letters") == [
        (row_id, "2026-03-01T12:00:00.123Z", "executor", "PlaceOrder", "msg-1", "KeyError: 'x'")
    ]


# status


def test_the_heartbeat_row_is_replaced_and_stays_single(database: Database, query: Query) -> None:
    with database.read() as repo:
        assert repo.heartbeat() is None

    with database.unit_of_work() as repo:
        repo.record_heartbeat(
            Heartbeat(
                last_success_at=at(1),
                last_error_at=at(2),
                last_error="timeout talking to the venue",
                heartbeat_at=T0,
                cycle=1,
                venue="sim",
            )
        )
    with database.read() as repo:
        assert repo.heartbeat() == Heartbeat(
            last_success_at=at(1),
            last_error_at=at(2),
            last_error="timeout talking to the venue",
            heartbeat_at=T0,
            cycle=1,
            venue="sim",
        )

    replacement = Heartbeat(last_success_at=at(3), heartbeat_at=at(3), cycle=2, venue="sim")
    with database.unit_of_work() as repo:
        assert repo.record_heartbeat(replacement) == replacement
    with database.read() as repo:
        assert repo.heartbeat() == replacement

    assert query("SELECT count(*) FROM status") == [(1,)]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        query("INSERT INTO status (id, cycle, venue) VALUES (2, 0, 'sim')")


# the scorecard's inputs


def test_a_scored_forecast_is_marked_to_the_market_an_hour_later(database: Database) -> None:
    """domain.markout: the view (mid + confidence x departure) calls for YES at the ask 0.45;
    the first snapshot an hour or more later has the mid at 0.52: +0.07 less the standard fee.
    A forecast with no snapshot an hour later, or a refused one, carries no markout."""

    def snapshot(seconds: int, bid: str, ask: str) -> tuple[object, list[Market]]:
        market = Market(
            ticker="KXTEST-T50",
            event_ticker="KXTEST",
            status=MarketStatus.ACTIVE,
            close_time=at(7200),
            yes_bid=Decimal(bid),
            yes_ask=Decimal(ask),
        )
        return at(seconds), [market]

    def forecast(seconds: int, refusal: str | None = None) -> Forecast:
        return Forecast(
            ticker="KXTEST-T50",
            probability=Decimal("0.6"),
            confidence=Decimal("0.8"),
            model="m",
            made_at=at(seconds),
            inputs=ForecastInputs(yes_bid=Decimal("0.40"), yes_ask=Decimal("0.45")),
            refusal=refusal,
        )

    with database.unit_of_work() as repo:
        for seconds, bid, ask in (
            (0, "0.40", "0.45"),
            (1800, "0.45", "0.50"),
            (3700, "0.50", "0.54"),
            (5000, "0.70", "0.74"),
        ):
            repo.insert_market_snapshots(*snapshot(seconds, bid, ask))
        repo.insert_forecast(forecast(0))
        repo.insert_forecast(forecast(10, refusal="FORECAST_IMPLAUSIBLE: far"))
        repo.insert_forecast(forecast(1000))  # the first an hour later: the 5000 s snapshot
        repo.insert_forecast(forecast(5000))  # nothing at all an hour later
        repo.resolve_forecasts("KXTEST-T50", MarketResult.YES, at(9000))

    with database.read() as repo:
        scored = repo.scored_forecasts()
    cost = max_cost(Decimal(10), Decimal("0.45"), STANDARD_FEES) / 10  # with the fee
    assert [f.markouts for f in scored] == [
        ((Decimal("0.52") - cost).quantize(Decimal("0.000001")),),
        (),
        ((Decimal("0.72") - cost).quantize(Decimal("0.000001")),),
        (),
    ]


def test_scored_forecasts_carry_event_market_mid_and_whether_traded(database: Database) -> None:
    market = Market(
        ticker="KXTEST-T50", event_ticker="KXTEST", status=MarketStatus.ACTIVE, close_time=at(60)
    )

    def forecast(p: str, seconds: int) -> Forecast:
        return Forecast(
            ticker="KXTEST-T50",
            probability=Decimal(p),
            model="m",
            made_at=at(seconds),
            inputs=ForecastInputs(yes_bid=Decimal("0.40"), yes_ask=Decimal("0.45")),
        )

    with database.unit_of_work() as repo:
        repo.insert_market_snapshots(T0, [market])
        first = repo.insert_forecast(forecast("0.5", 1))
        second = repo.insert_forecast(forecast("0.6", 2))
        repo.insert_execution(execution(forecast_id=second.id))
        repo.update_execution("coid-1", status=ExecutionStatus.FILLED, filled_count=Decimal(10))
        repo.insert_execution(execution(client_order_id="coid-2", forecast_id=first.id))
        repo.resolve_forecasts("KXTEST-T50", MarketResult.YES, at(90))

    with database.read() as repo:
        scored = repo.scored_forecasts()
    assert [(f.probability, f.traded) for f in scored] == [
        (Decimal("0.5"), False),  # an order that never filled is not a trade
        (Decimal("0.6"), True),
    ]
    assert {(f.ticker, f.event_ticker, f.market_probability, f.outcome) for f in scored} == {
        ("KXTEST-T50", "KXTEST", Decimal("0.425"), True)
    }
