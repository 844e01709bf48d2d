"""Choosing the forecaster: Claude when ANTHROPIC_API_KEY is set, OpenAI, or offline."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from actors.analyst import LlmForecasting
from domain.costs import ModelPrice
from domain.errors import OperatorInterventionRequired
from domain.forecasting import CachePolicy
from domain.scoring import ScorecardPolicy
from infra import llm as providers
from infra.llm import LlmProvider
from infra.llm_usage import LlmUsage
from infra.settings import Settings

DEFAULT_MODELS = {"anthropic": "claude-sonnet-5-5", "openai": "gpt-5.5"}


def _provider_name(settings: Settings) -> str | None:
    choice = settings.llm.provider
    if choice == "offline":
        return None
    if choice != "auto":
        return choice
    if settings.anthropic_api_key is not None or os.environ.get("ANTHROPIC_API_KEY"):
        return "anthropic"
    if settings.openai_api_key is not None or os.environ.get("OPENAI_API_KEY"):
        return "openai"
    return None


def build_llm(settings: Settings) -> LlmForecasting | None:
    """The LLM forecasting setup, or None for the offline forecaster."""
    name = _provider_name(settings)
    if name is None:
        return None
    llm = settings.llm
    model = llm.model or DEFAULT_MODELS[name]
    model_price(settings, model)  # before any client is built
    key_setting = settings.anthropic_api_key if name == "anthropic" else settings.openai_api_key
    key = key_setting.get_secret_value() if key_setting is not None else None
    env_name = "ANTHROPIC_API_KEY" if name == "anthropic" else "OPENAI_API_KEY"
    if key is None and not os.environ.get(env_name):
        raise OperatorInterventionRequired(f"llm.provider is {name!r} but {env_name} is not set")
    provider_class = providers.ClaudeProvider if name == "anthropic" else providers.OpenAIProvider
    provider: LlmProvider = provider_class(
        model,
        llm.max_tokens,
        llm.temperature,
        api_key=key,
        timeout=float(llm.timeout),
        max_retries=llm.max_retries,
    )
    return forecasting(
        settings,
        provider,
        usage=LlmUsage(settings.llm_usage_path, book=str(settings.database_path)),
    )


def model_price(settings: Settings, model: str) -> ModelPrice:
    """The configured price of `model`; refused if there is none (every call is booked)."""
    price = settings.llm.price_for(model)
    if price is None:
        raise OperatorInterventionRequired(
            f"no price for model {model!r}: every call is booked in the ledger, so add"
            f' [llm.prices."{model}"] with input and output dollars per million tokens'
        )
    return ModelPrice(input=price.input, output=price.output)


def forecasting(settings: Settings, provider: LlmProvider, **overrides: Any) -> LlmForecasting:
    """How the Analyst uses `provider`: prices, budgets, cache and recorder from the settings
    (`overrides` replace any of them, e.g. a replay's prompt version or clock)."""
    llm = settings.llm
    values: dict[str, Any] = {
        "price": model_price(settings, provider.model),
        "concurrency": llm.concurrency,
        "cycle_budget": llm.cycle_budget,
        "daily_budget": llm.daily_budget,
        "max_tokens": llm.max_tokens,
        "cache": CachePolicy(
            window=timedelta(minutes=float(llm.cache_minutes)), max_move=llm.cache_max_move
        ),
        "temperature": llm.temperature,
        "record": settings.recorder.enabled,
    }
    return LlmForecasting(provider=provider, **{**values, **overrides})


def scorecard_policy(settings: Settings) -> ScorecardPolicy:
    llm = settings.llm
    return ScorecardPolicy(
        min_forecasts=llm.min_scored_forecasts,
        full_edge=llm.full_kelly_edge,
        unproven_scale=llm.unproven_kelly_scale,
        worse_scale=llm.worse_kelly_scale,
    )
