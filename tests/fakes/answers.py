"""Answers for the fake LLM that read the bot's prompt as a model would: the prices come from the
block the bot builds from the order book (domain.prompting), never from the market's text."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from domain.prompting import prompt_prices

# The process tests' forecaster says YES this far above the Kalshi mid, with confidence 1:
# inside risk.max_disagreement (0.15), so it is traded, and past the half-spread and fee of any
# screened market (spread at most 0.10), so every cycle finds YES edges to buy.
CONFIDENT_EDGE = Decimal("0.14")
CEILING = Decimal("0.99")


def user_prompt(body: Any) -> str:
    """The user message of an Anthropic or OpenAI request body."""
    messages = body.get("messages") or [] if isinstance(body, dict) else []
    texts = [m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    return "\n".join(text for text in texts if isinstance(text, str))


def prices_of(body: Any) -> dict[str, Any]:
    found = prompt_prices(user_prompt(body))
    assert found is not None, "the prompt has no prices block"
    return found


def mid_of(body: Any) -> Decimal:
    mid = prices_of(body)["kalshi"]["mid"]
    return Decimal("0.5") if mid is None else Decimal(mid)


def confident_yes(mid: Decimal) -> Decimal:
    return min(mid + CONFIDENT_EDGE, CEILING)


def answer(probability: Decimal | str, confidence: str = "1", rationale: str = "test") -> str:
    return json.dumps(
        {"probability": f"{probability}", "confidence": confidence, "rationale": rationale}
    )


def confident_answer(body: Any) -> str:
    """YES at the mid plus CONFIDENT_EDGE, confidence 1."""
    return answer(confident_yes(mid_of(body)))
