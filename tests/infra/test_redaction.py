"""Credentials never leave (issue 20, point 5): a URL's user information and credential-named
query values, and every configured secret, are masked in every log sink (console, file, JSON),
in exception text and tracebacks, in the SDKs' own HTTP log lines, in `config` and in the
default book's file name."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from loguru import logger

from domain.health import HealthCheck, Part
from domain.models import Heartbeat
from infra.db.migrate import migrate
from infra.db.repository import Database
from infra.llm import ClaudeProvider
from infra.logs import HTTP_CLIENT_LOGGERS, setup_logging
from infra.settings import default_database
from infra.urls import redact_urls
from tests.fakes.llm_server import FakeLlmServer
from tests.in_process import run_main_in_process
from tests.process_helpers import child_env

SECRET = "sk-secret-0123456789"
PASSWORD = "hunter2-pw"
TOKEN = "tok-98765"
URL = f"https://trader:{PASSWORD}@proxy.example.com/trade-api/v2?api_key={TOKEN}&limit=5"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    setup_logging("INFO")


def assert_masked(text: str) -> None:
    for credential in (SECRET, PASSWORD, TOKEN):
        assert credential not in text, text
    assert "***" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (URL, "https://***@proxy.example.com/trade-api/v2?api_key=***&limit=5"),
        ("see http://tok@h:80/x", "see http://***@h:80/x"),
        ("GET /markets?cursor=abc&status=open", "GET /markets?cursor=abc&status=open"),
        ("'https://h/v1?access_token=zz'", "'https://h/v1?access_token=***'"),
    ],
)
def test_a_url_s_credentials_are_masked_and_nothing_else(text: str, expected: str) -> None:
    assert redact_urls(text) == expected


def failure() -> RuntimeError:
    try:
        try:
            raise ConnectionError(f"cannot reach {URL}")
        except ConnectionError as cause:
            raise RuntimeError(f"request with key {SECRET} failed") from cause
    except RuntimeError as error:
        return error


@pytest.mark.parametrize("json_lines", [False, True])
def test_exception_text_and_tracebacks_are_masked_in_every_sink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], json_lines: bool
) -> None:
    log = tmp_path / "bot.log"
    setup_logging("DEBUG", log, json=json_lines, secrets=[SECRET])
    logger.opt(exception=failure()).error("the order failed at {}", URL)
    logging.getLogger("pykka").error("actor died", exc_info=failure())  # the stdlib bridge
    logger.complete()
    console = capsys.readouterr().err
    setup_logging("INFO")  # closes the file
    written = log.read_text()
    for sink in (console, written):
        assert_masked(sink)
        assert "Traceback (most recent call last)" in sink
        assert "ConnectionError: cannot reach https://***@proxy.example.com" in sink  # the cause
    if json_lines:
        records = [json.loads(line) for line in written.splitlines()]
        assert len(records) == 2
        assert all(record["record"]["exception"] is None for record in records)


def test_an_exception_at_info_is_summed_up_masked_on_the_console(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging("INFO", secrets=[SECRET])
    logger.opt(exception=failure()).error("the order failed")
    logger.complete()
    [line] = [x for x in capsys.readouterr().err.splitlines() if "the order failed" in x]
    assert "RuntimeError: request with key *** failed" in line
    assert "Traceback" not in line


def test_the_sdk_s_http_logger_is_demoted_and_masked(capsys: pytest.CaptureFixture[str]) -> None:
    assert "httpx2" in HTTP_CLIENT_LOGGERS  # the anthropic and openai SDKs' own httpx
    with FakeLlmServer() as fake:
        host = fake.url.split("://", 1)[1]
        base_url = f"http://trader:{PASSWORD}@{host}"
        for level in ("INFO", "DEBUG"):
            setup_logging(level)
            claude = ClaudeProvider("claude-x", 200, None, api_key=SECRET, base_url=base_url)
            try:
                claude.complete("system", "user")
            finally:
                claude.close()
            logger.complete()
            shown = capsys.readouterr().err
            if level == "INFO":
                assert "HTTP Request" not in shown  # a request a line is detail, not news
            else:
                [line] = [x for x in shown.splitlines() if "HTTP Request" in x]
                assert " DEBUG " in line
                assert PASSWORD not in line
                assert "http://***@" in line


def test_config_prints_no_credential_of_a_url() -> None:
    ran = run_main_in_process("config", "--venue", "sim", "--exchange-url", URL, env=child_env())
    assert ran.returncode == 0, ran.stderr
    [line] = [x for x in ran.stdout.splitlines() if x.startswith("exchange_url")]
    assert_masked(line)


def test_the_default_book_is_named_from_the_host_never_the_credentials() -> None:
    path = default_database("sim", URL)
    assert path.name == "pm-trader-sim-proxy.example.com.db"
    local = default_database("sim", f"http://u:{PASSWORD}@127.0.0.1:8800/trade-api/v2")
    assert local.name == "pm-trader-sim-127.0.0.1-8800.db"


def test_error_text_kept_in_the_book_has_no_credentials(tmp_path: Path) -> None:
    """The status row's last error and a part's health problem, as `status` shows them."""
    book = tmp_path / "book.db"
    migrate(book)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    problem = f"scan: cannot reach {URL}"
    with Database.open(book) as database, database.unit_of_work() as repo:
        repo.record_heartbeat(Heartbeat(last_error_at=at, last_error=problem))
        repo.record_health(HealthCheck(part=Part.SCANNER, cycle=1, checked_at=at, problem=problem))
    with Database.open(book) as database, database.read() as repo:
        heartbeat = repo.heartbeat()
        [health] = repo.health()
    assert heartbeat is not None
    assert heartbeat.last_error is not None
    assert health.problem is not None
    for text in (heartbeat.last_error, health.problem):
        assert_masked(text)
        assert "https://***@proxy.example.com" in text
