"""Issue 10's examples end to end: the real system on the simulator, behind a mutating proxy.

The proxy edits whatever the simulator answers (it never relies on its exact output): it adds
an absurd position to the real position list, corrupts a few of the real markets, or replaces
an answer by one nested 200,000 deep or one that trickles a byte every 2 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from actors.system import TradingSystem
from domain.models import LedgerReason
from infra.db.migrate import migrate
from infra.db.repository import Database
from infra.kalshi.backoff import RetryPolicy
from infra.kalshi.client import KalshiClient
from infra.kalshi.transport import ResponseLimits
from infra.unknown_values import UNKNOWN_VALUES
from infra.venue import Venue, connect
from services.status_data import read_status, status_object
from tests.actors.system_harness import settings_for
from tests.infra.kalshi import payloads as p
from tests.logs import capture_logs
from tests.mutating_proxy import MutatingProxy, edit_json, nested, replace_body, trickle

SMALL = {"scanner": {"max_candidates": 4}, "polymarket": {"enabled": False}, "sim": {"markets": 60}}
QUICK = RetryPolicy(attempts=2, base_delay=0.05, max_delay=0.1)
CYCLE_TIMEOUT = 60.0


@dataclass
class Rig:
    system: TradingSystem
    venue: Venue
    proxy: MutatingProxy
    path: Path

    def ledger(self) -> list[Any]:
        with Database.open(self.path) as db, db.read() as repo:
            return list(repo.ledger_entries())

    def positions(self) -> list[Any]:
        with Database.open(self.path) as db, db.read() as repo:
            return repo.all_positions()


@contextmanager
def rig(
    tmp_path: Path,
    mutate: Callable[[MutatingProxy], None],
    limits: ResponseLimits | None = None,
) -> Iterator[Rig]:
    """A trading system whose Kalshi client talks to the simulator through the proxy."""
    path = tmp_path / "book.db"
    settings = settings_for(path, **SMALL)
    migrate(path)
    venue = connect(settings, scale_clock=lambda: 0.0)
    assert venue.sim is not None
    proxy = MutatingProxy(venue.sim.gamma_url).start()
    mutate(proxy)
    direct = venue.client
    venue.client = KalshiClient(
        f"{proxy.url}/trade-api/v2",
        direct.signer,
        direct.limiter,
        limits=limits,
        retry=QUICK,
        bounds=direct.bounds,
    )
    direct.close()
    system = TradingSystem(settings, venue, path)
    try:
        system.start()
        yield Rig(system, venue, proxy, path)
    finally:
        system.stop()
        venue.close()
        proxy.stop()


def with_position(**fields: Any) -> Callable[[Any], None]:
    """Add one position (current shape, A5.8) to whatever positions the venue listed."""
    record = {
        "ticker": "KXHOSTILE-26DEC31-T1",
        "position_fp": "10.00",
        "market_exposure_dollars": "5.000000",
        "realized_pnl_dollars": "0.000000",
        "fees_paid_dollars": "0.000000",
        "total_traded_dollars": "5.000000",
        "last_updated_ts": "2026-11-24T12:00:00Z",
        **fields,
    }
    return lambda page: page.setdefault("market_positions", []).append(record)


@pytest.mark.parametrize(
    "fields",
    [
        {"market_exposure_dollars": "999999999999.00"},  # the issue's $999,999,999,999 debit
        {"market_exposure_dollars": "-5.000000"},  # a ValidationError in DebitFunds before
        {"market_exposure_dollars": "5.0000001"},  # seven decimals
        {"position_fp": str(10**30)},
    ],
    ids=["huge-exposure", "negative-exposure", "seven-decimals", "huge-position"],
)
def test_an_absurd_position_fails_start_up_reconciliation_closed(
    tmp_path: Path, fields: dict[str, str]
) -> None:
    def mutate(proxy: MutatingProxy) -> None:
        proxy.on("GET", "/portfolio/positions", edit_json(with_position(**fields)))

    with rig(tmp_path, mutate) as r:
        report = r.system.reconcile(enable_trading=True)
        assert not report.ok
        assert "market_positions[" in report.error  # names the record and the field
        assert [e.reason for e in r.ledger()] == [LedgerReason.INITIAL]  # nothing applied
        assert r.positions() == []


@pytest.mark.parametrize(
    "fields",
    [{"revenue": 10**32}, {"revenue_dollars": str(10**30)}, {"revenue": -500}],
    ids=["legacy-revenue-1e30", "revenue-1e30", "negative-revenue"],
)
def test_an_absurd_settlement_fails_reconciliation_closed(
    tmp_path: Path, fields: dict[str, Any]
) -> None:
    """The issue's 10^30 settlement revenue: nothing is credited, the reconciliation fails
    closed naming the record."""
    record = {**p.SETTLEMENT_CURRENT, "ticker": "KXHOSTILE-26DEC31-T1", **fields}

    def mutate(proxy: MutatingProxy) -> None:
        proxy.on(
            "GET",
            "/portfolio/settlements",
            edit_json(lambda page: page.setdefault("settlements", []).append(record)),
        )

    with rig(tmp_path, mutate) as r:
        report = r.system.reconcile(enable_trading=True)
        assert not report.ok
        assert "settlements[" in report.error  # names the record and the field
        assert [e.reason for e in r.ledger()] == [LedgerReason.INITIAL]  # nothing applied
        assert r.positions() == []


def test_a_plausible_unknown_position_is_still_recovered(tmp_path: Path) -> None:
    """The control: the same injected record, sane, is adopted as before."""

    def mutate(proxy: MutatingProxy) -> None:
        proxy.on("GET", "/portfolio/positions", edit_json(with_position()))

    with rig(tmp_path, mutate) as r:
        report = r.system.reconcile(enable_trading=True)
        assert report.ok, report.error
        assert report.recovered == 1


ODD_MARKETS: list[tuple[str, Any]] = [
    ("yes_bid_dollars", "0.4000001"),
    ("volume_fp", "12.345"),
    ("last_price_dollars", "999999999999999.999999"),
    ("volume", 10**30),  # legacy field, with volume_fp removed
    ("yes_bid_dollars", "-0.40"),
    ("yes_ask_dollars", "5.00"),
]


def corrupt_first_markets(page: dict[str, Any]) -> None:
    for market, (field, value) in zip(page["markets"], ODD_MARKETS, strict=False):
        if field == "volume":
            market.pop("volume_fp", None)
        market[field] = value


def test_odd_market_numbers_are_quarantined_and_storage_keeps_going(tmp_path: Path) -> None:
    def mutate(proxy: MutatingProxy) -> None:
        proxy.on("GET", "/markets", edit_json(corrupt_first_markets), times=1)

    with rig(tmp_path, mutate) as r:
        assert r.system.reconcile(enable_trading=True).ok
        with capture_logs() as lines:
            stats = r.system.run_cycle(1, CYCLE_TIMEOUT)
        assert stats is not None, "Storage or the Scanner died"
        listed = len(r.venue.sim.exchange.markets) if r.venue.sim else 0
        assert 0 < stats.markets_scanned <= listed
        quarantined = [line for line in lines if "quarantined" in line]
        assert len(quarantined) == len(ODD_MARKETS)
        for line, (field, _) in zip(quarantined, ODD_MARKETS, strict=True):
            assert "GET /markets" in line
            assert field in line
        assert r.system.run_cycle(2, CYCLE_TIMEOUT) is not None  # Storage is alive


def test_a_body_nested_200000_deep_does_not_crash_the_scanner(tmp_path: Path) -> None:
    def mutate(proxy: MutatingProxy) -> None:
        proxy.on("GET", "/markets", replace_body(nested(200_000)), times=QUICK.attempts)

    with rig(tmp_path, mutate) as r:
        assert r.system.reconcile(enable_trading=True).ok
        stats = r.system.run_cycle(1, CYCLE_TIMEOUT)
        assert stats is not None  # the marker came through: no crash, no stall
        assert any("nested more than" in error for error in stats.errors)
        assert r.system.run_cycle(2, CYCLE_TIMEOUT).markets_scanned > 0  # type: ignore[union-attr]


def test_a_market_status_the_bot_does_not_know_is_read_past_and_shown_by_status(
    tmp_path: Path,
) -> None:
    """A new enum value breaks no record (the market is listed, never traded): it is logged
    once and counted in the scanner's health note, which `status` shows."""
    UNKNOWN_VALUES.reset()

    def pause_first(page: Any) -> None:
        page["markets"][0]["status"] = "paused"

    def mutate(proxy: MutatingProxy) -> None:
        proxy.on("GET", "/markets", edit_json(pause_first))

    try:
        with rig(tmp_path, mutate) as r:
            assert r.system.reconcile(enable_trading=True).ok
            stats = r.system.run_cycle(1, CYCLE_TIMEOUT)
            assert stats is not None
            assert stats.unhealthy == ()  # read past: not a failure
            seen = status_object(read_status(r.path))["health"]
            [scanner] = [part for part in seen["parts"] if part["part"] == "scanner"]
            assert scanner["healthy"] is True
            assert scanner["note"] == (
                "read past 1 value(s) this bot does not know: kalshi market.status=paused x1"
            )
            assert seen["ok"] is True
    finally:
        UNKNOWN_VALUES.reset()


def test_a_trickling_answer_ends_at_the_deadline(tmp_path: Path) -> None:
    def mutate(proxy: MutatingProxy) -> None:
        proxy.on("GET", "/markets", trickle(interval=2.0), times=QUICK.attempts)

    with rig(tmp_path, mutate, limits=ResponseLimits(deadline=3.0)) as r:
        assert r.system.reconcile(enable_trading=True).ok
        stats = r.system.run_cycle(1, CYCLE_TIMEOUT)
        assert stats is not None
        assert any("longer than 3 s" in error for error in stats.errors)


def test_a_candidate_whose_book_cannot_be_read_is_skipped_and_the_rest_analysed(
    tmp_path: Path,
) -> None:
    """The candidates' books are read several at a time; one refused read loses one."""

    def mutate(proxy: MutatingProxy) -> None:
        proxy.on("GET", "/orderbook", replace_body(b"not json"), times=1)

    with rig(tmp_path, mutate) as r:
        assert r.system.reconcile(enable_trading=True).ok
        stats = r.system.run_cycle(1, CYCLE_TIMEOUT)
        assert stats is not None
        assert dict(stats.skipped).get("BOOK_UNAVAILABLE") == 1
        assert stats.candidates == SMALL["scanner"]["max_candidates"] - 1
        assert r.proxy.hits("/orderbook") == 1
