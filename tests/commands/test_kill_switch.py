"""The kill switch, end to end in process: a bot whose equity falls below the day's start by more
than `risk.max_daily_loss` halts new entries, `status` shows why, and `resume MAX_DAILY_LOSS`
lifts it at the bot's next reconciliation (here the next start: with no bot running, a halt's
request waits for it). tests/commands/test_cockpit_process.py sends `resume` to a running bot,
and kills a bot to show the kill switch remembers the day."""

from __future__ import annotations

import json
from pathlib import Path

from tests.in_process import exchange_in_process, run_main_in_process


def test_the_kill_switch_halts_on_a_daily_loss_until_resumed(tmp_path: Path) -> None:
    db = tmp_path / "book.db"
    with exchange_in_process(tmp_path) as exchange:
        # Any purchase loses the spread and the fee at once, on the mark: a cent is enough.
        env = exchange.bot_env(PMT_CYCLE_INTERVAL="0.1", PMT_RISK__MAX_DAILY_LOSS="0.01")
        args = (
            "--venue",
            "sim",
            "--exchange-url",
            exchange.base_url,
            "--db",
            str(db),
            "--log-level",
            "INFO",
        )
        trading = run_main_in_process(*args, "--cycles", "1", env=env)
        assert trading.returncode == 0, trading.stderr  # a halt is no failure of the run
        [halted] = [
            line
            for line in trading.stderr.splitlines()
            if "trading HALTED: MAX_DAILY_LOSS: equity" in line
        ]
        assert "below the day's start" in halted
        status = json.loads(run_main_in_process("status", "--json", "--db", str(db)).stdout)
        assert status["trading"] == "halted"
        assert "MAX_DAILY_LOSS" in status["halt_reason"]
        resumed = run_main_in_process("resume", "MAX_DAILY_LOSS", "--db", str(db))
        assert resumed.returncode == 0, resumed.stderr
        started = run_main_in_process(*args, "--cycles", "0", env=env)
    assert started.returncode == 0, started.stderr
    assert "MAX_DAILY_LOSS lifted" in started.stderr
    after = json.loads(run_main_in_process("status", "--json", "--db", str(db)).stdout)
    assert "MAX_DAILY_LOSS" not in (after["halt_reason"] or "")
