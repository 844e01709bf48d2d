"""Exit codes keep their promise (issue 10, point 4): the program as a user runs it.

Every configuration problem exits 2 naming the field and what is allowed, before anything
starts; every database problem exits 1 with one line saying what is wrong and what to do; no
traceback reaches the user. The entry point is called in process (tests/in_process.py); another
program holding the book's write lock is a real process beside the test's own connection.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from infra.db.tables import APPEND_ONLY_TRIGGERS
from tests.in_process import Exchange, exchange_in_process, run_main_in_process
from tests.process_helpers import child_env, run_main
from tests.shared_book import TradedBook

EXIT_FAILURE, EXIT_CONFIG = 1, 2


def assert_one_clean_line(stderr: str, *expected: str) -> None:
    assert "Traceback" not in stderr, stderr
    for text in expected:
        assert text in stderr, stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PMT_RISK": "{not json"}, "risk: PMT_RISK is not valid JSON"),
        (
            {"PMT_RATE_LIMITS__READ_BURST": "5"},
            "read_burst (5) must be at least request_cost (10)",
        ),
        ({"PMT_CYCLE_INTERVAL": "1e30"}, "cycle_interval: Input should be less than or equal"),
        ({"PMT_REQUEST_TIMEOUT": "1e30"}, "request_timeout: Input should be less than or equal"),
        ({"PMT_SIM__TIME_SCALE": "1e30"}, "sim.time_scale: Input should be less than or equal"),
        (
            {"PMT_INITIAL_BANKROLL": "1e30"},
            "initial_bankroll: Input should be less than or equal",
        ),
        ({"PMT_INITIAL_BANKROLL": "1000.0000001"}, "initial_bankroll: Value error, 1000.0000001"),
        ({"PMT_LIMITS__MAX_JSON_DEPTH": "100000"}, "limits.max_json_depth"),
    ],
)
def test_a_bad_setting_exits_2_naming_it(tmp_path: Path, env: dict[str, str], expected: str):
    db = tmp_path / "bot.db"
    result = run_main_in_process("--cycles", "0", "--db", str(db), env=child_env(**env))
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert_one_clean_line(result.stderr, "invalid configuration", expected)
    assert not db.exists(), "nothing may start on a bad configuration"


def test_a_config_file_that_is_not_utf8_exits_2(tmp_path: Path):
    config = tmp_path / "bot.toml"
    config.write_bytes(b'venue = "sim"\n# caf\xe9 in Latin-1\n')
    result = run_main_in_process(
        "--config", str(config), "--cycles", "0", "--db", str(tmp_path / "b.db")
    )
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert_one_clean_line(result.stderr, f"config file {config} is not UTF-8 text")


def test_an_unwritable_log_file_exits_2_naming_it(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    log = blocker / "bot.log"
    result = run_main_in_process(
        "--cycles", "0", "--db", str(tmp_path / "b.db"), "--log-file", str(log)
    )
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert_one_clean_line(result.stderr, "log_file: cannot write", str(log))


def test_an_unknown_variable_is_named_with_the_closest_setting(tmp_path: Path):
    env = child_env(PMT_CYCLE_INTERVALL="5", PMT_FROB="1")
    result = run_main_in_process("--cycles", "0", "--db", str(tmp_path / "b.db"), env=env)
    assert result.returncode == 0, result.stderr
    assert "PMT_CYCLE_INTERVALL is not a setting; ignored (did you mean PMT_CYCLE_INTERVAL" in (
        result.stderr
    )
    assert "PMT_FROB is not a setting" in result.stderr


def test_a_db_whose_parent_is_a_file_exits_1_with_one_line(tmp_path: Path):
    parent = tmp_path / "afile"
    parent.write_text("")
    result = run_main_in_process("--cycles", "0", "--db", str(parent / "bot.db"))
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert_one_clean_line(result.stderr, f"{parent} is a file, not a folder; choose another --db")


@pytest.mark.slow
def test_another_program_holding_the_write_lock_exits_1_at_once(traded_book_copy: TradedBook):
    db = traded_book_copy.path
    with closing(sqlite3.connect(db)) as other:  # e.g. a sqlite3 shell in a write transaction
        other.isolation_level = None
        other.execute("BEGIN IMMEDIATE")
        result = run_main("--cycles", "0", "--db", str(db))
        other.execute("ROLLBACK")
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert_one_clean_line(result.stderr, "is locked by another program", "close it")


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exchange]:
    with exchange_in_process(tmp_path_factory.mktemp("sim"), markets=20) as running:
        yield running


@pytest.fixture(scope="module")
def new_book(sim: Exchange, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book the bot started on the exchange (`--cycles 0`), made once for the module."""
    db = tmp_path_factory.mktemp("new-book") / "bot.db"
    first = run_main_in_process(
        "--exchange-url", sim.base_url, "--cycles", "0", "--db", str(db), env=sim.bot_env()
    )
    assert first.returncode == 0, first.stderr
    return db


def _book_on(new_book: Path, db: Path) -> None:
    """A copy of the new book at `db`, for a test to break."""
    for suffix in ("", "-wal"):
        if (source := new_book.with_name(new_book.name + suffix)).exists():
            shutil.copyfile(source, db.with_name(db.name + suffix))


def edit_by_hand(db: Path, sql: str) -> None:
    """`sql` run as a sqlite3 shell would, past the ledger's append-only triggers (dropped)."""
    with closing(sqlite3.connect(db)) as book:
        for trigger in APPEND_ONLY_TRIGGERS:
            book.execute(f"DROP TRIGGER {trigger}")
        book.execute(sql)
        book.commit()


def test_a_ledger_that_fails_its_check_exits_1_saying_so(
    tmp_path: Path, sim: Exchange, new_book: Path
):
    db = tmp_path / "bot.db"
    _book_on(new_book, db)
    env = sim.bot_env()
    edit_by_hand(db, "UPDATE bankroll_history SET balance = balance + 1 WHERE id = 1")
    result = run_main_in_process(
        "--exchange-url", sim.base_url, "--cycles", "0", "--db", str(db), env=env
    )
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert_one_clean_line(result.stderr, "bankroll_history row 1", "restore the file from a backup")
    assert "ActorDeadError" not in result.stderr


def test_an_unparseable_stored_timestamp_exits_1_saying_so(
    tmp_path: Path, sim: Exchange, new_book: Path
):
    db = tmp_path / "bot.db"
    _book_on(new_book, db)
    env = sim.bot_env()
    edit_by_hand(db, "UPDATE bankroll_history SET ts = 'last tuesday'")
    result = run_main_in_process(
        "--exchange-url", sim.base_url, "--cycles", "0", "--db", str(db), env=env
    )
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert_one_clean_line(result.stderr, "'last tuesday'", "restore it from a backup")


CORRUPT_ROWS = {
    "money-text": (
        "UPDATE bankroll_history SET balance = '12.3.4'",
        "'12.3.4', is not the whole number of micro-dollars",
    ),
    "money-real": (
        "UPDATE bankroll_history SET change = 0.5",
        "'0.5', is not the whole number of micro-dollars",
    ),
    "negative-count": (
        "INSERT INTO positions (ticker, side, count, cost, status, opened_at)"
        " VALUES ('KX-A', 'yes', -500, 1000000, 'open', '2026-01-31T12:00:00.000Z')",
        "a stored Position (id 1) is not valid: count",
    ),
}


@pytest.mark.parametrize("case", CORRUPT_ROWS, ids=list(CORRUPT_ROWS))
def test_a_corrupt_stored_value_fails_closed_in_one_line(
    tmp_path: Path, sim: Exchange, new_book: Path, case: str
):
    """Values read back that the program never writes (text or a real in a money column, a
    negative count) stop the run (exit 1) and `status` with one line, never a traceback."""
    sql, expected = CORRUPT_ROWS[case]
    db = tmp_path / "bot.db"
    _book_on(new_book, db)
    env = sim.bot_env()
    edit_by_hand(db, sql)
    run = run_main_in_process(
        "--exchange-url", sim.base_url, "--cycles", "0", "--db", str(db), env=env
    )
    status = run_main_in_process("status", "--db", str(db), env=env)
    for result in (run, status):
        assert result.returncode == EXIT_FAILURE, result.stderr
        assert_one_clean_line(result.stderr, expected, "restore it from a backup")


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("file", "nests arrays or tables too deeply"),
        ("environment", "JSON nests too deeply"),
    ],
)
def test_a_deeply_nested_configuration_exits_2_not_a_recursion_traceback(
    tmp_path: Path, where: str, expected: str
):
    """Issue 20, point 6: a 100,000-deep TOML array gave a RecursionError traceback."""
    db = tmp_path / "b.db"
    deep = "[" * 100_000 + "]" * 100_000
    env = child_env()
    args = ["--cycles", "0", "--db", str(db)]
    if where == "file":
        config = tmp_path / "deep.toml"
        config.write_text(f"[polymarket]\npairs = {{ a = {deep} }}\n")
        args += ["--config", str(config)]
    else:
        env = child_env(PMT_POLYMARKET=f'{{"pairs": {deep}}}')
    result = run_main_in_process(*args, env=env)
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert_one_clean_line(result.stderr, expected)
    assert "RecursionError" not in result.stderr
    assert not db.exists()
