"""A whole LLM call is bounded, and every attempt that reached the provider comes back to be
booked (issue 10, points 2 and 3).

The real SDKs against the local fake provider: headers trickling a byte at a time, a body too
large or nested too deep, a request held past the deadline, a connection dropped after the
request was sent, and nothing listening at all.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.llm import ClaudeProvider, LlmReply, OpenAIProvider, ProviderError
from infra.llm.reply import FRAMING_TOKENS
from infra.llm.transport import LlmResponseLimits
from tests.fakes.llm_server import (
    DEFAULT_ANSWER,
    Deep,
    Disconnect,
    FakeLlmServer,
    Hang,
    Huge,
    Trickle,
)

SYSTEM, USER = "system", "user"
WORST_INPUT = len(SYSTEM) + len(USER) + FRAMING_TOKENS
MAX_TOKENS = 512  # the fixtures' providers ask for this much
DEADLINE = LlmResponseLimits(deadline=1.0)

MakeProvider = Callable[..., ClaudeProvider | OpenAIProvider]


@pytest.fixture(params=["claude", "openai"])
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make(
    api: str,
    make_claude: Callable[..., ClaudeProvider],
    make_openai: Callable[..., OpenAIProvider],
) -> MakeProvider:
    return make_claude if api == "claude" else make_openai


def _fail(provider: ClaudeProvider | OpenAIProvider) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.complete(SYSTEM, USER)
    return caught.value


def _is_worst_case(reply: LlmReply) -> bool:
    return (reply.usage, reply.input_tokens, reply.output_tokens) == (
        "estimated",
        WORST_INPUT,
        MAX_TOKENS,
    )


def _cut_off_mid_headers(fake: FakeLlmServer) -> None:
    """The client hung up while the status line and headers were still trickling in."""
    assert fake.hung_up.wait(30)
    assert fake.trickled
    assert max(fake.trickled) < 100  # the status line and headers are longer than that


def test_trickling_headers_end_at_the_deadline_and_the_attempt_is_lost(
    fake: FakeLlmServer, make: MakeProvider
) -> None:
    fake.script(Trickle(interval=0.2))  # every read succeeds: the read timeout never fires
    error = _fail(make(max_retries=0, limits=DEADLINE))
    assert (error.kind, error.retryable, error.reply) == ("timeout", True, None)
    [lost] = error.lost  # it reached the provider: booked at its worst case
    assert _is_worst_case(lost)
    _cut_off_mid_headers(fake)


def test_a_retry_after_trickling_headers_answers_and_both_attempts_are_billed(
    fake: FakeLlmServer, make: MakeProvider
) -> None:
    fake.script(Trickle(interval=0.2))
    reply = make(max_retries=1, limits=DEADLINE).complete(SYSTEM, USER)
    assert reply.text == DEFAULT_ANSWER
    assert reply.usage == "reported"
    [lost] = reply.lost
    assert _is_worst_case(lost)
    assert fake.request_count == 2


def test_a_trickling_body_is_answered_so_booked_once_not_lost(
    fake: FakeLlmServer, make: MakeProvider
) -> None:
    fake.script(Trickle(interval=0.2, body_only=True))
    error = _fail(make(max_retries=0, limits=DEADLINE))
    assert error.reply is not None
    assert _is_worst_case(error.reply)
    assert error.lost == ()
    assert fake.request_count == 1  # a 2xx, however broken, is not asked again


@pytest.mark.parametrize("hostile", [Huge(64 * 1024), Deep(200_000)], ids=["huge", "deep-200000"])
def test_a_body_too_large_or_too_deep_is_booked_once_at_its_worst_case(
    fake: FakeLlmServer, make: MakeProvider, hostile: Huge | Deep
) -> None:
    fake.script(hostile)
    error = _fail(make(limits=LlmResponseLimits(max_bytes=32 * 1024)))
    assert error.reply is not None
    assert _is_worst_case(error.reply)
    assert error.lost == ()
    assert fake.request_count == 1


def test_a_request_held_past_the_deadline_is_lost(fake: FakeLlmServer, make: MakeProvider) -> None:
    fake.script(Hang(30), Hang(30))
    error = _fail(make(max_retries=1, timeout=0.5))
    assert error.kind == "timeout"
    assert len(error.lost) == 2  # both attempts reached the provider
    assert all(_is_worst_case(lost) for lost in error.lost)


def test_a_connection_dropped_after_sending_is_lost(
    fake: FakeLlmServer, make: MakeProvider
) -> None:
    fake.script(Disconnect())
    error = _fail(make(max_retries=0))
    assert error.kind == "connection"
    [lost] = error.lost
    assert _is_worst_case(lost)


def test_a_refused_connection_costs_nothing(api: str, make: MakeProvider) -> None:
    with FakeLlmServer() as gone:
        url = gone.url if api == "claude" else gone.openai_url
    error = _fail(make(base_url=url, max_retries=1))
    assert error.kind == "connection"
    assert (error.reply, error.lost) == (None, ())
