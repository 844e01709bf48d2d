"""Markets worded alike, ordered by close time (pure).

The venues list ladders of markets whose normalised texts are identical (the same city, strike
and day, in events hours apart). Linking keeps each such ladder as one group: a market's best
partners in a group are those closing nearest to it, found by bisection, so no pair of a ladder
is ever enumerated.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

Stamp = int | None  # microseconds since the epoch; None: no date
Candidate = tuple[int | None, str]  # the gap between close times in microseconds (None: no date)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def stamp(moment: datetime | None) -> Stamp:
    return None if moment is None else (moment - _EPOCH) // _MICROSECOND


@dataclass(slots=True)
class TextGroup:
    """One side's markets with one normalised text, each with its close time (or None)."""

    members: dict[str, Stamp] = field(default_factory=dict)
    _stamps: list[int] = field(default_factory=list)  # the dated members' times, ascending
    _keys: list[str] = field(default_factory=list)  # and their ids, in the same order
    _undated: list[str] = field(default_factory=list)
    _sorted: bool = True

    def put(self, key: str, when: Stamp) -> None:
        self.members[key] = when
        self._sorted = False

    def discard(self, key: str) -> None:
        del self.members[key]
        self._sorted = False

    def _sort(self) -> None:
        dated = sorted((when, key) for key, when in self.members.items() if when is not None)
        self._stamps = [when for when, _ in dated]
        self._keys = [key for _, key in dated]
        self._undated = sorted(key for key, when in self.members.items() if when is None)
        self._sorted = True

    def nearest(self, when: Stamp, window: int) -> list[Candidate]:
        """The two dated members closing nearest `when` and within `window` microseconds of
        it (ties by id), and two undated members by id. For no `when`, two members by id,
        with no gap."""
        if not self._sorted:
            self._sort()
        if when is None:
            return [(None, key) for key in heapq.nsmallest(2, self.members)]
        stamps, keys = self._stamps, self._keys
        right = bisect_left(stamps, when)
        found = [
            (abs(stamps[index] - when), keys[index])
            for index in range(max(0, right - 2), min(len(stamps), right + 2))
        ]
        found.sort()
        return [c for c in found[:2] if c[0] <= window] + [(None, k) for k in self._undated[:2]]
