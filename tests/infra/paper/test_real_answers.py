"""The paper venue on real captured answers (issue 18's "done when"): pointed at a loopback
server replaying tests/corpus (`--venue paper --data-url http://127.0.0.1:PORT/trade-api/v2`),
a trading cycle scans every non-combo market the venue lists and quarantines none."""

from __future__ import annotations

from pathlib import Path

from actors.system import TradingSystem
from domain.health import Part
from infra.db.migrate import migrate
from infra.settings import load_settings
from infra.venue import connect
from tests.corpus_server import is_combo, listed_markets, serve_corpus
from tests.infra.kalshi.recording_server import RecordingServer
from tests.logs import capture_logs


def test_a_paper_cycle_on_real_answers_scans_every_non_combo_market(tmp_path: Path) -> None:
    server = serve_corpus(RecordingServer()).start()
    book = tmp_path / "book.db"
    migrate(book)
    settings = load_settings(
        venue="paper",
        data_url=server.base_url,
        db=book,
        paper={"account_db": tmp_path / "paper.db"},
    )
    venue = connect(settings)
    system = TradingSystem(settings, venue, book)
    try:
        with capture_logs() as warnings:
            system.start()
            assert system.reconcile(enable_trading=True).ok
            stats = system.run_cycle(1, 120)
    finally:
        system.stop()
        venue.close()
        server.stop()
    open_plain = [m for m in listed_markets() if m["status"] == "active" and not is_combo(m)]
    assert len(open_plain) > 250
    assert stats is not None
    assert stats.markets_scanned == len(open_plain)
    assert stats.polymarket_markets == 1  # the captured open Gamma entry
    assert [w for w in warnings if "quarantined" in w] == []
    assert [h.problem for h in stats.unhealthy if h.part is Part.SCANNER] == []
    (listing,) = server.calls("GET", "/markets")
    assert (listing.param("status"), listing.param("mve_filter")) == ("open", "exclude")
