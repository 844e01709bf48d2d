"""ClaudeProvider: the real anthropic SDK over real HTTP against the local fake."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from infra.llm import ClaudeProvider, LlmReply, ProviderError
from tests.fakes.llm_server import (
    ANTHROPIC_PATH,
    DEFAULT_ANSWER,
    Answer,
    Disconnect,
    FakeLlmServer,
    Hang,
    Malformed,
    Refusal,
    Status,
)
from tests.infra.llm.conftest import API_KEY, CLAUDE_MODEL

MakeClaude = Callable[..., ClaudeProvider]


def _fail(provider: ClaudeProvider) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.complete("system", "user")
    return caught.value


def test_a_good_answer_comes_back_with_the_usage_the_api_billed(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    claude = make_claude(max_tokens=700, temperature=Decimal("0.3"))

    reply = claude.complete("You are a forecaster.", "Will it rain in Paris tomorrow?")

    assert reply == LlmReply(
        text=DEFAULT_ANSWER,
        model=CLAUDE_MODEL,
        input_tokens=120,
        output_tokens=30,
        stop_reason="end_turn",
        provider="claude",
    )
    assert claude.label == f"claude:{CLAUDE_MODEL}"
    assert claude.model == CLAUDE_MODEL
    [request] = fake.requests
    assert request.path == ANTHROPIC_PATH
    assert request.body == {
        "model": CLAUDE_MODEL,
        "max_tokens": 700,
        "temperature": 0.3,
        "system": "You are a forecaster.",
        "messages": [{"role": "user", "content": "Will it rain in Paris tomorrow?"}],
    }
    assert request.api_key == API_KEY
    assert "anthropic-version" in request.headers


def test_text_blocks_are_concatenated_and_other_blocks_skipped(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.script(
        Answer(
            blocks=(
                {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                {"type": "text", "text": '{"probability": "0.4",'},
                {"type": "text", "text": ' "confidence": "0.5"}'},
            ),
            input_tokens=7,
            output_tokens=9,
        )
    )

    reply = make_claude().complete("s", "u")

    assert reply.text == '{"probability": "0.4", "confidence": "0.5"}'
    assert (reply.input_tokens, reply.output_tokens) == (7, 9)


def test_a_truncated_answer_is_returned_with_its_stop_reason(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.script(Answer(text='{"probability": "0.', stop_reason="max_tokens"))

    reply = make_claude().complete("s", "u")

    assert reply.stop_reason == "max_tokens"
    assert reply.text == '{"probability": "0.'


def test_no_temperature_is_sent_when_none_is_set(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.reject_sampling = True

    make_claude(temperature=None).complete("s", "u")

    assert "temperature" not in (fake.bodies[0] or {})


def test_a_model_without_sampling_parameters_rejects_a_temperature(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.reject_sampling = True

    error = _fail(make_claude(temperature=0.2))

    assert (error.kind, error.retryable, error.status_code) == ("bad_request", False, 400)
    assert fake.request_count == 1  # a 400 is not retried


@pytest.mark.parametrize(
    ("status", "kind"), [(429, "rate_limited"), (529, "overloaded"), (503, "overloaded")]
)
def test_the_sdk_retries_a_transient_status_and_the_answer_comes_back(
    fake: FakeLlmServer, make_claude: MakeClaude, status: int, kind: str
) -> None:
    fake.script(Status(status), Status(status))

    reply = make_claude(max_retries=2).complete("s", "u")

    assert reply.text == DEFAULT_ANSWER
    assert fake.count(ANTHROPIC_PATH) == 3
    retry_counts = [r.headers["x-stainless-retry-count"] for r in fake.requests]
    assert retry_counts == ["0", "1", "2"]


@pytest.mark.parametrize(
    ("status", "kind"), [(429, "rate_limited"), (529, "overloaded"), (503, "overloaded")]
)
def test_a_transient_status_beyond_max_retries_is_a_retryable_error(
    fake: FakeLlmServer, make_claude: MakeClaude, status: int, kind: str
) -> None:
    fake.script(*[Status(status)] * 3)

    error = _fail(make_claude(max_retries=2))

    assert (error.kind, error.retryable, error.status_code) == (kind, True, status)
    assert error.reply is None  # an error status is not billed
    assert error.request_id == "req_fake_3"
    assert fake.count(ANTHROPIC_PATH) == 3
    assert fake.pending == 0


def test_the_sdk_waits_what_retry_after_asks(fake: FakeLlmServer, make_claude: MakeClaude) -> None:
    fake.script(Status(429, retry_after=0.3))

    started = time.monotonic()
    make_claude(max_retries=1).complete("s", "u")

    assert time.monotonic() - started >= 0.3
    assert fake.request_count == 2


def test_x_should_retry_false_stops_the_sdk_and_the_error_is_final(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.script(Status(429, should_retry=False))

    error = _fail(make_claude(max_retries=2))

    assert (error.kind, error.retryable) == ("rate_limited", False)
    assert fake.request_count == 1


def test_a_spend_limit_is_rate_limited_but_not_retryable(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.script(Status(429, code="enforced_spend_limit_reached"))

    error = _fail(make_claude(max_retries=0))

    assert (error.kind, error.retryable) == ("rate_limited", False)
    assert "enforced_spend_limit_reached" in str(error)


def test_a_server_error_beyond_retries_is_failed_and_retryable(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.script(Status(500))

    error = _fail(make_claude(max_retries=0))

    assert (error.kind, error.retryable, error.status_code) == ("failed", True, 500)


def test_a_hung_request_times_out(fake: FakeLlmServer, make_claude: MakeClaude) -> None:
    fake.script(Hang(30))
    claude = make_claude(timeout=0.5, max_retries=0)

    error = _fail(claude)

    # The server holds the request for 30 s: a timeout error is the client's own deadline.
    assert (error.kind, error.retryable, error.status_code) == ("timeout", True, None)
    assert fake.request_count == 1


def test_a_timeout_is_retried_by_the_sdk(fake: FakeLlmServer, make_claude: MakeClaude) -> None:
    fake.script(Hang(30))

    # 2 s is the retry's whole allowance to be answered, generous on a busy machine.
    reply = make_claude(timeout=2, max_retries=1).complete("s", "u")

    assert reply.text == DEFAULT_ANSWER
    assert fake.request_count == 2


def test_a_dropped_connection_is_a_connection_error(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.script(Disconnect())

    error = _fail(make_claude(max_retries=0))

    assert (error.kind, error.retryable) == ("connection", True)


def test_nothing_listening_is_a_connection_error(make_claude: MakeClaude) -> None:
    with FakeLlmServer() as gone:
        url = gone.url

    error = _fail(make_claude(base_url=url, max_retries=0))

    assert error.kind == "connection"


def test_a_refusal_is_an_error_that_still_carries_the_billed_usage(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.script(Refusal(input_tokens=150, output_tokens=4))

    error = _fail(make_claude())

    assert (error.kind, error.retryable) == ("refused", False)
    assert error.reply == LlmReply(
        text="",
        model=CLAUDE_MODEL,
        input_tokens=150,
        output_tokens=4,
        stop_reason="refusal",
        provider="claude",
    )
    assert fake.request_count == 1  # a refusal is an answer: never retried by the SDK


@pytest.mark.parametrize(
    "scripted",
    [
        Malformed("not json at all"),
        Malformed("plain text", content_type="text/plain"),
        Malformed('{"id": "msg_1"}'),
    ],
    ids=["broken-json", "not-json-content-type", "wrong-shape"],
)
def test_a_malformed_answer_is_a_retryable_failure_booked_at_its_worst_case(
    fake: FakeLlmServer, make_claude: MakeClaude, scripted: Malformed
) -> None:
    fake.script(scripted)

    error = _fail(make_claude())

    assert (error.kind, error.retryable) == ("failed", True)
    assert error.reply is not None  # the provider answered: the call may be billed
    assert (error.reply.usage, error.reply.output_tokens) == ("estimated", 512)
    assert fake.request_count == 1


def test_a_rejected_key_is_an_authentication_error_without_the_key(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.api_key = "the-right-key"
    claude = make_claude(api_key=API_KEY)

    error = _fail(claude)

    assert (error.kind, error.retryable, error.status_code) == ("authentication", False, 401)
    assert fake.request_count == 1
    assert API_KEY not in str(error)
    assert API_KEY not in repr(error)
    assert error.__cause__ is None
    assert error.__context__ is None  # the SDK error, whose request holds the key, is dropped


def test_a_key_echoed_in_the_error_body_is_redacted(
    fake: FakeLlmServer, make_claude: MakeClaude
) -> None:
    fake.script(Status(401, message=f"invalid x-api-key {API_KEY}"))

    error = _fail(make_claude())

    assert API_KEY not in str(error)
    assert "[redacted]" in str(error)


def test_the_environment_supplies_base_url_and_key_when_none_is_given(
    fake: FakeLlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
    claude = ClaudeProvider(CLAUDE_MODEL, 256, 0.2, timeout=10)
    try:
        claude.complete("s", "u")
    finally:
        claude.close()

    assert claude.base_url.rstrip("/") == fake.url
    assert [r.api_key for r in fake.requests] == ["env-key"]


def test_explicit_base_url_and_key_win_over_the_environment(
    fake: FakeLlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeLlmServer() as other:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", other.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
        claude = ClaudeProvider(
            CLAUDE_MODEL, 256, 0.2, api_key="explicit-key", base_url=fake.url, timeout=10
        )
        try:
            claude.complete("s", "u")
        finally:
            claude.close()

        assert other.request_count == 0
    assert [r.api_key for r in fake.requests] == ["explicit-key"]


def test_no_key_anywhere_fails_at_construction() -> None:
    with pytest.raises(ProviderError) as caught:
        ClaudeProvider(CLAUDE_MODEL, 256, 0.2, base_url="http://127.0.0.1:9")

    assert (caught.value.kind, caught.value.retryable) == ("authentication", False)


def test_a_broken_configured_profile_fails_at_construction(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "nowhere"))

    with pytest.raises(ProviderError) as caught:
        ClaudeProvider(CLAUDE_MODEL, 256, 0.2)

    assert caught.value.kind == "authentication"
