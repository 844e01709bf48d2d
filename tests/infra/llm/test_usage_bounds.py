"""Every answered LLM call is booked, at most at what it asked for (issue 10, point 3).

Real SDKs against the local fake provider; hostile bodies come straight from the fake's
`Malformed` script or from a mutating proxy in front of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from infra.llm import ClaudeProvider, LlmReply, OpenAIProvider, ProviderError
from infra.llm.reply import FRAMING_TOKENS, Asked
from infra.llm.transport import LlmResponseLimits
from tests.fakes.llm_server import Answer, FakeLlmServer, Malformed
from tests.mutating_proxy import MutatingProxy, nested, replace_body, trickle

SYSTEM, USER = "system", "user"
CEILING = len(SYSTEM) + len(USER) + FRAMING_TOKENS
FORECAST = json.dumps({"probability": "0.6", "confidence": "0.5", "rationale": "why"})


def claude_message(**changes: Any) -> str:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": FORECAST}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
        **changes,
    }
    return json.dumps({k: v for k, v in message.items() if v is not None})


def openai_completion(**changes: Any) -> str:
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-5.5",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": FORECAST, "refusal": None},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        **changes,
    }
    return json.dumps({k: v for k, v in completion.items() if v is not None})


@pytest.mark.parametrize("api", ["claude", "openai"])
def test_a_reply_without_usage_is_used_and_booked_at_its_worst_case(
    fake: FakeLlmServer,
    make_claude: Callable[..., ClaudeProvider],
    make_openai: Callable[..., OpenAIProvider],
    api: str,
):
    body = claude_message(usage=None) if api == "claude" else openai_completion(usage=None)
    fake.script(Malformed(body))
    provider = make_claude() if api == "claude" else make_openai()
    reply = provider.complete(SYSTEM, USER)
    assert reply.text == FORECAST
    assert (reply.usage, reply.input_tokens, reply.output_tokens) == ("estimated", CEILING, 512)


@pytest.mark.parametrize("api", ["claude", "openai"])
@pytest.mark.parametrize(
    ("tokens_in", "tokens_out", "expected"),
    [
        (10**15, 30, (CEILING, 30)),  # the 10^15 tokens
        (100, 10**15, (100, 512)),  # more output than max_tokens
        (10**15, 10**15, (CEILING, 512)),
    ],
)
def test_absurd_usage_is_capped_at_what_was_asked_and_flagged(
    fake: FakeLlmServer,
    make_claude: Callable[..., ClaudeProvider],
    make_openai: Callable[..., OpenAIProvider],
    api: str,
    tokens_in: int,
    tokens_out: int,
    expected: tuple[int, int],
):
    fake.script(Answer(input_tokens=tokens_in, output_tokens=tokens_out))
    provider = make_claude() if api == "claude" else make_openai()
    reply = provider.complete(SYSTEM, USER)
    assert (reply.input_tokens, reply.output_tokens) == expected
    assert reply.usage == "capped"


def test_plausible_usage_is_booked_as_reported(
    fake: FakeLlmServer, make_claude: Callable[..., ClaudeProvider]
):
    fake.script(Answer(input_tokens=100, output_tokens=30))
    reply = make_claude().complete(SYSTEM, USER)
    assert (reply.input_tokens, reply.output_tokens, reply.usage) == (100, 30, "reported")


@pytest.mark.parametrize(
    "usage",
    [
        {"input_tokens": -5, "output_tokens": 3},
        {"input_tokens": "10", "output_tokens": 3},
        {"input_tokens": 10, "output_tokens": True},
        {"input_tokens": 10, "output_tokens": 3, "cache_read_input_tokens": -1},
    ],
)
def test_nonsense_usage_is_booked_at_the_worst_case(
    fake: FakeLlmServer, make_claude: Callable[..., ClaudeProvider], usage: dict[str, Any]
):
    fake.script(Malformed(claude_message(usage=usage)))
    reply = make_claude().complete(SYSTEM, USER)
    assert (reply.usage, reply.input_tokens, reply.output_tokens) == ("estimated", CEILING, 512)


def _booked_failure(provider: ClaudeProvider | OpenAIProvider) -> LlmReply:
    with pytest.raises(ProviderError) as caught:
        provider.complete(SYSTEM, USER)
    assert caught.value.retryable
    assert caught.value.reply is not None
    return caught.value.reply


@pytest.mark.parametrize("api", ["claude", "openai"])
def test_a_200_nested_200000_deep_is_booked_not_a_crash(
    fake: FakeLlmServer,
    make_claude: Callable[..., ClaudeProvider],
    make_openai: Callable[..., OpenAIProvider],
    api: str,
):
    fake.script(Malformed(nested(200_000).decode()))
    provider = make_claude() if api == "claude" else make_openai()
    reply = _booked_failure(provider)
    assert (reply.usage, reply.output_tokens) == ("estimated", 512)
    assert fake.request_count == 1  # an answered call is not retried by the SDK


def test_an_oversized_200_is_booked_not_parsed(
    fake: FakeLlmServer, make_claude: Callable[..., ClaudeProvider]
):
    fake.script(Malformed(claude_message(pad="x" * 5000)))
    provider = make_claude(limits=LlmResponseLimits(max_bytes=4096))
    assert _booked_failure(provider).usage == "estimated"


def test_a_trickling_200_ends_at_the_deadline_and_is_booked(
    fake: FakeLlmServer, make_claude: Callable[..., ClaudeProvider]
):
    with MutatingProxy(fake.url) as proxy:
        proxy.on("POST", "/v1/messages", trickle(interval=2.0))
        provider = make_claude(
            base_url=proxy.url, max_retries=0, limits=LlmResponseLimits(deadline=1.0)
        )
        reply = _booked_failure(provider)  # 10 000 bytes x 2 s would outlast the test's timeout
    assert reply.usage == "estimated"


def test_an_error_status_that_breaks_a_bound_is_retried_not_booked(
    fake: FakeLlmServer, make_claude: Callable[..., ClaudeProvider]
):
    with MutatingProxy(fake.url) as proxy:
        proxy.on("POST", "/v1/messages", replace_body(nested(5000), status=500), times=1)
        reply = make_claude(base_url=proxy.url).complete(SYSTEM, USER)
    assert reply.usage == "reported"
    assert fake.request_count == 2


def test_asked_bounds():
    asked = Asked.of("é", "ab", 100)  # bytes, not characters: é is two
    assert asked == Asked(4 + FRAMING_TOKENS, 100)
    assert asked.bounded(None, 5) == (asked.max_input_tokens, 100, "estimated")
    assert asked.bounded(1, 2) == (1, 2, "reported")
    assert asked.bounded(1, 101) == (1, 100, "capped")
