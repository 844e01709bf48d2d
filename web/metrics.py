"""/metrics: the book's figures in Prometheus's text format (prometheus-client).

Read from the book at each scrape by a collector of its own (a registry of its own, not the
process's global one), through the same services as `status --json`, so a scrape and the
dashboard agree. Amounts are dollars as floats here only: a metric is a reading for a graph or
an alert, never the record (the book keeps every amount exact).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from domain.halts import HaltCode
from domain.health import Part
from infra.db.history import Activity, History
from infra.db.reading import open_for_reading
from infra.llm_usage import spent_since_read_only
from infra.settings import Settings
from services.status_data import StatusData, read_current_status

PREFIX = "pmt_"


def _gauge(name: str, doc: str, value: Decimal | float | None) -> Iterator[Metric]:
    if value is not None:
        yield GaugeMetricFamily(PREFIX + name, doc, value=float(value))


def _labelled(
    kind: type[GaugeMetricFamily] | type[CounterMetricFamily],
    name: str,
    doc: str,
    label: str,
    values: Iterable[tuple[str, float]],
) -> Metric:
    family = kind(PREFIX + name, doc, labels=[label])
    for key, value in values:
        family.add_metric([key], value)
    return family


def _timestamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


class BookCollector(Collector):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        path = self.settings.database_path
        data = read_current_status(path)
        with open_for_reading(path) as db, db.read(History) as history:
            activity = history.activity()
            memory = history.kill_switch_memory()
        yield from _book(data)
        if memory is not None:  # what the kill switch measures the daily loss and drawdown from
            yield from _gauge(
                "equity_day_start_dollars", "The UTC day's first equity.", memory.day_start
            )
            yield from _gauge("equity_peak_dollars", "The highest equity seen.", memory.peak)
        yield from _activity(activity)
        yield from _liveness(data)
        yield from self._llm_budget()

    def _llm_budget(self) -> Iterator[Metric]:
        """Today's LLM spend (UTC, wall clock, every bot of this data directory) and the cap."""
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        spent = spent_since_read_only(self.settings.llm_usage_path, today)
        yield from _gauge(
            "llm_spent_today_dollars", "LLM spend since midnight UTC.", spent or Decimal(0)
        )
        yield from _gauge(
            "llm_daily_budget_dollars", "llm.daily_budget.", self.settings.llm.daily_budget
        )


def _book(data: StatusData) -> Iterator[Metric]:
    valued = data.valuation
    yield from _gauge("equity_dollars", "Cash plus open positions at their marks.", data.equity)
    yield from _gauge("cash_dollars", "The bankroll: cash as the book has it.", data.bankroll)
    yield from _gauge("market_value_dollars", "Open positions at their marks.", valued.market_value)
    yield from _gauge(
        "unrealized_pnl_dollars", "Open positions' P&L at their marks.", valued.unrealized_pnl
    )
    yield from _gauge(
        "realized_pnl_dollars", "Every sale and settlement, fees in.", data.stats.realized_pnl
    )
    yield from _gauge("open_exposure_dollars", "What the open positions cost.", data.exposure)
    yield from _gauge("open_positions", "Positions held.", len(data.held))
    yield from _gauge("unmarked_positions", "Positions without a mark (at $0).", valued.unmarked)
    yield from _gauge("open_orders", "Orders not known to be final.", len(data.orders))
    if data.cash is not None:
        yield from _gauge(
            "cash_drift_dollars", "The venue's cash less the book's, last check.", data.cash.drift
        )
        yield from _gauge(
            "venue_cash_dollars", "The venue's cash at the last check.", data.cash.venue_cash
        )
    yield from _gauge("ledger_ok", "1 when the ledger adds up row by row.", int(data.ledger_ok))


def _activity(activity: Activity) -> Iterator[Metric]:
    yield _labelled(
        CounterMetricFamily,
        "orders",
        "Orders recorded, by their status now.",
        "status",
        sorted(activity.orders.items()),
    )
    yield CounterMetricFamily(PREFIX + "fills", "Fills booked.", value=activity.fills)
    yield CounterMetricFamily(
        PREFIX + "fees_dollars", "Every fill's fee.", value=float(activity.fees)
    )
    yield CounterMetricFamily(
        PREFIX + "llm_cost_dollars", "What the LLM calls cost.", value=float(activity.llm_cost)
    )
    yield _labelled(
        CounterMetricFamily,
        "llm_calls",
        "LLM calls, by outcome.",
        "outcome",
        sorted(activity.llm_calls.items()),
    )
    yield _labelled(
        CounterMetricFamily,
        "halts_raised",
        "Halts raised, by code (lifted or not).",
        "code",
        [(code.value, activity.halts_raised.get(code.value, 0)) for code in HaltCode],
    )
    yield CounterMetricFamily(
        PREFIX + "reconcile_failures",
        "Times reconciliation kept failing and halted trading (RECONCILE_FAILING raised).",
        value=activity.halts_raised.get(HaltCode.RECONCILE_FAILING.value, 0),
    )


def _liveness(data: StatusData) -> Iterator[Metric]:
    active = {h.code for h in data.halts}
    yield _labelled(
        GaugeMetricFamily,
        "halt_active",
        "1 while a halt of this code stops new orders.",
        "code",
        [(code.value, int(code in active)) for code in HaltCode],
    )
    yield from _gauge("halted", "1 while any halt stops new orders.", int(bool(data.halts)))
    yield from _gauge("bot_running", "1 while a bot holds the book's lock.", int(data.running))
    heartbeat = data.heartbeat
    if heartbeat is not None:
        yield from _gauge("cycle", "The last cycle completed.", heartbeat.cycle)
        yield from _gauge(
            "cycle_duration_seconds", "How long the last cycle took.", heartbeat.cycle_seconds
        )
        yield from _gauge(
            "last_cycle_timestamp_seconds",
            "When the last cycle ended (the book's clock).",
            _timestamp(heartbeat.heartbeat_at),
        )
        yield from _gauge(
            "last_error_timestamp_seconds",
            "When a reconciliation last failed (the book's clock).",
            _timestamp(heartbeat.last_error_at),
        )
    parts = {h.part: h for h in data.health}
    yield _labelled(
        GaugeMetricFamily,
        "part_healthy",
        "1 when the part passed its last check (scanner, linking, llm, cycle).",
        "part",
        [(part.value, int(parts[part].healthy)) for part in Part if part in parts],
    )
    scanner = parts.get(Part.SCANNER)
    if scanner is not None and scanner.quarantined is not None:
        yield from _gauge(
            "quarantined_records",
            "Market records the last scan left out (a field the bot cannot use).",
            scanner.quarantined,
        )


def registry(settings: Settings) -> CollectorRegistry:
    """A registry of the book's metrics alone (nothing of the process's global one)."""
    own = CollectorRegistry(auto_describe=False)
    own.register(BookCollector(settings))
    return own
