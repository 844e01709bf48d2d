"""The forecaster `evaluate` runs for its `bot` strategy: the configured one.

Offline when no LLM is configured (`llm.provider`, or `auto` without a key); otherwise the
configured provider, asked exactly as the Analyst asks it (the same prompt, with the market's
earlier forecasts, and the same answer parser, once more on an invalid answer). Evaluate books
nothing: the calls' cost is tallied and reported, and capped by `llm.daily_budget` (a call that
could take the tally past it is not made). A refusal of the credentials stops the evaluation
(configuration: exit 2); other failures skip the market, and an evaluation in which every call
failed is an error (exit 1).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from loguru import logger

from actors.analyst import LlmForecasting
from domain.costs import call_cost, worst_case_cost
from domain.errors import OperatorInterventionRequired
from domain.forecasting import Forecaster, InvalidAnswer, OfflineForecaster, parse_answer
from domain.messages import Candidate
from domain.models import Forecast
from domain.money import ZERO
from domain.prompting import build_prompt
from infra.llm import ProviderError
from infra.settings import Settings
from services.forecasting_setup import build_llm

_PLACES = Decimal("0.000001")


class EvaluationFailed(RuntimeError):
    """Every LLM call of an evaluation failed: its `bot` row would say nothing."""


class LlmViews:
    """Forecaster protocol over the configured LLM, one call at a time."""

    def __init__(self, llm: LlmForecasting, budget: Decimal) -> None:
        self.llm = llm
        self.budget = budget
        self.spent = ZERO
        self.calls = 0
        self.failures = 0
        self.over_budget = 0
        self.history: defaultdict[str, list[Forecast]] = defaultdict(list)

    @property
    def label(self) -> str:
        return self.llm.provider.label

    def forecast(self, candidate: Candidate, now: datetime) -> Forecast | None:
        ticker = candidate.market.ticker
        system, user = build_prompt(candidate, now, tuple(self.history[ticker]))
        worst = 2 * worst_case_cost(self.llm.price, len(system) + len(user), self.llm.max_tokens)
        if self.spent + worst > self.budget:
            self.over_budget += 1
            return None
        for _attempt in range(2):  # an invalid answer is asked once more, as the Analyst does
            self.calls += 1
            try:
                reply = self.llm.provider.complete(system, user)
            except ProviderError as error:
                if error.reply is not None:
                    self.spent += self._cost(error.reply.input_tokens, error.reply.output_tokens)
                if error.kind == "authentication":
                    raise OperatorInterventionRequired(
                        f"the LLM provider refused the credentials ({error}): check the API key,"
                        ' or set llm.provider = "offline"'
                    ) from error
                self.failures += 1
                return None
            self.spent += self._cost(reply.input_tokens, reply.output_tokens)
            try:
                answer = parse_answer(reply.text)
            except InvalidAnswer:
                self.failures += 1
                continue
            forecast = Forecast(
                ticker=ticker,
                probability=answer.probability.quantize(_PLACES),
                confidence=answer.confidence.quantize(_PLACES),
                rationale=answer.rationale,
                model=self.llm.provider.model,
                prompt_version=self.llm.prompt_version,
                made_at=now,
            )
            self.history[ticker].append(forecast)
            return forecast
        return None

    def _cost(self, input_tokens: int, output_tokens: int) -> Decimal:
        return call_cost(self.llm.price, input_tokens, output_tokens)

    def finish(self) -> None:
        """Say what the calls cost; fail when not one of them gave a forecast."""
        logger.info(
            "LLM {}: {} calls, {} failed, ${} (not booked: evaluate touches no book)",
            self.label,
            self.calls,
            self.failures,
            self.spent.quantize(Decimal("0.0001")),
        )
        if self.over_budget:
            logger.warning(
                "{} forecasts skipped: llm.daily_budget (${}) reached",
                self.over_budget,
                self.budget,
            )
        if self.calls and self.failures == self.calls:
            raise EvaluationFailed(
                f"every one of {self.calls} calls to {self.label} failed: is the provider"
                " reachable? (the log file, or --log-level debug, has the details)"
            )

    def close(self) -> None:
        self.llm.provider.close()


def configured_forecaster(settings: Settings) -> Forecaster | LlmViews:
    """The forecaster the bot would run with these settings (OperatorInterventionRequired when
    an LLM is configured without its key or price)."""
    llm = build_llm(settings)
    if llm is None:
        return OfflineForecaster()
    return LlmViews(llm, settings.llm.daily_budget)
