"""Every LLM call that reached the provider is booked exactly once, whatever it answered
(issue 10, point 3): the Analyst in a real system, the real SDK, the local fake provider."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from actors.analyst import LlmForecasting
from domain.costs import call_cost
from infra.llm import ClaudeProvider
from infra.llm.reply import FRAMING_TOKENS
from infra.llm_usage import LlmUsage
from tests.actors.system_harness import Harness, running_system
from tests.actors.test_analyst import MODEL, PRICE, SCANNER, api_cost_rows, fake, llm
from tests.fakes.llm_server import Answer, Disconnect, FakeLlmServer, Hang, Malformed

__all__ = ["fake"]  # the fixture, shared with test_analyst

DEEP = '{"probability": ' + "[" * 100_000 + "]" * 100_000 + ', "confidence": "0.5"}'


def llm_calls(path: Path) -> list[tuple[str, str, int, int]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(
            "SELECT outcome, usage, input_tokens, output_tokens FROM llm_calls ORDER BY id"
        ).fetchall()


def test_an_answer_nested_100000_deep_is_invalid_and_booked(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    fake.script(Answer(DEEP), Answer(DEEP))  # the answer and the one retry
    with running_system(tmp_path, llm=llm(fake, concurrency=1), scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("LLM_INVALID_ANSWER") == 1
        assert len(api_cost_rows(h)) == fake.request_count  # every call booked, once
        assert [c[0] for c in llm_calls(h.path)].count("invalid") == 2
        ledger, _, _ = h.read()
        assert ledger.ok


def test_a_reply_without_usage_is_booked_at_its_worst_case_and_marked(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [
            {
                "type": "text",
                "text": '{"probability": "0.5", "confidence": "0.5", "rationale": "x"}',
            }
        ],
        "stop_reason": "end_turn",
    }
    fake.script(Malformed(json.dumps(message)))
    with running_system(tmp_path, llm=llm(fake, concurrency=1), scanner=SCANNER) as h:
        h.cycle(1)
        rows = api_cost_rows(h)
        assert len(rows) == fake.request_count
        [estimated] = [r for r in rows if "(usage estimated)" in (r.detail or "")]
        [(outcome, _, tokens_in, tokens_out)] = [
            c for c in llm_calls(h.path) if c[1] == "estimated"
        ]
        assert (outcome, tokens_out) == ("ok", 200)  # max_tokens
        assert estimated.change == -call_cost(PRICE, tokens_in, tokens_out)


def test_absurd_usage_is_capped_and_cannot_blow_the_budget(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    fake.script(Answer(input_tokens=10**15, output_tokens=10**15))
    with running_system(tmp_path, llm=llm(fake, concurrency=1), scanner=SCANNER) as h:
        stats = h.cycle(1)
        [(_, usage, tokens_in, tokens_out)] = [c for c in llm_calls(h.path) if c[1] != "reported"]
        assert usage == "capped"
        assert tokens_out == 200
        assert tokens_in < 100_000  # the prompt's bytes plus framing, not 10^15
        assert stats.api_cost < 1  # the issue booked -$144,000,000,000 here
        ledger, _, _ = h.read()
        assert ledger.ok


def _booked(h: Harness, usage: LlmUsage) -> tuple[list[tuple[str, str, int, int]], Decimal]:
    """The llm_calls rows, checked against the ledger and the daily budget's record."""
    calls = llm_calls(h.path)
    rows = api_cost_rows(h)
    assert len(rows) == len(calls)
    spent = -sum((row.change for row in rows), Decimal(0))
    assert usage.spent_since(datetime(2000, 1, 1, tzinfo=UTC)) == spent  # the budget counts it
    ledger, _, _ = h.read()
    assert ledger.ok
    return calls, spent


def test_a_call_that_timed_out_after_sending_is_booked_once_at_its_worst_case(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    usage = LlmUsage(tmp_path / "llm-usage.db")
    fake.script(Hang(30))
    options = llm(fake, concurrency=1, timeout=2.0, provider={"max_retries": 0}, usage=usage)
    with running_system(tmp_path, llm=options, scanner=SCANNER) as h:
        stats = h.cycle(1)
        timeouts = dict(stats.skipped).get("LLM_TIMEOUT", 0)
        assert timeouts >= 1  # the held one (on a loaded machine, maybe another)
        calls, spent = _booked(h, usage)
    assert len(calls) == fake.request_count  # every call that reached the fake, once
    lost = [c for c in calls if c[0] == "lost"]
    assert len(lost) == timeouts
    for _, booked, tokens_in, tokens_out in lost:
        assert (booked, tokens_out) == ("estimated", 200)  # max_tokens
        assert tokens_in > FRAMING_TOKENS  # the prompt's bytes and the framing
    assert spent == stats.api_cost


def test_a_call_whose_connection_dropped_after_sending_is_booked(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    usage = LlmUsage(tmp_path / "llm-usage.db")
    fake.script(Disconnect(), Disconnect())  # the call, and the SDK's one retry
    options = llm(fake, concurrency=1, provider={"max_retries": 1}, usage=usage)
    with running_system(tmp_path, llm=options, scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("LLM_CONNECTION") == 1
        calls, spent = _booked(h, usage)
    assert len(calls) == fake.request_count
    lost = [c for c in calls if c[0] == "lost"]
    assert len(lost) == 2
    assert all(c[1] == "estimated" and c[3] == 200 for c in lost)
    assert spent == stats.api_cost


def test_a_refused_connection_books_nothing(tmp_path: Path) -> None:
    usage = LlmUsage(tmp_path / "llm-usage.db")
    with FakeLlmServer() as gone:
        url = gone.url  # nothing listens there once it is closed
    provider = ClaudeProvider(MODEL, 200, None, api_key="test-key", base_url=url, max_retries=1)
    options = LlmForecasting(provider=provider, price=PRICE, concurrency=1, usage=usage)
    with running_system(tmp_path, llm=options, scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("LLM_CONNECTION", 0) > 0
        calls, spent = _booked(h, usage)
    assert calls == []
    assert spent == stats.api_cost == 0


def test_a_call_whose_every_attempt_is_lost_stays_within_the_cycle_budget(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    """The budget reserves every attempt the SDK may make: three lost attempts of one call
    (each booked at its worst case) cannot take the cycle past its budget."""
    usage = LlmUsage(tmp_path / "llm-usage.db")
    fake.script(*[Disconnect()] * 30)
    budget = Decimal("0.03")  # above two worst cases of one attempt, below three
    options = llm(
        fake, concurrency=1, provider={"max_retries": 2}, usage=usage, cycle_budget=budget
    )
    with running_system(tmp_path, llm=options, scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("BUDGET_CYCLE", 0) > 0
        _, spent = _booked(h, usage)
    assert spent <= budget


def test_an_invalid_answer_is_stored_with_its_credentials_masked(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    """A model (or a proxy) echoing a URL with credentials: neither `llm_calls.error` nor the
    recorder keeps them (issue 20, point 5)."""
    leak = "not a forecast: see https://trader:hunter2-pw@llm.example/v1?api_key=tok-98765"
    fake.script(Answer(leak), Answer(leak))  # the answer and the one retry
    options = llm(fake, concurrency=1, record=True)
    with running_system(tmp_path, llm=options, scanner=SCANNER) as h:
        stats = h.cycle(1)
        assert dict(stats.skipped).get("LLM_INVALID_ANSWER") == 1
        with closing(sqlite3.connect(h.path)) as connection:
            [error, *_] = [
                row[0]
                for row in connection.execute("SELECT error FROM llm_calls WHERE error IS NOT NULL")
            ]
            recorded = connection.execute("SELECT COUNT(*) FROM recorded_llm_calls").fetchone()
    assert "https://***@llm.example/v1?api_key=***" in error
    assert recorded[0] >= 1
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*.db*") if p.is_file())
    for credential in (b"hunter2-pw", b"tok-98765"):
        assert credential not in stored  # in no table, no blob, no WAL
