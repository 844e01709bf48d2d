"""The forecaster interface, and the offline forecaster that needs no API key."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from domain.messages import Candidate
from domain.models import Forecast

OFFLINE_MODEL = "offline:polymarket"


class Forecaster(Protocol):
    """Gives a fair YES probability for a candidate, or None to skip it."""

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
