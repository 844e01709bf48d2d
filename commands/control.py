"""What the halt controls (`pause`, `resume`, `ack-drift`) say once their request is recorded.

Each request names the book it went to and, when no bot runs on that book, says so: it then
waits for the next start there (so `pause` before a start keeps the bot from buying), and an
operator who meant a bot on another book (a standalone simulator's, the paper book) sees at once
that this one was not it.
"""

from __future__ import annotations

from rich.console import Console

from commands.base import EXIT_OK
from infra.lockfile import bot_running
from infra.settings import Settings


def recorded(settings: Settings, number: int, what: str, console: Console) -> int:
    """Print that request `number` (`what` it asks) is in the book; the exit code."""
    path = settings.database_path
    console.print(f"request {number} recorded in {path}: {what}")
    if not bot_running(path):
        console.print(
            f"no bot is running on {path}: the request waits for the next start on this book."
            " A bot on another book is named by its --db (or --venue/--exchange-url)."
        )
    return EXIT_OK
