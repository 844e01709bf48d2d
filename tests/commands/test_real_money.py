"""Real money only by the command-line flag, each run (issue 20, point 1).

A file or an environment variable never starts live trading; live and demo send signed orders
only over https to a Kalshi host (loopback is for tests, and the log says so); a live run's
first line names the venue, the account and every cap in effect, marking the ones changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.sim.keygen import KeyPair
from tests.in_process import Ran, exchange_in_process, run_main_in_process
from tests.process_helpers import child_env, make_key_pair

FLAG = "--i-understand-this-is-real-money"
EXIT_CONFIG = 2


@pytest.fixture
def keys(tmp_path: Path) -> KeyPair:
    return make_key_pair(tmp_path)


def key_env(keys: KeyPair, **extra: str) -> dict[str, str]:
    return child_env(
        KALSHI_API_KEY_ID=keys.key_id, KALSHI_PRIVATE_KEY_PATH=str(keys.private_key), **extra
    )


def refused(outcome: Ran, db: Path, *expected: str) -> None:
    assert outcome.returncode == EXIT_CONFIG, outcome.stderr
    assert "Traceback" not in outcome.stderr
    for text in expected:
        assert text in outcome.stderr, outcome.stderr
    assert not db.exists(), "nothing may start on a refused configuration"


def test_a_config_file_cannot_confirm_real_money(tmp_path: Path, keys: KeyPair) -> None:
    config = tmp_path / "live.toml"
    config.write_text(
        'venue = "live"\nconfirm_live = true\n'
        'exchange_url = "http://127.0.0.1:9/trade-api/v2"\n[risk]\nmax_order_cost = "5000"\n'
    )
    db = tmp_path / "live.db"
    outcome = run_main_in_process("--config", str(config), "--db", str(db), env=key_env(keys))
    refused(outcome, db, "confirm_live", f"only by the command-line flag {FLAG}")


def test_an_environment_variable_cannot_confirm_real_money(tmp_path: Path, keys: KeyPair) -> None:
    db = tmp_path / "live.db"
    env = key_env(keys, PMT_CONFIRM_LIVE="true", PMT_VENUE="live")
    outcome = run_main_in_process("--db", str(db), env=env)
    refused(outcome, db, "environment variable PMT_CONFIRM_LIVE is ignored", f"add {FLAG}")


def test_live_without_the_flag_is_refused_even_with_keys(tmp_path: Path, keys: KeyPair) -> None:
    db = tmp_path / "live.db"
    outcome = run_main_in_process("--venue", "live", "--db", str(db), env=key_env(keys))
    refused(outcome, db, "--venue live trades real money", f"add {FLAG}")


@pytest.mark.parametrize(
    ("venue", "url"),
    [
        ("live", "http://127.0.0.2.nip.io:18801/trade-api/v2"),
        ("live", "https://proxy.example.com/trade-api/v2"),
        ("live", "http://external-api.kalshi.com/trade-api/v2"),  # plain http, even to Kalshi
        ("live", "https://kalshi.com.evil.example/trade-api/v2"),
        ("live", "https://10.0.0.7/trade-api/v2"),
        ("demo", "http://external-api.demo.kalshi.co/trade-api/v2"),
        ("demo", "https://demo.example.org/trade-api/v2"),
        ("demo", "https://external-api.kalshi.com/trade-api/v2"),  # production keys, no flag
        ("sim", "https://external-api.kalshi.com/trade-api/v2"),  # the same, named sim
        ("sim", "http://proxy.example.com:8800/trade-api/v2"),
    ],
)
def test_signed_orders_go_only_over_https_to_a_kalshi_host(
    tmp_path: Path, keys: KeyPair, venue: str, url: str
) -> None:
    db = tmp_path / "book.db"
    argv = ["--venue", venue, "--exchange-url", url, "--db", str(db), "--cycles", "0", FLAG]
    outcome = run_main_in_process(*argv, env=key_env(keys))
    refused(outcome, db, f"--venue {venue} refuses the exchange URL")


def test_a_live_run_on_loopback_is_flagged_for_tests_and_names_account_and_every_cap(
    tmp_path: Path,
) -> None:
    config = tmp_path / "caps.toml"
    config.write_text('[risk]\nmax_order_cost = "500"\nmax_total_exposure = "9000"\n')
    db = tmp_path / "live.db"
    with exchange_in_process(tmp_path, markets=20) as exchange:
        url = exchange.base_url
        argv = ["--venue", "live", "--exchange-url", url, FLAG]
        argv += ["--config", str(config), "--db", str(db), "--cycles", "0"]
        outcome = run_main_in_process(*argv, env=exchange.bot_env())
    assert outcome.returncode == 0, outcome.stderr
    assert "a loopback address, for tests only" in outcome.stderr
    [line] = [line for line in outcome.stderr.splitlines() if "REAL MONEY" in line]
    assert f"venue live ({url})" in line
    key_id = exchange.keys.key_id
    assert f"account key ...{key_id[-4:]}" in line
    assert key_id not in line  # the key id itself stays masked
    assert "risk.max_order_cost 500 (default 50)" in line  # raised by the file: shown as such
    assert "risk.max_total_exposure 9000 (default 500)" in line
    for cap in ("risk.max_notional_per_cycle 200", "risk.max_daily_loss", "llm.daily_budget"):
        assert cap in line
