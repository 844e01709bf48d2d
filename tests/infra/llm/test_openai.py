"""OpenAIProvider: the real openai SDK over real HTTP against the local fake."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from infra.llm import LlmReply, OpenAIProvider, ProviderError
from tests.fakes.llm_server import (
    DEFAULT_ANSWER,
    OPENAI_PATH,
    Answer,
    FakeLlmServer,
    Hang,
    Malformed,
    Refusal,
    Status,
)
from tests.infra.llm.conftest import API_KEY, OPENAI_MODEL

MakeOpenAI = Callable[..., OpenAIProvider]


def _fail(provider: OpenAIProvider) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.complete("system", "user")
    return caught.value


def test_a_good_answer_comes_back_with_the_usage_the_api_billed(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    gpt = make_openai(max_tokens=700, temperature=Decimal("0.3"))

    reply = gpt.complete("You are a forecaster.", "Will it rain in Paris tomorrow?")

    assert reply == LlmReply(
        text=DEFAULT_ANSWER,
        model=OPENAI_MODEL,
        input_tokens=120,
        output_tokens=30,
        stop_reason="stop",
        provider="openai",
    )
    assert gpt.label == f"openai:{OPENAI_MODEL}"
    [request] = fake.requests
    assert request.path == OPENAI_PATH
    assert request.body == {
        "model": OPENAI_MODEL,
        "max_completion_tokens": 700,
        "temperature": 0.3,
        "messages": [
            {"role": "system", "content": "You are a forecaster."},
            {"role": "user", "content": "Will it rain in Paris tomorrow?"},
        ],
    }
    assert request.api_key == API_KEY


def test_no_temperature_is_sent_when_none_is_set(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    fake.reject_sampling = True

    make_openai(temperature=None).complete("s", "u")

    assert "temperature" not in (fake.bodies[0] or {})


def test_a_truncated_answer_is_returned_with_its_finish_reason(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    fake.script(Answer(text='{"probability": "0.', stop_reason="length"))

    reply = make_openai().complete("s", "u")

    assert (reply.stop_reason, reply.text) == ("length", '{"probability": "0.')


def test_the_sdk_retries_a_429_and_the_answer_comes_back(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    fake.script(Status(429))

    reply = make_openai(max_retries=2).complete("s", "u")

    assert reply.text == DEFAULT_ANSWER
    assert fake.count(OPENAI_PATH) == 2


def test_a_429_beyond_max_retries_is_rate_limited_and_retryable(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    fake.script(*[Status(429)] * 3)

    error = _fail(make_openai(max_retries=2))

    assert (error.kind, error.retryable, error.status_code) == ("rate_limited", True, 429)
    assert error.reply is None
    assert fake.count(OPENAI_PATH) == 3


def test_an_exhausted_quota_is_rate_limited_but_not_retryable(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    fake.script(Status(429, error_type="insufficient_quota", code="insufficient_quota"))

    error = _fail(make_openai(max_retries=0))

    assert (error.kind, error.retryable) == ("rate_limited", False)


def test_a_retry_after_beyond_two_minutes_is_not_retried_by_the_sdk(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    fake.script(Status(429, retry_after=600))

    error = _fail(make_openai(max_retries=2))

    assert error.kind == "rate_limited"
    assert fake.request_count == 1


def test_an_overloaded_503_beyond_retries_is_overloaded(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    fake.script(Status(503))

    error = _fail(make_openai(max_retries=0))

    assert (error.kind, error.retryable) == ("overloaded", True)


def test_a_hung_request_times_out(fake: FakeLlmServer, make_openai: MakeOpenAI) -> None:
    fake.script(Hang(30))

    error = _fail(make_openai(timeout=0.5, max_retries=0))

    # The server holds the request for 30 s: a timeout error is the client's own deadline.
    assert (error.kind, error.retryable) == ("timeout", True)


def test_a_refusal_is_an_error_that_still_carries_the_billed_usage(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    fake.script(Refusal(input_tokens=150, output_tokens=6))

    error = _fail(make_openai())

    assert (error.kind, error.retryable) == ("refused", False)
    assert error.reply is not None
    assert (error.reply.input_tokens, error.reply.output_tokens) == (150, 6)
    assert error.reply.text == ""


def test_a_content_filter_stop_is_a_refusal(fake: FakeLlmServer, make_openai: MakeOpenAI) -> None:
    fake.script(Refusal(content_filter=True, input_tokens=10, output_tokens=0))

    error = _fail(make_openai())

    assert error.kind == "refused"
    assert error.reply is not None
    assert error.reply.stop_reason == "content_filter"


def test_a_malformed_answer_is_a_retryable_failure(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    fake.script(Malformed())

    error = _fail(make_openai())

    assert (error.kind, error.retryable) == ("failed", True)
    assert error.reply is not None  # the provider answered: the call may be billed
    assert (error.reply.usage, error.reply.output_tokens) == ("estimated", 512)


def test_a_rejected_key_is_an_authentication_error_without_the_key(
    fake: FakeLlmServer, make_openai: MakeOpenAI
) -> None:
    # the real API echoes part of a wrong key; this fake echoes all of it
    fake.script(Status(401, message=f"Incorrect API key provided: {API_KEY}."))

    error = _fail(make_openai())

    assert (error.kind, error.retryable, error.status_code) == ("authentication", False, 401)
    assert API_KEY not in str(error)
    assert error.__context__ is None


def test_the_environment_supplies_base_url_and_key_when_none_is_given(
    fake: FakeLlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_url)
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    gpt = OpenAIProvider(OPENAI_MODEL, 256, 0.2, timeout=10)
    try:
        gpt.complete("s", "u")
    finally:
        gpt.close()

    assert [r.api_key for r in fake.requests] == ["env-key"]


def test_explicit_base_url_and_key_win_over_the_environment(
    fake: FakeLlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeLlmServer() as other:
        monkeypatch.setenv("OPENAI_BASE_URL", other.openai_url)
        monkeypatch.setenv("OPENAI_API_KEY", "env-key")
        gpt = OpenAIProvider(
            OPENAI_MODEL, 256, 0.2, api_key="explicit", base_url=fake.openai_url, timeout=10
        )
        try:
            gpt.complete("s", "u")
        finally:
            gpt.close()

        assert other.request_count == 0
    assert [r.api_key for r in fake.requests] == ["explicit"]


def test_no_key_anywhere_fails_at_construction() -> None:
    with pytest.raises(ProviderError) as caught:
        OpenAIProvider(OPENAI_MODEL, 256, 0.2, base_url="http://127.0.0.1:9/v1")

    assert (caught.value.kind, caught.value.retryable) == ("authentication", False)
