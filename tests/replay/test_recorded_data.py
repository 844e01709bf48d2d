"""The recorded market and answers as of the replay clock: nothing from a later scan, ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.fees import FeeSchedule, FeeType
from domain.linking import PolymarketMarket
from domain.models import BookLevel, Market, MarketResult, MarketStatus, OrderBook
from domain.recording import (
    LlmSettingsRecord,
    RecordedAnswer,
    RecordedCandidate,
    RecordedFees,
    RecordLlmExchange,
)
from infra.db.recordings import RecordedScan
from infra.kalshi.errors import VenueRefused
from infra.llm import ProviderError
from infra.replay.answers import RecordedAnswers
from infra.replay.market_data import RecordedGamma, RecordedMarketData, ReplayClock
from infra.replay.recording import Recording, Resolution

D = Decimal
T0 = datetime(2026, 11, 24, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)
SETTINGS = LlmSettingsRecord(provider="claude", model="m", prompt_version="v1", max_tokens=200)


def market(ticker: str, bid: str, title: str = "") -> Market:
    return Market(
        ticker=ticker,
        event_ticker=f"{ticker}-E",
        title=title or ticker,
        status=MarketStatus.ACTIVE,
        yes_bid=D(bid),
        yes_ask=D(bid) + D("0.02"),
        close_time=T0 + 3 * HOUR + timedelta(minutes=30),
    )


def candidate(ticker: str, bid: str, title: str = "") -> RecordedCandidate:
    book = OrderBook(ticker=ticker, yes_bids=(BookLevel(price=D(bid), count=D(10)),))
    poly = PolymarketMarket(
        id=f"p-{ticker}-{bid}", question=ticker, yes_price=D(bid), no_price=D(1) - D(bid)
    )
    return RecordedCandidate(market=market(ticker, bid, title), book=book, polymarket=poly)


SCANS = (
    RecordedScan(id=1, ts=T0, cycle=1, candidates=(candidate("A", "0.40"), candidate("B", "0.10"))),
    RecordedScan(
        id=2,
        ts=T0 + HOUR,
        cycle=2,
        candidates=(candidate("A", "0.55", "A LATER"),),
        held=(market("B", "0.12"), market("D", "0.20")),
        held_books=(OrderBook(ticker="B", no_bids=(BookLevel(price=D("0.86"), count=D(5)),)),),
    ),
    RecordedScan(id=3, ts=T0 + 2 * HOUR, cycle=3, candidates=(candidate("C", "0.30"),)),
)


def answer(text: str) -> RecordedAnswer:
    return RecordedAnswer(
        text=text,
        model="m",
        input_tokens=10,
        output_tokens=5,
        stop_reason="end_turn",
        provider="claude",
    )


def exchange(ticker: str, cycle: int, ts: datetime, outcome: str, text: str) -> RecordLlmExchange:
    return RecordLlmExchange(
        call_id=f"{ticker}{cycle}{outcome}{text}",
        ts=ts,
        ticker=ticker,
        cycle=cycle,
        system="s",
        user=f"Ticker: {ticker} (event {ticker}-E)",
        settings=SETTINGS,
        answer=answer(text),
        outcome=outcome,
        cost=D("0.01"),
    )


def recording(*exchanges: RecordLlmExchange) -> Recording:
    resolutions = {"B": Resolution(result=MarketResult.NO, at=T0 + 2 * HOUR)}
    return Recording(Path("r.db"), SCANS, exchanges, resolutions, D(1000))


def test_the_market_is_the_latest_scan_at_or_before_the_clock() -> None:
    clock = ReplayClock(T0 - HOUR)
    data = RecordedMarketData(recording(), clock)
    assert data.get_all_markets() == ()
    with pytest.raises(VenueRefused):
        data.get_market("A")
    clock.set(T0 + timedelta(minutes=59))
    assert [m.ticker for m in data.get_all_markets()] == ["A", "B"]
    assert data.get_market("A").title == "A"  # not the title recorded an hour later
    assert data.get_orderbook("A").best_yes_bid == D("0.40")
    assert [p.id for p in RecordedGamma(data).get_all_markets()] == ["p-A-0.40", "p-B-0.10"]
    clock.set(T0 + HOUR)
    assert [m.ticker for m in data.get_all_markets()] == ["A", "B", "D"]
    assert data.get_market("A").title == "A LATER"
    assert data.get_orderbook("B").best_no_bid == D("0.86")  # held: the book recorded for it
    assert data.get_orderbook("D").yes_bids == ()  # held, no book recorded: none is invented
    with pytest.raises(VenueRefused):
        data.get_market("C")  # first recorded later


def test_a_result_is_known_from_the_cycle_the_recording_learned_it() -> None:
    clock = ReplayClock(T0 + HOUR)
    data = RecordedMarketData(recording(), clock)
    assert data.get_market("B").status is MarketStatus.ACTIVE
    assert data.get_market("B").result is MarketResult.NONE
    clock.set(T0 + 2 * HOUR)
    settled = data.get_market("B")
    assert (settled.status, settled.result) == (MarketStatus.FINALIZED, MarketResult.NO)
    clock.set(T0 + 4 * HOUR)
    assert data.get_market("A").status is MarketStatus.CLOSED  # past its close, no result known
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set(T0)


def test_the_recorded_answers_of_a_market_are_served_in_their_cycle_and_order() -> None:
    clock = ReplayClock(T0)
    rec = recording(
        exchange("A", 1, T0 + timedelta(seconds=1), "lost", ""),
        exchange("A", 1, T0 + timedelta(seconds=2), "ok", "first"),
        exchange("A", 2, T0 + HOUR + timedelta(seconds=1), "invalid", "not json"),
        exchange("A", 2, T0 + HOUR + timedelta(seconds=2), "ok", "second"),
        exchange("B", 1, T0 + timedelta(seconds=3), "refused", "no"),
    )
    answers = RecordedAnswers(rec, RecordedMarketData(rec, clock))
    assert answers.model == "m"
    first = answers.complete("s", "Market: A\nTicker: A (event A-E)")
    assert first.text == "first"
    assert len(first.lost) == 1  # the attempt that got no answer is booked again
    with pytest.raises(ProviderError) as refused:
        answers.complete("s", "Ticker: B (event B-E)")
    assert refused.value.kind == "refused"
    assert refused.value.reply is not None
    with pytest.raises(ProviderError) as none:
        answers.complete("s", "Ticker: A (event A-E)")  # cycle 1's answers are used up
    assert none.value.kind == "failed"
    clock.set(T0 + HOUR)
    assert answers.complete("s", "Ticker: A (event A-E)").text == "not json"
    assert answers.complete("s", "Ticker: A (event A-E)").text == "second"


def test_the_fee_schedule_is_the_one_recorded_for_the_event_by_then() -> None:
    flat = RecordedFees(fee_type=FeeType.FLAT, multiplier=D("0.5"))
    later = RecordedScan(
        id=4,
        ts=T0 + 3 * HOUR,
        cycle=4,
        candidates=(candidate("A", "0.50").model_copy(update={"fees": flat}),),
    )
    rec = Recording(Path("r.db"), (*SCANS, later), (), {}, D(1000))
    clock = ReplayClock(T0)
    data = RecordedMarketData(rec, clock)
    assert data.get_fee_schedule("A-E") == FeeSchedule()  # none recorded yet: the standard one
    clock.set(T0 + 3 * HOUR)
    assert data.get_fee_schedule("A-E") == FeeSchedule(fee_type=FeeType.FLAT, multiplier=D("0.5"))
