"""The fake provider server itself: counters, hooks and a clean, prompt shutdown."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from infra.llm import ClaudeProvider, ProviderError
from tests.fakes.llm_server import ANTHROPIC_PATH, OPENAI_PATH, FakeLlmServer, Hang, Received
from tests.infra.llm.conftest import API_KEY, CLAUDE_MODEL

MakeClaude = Callable[..., ClaudeProvider]


def test_max_in_flight_counts_concurrent_requests() -> None:
    parties = 4
    barrier = threading.Barrier(parties, timeout=30)

    def hold_until_all_arrive(_request: Received) -> None:
        barrier.wait()

    with FakeLlmServer(on_request=hold_until_all_arrive) as fake:
        claude = ClaudeProvider(
            CLAUDE_MODEL, 64, None, api_key=API_KEY, base_url=fake.url, timeout=10
        )
        try:
            with ThreadPoolExecutor(parties) as pool:
                replies = list(pool.map(lambda i: claude.complete("s", f"q{i}"), range(parties)))
        finally:
            claude.close()

        assert len(replies) == parties
        assert fake.max_in_flight == parties
        assert fake.in_flight == 0
        assert fake.count(ANTHROPIC_PATH) == parties
        assert fake.count(OPENAI_PATH) == 0
        users = sorted(body["messages"][0]["content"] for body in fake.bodies if body)
        assert users == [f"q{i}" for i in range(parties)]


def test_default_usage_is_derived_from_the_prompt_and_the_answer(make_claude: MakeClaude) -> None:
    with FakeLlmServer(answer=lambda _request: "x" * 40) as fake:
        claude = make_claude(base_url=fake.url)
        reply = claude.complete("s" * 100, "u" * 20)

    assert (reply.text, reply.input_tokens, reply.output_tokens) == ("x" * 40, 30, 10)


def test_closing_releases_a_held_request_at_once() -> None:
    fake = FakeLlmServer().start()
    claude = ClaudeProvider(
        CLAUDE_MODEL, 64, None, api_key=API_KEY, base_url=fake.url, timeout=30, max_retries=0
    )
    fake.script(Hang(30))
    outcome: list[object] = []
    caller = threading.Thread(target=lambda: outcome.append(_call(claude)))
    caller.start()
    assert fake.wait_for_in_flight(1)

    fake.close()
    caller.join(timeout=20)  # well before the 30 s hang would have answered
    claude.close()

    assert not caller.is_alive()
    assert not [t for t in threading.enumerate() if t.name == "fake-llm-server"]
    assert outcome  # the held request was answered (or dropped) instead of waiting 30 s


def test_close_is_idempotent() -> None:
    fake = FakeLlmServer().start()
    fake.close()
    fake.close()


def _call(claude: ClaudeProvider) -> object:
    try:
        return claude.complete("s", "u")
    except ProviderError as exc:
        return exc


def test_a_wrong_base_url_convention_is_a_404(fake: FakeLlmServer, make_claude: MakeClaude) -> None:
    claude = make_claude(base_url=fake.openai_url, max_retries=0)  # /v1 + /v1/messages

    with pytest.raises(ProviderError) as caught:
        claude.complete("s", "u")

    assert (caught.value.kind, caught.value.status_code) == ("bad_request", 404)
    assert fake.requests[0].path == "/v1/v1/messages"
