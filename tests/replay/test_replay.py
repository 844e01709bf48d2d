"""`main.py replay`: a recorded session run again through the same actors (the entry point
called in process)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from loguru import logger

from domain.prompting import PROMPT_VERSION
from infra.db.recordings import Recordings
from infra.db.repository import Database
from tests.in_process import run_main_in_process
from tests.process_helpers import child_env
from tests.replay.sessions import (
    ledger,
    orders,
    record_session,
    replay_env,
    rows,
    scan_times,
)

CYCLES = 10


UNMARKED = "kill switch: "  # its warning naming the positions it valued at $0


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """The recorded session, and the kill switch's warnings in it."""
    warned: set[str] = set()
    sink = logger.add(
        lambda message: warned.add(message.record["message"]),
        filter=lambda record: record["message"].startswith(UNMARKED),
    )
    try:
        path = record_session(tmp_path_factory.mktemp("recorded"), CYCLES)
    finally:
        logger.remove(sink)
    return path, warned


@pytest.fixture(scope="module")
def recording(recorded: tuple[Path, set[str]]) -> Path:
    return recorded[0]


def test_a_replay_places_the_same_orders_and_books_the_same_ledger(
    recording: Path, tmp_path: Path
) -> None:
    out = tmp_path / "replay.db"
    before = hashlib.sha256(recording.read_bytes()).hexdigest()
    # Issue 24: with today's settings (the defaults, not the recorded session's scanner) the
    # replay made 1 trade where the recording made 4; it now trades with the recorded ones.
    result = run_main_in_process("replay", "--db", str(recording), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(recording.read_bytes()).hexdigest() == before  # never written
    assert orders(recording), "the recorded session traded"
    assert orders(out) == orders(recording)
    assert ledger(out) == ledger(recording)
    settled = "SELECT ticker, market_result, revenue FROM settlements ORDER BY ticker"
    assert rows(recording, settled), "positions settled in the recorded session"
    assert rows(out, settled) == rows(recording, settled)
    assert scan_times(out) == scan_times(recording)  # one cycle per recorded cycle, at its time
    assert "Replay against the baselines" in result.stdout
    # Issue 24: the baselines' "bot trades" matched neither run; the orders placed are said.
    said = " ".join(result.stdout.split())
    assert f"The replay placed {len(orders(out))} order(s)" in said
    assert "x the recorded pace" in result.stderr
    overridden = [line for line in result.stderr.splitlines() if "overrides" in line]
    assert all("scanner." not in line for line in overridden), overridden


def test_settings_current_trades_with_todays_settings_and_says_which_differ(
    recording: Path, tmp_path: Path
) -> None:
    out = tmp_path / "today.db"
    result = run_main_in_process(
        "replay",
        "--db",
        str(recording),
        "--out",
        str(out),
        "--settings",
        "current",
        env=child_env(PMT_SCANNER__MAX_CANDIDATES="1", PMT_RISK__MIN_EDGE="0.9"),
    )
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "of the recorded run's trading settings (--settings current)" in said
    assert 'risk.min_edge: "0.03" -> "0.9"' in said
    assert "scanner.max_candidates: 8 -> 1" in said
    assert orders(recording), "the recorded session traded"
    assert orders(out) == [], "no edge reaches 0.9: today's settings were used"


def test_a_setting_given_now_overrides_the_recorded_one_and_is_named(
    recording: Path, tmp_path: Path
) -> None:
    out = tmp_path / "edge.db"
    result = run_main_in_process(
        "replay",
        "--db",
        str(recording),
        "--out",
        str(out),
        env=child_env(PMT_RISK__MIN_EDGE="0.9"),
    )
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "of the recorded run's trading settings (set now in the configuration" in said
    assert "risk.min_edge" in said
    assert "scanner.max_candidates" not in said
    assert orders(out) == []


def test_from_and_to_select_the_period(recording: Path, tmp_path: Path) -> None:
    times = scan_times(recording)
    out = tmp_path / "part.db"
    result = run_main_in_process(
        "replay", "--db", str(recording), "--out", str(out), "--from", times[1], "--to", times[3]
    )
    assert result.returncode == 0, result.stderr
    assert scan_times(out) == times[1:4]


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (("--from", "2030-01-01T00:00:00Z"), "no recorded cycle between"),
        (("--to", "2020-01-01T00:00:00Z"), "no recorded cycle between"),
        (("--from", "2026-11-25T00:00:00Z", "--to", "2026-11-24T00:00:00Z"), "is after --to"),
        (("--from", "yesterday"), "is not a UTC time"),
        (("--model", "m"), "go with --llm live"),
        (("--llm", "live", "--prompt-version", "v0"), f"builds prompts {PROMPT_VERSION} only"),
    ],
)
def test_a_period_or_flag_that_cannot_be_replayed_is_refused(
    recording: Path, tmp_path: Path, flags: tuple[str, ...], says: str
) -> None:
    out = tmp_path / "never.db"
    result = run_main_in_process("replay", "--db", str(recording), "--out", str(out), *flags)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_file_that_is_not_a_recording_is_refused(tmp_path: Path, recording: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database")
    empty = tmp_path / "empty.db"
    assert (
        run_main_in_process("--cycles", "0", "--db", str(empty)).returncode == 0
    )  # a book, no cycle run
    for path, says in (
        (text, "is not a recording"),
        (empty, "holds no recorded cycles"),
        (tmp_path / "missing.db", "is not a recording"),
    ):
        result = run_main_in_process("replay", "--db", str(path), "--out", str(tmp_path / "o.db"))
        assert result.returncode == 2, result.stderr
        assert says in result.stderr
        assert "Traceback" not in result.stderr
    result = run_main_in_process("replay", "--db", str(recording), "--out", str(recording))
    assert result.returncode == 2
    assert "must not be the recording" in result.stderr


def test_a_held_market_not_analysed_is_marked_as_recorded_and_the_kill_switch_agrees(
    recorded: tuple[Path, set[str]], tmp_path: Path
) -> None:
    """The kill switch (on by default) marks every held position to its book: a market held
    but not analysed in a later cycle is valued at its recorded bids, as in the recorded run,
    not at $0 for want of a book."""
    recording, warned = recorded
    out = tmp_path / "replay.db"
    result = run_main_in_process(
        "replay", "--db", str(recording), "--out", str(out), env=replay_env()
    )
    assert result.returncode == 0, result.stderr
    replayed = {
        line[line.index(UNMARKED) :] for line in result.stderr.splitlines() if UNMARKED in line
    }
    assert replayed == warned  # the same positions without a bid, none for want of a book
    halts = "SELECT code FROM trading_halts ORDER BY id"
    assert rows(recording, halts) == []  # the recorded run never halted
    assert rows(out, halts) == rows(recording, halts)
    with Database.open(recording) as db, db.read(Recordings) as recordings:
        scans = recordings.scans(None, None)
    held_only = [
        book
        for scan in scans
        for book in scan.held_books
        if book.ticker not in {c.market.ticker for c in scan.candidates}
        and (book.best_yes_bid or book.best_no_bid)
    ]
    assert held_only, "the recorded session held a market it did not analyse, with bids"
