"""Every setting with its default, as a TOML configuration file: `pm-trader config --defaults`.

The README's configuration example is this text; a test keeps the two identical and loads it
back to the defaults, so the example can never drift from the code. A setting without a default
value is shown commented out with an example. Credentials are left out: they come from the
environment (KALSHI_API_KEY_ID and the others).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from domain.clock import format_utc
from infra.settings import Section, Settings
from infra.urls import redact_urls

CREDENTIALS = frozenset(
    {"kalshi_api_key_id", "kalshi_private_key_path", "anthropic_api_key", "openai_api_key"}
)
COMMENT_COLUMN = 34

COMMENTS = {
    "venue": "sim, demo, live or paper (default: sim without Kalshi keys, else demo)",
    "db": "default: data/pm-trader-<venue>[-<exchange>].db",
    "exchange_url": "a Kalshi-compatible exchange, e.g. a standalone simulator",
    "data_url": "paper: Kalshi market data from here (unset: production)",
    "log_level": "trace, debug, info, warning or error",
    "cycles": "stop after N cycles (unset: run until stopped)",
    "cycle_interval": "seconds between cycles (default 60, 5 on the simulator)",
    "initial_bankroll": "seeds the ledger of a new database, once",
    "request_timeout": "seconds to wait for an exchange's answer",
    "risk": "sizing and caps",
    "risk.kelly_multiplier": "fraction of full Kelly",
    "risk.max_fraction_per_order": "of the bankroll",
    "risk.max_order_cost": "dollars, fees included",
    "risk.min_edge": "probability points, after fees",
    "risk.max_total_exposure": "open positions plus orders in flight",
    "risk.count_step": "contracts per order are multiples of this (min 0.01)",
    "risk.max_disagreement": "largest P(yes) - mid a forecast may claim; beyond: refused",
    "risk.max_daily_loss_fraction": "kill switch: of the day's starting equity (1: off)",
    "risk.max_daily_loss": "kill switch: dollars of equity lost since the day's start",
    "risk.max_drawdown": "kill switch: fraction of equity lost from its peak (1: off)",
    "exits": "selling a position before settlement (see Exits)",
    "exits.take_profit_margin": "sell when bid - fee beats the fair value by this",
    "exits.stop_margin": "sell when the fair value falls this far below the price paid",
    "exits.minutes_before_close": "sell this long before the close (unset: hold to it)",
    "exits.reentry_cooldown_minutes": "no re-entry this soon after an exit",
    "execution": "how entries are placed (README: Execution modes)",
    "execution.mode": "taker (IOC at the ask) or maker (post-only, resting below it)",
    "execution.taker_edge": "maker mode: take instead when the edge at the ask is this",
    "execution.order_ttl": "seconds a resting order lives (the venue expires it)",
    "execution.max_resting": "resting orders at once",
    "execution.reprice_tolerance": "touch or fair-value move that re-prices a resting order",
    "rate_limits": "Kalshi token buckets (Basic tier), tokens per second",
    "stream": "the venue's WebSocket: fills booked as they arrive",
    "stream.enabled": "false: REST only, read once a cycle",
    "stream.url": "unset: the venue's own",
    "scanner.cooldown_minutes": "do not re-analyse a market sooner than this",
    "scanner.max_candidates": "markets analysed per cycle",
    "scanner.rank_by": "or volume; markets with a Polymarket link come first",
    "scanner.max_quarantined_share": "records left out beyond this: the scan is unhealthy",
    "polymarket.link_threshold": "confidence needed to link markets by title and close date",
    "polymarket.min_opinion_confidence": "a link less confident than this is no second opinion",
    "polymarket.pairs": 'Kalshi ticker -> Polymarket id, e.g. { "KXA-26DEC31" = "253591" }',
    "llm.provider": "auto (Claude if ANTHROPIC_API_KEY is set), anthropic, openai, offline",
    "llm.model": "default: claude-sonnet-5-5 (anthropic), gpt-5.5 (openai)",
    "llm.temperature": "unset: the model's own default",
    "llm.concurrency": "LLM calls in flight at once",
    "llm.cycle_budget": "dollars of API cost per cycle",
    "llm.daily_budget": "dollars per UTC day",
    "llm.cache_minutes": "reuse a forecast this long...",
    "llm.cache_max_move": "...while no price moved more than this",
    "llm.prices": 'per model, over the built-in list: { "m" = { input = "3", output = "15" } }',
    "llm.full_kelly_edge": "full Kelly at this lower bound of the markout a contract",
    "llm.unproven_kelly_scale": "no edge shown yet: the low end of the scale",
    "llm.worse_kelly_scale": "shown worse than the market (at most the unproven scale)",
    "recorder": "each decision's inputs, for `pm-trader replay`",
    "recorder.keep_days": "older recordings are deleted; 0 keeps every one",
    "history": "how long market snapshots are kept whole",
    "history.full_snapshot_days": "every snapshot is kept this long; 0 keeps every one",
    "history.snapshot_hours": "...then one a market per this many hours",
    "limits": "what the bot believes from a venue; bounds on every answer",
    "limits.max_dollars": "any one amount (balance, exposure, cost); larger is refused",
    "limits.max_contracts": "the account's own counts (positions, orders, fills)",
    "limits.max_market_contracts": "a market's volume, open interest, book depth",
    "limits.response_deadline": "seconds for a whole HTTP exchange, headers to last byte",
    "limits.max_response_bytes": "a larger answer is refused (and retried)",
    "limits.max_json_depth": "a deeper-nested answer is refused (and retried)",
    "dashboard": "the web dashboard (`pm-trader dashboard`), /metrics, /healthz",
    "dashboard.host": "127.0.0.1: this machine only",
    "dashboard.token": "PMT_DASHBOARD__TOKEN; unset: read-only. Never printed",
    "dashboard.serve": "the running bot serves the dashboard too",
    "dashboard.max_cycle_age": "seconds; unset: 3 cycle intervals + 60",
    "sim": "the embedded simulator",
    "paper": "the paper exchange (--venue paper): real prices, simulated orders",
    "paper.starting_cash": "dollars, when the paper account is created",
    "paper.account_db": "default: data/pm-trader-paper[-<data source>].db",
    "sim.time_scale": "simulated seconds per real second",
    "sim.keep_archived_books": "each run archives the last book; 0 keeps every one",
    "sim.start_time": "unset: now; a fixed start replays the same exchange",
    "sim.scenario": "how the venues price the hidden fair value (see below)",
    "sim.kalshi_noise": "unset: the scenario's; the price model's knobs (infra/sim/pricing.py)",
    "notifications": "fills, halts, unhealthy parts, a daily summary (secrets: env)",
    "notifications.webhook_url": "POSTs {kind, title, text, at} as JSON; https",
    "notifications.slack_webhook_url": "a Slack incoming webhook",
    "notifications.telegram_bot_token": "with telegram_chat_id: a Telegram bot",
    "notifications.events": "which notices to send",
    "notifications.daily_hour": "UTC hour of the daily summary (unset: none)",
}
EXAMPLES = {
    "venue": '"demo"',
    "db": '"data/my-book.db"',
    "exchange_url": '"http://127.0.0.1:8800/trade-api/v2"',
    "data_url": '"https://external-api.demo.kalshi.co/trade-api/v2"',
    "paper.account_db": '"data/my-paper-account.db"',
    "stream.url": '"wss://api.elections.kalshi.com/trade-api/ws/v2"',
    "cycles": "6",
    "cycle_interval": '"60"',
    "log_file": '"logs/pm-trader.log"',
    "llm.model": '"claude-sonnet-5-5"',
    "llm.temperature": '"0.2"',
    "risk.max_daily_loss": '"100"',
    "exits.minutes_before_close": '"30"',
    "exits.stop_margin": '"0.05"',
    "dashboard.max_cycle_age": '"300"',
    "sim.start_time": '"2026-11-24T12:00:00Z"',
    "sim.kalshi_noise": "0.02",
    "sim.polymarket_noise": "0.02",
    "sim.noise_correlation": "0.5",
    "sim.longshot_bias": "0.06",
    "sim.news_per_event": "2",
    "sim.news_share": "0.5",
    "sim.jump_probability": "0.05",
    "sim.jump_size": "5",
    "notifications.webhook_url": '"https://example.com/pm-trader"',
    "notifications.slack_webhook_url": '"https://hooks.slack.com/services/..."',
    "notifications.telegram_bot_token": '"123456:ABC..."',
    "notifications.telegram_chat_id": '"123456789"',
}


def _value(value: Any) -> str:
    """A default as TOML; amounts as strings, which keeps them exact."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, tuple | list):
        return f"[{', '.join(_value(v) for v in value)}]"
    if isinstance(value, dict):
        pairs = ", ".join(f'"{k}" = {_value(v)}' for k, v in value.items())
        return f"{{ {pairs} }}" if pairs else "{}"
    if isinstance(value, BaseModel):
        return _value(value.model_dump())
    if isinstance(value, datetime):
        return f'"{format_utc(value)}"'
    if isinstance(value, str):
        return f'"{redact_urls(value)}"'  # a URL's credentials stay out of what is printed
    if isinstance(value, Decimal | Path):
        return f'"{value}"'
    raise TypeError(f"no TOML form for {value!r}")


def _line(text: str, comment: str | None) -> str:
    if not comment:
        return text
    return f"{text.ljust(COMMENT_COLUMN - 1)} # {comment}"


def _lines(values: dict[str, Any], prefix: str) -> list[str]:
    lines = []
    for name, value in values.items():
        key = f"{prefix}{name}"
        if isinstance(value, Section) or name in CREDENTIALS:
            continue
        if isinstance(value, SecretStr):  # set, and never printed
            lines.append(_line(f"# {name} = (set; a secret, not shown)", COMMENTS.get(key)))
        elif value is None:
            lines.append(_line(f"# {name} = {EXAMPLES.get(key, '')}".rstrip(), COMMENTS.get(key)))
        else:
            lines.append(_line(f"{name} = {_value(value)}", COMMENTS.get(key)))
    return lines


def _toml(values: dict[str, Any]) -> str:
    out = _lines(values, "")
    for name, section in values.items():
        if isinstance(section, Section):
            out += ["", _line(f"[{name}]", COMMENTS.get(name))]
            out += _lines(
                {field: getattr(section, field) for field in type(section).model_fields}, f"{name}."
            )
    return "\n".join(out) + "\n"


def defaults_toml() -> str:
    """The configuration file that sets every setting to its default."""
    fields = Settings.model_fields
    return _toml({name: f.get_default(call_default_factory=True) for name, f in fields.items()})


def settings_toml(settings: Settings) -> str:
    """The configuration file that gives `settings` (without its credentials)."""
    return _toml({name: getattr(settings, name) for name in Settings.model_fields})
