"""The per-cycle queries read through indexes: their cost does not grow with the book's history.

Each statement a call runs is captured and handed to `EXPLAIN QUERY PLAN`; a plan that scans a
whole history table (snapshots, forecasts, the ledger) fails, as a correlated lookup or an index
search does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, event

from domain.models import ExecutionStatus, Forecast, ForecastInputs, Market, MarketResult
from domain.models import MarketStatus as Status
from infra.db.history import History
from infra.db.repository import Database, Repository
from tests.infra.db.builders import at, execution

HISTORY_TABLES = ("market_snapshots", "forecasts", "bankroll_history", "executions", "llm_calls")


@contextmanager
def captured(connection: Connection) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (with its parameters) run on `connection` inside the block."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def full_scans(
    database: Database, call: Callable[[Any], object], *, write: bool = False, view: Any = None
) -> list[str]:
    """The plan lines of `call`'s statements that scan a history table from end to end (run
    in a unit of work if it `write`s, else in a read through `view`)."""
    context = database.unit_of_work() if write else database.read(view or Repository)
    with context as repo:
        with captured(repo.connection) as statements:
            call(repo)
        plans = [
            row[-1]
            for statement, parameters in statements
            for row in repo.connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters
            )
        ]
    assert plans, "nothing was run"
    return [
        line for line in plans if any(line.startswith(f"SCAN {table}") for table in HISTORY_TABLES)
    ]


def seeded(database: Database) -> Database:
    """A small book with snapshots, forecasts, a filled order and a resolved market."""
    markets = [
        Market(
            ticker=f"KX-{n}", event_ticker=f"EV-{n % 3}", status=Status.ACTIVE, close_time=at(60)
        )
        for n in range(20)
    ]
    with database.unit_of_work() as repo:
        for cycle in range(5):
            repo.insert_market_snapshots(at(cycle), markets)
        forecast = repo.insert_forecast(
            Forecast(
                ticker="KX-1",
                probability=Decimal("0.6"),
                model="m",
                made_at=at(5),
                inputs=ForecastInputs(yes_bid=Decimal("0.40"), yes_ask=Decimal("0.45")),
            )
        )
        repo.insert_execution(execution(ticker="KX-1", forecast_id=forecast.id))
        repo.update_execution("coid-1", status=ExecutionStatus.FILLED, filled_count=Decimal(10))
        repo.resolve_forecasts("KX-1", MarketResult.YES, at(90))
    return database


def test_the_scorecard_inputs_read_through_indexes(database: Database) -> None:
    def scorecard(repo: Repository) -> object:
        # What Storage reads each cycle (infra.db.scorecard): the markets resolved and the
        # positions changed since; the LLM costs are read once, then added up as calls are made.
        return repo.scored_forecasts(["KX-1"]), repo.trade_results_by_position([1])

    assert full_scans(seeded(database), scorecard) == []


def test_the_scorecard_still_names_each_markets_event(database: Database) -> None:
    with seeded(database).read() as repo:
        [scored] = repo.scored_forecasts()
    assert (scored.ticker, scored.event_ticker, scored.traded) == ("KX-1", "EV-1", True)


def test_a_plan_that_scans_the_snapshots_is_caught(database: Database) -> None:
    """The check itself can fail: a GROUP BY over every snapshot is a full scan."""

    def grouped(repo: Repository) -> object:
        return repo.connection.exec_driver_sql(
            "SELECT ticker, max(event_ticker) FROM market_snapshots GROUP BY ticker"
        ).all()

    assert full_scans(seeded(database), grouped) != []


def test_trades_and_status_read_through_indexes(database: Database) -> None:
    def shown(history: History) -> object:
        return history.trades(limit=100), history.held()

    assert full_scans(seeded(database), shown, view=History) == []


def test_why_reads_a_markets_ledger_rows_through_their_references(database: Database) -> None:
    """`why TICKER`: the market's ledger rows by the index of what they reference (its
    orders, fills, calls, settlements), never a scan of the ledger for its name."""

    def why(history: History) -> object:
        return history.chain("KX-1")

    assert full_scans(seeded(database), why, view=History) == []
