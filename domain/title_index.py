"""Which titles could link at all: a blocking index, so linking never compares every pair (pure).

Two titles are comparable when their numbers agree (the numbers of one all appear on the other,
and two different years conflict), they share a key (a word's first four letters: "temp" ~
"temperature"), and their days are close. The index files each entry by day under each key
with its exact set of numbers, and under each of its numbers, and answers exactly the
comparable entries without scanning the rest: those whose numbers are a subset of the query's
and that share a key, and those holding all of the query's numbers. The relation is
symmetric, so either side of a link can be the query.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

Day = int | None  # days since the epoch; None: no date, comparable with every day
MAX_SUBSET_NUMBERS = 10  # beyond this a query walks the number sets instead of its subsets


@dataclass(frozen=True, slots=True)
class Variant:
    """One wording of a title, as the index compares it."""

    words: frozenset[str]
    numbers: frozenset[str]  # other than years
    years: frozenset[str]
    keys: frozenset[str]  # what two comparable titles share one of

    @classmethod
    def of(cls, words: frozenset[str], numbers: frozenset[str], years: frozenset[str]) -> Variant:
        return cls(words, numbers, years, frozenset(word[:4] for word in words))


def comparable(a: Variant, b: Variant) -> bool:
    if a.years and b.years and a.years != b.years:
        return False
    if not (a.numbers <= b.numbers or b.numbers <= a.numbers):
        return False
    return not a.keys.isdisjoint(b.keys)


Postings = dict[Hashable, dict[Day, set[str]]]


def _file(postings: Postings, key: Hashable, day: Day, entry: str) -> None:
    postings.setdefault(key, {}).setdefault(day, set()).add(entry)


def _unfile(postings: Postings, key: Hashable, day: Day, entry: str) -> None:
    by_day = postings[key]
    by_day[day].discard(entry)
    if not by_day[day]:
        del by_day[day]
        if not by_day:
            del postings[key]


def _within(postings: Postings, key: Hashable, days: frozenset[Day] | None) -> Iterator[set[str]]:
    by_day = postings.get(key, {})
    if days is None:
        yield from by_day.values()
    else:
        yield from (by_day[day] for day in days if day in by_day)


class TitleIndex:
    """Entries (ids with their variants and day), filed for `comparable` look-ups."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[tuple[Variant, ...], Day]] = {}
        self._by_key: Postings = {}  # (key, exact set of numbers)
        self._by_number: Postings = {}

    def _filings(self, variants: tuple[Variant, ...]) -> Iterator[tuple[Postings, Hashable]]:
        """Where an entry is filed, each place once (two variants may share keys)."""
        by_key = {(key, variant.numbers) for variant in variants for key in variant.keys}
        yield from ((self._by_key, key) for key in by_key)
        numbers = {number for variant in variants for number in variant.numbers}
        yield from ((self._by_number, number) for number in numbers)

    def add(self, entry: str, variants: tuple[Variant, ...], day: Day) -> None:
        self.remove(entry)
        self.entries[entry] = (variants, day)
        for postings, key in self._filings(variants):
            _file(postings, key, day, entry)

    def remove(self, entry: str) -> None:
        if entry not in self.entries:
            return
        variants, day = self.entries.pop(entry)
        for postings, key in self._filings(variants):
            _unfile(postings, key, day, entry)

    def comparable(self, variants: Iterable[Variant], days: frozenset[Day] | None) -> set[str]:
        """Entries with a variant comparable to one of `variants`, filed on one of `days`
        (None: any day; an undated entry is on every day)."""
        if days is not None:
            days = days | {None}
        found: set[str] = set()
        for query in set(variants):
            for entry in self._blocked(query, days) - found:
                if any(comparable(query, mine) for mine in self.entries[entry][0]):
                    found.add(entry)
        return found

    def _blocked(self, query: Variant, days: frozenset[Day] | None) -> set[str]:
        """A superset of the entries comparable with `query`, without scanning the others."""
        blocked: set[str] = set()
        for numbers in self._subsets(query.numbers):  # entries whose numbers are all the query's
            for key in query.keys:
                blocked.update(*_within(self._by_key, (key, numbers), days))
        if query.numbers:
            holding = [self._by_number.get(number, {}) for number in query.numbers]  # all of them
            for day in holding[0] if days is None else days:
                sets = sorted((postings.get(day, set()) for postings in holding), key=len)
                blocked |= sets[0].intersection(*sets[1:])
        return blocked

    def _subsets(self, numbers: frozenset[str]) -> Iterator[frozenset[str]]:
        """Every subset of `numbers` (the empty one included) that some entry has."""
        if len(numbers) > MAX_SUBSET_NUMBERS:
            yield from {known for _, known in self._by_key if known <= numbers}
            return
        for size in range(len(numbers) + 1):
            yield from (frozenset(subset) for subset in combinations(sorted(numbers), size))
