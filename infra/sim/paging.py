"""Cursor pagination shared by the list endpoints, including the truncated-page fault."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from infra.sim.faults import TruncateMode
from infra.sim.httptypes import Context
from infra.sim.wire import decode_cursor, decode_int_cursor, encode_cursor

T = TypeVar("T")
# The cursor a descending list restarts from: "before this sequence number" = everything.
_TOP = 1 << 62


def ascending_page(
    items: Iterable[T], *, limit: int, key: Callable[[T], int], kind: str, after: int
) -> tuple[list[T], str]:
    """Items with key > after (already in ascending key order), up to `limit`.

    Looks one item past the page, so the cursor is empty exactly when nothing is left.
    """
    page: list[T] = []
    for item in items:
        if key(item) <= after:
            continue
        if len(page) == limit:
            return page, encode_cursor(kind, key(page[-1]))
        page.append(item)
    return page, ""


def descending_page(
    items: list[T], *, limit: int, key: Callable[[T], int], kind: str, before: int
) -> tuple[list[T], str]:
    """Newest first: items (stored in ascending key order) with key < before, up to `limit`."""
    page: list[T] = []
    for item in reversed(items):
        if key(item) >= before:
            continue
        if len(page) == limit:
            return page, encode_cursor(kind, key(page[-1]))
        page.append(item)
    return page, ""


def text_page(
    items: list[T], *, limit: int, key: Callable[[T], str], kind: str, after: str
) -> tuple[list[T], str]:
    """Items sorted by a string key, after `after`."""
    ordered = sorted((i for i in items if key(i) > after), key=key)
    if len(ordered) > limit:
        return ordered[:limit], encode_cursor(kind, key(ordered[limit - 1]))
    return ordered, ""


def after_cursor(ctx: Context, kind: str) -> int:
    cursor = ctx.request.param("cursor")
    return decode_int_cursor(kind, cursor) if cursor else 0


def before_cursor(ctx: Context, kind: str) -> int:
    cursor = ctx.request.param("cursor")
    return decode_int_cursor(kind, cursor) if cursor else _TOP


def after_text_cursor(ctx: Context, kind: str) -> str:
    cursor = ctx.request.param("cursor")
    return decode_cursor(kind, cursor) if cursor else ""


def restart_cursor(kind: str, *, descending: bool = False, text: bool = False) -> str:
    """A cursor that leads back to the first page of a listing."""
    if text:
        return encode_cursor(kind, "")
    return encode_cursor(kind, _TOP if descending else 0)


def maybe_truncate(ctx: Context, items: list[T], cursor: str, restart: str) -> tuple[list[T], str]:
    """Apply the `truncate_pages` fault: half a page and a looping or missing cursor."""
    mode = ctx.fault.truncate
    if mode is None:
        return items, cursor
    cut = items[: len(items) // 2]
    if mode is TruncateMode.LOOP:
        return cut, ctx.request.param("cursor") or restart
    return cut, ""
