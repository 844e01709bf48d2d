"""Claude through the official `anthropic` SDK (Messages API, non-streaming).

The SDK retries 408/409/429/5xx (529 overloaded included), timeouts and connection errors
itself, `max_retries` times, honouring `retry-after-ms` / `retry-after` and `x-should-retry`;
what is left after that is classified here as a `ProviderError`.
"""

from __future__ import annotations

import anthropic
import httpx2
from anthropic.types import Message

from infra.llm.base import ChatProvider
from infra.llm.reply import (
    Asked,
    ErrorKind,
    LlmReply,
    ProviderError,
    classified,
    malformed,
    redact,
    status_detail,
)

PROVIDER = "claude"

# 429s that waiting will not cure: the organisation's spend limit is reached.
_SPEND_LIMITS = frozenset({"contract_spend_limit_reached", "enforced_spend_limit_reached"})


class ClaudeProvider(ChatProvider):
    """`complete(system, user)` over `anthropic.Anthropic().messages.create`.

    `api_key` / `base_url` left as None let the SDK read ANTHROPIC_API_KEY /
    ANTHROPIC_BASE_URL; an explicit value wins. `temperature=None` sends none: this SDK
    version has no sampling parameters, so a given temperature travels in the request body
    as an extra field (models that reject sampling parameters answer 400, kind "bad_request").
    """

    provider = PROVIDER

    def _connect(
        self,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        http_client: httpx2.Client,
    ) -> None:
        try:
            self._client = anthropic.Anthropic(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                http_client=http_client,
            )
        except anthropic.CredentialsError as exc:  # a named or configured profile is broken
            raise ProviderError(
                "authentication", str(exc), retryable=False, provider=PROVIDER
            ) from None
        self._secret = self._client.api_key or self._client.auth_token
        if self._secret is None and self._client.credentials is None:
            self._client.close()
            raise ProviderError(
                "authentication",
                "no API key: pass api_key or set ANTHROPIC_API_KEY",
                retryable=False,
                provider=PROVIDER,
            )

    def _complete(self, system: str, user: str, asked: Asked) -> LlmReply:
        """One call; the reply, or a `ProviderError` (a refusal, or an answer that cannot be
        read, carries the usage to book)."""
        extra = {} if self._temperature is None else {"temperature": self._temperature}
        error: ProviderError
        try:
            message = self._client.messages.create(
                model=self._model,
                max_tokens=self._max_tokens,
                system=system,
                messages=[{"role": "user", "content": user}],
                extra_body=extra or None,
            )
        except anthropic.APIError as exc:
            error = self._classify(exc)
        except anthropic.CredentialsError as exc:  # a profile's token could not be obtained
            error = ProviderError(
                "authentication", redact(str(exc), self._secret), retryable=False, provider=PROVIDER
            )
        except ValueError as exc:  # a 200 whose body is not JSON
            error = malformed(PROVIDER, type(exc).__name__, asked.worst_case(PROVIDER, self._model))
        else:
            return self._reply(message, asked)
        # Raised outside the handler so the SDK error (whose request holds the key) is not
        # chained onto it.
        raise error

    def _reply(self, message: object, asked: Asked) -> LlmReply:
        billed = asked.worst_case(PROVIDER, self._model)
        if not isinstance(message, Message):
            raise malformed(PROVIDER, f"a {type(message).__name__}, not a message", billed)
        input_tokens, output_tokens, usage = asked.bounded(*_tokens(message))
        try:
            reply = LlmReply(
                text="".join(block.text for block in message.content if block.type == "text"),
                model=_text(message.model) or self._model,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                stop_reason=_text(message.stop_reason),
                provider=PROVIDER,
                usage=usage,
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise malformed(PROVIDER, type(exc).__name__, billed) from None
        if reply.stop_reason == "refusal":
            details = message.stop_details
            category = details.category if details is not None else None
            raise ProviderError(
                "refused",
                f"the model refused (category {category or 'unspecified'})",
                retryable=False,
                provider=PROVIDER,
                request_id=getattr(message, "_request_id", None),
                reply=reply,
            )
        return reply

    def _classify(self, exc: anthropic.APIError) -> ProviderError:
        kind, retryable = _kind(exc)
        if not isinstance(exc, anthropic.APIStatusError):
            return classified(
                kind, retryable, provider=PROVIDER, secret=self._secret, detail=type(exc).__name__
            )
        return classified(
            kind,
            retryable,
            provider=PROVIDER,
            secret=self._secret,
            detail=status_detail(exc.status_code, exc.type, exc.api_message, exc.error_code),
            status=exc.status_code,
            request_id=exc.request_id,
            headers=exc.response.headers,
        )


def _tokens(message: Message) -> tuple[object, object]:
    """(input, output) as reported, cache writes and reads counted as input; None for a count
    that is missing or not a count (`Asked.bounded` then books the worst case)."""
    usage = getattr(message, "usage", None)
    names = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    inputs = [getattr(usage, name, None) for name in names]
    inputs[1:] = [count or 0 for count in inputs[1:]]  # the cache counts are optional
    output = getattr(usage, "output_tokens", None)
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in inputs):
        return None, output
    return sum(inputs), output


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _kind(exc: anthropic.APIError) -> tuple[ErrorKind, bool]:
    """The kind and whether a later retry may help, from the SDK's exception class."""
    if isinstance(exc, anthropic.APITimeoutError):
        return "timeout", True
    if isinstance(exc, anthropic.APIConnectionError):
        return "connection", True
    if not isinstance(exc, anthropic.APIStatusError):
        return "failed", True  # e.g. APIResponseValidationError: a body not of the schema
    if isinstance(exc, anthropic.RateLimitError):
        return "rate_limited", exc.error_code not in _SPEND_LIMITS
    if isinstance(exc, anthropic.OverloadedError | anthropic.ServiceUnavailableError):
        return "overloaded", True
    if isinstance(exc, anthropic.RequestTimeoutError | anthropic.GatewayTimeoutError):
        return "timeout", True
    if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
        return "authentication", False
    if isinstance(
        exc,
        anthropic.BadRequestError
        | anthropic.NotFoundError
        | anthropic.ContentTooLargeError
        | anthropic.UnprocessableEntityError,
    ):
        return "bad_request", False
    return "failed", exc.status_code >= 500 or exc.status_code == 409
