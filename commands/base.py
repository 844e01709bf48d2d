"""What every command is: a name, a one-line summary, and the module that implements it.

The parser knows every command by its name and summary alone. The module (the command's own
flags and its body, and everything they import) is imported only when that command is chosen,
so `--version` and `--help` answer before any dependency loads and a command loads only what it
uses.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from infra.settings import Settings

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


@dataclass(frozen=True)
class Command:
    """`module` holds `execute(settings, options, console)`, which returns the process exit
    code, and optionally `add_arguments(parser)`, the command's own flags.

    `options` holds the command's own flags (those that are not settings, e.g. `--json`).
    """

    name: str
    summary: str
    module: str

    def implementation(self) -> ModuleType:
        return importlib.import_module(self.module)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add = getattr(self.implementation(), "add_arguments", None)
        if add is not None:
            add(parser)

    def execute(self, settings: Settings, options: argparse.Namespace, console: Console) -> int:
        code: int = self.implementation().execute(settings, options, console)
        return code
