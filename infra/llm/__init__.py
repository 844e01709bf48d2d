"""LLM providers behind one small interface: `complete(system, user) -> LlmReply`.

Each provider wraps its official SDK (the SDK's own retries and backoff run first) and turns
whatever is left into a `ProviderError` with a kind and a retryable flag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from infra.llm.reply import ErrorKind, LlmReply, ProviderError

if TYPE_CHECKING:
    from infra.llm.claude import ClaudeProvider
    from infra.llm.openai_provider import OpenAIProvider

# The SDKs take seconds to import: load a provider only when one is asked for.
_LAZY = {
    "ClaudeProvider": "infra.llm.claude",
    "OpenAIProvider": "infra.llm.openai_provider",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib  # noqa: PLC0415 - deliberately lazy

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class LlmProvider(Protocol):
    """A chat model that answers one system + user prompt, synchronously (call it from a
    thread: it blocks for the whole call, SDK retries included)."""

    @property
    def label(self) -> str:
        """`provider:model`, for logs and the forecast record."""
        ...

    @property
    def model(self) -> str:
        """The model asked for (the reply's `model` is the one that answered)."""
        ...

    @property
    def attempts_per_call(self) -> int:
        """How many times one `complete` may reach the provider (the SDK's own retries
        included): each may be billed, so a budget reserves this many worst cases."""
        ...

    def complete(self, system: str, user: str) -> LlmReply:
        """The answer and its billed usage; raises `ProviderError`."""
        ...

    def close(self) -> None:
        """Release the HTTP connection pool."""
        ...


__all__ = [
    "ClaudeProvider",
    "ErrorKind",
    "LlmProvider",
    "LlmReply",
    "OpenAIProvider",
    "ProviderError",
]
