"""The entry point (`pm-trader` or `python main.py`): parse, then dispatch (commands.dispatch).

Parsing needs only the standard library: `--version` and `--help` answer before any dependency
loads, and a command loads only the modules it uses (commands.base).
"""

from __future__ import annotations

import os
import sys

from commands.base import EXIT_FAILURE
from commands.parser import parse


def main(argv: list[str] | None = None) -> int:
    invocation = parse(sys.argv[1:] if argv is None else argv)
    from commands.dispatch import dispatch  # noqa: PLC0415 - after parsing: see the docstring

    return dispatch(invocation)


def cli() -> None:
    """The `pm-trader` console script."""
    try:
        sys.exit(main())
    except BrokenPipeError:  # `pm-trader trades --csv | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FAILURE)


if __name__ == "__main__":
    cli()
