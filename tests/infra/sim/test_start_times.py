"""The simulator's exchange is a function of (seed, start time, elapsed simulated time), and what
the process tests rely on holds for every start time, not just the day the suite happens to run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from actors.system import screen_settings, sizing_limits
from domain.evidence import mid_of, weigh
from domain.models import OrderBook
from domain.money import ONE
from domain.risk import DenyReason
from domain.screening import screen
from domain.sizing import NoTrade, TradeSignal, size_order
from infra.kalshi.client import KalshiClient
from infra.kalshi.ratelimit import RateLimitConfig, TokenBucketLimiter
from infra.kalshi.signing import RequestSigner
from infra.settings import Settings, load_settings
from infra.sim import SimConfig, SimExchange
from infra.venue import connect
from tests.fakes.answers import confident_yes
from tests.infra.kalshi.keys import KEY_ID, public_pem, rsa_key

SMALL_CATALOGUE = 100  # what the process tests run the simulator with
SEEDS = (3, 7)  # the standalone simulator's and the embedded one's in the process tests

# Any minute from 2026 to 2030: month and year ends and 29 February come up as examples below.
start_times = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive; zone below)
    max_value=datetime(2030, 12, 31, 23, 59),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda moment: moment.replace(second=0, microsecond=0))


@contextmanager
def exchange_at(start: datetime, seed: int = 7) -> Iterator[KalshiClient]:
    sim = SimExchange(
        SimConfig(
            seed=seed,
            markets=SMALL_CATALOGUE,
            time_scale=0,
            start_time=start,
            read_rate=1e9,
            read_burst=1e9,
        )
    )
    sim.register_key(KEY_ID, public_pem(rsa_key()))
    sim.start()
    limiter = TokenBucketLimiter(RateLimitConfig(read_rate=10**6, read_burst=10**6))
    client = KalshiClient(sim.base_url, RequestSigner(KEY_ID, rsa_key()), limiter, timeout=10)
    try:
        assert sim.clock.now() == start
        yield client
    finally:
        client.close()
        sim.stop()


@settings(max_examples=20)
@given(start=start_times, seed=st.sampled_from(SEEDS))
@example(start=datetime(2026, 11, 30, 6, 17, tzinfo=UTC), seed=3)
@example(start=datetime(2026, 12, 31, 23, 58, tzinfo=UTC), seed=7)
@example(start=datetime(2027, 2, 28, 23, 59, tzinfo=UTC), seed=3)
@example(start=datetime(2028, 2, 29, 12, 0, tzinfo=UTC), seed=7)
@example(start=datetime(2028, 2, 29, 23, 59, tzinfo=UTC), seed=3)
@example(start=datetime(2029, 12, 31, 23, 59, tzinfo=UTC), seed=7)
def test_a_small_catalogue_always_offers_a_confident_forecaster_a_trade(
    start: datetime, seed: int
) -> None:
    """The process tests buy on a 100-market exchange with a forecaster that says YES well above
    the mid (tests.fakes.answers, within the bound), the standalone one starting at the current
    minute. Whatever the start time, and whichever of
    the screened markets the bot analyses (it caps them, linked ones first), one sizes into an
    order: fewer screened markets than the cap are untradable."""
    bot = load_settings(venue="sim")
    cap = bot.scanner.max_candidates
    uncapped = screen_settings(bot).model_copy(update={"max_candidates": SMALL_CATALOGUE * 2})
    # The bot screens a little later than the exchange starts (its own start-up, a cycle).
    now = start + timedelta(minutes=10)
    with exchange_at(start, seed) as client:
        markets = client.get_all_markets(status="open")
        assert len(markets) >= SMALL_CATALOGUE // 2
        screened = screen(markets, now, uncapped, frozenset(), {}).selected
        books = [client.get_orderbook(market.ticker) for market in screened]
    signals = [sized(book, bot) for book in books]
    untradable = [s for s in signals if not isinstance(s, TradeSignal)]
    assert len(untradable) < min(cap, len(signals)), untradable


def sized(book: OrderBook, bot: Settings) -> TradeSignal | NoTrade:
    """What the bot does with the confident forecast on `book`: weighed, then sized."""
    mid = mid_of(book.best_yes_bid, book.best_yes_ask)
    if mid is None:
        return NoTrade(ticker=book.ticker, reason=DenyReason.NO_PRICE)
    limits = sizing_limits(bot)
    weighed = weigh(
        book.ticker,
        confident_yes(mid),
        ONE,
        book.best_yes_bid,
        book.best_yes_ask,
        limits.max_disagreement,
    )
    if isinstance(weighed, NoTrade):
        return weighed
    return size_order(book.ticker, weighed.view, book, bot.initial_bankroll, limits)


def test_the_same_seed_and_start_time_build_the_same_exchange() -> None:
    start = datetime(2027, 3, 14, 10, 0, tzinfo=UTC)
    with exchange_at(start) as first, exchange_at(start) as second:
        assert first.get_all_markets(status="open") == second.get_all_markets(status="open")
    with exchange_at(datetime(2027, 3, 14, 10, 1, tzinfo=UTC)) as later:
        moved = later.get_all_markets(status="open")
    with exchange_at(start) as again:
        assert again.get_all_markets(status="open") != moved


def test_the_bot_starts_the_embedded_simulator_where_the_settings_say() -> None:
    """`sim.start_time` reaches the embedded exchange, in UTC whatever zone it was written in."""
    bot = load_settings(venue="sim", sim={"start_time": "2027-03-14T11:00:00+01:00"})
    venue = connect(bot, scale_clock=lambda: 0.0)
    try:
        assert venue.clock.now() == datetime(2027, 3, 14, 10, 0, tzinfo=UTC)
        assert "starting 2027-03-14T10:00:00Z" in venue.description
    finally:
        venue.close()
