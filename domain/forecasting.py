"""Forecasts: the forecaster interface, the offline forecaster, the LLM answer and the cache.

The LLM's answer is structured JSON validated here; the bot never trades on an unparsed one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from pydantic import Field, ValidationError

from domain.base import Frozen
from domain.jsonlimits import TooDeep, loads_bounded
from domain.messages import Candidate
from domain.models import Forecast, ForecastInputs, Probability

OFFLINE_MODEL = "offline:polymarket"


class Forecaster(Protocol):
    """Gives a fair YES probability for a candidate, or None to skip it (no I/O, no cost)."""

    @property
    def label(self) -> str: ...

    def forecast(self, candidate: Candidate, now: datetime) -> Forecast | None: ...


class OfflineForecaster:
    """Takes the linked Polymarket price as the fair value; no link, no forecast.

    It is labelled everywhere as offline: it is a second venue's opinion, not an analysis.
    """

    label = "offline (linked Polymarket price; no LLM)"

    def forecast(self, candidate: Candidate, now: datetime) -> Forecast | None:
        if candidate.polymarket_price is None:
            return None
        return Forecast(
            ticker=candidate.market.ticker,
            probability=candidate.polymarket_price,
            confidence=candidate.link_confidence or Decimal("0.5"),
            rationale=f"Polymarket {candidate.polymarket_id} trades YES at"
            f" {candidate.polymarket_price}",
            model=OFFLINE_MODEL,
            prompt_version="",
            offline=True,
            made_at=now,
        )


# The LLM's answer ----------------------------------------------------------------------------


class ForecastAnswer(Frozen):
    probability: Probability
    confidence: Probability
    rationale: str = Field(min_length=1, max_length=2000)


class InvalidAnswer(ValueError):
    """The model's text is not the JSON object asked for; the text is kept for the log."""


def parse_answer(text: str) -> ForecastAnswer:
    """The first JSON object in `text` (code fences allowed), validated; else InvalidAnswer."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise InvalidAnswer(f"no JSON object in the answer: {text[:200]!r}")
    try:  # bounded: an answer nested 100,000 deep is invalid, not a RecursionError
        data = loads_bounded(text[start : end + 1], parse_float=Decimal, parse_int=Decimal)
    except TooDeep as exc:
        raise InvalidAnswer(f"answer is {exc}: {text[:200]!r}") from None
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"answer is not valid JSON ({exc.msg}): {text[:200]!r}") from None
    if isinstance(data, dict):
        data = {key: _exact(value) for key, value in data.items()}
    try:
        return ForecastAnswer.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidAnswer(f"answer does not fit the schema: {problems}") from None


def _exact(value: object) -> object:
    """Probabilities may come as numbers or strings; strings become exact Decimals."""
    if isinstance(value, str) and value.strip():
        try:
            return Decimal(value.strip())
        except ArithmeticError:
            return value
    return value


# The cache -----------------------------------------------------------------------------------


def inputs_of(candidate: Candidate) -> ForecastInputs:
    book = candidate.book
    return ForecastInputs(
        yes_bid=book.best_yes_bid,
        yes_ask=book.best_yes_ask,
        polymarket_price=candidate.polymarket_price,
        close_time=candidate.market.close_time,
        rules_digest=rules_digest(candidate.market.rules),
    )


def rules_digest(rules: str) -> str | None:
    """A short fingerprint of a market's rules text (None: it has none)."""
    return hashlib.sha256(rules.encode()).hexdigest()[:16] if rules else None


class CachePolicy(Frozen):
    window: timedelta = timedelta(hours=6)
    max_move: Decimal = Field(default=Decimal("0.03"), ge=0)


def _moved(before: Decimal | None, after: Decimal | None, limit: Decimal) -> bool:
    if before is None or after is None:
        return before is not after
    return abs(after - before) > limit


def is_fresh(
    previous: Forecast,
    inputs: ForecastInputs,
    now: datetime,
    policy: CachePolicy,
    model: str,
    prompt_version: str,
) -> bool:
    """Reuse `previous` if the same model and prompt made it within the window, on the same
    rules text (when both say), and no price moved by more than the threshold."""
    if previous.model != model or previous.prompt_version != prompt_version:
        return False
    if now - previous.made_at > policy.window:
        return False
    limit, before = policy.max_move, previous.inputs
    if before.rules_digest and inputs.rules_digest and before.rules_digest != inputs.rules_digest:
        return False
    return not (
        _moved(before.yes_bid, inputs.yes_bid, limit)
        or _moved(before.yes_ask, inputs.yes_ask, limit)
        or _moved(before.polymarket_price, inputs.polymarket_price, limit)
    )
