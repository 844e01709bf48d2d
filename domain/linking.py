"""Linking Polymarket markets to Kalshi markets (pure, deterministic).

Configured pairs (Kalshi ticker -> Polymarket id or slug) always win. Every other pair that
could link at all (domain.title_index: numbers that agree, a shared word; close dates within
`max_close_gap`) is scored by title similarity (normalised tokens; the mean of a token-set and a
token-sort ratio, rapidfuzz's exact Indel ratio) and close-date proximity. A pair links when its
score reaches the threshold and each of its markets is the other's best candidate by the
ambiguity margin, so links are one-to-one and a tie is never a link; the same inputs always
give the same links.

A Linker keeps its work from cycle to cycle (see Linker), and a fresh Linker gives what
link_markets gives."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import AwareDatetime, Field
from rapidfuzz.distance import Indel

from domain.base import Frozen
from domain.models import Count, Market, Probability
from domain.money import ONE, ZERO
from domain.text_groups import Stamp, TextGroup, stamp
from domain.title_index import TitleIndex, Variant

SCORE_QUANTUM = Decimal("0.0001")


class PolymarketMarket(Frozen):
    """A binary Polymarket market as Gamma lists it (prices are dollars per share, 0..1)."""

    id: str
    question: str
    condition_id: str = ""
    slug: str = ""
    # None: no opinion (a closed or resolved market, or prices that are no probabilities of
    # one question: infra.polymarket.wire); never a live price then.
    yes_price: Probability | None = None
    no_price: Probability | None = None
    yes_token_id: str = ""
    no_token_id: str = ""
    best_bid: Decimal | None = None  # Gamma's cached YES top of book; may lag the CLOB
    best_ask: Decimal | None = None
    volume: Count = ZERO
    liquidity: Decimal | None = None
    end_date: AwareDatetime | None = None
    active: bool = False
    closed: bool = False
    event_titles: tuple[str, ...] = ()
    event_slugs: tuple[str, ...] = ()


class LinkMethod(StrEnum):
    CONFIGURED = "configured"
    MATCHED = "matched"


class MarketLink(Frozen):
    kalshi_ticker: str
    polymarket_id: str
    confidence: Probability
    method: LinkMethod
    title_score: Probability | None = None
    close_gap: timedelta | None = None


def is_opinion(link: MarketLink, min_confidence: Decimal) -> bool:
    """Whether a link's price may be a second opinion: configured by hand, or matched with at
    least `min_confidence`. A doubtful match is too often another question's price (on the
    simulator the links to the wrong twin are the least confident ones: issue 22), and a
    wrong price weighed as evidence is worse than none."""
    return link.method is LinkMethod.CONFIGURED or link.confidence >= min_confidence


class LinkConfig(Frozen):
    threshold: Probability = Decimal("0.8")
    max_close_gap: timedelta = timedelta(hours=48)
    title_weight: Probability = Decimal("0.8")  # the rest is date proximity
    missing_date_score: Probability = Decimal("0.5")  # when Polymarket gives no end date
    include_closed: bool = False
    # A match must beat every rival (for its Kalshi market and for its Polymarket market)
    # by this much; near-ties are ambiguous and left unlinked, and a tie always is.
    ambiguity_margin: Probability = Field(Decimal("0.03"), gt=0)


class LinkConfigError(ValueError):
    """The configured pairs contradict each other."""


# ------------------------------------------------------------------------- normalising

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "will",
        "be",
        "is",
        "are",
        "was",
        "were",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "to",
        "and",
        "or",
        "do",
        "does",
        "did",
        "what",
        "who",
        "which",
        "it",
        "its",
        "this",
        "that",
        "with",
        "as",
        "from",
        "into",
        "than",
        "there",
        "their",
        "any",
        "market",
        "question",
    ]
)
_MONTHS = {
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}
# Dates are compared as numbers: sharing only a month says nothing of the subject.
_MONTH_NAMES = frozenset(_MONTHS.values()) | {"may"}
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NON_WORD = re.compile(r"[^a-z0-9.]+")
_STRAY_DOT = re.compile(r"(?<![0-9])\.|\.(?![0-9])")
_DIGIT_LETTER = re.compile(r"(?<=[0-9])(?=[a-z])|(?<=[a-z])(?=[0-9])")
_MAGNITUDE = re.compile(r"([0-9]+(?:\.[0-9]+)?)([km])")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_YEAR = re.compile(r"(19|20)[0-9]{2}")
_MULTIPLIERS = {"k": Decimal(1000), "m": Decimal(1_000_000)}
LEXICAL_WEIGHT = Decimal("0.4")  # the rest is token overlap


def _expand_magnitude(word: str) -> str:
    """ "100k" -> "100000", "1.5m" -> "1500000"; other words unchanged."""
    match = _MAGNITUDE.fullmatch(word)
    if match is None:
        return word
    value = Decimal(match.group(1)) * _MULTIPLIERS[match.group(2)]
    return f"{value.normalize():f}"


def _stem(token: str) -> str:
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


@lru_cache(maxsize=1 << 17)
def normalise(text: str) -> tuple[str, ...]:
    """Lower-case ASCII tokens without punctuation, units or stopwords.

    "$100,000" and "100k" both become "100000"; "Oct" becomes "october"; "60°F" becomes
    "60"; a plural "rates" becomes "rate". Texts joined by a space normalise to the two
    tuples joined. Cached: a venue words many markets alike.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    lowered = _THOUSANDS.sub("", ascii_text.lower())
    spaced = _STRAY_DOT.sub(" ", _NON_WORD.sub(" ", lowered))
    return tuple(token for word in spaced.split() for token in _word_tokens(word))


@lru_cache(maxsize=1 << 16)
def _word_tokens(word: str) -> tuple[str, ...]:
    """One word's tokens (a number and its unit are two); cached, as words repeat."""
    tokens: list[str] = []
    for piece in _DIGIT_LETTER.split(_expand_magnitude(word)):
        token = _MONTHS.get(piece, piece)
        if len(token) < 2 and not token.isdigit():
            continue  # units and initials: "f", "c", "x"
        if token not in STOPWORDS:
            tokens.append(token if _NUMBER.fullmatch(token) else _stem(token))
    return tuple(tokens)


def _ratio(a: str, b: str) -> Decimal:
    """2 * the longest common subsequence's length / total characters, exactly."""
    total = len(a) + len(b)
    if total == 0:
        return ONE
    return Decimal(total - Indel.distance(a, b)) / Decimal(total)


def token_sort_ratio(a: Sequence[str], b: Sequence[str]) -> Decimal:
    return _ratio(" ".join(sorted(a)), " ".join(sorted(b)))


def token_set_ratio(a: Sequence[str], b: Sequence[str]) -> Decimal:
    """Shared tokens compared with each side's full set (high when one contains the other)."""
    set_a, set_b = set(a), set(b)
    common = " ".join(sorted(set_a & set_b))
    only_a = " ".join(sorted(set_a - set_b))
    only_b = " ".join(sorted(set_b - set_a))
    with_a = f"{common} {only_a}".strip()
    with_b = f"{common} {only_b}".strip()
    if not common:
        return _ratio(with_a, with_b)
    return max(_ratio(common, with_a), _ratio(common, with_b), _ratio(with_a, with_b))


def _prefix_match(a: str, b: str) -> bool:
    """Two different words alike: "temp" ~ "temperature" (4 letters at least)."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 4 and long.startswith(short)


def token_overlap(a: Sequence[str], b: Sequence[str]) -> Decimal:
    """Jaccard similarity of the token sets, where a 4+ letter prefix counts as a match
    (for a word not matched exactly; numbers match only exactly)."""
    a, b = tuple(a), tuple(b)
    left, right = set(a), set(b)
    matched = len(left & right)
    numbers = _numbers(a)[2] | _numbers(b)[2]
    unmatched = sorted(right - left - numbers)
    for token in sorted(left - right - numbers) if unmatched else ():
        for index, other in enumerate(unmatched):
            if _prefix_match(token, other):
                matched += 1
                del unmatched[index]
                break
    union = len(left) + len(right) - matched
    return Decimal(matched) / Decimal(union) if union else ONE


@lru_cache(maxsize=65_536)
def _numbers(tokens: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(years, other numbers, all numbers) among `tokens`; cached, as each title meets many
    others."""
    numbers = frozenset(token for token in tokens if _NUMBER.fullmatch(token))
    years = frozenset(token for token in numbers if _YEAR.fullmatch(token))
    return years, numbers - years, numbers


def _numbers_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Strikes, dates and years must not conflict: "above 60" is not "above 70".

    The numbers of one side must all appear on the other (a title may leave out a time of
    day or a year the other names), and two different years always conflict.
    """
    years_a, rest_a, _ = _numbers(a)
    years_b, rest_b, _ = _numbers(b)
    if years_a and years_b and years_a != years_b:
        return False
    return rest_a <= rest_b or rest_b <= rest_a


def title_similarity(a: Sequence[str], b: Sequence[str], floor: Decimal = ZERO) -> Decimal:
    """0 unless the numbers agree; else a blend of difflib ratios and token overlap.

    With a `floor`, a pair that cannot reach it returns 0 without the lexical step.
    """
    a, b = tuple(a), tuple(b)
    if not a or not b or not _numbers_agree(a, b):
        return ZERO
    years_a, years_b = _numbers(a)[0], _numbers(b)[0]
    if not (years_a and years_b):  # a year on one side only: compare without it
        a = tuple(token for token in a if token not in years_a) or a
        b = tuple(token for token in b if token not in years_b) or b
    overlap = (ONE - LEXICAL_WEIGHT) * token_overlap(a, b)
    if LEXICAL_WEIGHT + overlap < floor:
        return ZERO
    lexical = (token_set_ratio(a, b) + token_sort_ratio(a, b)) / 2
    return (LEXICAL_WEIGHT * lexical + overlap).quantize(SCORE_QUANTUM)


# ----------------------------------------------------------------------------- scoring

Titles = tuple[tuple[str, ...], ...]  # a market's normalised wordings


def _kalshi_text(market: Market) -> tuple[str, str]:
    return market.title, market.subtitle


@lru_cache(maxsize=1 << 17)
def _kalshi_titles(text: tuple[str, str]) -> Titles:
    """A Kalshi market's wordings: its title, and its title with its subtitle."""
    title, subtitle = text
    titles = [normalise(title)]
    if subtitle:
        titles.append(titles[0] + normalise(subtitle))
    return tuple(wording for wording in titles if wording)


@lru_cache(maxsize=1 << 17)
def _poly_titles(question: str) -> Titles:
    return (normalise(question),)


def _date_score(gap: timedelta | None, config: LinkConfig) -> Decimal:
    if gap is None:
        return config.missing_date_score
    seconds = Decimal(int(gap.total_seconds()))
    limit = Decimal(int(config.max_close_gap.total_seconds()))
    return ONE - seconds / limit if limit else ONE


def _confidence(title: Decimal, gap: timedelta | None, config: LinkConfig) -> Decimal:
    weighted = config.title_weight * title + (ONE - config.title_weight) * _date_score(gap, config)
    return min(ONE, max(ZERO, weighted.quantize(SCORE_QUANTUM)))


@lru_cache(maxsize=1 << 18)
def _title_score(kalshi_titles: Titles, poly_titles: Titles, floor: Decimal) -> Decimal:
    """The best similarity of a Kalshi market's titles with a question (0 if below `floor`)."""
    return max(
        (title_similarity(k, p, floor) for k in kalshi_titles for p in poly_titles), default=ZERO
    )


def score_pair(
    kalshi: Market, poly: PolymarketMarket, config: LinkConfig | None = None
) -> MarketLink | None:
    """The matched link for one pair, or None when their close dates are too far apart."""
    config = config or LinkConfig()
    gap = abs(kalshi.close_time - poly.end_date) if poly.end_date is not None else None
    if gap is not None and gap > config.max_close_gap:
        return None
    title = _title_score(_kalshi_titles(_kalshi_text(kalshi)), _poly_titles(poly.question), ZERO)
    return MarketLink(
        kalshi_ticker=kalshi.ticker,
        polymarket_id=poly.id,
        confidence=_confidence(title, gap, config),
        method=LinkMethod.MATCHED,
        title_score=title,
        close_gap=gap,
    )


# ----------------------------------------------------------------------------- linking


def _configured_links(
    kalshi: Mapping[str, Market],
    polys: Mapping[str, PolymarketMarket],
    configured: Mapping[str, str],
) -> list[MarketLink]:
    if not configured:
        return []
    by_slug = {poly.slug: poly for poly in polys.values() if poly.slug}
    owner: dict[str, str] = {}
    links = []
    for ticker in sorted(configured):
        reference = configured[ticker]
        poly = polys.get(reference) or by_slug.get(reference)
        if poly is None or ticker not in kalshi:
            continue  # one side is not listed right now: nothing to link
        if poly.id in owner:
            raise LinkConfigError(
                f"Polymarket market {reference!r} is configured for both "
                f"{owner[poly.id]} and {ticker}"
            )
        owner[poly.id] = ticker
        links.append(
            MarketLink(
                kalshi_ticker=ticker,
                polymarket_id=poly.id,
                confidence=ONE,
                method=LinkMethod.CONFIGURED,
            )
        )
    return links


def link_markets(
    kalshi_markets: Iterable[Market],
    polymarket_markets: Iterable[PolymarketMarket],
    configured: Mapping[str, str] | None = None,
    config: LinkConfig | None = None,
) -> tuple[MarketLink, ...]:
    """One-to-one links, configured first, then matched at or above `config.threshold`.

    Returned sorted by Kalshi ticker. Raises LinkConfigError if two configured tickers
    name the same Polymarket market.
    """
    return Linker(configured, config).link(kalshi_markets, polymarket_markets)


# ------------------------------------------------------------------------ incremental

Item = TypeVar("Item", Market, PolymarketMarket)
_MICROSECOND = timedelta(microseconds=1)


def _variant(tokens: tuple[str, ...]) -> Variant:
    years, numbers, _ = _numbers(tokens)
    return Variant.of(frozenset(tokens) - years - numbers - _MONTH_NAMES, numbers, years)


class _Rank(NamedTuple):
    """A market's best partner on the other side, and the runner-up (exact keys, as
    _Scale gives them)."""

    key: int
    other: str
    title: Decimal
    gap: int | None
    runner_up_key: int | None
    runner_up: str
    runner_up_title: Decimal
    runner_up_gap: int | None


class _Changes(NamedTuple):
    """What changed in one text's group: the ids that left it (gone, reworded, or moved in
    time) and those that arrived, with their close times (a moved one is both)."""

    left: set[str]
    arrived: list[tuple[str, Stamp]]


class _Pair(NamedTuple):
    """Two texts' title score, and a pair's key (_Scale) with no gap and with no date."""

    title: Decimal
    at_zero: int
    undated: int


class _Scale:
    """A pair's confidence before rounding (`_confidence`) times a common denominator: an
    exact integer, so comparing two candidates costs a few integer operations."""

    def __init__(self, config: LinkConfig) -> None:
        self._config = config
        self._date_weight = ONE - config.title_weight
        limit = max(1, int(config.max_close_gap.total_seconds()))
        # Every part of a confidence has a denominator dividing this (a title score has four
        # decimal places; a date score's is the gap limit in seconds).
        parts = (config.title_weight, self._date_weight, config.missing_date_score)
        self._unit = limit * 10**4 * math.prod(_denominator(part) for part in parts)
        self.per_second = int(self._date_weight * self._unit) // limit

    def of(self, value: Decimal) -> int:
        """`value` as a key (rounded down)."""
        return math.floor(value * self._unit)

    def dated(self, title: Decimal) -> int:
        """The key of a pair with this title score and no gap (less `per_second` a second)."""
        return int((self._config.title_weight * title + self._date_weight) * self._unit)

    def undated(self, title: Decimal) -> int:
        date_part = self._date_weight * self._config.missing_date_score
        return int((self._config.title_weight * title + date_part) * self._unit)


def _denominator(value: Decimal) -> int:
    return value.as_integer_ratio()[1]


class _Side(Generic[Item]):
    """One venue's markets as last linked, in groups of one normalised text (the index holds
    the texts), with the other side's texts each text could link with, and each market's
    best partner."""

    def __init__(
        self,
        text: Callable[[Item], Hashable],
        titles: Callable[[Any], Titles],
        moment: Callable[[Item], datetime | None],
    ) -> None:
        self._text, self._titles, self._moment = text, titles, moment  # titles of a text
        self.texts: dict[str, Hashable] = {}  # id -> its raw text, to notice a change
        self.moments: dict[str, datetime | None] = {}
        self.stamps: dict[str, Stamp] = {}
        self.group_of: dict[str, Titles] = {}
        self.groups: dict[Titles, TextGroup] = {}
        self.index = TitleIndex()
        self.pairs: dict[Titles, dict[Titles, _Pair]] = {}  # -> the other's texts
        self.ranks: dict[str, _Rank] = {}

    def sync(self, current: Mapping[str, Item]) -> tuple[set[str], dict[Titles, _Changes]]:
        """(ids new, changed or gone; what changed in each text's group). The groups, and the
        index of their texts, then hold `current`."""
        changed = {key for key in self.texts if key not in current}
        touched: dict[Titles, _Changes] = {}
        for key in changed:
            self._leave(key, touched)
            del self.texts[key], self.moments[key], self.stamps[key]
        for key, item in current.items():
            text, moment = self._text(item), self._moment(item)
            if self.texts.get(key) == text and self.moments[key] == moment:
                continue
            changed.add(key)
            if key in self.texts:
                self._leave(key, touched)
            self.texts[key], self.moments[key] = text, moment
            when = self.stamps[key] = stamp(moment)
            titles = self.group_of[key] = self._titles(text)
            if titles not in self.groups:
                self.groups[titles] = TextGroup()
                self.index.add(titles, tuple(_variant(title) for title in titles))
            self.groups[titles].put(key, when)
            touched.setdefault(titles, _Changes(set(), [])).arrived.append((key, when))
        return changed, touched

    def _leave(self, key: str, touched: dict[Titles, _Changes]) -> None:
        titles = self.group_of.pop(key)
        self.groups[titles].discard(key)
        touched.setdefault(titles, _Changes(set(), [])).left.add(key)

    def prune(self, touched: Iterable[Titles]) -> set[Titles]:
        """Forgets the texts no market has any more; returns them."""
        emptied = {titles for titles in touched if not self.groups[titles].members}
        for titles in emptied:
            del self.groups[titles]
            self.index.remove(titles)
        return emptied


class Linker:
    """Links kept from cycle to cycle.

    Markets are kept in groups of one normalised text, so a ladder of markets worded alike
    costs what one market costs. A pair of texts that could link (domain.title_index) is
    scored once, when the later of the two first appears. A market's best partner and
    runner-up are found in the other side's groups by close time (domain.text_groups), and
    found again only when the market, or a group it is compared with, changed. A link needs
    its two markets to be each other's best by the ambiguity margin: so links are one-to-one,
    and a fresh Linker gives what link_markets gives.
    """

    def __init__(
        self, configured: Mapping[str, str] | None = None, config: LinkConfig | None = None
    ) -> None:
        self.configured = dict(configured or {})
        self.config = config or LinkConfig()
        # What a title must reach for its pair to reach the threshold less the margin with
        # the best date: below that a pair can neither link nor make a link ambiguous.
        floor = max(ZERO, self.config.threshold - self.config.ambiguity_margin)
        weight = self.config.title_weight
        self._title_floor = (floor - (ONE - weight)) / weight if weight else ZERO
        self._kalshi: _Side[Market] = _Side(_kalshi_text, _kalshi_titles, lambda m: m.close_time)
        self._polys: _Side[PolymarketMarket] = _Side(
            lambda p: p.question, _poly_titles, lambda p: p.end_date
        )
        self._scale = _Scale(self.config)
        self._made: dict[str, MarketLink] = {}  # the last links matched, by ticker
        self.pairs_scored = 0  # pairs of texts scored by the last call to link

    def link(
        self, kalshi_markets: Iterable[Market], polymarket_markets: Iterable[PolymarketMarket]
    ) -> tuple[MarketLink, ...]:
        """The links now (as link_markets), scoring only texts not seen before."""
        kalshi = {market.ticker: market for market in kalshi_markets}
        polys = {
            poly.id: poly
            for poly in polymarket_markets
            if self.config.include_closed or not poly.closed
        }
        links = _configured_links(kalshi, polys, self.configured)
        for link in links:  # a configured pair is no candidate, nor anyone's rival
            del kalshi[link.kalshi_ticker], polys[link.polymarket_id]
        changed_tickers, kalshi_touched = self._kalshi.sync(kalshi)
        changed_polys, poly_touched = self._polys.sync(polys)
        # Whose best partner may have moved: the changed markets, and the markets a change
        # on the other side may reach, by the pairs of texts before the new texts are paired
        # and by the new texts' pairs after.
        tickers = self._reached(self._polys, self._kalshi, poly_touched, changed_tickers)
        polys_reached = self._reached(self._kalshi, self._polys, kalshi_touched, changed_polys)
        new_kalshi, new_polys = self._pair(set(kalshi_touched), set(poly_touched))
        new_poly_changes = {text: poly_touched[text] for text in new_polys}
        new_kalshi_changes = {text: kalshi_touched[text] for text in new_kalshi}
        tickers |= self._reached(self._polys, self._kalshi, new_poly_changes, changed_tickers)
        polys_reached |= self._reached(self._kalshi, self._polys, new_kalshi_changes, changed_polys)
        self._rerank(self._kalshi, self._polys, changed_tickers | tickers)
        self._rerank(self._polys, self._kalshi, changed_polys | polys_reached)
        links.extend(self._matched())
        return tuple(sorted(links, key=lambda link: link.kalshi_ticker))

    def _pair(
        self, kalshi_touched: set[Titles], poly_touched: set[Titles]
    ) -> tuple[set[Titles], set[Titles]]:
        """Forgets the pairs of texts gone; scores each new text with the other side's;
        returns the new texts (Kalshi's, Polymarket's)."""
        kalshi, polys = self._kalshi, self._polys
        for side, other, touched in (
            (kalshi, polys, kalshi_touched),
            (polys, kalshi, poly_touched),
        ):
            for text in side.prune(touched):
                for other_text in side.pairs.pop(text):
                    del other.pairs[other_text][text]
        new_kalshi = {
            text for text in kalshi_touched if text in kalshi.groups
        } - kalshi.pairs.keys()
        new_polys = {text for text in poly_touched if text in polys.groups} - polys.pairs.keys()
        kalshi.pairs.update((text, {}) for text in new_kalshi)
        polys.pairs.update((text, {}) for text in new_polys)
        self.pairs_scored = 0
        for text in new_kalshi:
            for poly_text in polys.index.comparable(kalshi.index.entries[text]):
                self._score(text, poly_text)
        for poly_text in new_polys:
            for text in kalshi.index.comparable(polys.index.entries[poly_text]) - new_kalshi:
                self._score(text, poly_text)
        return new_kalshi, new_polys

    def _reached(
        self, side: _Side, other: _Side, touched: Mapping[Titles, _Changes], rerank: set[str]
    ) -> set[str]:
        """The markets of `other` (not already in `rerank`) whose best two may differ after
        the changes to `side`'s groups: one whose best or runner-up left, or that an arrival
        could now reach the top two of."""
        window = self.config.max_close_gap // _MICROSECOND
        per_second = self._scale.per_second
        reached: set[str] = set()
        for text, changes in touched.items():
            for other_text, pair in side.pairs.get(text, {}).items():
                group = other.groups.get(other_text)
                for key, when in group.members.items() if group is not None else ():
                    if key in rerank or key in reached:
                        continue
                    rank = other.ranks.get(key)
                    if rank is not None and not changes.left.isdisjoint(
                        (rank.other, rank.runner_up)
                    ):
                        reached.add(key)
                        continue
                    floor = None if rank is None else rank.runner_up_key
                    for _, at in changes.arrived:
                        if at is None or when is None:
                            score = pair.undated
                        elif abs(at - when) > window:
                            continue
                        else:
                            score = pair.at_zero - per_second * (abs(at - when) // 10**6)
                        if floor is None or score >= floor:
                            reached.add(key)
                            break
        return reached

    def _score(self, kalshi_text: Titles, poly_text: Titles) -> None:
        self.pairs_scored += 1
        title = _title_score(kalshi_text, poly_text, self._title_floor)
        if title:
            pair = _Pair(title, self._scale.dated(title), self._scale.undated(title))
            self._kalshi.pairs[kalshi_text][poly_text] = pair
            self._polys.pairs[poly_text][kalshi_text] = pair

    def _rerank(self, side: _Side, other: _Side, keys: Iterable[str]) -> None:
        """Finds again the best partner and the runner-up of each of `keys`."""
        window = self.config.max_close_gap // _MICROSECOND
        per_second = self._scale.per_second
        by_text: dict[Titles, list[str]] = {}
        for key in keys:
            side.ranks.pop(key, None)
            if key in side.group_of:  # else gone
                by_text.setdefault(side.group_of[key], []).append(key)
        for text, members in by_text.items():
            pairs = sorted(
                ((other.groups[t], pair) for t, pair in side.pairs[text].items()),
                key=lambda paired: -paired[1].at_zero,
            )
            for key in members if pairs else ():
                when, candidates = side.stamps[key], []
                for group, (title, at_zero, undated) in pairs:
                    if len(candidates) > 1 and at_zero < -sorted(candidates)[1][0]:
                        break  # no candidate of this group or the rest can be in the top two
                    for gap, other_key in group.nearest(when, window):
                        score = undated if gap is None else at_zero - per_second * (gap // 10**6)
                        candidates.append((-score, other_key, title, gap))
                if not candidates:
                    continue
                candidates.sort()
                score, other_key, title, gap = candidates[0]
                runner_up = candidates[1] if len(candidates) > 1 else (None, "", ZERO, None)
                side.ranks[key] = _Rank(
                    -score, other_key, title, gap, runner_up[0] and -runner_up[0], *runner_up[1:]
                )

    def _matched(self) -> list[MarketLink]:
        """The pairs at or above the threshold whose markets are each other's best by the
        margin over any rival, above the threshold or not: two near-identical candidates
        mean the titles and dates do not say which is meant."""
        threshold, margin = self.config.threshold, self.config.ambiguity_margin
        # Exact keys settle most markets; confidences are rounded, so a quantum's leeway.
        lowest, closest = (
            self._scale.of(threshold - SCORE_QUANTUM),
            self._scale.of(margin - SCORE_QUANTUM),
        )
        made: dict[str, MarketLink] = {}
        for ticker, rank in self._kalshi.ranks.items():
            if rank.key < lowest or not _clear(rank, closest):
                continue
            back = self._polys.ranks.get(rank.other)
            if back is None or back.other != ticker or not _clear(back, closest):
                continue
            confidence = self._confidence(rank.title, rank.gap)
            rivals = (
                self._confidence(r.runner_up_title, r.runner_up_gap)
                for r in (rank, back)
                if r.runner_up_key is not None
            )
            if confidence < threshold or any(confidence - rival < margin for rival in rivals):
                continue
            link = self._made.get(ticker)
            gap = None if rank.gap is None else timedelta(microseconds=rank.gap)
            if link is None or (link.polymarket_id, link.confidence, link.close_gap) != (
                rank.other,
                confidence,
                gap,
            ):
                link = MarketLink(
                    kalshi_ticker=ticker,
                    polymarket_id=rank.other,
                    confidence=confidence,
                    method=LinkMethod.MATCHED,
                    title_score=rank.title,
                    close_gap=gap,
                )
            made[ticker] = link
        self._made = made
        return list(made.values())

    def _confidence(self, title: Decimal, gap: int | None) -> Decimal:
        return _confidence(title, None if gap is None else timedelta(microseconds=gap), self.config)


def _clear(rank: _Rank, closest: int) -> bool:
    """Whether the best may beat the runner-up by the margin (`closest`, as a key)."""
    return rank.runner_up_key is None or rank.key - rank.runner_up_key >= closest
