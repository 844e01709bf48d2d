"""Fixtures: a running fake provider server, providers bound to it, a clean environment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.llm import ClaudeProvider, OpenAIProvider
from tests.fakes.llm_server import FakeLlmServer

API_KEY = "sk-test-0123456789abcdef"
CLAUDE_MODEL = "claude-sonnet-4-6"
OPENAI_MODEL = "gpt-5.5"

_SDK_ENV = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_CUSTOM_HEADERS",
    "ANTHROPIC_CONFIG_DIR",
    "ANTHROPIC_PROFILE",
    "ANTHROPIC_IDENTITY_TOKEN",
    "ANTHROPIC_IDENTITY_TOKEN_FILE",
    "ANTHROPIC_FEDERATION_RULE_ID",
    "ANTHROPIC_ORGANIZATION_ID",
    "ANTHROPIC_SERVICE_ACCOUNT_ID",
    "ANTHROPIC_WORKSPACE_ID",
    "OPENAI_API_KEY",
    "OPENAI_ADMIN_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_CUSTOM_HEADERS",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
)


@pytest.fixture(autouse=True)
def _clean_sdk_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer key, base URL or on-disk Anthropic profile (~/.config/anthropic) leaks
    into a test."""
    for name in _SDK_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def fake() -> Iterator[FakeLlmServer]:
    with FakeLlmServer(usage=(120, 30)) as server:
        yield server
    assert not server.errors
    assert not [t for t in threading.enumerate() if t.name == "fake-llm-server"]


@pytest.fixture
def make_claude(fake: FakeLlmServer) -> Iterator[Callable[..., ClaudeProvider]]:
    made: list[ClaudeProvider] = []

    def make(**overrides: Any) -> ClaudeProvider:
        options: dict[str, Any] = {
            "model": CLAUDE_MODEL,
            "max_tokens": 512,
            "temperature": 0.2,
            "api_key": API_KEY,
            "base_url": fake.url,
            "timeout": 10,
            "max_retries": 2,
            **overrides,
        }
        provider = ClaudeProvider(**options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def make_openai(fake: FakeLlmServer) -> Iterator[Callable[..., OpenAIProvider]]:
    made: list[OpenAIProvider] = []

    def make(**overrides: Any) -> OpenAIProvider:
        options: dict[str, Any] = {
            "model": OPENAI_MODEL,
            "max_tokens": 512,
            "temperature": 0.2,
            "api_key": API_KEY,
            "base_url": fake.openai_url,
            "timeout": 10,
            "max_retries": 2,
            **overrides,
        }
        provider = OpenAIProvider(**options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()
