"""Scanner: pages every open market (and Polymarket for linked ones), stores snapshots, screens.

It owns nothing durable: only when it last put each market forward (the cooldown), and the
linker's scores (domain.linking.Linker: a pair is scored again only when a side changed).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pykka

from actors.base import BaseActor, ask, handles
from actors.directory import ActorUnavailable, Directory
from actors.health import logged, report_health
from domain.clock import Clock
from domain.exposure import Holding
from domain.fees import FeeSchedule
from domain.health import (
    DEFAULT_MAX_QUARANTINED_SHARE,
    Part,
    check,
    linking_problem,
    listing_problem,
    quarantine_problem,
)
from domain.linking import LinkConfig, Linker, PolymarketMarket, is_opinion
from domain.messages import (
    AnalyzeCandidates,
    BookSnapshot,
    Candidate,
    CommitWork,
    CycleStats,
    GetBook,
    HeldMarket,
    InsertSnapshots,
    RunCycle,
    Write,
)
from domain.models import Market, OrderBook
from domain.money import ZERO
from domain.recording import PruneRecordings, RecordedCandidate, RecordedFees, RecordScan
from domain.screening import ScreenSettings, screen
from infra.kalshi.errors import KalshiError
from infra.polymarket.gamma import PolymarketListing
from infra.unknown_values import UNKNOWN_VALUES
from infra.venue_client import VenueClient

Quote = tuple[PolymarketMarket, Decimal]  # the linked Polymarket market, link confidence
T = TypeVar("T")
READS_IN_FLIGHT = 8  # candidates' books read at once (the limiter still paces them)


def holdings_by_event(
    markets: tuple[Market, ...], book: BookSnapshot
) -> dict[str, tuple[Holding, ...]]:
    """What the book holds or has in flight, by the event of each open market (per-event risk:
    domain.exposure). A claim's side is not in the book: it counts as unknown."""
    events = {m.ticker: m.event_ticker for m in markets}
    grouped: dict[str, list[Holding]] = defaultdict(list)
    for p in book.positions:
        if p.ticker in events:
            grouped[events[p.ticker]].append(
                Holding(ticker=p.ticker, event_ticker=events[p.ticker], side=p.side, cost=p.cost)
            )
    for ticker in book.claimed:
        if ticker in events:
            grouped[events[ticker]].append(
                Holding(ticker=ticker, event_ticker=events[ticker], side=None, cost=ZERO)
            )
    return {event: tuple(holdings) for event, holdings in grouped.items()}


class Scanner(BaseActor):
    name = "scanner"

    def __init__(
        self,
        directory: Directory,
        client: VenueClient,
        gamma: PolymarketListing | None,
        clock: Clock,
        screening: ScreenSettings,
        *,
        link_config: LinkConfig | None = None,
        link_pairs: Mapping[str, str] | None = None,
        min_opinion_confidence: Decimal = ZERO,
        record: bool = False,
        recorded_settings: str | None = None,
        keep_recordings: timedelta | None = None,
        max_quarantined_share: Decimal = DEFAULT_MAX_QUARANTINED_SHARE,
        value_held: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.directory = directory
        self.client = client
        self.gamma = gamma
        self.clock = clock
        self.screening = screening
        self.linker = Linker(link_pairs, link_config)
        self.min_opinion_confidence = min_opinion_confidence
        self.last_analyzed: dict[str, datetime] = {}
        self.record = record
        self.recorded_settings = recorded_settings  # kept with every recorded cycle
        self.keep_recordings = keep_recordings
        self.max_quarantined_share = max_quarantined_share
        self.value_held = value_held  # exits: put every position held forward to be valued
        self._reads: ThreadPoolExecutor | None = None  # started at the first cycle's reads

    def on_stop(self) -> None:
        if self._reads is not None:
            self._reads.shutdown(wait=True, cancel_futures=True)

    @handles(RunCycle)
    def _on_run_cycle(self, command: RunCycle) -> None:
        stats, candidates, held = self._scan(command.stats)
        self.directory.get("analyst").tell(
            AnalyzeCandidates(stats=stats, candidates=candidates, held=held).caused(command)
        )

    def _scan(
        self, stats: CycleStats
    ) -> tuple[CycleStats, tuple[Candidate, ...], tuple[HeldMarket, ...]]:
        now = self.clock.now()
        try:
            # A5.2: no combo (multivariate) markets; any the venue returns anyway are screened.
            listing = self.client.list_markets(status="open", mve_filter="exclude")
        except KalshiError as exc:
            self.log.warning("market scan failed: {}", exc)
            found = check(Part.SCANNER, stats.cycle, now, listing_problem(0, str(exc)))
            stats = stats.plus(unhealthy=report_health(self.directory, self.log, found))
            return stats.plus(errors=(f"scan: {exc}",)), (), ()
        markets = listing.markets
        problem = quarantine_problem(
            listing.served, listing.quarantined, self.max_quarantined_share
        ) or listing_problem(len(markets), None)
        health: list[Write] = []  # kept with the snapshots: one transaction
        stats = self._checked(
            stats,
            now,
            Part.SCANNER,
            problem,
            health,
            note=UNKNOWN_VALUES.summary(),
            quarantined=len(listing.quarantined),
        )
        quotes, stats = self._polymarket_quotes(markets, stats, now, health)
        self.directory.get("storage").tell(
            CommitWork(writes=(InsertSnapshots(ts=now, markets=markets), *health))
        )
        book: BookSnapshot = ask(self.directory.get("positions"), GetBook())
        held = frozenset(book.claimed) | {p.ticker for p in book.positions}
        on_event = holdings_by_event(markets, book)
        screened = screen(
            markets, now, self.screening, held, self.last_analyzed, preferred=frozenset(quotes)
        )
        skipped: Counter[str] = Counter(dict(screened.skipped))
        candidates = []
        for market, fees, order_book in self._read_all(self._fees_and_book, screened.selected):
            if fees is None:
                skipped["FEES_UNAVAILABLE"] += 1
                continue
            if order_book is None:
                skipped["BOOK_UNAVAILABLE"] += 1
                continue
            self.last_analyzed[market.ticker] = now
            candidates.append(
                self._candidate(
                    market,
                    fees,
                    order_book,
                    quotes.get(market.ticker),
                    on_event.get(market.event_ticker, ()),
                )
            )
        valued = self._held(markets, book, on_event, quotes)
        if self.record:
            self._record(now, stats.cycle, markets, held, candidates, quotes, valued)
        self.log.info(
            "scanned {} markets: {} candidates ({} linked to Polymarket)",
            len(markets),
            len(candidates),
            sum(c.polymarket_price is not None for c in candidates),
        )
        stats = stats.plus(
            markets_scanned=len(markets), candidates=len(candidates), skipped=dict(skipped)
        )
        return stats, tuple(candidates), valued

    def _held(
        self,
        markets: tuple[Market, ...],
        book: BookSnapshot,
        on_event: Mapping[str, tuple[Holding, ...]],
        quotes: Mapping[str, Quote],
    ) -> tuple[HeldMarket, ...]:
        """Each position held in an open market, with its book and fees, to be valued for an
        exit. One with an order in flight is left alone (its claim says so), as is one whose
        market, fees or book cannot be read this cycle."""
        if not self.value_held:
            return ()
        listed = {m.ticker: m for m in markets}
        positions = [
            position
            for position in book.positions
            if position.ticker in listed and position.ticker not in book.claimed
        ]
        read = self._read_all(self._fees_and_book, [listed[p.ticker] for p in positions])
        return tuple(
            HeldMarket(
                position=position,
                candidate=self._candidate(
                    market,
                    fees,
                    order_book,
                    quotes.get(market.ticker),
                    on_event.get(market.event_ticker, ()),
                ),
            )
            for position, (market, fees, order_book) in zip(positions, read, strict=True)
            if fees is not None and order_book is not None
        )

    def _polymarket_quotes(
        self, markets: tuple[Market, ...], stats: CycleStats, now: datetime, health: list[Write]
    ) -> tuple[dict[str, Quote], CycleStats]:
        if self.gamma is None:
            return {}, stats
        try:
            polys: tuple[PolymarketMarket, ...] = self.gamma.get_all_markets(closed=False)
        except KalshiError as exc:
            self.log.warning("Polymarket scan failed (no second opinion this cycle): {}", exc)
            problem = linking_problem(len(markets), 0, 0, str(exc))
            stats = self._checked(stats, now, Part.LINKING, problem, health)
            return {}, stats.plus(errors=(f"polymarket: {exc}",))
        by_id = {poly.id: poly for poly in polys}
        links = self.linker.link(markets, polys)
        # Linked over every market, so a priceless one still takes its match away from a
        # worse rival; then only a market with an opinion (infra.polymarket.wire), linked
        # confidently enough to be one (domain.linking.is_opinion), is a quote.
        quotes = {
            link.kalshi_ticker: (by_id[link.polymarket_id], link.confidence)
            for link in links
            if by_id[link.polymarket_id].yes_price is not None
            and is_opinion(link, self.min_opinion_confidence)
        }
        if markets:  # with no Kalshi market, linking proves nothing either way
            problem = linking_problem(len(markets), len(polys), len(quotes), None)
            stats = self._checked(stats, now, Part.LINKING, problem, health)
        return quotes, stats.plus(polymarket_markets=len(polys), linked=len(quotes))

    def _checked(
        self,
        stats: CycleStats,
        now: datetime,
        part: Part,
        problem: str | None,
        health: list[Write],
        note: str | None = None,
        quarantined: int | None = None,
    ) -> CycleStats:
        """`part` checked: logged if unhealthy, its write added to `health`."""
        found = check(part, stats.cycle, now, problem, note, quarantined)
        health.append(logged(self.log, found))
        return stats if found.healthy else stats.plus(unhealthy=(found,))

    def _fees(self, market: Market) -> FeeSchedule | None:
        """The market's fee schedule; None (the market is not sized: fail closed) when the
        venue cannot say it, or names a fee type the bot does not know."""
        try:
            return self.client.get_fee_schedule(market.event_ticker)
        except KalshiError as exc:
            self.log.warning("no fee schedule for {}, not trading it: {}", market.ticker, exc)
            return None

    def _candidate(
        self,
        market: Market,
        fees: FeeSchedule,
        book: OrderBook,
        quote: Quote | None,
        holdings: tuple[Holding, ...],
    ) -> Candidate:
        poly, confidence = quote if quote is not None else (None, None)
        return Candidate(
            market=market,
            book=book,
            fees=fees,
            polymarket_price=None if poly is None else poly.yes_price,
            polymarket_id=None if poly is None else poly.id,
            link_confidence=confidence,
            event_holdings=holdings,
        )

    def _book(self, market: Market) -> OrderBook | None:
        try:
            return self.client.get_orderbook(market.ticker)
        except KalshiError as exc:
            self.log.info("no book for {}: {}", market.ticker, exc)
            return None

    def _fees_and_book(self, market: Market) -> tuple[Market, FeeSchedule | None, OrderBook | None]:
        """The market with its fee schedule and book (no book is read without a schedule)."""
        fees = self._fees(market)
        return market, fees, None if fees is None else self._book(market)

    def _read_all(self, read: Callable[[Market], T], markets: Iterable[Market]) -> list[T]:
        """`read` of every market, in order, READS_IN_FLIGHT at a time: one read at a time
        would leave the read budget idle through each round trip."""
        if self._reads is None:
            self._reads = ThreadPoolExecutor(READS_IN_FLIGHT, thread_name_prefix="scanner-read")
        return list(self._reads.map(read, markets))

    def _record(
        self,
        now: datetime,
        cycle: int,
        markets: tuple[Market, ...],
        held: frozenset[str],
        candidates: list[Candidate],
        quotes: Mapping[str, Quote],
        valued: tuple[HeldMarket, ...],
    ) -> None:
        """The recorder: what this cycle analysed and held (not every market scanned), and
        the recordings past their keep, in one transaction (Storage is the only writer)."""

        def recorded(c: Candidate) -> RecordedCandidate:
            return RecordedCandidate(
                market=c.market,
                book=c.book,
                polymarket=quotes[c.market.ticker][0] if c.market.ticker in quotes else None,
                fees=RecordedFees.of(c.fees),
            )

        held_markets = tuple(m for m in markets if m.ticker in held)
        analysed = {c.market.ticker for c in candidates} | {v.position.ticker for v in valued}
        writes: list[Write] = [
            RecordScan(
                ts=now,
                cycle=cycle,
                candidates=tuple(recorded(c) for c in candidates),
                held=held_markets,
                held_books=self._held_books(m for m in held_markets if m.ticker not in analysed),
                settings=self.recorded_settings,
                held_inputs=tuple(recorded(v.candidate) for v in valued),
            )
        ]
        if self.keep_recordings is not None:
            writes.append(PruneRecordings(before=now - self.keep_recordings))
        try:
            self.directory.get("storage").tell(CommitWork(writes=tuple(writes)))
        except (ActorUnavailable, pykka.ActorDeadError):  # the supervisor is handling it
            self.log.warning("cycle {} not recorded: storage is not running", cycle)

    def _held_books(self, markets: Iterable[Market]) -> tuple[OrderBook, ...]:
        """The books of held markets not analysed this cycle, which the kill switch marks the
        positions to (a book that cannot be read is left out, as the kill switch would find
        it unreadable too)."""
        books = self._read_all(self._book, markets)
        return tuple(book for book in books if book is not None)
