"""loguru to the console and a rotating file, stdlib logging (Pykka's too) routed into it.

Pykka reports actor crashes through the stdlib `pykka` logger, which has only a NullHandler:
without the intercept an actor could die silently. HTTP clients (httpx under the LLM SDKs,
urllib3 under requests) log every request at INFO: those lines are demoted to DEBUG.

Each line is stamped with the wall clock, UTC (the clock of the book on a real venue). On the
embedded simulator, whose clock the book stores runs hundreds of times faster, the line also
says the simulator's time (`sim HH:MM:SS`), to find the book's rows by.
"""

from __future__ import annotations

import inspect
import logging
import sys
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from domain.clock import Clock, format_utc
from infra.log_files import check_log_file, rotated_retention
from infra.private_files import open_private, private_folder
from infra.urls import MASK, redact_urls

if TYPE_CHECKING:
    from loguru import Record

CONSOLE_FORMAT = (
    "<green>{extra[clock]}</green> <level>{level: <8}</level> "
    "<cyan>{extra[actor]: <10}</cyan> {message}"
)
FILE_FORMAT = "{extra[stamp]} {level: <8} {extra[actor]: <10} {message}"
# The anthropic and openai SDKs log each request through `httpx2` (their own httpx) and their
# own loggers; requests through urllib3.
HTTP_CLIENT_LOGGERS = frozenset({"httpx", "httpx2", "urllib3", "anthropic", "openai"})
QUIET_LOGGERS = ("httpcore", "httpcore2", "sqlalchemy", "alembic")
VERBOSE_LEVELS = frozenset({"TRACE", "DEBUG"})


def console_format(level: str) -> Callable[[Record], str]:
    """The console line. A traceback reaches the console only at DEBUG or TRACE; otherwise its
    exception is summed up on the line (the log file always keeps the whole traceback)."""
    verbose = level.upper() in VERBOSE_LEVELS

    def format_line(record: Record) -> str:
        if "traceback" not in record["extra"]:
            return CONSOLE_FORMAT + "\n"
        if verbose:
            return CONSOLE_FORMAT + "\n{extra[traceback]}"
        return CONSOLE_FORMAT + " [{extra[error_summary]}; --log-level debug shows where]\n"

    return format_line


def file_format(record: Record) -> str:
    """The log file's line, with the whole (redacted) traceback under it."""
    if "traceback" not in record["extra"]:
        return FILE_FORMAT + "\n"
    return FILE_FORMAT + "\n{extra[traceback]}"


class InterceptHandler(logging.Handler):
    """loguru's documented bridge: re-emit each stdlib record through loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        if record.levelno <= logging.INFO and record.name.split(".")[0] in HTTP_CLIENT_LOGGERS:
            level = "DEBUG"  # one line per HTTP request is detail, not news
        frame, depth = inspect.currentframe(), 0
        while frame is not None and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        logger.bind(actor=record.name).opt(depth=depth, exception=record.exc_info).log(
            level, record.getMessage()
        )


class Redactor:
    """Masks every registered secret, and the credentials of every URL (infra.urls), before any
    sink sees a record: in its message and in its exception, whose traceback it renders here,
    redacted, into `extra` (the sinks print that, never the exception itself), so no sink, the
    console, the file or JSON, can show an exception's text unmasked."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secrets: Iterable[str | None]) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def redact(self, text: str) -> str:
        """`text` with every secret and every URL's credentials masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return redact_urls(text)

    def __call__(self, record: Record) -> None:
        record["message"] = self.redact(record["message"])
        error = record["exception"]
        if error is None:
            return
        kind = error.type.__name__ if error.type is not None else "error"
        summary = self.redact(f"{kind}: {error.value}").splitlines() or [kind]
        record["extra"]["error_summary"] = summary[0][:300]
        lines = traceback.format_exception(error.type, error.value, error.traceback)
        record["extra"]["traceback"] = self.redact("".join(lines))
        record["exception"] = None  # only the redacted rendering reaches a sink


class ClockStamp:
    """Stamps each record with the wall clock, and the simulator's when one is in use."""

    def __init__(self) -> None:
        self._clock: Clock | None = None

    def use(self, clock: Clock | None) -> None:
        """Add `clock`'s time, labelled `sim`, to every stamp (None: the wall clock alone)."""
        self._clock = clock

    def __call__(self, record: Record) -> None:
        clock = self._clock
        wall = record["time"].astimezone(UTC)
        sim = "" if clock is None else f" sim {clock.now():%H:%M:%S}"
        record["extra"]["clock"] = f"{wall:%H:%M:%S}.{wall.microsecond // 1000:03d}{sim}"
        record["extra"]["stamp"] = f"{format_utc(wall)}{sim}"


redactor = Redactor()
clock_stamp = ClockStamp()


def _patch(record: Record) -> None:
    redactor(record)
    clock_stamp(record)


def setup_logging(
    level: str = "INFO",
    log_file: Path | None = None,
    *,
    json: bool = False,
    secrets: Iterable[str | None] = (),
) -> None:
    """Configure every sink once at start-up; safe to call again (it replaces the sinks).
    LogFileRefused if `log_file` names an existing file that is not a pm-trader log."""
    if log_file is not None:
        check_log_file(log_file)
    redactor.add(secrets)
    logger.remove()
    logger.configure(extra={"actor": "main"}, patcher=_patch)
    logger.add(
        sys.stderr,
        level=level,
        format=console_format(level),
        serialize=json,
        backtrace=False,
        diagnose=False,  # variable values in tracebacks could carry secrets
    )
    if log_file is not None:
        private_folder(log_file.parent)
        logger.add(
            log_file,
            level="DEBUG",
            format=file_format,
            serialize=json,
            rotation="10 MB",
            retention=rotated_retention(log_file),  # only the files rotated from this one
            encoding="utf-8",
            opener=open_private,  # 0600, the rotated files too
            enqueue=True,
            backtrace=False,
            diagnose=False,
        )
    logging.basicConfig(handlers=[InterceptHandler()], level=logging.INFO, force=True)
    logging.getLogger("pykka").setLevel(logging.INFO)
    http_level = logging.INFO if level in {"TRACE", "DEBUG"} else logging.WARNING
    for name in HTTP_CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(http_level)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
