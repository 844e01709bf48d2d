"""`pm-trader config`: the settings in effect, as a TOML file (`--defaults`: the defaults)."""

from __future__ import annotations

import argparse

from rich.console import Console

from commands.base import EXIT_OK
from infra.settings import Settings
from infra.settings_example import defaults_toml, settings_toml


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--defaults", action="store_true", help="every setting's default (the README's example)"
    )


def execute(settings: Settings, options: argparse.Namespace, _console: Console) -> int:
    text = defaults_toml() if options.defaults else settings_toml(settings)
    print(text, end="")  # noqa: T201 - the output, verbatim (no markup)
    return EXIT_OK
