"""A command loads only what it uses (issue 17): `--version` and `--help` answer with the
standard library alone, and a read-only command never loads the trading system, nor Alembic.

How long start-up takes is measured in `bench/startup.py`; this checks what it loads, in a
fresh interpreter (the test process has loaded everything already), and that every command the
parser knows by name has a module with its body and its flags.
"""

from __future__ import annotations

import io
import json
import subprocess
from contextlib import redirect_stdout
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from commands.parser import COMMANDS, build_parser
from domain.models import LedgerEntry, LedgerReason
from infra.db.migrate import migrate
from infra.db.repository import Database
from tests.process_helpers import PYTHON, ROOT, child_env

LOADED_AFTER = """
import contextlib, io, json, sys
import main

def loaded():
    return sorted(sys.modules)

seen = {}
for argv in (["--version"], ["--help"]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main.main(argv)
seen["top-level flags"] = loaded()
with contextlib.redirect_stdout(io.StringIO()):
    code = main.main(["status", "--db", sys.argv[1]])
seen["status"] = loaded()
seen["status exit"] = code
print(json.dumps(seen))
"""
DEPENDENCIES = ("pydantic", "sqlalchemy", "alembic", "loguru", "rich", "pykka", "requests")
TRADING = ("actors", "pykka", "anthropic", "openai", "requests", "infra.sim.simulator")
MIGRATING = ("alembic", "mako")  # a book at the head is checked without them


def under(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in packages or m in packages]


@pytest.mark.slow
def test_top_level_flags_load_no_dependency_and_status_no_trading_system(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    migrate(book)
    with Database.open(book) as db, db.unit_of_work() as repo:
        when = datetime(2026, 11, 24, 12, tzinfo=UTC)
        repo.append_ledger_entries(
            [
                LedgerEntry(
                    ts=when, change=Decimal(50), reason=LedgerReason.INITIAL, balance=Decimal(50)
                )
            ]
        )
    done = subprocess.run(
        [PYTHON, "-c", LOADED_AFTER, str(book)],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    flags = seen["top-level flags"]
    assert under(flags, DEPENDENCIES) == []
    assert [m for m in flags if m.startswith("commands.")] == ["commands.base", "commands.parser"]
    assert seen["status exit"] == 0
    assert under(seen["status"], TRADING) == []
    assert under(seen["status"], MIGRATING) == []
    assert "commands.status" in seen["status"]


def test_every_command_names_a_module_with_its_body_and_its_flags() -> None:
    """The parser knows a command by name alone: its module must exist and hold `execute`."""
    for command in COMMANDS:
        module = command.implementation()
        assert callable(module.execute), command.name
        with pytest.raises(SystemExit) as helped, redirect_stdout(io.StringIO()) as shown:
            build_parser(command).parse_args([command.name, "--help"])
        assert helped.value.code == 0
        assert command.summary.split()[0] in shown.getvalue(), command.name
