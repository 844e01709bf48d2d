"""Storage checks every value of a unit of work before writing any (issue 10, brief point 4):
one the database cannot hold exactly refuses the whole unit, with the write, field and value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actors.storage import _commit
from domain.messages import CommitWork, InsertForecast, InsertLlmCall, InsertPosition
from domain.models import Forecast, LlmCall
from infra.db.boundary import MAX_TEXT, UnstorableValue
from infra.db.repository import Database
from tests.infra.db.builders import T0, position


def _llm_call(**changes: object) -> LlmCall:
    values: dict[str, object] = {
        "call_id": "c1",
        "ts": T0,
        "ticker": "KX-A",
        "cycle": 1,
        "provider": "claude",
        "model": "m",
        "prompt_version": "v1",
        "input_tokens": 10,
        "output_tokens": 5,
        "cost": Decimal("0.000105"),
        "outcome": "ok",
    }
    return LlmCall.model_validate({**values, **changes})


def _forecast(**changes: object) -> Forecast:
    values: dict[str, object] = {
        "ticker": "KX-A",
        "probability": Decimal("0.6"),
        "model": "m",
        "made_at": T0,
    }
    return Forecast.model_validate({**values, **changes})


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (InsertLlmCall(call=_llm_call(input_tokens=10**30)), "InsertLlmCall.call.input_tokens"),
        (InsertLlmCall(call=_llm_call(cost=Decimal("1e30"))), "InsertLlmCall.call.cost"),
        (
            InsertLlmCall(call=_llm_call(cost=Decimal("0.0000001"))),
            "InsertLlmCall.call.cost = 1E-7",
        ),
        (
            InsertForecast(forecast=_forecast(rationale="x" * (MAX_TEXT + 1))),
            "InsertForecast.forecast.rationale is",
        ),
        (
            InsertPosition(position=position(cost=Decimal("999999999999999.9999999"))),
            "InsertPosition.position.cost",
        ),
    ],
    ids=["tokens-1e30", "cost-1e30", "cost-7-decimals", "rationale-1MiB", "position-cost"],
)
def test_a_value_the_database_cannot_hold_refuses_the_whole_unit(
    database: Database, bad: object, named: str
) -> None:
    good = InsertLlmCall(call=_llm_call(call_id="good"))
    with pytest.raises(UnstorableValue, match=named.replace("[", r"\[")):  # noqa: SIM117
        with database.unit_of_work() as repo:
            _commit(repo, [CommitWork(writes=(good, bad))])  # type: ignore[arg-type]
    with database.read() as repo:
        assert repo.api_costs() == {}  # the good write did not land either


def test_ordinary_values_are_written(database: Database) -> None:
    with database.unit_of_work() as repo:
        _commit(repo, [CommitWork(writes=(InsertLlmCall(call=_llm_call()),))])
    with database.read() as repo:
        assert sum(repo.api_costs().values()) == Decimal("0.000105")
