"""A replay's venue and forecaster: the paper exchange over the recorded market, on the
recording's clock, with the recorded LLM answers or a live model.

The replay's own book is a new database (`--out`); the paper exchange keeps its account beside
it (`<out>.venue.db`). Nothing is ever written into the recording.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from actors.analyst import LlmForecasting
from domain.errors import OperatorInterventionRequired
from infra.paper.exchange import PaperExchange
from infra.paper.store import PaperStore
from infra.replay.answers import RecordedAnswers
from infra.replay.market_data import RecordedGamma, RecordedMarketData, ReplayClock
from infra.replay.recording import Recording
from infra.settings import Settings
from infra.venue import Venue
from services.forecasting_setup import build_llm, forecasting

VENUE_CASH_MULTIPLE = 10  # the paper account holds more than the book, as a real one would


@dataclass(frozen=True)
class Replay:
    recording: Recording
    clock: ReplayClock
    data: RecordedMarketData
    venue: Venue

    def to_cycle(self, number: int) -> None:
        """Move the clock to the time the recording's `number`th cycle (from 1) was scanned."""
        self.clock.set(self.recording.scans[number - 1].ts)


def venue_path(out: Path) -> Path:
    """Where the paper exchange of the replay written to `out` keeps its account."""
    return out.with_name(f"{out.name}.venue.db")


def open_replay(recording: Recording, out: Path) -> Replay:
    clock = ReplayClock(recording.start)
    data = RecordedMarketData(recording, clock)
    cash = max(recording.initial_bankroll * VENUE_CASH_MULTIPLE, Decimal(10_000))
    store = PaperStore(venue_path(out), cash, clock.now())
    exchange = PaperExchange(data, store, clock)
    return Replay(recording, clock, data, Venue("replay", exchange, RecordedGamma(data), clock))


def recorded_forecaster(settings: Settings, replay: Replay) -> LlmForecasting | None:
    """The recorded answers with the model and prompt version they were given with (None:
    the recording's forecasts were offline, and the offline forecaster runs again)."""
    if not replay.recording.exchanges:
        return None
    answers = RecordedAnswers(replay.recording, replay.data)
    recorded = answers.settings
    return forecasting(
        settings,
        answers,
        prompt_version=recorded.prompt_version,
        max_tokens=recorded.max_tokens,
        temperature=recorded.temperature,
        usage=None,
        wall_clock=replay.clock,  # budgets as they ran then, on the recording's days
    )


def live_forecaster(settings: Settings, prompt_version: str) -> LlmForecasting:
    """A model asked again, at today's prices and budgets (its spending is real)."""
    llm = build_llm(settings)
    if llm is None:
        raise OperatorInterventionRequired(
            "--llm live needs a model: set ANTHROPIC_API_KEY (or OPENAI_API_KEY, or"
            " llm.provider) as for a run"
        )
    return dataclasses.replace(llm, prompt_version=prompt_version)
