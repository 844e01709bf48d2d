"""The forecasting prompt (pure text). Bump PROMPT_VERSION whenever the wording changes:
the scorecard and the cache keep versions apart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.messages import Candidate
from domain.models import Forecast

PROMPT_VERSION = "v1"

SYSTEM = (
    "You are a careful forecaster for binary prediction markets. Estimate the probability "
    "that the market resolves YES, using the rules exactly as written and what you know. "
    "Market prices are other traders' opinions, not facts: weigh them, do not copy them. "
    "Answer with one JSON object and nothing else: "
    '{"probability": "<decimal between 0 and 1>", "confidence": "<decimal between 0 and 1>", '
    '"rationale": "<at most three sentences>"}'
)


def _price(value: object) -> str:
    return "none" if value is None else f"${value}"


def _time_left(close: datetime, now: datetime) -> str:
    seconds = int((close - now).total_seconds())
    if seconds <= 0:
        return "closed"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    return f"{days}d {hours}h {rest // 60}m" if days else f"{hours}h {rest // 60}m"


TICKER_LINE = "Ticker: "


def prompt_ticker(user: str) -> str | None:
    """The market a user prompt is about, from its `Ticker:` line (None if it has none)."""
    for line in user.splitlines():
        if line.startswith(TICKER_LINE):
            return line.removeprefix(TICKER_LINE).split(" ", 1)[0]
    return None


def build_prompt(
    candidate: Candidate, now: datetime, history: Sequence[Forecast] = ()
) -> tuple[str, str]:
    """(system, user) messages for one market."""
    market, book = candidate.market, candidate.book
    spread = (
        book.best_yes_ask - book.best_yes_bid
        if book.best_yes_ask is not None and book.best_yes_bid is not None
        else None
    )
    lines = [
        f"Market: {market.title or market.ticker}",
        f"{TICKER_LINE}{market.ticker} (event {market.event_ticker})",
    ]
    if market.subtitle:
        lines.append(f"Subtitle: {market.subtitle}")
    lines += [
        f"Rules: {market.rules or 'not given'}",
        f"Closes: {market.close_time:%Y-%m-%d %H:%M} UTC ({_time_left(market.close_time, now)}"
        " from now)",
        f"Kalshi YES bid {_price(book.best_yes_bid)}, YES ask {_price(book.best_yes_ask)},"
        f" spread {_price(spread)}, last trade {_price(market.last_price)},"
        f" volume {market.volume} contracts",
    ]
    if candidate.polymarket_price is not None:
        lines.append(
            f"Polymarket's linked market trades YES at {_price(candidate.polymarket_price)}"
            f" (link confidence {candidate.link_confidence})"
        )
    else:
        lines.append("No linked Polymarket market.")
    if history:
        lines.append("Your earlier forecasts for this market (newest last):")
        lines += [
            f"- {f.made_at:%Y-%m-%d %H:%M} UTC: {f.probability} ({f.rationale[:200]})"
            for f in history[-3:]
        ]
    lines.append(f"Now: {now:%Y-%m-%d %H:%M} UTC. Give your JSON answer.")
    return SYSTEM, "\n".join(lines)
