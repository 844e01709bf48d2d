"""Storage keeps the scorecard's inputs as it commits (issue 21): after the first read, each
read brings them up to date from what changed, and says what a full read of the book says."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka

from actors.base import ask
from domain.messages import (
    ClosePosition,
    CommitWork,
    GetScorecardInputs,
    InsertExecution,
    InsertForecast,
    InsertLlmCall,
    InsertPosition,
    ResolveForecasts,
    ScorecardInputs,
    UpdateExecution,
    Write,
)
from domain.models import (
    ExecutionStatus,
    Forecast,
    ForecastInputs,
    LlmCall,
    MarketResult,
)
from domain.scoring import one_per_market
from infra.db.repository import Database
from tests.infra.db.builders import at, execution, position


def commit(storage: pykka.ActorRef[Any], *writes: Write) -> Any:
    return ask(storage, CommitWork(writes=writes))


def forecast(ticker: str, p: str, model: str = "m") -> Forecast:
    return Forecast(
        ticker=ticker,
        probability=Decimal(p),
        model=model,
        made_at=at(1),
        inputs=ForecastInputs(yes_bid=Decimal("0.40"), yes_ask=Decimal("0.45")),
    )


def call(n: int, cost: str) -> LlmCall:
    return LlmCall(
        call_id=f"call-{n}",
        ts=at(n),
        ticker="KX-A",
        cycle=n,
        provider="anthropic",
        model="m",
        prompt_version="v1",
        input_tokens=1,
        output_tokens=1,
        cost=Decimal(cost),
        outcome="ok",
    )


def as_read(inputs: ScorecardInputs) -> tuple[object, ...]:
    return (
        sorted(f.model_dump_json() for f in one_per_market(inputs.scored)),
        sorted(t.model_dump_json() for t in inputs.trades),
        inputs.api_costs,
    )


def from_the_book(db_path: Path) -> tuple[object, ...]:
    with Database.open(db_path) as db, db.read() as repo:
        costs = repo.api_costs()
        return as_read(
            ScorecardInputs(
                scored=tuple(repo.scored_forecasts()),
                trades=tuple(repo.trade_results()),
                api_costs=tuple((m, v, c) for (m, v), c in sorted(costs.items())),
            )
        )


def test_the_inputs_follow_each_commit(storage: pykka.ActorRef[Any], db_path: Path) -> None:
    [first] = commit(storage, InsertForecast(forecast=forecast("KX-A", "0.6"))).forecasts
    commit(storage, InsertForecast(forecast=forecast("KX-A", "0.7")))  # not scored: the first is
    commit(storage, ResolveForecasts(ticker="KX-A", outcome=MarketResult.YES, resolved_at=at(5)))
    assert len(ask(storage, GetScorecardInputs()).scored) == 1  # read in full

    [second] = commit(storage, InsertForecast(forecast=forecast("KX-B", "0.3"))).forecasts
    commit(
        storage,
        InsertExecution(execution=execution(ticker="KX-B", forecast_id=second.id)),
        UpdateExecution(
            client_order_id="coid-1",
            updated_at=at(2),
            status=ExecutionStatus.FILLED,
            filled_count=Decimal(10),
        ),
    )
    [held] = commit(
        storage, InsertPosition(position=position(ticker="KX-B", client_order_id="coid-1"))
    ).positions
    commit(storage, InsertLlmCall(call=call(1, "0.01")), InsertLlmCall(call=call(2, "0.02")))
    commit(
        storage,
        ResolveForecasts(ticker="KX-B", outcome=MarketResult.NO, resolved_at=at(9)),
        ClosePosition(position_id=held.id, closed_at=at(9), payout=Decimal(0)),
    )
    kept = ask(storage, GetScorecardInputs())
    assert as_read(kept) == from_the_book(db_path)
    assert {(f.ticker, f.probability, f.traded) for f in kept.scored} == {
        ("KX-A", Decimal("0.6"), False),
        ("KX-B", Decimal("0.3"), True),
    }
    assert [t.pnl for t in kept.trades] == [Decimal("-5.67")]
    assert kept.api_costs == (("m", "v1", Decimal("0.03")),)
    assert first.id is not None
