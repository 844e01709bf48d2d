"""OpenAI through the official `openai` SDK (Chat Completions, non-streaming).

The SDK retries 408/409/429/5xx, timeouts and connection errors itself, `max_retries` times,
honouring `retry-after-ms` / `retry-after` (up to 120 s; a longer one is not retried) and
`x-should-retry`; what is left is classified here as a `ProviderError`.
"""

from __future__ import annotations

import httpx2
import openai
from openai.types.chat import ChatCompletion

from infra.llm.base import ChatProvider
from infra.llm.reply import (
    Asked,
    ErrorKind,
    LlmReply,
    ProviderError,
    classified,
    malformed,
    status_detail,
)

PROVIDER = "openai"

# 429s that waiting will not cure: the account is out of credit.
_QUOTA = "insufficient_quota"


class OpenAIProvider(ChatProvider):
    """`complete(system, user)` over `openai.OpenAI().chat.completions.create`.

    `api_key` / `base_url` left as None let the SDK read OPENAI_API_KEY / OPENAI_BASE_URL
    (whose value ends in /v1); an explicit value wins. The token cap is sent as
    `max_completion_tokens`: this SDK marks `max_tokens` deprecated and reasoning models
    reject it. `temperature=None` sends none (reasoning models accept only the default).
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
            self._client = openai.OpenAI(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                http_client=http_client,
            )
        except openai.OpenAIError:  # no key given and none in OPENAI_API_KEY
            raise ProviderError(
                "authentication",
                "no API key: pass api_key or set OPENAI_API_KEY",
                retryable=False,
                provider=PROVIDER,
            ) from None
        self._secret = self._client.api_key or None

    def _complete(self, system: str, user: str, asked: Asked) -> LlmReply:
        """One call; the reply, or a `ProviderError` (a refusal, or an answer that cannot be
        read, carries the usage to book)."""
        error: ProviderError
        try:
            completion = self._client.chat.completions.create(
                model=self._model,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                max_completion_tokens=self._max_tokens,
                temperature=openai.omit if self._temperature is None else self._temperature,
            )
        except openai.APIError as exc:
            error = self._classify(exc)
        except openai.OpenAIError as exc:
            error = ProviderError("failed", type(exc).__name__, retryable=False, provider=PROVIDER)
        except ValueError as exc:  # a 200 whose body is not JSON
            error = malformed(PROVIDER, type(exc).__name__, asked.worst_case(PROVIDER, self._model))
        else:
            return self._reply(completion, asked)
        # Raised outside the handler so the SDK error (whose request holds the key) is not
        # chained onto it.
        raise error

    def _reply(self, completion: object, asked: Asked) -> LlmReply:
        billed = asked.worst_case(PROVIDER, self._model)
        if not isinstance(completion, ChatCompletion):
            raise malformed(
                PROVIDER, f"a {type(completion).__name__}, not a chat completion", billed
            )
        usage = getattr(completion, "usage", None)  # absent: booked at the worst case
        input_tokens, output_tokens, booked = asked.bounded(
            getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
        )
        try:
            choice = completion.choices[0]
            reply = LlmReply(
                text=choice.message.content or "",
                model=completion.model or self._model,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                stop_reason=choice.finish_reason or "",
                provider=PROVIDER,
                usage=booked,
            )
            refusal = choice.message.refusal
        except (AttributeError, IndexError, TypeError, ValueError) as exc:
            raise malformed(PROVIDER, type(exc).__name__, billed) from None
        if refusal or reply.stop_reason == "content_filter":
            reason = "the model refused" if refusal else "the content filter withheld the answer"
            raise ProviderError(
                "refused",
                reason,
                retryable=False,
                provider=PROVIDER,
                request_id=getattr(completion, "_request_id", None),
                reply=reply,
            )
        return reply

    def _classify(self, exc: openai.APIError) -> ProviderError:
        kind, retryable = _kind(exc)
        if not isinstance(exc, openai.APIStatusError):
            return classified(
                kind, retryable, provider=PROVIDER, secret=self._secret, detail=type(exc).__name__
            )
        body = exc.body if isinstance(exc.body, dict) else {}
        api_message = body.get("message")
        return classified(
            kind,
            retryable,
            provider=PROVIDER,
            secret=self._secret,
            detail=status_detail(
                exc.status_code,
                exc.type,
                api_message if isinstance(api_message, str) else None,
                exc.code,
            ),
            status=exc.status_code,
            request_id=exc.request_id,
            headers=exc.response.headers,
        )


def _kind(exc: openai.APIError) -> tuple[ErrorKind, bool]:
    """The kind and whether a later retry may help, from the SDK's exception and status."""
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", True
    if isinstance(exc, openai.APIConnectionError):
        return "connection", True
    if not isinstance(exc, openai.APIStatusError):
        return "failed", True  # e.g. APIResponseValidationError: a body not of the schema
    status = exc.status_code
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited", _QUOTA not in (exc.code, exc.type)
    if status in (503, 529):
        return "overloaded", True
    if status in (408, 504):
        return "timeout", True
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return "authentication", False
    if status in (400, 404, 413, 422):
        return "bad_request", False
    return "failed", status >= 500 or status == 409
