"""The dashboard's settings and command: the token is a secret (never printed by `config`,
masked in every log line, too short a token refused before anything starts); a bad port flag and
a port in use are one line each."""

from __future__ import annotations

import socket

from tests.in_process import run_main_in_process
from tests.process_helpers import child_env
from tests.shared_book import TradedBook
from tests.web.dashboard_helpers import TOKEN


def test_config_never_prints_the_token_and_the_log_masks_it() -> None:
    shown = run_main_in_process(
        "config", "--log-level", "DEBUG", env=child_env(PMT_DASHBOARD__TOKEN=TOKEN)
    )
    assert shown.returncode == 0, shown.stderr
    assert "[dashboard]" in shown.stdout
    assert "# token =" in shown.stdout
    assert TOKEN not in shown.stdout + shown.stderr


def test_a_short_token_is_a_configuration_error() -> None:
    refused = run_main_in_process("config", env=child_env(PMT_DASHBOARD__TOKEN="short"))
    assert refused.returncode == 2
    assert "at least 16 characters" in refused.stderr
    assert "short" not in refused.stderr.replace("at least", "")


def test_a_bad_port_flag_is_a_configuration_error(tmp_path: object) -> None:
    refused = run_main_in_process("dashboard", "--port", "70000", "--db", f"{tmp_path}/x.db")
    assert refused.returncode == 2
    assert "port" in refused.stdout + refused.stderr


def test_a_port_in_use_is_one_line_and_exit_1(traded_book: TradedBook) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = run_main_in_process(
            "dashboard", "--port", str(port), "--db", str(traded_book.path)
        )
    assert refused.returncode == 1
    assert f"dashboard: cannot listen on 127.0.0.1:{port}" in refused.stdout
    assert "--port" in refused.stdout
