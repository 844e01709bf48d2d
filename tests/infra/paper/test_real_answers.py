"""The paper venue on real captured answers (issue 18's "done when"): pointed at a loopback
server replaying tests/corpus (`--venue paper --data-url http://127.0.0.1:PORT/trade-api/v2`),
a trading cycle scans every non-combo market the venue lists and quarantines none."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from actors.system import TradingSystem
from domain.health import Part
from domain.messages import CycleStats
from infra.db.migrate import migrate
from infra.settings import load_settings
from infra.venue import connect
from tests.corpus_data import gamma
from tests.corpus_server import is_combo, listed_markets, serve_corpus
from tests.infra.kalshi.recording_server import Recorded, RecordingServer, Reply
from tests.logs import capture_logs

OPEN_GAMMA = gamma("markets-keyset-limit-1.json")["markets"][0]


def _open_plain() -> list[dict[str, Any]]:
    return [m for m in listed_markets() if m["status"] == "active" and not is_combo(m)]


def _paper_cycle(
    tmp_path: Path, server: RecordingServer, **settings: Any
) -> tuple[CycleStats, list[str]]:
    """One paper cycle on `server`'s answers, in process: its figures and its warnings."""
    book = tmp_path / "book.db"
    migrate(book)
    paper = load_settings(
        venue="paper",
        data_url=server.base_url,
        db=book,
        paper={"account_db": tmp_path / "paper.db"},
        **settings,
    )
    venue = connect(paper)
    system = TradingSystem(paper, venue, book)
    try:
        with capture_logs() as warnings:
            system.start()
            assert system.reconcile(enable_trading=True).ok
            stats = system.run_cycle(1, 120)
    finally:
        system.stop()
        venue.close()
        server.stop()
    assert stats is not None
    return stats, warnings


def test_a_paper_cycle_on_real_answers_scans_every_non_combo_market(tmp_path: Path) -> None:
    server = serve_corpus(RecordingServer()).start()
    stats, warnings = _paper_cycle(tmp_path, server)
    assert len(_open_plain()) > 250
    assert stats.markets_scanned == len(_open_plain())
    assert stats.polymarket_markets == 1  # the captured open Gamma entry
    assert [w for w in warnings if "quarantined" in w] == []
    assert [h.problem for h in stats.unhealthy if h.part is Part.SCANNER] == []
    (listing,) = server.calls("GET", "/markets")
    assert (listing.param("status"), listing.param("mve_filter")) == ("open", "exclude")


def test_a_real_gamma_entry_paired_with_a_real_market_is_a_second_opinion(
    tmp_path: Path,
) -> None:
    ticker = _open_plain()[0]["ticker"]
    server = serve_corpus(RecordingServer()).start()
    stats, _ = _paper_cycle(tmp_path, server, polymarket={"pairs": {ticker: OPEN_GAMMA["id"]}})
    assert stats.linked == 1


def test_a_paired_entry_whose_prices_are_no_probabilities_is_no_second_opinion(
    tmp_path: Path,
) -> None:
    """Hand-written: the real open entry with the legacy `["0", "0"]` prices (seen in real
    keyset pages, issue 18; no public capture holds one)."""
    ticker = _open_plain()[0]["ticker"]
    server = serve_corpus(RecordingServer()).start()
    entry = {**OPEN_GAMMA, "outcomePrices": '["0", "0"]'}

    def keyset(request: Recorded) -> Reply:
        return Reply(200, json.dumps({"markets": [entry], "next_cursor": None}, default=float))

    server.route("GET", "/markets/keyset", keyset)
    stats, _ = _paper_cycle(tmp_path, server, polymarket={"pairs": {ticker: OPEN_GAMMA["id"]}})
    assert (stats.polymarket_markets, stats.linked) == (1, 0)
    assert [h.part for h in stats.unhealthy] == [Part.LINKING]
