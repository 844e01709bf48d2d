"""The command line: `main.py [COMMAND] [flags]`, each command with its own flags and help.

Without a command the program trades (`run`), so `main.py --cycles 6` keeps working. Flags that
are settings (`--db`, `--venue`, `--cycles`...) become setting overrides; the rest (`--json`,
a ticker...) are the command's own options.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commands import (
    VERSION,
    ack_drift,
    close,
    config,
    evaluate,
    flatten,
    pause,
    replay,
    report,
    resume,
    run,
    status,
    trades,
    why,
)
from commands.base import Command
from infra.settings import Settings

COMMANDS: tuple[Command, ...] = (
    run.COMMAND,
    status.COMMAND,
    trades.COMMAND,
    why.COMMAND,
    report.COMMAND,
    evaluate.COMMAND,
    replay.COMMAND,
    pause.COMMAND,
    resume.COMMAND,
    close.COMMAND,
    flatten.COMMAND,
    ack_drift.COMMAND,
    config.COMMAND,
)
DEFAULT_COMMAND = run.COMMAND.name
TOP_LEVEL_FLAGS = frozenset({"-h", "--help", "--version"})


@dataclass(frozen=True)
class Invocation:
    command: Command
    config_file: Path | None
    overrides: dict[str, Any]
    options: argparse.Namespace


def _common_flags() -> argparse.ArgumentParser:
    """The flags every command takes: where the configuration and the book are."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="TOML configuration file")
    common.add_argument("--db", type=Path, help="database file (default: one per venue)")
    common.add_argument("--venue", help="sim (default without credentials), demo, live or paper")
    common.add_argument("--exchange-url", help="Kalshi-compatible base URL (e.g. a running sim)")
    common.add_argument(
        "--data-url", help="paper: Kalshi market data from this base URL (default production)"
    )
    common.add_argument(
        "--log-level", help="trace, debug, info, warning or error (any letter case)"
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pm-trader",
        description="A supervised trading bot for Kalshi prediction markets.",
        epilog=f"Without a command: {DEFAULT_COMMAND}. `pm-trader COMMAND --help` shows a"
        " command's flags.",
    )
    parser.add_argument("--version", action="version", version=f"pm-trader {VERSION}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _common_flags()
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.name, parents=[common], help=command.summary, description=command.summary
        )
        command.add_arguments(sub)
    return parser


def _with_command(argv: list[str]) -> list[str]:
    """Put the command first (`--db x status` works as it always did); default to `run`."""
    names = {command.name for command in COMMANDS}
    for index, token in enumerate(argv):
        if token in names:
            return [token, *argv[:index], *argv[index + 1 :]]
    if argv and argv[0] in TOP_LEVEL_FLAGS:
        return argv
    return [DEFAULT_COMMAND, *argv]


def parse(argv: list[str]) -> Invocation:
    args = vars(build_parser().parse_args(_with_command(argv)))
    name = args.pop("command")
    command = next(c for c in COMMANDS if c.name == name)
    config_file = args.pop("config")
    settings = {key: args.pop(key) for key in list(args) if key in Settings.model_fields}
    overrides = {key: value for key, value in settings.items() if value is not None}
    return Invocation(command, config_file, overrides, argparse.Namespace(**args))
