"""What the providers share: the model, the token cap and temperature, and their client."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar


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
    ) -> None:
        if max_tokens <= 0:
            raise ValueError(f"max_tokens must be positive, not {max_tokens}")
        self._model = model
        self._max_tokens = max_tokens
        # A sampling parameter, not an amount: the SDKs take a float.
        self._temperature = None if temperature is None else float(temperature)
        self._connect(api_key, base_url, timeout, max_retries)

    def _connect(
        self, api_key: str | None, base_url: str | None, timeout: float, max_retries: int
    ) -> None:
        raise NotImplementedError

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
