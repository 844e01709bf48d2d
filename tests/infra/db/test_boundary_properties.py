"""Property test over Storage's write boundary (issue 10, brief point 4): any number an LLM
call or a venue record can carry is either refused whole with `UnstorableValue`, or written
and read back exactly."""

from __future__ import annotations

import uuid
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from actors.storage import _commit
from domain.messages import CommitWork, InsertLlmCall
from domain.models import LlmCall
from infra.db.boundary import UnstorableValue
from infra.db.repository import Database, Repository
from tests.infra.db.builders import T0

EXAMPLES = 80

AMOUNTS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=0, max_value=10**6),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=0),  # any scale, any size
    st.sampled_from([Decimal("1e30"), Decimal("0.0000001"), Decimal("9223372036854.775808")]),
)
TOKENS = st.one_of(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0))


@settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cost=AMOUNTS, tokens_in=TOKENS, tokens_out=TOKENS)
def test_an_llm_call_is_written_exactly_or_refused_whole(
    database: Database, cost: Decimal, tokens_in: int, tokens_out: int
):
    call_id = uuid.uuid4().hex  # examples repeat: each call is a new one
    call = LlmCall(
        call_id=call_id,
        ts=T0,
        ticker="KX-A",
        cycle=1,
        provider="claude",
        model=call_id,
        prompt_version="v1",
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cost=cost,
        outcome="ok",
    )
    try:
        with database.unit_of_work() as repo:
            _commit(repo, [CommitWork(writes=(InsertLlmCall(call=call),))])
    except UnstorableValue:
        with database.read() as repo:
            assert (call_id, "v1") not in repo.api_costs()
            assert _tokens(repo, call_id) is None
        return
    with database.read() as repo:
        assert repo.api_costs()[(call_id, "v1")] == cost
        assert _tokens(repo, call_id) == (tokens_in, tokens_out)


def _tokens(repo: Repository, call_id: str) -> tuple[int, int] | None:
    row = repo.connection.execute(
        text("SELECT input_tokens, output_tokens FROM llm_calls WHERE call_id = :id"),
        {"id": call_id},
    ).one_or_none()
    return None if row is None else (row[0], row[1])
