"""The command line contract: `main.py [run] [flags]`, `main.py status`, `main.py report`."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COMMANDS = ("run", "status", "report")


@dataclass(frozen=True)
class Invocation:
    command: str
    config_file: Path | None
    overrides: dict[str, Any]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="A supervised trading bot for Kalshi prediction markets.",
        epilog="Commands: run (default) trades; status shows the book; report shows the "
        "forecast scorecard.",
    )
    parser.add_argument("command", nargs="?", choices=COMMANDS, default="run")
    parser.add_argument("--venue", help="sim (default without credentials), demo or live")
    parser.add_argument("--cycles", type=int, help="run N cycles then stop (0: start and stop)")
    parser.add_argument("--db", type=Path, help="database file (default: one per venue)")
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    parser.add_argument("--exchange-url", help="Kalshi-compatible base URL (e.g. a running sim)")
    parser.add_argument("--log-level", help="TRACE, DEBUG, INFO, WARNING, ERROR")
    parser.add_argument("--log-file", type=Path, help="also log to this rotating file")
    parser.add_argument("--log-json", action="store_true", default=None, help="JSON log lines")
    parser.add_argument(
        "--i-understand-this-is-real-money",
        dest="confirm_live",
        action="store_true",
        default=None,
        help="required with --venue live",
    )
    return parser


def parse(argv: list[str] | None = None) -> Invocation:
    args = vars(build_parser().parse_args(argv))
    command = args.pop("command")
    config_file = args.pop("config")
    overrides = {key: value for key, value in args.items() if value is not None}
    return Invocation(command=command, config_file=config_file, overrides=overrides)
