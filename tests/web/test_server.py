"""The dashboard over plain HTTP, in process, on the traded book (tests/shared_book.py): its
figures are `status --json`'s and `trades --json`'s, /metrics and /healthz answer from the same
book, and the controls write the CLI's operator requests only with the token."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from domain.errors import StartupFailed
from domain.halts import HaltCode, OperatorAction
from infra.lockfile import DatabaseLock
from infra.operator import request
from services.status_data import read_current_status, status_object
from tests.in_process import run_main_in_process
from tests.process_helpers import child_env
from tests.shared_book import TradedBook
from tests.web.dashboard_helpers import TOKEN, FixedClock, post, serving, settings_for
from web.server import DashboardServer, is_loopback, served_dashboard


def _get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=10)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _without_usd(value: Any) -> Any:
    """The object less the display strings the dashboard adds (`*_usd`)."""
    if isinstance(value, list):
        return [_without_usd(item) for item in value]
    if isinstance(value, dict):
        return {k: _without_usd(v) for k, v in value.items() if not k.endswith("_usd")}
    return value


def _rows(book: TradedBook, query: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(book.path)) as connection:
        return connection.execute(query).fetchall()


def test_the_page_and_its_assets_come_from_the_dashboard_itself(traded_book: TradedBook) -> None:
    with serving(settings_for(traded_book.path)) as url:
        page = _get(url + "/")
        script = _get(url + "/static/app.js")
        missing = _get(url + "/static/../server.py")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert '<script src="/static/app.js"' in page.text
    assert "//" not in page.text.replace("http://www.w3.org", "")  # nothing from elsewhere
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert missing.status_code == 404


def test_its_figures_are_status_jsons_and_trades_jsons(traded_book: TradedBook) -> None:
    with serving(settings_for(traded_book.path)) as url:
        board = _get(url + "/api/dashboard").json()
    cli = run_main_in_process("status", "--json", "--db", str(traded_book.path))
    assert cli.returncode == 0, cli.stderr
    assert _without_usd(board["status"]) == json.loads(cli.stdout)
    assert board["status"]["equity_usd"].startswith("$")
    trades = run_main_in_process("trades", "--json", "--db", str(traded_book.path))
    newest_first = json.loads(trades.stdout)[::-1]
    assert [t["position_id"] for t in board["trades"]] == [t["position_id"] for t in newest_first]
    assert [t["fees"] for t in board["trades"]] == [t["fees"] for t in newest_first]
    assert board["trades_total"] == len(newest_first)
    (last,) = board["equity_curve"][-1:]
    cash, positions = _rows(traded_book, "SELECT cash, positions FROM equity_history")[-1]
    assert Decimal(last["cash"]) == Decimal(cash) / 10**6
    assert Decimal(last["equity"]) == Decimal(cash + positions) / 10**6
    assert board["controls"] is False
    assert board["llm"]["daily_budget"] == "10.00"


def test_metrics_are_the_books_figures(traded_book: TradedBook) -> None:
    with serving(settings_for(traded_book.path)) as url:
        answer = _get(url + "/metrics")
    assert answer.status_code == 200
    samples = _samples(answer.text)
    data = read_current_status(traded_book.path)
    assert samples[("pmt_equity_dollars", ())] == float(data.equity)
    assert samples[("pmt_cash_dollars", ())] == float(data.bankroll)
    assert samples[("pmt_open_positions", ())] == len(data.held) > 0
    ((fills, fees),) = _rows(traded_book, "SELECT COUNT(*), SUM(fee) FROM fills")
    assert samples[("pmt_fills_total", ())] == fills > 0
    assert samples[("pmt_fees_dollars_total", ())] == pytest.approx(fees / 10**6)
    ((calls,),) = _rows(traded_book, "SELECT COUNT(*) FROM llm_calls")
    llm = sum(v for (name, _), v in samples.items() if name == "pmt_llm_calls_total")
    assert llm == calls > 0
    assert samples[("pmt_halted", ())] == 0
    assert samples[("pmt_bot_running", ())] == 0
    assert samples[("pmt_quarantined_records", ())] == 0
    assert samples[("pmt_cycle_duration_seconds", ())] >= 0
    assert samples[("pmt_part_healthy", (("part", "scanner"),))] == 1
    assert ("pmt_reconcile_failures_total", ()) in samples
    assert samples[("pmt_llm_daily_budget_dollars", ())] == 10
    ((day_start, peak),) = _rows(traded_book, "SELECT day_start, peak FROM kill_switch")
    assert samples[("pmt_equity_day_start_dollars", ())] == day_start / 10**6
    assert samples[("pmt_equity_peak_dollars", ())] == peak / 10**6


def test_healthz_is_503_with_no_bot_running_and_200_while_one_runs_and_cycles(
    traded_book_copy: TradedBook,
) -> None:
    book = traded_book_copy.path
    heartbeat = read_current_status(book).heartbeat
    assert heartbeat is not None
    assert heartbeat.heartbeat_at is not None
    clock = FixedClock(heartbeat.heartbeat_at + timedelta(seconds=30))
    settings = settings_for(book, max_cycle_age=Decimal(60))
    with serving(settings, clock) as url:
        stopped = _get(url + "/healthz")
        lock = DatabaseLock(book)
        lock.acquire()
        try:
            alive = _get(url + "/healthz")
            clock.moment += timedelta(seconds=31)
            stale = _get(url + "/healthz")
        finally:
            lock.release()
    assert stopped.status_code == 503
    assert stopped.json()["problems"] == ["no bot is running on this book"]
    assert alive.status_code == 200, alive.json()
    assert alive.json()["last_cycle_age_seconds"] == 30
    assert stale.status_code == 503
    assert stale.json()["problems"] == ["the last cycle ended 61 s ago, more than 60 s"]


def test_controls_are_refused_without_the_token_and_write_the_clis_request_with_it(
    traded_book_copy: TradedBook,
) -> None:
    book = traded_book_copy.path
    with serving(settings_for(book)) as url:
        read_only = post(url + "/api/control/pause", TOKEN)
    assert read_only.status_code == 403
    with serving(settings_for(book, token=TOKEN)) as url:
        assert _get(url + "/api/dashboard").json()["controls"] is True
        assert post(url + "/api/control/pause", None).status_code == 401
        assert post(url + "/api/control/pause", "wrong-token-wrong-token").status_code == 401
        paused = post(url + "/api/control/pause", TOKEN)
        resumed = post(url + "/api/control/resume", TOKEN, {"code": "PAUSED"})
        sale = post(url + "/api/control/close", TOKEN, {"ticker": traded_book_copy.ticker})
        unknown = post(url + "/api/control/close", TOKEN, {"ticker": "KX-NOT-HELD"})
        bad_code = post(url + "/api/control/resume", TOKEN, {"code": "CASH_DRIFT"})
        lock = DatabaseLock(book)
        lock.acquire()
        try:
            sold = post(url + "/api/control/close", TOKEN, {"ticker": traded_book_copy.ticker})
        finally:
            lock.release()
    assert paused.status_code == 200, paused.json()
    assert "waits for the next start" in paused.json()["message"]
    assert resumed.status_code == 200, resumed.json()
    assert sale.status_code == 409  # no bot running: a sale is never left waiting
    assert unknown.status_code == 409
    assert bad_code.status_code == 409
    assert sold.status_code == 200, sold.json()
    requests_made = _rows(
        traded_book_copy,
        "SELECT action, code, ticker, requested_by FROM operator_commands ORDER BY id",
    )
    assert [r[:3] for r in requests_made] == [
        ("pause", "PAUSED", None),
        ("resume", "PAUSED", None),
        ("close", None, traded_book_copy.ticker),
    ]
    assert all("(dashboard, from 127.0.0.1)" in r[3] for r in requests_made)
    status = status_object(read_current_status(book))
    assert [r["action"] for r in status["operator_requests"]] == ["close", "resume", "pause"]


def test_a_request_addressed_to_another_name_is_refused_on_loopback(
    traded_book: TradedBook,
) -> None:
    with serving(settings_for(traded_book.path)) as url:
        rebound = _get(url + "/api/dashboard", Host="attacker.example:8686")
        by_name = _get(url.replace("127.0.0.1", "localhost") + "/healthz")
    assert rebound.status_code == 403
    assert by_name.status_code == 503  # answered (no bot runs on this book)


def test_a_missing_book_is_one_clear_error(tmp_path: Any) -> None:
    with serving(settings_for(tmp_path / "none.db")) as url:
        answer = _get(url + "/api/dashboard")
    assert answer.status_code == 503
    assert "no pm-trader book" in answer.json()["error"]


def test_the_running_bot_serves_the_dashboard_when_asked(tmp_path: Path) -> None:
    ran = run_main_in_process(
        "--cycles",
        "0",
        "--db",
        str(tmp_path / "served.db"),
        env=child_env(PMT_DASHBOARD__SERVE="true", PMT_DASHBOARD__PORT="0"),
    )
    assert ran.returncode == 0, ran.stderr
    assert "dashboard at http://127.0.0.1:" in ran.stderr
    assert "(read-only); /metrics and /healthz beside it" in ran.stderr


def test_served_beside_the_bot_it_answers_and_a_busy_port_stops_the_start(
    traded_book: TradedBook,
) -> None:
    settings = settings_for(traded_book.path, serve=True)
    with served_dashboard(settings, traded_book.path) as server:
        assert server is not None
        assert _get(server.url + "healthz").status_code == 503  # no bot holds this book
        port = server.httpd.server_address[1]
        busy = settings_for(traded_book.path, serve=True, port=port)
        with (
            pytest.raises(StartupFailed, match=r"cannot listen on 127\.0\.0\.1:"),
            served_dashboard(busy, traded_book.path),
        ):
            pass
    with served_dashboard(settings_for(traded_book.path), traded_book.path) as nothing:
        assert nothing is None


def test_answers_are_kept_for_the_cache_window_so_pages_never_load_the_book_more(
    traded_book_copy: TradedBook,
) -> None:
    book = traded_book_copy.path
    with DashboardServer(settings_for(book), cache=3600) as server:
        first = _get(server.url + "api/dashboard").json()
        request(book, OperatorAction.PAUSE, HaltCode.PAUSED)  # the book changes...
        again = _get(server.url + "api/dashboard").json()
    assert again == first  # ...and the kept answer is served, not a new read
    with serving(settings_for(book)) as url:
        fresh = _get(url + "/api/dashboard").json()
    assert [r["action"] for r in fresh["status"]["operator_requests"]] == ["pause"]


def test_only_loopback_addresses_count_as_this_machine() -> None:
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "192.168.1.5", "example.com"))
