"""The log file's rotation touches only its own files.

loguru renames a log file past its size and, for retention, deletes what its glob patterns
match beside it: `<stem>.*<suffix>` and more. Pointed at an existing 10 MB database, it renamed
it, and retention deleted the `*.db` files beside it (archived books). So an existing file is
written to only if it is a pm-trader log, and retention deletes only the files rotation made
from this one (`<stem>.<date>_<time>_<micros>[.N]<suffix>`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

KEEP_ROTATED = 5
# What a pm-trader log starts with: a line's UTC stamp, or a JSON line (--log-json).
_OWN_START = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z|\{\"text\": ")


class LogFileRefused(ValueError):
    """The log file names something that is not a pm-trader log; the message says what."""


def check_log_file(path: Path) -> None:
    """Refuse an existing `path` that is not a pm-trader log (empty is fine: nothing to lose)."""
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_file():
        raise LogFileRefused(
            f"{path} exists and is not a regular file; give a new file, or a pm-trader log"
        )
    with path.open("rb") as handle:
        start = handle.read(64)
    if start and not _OWN_START.match(start):
        raise LogFileRefused(
            f"{path} exists and is not a pm-trader log (it starts {start[:16]!r}): its rotation"
            " would rename it and its retention delete files beside it; give a new file"
        )


def rotated_retention(path: Path, keep: int = KEEP_ROTATED) -> Callable[[list[str]], None]:
    """loguru's `retention`: of the files rotated from `path`, keep the newest `keep`; leave
    every other file its patterns matched (the log itself, anyone else's) alone."""
    rotated = re.compile(
        re.escape(path.stem)
        + r"\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_\d{6}(\.\d+)?"
        + re.escape(path.suffix)
    )

    def retain(candidates: list[str]) -> None:
        own = [
            Path(name)
            for name in candidates
            if Path(name).parent.resolve() == path.parent.resolve()
            and rotated.fullmatch(Path(name).name)
        ]
        newest_first = sorted(own, key=lambda file: (file.stat().st_mtime, file.name), reverse=True)
        for old in newest_first[keep:]:
            old.unlink(missing_ok=True)

    return retain
