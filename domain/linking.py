"""Linking Polymarket markets to Kalshi markets (pure, deterministic).

Configured pairs (Kalshi ticker -> Polymarket id or slug) always win. Every other pair that
could link at all (domain.title_index: numbers that agree, a shared word, close dates) is
scored by title similarity (normalised tokens; the mean of a token-set and a token-sort
ratio, rapidfuzz's exact Indel ratio) and close-date proximity, and kept when the score
reaches a threshold. Assignment is greedy by score, one-to-one: a Polymarket
market never backs two Kalshi markets, nor a Kalshi market two Polymarket markets. Ties
break by ticker and id, so the same inputs always give the same links.

A Linker keeps the scores from cycle to cycle: a pair is scored again only when the text or
date of one of its markets changed, and a fresh Linker gives what link_markets gives.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Generic, TypeVar

from pydantic import AwareDatetime
from rapidfuzz.distance import Indel

from domain.base import Frozen
from domain.models import Count, Market, Probability
from domain.money import ONE, ZERO
from domain.title_index import Day, TitleIndex, Variant

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


class LinkConfig(Frozen):
    threshold: Probability = Decimal("0.8")
    max_close_gap: timedelta = timedelta(hours=48)
    title_weight: Probability = Decimal("0.8")  # the rest is date proximity
    missing_date_score: Probability = Decimal("0.5")  # when Polymarket gives no end date
    include_closed: bool = False
    # A match must beat every rival (for its Kalshi market and for its Polymarket market)
    # by this much; near-ties are ambiguous and left unlinked.
    ambiguity_margin: Probability = Decimal("0.03")


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


def normalise(text: str) -> tuple[str, ...]:
    """Lower-case ASCII tokens without punctuation, units or stopwords.

    "$100,000" and "100k" both become "100000"; "Oct" becomes "october"; "60°F" becomes
    "60"; a plural "rates" becomes "rate".
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    lowered = _THOUSANDS.sub("", ascii_text.lower())
    spaced = _STRAY_DOT.sub(" ", _NON_WORD.sub(" ", lowered))
    tokens: list[str] = []
    for word in spaced.split():
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


def _tokens_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if _NUMBER.fullmatch(a) or _NUMBER.fullmatch(b):
        return False
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short)  # "temp" ~ "temperature"


def token_overlap(a: Sequence[str], b: Sequence[str]) -> Decimal:
    """Jaccard similarity of the token sets, where a 4+ letter prefix counts as a match
    (for a token not matched exactly)."""
    left, right = set(a), set(b)
    matched = len(left & right)
    unmatched = sorted(right - left)
    for token in sorted(left - right):
        for index, other in enumerate(unmatched):
            if _tokens_match(token, other):
                matched += 1
                del unmatched[index]
                break
    union = len(left) + len(right) - matched
    return Decimal(matched) / Decimal(union) if union else ONE


@lru_cache(maxsize=65_536)
def _numbers(tokens: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """(years, other numbers) among `tokens`; cached, as each title meets many others."""
    numbers = {token for token in tokens if _NUMBER.fullmatch(token)}
    years = frozenset(token for token in numbers if _YEAR.fullmatch(token))
    return years, frozenset(numbers - years)


def _numbers_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Strikes, dates and years must not conflict: "above 60" is not "above 70".

    The numbers of one side must all appear on the other (a title may leave out a time of
    day or a year the other names), and two different years always conflict.
    """
    years_a, rest_a = _numbers(a)
    years_b, rest_b = _numbers(b)
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
    if not (_numbers(a)[0] and _numbers(b)[0]):  # a year on one side only: compare without it
        a = tuple(token for token in a if not _YEAR.fullmatch(token)) or a
        b = tuple(token for token in b if not _YEAR.fullmatch(token)) or b
    overlap = (ONE - LEXICAL_WEIGHT) * token_overlap(a, b)
    if LEXICAL_WEIGHT + overlap < floor:
        return ZERO
    lexical = (token_set_ratio(a, b) + token_sort_ratio(a, b)) / 2
    return (LEXICAL_WEIGHT * lexical + overlap).quantize(SCORE_QUANTUM)


# ----------------------------------------------------------------------------- scoring


def _kalshi_titles(market: Market) -> tuple[tuple[str, ...], ...]:
    titles = [normalise(market.title)]
    if market.subtitle:
        titles.append(normalise(f"{market.title} {market.subtitle}"))
    return tuple(title for title in titles if title)


def _date_score(gap: timedelta | None, config: LinkConfig) -> Decimal:
    if gap is None:
        return config.missing_date_score
    seconds = Decimal(int(gap.total_seconds()))
    limit = Decimal(int(config.max_close_gap.total_seconds()))
    return ONE - seconds / limit if limit else ONE


def _close_gap(kalshi: Market, poly: PolymarketMarket) -> timedelta | None:
    return abs(kalshi.close_time - poly.end_date) if poly.end_date is not None else None


@lru_cache(maxsize=1 << 18)
def _title_score(
    kalshi_titles: tuple[tuple[str, ...], ...], poly_tokens: tuple[str, ...], floor: Decimal
) -> Decimal:
    """The best similarity of a Kalshi market's titles with a question (0 if below `floor`);
    cached, as the strikes of an event and markets worded alike meet the same questions."""
    return max((title_similarity(t, poly_tokens, floor) for t in kalshi_titles), default=ZERO)


def _score(
    kalshi: Market,
    kalshi_titles: tuple[tuple[str, ...], ...],
    poly: PolymarketMarket,
    poly_tokens: tuple[str, ...],
    config: LinkConfig,
    floor: Decimal = ZERO,
) -> MarketLink | None:
    """The pair's link, or None if the dates are too far apart or it cannot reach `floor`."""
    gap = _close_gap(kalshi, poly)
    if gap is not None and gap > config.max_close_gap:
        return None
    date_part = (ONE - config.title_weight) * _date_score(gap, config)
    # What the title must reach with the best date: the same for every pair, so cacheable.
    weight = config.title_weight
    title_floor = (floor - (ONE - weight)) / weight if weight else ZERO
    title = _title_score(kalshi_titles, poly_tokens, title_floor)
    weighted = config.title_weight * title + date_part
    if floor and weighted < floor:
        return None
    return MarketLink(
        kalshi_ticker=kalshi.ticker,
        polymarket_id=poly.id,
        confidence=min(ONE, max(ZERO, weighted.quantize(SCORE_QUANTUM))),
        method=LinkMethod.MATCHED,
        title_score=title,
        close_gap=gap,
    )


def score_pair(
    kalshi: Market, poly: PolymarketMarket, config: LinkConfig | None = None
) -> MarketLink | None:
    """The matched link for one pair, or None when their close dates are too far apart."""
    return _score(
        kalshi, _kalshi_titles(kalshi), poly, normalise(poly.question), config or LinkConfig()
    )


# ----------------------------------------------------------------------------- linking


def _configured_links(
    kalshi: Mapping[str, Market],
    polys: Sequence[PolymarketMarket],
    configured: Mapping[str, str],
) -> list[MarketLink]:
    by_id = {poly.id: poly for poly in polys}
    by_slug = {poly.slug: poly for poly in polys if poly.slug}
    owner: dict[str, str] = {}
    links = []
    for ticker in sorted(configured):
        reference = configured[ticker]
        poly = by_id.get(reference) or by_slug.get(reference)
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


def _unambiguous(scored: Sequence[MarketLink], config: LinkConfig) -> list[MarketLink]:
    """Links above the threshold that beat all their rivals by the margin, best first.

    Rivals are every other scored pair sharing the Kalshi market or the Polymarket market,
    above the threshold or not: two near-identical candidates mean the titles and dates do
    not say which is meant.
    """
    best_by_ticker: dict[str, list[Decimal]] = {}
    best_by_poly: dict[str, list[Decimal]] = {}
    for link in scored:
        best_by_ticker.setdefault(link.kalshi_ticker, []).append(link.confidence)
        best_by_poly.setdefault(link.polymarket_id, []).append(link.confidence)

    def runner_up(scores: list[Decimal], mine: Decimal) -> Decimal:
        others = sorted(scores, reverse=True)
        others.remove(mine)
        return others[0] if others else ZERO

    kept = [
        link
        for link in scored
        if link.confidence >= config.threshold
        and link.confidence - runner_up(best_by_ticker[link.kalshi_ticker], link.confidence)
        >= config.ambiguity_margin
        and link.confidence - runner_up(best_by_poly[link.polymarket_id], link.confidence)
        >= config.ambiguity_margin
    ]
    return sorted(kept, key=lambda link: (-link.confidence, link.kalshi_ticker, link.polymarket_id))


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
_DAY_SECONDS = 86_400


def _day(moment: datetime | None) -> Day:
    return None if moment is None else int(moment.timestamp()) // _DAY_SECONDS


def _variant(tokens: tuple[str, ...]) -> Variant:
    years, numbers = _numbers(tokens)
    return Variant.of(frozenset(tokens) - years - numbers - _MONTH_NAMES, numbers, years)


class _Side(Generic[Item]):
    """One venue's markets as last linked: their text, normalised titles and index entries."""

    def __init__(
        self,
        text: Callable[[Item], Hashable],
        titles: Callable[[Item], tuple[tuple[str, ...], ...]],
        moment: Callable[[Item], datetime | None],
    ) -> None:
        self._text, self._titles, self._moment = text, titles, moment
        self.texts: dict[str, Hashable] = {}
        self.titles: dict[str, tuple[tuple[str, ...], ...]] = {}
        self.index = TitleIndex()

    def sync(self, current: Mapping[str, Item]) -> tuple[set[str], set[str]]:
        """(gone or changed, new or changed) ids; the index then holds `current`."""
        gone = {key for key, text in self.texts.items() if key not in current}
        fresh = set()
        for key, item in current.items():
            text = self._text(item)
            if self.texts.get(key) != text:
                fresh.add(key)
                self.texts[key] = text
                self.titles[key] = self._titles(item)
                variants = tuple(_variant(title) for title in self.titles[key])
                self.index.add(key, variants, _day(self._moment(item)))
        for key in gone:
            del self.texts[key], self.titles[key]
            self.index.remove(key)
        return gone | fresh, fresh

    def query(
        self, key: str, window: timedelta
    ) -> tuple[tuple[Variant, ...], frozenset[Day] | None]:
        """What to ask the other side's index for this entry: its variants and days."""
        variants, day = self.index.entries[key]
        if day is None:
            return variants, None
        spread = -(-int(window.total_seconds()) // _DAY_SECONDS)
        return variants, frozenset(range(day - spread, day + spread + 1))


class Linker:
    """Links kept from cycle to cycle: scores of the pairs that could link, each pair scored
    when one of its markets is new or changed its text or date, never otherwise. Each call
    redoes only the one-to-one assignment over the kept scores."""

    def __init__(
        self, configured: Mapping[str, str] | None = None, config: LinkConfig | None = None
    ) -> None:
        self.configured = dict(configured or {})
        self.config = config or LinkConfig()
        # Pairs below this can neither link nor make a link ambiguous: not kept.
        self._floor = max(ZERO, self.config.threshold - self.config.ambiguity_margin)
        self._kalshi: _Side[Market] = _Side(
            lambda m: (m.title, m.subtitle, m.close_time), _kalshi_titles, lambda m: m.close_time
        )
        self._polys: _Side[PolymarketMarket] = _Side(
            lambda p: (p.question, p.end_date),
            lambda p: (normalise(p.question),),
            lambda p: p.end_date,
        )
        self._scored: dict[str, dict[str, MarketLink]] = {}  # ticker -> Polymarket id -> pair
        self._scored_by_poly: dict[str, set[str]] = {}
        self.pairs_scored = 0  # by the last call to link

    def link(
        self, kalshi_markets: Iterable[Market], polymarket_markets: Iterable[PolymarketMarket]
    ) -> tuple[MarketLink, ...]:
        """The links now (as link_markets), scoring only pairs with a new or changed side."""
        kalshi = {market.ticker: market for market in kalshi_markets}
        polys = {
            poly.id: poly
            for poly in sorted(polymarket_markets, key=lambda poly: poly.id)
            if self.config.include_closed or not poly.closed
        }
        stale_tickers, fresh_tickers = self._kalshi.sync(kalshi)
        stale_polys, fresh_polys = self._polys.sync(polys)
        for ticker in stale_tickers:
            for poly_id in self._scored.pop(ticker, {}):
                self._scored_by_poly[poly_id].discard(ticker)
        for poly_id in stale_polys:
            for ticker in self._scored_by_poly.pop(poly_id, set()):
                del self._scored[ticker][poly_id]
        window = self.config.max_close_gap
        self.pairs_scored = 0
        # Markets worded alike on the same days ask the same question of the index: once.
        asked: dict[tuple[object, ...], set[str]] = {}
        for ticker in fresh_tickers:
            query = self._kalshi.query(ticker, window)
            if ("poly", *query) not in asked:
                asked["poly", *query] = self._polys.index.comparable(*query)
            for poly_id in asked["poly", *query]:
                self._keep(kalshi[ticker], polys[poly_id])
        for poly_id in fresh_polys:
            query = self._polys.query(poly_id, window)
            if ("kalshi", *query) not in asked:
                asked["kalshi", *query] = self._kalshi.index.comparable(*query)
            for ticker in asked["kalshi", *query] - fresh_tickers:
                self._keep(kalshi[ticker], polys[poly_id])
        return self._assign(kalshi, polys)

    def _keep(self, kalshi: Market, poly: PolymarketMarket) -> None:
        titles = self._kalshi.titles[kalshi.ticker]
        tokens = self._polys.titles[poly.id][0]
        link = _score(kalshi, titles, poly, tokens, self.config, self._floor)
        self.pairs_scored += 1
        if link is not None:
            self._scored.setdefault(kalshi.ticker, {})[poly.id] = link
            self._scored_by_poly.setdefault(poly.id, set()).add(kalshi.ticker)

    def _assign(
        self, kalshi: Mapping[str, Market], polys: Mapping[str, PolymarketMarket]
    ) -> tuple[MarketLink, ...]:
        links = _configured_links(kalshi, list(polys.values()), self.configured)
        used_tickers = {link.kalshi_ticker for link in links}
        used_polys = {link.polymarket_id for link in links}
        scored = [
            link
            for ticker, pairs in self._scored.items()
            if ticker not in used_tickers
            for poly_id, link in pairs.items()
            if poly_id not in used_polys
        ]
        for link in _unambiguous(scored, self.config):
            if link.kalshi_ticker in used_tickers or link.polymarket_id in used_polys:
                continue
            links.append(link)
            used_tickers.add(link.kalshi_ticker)
            used_polys.add(link.polymarket_id)
        return tuple(sorted(links, key=lambda link: link.kalshi_ticker))
