"""Analyst: a forecast per candidate, then sizing (a pure domain function) into signals."""

from __future__ import annotations

from collections import Counter
from typing import Any

from actors.base import BaseActor, ask, handles
from actors.directory import Directory
from domain.clock import Clock
from domain.forecasting import Forecaster
from domain.messages import (
    AnalyzeCandidates,
    BankrollSnapshot,
    EndOfCycle,
    ExecuteSignal,
    GetBankroll,
)
from domain.sizing import NoTrade, SizingLimits, size_order


class Analyst(BaseActor):
    name = "analyst"

    def __init__(
        self,
        directory: Directory,
        forecaster: Forecaster,
        limits: SizingLimits,
        clock: Clock,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.directory = directory
        self.forecaster = forecaster
        self.limits = limits
        self.clock = clock

    def started(self) -> None:
        self.log.info("forecaster: {}", self.forecaster.label)

    @handles(AnalyzeCandidates)
    def _on_candidates(self, command: AnalyzeCandidates) -> None:
        executor = self.directory.get("executor")
        bankroll: BankrollSnapshot = ask(self.directory.get("bankroll"), GetBankroll())
        skipped: Counter[str] = Counter()
        forecasts = signals = 0
        for candidate in command.candidates:
            forecast = self.forecaster.forecast(candidate, self.clock.now())
            if forecast is None:
                skipped["NO_FORECAST"] += 1
                continue
            forecasts += 1
            decision = size_order(
                candidate.market.ticker,
                forecast.probability,
                candidate.book,
                bankroll.balance,
                self.limits,
            )
            if isinstance(decision, NoTrade):
                skipped[decision.reason] += 1
                continue
            signals += 1
            executor.tell(
                ExecuteSignal(cycle=command.stats.cycle, signal=decision, forecast=forecast).caused(
                    command
                )
            )
        stats = command.stats.plus(forecasts=forecasts, signals=signals, skipped=dict(skipped))
        executor.tell(EndOfCycle(stats=stats).caused(command))
