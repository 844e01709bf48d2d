"""Property tests over the nesting limit every client applies before parsing (issue 10):
the depth is measured exactly (brackets inside strings do not count), and any text either
parses to what `json.loads` gives or raises a typed error: never a RecursionError."""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.jsonlimits import TooDeep, exceeds_depth, loads_bounded

EXAMPLES = 100

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(alphabet=st.sampled_from('ab[]{}"\\:,é'), max_size=8),  # brackets in strings
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(alphabet="[]{}k", max_size=3), inner, max_size=3),
    ),
    max_leaves=30,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(item) for item in value.values()), default=0)
    return 0


@settings(max_examples=EXAMPLES)
@given(value=VALUES, limit=st.integers(min_value=0, max_value=8), wrap=st.integers(0, 6))
def test_the_depth_is_measured_exactly(value: Any, limit: int, wrap: int):
    nested = value
    for _ in range(wrap):
        nested = [nested]
    text = json.dumps(nested, ensure_ascii=False)
    assert exceeds_depth(text, limit) == (depth(nested) > limit)
    assert exceeds_depth(text.encode(), limit) == (depth(nested) > limit)
    if depth(nested) > limit:
        try:
            loads_bounded(text, limit=limit)
        except TooDeep:
            return
        raise AssertionError("a text deeper than the limit was parsed")
    assert loads_bounded(text, limit=limit) == nested


@settings(max_examples=EXAMPLES)
@given(raw=st.one_of(st.binary(max_size=200), st.text(alphabet='[]{}"\\,:0a ', max_size=400)))
def test_any_text_parses_or_raises_a_typed_error(raw: bytes | str):
    with suppress(ValueError):  # TooDeep and UnicodeDecodeError are ValueErrors: typed refusals
        loads_bounded(raw, limit=16)
