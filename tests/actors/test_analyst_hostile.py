"""Every LLM call that reached the provider is booked exactly once, whatever it answered
(issue 10, point 3): the Analyst in a real system, the real SDK, the local fake provider."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from domain.costs import call_cost
from tests.actors.system_harness import running_system
from tests.actors.test_analyst import MODEL, PRICE, SCANNER, api_cost_rows, fake, llm
from tests.fakes.llm_server import Answer, FakeLlmServer, Malformed

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
