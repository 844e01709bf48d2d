"""What the recorder keeps of each decision, so a cycle can be replayed exactly (pure).

A cycle's decision inputs are the markets it analysed (the market as listed, its order book
at decision time, the linked Polymarket market), the markets it held (their marks), and for
each LLM call the prompt, the model and its settings, the answer and the cost. Every piece is
stored once as a blob keyed by the SHA-256 of its canonical JSON, so what did not change
between cycles (the system prompt, the settings, an untouched book) costs one row reference.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from pydantic import AwareDatetime

from domain.base import Frozen
from domain.fees import FeeSchedule, FeeType
from domain.linking import PolymarketMarket
from domain.models import Amount, Market, OrderBook


class RecordedFees(Frozen):
    """A market's fee schedule as the venue stated it (domain.fees.FeeSchedule)."""

    fee_type: FeeType
    multiplier: Decimal

    @classmethod
    def of(cls, schedule: FeeSchedule) -> RecordedFees:
        return cls(fee_type=schedule.fee_type, multiplier=schedule.multiplier)

    def schedule(self) -> FeeSchedule:
        return FeeSchedule(fee_type=self.fee_type, multiplier=self.multiplier)


class RecordedCandidate(Frozen):
    """A market the bot analysed, as it saw it when it decided (`fees` is None in recordings
    made before the fee schedule was kept)."""

    market: Market
    book: OrderBook
    polymarket: PolymarketMarket | None = None
    fees: RecordedFees | None = None


class LlmSettingsRecord(Frozen):
    """The model and the settings a call was made with."""

    provider: str
    model: str
    prompt_version: str
    max_tokens: int
    temperature: Decimal | None = None


class RecordedAnswer(Frozen):
    """What the model answered, and the tokens it billed."""

    text: str
    model: str
    input_tokens: int
    output_tokens: int
    stop_reason: str
    provider: str
    usage: str = "reported"


class RecordScan(Frozen):
    """One cycle's market inputs: the markets analysed and the markets held, with the books
    of the held markets not analysed (the kill switch marks every held position to its book:
    a replay serves these so that it values them as the recorded run did)."""

    ts: AwareDatetime
    cycle: int
    candidates: tuple[RecordedCandidate, ...]
    held: tuple[Market, ...] = ()
    held_books: tuple[OrderBook, ...] = ()
    # The held markets valued for an exit (domain.exits): each with the book, the Polymarket
    # quote and the fees it was valued on, so a replay values it alike.
    held_inputs: tuple[RecordedCandidate, ...] = ()
    settings: str | None = (
        None  # the run's trading settings, JSON (infra.settings.trading_settings)
    )


class RecordLlmExchange(Frozen):
    """One LLM call: the prompt, the settings, the answer (None if it failed) and its cost.

    `call_id` is the call's row in `llm_calls` and the ledger's `ref_id`."""

    call_id: str
    ts: AwareDatetime
    ticker: str
    cycle: int
    system: str
    user: str
    settings: LlmSettingsRecord
    answer: RecordedAnswer | None
    outcome: str
    cost: Amount


class PruneRecordings(Frozen):
    """Delete the recordings made before `before` (and the blobs nothing refers to any more)."""

    before: AwareDatetime


def canonical(value: Frozen | str) -> str:
    """The text a blob is stored as: a model's JSON (fields in declaration order), or text."""
    return value if isinstance(value, str) else value.model_dump_json()


def content_hash(text: str) -> str:
    """The key of a blob: the SHA-256 of its text, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
