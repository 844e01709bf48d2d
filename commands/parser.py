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

from commands import VERSION
from commands.base import Command

# Each command's name and summary, and the module with its flags and its body: that module
# (with all it imports) loads only when its command is chosen.
COMMANDS: tuple[Command, ...] = (
    Command(
        "run", "trade on the configured venue (the embedded simulator by default)", "commands.run"
    ),
    Command(
        "status",
        "the book: trading state, bankroll, cash at the venue, ledger check, open positions",
        "commands.status",
    ),
    Command(
        "trades",
        "every trade, open and closed: entry, exit, fees, LLM cost, P&L, forecast and price at"
        " entry",
        "commands.trades",
    ),
    Command(
        "why",
        "explain a market (or a ledger row): forecast, signal, order, fills, settlement, ledger",
        "commands.why",
    ),
    Command(
        "report",
        "the forecast scorecard: skill against the market with intervals, calibration, net P&L",
        "commands.report",
    ),
    Command(
        "evaluate",
        "the bot against baselines (no-trade, kalshi-mid, polymarket, placebo) on the simulator",
        "commands.evaluate",
    ),
    Command(
        "replay",
        "run a recorded period again through the same actors (recorded or live LLM answers)",
        "commands.replay",
    ),
    Command(
        "pause", "stop new entries on the running bot (reconciliation goes on)", "commands.pause"
    ),
    Command(
        "resume",
        "lift a halt (PAUSED, the kill switch's; AUTH_FAILED by name) on the running bot",
        "commands.resume",
    ),
    Command(
        "close",
        "sell a position on the running bot: reduce-only, immediate-or-cancel at the best bid",
        "commands.close",
    ),
    Command(
        "flatten", "sell every position on the running bot, each like `close`", "commands.flatten"
    ),
    Command(
        "ack-drift",
        "accept the cash difference with the venue (naming it) and lift the CASH_DRIFT halt",
        "commands.ack_drift",
    ),
    Command(
        "dashboard",
        "the book in a web page (equity, positions, trades, forecasts, health), /metrics, /healthz",
        "commands.dashboard",
    ),
    Command(
        "config",
        "print the settings in effect as a TOML configuration file (credentials left out)",
        "commands.config",
    ),
)
DEFAULT_COMMAND = "run"
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


def build_parser(chosen: Command | None = None) -> argparse.ArgumentParser:
    """Every command by its name and summary; the flags of the `chosen` one only (which loads
    its module): the others' flags are never parsed."""
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
        if command == chosen:
            command.add_arguments(sub)
    return parser


def _with_command(argv: list[str]) -> tuple[Command | None, list[str]]:
    """The command and the arguments with it first (`--db x status` works as it always did);
    `run` by default, none for a top-level flag (`--help`, `--version`)."""
    by_name = {command.name: command for command in COMMANDS}
    for index, token in enumerate(argv):
        if token in by_name:
            return by_name[token], [token, *argv[:index], *argv[index + 1 :]]
    if argv and argv[0] in TOP_LEVEL_FLAGS:
        return None, argv
    return by_name[DEFAULT_COMMAND], [DEFAULT_COMMAND, *argv]


def parse(argv: list[str]) -> Invocation:
    chosen, ordered = _with_command(argv)
    args = vars(build_parser(chosen).parse_args(ordered))
    # Only now, with --help and --version answered without it: pydantic takes a while to load.
    from infra.settings import Settings  # noqa: PLC0415

    name = args.pop("command")
    command = next(c for c in COMMANDS if c.name == name)
    config_file = args.pop("config")
    settings = {key: args.pop(key) for key in list(args) if key in Settings.model_fields}
    overrides = {key: value for key, value in settings.items() if value is not None}
    return Invocation(command, config_file, overrides, argparse.Namespace(**args))
