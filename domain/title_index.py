"""Which texts could link at all: a blocking index, so linking never compares every pair (pure).

Two texts are comparable when their numbers agree (the numbers of one all appear on the other,
and two different years conflict) and they share a key (a word's first four letters: "temp" ~
"temperature"). The index files each entry under each key with its exact set of numbers,
under each of its numbers and under each key alone, and answers exactly the comparable entries
without scanning the rest: those whose numbers are a subset of the query's and that share a
key, and those holding all of the query's numbers and a key of its keys. The relation is
symmetric, so either side of a link can be the query. Entries are distinct texts, not markets:
a ladder of markets worded alike is one entry.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

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


Postings = dict[Hashable, set[Hashable]]


def _unfile(postings: Postings, key: Hashable, entry: Hashable) -> None:
    entries = postings[key]
    entries.discard(entry)
    if not entries:
        del postings[key]


class TitleIndex:
    """Entries (texts, with their variants), filed for `comparable` look-ups."""

    def __init__(self) -> None:
        self.entries: dict[Hashable, tuple[Variant, ...]] = {}
        self._by_key: Postings = {}  # (key, exact set of numbers)
        self._by_number: Postings = {}
        self._by_key_alone: Postings = {}

    def _filings(self, variants: tuple[Variant, ...]) -> Iterator[tuple[Postings, Hashable]]:
        """Where an entry is filed, each place once (two variants may share keys)."""
        by_key = {(key, variant.numbers) for variant in variants for key in variant.keys}
        yield from ((self._by_key, key) for key in by_key)
        numbers = {number for variant in variants for number in variant.numbers}
        yield from ((self._by_number, number) for number in numbers)
        keys = {key for variant in variants for key in variant.keys}
        yield from ((self._by_key_alone, key) for key in keys)

    def add(self, entry: Hashable, variants: tuple[Variant, ...]) -> None:
        self.remove(entry)
        self.entries[entry] = variants
        for postings, key in self._filings(variants):
            postings.setdefault(key, set()).add(entry)

    def remove(self, entry: Hashable) -> None:
        if entry not in self.entries:
            return
        for postings, key in self._filings(self.entries.pop(entry)):
            _unfile(postings, key, entry)

    def comparable(self, variants: Iterable[Variant]) -> set[Hashable]:
        """Entries with a variant comparable to one of `variants`."""
        found: set[Hashable] = set()
        for query in set(variants):
            for entry in self._blocked(query) - found:
                if any(comparable(query, mine) for mine in self.entries[entry]):
                    found.add(entry)
        return found

    def _blocked(self, query: Variant) -> set[Hashable]:
        """A superset of the entries comparable with `query`, without scanning the others."""
        blocked: set[Hashable] = set()
        for numbers in self._subsets(query.numbers):  # entries whose numbers are all the query's
            for key in query.keys:
                blocked.update(self._by_key.get((key, numbers), ()))
        if query.numbers:  # entries holding all of them, with a key of the query's
            sets = sorted((self._by_number.get(number, set()) for number in query.numbers), key=len)
            holding = sets[0].intersection(*sets[1:])
            for key in query.keys if holding else ():
                blocked |= holding.intersection(self._by_key_alone.get(key, ()))
        return blocked

    def _subsets(self, numbers: frozenset[str]) -> Iterator[frozenset[str]]:
        """Every subset of `numbers` (the empty one included) that some entry may have."""
        if len(numbers) > MAX_SUBSET_NUMBERS:
            yield from {known for _, known in self._by_key if known <= numbers}
            return
        for size in range(len(numbers) + 1):
            yield from (frozenset(subset) for subset in combinations(sorted(numbers), size))
