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
        spread = market.spread
        to_close = market.close_time - now
        last = last_analyzed.get(market.ticker)
        if not market.is_open:
            reasons["FILTER_NOT_OPEN"] += 1
        elif market.ticker in held:
            reasons["FILTER_ALREADY_HELD"] += 1
        elif market.volume < settings.min_volume:
            reasons["FILTER_LOW_VOLUME"] += 1
        elif spread is None:
            reasons["FILTER_NO_QUOTE"] += 1
        elif spread > settings.max_spread:
            reasons["FILTER_WIDE_SPREAD"] += 1
        elif not settings.min_time_to_close <= to_close <= settings.max_time_to_close:
            reasons["FILTER_CLOSE_TIME"] += 1
        elif last is not None and now - last < settings.cooldown:
            reasons["FILTER_COOLDOWN"] += 1
        else:
            kept.append(market)
    if settings.rank_by == "close_time":
        kept.sort(key=lambda m: (m.ticker not in preferred, m.close_time, m.ticker))
    else:
        kept.sort(key=lambda m: (m.ticker not in preferred, -m.volume, m.ticker))
    if len(kept) > settings.max_candidates:
        reasons["FILTER_CANDIDATE_CAP"] += len(kept) - settings.max_candidates
    return ScreenResult(
        selected=tuple(kept[: settings.max_candidates]), skipped=tuple(sorted(reasons.items()))
    )
