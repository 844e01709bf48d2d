"""A replay against the baselines, on the decisions it replayed (domain.evaluation).

Each recorded candidate with a two-sided book is one decision: the replay's forecast for it
(the latest made by then), the Kalshi mid, the linked Polymarket price. Markets are scored on
the results the recording learned, up to its end (scoring is not a decision: no look-ahead).
A real market has no hidden fair value, so the reference value of each trade is the mid when
it was made: "P&L at the mid" is what the trades gave away (or gained) against the market's
own view, after fees.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from domain.evaluation import Decision, StrategyResult
from domain.models import MarketResult
from infra.db.reading import open_for_reading
from infra.db.tables import ForecastRow
from infra.replay.recording import Recording
from infra.settings import Settings
from services.evaluation import score_strategies

SCENARIO = "replay"


def _forecasts(out: Path) -> dict[str, list[tuple[int, Decimal]]]:
    """ticker -> (cycle, probability) of every forecast the replay made, oldest first."""
    found: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    with open_for_reading(out) as db, db.read() as repo:
        rows = repo.connection.execute(
            select(ForecastRow.ticker, ForecastRow.cycle, ForecastRow.probability).order_by(
                ForecastRow.id
            )
        )
        for ticker, cycle, probability in rows:
            found[ticker].append((cycle, probability))
    return found


def decisions(recording: Recording, out: Path) -> list[Decision]:
    made = _forecasts(out)
    found = []
    for number, scan in enumerate(recording.scans, start=1):
        for candidate in scan.candidates:
            book = candidate.book
            if book.best_yes_bid is None or book.best_yes_ask is None:
                continue
            mid = (book.best_yes_bid + book.best_yes_ask) / 2
            earlier = [p for cycle, p in made.get(candidate.market.ticker, []) if cycle <= number]
            poly = candidate.polymarket
            found.append(
                Decision(
                    run=0,
                    cycle=number,
                    ticker=candidate.market.ticker,
                    event_ticker=candidate.market.event_ticker,
                    mutually_exclusive=None,
                    legs=0,
                    book=book,
                    mid=mid,
                    truth=mid,
                    polymarket=None if poly is None else poly.yes_price,
                    bot=earlier[-1] if earlier else None,
                )
            )
    return found


def against_baselines(settings: Settings, recording: Recording, out: Path) -> list[StrategyResult]:
    results = {
        (0, ticker): resolution.result is MarketResult.YES
        for ticker, resolution in recording.resolutions.items()
        if resolution.result in {MarketResult.YES, MarketResult.NO}
    }
    return score_strategies(settings, SCENARIO, decisions(recording, out), results)
