"""What the venues sent that the bot read past, counted where a health check can read it.

A value a parser does not know (a new market status, say) must not break a record unless the
field is money-critical. When a parser reads past one, it reports it here. The first sighting
of each (venue, field, value) is logged as a warning, and every sighting is counted, so a
venue that drifts from the shapes the bot knows shows up as a number, not as silence.
`summary()` is what the Scanner keeps as its health note, which `status` shows.
"""

from __future__ import annotations

import threading
from collections import Counter

from loguru import logger


class UnknownValues:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def note(self, venue: str, field: str, value: object, meaning: str) -> None:
        """`field` had `value`, which the bot does not know; `meaning` is what it took it for."""
        key = (venue, field, str(value)[:60])
        with self._lock:
            first = key not in self._counts
            self._counts[key] += 1
        if first:
            logger.warning(
                "{} sent {} = {!r}, a value this bot does not know: read as {} "
                "(logged once; counted in infra.unknown_values)",
                venue,
                field,
                key[2],
                meaning,
            )

    def counts(self) -> dict[str, int]:
        """`"venue field=value": sightings`, for every unknown value seen in this process."""
        with self._lock:
            return {f"{v} {f}={value}": n for (v, f, value), n in sorted(self._counts.items())}

    def summary(self) -> str | None:
        """One line for the scanner's health (`status` shows it), or None when all was known."""
        counts = self.counts()
        if not counts:
            return None
        seen = ", ".join(f"{value} x{n}" for value, n in counts.items())
        return f"read past {sum(counts.values())} value(s) this bot does not know: {seen}"

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


UNKNOWN_VALUES = UnknownValues()  # one per process: every parser reports here
