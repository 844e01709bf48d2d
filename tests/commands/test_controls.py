"""Issue 24, rough edge 2: a halt control names the book it wrote to, says when no bot runs on
it, and the bot's own hints ("resume with: ...") name the exact command for its book, so an
operator of a bot on a standalone simulator's book never writes to the default one instead."""

from __future__ import annotations

from pathlib import Path

from domain.halts import HaltCode, acknowledgement, operator_command
from infra.lockfile import DatabaseLock
from infra.settings import load_settings
from tests.commands.test_close import book_holding, requests
from tests.in_process import run_main_in_process


def test_a_control_with_no_bot_on_its_book_says_so_and_names_the_book(tmp_path: Path) -> None:
    db = book_holding(tmp_path, "KXHELD-1")
    for command in (["pause"], ["resume"], ["ack-drift", "-5.00"]):
        result = run_main_in_process(*command, "--db", str(db))
        assert result.returncode == 0, result.stderr
        said = " ".join(result.stdout.split())  # as read, not as wrapped
        assert f"recorded in {db}" in said
        assert f"no bot is running on {db}" in said
    paused = run_main_in_process("pause", "--db", str(db))
    assert f"`pm-trader resume --db {db}` to undo" in " ".join(paused.stdout.split())
    assert len(requests(db)) == 4  # each waits for the next start on this book


def test_with_the_bot_running_a_control_does_not_warn(tmp_path: Path) -> None:
    db = book_holding(tmp_path, "KXHELD-1")
    with DatabaseLock(db):
        result = run_main_in_process("pause", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "no bot is running" not in result.stdout


def test_the_bots_hints_name_the_command_for_its_own_book() -> None:
    settings = load_settings(exchange_url="http://127.0.0.1:8800")
    book = settings.book_flag
    assert book == "--db data/pm-trader-sim-127.0.0.1-8800.db"
    assert operator_command("resume", book) == f"pm-trader resume {book}"
    assert acknowledgement(HaltCode.CASH_DRIFT, book) == (
        f"pm-trader ack-drift AMOUNT {book} (the drift `status` shows)"
    )
    spaced = load_settings(db=Path("my books/a.db")).book_flag
    assert spaced == "--db 'my books/a.db'"  # pasted into a shell as one path
