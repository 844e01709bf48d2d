"""Property tests over the LLM's side of the boundary: the usage booked for any reported
numbers stays within what was asked, and any answer text either parses into a bounded
forecast or is an InvalidAnswer (never a RecursionError or another crash)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.forecasting import InvalidAnswer, parse_answer
from infra.llm.reply import Asked

EXAMPLES = 100

COUNTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.text(max_size=5),
    st.floats(allow_nan=True),
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    system=st.text(max_size=50),
    user=st.text(max_size=200),
    max_tokens=st.integers(min_value=1, max_value=8192),
    reported_in=COUNTS,
    reported_out=COUNTS,
)
def test_booked_usage_never_exceeds_what_was_asked(
    system: str, user: str, max_tokens: int, reported_in: object, reported_out: object
):
    asked = Asked.of(system, user, max_tokens)
    tokens_in, tokens_out, usage = asked.bounded(reported_in, reported_out)
    assert 0 <= tokens_in <= asked.max_input_tokens
    assert 0 <= tokens_out <= max_tokens
    assert usage in {"reported", "estimated", "capped"}
    if usage == "reported":
        assert (tokens_in, tokens_out) == (reported_in, reported_out)


FRAGMENTS = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        '"probability": ',
        '"confidence": ',
        '"rationale": "x"',
        ", ",
        "0.5",
        "1e400",
        "-0.1",
        '"0.7"',
        "NaN",
        "Infinity",
        "null",
        "```json",
    ]
)
ANSWERS = st.one_of(
    st.text(max_size=200),
    st.lists(FRAGMENTS, max_size=30).map("".join),
    st.integers(min_value=1, max_value=200_000).map(
        lambda depth: '{"probability": ' + "[" * depth + "]" * depth + "}"
    ),
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(text=ANSWERS)
def test_any_answer_is_a_bounded_forecast_or_invalid(text: str):
    try:
        answer = parse_answer(text)
    except InvalidAnswer:
        return
    assert 0 <= answer.probability <= 1
    assert 0 <= answer.confidence <= 1
    assert 1 <= len(answer.rationale) <= 2000
