from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.models import Market, MarketStatus
from domain.screening import ScreenSettings, screen

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
D = Decimal


def market(ticker: str, **overrides: object) -> Market:
    values: dict[str, object] = {
        "ticker": ticker,
        "event_ticker": "E",
        "status": MarketStatus.ACTIVE,
        "yes_bid": D("0.40"),
        "yes_ask": D("0.44"),
        "volume": D(500),
        "close_time": NOW + timedelta(hours=6),
    }
    values.update(overrides)
    return Market.model_validate(values)


def test_each_filter_has_its_reason() -> None:
    markets = [
        market("OK"),
        market("CLOSED", status=MarketStatus.CLOSED),
        market("HELD"),
        market("THIN", volume=D(5)),
        market("NOQUOTE", yes_ask=None),
        market("WIDE", yes_ask=D("0.70")),
        market("SOON", close_time=NOW + timedelta(minutes=1)),
        market("FAR", close_time=NOW + timedelta(days=90)),
        market("COOL"),
    ]
    result = screen(
        markets,
        NOW,
        ScreenSettings(min_volume=D(10)),
        held=frozenset({"HELD"}),
        last_analyzed={"COOL": NOW - timedelta(minutes=5), "OK": NOW - timedelta(hours=2)},
    )
    assert [m.ticker for m in result.selected] == ["OK"]
    assert dict(result.skipped) == {
        "FILTER_NOT_OPEN": 1,
        "FILTER_ALREADY_HELD": 1,
        "FILTER_LOW_VOLUME": 1,
        "FILTER_NO_QUOTE": 1,
        "FILTER_WIDE_SPREAD": 1,
        "FILTER_CLOSE_TIME": 2,
        "FILTER_COOLDOWN": 1,
    }


def test_ranked_by_volume_and_capped() -> None:
    markets = [market(f"M{i}", volume=D(i * 10)) for i in range(1, 6)]
    settings = ScreenSettings(max_candidates=2, rank_by="volume")
    result = screen(markets, NOW, settings, frozenset(), {})
    assert [m.ticker for m in result.selected] == ["M5", "M4"]
    assert dict(result.skipped) == {"FILTER_CANDIDATE_CAP": 3}


def test_preferred_markets_rank_first() -> None:
    markets = [market("BIG", volume=D(900)), market("LINKED", volume=D(10))]
    result = screen(
        markets, NOW, ScreenSettings(max_candidates=1), frozenset(), {}, frozenset({"LINKED"})
    )
    assert [m.ticker for m in result.selected] == ["LINKED"]


def test_ranked_by_close_time_by_default() -> None:
    markets = [
        market("LATE", close_time=NOW + timedelta(hours=20)),
        market("SOON", close_time=NOW + timedelta(hours=1)),
    ]
    result = screen(markets, NOW, ScreenSettings(max_candidates=1), frozenset(), {})
    assert [m.ticker for m in result.selected] == ["SOON"]


def test_only_an_active_market_is_ever_a_candidate() -> None:
    """Inactive markets are listed under `status=open` (A5.2) with live-looking fields; every
    status but `active` is dropped, whatever the quotes say."""
    statuses = [s for s in MarketStatus if s is not MarketStatus.ACTIVE]
    markets = [market(str(s), status=s) for s in statuses]
    result = screen(markets, NOW, ScreenSettings(min_volume=D(10)), frozenset(), {})
    assert result.selected == ()
    assert dict(result.skipped) == {"FILTER_NOT_OPEN": len(statuses)}


def test_a_combo_market_the_venue_returns_anyway_is_never_a_candidate() -> None:
    result = screen(
        [market("KXMVE-1", is_combo=True), market("OK")],
        NOW,
        ScreenSettings(min_volume=D(10)),
        frozenset(),
        {},
    )
    assert [m.ticker for m in result.selected] == ["OK"]
    assert dict(result.skipped) == {"FILTER_COMBO": 1}
