"""LlmReply and ProviderError: immutable values, safe messages."""

from __future__ import annotations

import pickle

import pytest
from pydantic import ValidationError

from infra.llm import LlmReply, ProviderError
from infra.llm.reply import redact

REPLY = LlmReply(
    text="{}", model="m", input_tokens=3, output_tokens=1, stop_reason="refusal", provider="claude"
)


def test_a_reply_is_frozen_and_counts_are_non_negative() -> None:
    with pytest.raises(ValidationError):
        REPLY.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        LlmReply(text="", model="m", input_tokens=-1, output_tokens=0, stop_reason="", provider="p")


def test_a_provider_error_survives_pickling_with_its_attributes() -> None:
    error = ProviderError(
        "refused", "no", retryable=False, provider="claude", status_code=None, reply=REPLY
    )

    copy = pickle.loads(pickle.dumps(error))

    assert (copy.kind, copy.retryable, copy.reply, str(copy)) == (
        "refused",
        False,
        REPLY,
        "claude: refused: no",
    )


def test_redact_replaces_every_occurrence_of_the_secret() -> None:
    assert redact("key k1 and k1 again", "k1") == "key [redacted] and [redacted] again"
    assert redact("nothing to hide", None) == "nothing to hide"
