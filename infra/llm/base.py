"""What the providers share: the model, the token cap and temperature, and their client.

Every provider's SDK gets a bounded HTTP client (`infra.llm.transport`), every reply's usage
is held to what the call asked for (`Asked`), and every attempt that reached the provider but
got no answer comes back in `lost`, at the call's worst case, for the caller to book.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import httpx2

from infra.llm.reply import Asked, LlmReply, ProviderError
from infra.llm.transport import LlmResponseLimits, attempts, bounded_client


class ChatProvider:
    """A provider whose SDK client answers one system + user prompt.

    Subclasses set `provider` and build `self._client` (and `self._secret`, the key used,
    for redaction) in `_connect`.
    """

    provider: ClassVar[str]
    _client: Any
    _secret: str | None

    def __init__(
        self,
        model: str,
        max_tokens: int,
        temperature: Decimal | float | None,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 60,
        max_retries: int = 2,
        limits: LlmResponseLimits | None = None,
    ) -> None:
        if max_tokens <= 0:
            raise ValueError(f"max_tokens must be positive, not {max_tokens}")
        self._model = model
        self._max_tokens = max_tokens
        self._attempts = max_retries + 1
        # A sampling parameter, not an amount: the SDKs take a float.
        self._temperature = None if temperature is None else float(temperature)
        http_client = bounded_client(limits or LlmResponseLimits(deadline=timeout))
        try:
            self._connect(api_key, base_url, timeout, max_retries, http_client)
        except BaseException:
            http_client.close()
            raise

    def _connect(
        self,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        http_client: httpx2.Client,
    ) -> None:
        raise NotImplementedError

    def complete(self, system: str, user: str) -> LlmReply:
        """One call (the SDK's retries included): the reply, or a `ProviderError`; either
        carries in `lost` the attempts that reached the provider unanswered."""
        asked = Asked.of(system, user, self._max_tokens)
        with attempts() as log:
            try:
                reply = self._complete(system, user, asked)
            except ProviderError as error:
                error.lost = self._lost(asked, log.unanswered)
                raise
        return reply.model_copy(update={"lost": self._lost(asked, log.unanswered)})

    def _complete(self, system: str, user: str, asked: Asked) -> LlmReply:
        raise NotImplementedError

    def _lost(self, asked: Asked, count: int) -> tuple[LlmReply, ...]:
        return (asked.worst_case(self.provider, self._model, "no answer"),) * count

    @property
    def attempts_per_call(self) -> int:
        return self._attempts

    @property
    def label(self) -> str:
        return f"{self.provider}:{self._model}"

    @property
    def model(self) -> str:
        return self._model

    @property
    def base_url(self) -> str:
        """Where the requests go (the explicit value, the SDK's environment variable, or the
        SDK's default)."""
        return str(self._client.base_url)

    def close(self) -> None:
        self._client.close()
