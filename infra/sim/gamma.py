"""Polymarket Gamma twins: catalogue entries linked to Kalshi markets, plus decoys.

Linked markets ask the same question in Polymarket's words, end within a day of the Kalshi close,
and price the same hidden fair value with the scenario's errors (`infra.sim.pricing`): by default
they copy Kalshi's view plus a little noise, as arbitraged venues do. Decoys are unrelated binary
questions and a few three-outcome markets that binary-only clients must skip.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from infra.sim.catalog import DAY, HOUR
from infra.sim.models import EventState, MarketState
from infra.sim.pricing import NOISE_LOGIT, PriceModel, logistic, logit, polymarket_error
from infra.sim.quotes import logit_error, truth
from infra.sim.rng import normalish, unit

GAMMA_FIRST_ID = 500_001
_PRICE_PLACES = Decimal("0.001")
_GAMMA_NOISE = 0.02
_LINK_SALT = 0x6A11
_LINKED_EVENT_BASE = 30_000
_DECOY_EVENT_BASE = 90_000
_UNRELATED = (
    "Will SpaceX launch Starship again by {day}?",
    "Will a new Taylor Swift album be announced by {day}?",
    "Will the Louvre close for a strike by {day}?",
    "Will OpenAI release a new flagship model by {day}?",
    "Will gold close above $3,000 on {day}?",
    "Will the Lakers sign a free agent by {day}?",
)
_MULTI = (
    ("Who will win the Grand Prix on {day}?", ("Verstappen", "Norris", "Other")),
    ("Which party wins the special election on {day}?", ("Democratic", "Republican", "Other")),
    ("Best Picture frontrunner on {day}?", ("Film A", "Film B", "Film C")),
)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return f"{moment.strftime('%B')} {moment.day}"


def _price(p: float) -> Decimal:
    return Decimal(repr(min(0.999, max(0.001, p)))).quantize(_PRICE_PLACES, ROUND_HALF_EVEN)


def _num(amount: Decimal) -> float:
    """Gamma sends these as JSON numbers; this is the wire boundary."""
    return float(amount)


@dataclass(slots=True)
class GammaMarket:
    id: int
    question: str
    condition_id: str
    question_id: str
    slug: str
    outcomes: tuple[str, ...]
    token_ids: tuple[str, ...]
    linked_ticker: str | None
    probabilities: tuple[float, ...]
    seed: int
    created_ts: float
    end_ts: float
    volume: Decimal
    liquidity: Decimal
    event: dict[str, str]


class GammaBook:
    """All Gamma markets, in id order (the keyset order)."""

    def __init__(self, seed: int, link_fraction: float, model: PriceModel) -> None:
        self._seed = seed
        self._link_fraction = link_fraction
        self._model = model
        self.markets: list[GammaMarket] = []
        self.by_ticker: dict[str, GammaMarket] = {}

    def _hex(self, *parts: object) -> str:
        return hashlib.sha256(":".join(map(str, (self._seed, *parts))).encode()).hexdigest()

    def _new(
        self,
        question: str,
        outcomes: tuple[str, ...],
        probabilities: tuple[float, ...],
        created_ts: float,
        end_ts: float,
        event_title: str,
        linked: str | None,
    ) -> GammaMarket:
        market_id = GAMMA_FIRST_ID + len(self.markets)
        seed = int(self._hex("seed", market_id)[:15], 16)
        slug = f"{slugify(question)}-{market_id}"
        event_slug = slugify(event_title)
        market = GammaMarket(
            id=market_id,
            question=question,
            condition_id="0x" + self._hex("condition", market_id),
            question_id="0x" + self._hex("question", market_id),
            slug=slug,
            outcomes=outcomes,
            token_ids=tuple(
                str(int(self._hex("token", market_id, i), 16) >> 3) for i in range(len(outcomes))
            ),
            linked_ticker=linked,
            probabilities=probabilities,
            seed=seed,
            created_ts=created_ts,
            end_ts=end_ts,
            volume=Decimal(int(unit(seed, 1) * 2_000_000)) / 100,
            liquidity=Decimal(int(unit(seed, 2) * 500_000)) / 100,
            event={
                "id": str(_DECOY_EVENT_BASE + market_id - GAMMA_FIRST_ID),
                "slug": event_slug,
                "title": event_title,
                "ticker": event_slug,
            },
        )
        self.markets.append(market)
        if linked:
            self.by_ticker[linked] = market
        return market

    def maybe_link(self, market: MarketState, event: EventState) -> None:
        """Give a Kalshi market a Gamma twin for a seeded share of markets."""
        if unit(self._seed, market.seq, _LINK_SALT) >= self._link_fraction:
            return
        shift = (unit(self._seed, market.seq, _LINK_SALT + 1) - 0.5) * DAY  # within +-12 h
        twin = self._new(
            market.poly_question,
            ("Yes", "No"),
            (market.probability,),
            market.created_ts,
            max(market.close_ts + shift, market.created_ts + HOUR),
            event.title,
            market.ticker,
        )
        twin.event["id"] = str(_LINKED_EVENT_BASE + event.seq)

    def add_decoys(
        self, count: int, start_ts: float, draw: Callable[[float, float], float]
    ) -> None:
        """Unrelated binary questions and a few three-outcome markets."""
        for i in range(count):
            end = start_ts + draw(2 * HOUR, 9 * DAY)
            if i % 3 == 2:
                question, outcomes = _MULTI[i % len(_MULTI)]
                weights = [draw(0.1, 1.0) for _ in outcomes]
                total = sum(weights)
                probabilities = tuple(w / total for w in weights)
            else:
                question, outcomes = _UNRELATED[i % len(_UNRELATED)], ("Yes", "No")
                probabilities = (draw(0.05, 0.95),)
            text = question.format(day=_day(end))
            self._new(text, outcomes, probabilities, start_ts - DAY, end, text, None)

    # -- pricing and JSON ------------------------------------------------------------------

    def prices(self, market: GammaMarket, kalshi: MarketState | None, epoch: int) -> list[Decimal]:
        if kalshi is not None and kalshi.result:
            return [Decimal(1), Decimal(0)] if kalshi.result == "yes" else [Decimal(0), Decimal(1)]
        if kalshi is not None:
            first = _price(self.linked_probability(market, kalshi, epoch))
            return [first, Decimal(1) - first]
        noise = normalish(market.seed, epoch // 30) * _GAMMA_NOISE
        if len(market.outcomes) == 2:
            first = _price(market.probabilities[0] + noise)
            return [first, Decimal(1) - first]
        head = [_price(p) for p in market.probabilities[:-1]]
        return [*head, Decimal(1) - sum(head, Decimal(0))]

    def linked_probability(self, market: GammaMarket, kalshi: MarketState, epoch: int) -> float:
        """The fair value in log-odds + rho x Kalshi's log-odds error (its bias and its maker's
        noise) + Polymarket's own error (infra.sim.pricing): rho = 1 copies Kalshi's view."""
        model = self._model
        fair = truth(kalshi, epoch)
        copied = model.noise_correlation * logit_error(kalshi, epoch)
        own = 0.0
        if model.polymarket_noise and kalshi.path is not None:
            ts = epoch * kalshi.path.epoch_seconds
            error = polymarket_error(market.seed, kalshi.created_ts, kalshi.close_ts, ts)
            own = NOISE_LOGIT * model.polymarket_noise * error
        return logistic(logit(fair) + copied + own)

    def is_closed(self, market: GammaMarket, kalshi: MarketState | None, now_ts: float) -> bool:
        if kalshi is not None:
            return not kalshi.status.listed_open
        return now_ts >= market.end_ts

    def to_json(
        self, market: GammaMarket, kalshi: MarketState | None, now_ts: float, epoch: int
    ) -> dict[str, Any]:
        closed = self.is_closed(market, kalshi, now_ts)
        prices = self.prices(market, kalshi, epoch)
        first = prices[0]
        best_bid = max(Decimal("0.001"), first - Decimal("0.005"))
        best_ask = min(Decimal("0.999"), first + Decimal("0.005"))
        return {
            "id": str(market.id),
            "question": market.question,
            "conditionId": market.condition_id,
            "questionID": market.question_id,
            "slug": market.slug,
            "description": f"This market resolves according to: {market.question}",
            "category": "",
            "image": "",
            "icon": "",
            "resolutionSource": "",
            "groupItemTitle": "",
            "outcomes": json.dumps(list(market.outcomes)),
            "outcomePrices": json.dumps([f"{p.normalize():f}" for p in prices]),
            "clobTokenIds": json.dumps(list(market.token_ids)),
            "volume": f"{market.volume:f}",
            "liquidity": f"{market.liquidity:f}",
            "volumeNum": _num(market.volume),
            "liquidityNum": _num(market.liquidity),
            "volume24hr": _num(market.volume / 10),
            "volumeClob": _num(market.volume),
            "liquidityClob": _num(market.liquidity),
            "bestBid": _num(best_bid),
            "bestAsk": _num(best_ask),
            "lastTradePrice": _num(first),
            "spread": _num(best_ask - best_bid),
            "oneDayPriceChange": 0,
            "startDate": iso(market.created_ts),
            "endDate": iso(market.end_ts),
            "createdAt": iso(market.created_ts),
            "updatedAt": iso(min(now_ts, market.end_ts)),
            "startDateIso": iso(market.created_ts)[:10],
            "endDateIso": iso(market.end_ts)[:10],
            "closedTime": iso(market.end_ts) if closed else None,
            "active": True,
            "closed": closed,
            "archived": False,
            "restricted": True,
            "featured": False,
            "new": False,
            "acceptingOrders": not closed,
            "enableOrderBook": True,
            "negRisk": False,
            "orderPriceMinTickSize": 0.01,
            "orderMinSize": 5,
            "marketType": "normal",
            "umaResolutionStatus": "resolved" if closed else "",
            "events": [dict(market.event)],
        }
