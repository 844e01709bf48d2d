"""What an LLM call gives back: a reply with its billed usage, or a classified failure.

Token counts are exact integers as the provider reports them; pricing them is the caller's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

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


class LlmReply(BaseModel):
    """One completed call: the text, the model that answered and the tokens it billed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    model: str
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    stop_reason: str  # the provider's own word: "end_turn", "max_tokens", "stop", "length", ...
    provider: str


class ProviderError(Exception):
    """A call that gave no usable answer, classified for the caller's retry and cost decisions.

    `retryable` says whether asking again later may succeed (the SDK has already spent its own
    retries). `reply` is set only when the call was billed although it failed (a refusal): its
    usage must still be charged. The message never contains the API key.
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
    ) -> None:
        super().__init__(f"{provider}: {kind}: {message}")
        self.kind: ErrorKind = kind
        self.retryable = retryable
        self.provider = provider
        self.status_code = status_code
        self.request_id = request_id
        self.reply = reply

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


def malformed(provider: str, reason: str) -> ProviderError:
    """A 200 whose body cannot be read: nothing to parse, usage unknown; worth asking again."""
    return ProviderError(
        "failed", f"malformed response ({reason})", retryable=True, provider=provider
    )


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced, so an echoed key never reaches a log."""
    if not secret:
        return text
    return text.replace(secret, "[redacted]")
