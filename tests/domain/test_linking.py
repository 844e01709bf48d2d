from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.linking import (
    SCORE_QUANTUM,
    LinkConfig,
    LinkConfigError,
    Linker,
    LinkMethod,
    MarketLink,
    PolymarketMarket,
    is_opinion,
    link_markets,
    normalise,
    score_pair,
    title_similarity,
    token_overlap,
    token_set_ratio,
)
from domain.models import Market, MarketStatus

CLOSE = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def kalshi(ticker: str, title: str, close: datetime = CLOSE, subtitle: str = "") -> Market:
    return Market(
        ticker=ticker,
        event_ticker=ticker.rsplit("-", 1)[0],
        title=title,
        subtitle=subtitle,
        status=MarketStatus.ACTIVE,
        close_time=close,
    )


def poly(
    market_id: str,
    question: str,
    end: datetime | None = CLOSE,
    slug: str = "",
    closed: bool = False,
) -> PolymarketMarket:
    return PolymarketMarket(
        id=market_id,
        question=question,
        slug=slug or f"slug-{market_id}",
        yes_price=Decimal("0.6"),
        no_price=Decimal("0.4"),
        end_date=end,
        active=not closed,
        closed=closed,
    )


def similarity(a: str, b: str) -> Decimal:
    return title_similarity(normalise(a), normalise(b))


def test_normalise():
    assert normalise("Will Bitcoin reach $100,000 by Dec. 31, 2026?") == (
        "bitcoin",
        "reach",
        "100000",
        "december",
        "31",
        "2026",
    )
    assert normalise("BTC above 100k?") == ("btc", "above", "100000")
    assert normalise("NYC high >60°F") == ("nyc", "high", "60")
    assert normalise("Fed cuts rates") == ("fed", "cut", "rate")
    assert normalise("Pokémon 1.5m") == ("pokemon", "1500000")
    assert normalise("") == ()


_TITLE_TEXT = st.text(alphabet="aAbkmM $,.°>-0123456789é?", max_size=20)


@settings(max_examples=40, deadline=None)
@given(_TITLE_TEXT, _TITLE_TEXT)
def test_a_title_and_its_subtitle_normalise_apart_as_together(title: str, subtitle: str):
    """The Linker normalises a subtitle alone and joins the tokens (titles repeat)."""
    assert normalise(f"{title} {subtitle}") == normalise(title) + normalise(subtitle)


def test_similar_titles_score_high():
    assert (
        similarity("Will the Fed cut rates in December 2026?", "Fed rate cut in December 2026?")
        == 1
    )
    assert similarity(
        "Will Bitcoin reach $100,000 by December 31, 2026?", "Will Bitcoin hit $100k by Dec 31?"
    ) > Decimal("0.7")


def test_different_numbers_never_match():
    assert similarity("Bitcoin above 100000?", "Bitcoin above 110000?") == 0
    assert similarity("Who wins the 2028 election?", "Who wins the 2024 election?") == 0
    assert similarity("NYC high above 60 on Oct 1", "NYC high above 60 on Oct 2") == 0


def test_different_subjects_score_below_the_default_threshold():
    config = LinkConfig()
    link = score_pair(
        kalshi("KXPRES-28-DJT", "Will Trump win the 2028 election?"),
        poly("1", "Will Newsom win the 2028 election?"),
    )
    assert link is not None
    assert link.confidence < config.threshold


def test_token_set_and_overlap():
    assert token_set_ratio(("a", "b"), ("b", "a")) == 1
    assert token_overlap(("temp", "nyc"), ("temperature", "nyc")) == 1
    assert token_overlap(("100",), ("1000",)) == 0
    assert title_similarity((), ("x",)) == 0


def test_date_window():
    market = kalshi("KX-1", "Will the Fed cut rates in December 2026?")
    near = poly("1", "Fed rate cut in December 2026?", CLOSE + timedelta(hours=24))
    far = poly("2", "Fed rate cut in December 2026?", CLOSE + timedelta(hours=49))
    undated = poly("3", "Fed rate cut in December 2026?", None)
    near_link = score_pair(market, near)
    assert near_link is not None
    assert near_link.confidence == Decimal("0.9")  # 0.8 * 1 + 0.2 * (1 - 24/48)
    assert near_link.close_gap == timedelta(hours=24)
    assert score_pair(market, far) is None
    undated_link = score_pair(market, undated)
    assert undated_link is not None
    assert undated_link.confidence == Decimal("0.9")  # missing date scores 0.5


def test_link_markets_end_to_end():
    markets = [
        kalshi("KXFED-26DEC", "Will the Fed cut rates in December 2026?"),
        kalshi("KXBTC-26DEC31-100K", "Will Bitcoin reach $100,000 by December 31, 2026?"),
        kalshi("KXPRES-28-DJT", "Will Trump win the 2028 election?"),
    ]
    polys = [
        poly("10", "Fed rate cut in December 2026?"),
        poly("11", "Will Bitcoin hit $100k by Dec 31?"),
        poly("12", "Will Newsom win the 2028 election?"),
        poly("13", "Will Bitcoin hit $150k by Dec 31?"),
    ]
    links = link_markets(markets, polys)
    assert [(link.kalshi_ticker, link.polymarket_id) for link in links] == [
        ("KXBTC-26DEC31-100K", "11"),
        ("KXFED-26DEC", "10"),
    ]
    assert all(link.method is LinkMethod.MATCHED for link in links)
    assert all(Decimal("0.8") <= link.confidence <= 1 for link in links)


def test_configured_pairs_win():
    markets = [
        kalshi("KXFED-26DEC", "Will the Fed cut rates in December 2026?"),
        kalshi("KXOTHER", "Something unrelated entirely"),
    ]
    polys = [poly("10", "Fed rate cut in December 2026?", slug="fed-dec")]
    links = link_markets(markets, polys, configured={"KXOTHER": "fed-dec"})
    assert links == (
        MarketLink(
            kalshi_ticker="KXOTHER",
            polymarket_id="10",
            confidence=Decimal(1),
            method=LinkMethod.CONFIGURED,
        ),
    )
    by_id = link_markets(markets, polys, configured={"KXFED-26DEC": "10"})
    assert by_id[0].method is LinkMethod.CONFIGURED


def test_configured_pairs_missing_a_side_are_skipped():
    markets = [kalshi("KXFED-26DEC", "Will the Fed cut rates in December 2026?")]
    polys = [poly("10", "Fed rate cut in December 2026?")]
    links = link_markets(markets, polys, configured={"KXGONE": "10", "KXFED-26DEC": "nope"})
    # KXFED's configured target is not listed, so it falls back to matching.
    assert [(link.kalshi_ticker, link.method) for link in links] == [
        ("KXFED-26DEC", LinkMethod.MATCHED)
    ]


def test_conflicting_configuration_is_an_error():
    markets = [kalshi("A", "x"), kalshi("B", "y")]
    polys = [poly("10", "z", slug="s10")]
    with pytest.raises(LinkConfigError, match="both A and B"):
        link_markets(markets, polys, configured={"A": "10", "B": "s10"})


def test_one_polymarket_market_never_links_two_kalshi_markets():
    markets = [
        kalshi("KXFED-A", "Will the Fed cut rates in December 2026?"),
        kalshi("KXFED-B", "Fed cut rates December 2026", close=CLOSE + timedelta(hours=40)),
    ]
    polys = [poly("10", "Will the Fed cut rates in December 2026?")]
    links = link_markets(markets, polys)
    assert [(link.kalshi_ticker, link.polymarket_id) for link in links] == [("KXFED-A", "10")]


def test_closed_polymarket_markets_are_ignored_unless_asked():
    markets = [kalshi("KXFED", "Will the Fed cut rates in December 2026?")]
    polys = [poly("10", "Fed rate cut in December 2026?", closed=True)]
    assert link_markets(markets, polys) == ()
    assert len(link_markets(markets, polys, config=LinkConfig(include_closed=True))) == 1


def test_threshold_is_configurable():
    markets = [kalshi("KXPRES-28-DJT", "Will Trump win the 2028 election?")]
    polys = [poly("12", "Will Newsom win the 2028 election?")]
    assert link_markets(markets, polys) == ()
    assert len(link_markets(markets, polys, config=LinkConfig(threshold=Decimal("0.5")))) == 1
    with pytest.raises(ValidationError):
        LinkConfig(threshold=Decimal("1.5"))


def test_subtitle_helps_multi_strike_events():
    market = kalshi(
        "KXHIGHNY-26OCT01-T60", "Highest temperature in NYC on Oct 1, 2026?", subtitle="above 60°"
    )
    link = score_pair(market, poly("1", "NYC highest temperature above 60°F on October 1?"))
    assert link is not None
    assert link.title_score is not None
    assert link.title_score > Decimal("0.7")


def test_deterministic_under_input_order():
    markets = [
        kalshi(f"KX-{i}", f"Will team {name} win the 2026 final?")
        for i, name in enumerate(["red", "blue", "green", "gold"])
    ]
    polys = [
        poly(str(100 + i), f"Will the {name} team win the 2026 final?")
        for i, name in enumerate(["red", "blue", "green", "gold", "gray"])
    ]
    expected = link_markets(markets, polys)
    assert len(expected) == 4
    rng = random.Random(5)
    for _ in range(10):
        rng.shuffle(markets)
        rng.shuffle(polys)
        assert link_markets(markets, polys) == expected


def test_scales_to_thousands():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    markets = [
        kalshi(
            f"KX-{i}",
            f"Will metric {i} exceed {i * 7} on day {i % 300}?",
            start + timedelta(days=i % 300),
        )
        for i in range(2000)
    ]
    polys = [
        poly(
            str(i),
            f"Metric {i} to exceed {i * 7} on day {i % 300}?",
            start + timedelta(days=i % 300),
        )
        for i in range(2000)
    ]
    links = link_markets(markets, polys)
    assert len(links) == 2000
    assert all(link.polymarket_id == link.kalshi_ticker.removeprefix("KX-") for link in links)


def test_near_ties_are_ambiguous_and_left_unlinked():
    title = "Will the US average gas price be above $3.20 on Nov 24, 2026?"
    markets = [
        kalshi("KXGAS-26NOV2404-T3.20", title, CLOSE),
        kalshi("KXGAS-26NOV2410-T3.20", title, CLOSE + timedelta(hours=2)),
    ]
    polys = [poly("10", "US gas price above $3.20 on November 24?", CLOSE + timedelta(minutes=30))]
    assert link_markets(markets, polys) == ()
    # Alone, the same pair links.
    assert len(link_markets(markets[:1], polys)) == 1
    # With the smallest margin, the closer close date wins; a tie is never a link.
    unguarded = LinkConfig(ambiguity_margin=SCORE_QUANTUM)
    assert [link.kalshi_ticker for link in link_markets(markets, polys, config=unguarded)] == [
        "KXGAS-26NOV2404-T3.20"
    ]
    tied = [markets[0], markets[1].model_copy(update={"close_time": CLOSE + timedelta(hours=1)})]
    assert link_markets(tied, polys, config=unguarded) == ()
    with pytest.raises(ValidationError):
        LinkConfig(ambiguity_margin=Decimal(0))


def test_numbers_may_be_omitted_on_one_side_but_not_contradict():
    assert (
        similarity("Vegas at Colorado winner", "Vegas vs. Colorado: will Colorado win on Nov 27?")
        > 0
    )
    assert (
        similarity("ETH above $3,550 at 3pm on Nov 29", "Ethereum above $3,550 on November 29?") > 0
    )
    assert similarity("ETH above $3,550 on Nov 29", "ETH above $3,600 on Nov 29") == 0


def test_linker_scores_a_pair_once_and_again_only_when_a_side_changes():
    markets = [
        kalshi("KXFED-26DEC", "Will the Fed cut rates in December 2026?"),
        kalshi("KXBTC-26DEC31-100K", "Will Bitcoin reach $100,000 by December 31, 2026?"),
    ]
    polys = [
        poly("10", "Fed rate cut in December 2026?"),
        poly("11", "Will Bitcoin hit $100k by Dec 31?"),
        poly("13", "Will Bitcoin hit $150k by Dec 31?"),
    ]
    linker = Linker()
    first = linker.link(markets, polys)
    assert first == link_markets(markets, polys)
    assert linker.pairs_scored == 2  # $150k and $100,000 disagree: never compared
    repriced = [p.model_copy(update={"yes_price": Decimal("0.3")}) for p in polys]
    assert linker.link(markets, repriced) == first
    assert linker.pairs_scored == 0
    # The Bitcoin twin is reworded into the $150k market's rival: only its pairs are scored.
    reworded = [*repriced[:1], poly("11", "Will Bitcoin hit $150k by Dec 31?"), repriced[2]]
    assert linker.link(markets, reworded) == link_markets(markets, reworded)
    assert linker.pairs_scored == 0  # now comparable with no Kalshi market
    assert [link.kalshi_ticker for link in linker.link(markets[:1], reworded)] == ["KXFED-26DEC"]
    assert linker.pairs_scored == 0
    # A subtitle that repeats the title's words files the market under the same keys twice.
    title = "Will the Fed cut rates in December 2026?"
    moved = [kalshi("KXFED-26DEC", title, CLOSE + timedelta(1), subtitle="Fed cut")]
    assert linker.link(moved, reworded) == link_markets(moved, reworded)
    assert linker.pairs_scored == 1
    assert linker.link([], reworded) == ()


def test_a_ladder_of_strikes_links_each_market_to_its_own_twin():
    title = "Will the high temp in Miami be >{}° on Jan 7, 2026?"
    markets = [kalshi(f"KXHIGHMIA-26JAN07-T{s}", title.format(s)) for s in (72, 74, 76, 78)]
    polys = [
        poly(
            f"p{s}", f"Miami high temperature above {s}°F on January 7?", CLOSE + timedelta(hours=5)
        )
        for s in (78, 76, 74, 72)
    ]
    links = link_markets(markets, polys)
    assert [(link.kalshi_ticker[-2:], link.polymarket_id) for link in links] == [
        ("72", "p72"),
        ("74", "p74"),
        ("76", "p76"),
        ("78", "p78"),
    ]


def test_a_ladder_of_identical_titles_links_each_market_to_the_twin_closing_with_it():
    """Worded alike, told apart by close time; the ladder's text is scored once."""
    title, question = "Will it rain in NYC this week?", "Rain in NYC this week?"
    markets = [kalshi(f"KXRAIN-{day}", title, CLOSE + timedelta(days=day)) for day in range(5)]
    polys = [poly(f"p{day}", question, CLOSE + timedelta(days=day, hours=3)) for day in range(5)]
    linker = Linker()
    links = linker.link(markets, polys)
    assert [(link.kalshi_ticker, link.polymarket_id) for link in links] == [
        (f"KXRAIN-{day}", f"p{day}") for day in range(5)
    ]
    assert linker.pairs_scored == 1
    # A sixth rung, a week on, is linked without scoring a title again.
    later = CLOSE + timedelta(days=7)
    grown = linker.link(
        [*markets, kalshi("KXRAIN-7", title, later)], [*polys, poly("p7", question, later)]
    )
    assert ("KXRAIN-7", "p7") in {(link.kalshi_ticker, link.polymarket_id) for link in grown}
    assert linker.pairs_scored == 0
    # A twin moved next to another rung: the rungs it reaches are ranked again, as fresh.
    moved = [
        p.model_copy(update={"end_date": CLOSE + timedelta(days=1, hours=4)}) if p.id == "p3" else p
        for p in polys
    ]
    assert linker.link(markets, moved) == link_markets(markets, moved)
    assert "KXRAIN-1" not in {link.kalshi_ticker for link in linker.link(markets, moved)}
    # Two twins a few hours apart around one market: ambiguous, neither links.
    crowded = [*polys, poly("p2b", question, CLOSE + timedelta(days=2, hours=-2))]
    assert "KXRAIN-2" not in {link.kalshi_ticker for link in link_markets(markets, crowded)}


def test_a_reworded_market_is_linked_again_and_the_rest_are_not_rescored():
    markets = [
        kalshi("KXFED-26DEC", "Will the Fed cut rates in December 2026?"),
        kalshi("KXCPI-26DEC", "Will CPI inflation exceed 3% in December 2026?"),
    ]
    polys = [
        poly("10", "Fed rate cut in December 2026?"),
        poly("11", "CPI inflation above 3% in December 2026?"),
        poly("12", "Will the ECB cut rates in December 2026?"),
    ]
    linker = Linker()
    assert {link.polymarket_id for link in linker.link(markets, polys)} == {"10", "11"}
    reworded = [markets[0].model_copy(update={"title": "Will the ECB cut rates in December 2026?"})]
    links = linker.link([*reworded, markets[1]], polys)
    assert [(link.kalshi_ticker, link.polymarket_id) for link in links] == [
        ("KXCPI-26DEC", "11"),
        ("KXFED-26DEC", "12"),
    ]
    assert links == link_markets([*reworded, markets[1]], polys)
    assert linker.pairs_scored == 2  # the new wording against the two questions it could match


def test_a_doubtful_match_is_no_second_opinion_but_a_configured_pair_always_is() -> None:
    def link(confidence: str, method: LinkMethod) -> MarketLink:
        return MarketLink(
            kalshi_ticker="KX-1",
            polymarket_id="7",
            confidence=Decimal(confidence),
            method=method,
        )

    assert is_opinion(link("0.90", LinkMethod.MATCHED), Decimal("0.85"))
    assert is_opinion(link("0.85", LinkMethod.MATCHED), Decimal("0.85"))
    assert not is_opinion(link("0.84", LinkMethod.MATCHED), Decimal("0.85"))
    assert is_opinion(link("0.5", LinkMethod.CONFIGURED), Decimal("0.85"))
