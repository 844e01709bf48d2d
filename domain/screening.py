"""Which open markets are worth a forecast this cycle (pure: the Scanner supplies the inputs)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field

from domain.base import Frozen
from domain.models import Market


class ScreenSettings(Frozen):
    min_volume: Decimal = Field(default=Decimal(0), ge=0)
    max_spread: Decimal = Field(default=Decimal("0.10"), gt=0, le=1)
    min_time_to_close: timedelta = timedelta(minutes=5)
    max_time_to_close: timedelta = timedelta(days=30)
    cooldown: timedelta = timedelta(minutes=30)
    max_candidates: int = Field(default=25, ge=0)
    rank_by: Literal["close_time", "volume"] = "close_time"


class ScreenResult(Frozen):
    selected: tuple[Market, ...]
    skipped: tuple[tuple[str, int], ...]  # reason -> count


def _refusal(
    market: Market,
    now: datetime,
    settings: ScreenSettings,
    held: frozenset[str],
    last: datetime | None,
) -> str | None:
    """The first filter `market` fails, or None when it passes them all."""
    spread = market.spread
    to_close = market.close_time - now
    if not market.is_open:
        return "FILTER_NOT_OPEN"
    if market.is_combo:  # combos trade by request for quote, not on a book (part C #7)
        return "FILTER_COMBO"
    if market.ticker in held:
        return "FILTER_ALREADY_HELD"
    if market.volume < settings.min_volume:
        return "FILTER_LOW_VOLUME"
    if spread is None:
        return "FILTER_NO_QUOTE"
    if spread > settings.max_spread:
        return "FILTER_WIDE_SPREAD"
    if not settings.min_time_to_close <= to_close <= settings.max_time_to_close:
        return "FILTER_CLOSE_TIME"
    if last is not None and now - last < settings.cooldown:
        return "FILTER_COOLDOWN"
    return None


def screen(
    markets: Iterable[Market],
    now: datetime,
    settings: ScreenSettings,
    held: frozenset[str],
    last_analyzed: Mapping[str, datetime],
    preferred: frozenset[str] = frozenset(),
) -> ScreenResult:
    """Open, liquid, tight, closing in the window, not held, not analysed recently.

    The survivors are ranked `preferred` first (e.g. those with a second opinion), then by
    `rank_by` (soonest close: capital comes back sooner; or highest volume), then ticker for
    determinism, and capped.
    """
    reasons: Counter[str] = Counter()
    kept: list[Market] = []
    for market in markets:
        reason = _refusal(market, now, settings, held, last_analyzed.get(market.ticker))
        if reason is None:
            kept.append(market)
        else:
            reasons[reason] += 1
    if settings.rank_by == "close_time":
        kept.sort(key=lambda m: (m.ticker not in preferred, m.close_time, m.ticker))
    else:
        kept.sort(key=lambda m: (m.ticker not in preferred, -m.volume, m.ticker))
    if len(kept) > settings.max_candidates:
        reasons["FILTER_CANDIDATE_CAP"] += len(kept) - settings.max_candidates
    return ScreenResult(
        selected=tuple(kept[: settings.max_candidates]), skipped=tuple(sorted(reasons.items()))
    )
