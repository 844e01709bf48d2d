"""What an LLM call costs: its token usage times the configured price table."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from pydantic import Field

from domain.base import Frozen
from domain.money import MICRO

PER_MILLION = Decimal(1_000_000)


class ModelPrice(Frozen):
    """Dollars per million tokens."""

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)


def call_cost(price: ModelPrice, input_tokens: int, output_tokens: int) -> Decimal:
    """The call's cost, rounded up to the micro-dollar (the ledger's unit): never undercounted."""
    if input_tokens < 0 or output_tokens < 0:
        raise ValueError("token counts cannot be negative")
    exact = (price.input * input_tokens + price.output * output_tokens) / PER_MILLION
    return exact.quantize(MICRO, rounding=ROUND_CEILING)


def worst_case_cost(price: ModelPrice, prompt_chars: int, max_output_tokens: int) -> Decimal:
    """An upper bound before the call, for budget checks: ~3 characters a token, full output."""
    return call_cost(price, prompt_chars // 3 + 1, max_output_tokens)
