"""`replay` with the recorded LLM answers (the default): no call, the same decisions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from actors.analyst import LlmForecasting
from domain.costs import ModelPrice
from infra.llm import ClaudeProvider
from tests.fakes.answers import answer, confident_yes, mid_of
from tests.fakes.llm_server import FakeLlmServer
from tests.in_process import run_main_in_process
from tests.replay.sessions import ledger_changes, orders, record_session, replay_env, rows

MODEL = "claude-sonnet-5-5"


def _confident(request: dict[str, object]) -> str:
    """A forecast well above the market's price (within the bound), so the bot trades."""
    return answer(confident_yes(mid_of(request)), rationale="recorded")


def test_the_recorded_answers_give_the_same_forecasts_orders_and_ledger(tmp_path: Path) -> None:
    with FakeLlmServer(answer=_confident, usage=(900, 40)) as fake:
        provider = ClaudeProvider(
            MODEL, 200, None, api_key="test-key", base_url=fake.url, max_retries=0
        )
        # One call at a time: with several in flight, the order the answers came back in
        # decides which market of an event is traded first, and a replay may pick another.
        llm = LlmForecasting(
            provider=provider,
            price=ModelPrice(input=Decimal(3), output=Decimal(15)),
            concurrency=1,
            record=True,
        )
        recording = record_session(tmp_path / "recorded", 4, llm=llm)
        asked = fake.request_count
    assert asked > 0
    out = tmp_path / "replay.db"
    # No key, no provider: any call would fail the run. The recording's own settings.
    env = replay_env(PMT_LLM__CONCURRENCY="1")
    result = run_main_in_process("replay", "--db", str(recording), "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert "recorded answers" in result.stderr
    forecasts = (
        "SELECT ticker, cycle, probability, model, prompt_version FROM forecasts ORDER BY id"
    )
    assert sorted(rows(out, forecasts)) == sorted(rows(recording, forecasts))
    assert len(rows(out, forecasts)) == asked
    assert orders(out) == orders(recording)
    assert orders(recording), "the recorded session traded"
    # The recorded calls' costs included, as booked then.
    assert ledger_changes(out) == ledger_changes(recording)
