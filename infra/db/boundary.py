"""What Storage may write: every value in a unit of work is checked before its transaction.

Venue records and LLM output are validated where they enter (`infra.kalshi.fields`,
`infra.llm.reply`, `domain.forecasting`), but the database has limits of its own: money is
stored as 64-bit integer micro-dollars, counts and token counts as 64-bit integers, and text
should stay a size a person can read. A write that breaks one is refused whole, before anything
is written, with `UnstorableValue` naming the write, the field and the value: never an
`OverflowError` from deep in the driver, and never a row that would read back different.

Market snapshots are left to `Repository.insert_market_snapshots`, which drops a bad market
and keeps the page; the recorder's scans are stored as JSON and bound nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from domain.messages import InsertSnapshots
from domain.recording import RecordScan
from infra.db.types import INT64_MAX, storable

MAX_TEXT = 1024 * 1024  # characters; a rationale is at most 2,000, an error 500
_UNCHECKED = (InsertSnapshots, RecordScan)


class UnstorableValue(ValueError):
    """A value the database cannot hold exactly; the whole unit of work is refused."""


def check_write(write: BaseModel) -> None:
    """Raise `UnstorableValue` if any value in `write` cannot be stored exactly."""
    if isinstance(write, _UNCHECKED):
        return
    kind = type(write).__name__
    for path, value in _values(write, kind):
        problem = _problem(value)
        if problem is not None:
            raise UnstorableValue(f"not stored: {path} {problem}")


def _values(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _values(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _values(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _values(item, f"{path}[{key!r}]")
    else:
        yield path, value


def _problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and abs(value) > INT64_MAX:
        return f"= {str(value)[:40]}: more than a 64-bit integer holds"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return f"= {value}: not a number"
        problem = storable(value, "micros")
        return None if problem is None else f"= {str(value)[:40]}: {problem}"
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return f"is {len(value)} characters, more than {MAX_TEXT}"
    return None
