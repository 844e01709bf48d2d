"""The recorder: a cycle's decision inputs and each LLM call, content-addressed, prunable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from actors.analyst import LlmForecasting
from domain.costs import ModelPrice
from domain.models import Side
from domain.prompting import PROMPT_VERSION
from domain.recording import PruneRecordings, canonical, content_hash
from infra.db.recordings import Recordings
from infra.db.repository import Database
from infra.db.tables import RecordingBlobRow
from infra.llm import ClaudeProvider
from tests.actors.system_harness import Harness, running_system
from tests.actors.test_guards import ASK, pinned
from tests.fakes.llm_server import FakeLlmServer

SCANNER = {"max_candidates": 6, "cooldown_minutes": 0}


def hold_by_hand(h: Harness) -> str:
    """A position held whatever the simulator's prices are: bought on the venue beside the bot,
    and taken into the book by the first cycle's reconciliation."""
    ticker = pinned(h)
    h.venue.client.create_order(ticker, Side.YES, ASK, Decimal(3), "web-by-hand")
    return ticker


@pytest.fixture
def fake() -> Iterator[FakeLlmServer]:
    with FakeLlmServer(usage=(1000, 50)) as server:
        yield server


def _llm(fake: FakeLlmServer) -> LlmForecasting:
    provider = ClaudeProvider(
        "claude-sonnet-5-5", 200, 0.3, api_key="test-key", base_url=fake.url, max_retries=0
    )
    return LlmForecasting(
        provider=provider,
        price=ModelPrice(input=Decimal(3), output=Decimal(15)),
        max_tokens=200,
        temperature=Decimal("0.3"),
        record=True,
    )


def test_a_cycle_records_what_it_analysed_and_held_not_every_market(tmp_path: Path) -> None:
    with running_system(tmp_path, scanner=SCANNER) as h:
        hold_by_hand(h)
        first = h.cycle(1)
        second = h.cycle(2)
        _, positions, _ = h.read()
    with Database.open(h.path) as db, db.read(Recordings) as recordings:
        scans = recordings.scans(None, None)
    assert [s.cycle for s in scans] == [1, 2]
    assert [len(s.candidates) for s in scans] == [first.candidates, second.candidates]
    assert first.markets_scanned > len(scans[0].candidates) + len(scans[0].held)
    for scan in scans:
        for candidate in scan.candidates:
            assert candidate.book.ticker == candidate.market.ticker
            assert candidate.fees is not None  # the schedule the bot sized with
    linked = [c for s in scans for c in s.candidates if c.polymarket is not None]
    assert linked, "the planted-edge scenario links markets to Polymarket"
    held = {m.ticker for m in scans[1].held}
    assert held
    assert held <= {p.ticker for p in positions}


def test_each_llm_call_keeps_its_prompt_settings_answer_and_cost(
    tmp_path: Path, fake: FakeLlmServer
) -> None:
    with running_system(tmp_path, llm=_llm(fake), scanner=SCANNER) as h:
        stats = h.cycle(1)
    with Database.open(h.path) as db, db.read(Recordings) as recordings:
        calls = recordings.llm_exchanges(None, None)
        with db.read() as repo:
            booked = {
                e.ref_id: -e.change for e in repo.ledger_entries() if e.ref_type == "llm_call"
            }
        blobs = recordings.connection.execute(
            select(RecordingBlobRow.kind, func.count()).group_by(RecordingBlobRow.kind)
        ).all()
    assert len(calls) == fake.request_count == stats.forecasts > 1
    sent = [body["messages"][0]["content"] for body in fake.bodies]
    assert sorted(c.user for c in calls) == sorted(_text(s) for s in sent)
    for call in calls:
        assert call.settings.model == "claude-sonnet-5-5"
        assert call.settings.prompt_version == PROMPT_VERSION
        assert call.settings.temperature == Decimal("0.3")
        assert call.answer is not None
        assert call.answer.text.startswith("{")
        assert call.cost == booked[call.call_id] > 0
    by_kind = dict(blobs)
    assert by_kind["settings"] == 1  # the same model and settings: stored once
    assert by_kind["prompt"] == len(calls) + 1  # one system prompt for every call


def test_identical_inputs_are_stored_once_and_pruning_removes_what_nothing_uses(
    tmp_path: Path,
) -> None:
    with running_system(tmp_path, scanner=SCANNER) as h:
        hold_by_hand(h)
        h.cycle(1)
        h.cycle(2)  # the simulator's clock is frozen: the held markets have not changed
    with Database.open(h.path) as db:
        with db.read(Recordings) as recordings:
            scans = recordings.scans(None, None)
            held = scans[1].held[0]
            stored = recordings.connection.execute(
                select(func.count()).where(RecordingBlobRow.hash == content_hash(canonical(held)))
            ).scalar_one()
            assert stored == 1
        with db.unit_of_work() as repo:
            Recordings(repo.connection).prune(
                PruneRecordings(before=scans[1].ts + timedelta(milliseconds=1))
            )
        with db.read(Recordings) as recordings:
            assert recordings.scans(None, None) == []
            left = recordings.connection.execute(
                select(func.count()).select_from(RecordingBlobRow)
            ).scalar_one()
    assert left == 0


def _text(content: object) -> str:
    """The user message's text, as the SDK sent it (a string or a list of text blocks)."""
    if isinstance(content, str):
        return content
    assert isinstance(content, list)
    return "".join(block["text"] for block in content)
