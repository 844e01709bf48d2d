"""Each market's fee schedule, read from the venue once per run and cached.

A market pays its event's override if the event has one (A5.6 `fee_type_override`,
`fee_multiplier_override`), else its series' `fee_type` and `fee_multiplier` (A5.15 series,
A7 per-series fee types). Schedules change rarely and are announced ahead (A4), so a run reads
each series and event once; a restart reads them again. A failed read is not cached: the next
cycle asks again. A fee type the project does not know fails the parse (`infra.kalshi.wire`),
so no market of that series is ever sized: the bot fails closed rather than guess a fee.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from domain.fees import FeeSchedule
from infra.kalshi.errors import MalformedResponse
from infra.kalshi.models import KalshiEvent, KalshiSeries


class FeeSchedules:
    def __init__(
        self,
        get_event: Callable[[str], KalshiEvent],
        get_series: Callable[[str], KalshiSeries],
    ) -> None:
        self._get_event = get_event
        self._get_series = get_series
        self._events: dict[str, KalshiEvent] = {}
        self._series: dict[str, KalshiSeries] = {}
        self._lock = threading.Lock()

    def of_event(self, event_ticker: str) -> FeeSchedule:
        """The schedule of the event's markets; raises the client's errors when unreadable."""
        with self._lock:
            event = self._events.get(event_ticker)
        if event is None:
            event = self._get_event(event_ticker).model_copy(update={"markets": ()})
            if not event.series_ticker:
                endpoint = f"GET /events/{event_ticker}"
                raise MalformedResponse(endpoint, "series_ticker", "no series: no fee schedule")
            with self._lock:
                self._events[event_ticker] = event
        with self._lock:
            series = self._series.get(event.series_ticker)
        if series is None:
            series = self._get_series(event.series_ticker)
            with self._lock:
                self._series[event.series_ticker] = series
        return series.fees(event)
