"""`replay --llm live`: a model asked again sees only what was recorded up to each decision.

The recording is planted with two distinctive values: every recorded answer's rationale (the
live model must never see a recorded answer), and the titles of the markets in the last recorded
cycle only. The fake provider (real HTTP, the real anthropic SDK) keeps every request body:
the recorded rationale is in none, and the planted title only in requests of the last cycle.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from actors.analyst import LlmForecasting
from domain.costs import ModelPrice
from domain.models import Market
from domain.prompting import PROMPT_VERSION
from infra.llm import ClaudeProvider
from tests.fakes.answers import prices_of
from tests.fakes.llm_server import FakeLlmServer
from tests.in_process import run_main_in_process
from tests.process_helpers import child_env
from tests.replay.sessions import record_session, rows

MODEL = "claude-sonnet-5-5"
RECORDED_RATIONALE = "RECORDED-RATIONALE-4471 never to be seen again"
LATER_TITLE = "LATER-TITLE-9083"
CYCLES = 4


def _recorded_answer(_request: object) -> str:
    return json.dumps({"probability": "0.9", "confidence": "0.8", "rationale": RECORDED_RATIONALE})


def _plant_later_title(path: Path) -> datetime:
    """Give every candidate of the last recorded scan a new title (a new blob, as the recorder
    would have stored it), so whichever the last cycle asks about carries it (a forecast reused
    from the cache asks nothing); returns that scan's time."""
    with sqlite3.connect(path) as db:
        scan_id, ts = db.execute("SELECT id, ts FROM recorded_scans ORDER BY ts DESC").fetchone()
        candidates = db.execute(
            "SELECT id, market_hash FROM recorded_markets WHERE scan_id = ? AND role ="
            " 'candidate' ORDER BY id",
            (scan_id,),
        ).fetchall()
        for row_id, market_hash in candidates:
            (body,) = db.execute(
                "SELECT body FROM recording_blobs WHERE hash = ?", (market_hash,)
            ).fetchone()
            market = Market.model_validate_json(body).replace(title=LATER_TITLE)
            text = market.model_dump_json()
            key = hashlib.sha256(text.encode()).hexdigest()
            db.execute("INSERT OR IGNORE INTO recording_blobs VALUES (?, 'market', ?)", (key, text))
            db.execute("UPDATE recorded_markets SET market_hash = ? WHERE id = ?", (key, row_id))
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC)


def test_nothing_recorded_later_reaches_a_prompt(tmp_path: Path) -> None:
    with FakeLlmServer(answer=_recorded_answer, usage=(900, 40)) as recording_fake:
        provider = ClaudeProvider(
            MODEL, 200, None, api_key="test-key", base_url=recording_fake.url, max_retries=0
        )
        llm = LlmForecasting(
            provider=provider, price=ModelPrice(input=Decimal(3), output=Decimal(15)), record=True
        )
        recording = record_session(tmp_path / "recorded", CYCLES, llm=llm)
        assert recording_fake.request_count > 0
    assert rows(recording, "SELECT count(*) FROM recorded_llm_calls")[0][0] > 0
    last_scan = _plant_later_title(recording)

    with FakeLlmServer(usage=(900, 40)) as live:
        env = child_env(
            PMT_LLM__PROVIDER="anthropic",
            ANTHROPIC_API_KEY="test-key",
            ANTHROPIC_BASE_URL=live.url,
            # Every candidate asked every cycle: no forecast reused, no budget in the way.
            PMT_LLM__CACHE_MINUTES="0",
            PMT_LLM__CYCLE_BUDGET="100",
            PMT_LLM__DAILY_BUDGET="1000",
        )
        out = tmp_path / "live.db"
        result = run_main_in_process(
            "replay", "--db", str(recording), "--out", str(out), "--llm", "live",
            "--model", MODEL, "--prompt-version", PROMPT_VERSION, env=env,
        )  # fmt: skip
        # Every request, whole, with the time it was asked at (its prices block's `now_utc`).
        asked = {json.dumps(body): prices_of(body)["now_utc"] for body in live.bodies}
        bodies = list(asked)
    assert result.returncode == 0, result.stderr
    assert bodies, "the live model was asked"
    assert not [b for b in bodies if "RECORDED-RATIONALE-4471" in b]
    planted = [b for b in bodies if LATER_TITLE in b]
    assert planted, "the planted title reached the replay (the check is not vacuous)"
    cutoff = last_scan.strftime("%Y-%m-%d %H:%M")
    earlier = []
    for body in bodies:
        if asked[body] < cutoff:
            earlier.append(body)
            assert LATER_TITLE not in body
    assert earlier, "earlier cycles asked the model too"
    assert {asked[b] for b in planted} == {cutoff}
