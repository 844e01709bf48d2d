"""Configuration: defaults < TOML file < environment < command-line flags.

Credentials come from their usual environment variables (KALSHI_API_KEY_ID,
KALSHI_PRIVATE_KEY_PATH, ANTHROPIC_API_KEY, OPENAI_API_KEY) or the file; every other setting
can be set as PMT_<FIELD> or PMT_<SECTION>__<FIELD> (e.g. PMT_RISK__MIN_EDGE=0.05).
Secrets are SecretStr: they print as '**********'.
"""

from __future__ import annotations

import difflib
import re
import shlex
import tomllib
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AliasChoices,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from domain.exits import ExitPolicy
from domain.health import DEFAULT_MAX_QUARANTINED_SHARE
from domain.money import MICRO
from infra.sim.pricing import DEFAULT_SCENARIO, PRICE_KNOBS, SCENARIOS
from infra.urls import is_loopback

Venue = Literal["sim", "demo", "live", "paper"]
LogLevel = Annotated[
    Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"],
    BeforeValidator(lambda value: value.upper() if isinstance(value, str) else value),
]  # `--log-level debug` is DEBUG

DATA_DIR = Path("data")
API_PATH = "/trade-api/v2"  # the path every Kalshi base URL ends with (exchange-apis.md A1)
_config_file: ContextVar[Path | None] = ContextVar("config_file", default=None)


class ConfigError(Exception):
    """The configuration cannot be used; the message says which field and what is allowed."""


def _whole_micros(value: Decimal) -> Decimal:
    if value % MICRO:
        raise ValueError(f"{value} is finer than a micro-dollar (at most 6 decimals)")
    return value


# An amount of money: whole micro-dollars (the ledger's unit), at most a billion dollars.
Dollars = Annotated[Decimal, Field(le=10**9), AfterValidator(_whole_micros)]
DAY_SECONDS = 86_400


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # A section whose fields decide what the bot trades: the recorder keeps it with every cycle
    # and `replay` trades with the recording's (infra.settings_record), less `not_recorded`.
    decides_trades: ClassVar[bool] = False
    not_recorded: ClassVar[frozenset[str]] = frozenset()


class RiskSettings(Section):
    decides_trades = True
    kelly_multiplier: Decimal = Field(Decimal("0.25"), gt=0, le=1)
    max_fraction_per_order: Decimal = Field(Decimal("0.05"), gt=0, le=1)
    max_order_cost: Dollars = Field(Decimal(50), gt=0)
    min_edge: Decimal = Field(Decimal("0.03"), ge=0, lt=1)
    max_orders_per_cycle: int = Field(10, ge=0, le=10**6)
    max_notional_per_cycle: Dollars = Field(Decimal(200), ge=0)
    max_total_exposure: Dollars = Field(Decimal(500), ge=0)
    max_event_exposure: Dollars = Field(Decimal(100), ge=0)  # markets of one event: one bet
    count_step: Decimal = Field(Decimal(1), gt=0, le=10**6)
    # Unexplained cash difference with the venue beyond which new orders stop (domain.cash).
    max_cash_drift: Dollars = Field(Decimal("1.00"), ge=0)
    # A forecast's largest departure from the Kalshi mid (domain.evidence): beyond it the
    # forecast is refused (FORECAST_IMPLAUSIBLE), never traded.
    max_disagreement: Decimal = Field(Decimal("0.15"), gt=0, le=Decimal("0.5"))
    # The kill switch on mark-to-market equity, on by default: halts new entries until `resume`.
    # The daily limit is the smaller of the fraction of the day's starting equity and, if set,
    # the dollars; 1 switches a fraction off.
    max_daily_loss_fraction: Decimal = Field(Decimal("0.05"), gt=0, le=1)
    max_daily_loss: Dollars | None = Field(None, gt=0)  # dollars below the day's start
    max_drawdown: Decimal = Field(Decimal("0.15"), gt=0, le=1)  # fraction below the peak


class ExitSettings(Section):
    """Selling a held position before settlement (domain.exits): each cycle every position is
    valued against a fresh fair value and sold at the bid when one of these calls for it."""

    decides_trades = True
    enabled: bool = True
    # Sell when the bid, less the fee of selling there, beats the fair value by this much.
    take_profit_margin: Decimal = Field(Decimal("0.02"), ge=0, lt=1)
    # Sell when the fair value falls this far below the price paid, fees included (unset: no
    # stop). Off by default: `evaluate` measures it costing expected P&L (it sells below the
    # bot's own fair value, paying the spread and a second fee).
    stop_margin: Decimal | None = Field(None, ge=0, lt=1)
    # Sell this many minutes before the market closes (unset: hold to the close).
    minutes_before_close: Decimal | None = Field(None, gt=0, le=DAY_SECONDS * 366 // 60)
    # A market the bot sold by an exit is not bought again sooner than this (no exit loop).
    reentry_cooldown_minutes: Decimal = Field(Decimal(240), ge=0, le=DAY_SECONDS * 366 // 60)

    def policy(self) -> ExitPolicy:
        before = self.minutes_before_close
        return ExitPolicy(
            take_profit_margin=self.take_profit_margin,
            stop_margin=self.stop_margin,
            time_before_close=None if before is None else timedelta(minutes=float(before)),
        )

    @property
    def reentry_cooldown(self) -> timedelta:
        return timedelta(minutes=float(self.reentry_cooldown_minutes))


class ExecutionSettings(Section):
    """How entries are placed (domain.sizing.ExecutionPolicy; README, "Execution modes")."""

    decides_trades = True
    mode: Literal["taker", "maker"] = "taker"
    # Maker mode: take at the ask instead when the edge there after the taker fee is at least
    # this (unset: always rest).
    taker_edge: Decimal | None = Field(Decimal("0.08"), gt=0, lt=1)
    # A resting order's life: the venue cancels it after this many seconds (expiration_time).
    order_ttl: int = Field(1200, ge=10, le=DAY_SECONDS)
    max_resting: int = Field(10, ge=0, le=10**4)  # resting orders at once
    # Re-priced (cancelled and replaced) when the touch or the fair value moves beyond this.
    reprice_tolerance: Decimal = Field(Decimal("0.02"), gt=0, lt=1)


class ReconcilerSettings(Section):
    # Consecutive failed reconciliations after which new orders stop until one succeeds.
    max_failures: int = Field(3, ge=1, le=10**6)


def _url_with(schemes: tuple[str, str], example: str) -> Callable[[str | None], str | None]:
    """A validator: a URL in one of `schemes` with a host, without a trailing slash (or None)."""

    def valid(value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in schemes or not parts.hostname:
            kind = f"{'an' if schemes[0] == 'http' else 'a'} {schemes[0]}(s) URL"
            raise ValueError(f"{value!r} is not {kind} such as {example}")
        return value.strip().rstrip("/")

    return valid


STREAM_EXAMPLE = "wss://api.elections.kalshi.com/trade-api/ws/v2"


class StreamSettings(Section):
    """The venue's WebSocket (A8): fills booked as they happen, between the cycles' REST reads.
    An optimisation, never the record: off (or down), the bot trades exactly as with it."""

    enabled: bool = True
    # Unset: the venue's own (the embedded simulator's; Kalshi demo's or production's).
    url: Annotated[str | None, AfterValidator(_url_with(("ws", "wss"), STREAM_EXAMPLE))] = None


class RateLimitSettings(Section):
    """Kalshi token buckets (Basic tier defaults): tokens per second, bucket size, cost."""

    read_rate: Decimal = Field(Decimal(200), gt=0, le=10**6)
    read_burst: Decimal = Field(Decimal(200), gt=0, le=10**6)
    write_rate: Decimal = Field(Decimal(100), gt=0, le=10**6)
    write_burst: Decimal = Field(Decimal(200), gt=0, le=10**6)
    request_cost: Decimal = Field(Decimal(10), gt=0, le=10**6)
    cancel_cost: Decimal = Field(Decimal(2), gt=0, le=10**6)

    @model_validator(mode="after")
    def _a_request_fits_in_its_bucket(self) -> Self:
        """A bucket smaller than one request's cost would make every request wait forever."""
        for burst, cost in (
            ("read_burst", "request_cost"),
            ("write_burst", "request_cost"),
            ("write_burst", "cancel_cost"),
        ):
            if getattr(self, burst) < getattr(self, cost):
                raise ValueError(
                    f"{burst} ({getattr(self, burst)}) must be at least {cost}"
                    f" ({getattr(self, cost)}): a request costing more than the bucket holds"
                    " could never be sent"
                )
        return self


class ScannerSettings(Section):
    decides_trades = True
    min_volume: Decimal = Field(Decimal(0), ge=0)
    max_spread: Decimal = Field(Decimal("0.10"), gt=0, le=1)
    min_minutes_to_close: Decimal = Field(Decimal(5), ge=0, le=DAY_SECONDS * 366 // 60)
    max_days_to_close: Decimal = Field(Decimal(30), gt=0, le=3660)
    cooldown_minutes: Decimal = Field(Decimal(30), ge=0, le=DAY_SECONDS * 366 // 60)
    max_candidates: int = Field(25, ge=0, le=10**6)
    rank_by: Literal["close_time", "volume"] = "close_time"
    # Market records left out of a scan (quarantined: a field the bot cannot use) beyond this
    # share of those served make the scan unhealthy (domain.health); all of them always do.
    max_quarantined_share: Decimal = Field(DEFAULT_MAX_QUARANTINED_SHARE, ge=0, le=1)


class PolymarketSettings(Section):
    decides_trades = True
    not_recorded = frozenset({"gamma_url"})  # where it reads, not what it decides
    enabled: bool = True
    gamma_url: str = "https://gamma-api.polymarket.com"
    link_threshold: Decimal = Field(Decimal("0.8"), ge=0, le=1)
    # A matched link below this confidence is kept but its price is no second opinion
    # (domain.linking.is_opinion): neither the offline forecaster nor the LLM sees it.
    min_opinion_confidence: Decimal = Field(Decimal("0.82"), ge=0, le=1)
    pairs: dict[str, str] = Field(default_factory=dict)  # Kalshi ticker -> Polymarket id


class PriceSettings(Section):
    """Dollars per million tokens."""

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)


# Public list prices per million tokens at the time of writing; check yours and override
# them in [llm.prices."<model>"]: every call is booked in the ledger at these prices.
DEFAULT_PRICES = {
    "claude-sonnet-5-5": PriceSettings(input=Decimal(3), output=Decimal(15)),
    "claude-haiku-5-5": PriceSettings(input=Decimal(1), output=Decimal(5)),
    "claude-opus-5-5": PriceSettings(input=Decimal(5), output=Decimal(25)),
    "gpt-5.5": PriceSettings(input=Decimal("1.25"), output=Decimal(10)),
    "gpt-5.4-mini": PriceSettings(input=Decimal("0.25"), output=Decimal(2)),
}


class LlmSettings(Section):
    """The forecaster: Claude when ANTHROPIC_API_KEY is set (auto), OpenAI, or offline."""

    decides_trades = True
    not_recorded = frozenset({"usage_db"})  # a file of this machine

    provider: Literal["auto", "anthropic", "openai", "offline"] = "auto"
    model: str | None = None  # default: claude-sonnet-5-5 (anthropic), gpt-5.5 (openai)
    max_tokens: int = Field(400, ge=50, le=8192)
    temperature: Decimal | None = Field(None, ge=0, le=2)  # None: the model's own default
    timeout: Decimal = Field(Decimal(60), gt=0, le=3600)
    max_retries: int = Field(2, ge=0, le=10)
    concurrency: int = Field(8, ge=1, le=64)
    cycle_budget: Dollars = Field(Decimal("1.00"), ge=0)  # dollars of API cost per cycle
    daily_budget: Dollars = Field(Decimal("10.00"), ge=0)  # dollars per UTC day
    cache_minutes: Decimal = Field(Decimal(360), ge=0, le=DAY_SECONDS * 366 // 60)
    cache_max_move: Decimal = Field(Decimal("0.03"), ge=0, le=1)
    prices: dict[str, PriceSettings] = Field(default_factory=dict)  # merged over the defaults
    usage_db: Path | None = None  # LLM spending on the wall clock; default: beside the book
    min_scored_forecasts: int = Field(20, ge=1, le=10**6)
    # Kelly follows the evidence of an edge over the market (domain.scoring.kelly_scale: the
    # mean markout a contract, domain.markout), rising from the unproven scale with its lower
    # bound to full Kelly at this many dollars a contract.
    full_kelly_edge: Decimal = Field(Decimal("0.02"), gt=0, le=1)
    unproven_kelly_scale: Decimal = Field(Decimal("0.25"), ge=0, le=1)
    worse_kelly_scale: Decimal = Field(Decimal(0), ge=0, le=1)

    @model_validator(mode="after")
    def _kelly_never_falls_as_evidence_improves(self) -> Self:
        if self.worse_kelly_scale > self.unproven_kelly_scale:
            raise ValueError(
                f"worse_kelly_scale ({self.worse_kelly_scale}) must not exceed"
                f" unproven_kelly_scale ({self.unproven_kelly_scale}): a forecaster shown worse"
                " than the market would bet more than one with no record"
            )
        return self

    def price_for(self, model: str) -> PriceSettings | None:
        return self.prices.get(model) or DEFAULT_PRICES.get(model)


class RecorderSettings(Section):
    """What each decision saw, kept for `pm-trader replay` (domain.recording)."""

    enabled: bool = True
    keep_days: Decimal = Field(Decimal(14), ge=0, le=3660)  # 0 keeps every one

    @property
    def keep(self) -> timedelta | None:
        """How long a recording is kept (None: for ever)."""
        return timedelta(days=float(self.keep_days)) if self.keep_days else None


class HistorySettings(Section):
    """How long the market snapshots are kept whole (infra.db.retention)."""

    full_snapshot_days: Decimal = Field(Decimal(2), ge=0, le=3660)  # 0 keeps every snapshot
    snapshot_hours: Decimal = Field(Decimal(24), gt=0, le=24 * 366)  # one a market, after

    @property
    def full(self) -> timedelta | None:
        """How long every snapshot is kept (None: for ever, nothing compacted)."""
        days = self.full_snapshot_days
        return timedelta(days=float(days)) if days else None

    @property
    def every(self) -> timedelta:
        return timedelta(hours=float(self.snapshot_hours))


class DashboardSettings(Section):
    """The web dashboard (`pm-trader dashboard`, or served by the running bot with `serve`):
    read-only unless a token is set, which then allows pause, resume, close and flatten."""

    host: str = Field("127.0.0.1", min_length=1)  # loopback: only this machine
    port: int = Field(8686, ge=0, le=65535)  # 0: any free port
    # A SecretStr: never logged, never printed by `pm-trader config`. Unset: read-only.
    token: SecretStr | None = None
    serve: bool = False  # the running bot serves the dashboard itself, on host:port
    # /healthz is 503 when the last cycle ended longer ago than this (seconds); unset: three
    # cycle intervals plus a minute.
    max_cycle_age: Decimal | None = Field(None, gt=0, le=DAY_SECONDS * 7)

    @field_validator("token")
    @classmethod
    def _long_enough(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and len(token.get_secret_value()) < 16:
            raise ValueError("a dashboard token must have at least 16 characters")
        return token


class LimitSettings(Section):
    """What the bot believes from a venue, and how long and large an answer may be.

    Ceilings on venue numbers (a position, an amount, a market's volume) beyond which a record
    is refused, and bounds on every HTTP response (whole-response deadline, size, JSON nesting).
    """

    max_dollars: Decimal = Field(Decimal(100_000_000), gt=0, le=10**12)
    max_contracts: Decimal = Field(Decimal(10_000_000), gt=0, le=10**12)
    max_market_contracts: Decimal = Field(Decimal(10**12), gt=0, le=10**12)
    response_deadline: Decimal = Field(Decimal(30), gt=0, le=3600)  # seconds
    max_response_bytes: int = Field(32 * 1024 * 1024, ge=1024, le=1024**3)
    max_json_depth: int = Field(64, ge=8, le=512)


class SimSettings(Section):
    """The embedded simulated exchange (venue `sim` without --exchange-url)."""

    seed: int = 7
    markets: int = Field(400, ge=1, le=100_000)
    time_scale: Decimal = Field(Decimal(600), gt=0, le=10**6)  # sim seconds per real second
    keep_archived_books: int = Field(20, ge=0)  # a new book each run; 0 keeps every old one
    # Where the simulated clock starts (UTC, e.g. "2026-11-24T12:00:00Z"). The catalogue, the
    # prices and the results are a function of (seed, start_time, elapsed simulated time), so a
    # fixed start replays the same exchange; unset, it is the wall clock at start-up.
    start_time: AwareDatetime | None = None

    @field_validator("start_time")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    # The price model (infra/sim/pricing.py): a scenario and overrides of its knobs.
    scenario: str = DEFAULT_SCENARIO
    kalshi_noise: float | None = Field(None, ge=0, le=0.5)
    polymarket_noise: float | None = Field(None, ge=0, le=0.5)
    noise_correlation: float | None = Field(None, ge=0, le=1)
    longshot_bias: float | None = Field(None, ge=0, lt=1)  # quoted log-odds x (1 - it)
    news_per_event: int | None = Field(None, ge=0, le=20)
    news_share: float | None = Field(None, ge=0, lt=1)
    jump_probability: float | None = Field(None, ge=0, le=1)
    jump_size: float | None = Field(None, ge=1, le=1000)
    flow_scale: float | None = Field(None, ge=0, le=100)  # other traders (infra/sim/flow.py)
    informed_share: float | None = Field(None, ge=0, le=1)
    refill_per_quote: float | None = Field(None, gt=0, le=1)

    @field_validator("scenario")
    @classmethod
    def _known_scenario(cls, value: str) -> str:
        if value not in SCENARIOS:
            raise ValueError(f"unknown scenario {value!r}; choose one of {', '.join(SCENARIOS)}")
        return value

    def price_options(self) -> dict[str, Any]:
        """The SimConfig price fields that are set."""
        names = ("scenario", *PRICE_KNOBS)
        values = {name: getattr(self, name) for name in names}
        return {name: value for name, value in values.items() if value is not None}


class NotificationSettings(Section):
    """Notices to the operator (infra.notify): fills, halts, unhealthy parts, a daily summary.

    Every destination is a secret (a Slack webhook URL or a Telegram token is enough to post
    as the bot): they never reach a log, a notice or the database."""

    webhook_url: SecretStr | None = None  # a generic JSON POST: {"kind", "title", "text", "at"}
    slack_webhook_url: SecretStr | None = None
    telegram_bot_token: SecretStr | None = None
    telegram_chat_id: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    events: tuple[Literal["fill", "halt", "health", "daily"], ...] = (
        "fill",
        "halt",
        "health",
        "daily",
    )
    daily_hour: int | None = Field(0, ge=0, le=23)  # UTC hour of the daily summary; none: off

    @model_validator(mode="after")
    def _telegram_needs_a_chat(self) -> Self:
        if (self.telegram_bot_token is None) != (self.telegram_chat_id is None):
            raise ValueError("telegram_bot_token and telegram_chat_id are set together")
        return self

    @field_validator("webhook_url", "slack_webhook_url")
    @classmethod
    def _https_or_loopback(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _notice_url(value.get_secret_value())
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_https_or_loopback(cls, value: str) -> str:
        return _notice_url(value)

    @property
    def configured(self) -> bool:
        return any(
            v is not None
            for v in (self.webhook_url, self.slack_webhook_url, self.telegram_bot_token)
        )


def _notice_url(value: str) -> str:
    """Notices leave the machine over https; plain http only to this machine (a test, a relay)."""
    parts = urlsplit(value)
    if not parts.hostname or parts.scheme not in {"http", "https"}:
        raise ValueError("is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError("must be https (plain http only to a loopback address)")
    return value


class PaperSettings(Section):
    """The paper exchange (venue `paper`): real market data, simulated orders, no keys."""

    # The paper account's cash when it is created; an existing account keeps its own.
    starting_cash: Dollars = Field(Decimal(10_000), gt=0)
    # Unset: data/pm-trader-paper.db, or data/pm-trader-paper-<host>.db with --data-url.
    account_db: Path | None = None


PUBLIC_EXAMPLE = "https://external-api.kalshi.com/trade-api/v2"
REAL_MONEY_FLAG = "--i-understand-this-is-real-money"
REAL_MONEY_ONLY_BY_FLAG = (
    f"real money is confirmed only by the command-line flag {REAL_MONEY_FLAG}, given each run,"
    " never by a file or an environment variable"
)
# Variables that once were settings and now must not be (the warning says why, not "a typo?").
RETIRED_VARIABLES = {"PMT_CONFIRM_LIVE": REAL_MONEY_ONLY_BY_FLAG}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PMT_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    venue: Annotated[
        Venue | None,
        BeforeValidator(lambda value: value.lower() if isinstance(value, str) else value),
    ] = None  # `--venue Paper` is paper
    db: Path | None = None
    exchange_url: str | None = None
    # Venue paper: where Kalshi's public market data comes from (unset: production).
    data_url: Annotated[
        str | None, AfterValidator(_url_with(("http", "https"), PUBLIC_EXAMPLE))
    ] = None
    log_level: LogLevel = "INFO"
    log_file: Path | None = None
    log_json: bool = False
    cycles: int | None = Field(None, ge=0, le=10**9)
    cycle_interval: Decimal | None = Field(None, gt=0, le=DAY_SECONDS)  # default 60, 5 on sim
    initial_bankroll: Dollars = Field(Decimal(1000), gt=0)
    request_timeout: Decimal = Field(Decimal(10), gt=0, le=600)  # seconds, per read

    kalshi_api_key_id: SecretStr | None = Field(
        None, validation_alias=AliasChoices("KALSHI_API_KEY_ID", "kalshi_api_key_id")
    )
    kalshi_private_key_path: Path | None = Field(
        None, validation_alias=AliasChoices("KALSHI_PRIVATE_KEY_PATH", "kalshi_private_key_path")
    )
    anthropic_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ANTHROPIC_API_KEY", "anthropic_api_key")
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key")
    )

    risk: RiskSettings = RiskSettings()
    exits: ExitSettings = ExitSettings()
    execution: ExecutionSettings = ExecutionSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    stream: StreamSettings = StreamSettings()
    reconciler: ReconcilerSettings = ReconcilerSettings()
    scanner: ScannerSettings = ScannerSettings()
    llm: LlmSettings = LlmSettings()
    polymarket: PolymarketSettings = PolymarketSettings()
    recorder: RecorderSettings = RecorderSettings()
    history: HistorySettings = HistorySettings()
    sim: SimSettings = SimSettings()
    paper: PaperSettings = PaperSettings()
    limits: LimitSettings = LimitSettings()
    notifications: NotificationSettings = NotificationSettings()
    dashboard: DashboardSettings = DashboardSettings()

    @model_validator(mode="after")
    def _paper_urls(self) -> Self:
        """Paper trading reads market data from `data_url` and trades nowhere; other venues
        trade at `exchange_url`. Mixing them up is refused rather than guessed."""
        if self.data_url is not None and self.resolved_venue != "paper":
            raise ValueError(
                "data_url (--data-url) is only for --venue paper; to trade at another exchange"
                " give --exchange-url"
            )
        if self.resolved_venue == "paper" and self.exchange_url is not None:
            raise ValueError(
                "--venue paper trades on no exchange: give its market data source as --data-url,"
                " not --exchange-url"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003 (no .env support)
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    def with_sim(self, **changes: Any) -> Settings:
        """These settings with `[sim]` fields changed (command-line flags), validated."""
        return self.with_section("sim", **changes)

    def with_section(self, name: str, **changes: Any) -> Settings:
        """These settings with fields of the section `name` changed (command-line flags),
        validated; a bad value is a ConfigError naming the field."""
        if not changes:
            return self
        section = getattr(self, name)
        try:
            changed = type(section).model_validate({**section.model_dump(), **changes})
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc)) from None
        return self.model_copy(update={name: changed})

    def secret_values(self) -> list[str]:
        """The raw secrets, only so the log redactor can mask them."""
        n = self.notifications
        secrets = (
            self.kalshi_api_key_id,
            self.anthropic_api_key,
            self.openai_api_key,
            n.webhook_url,
            n.slack_webhook_url,
            n.telegram_bot_token,
            self.dashboard.token,
        )
        return [secret.get_secret_value() for secret in secrets if secret is not None]

    @property
    def has_kalshi_credentials(self) -> bool:
        return self.kalshi_api_key_id is not None and self.kalshi_private_key_path is not None

    @property
    def resolved_venue(self) -> Venue:
        """`sim` when no Kalshi credentials are configured, otherwise `demo` unless told."""
        if self.venue is not None:
            return self.venue
        return "demo" if self.has_kalshi_credentials else "sim"

    @property
    def seconds_between_cycles(self) -> float:
        if self.cycle_interval is not None:
            return float(self.cycle_interval)
        return 5.0 if self.resolved_venue == "sim" else 60.0

    @property
    def llm_usage_path(self) -> Path:
        """One per data directory: the daily LLM budget outlives any one book (infra.llm_usage)."""
        return self.llm.usage_db or self.database_path.parent / "llm-usage.db"

    @property
    def database_path(self) -> Path:
        """One database file per exchange by default, so no two exchanges' books ever mix."""
        if self.db is not None:
            return self.db
        if self.resolved_venue == "paper":  # the paper account has the venue's own name
            account = default_database("paper", self.data_url)
            return account.with_name(f"{account.stem}-book.db")
        return default_database(self.resolved_venue, self.exchange_url)

    @property
    def book_flag(self) -> str:
        """The flag that names this book on any command line (`--db data/pm-trader-sim.db`), so a
        hint such as "resume with: ..." acts on this bot's book, not the default one."""
        return f"--db {shlex.quote(str(self.database_path))}"

    @property
    def paper_account_path(self) -> Path:
        """The paper exchange's own database: one per market data source, never the book."""
        return self.paper.account_db or default_database("paper", self.data_url)


def default_database(venue: Venue, exchange_url: str | None = None) -> Path:
    """`data/pm-trader-<venue>.db`; an `--exchange-url` (a standalone simulator, a proxy) is
    another exchange, so its book is named from the URL: `pm-trader-sim-127.0.0.1-8800.db`.
    Only the host, port and path name it: credentials in the URL never reach a file name."""
    if exchange_url is None:
        return DATA_DIR / f"pm-trader-{venue}.db"
    parts = urlsplit(exchange_url)
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:  # not a number: validation refuses the URL elsewhere
        port = ""
    place = f"{parts.hostname or ''}{port}{parts.path.rstrip('/')}".removesuffix(API_PATH)
    where = re.sub(r"[^A-Za-z0-9.]+", "-", place)
    return DATA_DIR / f"pm-trader-{venue}-{where.strip('-.') or 'url'}.db"


class _TomlSource(PydanticBaseSettingsSource):
    """The TOML file named by --config (or PMT_CONFIG), read once per load."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = _config_file.get()
        self._data: dict[str, Any] = _read_toml(path) if path is not None else {}
        if "confirm_live" in self._data:
            raise ConfigError(
                f"invalid configuration:\n  confirm_live (in {path}): {REAL_MONEY_ONLY_BY_FLAG};"
                " remove the line"
            )

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # noqa: ARG002
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist (check --config)") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte {exc.start} cannot be decoded):"
            " TOML files must be saved as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ConfigError(
            f"config file {path} nests arrays or tables too deeply to read: no setting is"
            " nested more than a few levels"
        ) from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from exc


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Load and validate; raise ConfigError naming each bad field and what it allows."""
    given = {key: value for key, value in overrides.items() if value is not None}
    token = _config_file.set(config_file)
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    except SettingsError as exc:  # e.g. PMT_RISK='{not json'
        raise ConfigError(describe_settings_error(exc)) from None
    except RecursionError:  # a PMT_ variable's JSON nested thousands deep
        raise ConfigError(
            "invalid configuration: a PMT_ environment variable's JSON nests too deeply to read"
        ) from None
    finally:
        _config_file.reset(token)


def describe_settings_error(exc: SettingsError) -> str:
    """What pydantic-settings could not even parse: a section given as one bad variable."""
    found = re.search(r'field "([^"]+)"', str(exc))
    field = found.group(1) if found else "(unknown)"
    section = Settings.model_fields.get(field)
    example = ""
    if section is not None and isinstance(section.default, BaseModel):
        first = next(iter(type(section.default).model_fields), "setting")
        example = (
            f": write a JSON object (PMT_{field.upper()}='{{\"{first}\": ...}}') or one"
            f" variable per setting (PMT_{field.upper()}__{first.upper()}=...)"
        )
    return f"invalid configuration:\n  {field}: PMT_{field.upper()} is not valid JSON{example}"


def _known_variables() -> dict[str, str]:
    """Every PMT_ variable the settings read, with the setting it sets."""
    known: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, BaseModel):
            for inner in type(default).model_fields:
                known[f"PMT_{name}__{inner}".upper()] = f"{name}.{inner}"
        if field.validation_alias is None:
            known[f"PMT_{name}".upper()] = name
    return known


def unknown_environment(environ: Mapping[str, str]) -> list[str]:
    """A warning for each PMT_ variable that sets nothing, naming the closest setting."""
    known = _known_variables()
    warnings = []
    for variable in sorted(environ):
        if not variable.upper().startswith("PMT_") or variable.upper() in known:
            continue
        if variable.upper() in RETIRED_VARIABLES:
            reason = RETIRED_VARIABLES[variable.upper()]
            warnings.append(f"environment variable {variable} is ignored: {reason}")
            continue
        close = difflib.get_close_matches(variable.upper(), known, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]}, which sets {known[close[0]]}?)" if close else ""
        warnings.append(f"environment variable {variable} is not a setting; ignored{hint}")
    return warnings


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem: the field's dotted name, what was wrong, never the secret value."""
    lines = ["invalid configuration:"]
    for error in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown setting (check the spelling)"
        if error["type"] == "literal_error":
            allowed = error.get("ctx", {}).get("expected", "")
            message = f"must be one of {allowed}"
        lines.append(f"  {field}: {message}")
    return "\n".join(lines)
