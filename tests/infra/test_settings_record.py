"""The trading settings the recorder keeps with each cycle, and how a replay reads them back."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from infra.settings import ConfigError, load_settings
from infra.settings_record import differences, trading_settings, with_recorded


def test_the_record_keeps_the_trading_sections_and_nothing_of_the_machine_or_its_secrets(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        venue="sim",
        db=tmp_path / "book.db",
        anthropic_api_key="sk-ant-secret-value",
        llm={"usage_db": str(tmp_path / "usage.db"), "model": "m1"},
        polymarket={"gamma_url": "https://user:pw@gamma.example"},
    )
    text = trading_settings(settings)
    record = json.loads(text)
    assert set(record) == {"risk", "exits", "execution", "scanner", "llm", "polymarket"}
    assert record["llm"]["model"] == "m1"
    assert "usage_db" not in record["llm"]
    assert "gamma_url" not in record["polymarket"]
    for secret in ("sk-ant-secret-value", "pw@", str(tmp_path)):
        assert secret not in text


def test_a_replay_takes_the_recorded_settings_under_those_given_now(tmp_path: Path) -> None:
    recorded = trading_settings(
        load_settings(venue="sim", risk={"min_edge": "0.07", "max_order_cost": "20"})
    )
    now = load_settings(venue="sim", db=tmp_path / "b.db", risk={"max_order_cost": "30"})
    used = with_recorded(now, recorded)
    assert used.risk.min_edge == Decimal("0.07")  # left at its default now: the recording's
    assert used.risk.max_order_cost == Decimal(30)  # given now: it overrides
    assert used.db == tmp_path / "b.db"  # not a trading setting: untouched
    assert differences(recorded, used) == ['risk.max_order_cost: "20" -> "30"']


def test_recorded_settings_this_version_cannot_read_are_refused_with_the_way_on() -> None:
    recorded = json.dumps({"risk": {"min_edge": "2"}, "scanner": {"no_such_field": 1}})
    with pytest.raises(ConfigError, match="--settings current"):
        with_recorded(load_settings(venue="sim"), recorded)
