"""Bounded JSON: a nesting limit, so no code walks a value deeper than it expects.

Python's json decoder recurses once per nesting level, so a body nested 200,000 deep raises
`RecursionError` (or worse, in code that walks the result). Every JSON value that comes from
outside (a venue's answer, an LLM's reply) is measured here without recursion, and refused with
a `TooDeep` if it nests deeper than the limit: a text before it is parsed (`exceeds_depth`), or
a value as it is parsed (`loads_bounded`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 64  # Kalshi and Gamma answers nest about 5 deep; an LLM answer 1 or 2.

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = frozenset(b"[{")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class TooDeep(ValueError):
    """The text nests arrays and objects deeper than allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested more than {limit} levels deep")
        self.limit = limit


def exceeds_depth(text: bytes | str, limit: int = MAX_DEPTH) -> bool:
    """True if the JSON text nests arrays/objects more than `limit` deep (brackets inside
    strings do not count)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def nests_deeper(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True if a parsed value nests arrays/objects more than `limit` deep (level by level,
    without recursion: its cost follows the containers, not the text's bytes)."""
    level = [value] if isinstance(value, list | dict) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            item
            for container in level
            for item in (container.values() if isinstance(container, dict) else container)
            if isinstance(item, list | dict)
        ]
    return False


def loads_bounded(
    text: bytes | str,
    *,
    limit: int = MAX_DEPTH,
    parse_float: Callable[[str], Any] | None = None,
    parse_int: Callable[[str], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """`json.loads` that raises `TooDeep` for a value nested deeper than `limit`.

    The C decoder guards its own recursion (a RecursionError, never a crash), so a text is
    parsed first and its depth measured on the value: a venue's page is megabytes of text but
    a few thousand containers. Other problems raise what `json.loads` raises (ValueError,
    UnicodeDecodeError).
    """
    try:
        value = json.loads(
            text, parse_float=parse_float, parse_int=parse_int, parse_constant=parse_constant
        )
    except RecursionError:
        raise TooDeep(limit) from None
    if nests_deeper(value, limit):
        raise TooDeep(limit)
    return value
