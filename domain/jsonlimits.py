"""Bounded JSON: a nesting limit checked before the parser recurses.

Python's json decoder recurses once per nesting level, so a body nested 200,000 deep raises
`RecursionError` (or worse, in code that walks the result). Every JSON text that comes from
outside (a venue's answer, an LLM's reply) is measured here first, in linear time and without
recursion, and refused with a `TooDeep` if it nests deeper than the limit.
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


def loads_bounded(
    text: bytes | str,
    *,
    limit: int = MAX_DEPTH,
    parse_float: Callable[[str], Any] | None = None,
    parse_int: Callable[[str], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """`json.loads` that raises `TooDeep` instead of recursing past `limit`.

    Other problems raise what `json.loads` raises (ValueError, UnicodeDecodeError).
    """
    if exceeds_depth(text, limit):
        raise TooDeep(limit)
    try:
        return json.loads(
            text, parse_float=parse_float, parse_int=parse_int, parse_constant=parse_constant
        )
    except RecursionError:  # only if the limit is set above what the interpreter allows
        raise TooDeep(limit) from None
