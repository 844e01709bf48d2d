"""What an LLM call gives back: a reply with its billed usage, or a classified failure.

Token counts are integers as the provider reports them, within what was asked for: output at
most `max_tokens`, input at most the prompt's bytes plus an allowance for the message framing
(a token is at least one byte). A reply without usage is booked at that worst case and marked
"estimated"; usage above it is cut to it and marked "capped". Pricing is the caller's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field

ErrorKind = Literal[
    "rate_limited",
    "overloaded",
    "timeout",
    "connection",
    "refused",
    "authentication",
    "bad_request",
    "failed",
]


Usage = Literal["reported", "estimated", "capped"]
FRAMING_TOKENS = 256  # tokens the API adds around a system + user prompt (roles, separators)


class LlmReply(BaseModel):
    """One completed call: the text, the model that answered and the tokens it billed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    model: str
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    stop_reason: str  # the provider's own word: "end_turn", "max_tokens", "stop", "length", ...
    provider: str
    usage: Usage = "reported"
    # Earlier attempts of this call that reached the provider and got no answer (the SDK asked
    # again): each may have been billed, so each is booked at the call's worst case.
    lost: tuple[LlmReply, ...] = ()


@dataclass(frozen=True)
class Asked:
    """What one call asked for: the ceiling on what it can be billed."""

    max_input_tokens: int
    max_output_tokens: int

    @classmethod
    def of(cls, system: str, user: str, max_tokens: int) -> Asked:
        size = len(system.encode("utf-8", "replace")) + len(user.encode("utf-8", "replace"))
        return cls(size + FRAMING_TOKENS, max_tokens)

    def bounded(self, input_tokens: object, output_tokens: object) -> tuple[int, int, Usage]:
        """The usage to book: as reported when it is plausible, else capped or estimated."""
        if not (_count(input_tokens) and _count(output_tokens)):
            return self.max_input_tokens, self.max_output_tokens, "estimated"
        if input_tokens > self.max_input_tokens or output_tokens > self.max_output_tokens:
            return (
                min(input_tokens, self.max_input_tokens),
                min(output_tokens, self.max_output_tokens),
                "capped",
            )
        return input_tokens, output_tokens, "reported"

    def worst_case(self, provider: str, model: str, stop_reason: str = "") -> LlmReply:
        """A reply to book when the provider answered but said nothing usable about usage."""
        return LlmReply(
            text="",
            model=model,
            input_tokens=self.max_input_tokens,
            output_tokens=self.max_output_tokens,
            stop_reason=stop_reason,
            provider=provider,
            usage="estimated",
        )


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class ProviderError(Exception):
    """A call that gave no usable answer, classified for the caller's retry and cost decisions.

    `retryable` says whether asking again later may succeed (the SDK has already spent its own
    retries). `reply` is set only when the call was billed although it failed (a refusal, or a
    2xx answer that could not be read: booked at its worst case): its usage must still be
    charged, as must `lost`'s (attempts that reached the provider and got no answer, at their
    worst case). The message never contains the API key.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        retryable: bool,
        provider: str,
        status_code: int | None = None,
        request_id: str | None = None,
        reply: LlmReply | None = None,
        lost: tuple[LlmReply, ...] = (),
    ) -> None:
        super().__init__(f"{provider}: {kind}: {message}")
        self.kind: ErrorKind = kind
        self.retryable = retryable
        self.provider = provider
        self.status_code = status_code
        self.request_id = request_id
        self.reply = reply
        self.lost = lost

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with the keyword attributes (the default would pass only the message)."""
        return (_rebuild, (self.__class__, self.args[0], self.__dict__))


def _rebuild(cls: type[ProviderError], text: str, state: dict[str, object]) -> ProviderError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.__dict__.update(state)
    return error


def status_detail(
    status: int, error_type: str | None, message: str | None, code: str | None
) -> str:
    """ "HTTP 429 rate_limit_error: <the API's message> (<code>)", the parts that exist."""
    text = f"HTTP {status} {error_type}" if error_type else f"HTTP {status}"
    if message:
        text += f": {message}"
    if code:
        text += f" ({code})"
    return text


def classified(
    kind: ErrorKind,
    retryable: bool,
    *,
    provider: str,
    secret: str | None,
    detail: str,
    status: int | None = None,
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProviderError:
    """A ProviderError from what an SDK exception says; the API can veto a retry."""
    if headers is not None and headers.get("x-should-retry") == "false":
        retryable = False
    return ProviderError(
        kind,
        redact(detail[:500], secret),
        retryable=retryable,
        provider=provider,
        status_code=status,
        request_id=request_id,
    )


def malformed(provider: str, reason: str, billed: LlmReply | None = None) -> ProviderError:
    """A 2xx whose body cannot be read: nothing to parse; worth asking again. The provider
    answered, so it may have billed the call: `billed` is what to book for it."""
    return ProviderError(
        "failed",
        f"malformed response ({reason})",
        retryable=True,
        provider=provider,
        reply=billed,
    )


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced, so an echoed key never reaches a log."""
    if not secret:
        return text
    return text.replace(secret, "[redacted]")
