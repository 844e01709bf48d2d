"""The recorded LLM answers as a provider: no call, no new spend, the same decisions.

Each recorded call belongs to the scan of its cycle; during a replay, the Analyst's call for a
market gets that market's recorded answers for the current scan, in the order they were given
(an invalid answer, then the one asked again). A market the recording has no answer for (the
budget stopped it, or the provider failed before answering) gets a `failed` error, as then.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import defaultdict, deque
from datetime import datetime

from domain.prompting import prompt_ticker
from domain.recording import LlmSettingsRecord, RecordLlmExchange
from infra.llm import ErrorKind, LlmReply, ProviderError
from infra.replay.market_data import RecordedMarketData
from infra.replay.recording import Recording


class RecordedAnswers:
    """An `LlmProvider` that answers from a recording, as of the replay clock."""

    def __init__(self, recording: Recording, data: RecordedMarketData) -> None:
        if not recording.exchanges:
            raise ValueError("the recording holds no LLM call")
        self.settings: LlmSettingsRecord = recording.exchanges[0].settings
        self.data = data
        self._lock = threading.Lock()
        self._answers: dict[tuple[int, str], deque[RecordLlmExchange]] = defaultdict(deque)
        scans_of_cycle: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
        for scan in recording.scans:
            scans_of_cycle[scan.cycle].append((scan.ts, scan.id))
        for exchange in recording.exchanges:
            # The latest scan of its cycle at or before the call (cycle numbers restart per run).
            scans = scans_of_cycle.get(exchange.cycle, [])
            index = bisect_right([ts for ts, _ in scans], exchange.ts) - 1
            if index >= 0:
                self._answers[(scans[index][1], exchange.ticker)].append(exchange)

    @property
    def label(self) -> str:
        return f"{self.settings.provider}:{self.settings.model} (recorded answers)"

    @property
    def model(self) -> str:
        return self.settings.model

    @property
    def attempts_per_call(self) -> int:
        """The most attempts one market's recorded answers hold in a cycle (lost ones, then
        the answer): what the replayed call may book."""
        return max((len(queue) for queue in self._answers.values()), default=1)

    def complete(self, system: str, user: str) -> LlmReply:  # noqa: ARG002
        """The next recorded answer for this prompt's market in this cycle: attempts that got
        no answer first (booked again, as then), then the answer or the recorded failure."""
        ticker = prompt_ticker(user) or ""
        scan = self.data.current_scan()
        with self._lock:
            queue = self._answers.get((scan.id, ticker)) if scan is not None else None
            lost: list[LlmReply] = []
            while queue and queue[0].outcome == "lost":
                lost.append(_reply(queue.popleft()))
            exchange = queue.popleft() if queue else None
        provider = self.settings.provider
        if exchange is None:
            kind: ErrorKind = "timeout" if lost else "failed"
            raise ProviderError(
                kind,
                f"the recording has no answer for {ticker} at this cycle",
                retryable=False,
                provider=provider,
                lost=tuple(lost),
            )
        reply = _reply(exchange)
        if exchange.outcome in {"refused", "error"}:
            raise ProviderError(
                "refused" if exchange.outcome == "refused" else "failed",
                f"{exchange.outcome} (recorded)",
                retryable=False,
                provider=provider,
                reply=reply,
                lost=tuple(lost),
            )
        return reply.model_copy(update={"lost": tuple(lost)})

    def close(self) -> None:
        """Nothing to release."""


def _reply(exchange: RecordLlmExchange) -> LlmReply:
    assert exchange.answer is not None  # the recorder keeps the reply of every booked call
    return LlmReply.model_validate(exchange.answer.model_dump())
