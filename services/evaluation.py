"""`main.py evaluate`: the bot against baselines on the embedded simulator, seed by seed.

Each seed is a fresh simulator at time scale 0, driven only by `advance()` (no real sleeping),
started at the pinned start time, so a run is a pure function of (scenario, seeds, cycles,
settings). Every cycle reads what the bot's Scanner reads, through the same wire parsers: the
open markets, the Gamma catalogue (linked with the bot's linker), the books of the screened
candidates; the configured forecaster (offline or the configured LLM:
services.evaluation_forecaster) gives the bot's view. The simulator's hidden fair
value is recorded beside each decision for scoring only. After the last cycle the clock runs on
until every decided market has settled. Scoring is domain.evaluation's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from loguru import logger

from actors.system import screen_settings, sizing_limits
from domain.adversaries import ADVERSARIES
from domain.evaluation import (
    BOT_WITH_EXITS,
    VIEW_STRATEGIES,
    Decision,
    Evidence,
    StrategyResult,
    Trade,
    adversary_trades,
    evaluate_adversary,
    evaluate_strategy,
    probabilities,
    trades_for,
)
from domain.evaluation_exits import exit_sales
from domain.evidence import Weighed, bound_for, weigh
from domain.execution_modes import MAKER, TAKER, ExecutionResult, score_execution
from domain.execution_modes import Order as ExecutionOrder
from domain.fees import FeeSchedule
from domain.forecasting import Forecaster, OfflineForecaster
from domain.linking import LinkConfig, MarketLink, PolymarketMarket, is_opinion, link_markets
from domain.markout import HORIZON
from domain.messages import Candidate
from domain.models import Forecast, Market, OrderBook
from domain.screening import screen
from domain.sizing import ExecutionPolicy, NoTrade, SizingLimits, size_order
from infra.kalshi.wire import parse_event, parse_market, parse_orderbook, parse_series, root
from infra.polymarket.wire import EntryError, NotBinary, parse_gamma_market
from infra.settings import Settings
from infra.sim import SimConfig, SimExchange
from infra.sim.engine import Exchange
from infra.sim.kalshi_json import event_json, market_json, orderbook_json, series_json
from infra.sim.models import EventState, Status
from services.forecasting_setup import scorecard_policy
from services.maker_execution import BotMaker
from services.passive_maker import PassiveMaker

DEFAULT_START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
DEFAULT_CYCLES = 24
SETTLE_STEP = 24 * 3600.0
SETTLE_DAYS = 14  # longer than any simulated market lives
_PRICE_PLACES = Decimal("0.000001")
MAKER_BALANCE = Decimal(10) ** 9  # the maker account never runs short: sizing is the bot's

Progress = Callable[[int, int], None]  # (seed index, cycle) after each cycle


@dataclass(frozen=True)
class EvaluationPlan:
    scenario: str
    seeds: int
    cycles: int
    cycle_minutes: float = 60.0
    markets: int = 150
    start_time: datetime = DEFAULT_START
    first_seed: int = 1
    # Also play the strategies with no information (domain.adversaries) on every quoted
    # market: several times the cost, so only when asked (`evaluate --adversaries`).
    adversaries: bool = False
    # Also play the bot's views as maker orders on the simulator's matching and compare the
    # execution modes (domain.execution_modes; `evaluate --execution-modes`).
    execution: bool = False
    power_group: int = 1  # seeds per group for the evidence's detection power


def _fair(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(_PRICE_PLACES)


def polymarket_markets(ex: Exchange) -> list[PolymarketMarket]:
    epoch, now = ex.epoch, ex.now_ts
    polys = []
    for twin in ex.gamma.markets:
        kalshi = ex.markets_by_ticker.get(twin.linked_ticker or "")
        if ex.gamma.is_closed(twin, kalshi, now):
            continue
        try:
            wire = json.dumps(ex.gamma.to_json(twin, kalshi, now, epoch))
            polys.append(parse_gamma_market(json.loads(wire, parse_float=Decimal)))
        except (NotBinary, EntryError):
            continue  # what the bot's Gamma client skips too
    return polys


def open_markets(ex: Exchange) -> list[Market]:
    """What `GET /markets?status=open` lists, inactive markets included, through the wire parser."""
    return [
        parse_market(root("market", market_json(ex, m))) for m in ex.markets if m.status.listed_open
    ]


def true_links(ex: Exchange) -> dict[str, str]:
    """The simulator's truth: Polymarket id -> the Kalshi ticker its twin asks the same as."""
    return {str(twin.id): twin.linked_ticker for twin in ex.gamma.markets if twin.linked_ticker}


def _fees(ex: Exchange, event: EventState) -> FeeSchedule:
    """The event's fee schedule as the bot reads it: its series and event through the wire."""
    series = parse_series(root("series", _wire(series_json(ex, ex.series[event.series_ticker]))))
    return series.fees(parse_event(root("event", _wire(event_json(ex, event, nested=False)))))


def _wire(payload: dict[str, Any]) -> Any:
    """A payload as a client receives it: JSON text, numbers with a fraction as Decimal."""
    return json.loads(json.dumps(payload), parse_float=Decimal)


@dataclass(frozen=True)
class LinkCheck:
    """A link against the simulator's truth: is its twin another question's?"""

    confidence: Decimal
    mislinked: bool
    opinion: bool  # confident enough to be a second opinion


@dataclass(frozen=True)
class LinkQuality:
    """How often the bot's linker links the wrong question, on the simulator's truth."""

    links: int
    mislinked: int
    opinions: int  # links confident enough to be a second opinion
    mislinked_opinions: int

    @classmethod
    def of(cls, checks: list[LinkCheck]) -> LinkQuality:
        return cls(
            links=len(checks),
            mislinked=sum(c.mislinked for c in checks),
            opinions=sum(c.opinion for c in checks),
            mislinked_opinions=sum(c.mislinked and c.opinion for c in checks),
        )

    def describe(self, min_confidence: Decimal) -> str:
        def rate(part: int, whole: int) -> str:
            return "-" if whole == 0 else f"{100 * part / whole:.2f}%"

        return (
            f"links: {self.links} Kalshi markets linked, {self.mislinked} to another question"
            f" ({rate(self.mislinked, self.links)}); {self.opinions} at confidence"
            f" {min_confidence} or more are second opinions, {self.mislinked_opinions} of them"
            f" mislinked ({rate(self.mislinked_opinions, self.opinions)})"
        )


@dataclass
class _Memory:
    """What one world's evaluation carries from cycle to cycle."""

    last_analyzed: dict[str, datetime]
    links: dict[str, MarketLink]  # Kalshi ticker -> link
    seen: set[str]  # Kalshi tickers already put to the linker
    history: dict[str, list[Decimal]] = field(default_factory=dict)  # ticker -> earlier mids
    marks: dict[str, dict[int, Decimal]] = field(default_factory=dict)  # decided: cycle -> mid
    fees: dict[str, FeeSchedule] = field(default_factory=dict)  # event ticker -> schedule
    # Markets the bot would have bought (a view sized into an order): each is seen again every
    # cycle, with the bot's view then, for its exit rule (domain.evaluation_exits).
    watched: set[str] = field(default_factory=set)
    checked: dict[str, LinkCheck] = field(default_factory=dict)  # ticker -> its link's truth

    def link(
        self, settings: Settings, markets: list[Market], polys: dict[str, PolymarketMarket]
    ) -> dict[str, MarketLink]:
        """The bot's linker, run on markets it has not seen yet (linking is text and dates:
        a pair found once stays found; running it on all markets every cycle is the slowest
        part of an evaluation). Links to a closed Polymarket market are dropped."""
        fresh = [m for m in markets if m.ticker not in self.seen]
        taken = {link.polymarket_id for link in self.links.values()}
        found = link_markets(
            fresh,
            [p for p in polys.values() if p.id not in taken],
            settings.polymarket.pairs,
            LinkConfig(threshold=settings.polymarket.link_threshold),
        )
        self.seen.update(m.ticker for m in fresh)
        self.links.update((link.kalshi_ticker, link) for link in found)
        return {t: link for t, link in self.links.items() if link.polymarket_id in polys}

    def opinions(
        self, settings: Settings, links: dict[str, MarketLink], truth: dict[str, str]
    ) -> dict[str, MarketLink]:
        """The links confident enough to be a second opinion (domain.linking.is_opinion), as
        the Scanner keeps them; every link is first checked against the simulator's truth."""
        for ticker, link in links.items():
            if ticker not in self.checked:
                self.checked[ticker] = LinkCheck(
                    confidence=link.confidence,
                    mislinked=truth.get(link.polymarket_id) != ticker,
                    opinion=is_opinion(link, settings.polymarket.min_opinion_confidence),
                )
        minimum = settings.polymarket.min_opinion_confidence
        return {t: link for t, link in links.items() if is_opinion(link, minimum)}


@dataclass(frozen=True)
class Cycle:
    """One cycle's view of one world: the bot's screened decisions, and every quoted market
    (the adversaries' universe: domain.adversaries)."""

    decisions: list[Decision]
    quotes: list[Decision]
    sightings: list[Decision] = field(default_factory=list)  # markets watched, seen again


def _quote(ex: Exchange, market: Market, memory: _Memory, run: int, cycle: int) -> Decision | None:
    """A market as any trader sees it now (with the hidden truth beside it, for scoring)."""
    state = ex.markets_by_ticker[market.ticker]
    book = parse_orderbook("orderbook", orderbook_json(ex, state, 0), state.ticker)
    if book.best_yes_bid is None or book.best_yes_ask is None:
        return None
    event = ex.events_by_ticker[state.event_ticker]
    fees = memory.fees.get(event.event_ticker)
    if fees is None:
        fees = memory.fees[event.event_ticker] = _fees(ex, event)
    mid = (book.best_yes_bid + book.best_yes_ask) / 2
    history = memory.history.setdefault(state.ticker, [])
    decision = Decision(
        run=run,
        cycle=cycle,
        ticker=state.ticker,
        event_ticker=state.event_ticker,
        # As the Analyst does: every event unknown, one market per event.
        mutually_exclusive=None,
        legs=len(event.market_tickers),
        book=book,
        mid=mid,
        truth=_fair(ex.truth(state)),
        fees=fees,
        ticks=market.price_ranges,
        history=tuple(history),
        hours_to_close=Decimal(repr(max(0.0, state.close_ts - ex.now_ts) / 3600)).quantize(
            _PRICE_PLACES
        ),
    )
    history.append(mid)
    return decision


def _cycle(
    sim: SimExchange,
    settings: Settings,
    run: int,
    cycle: int,
    memory: _Memory,
    forecaster: Forecaster,
    every_market: bool = False,
) -> Cycle:
    """What the bot would decide on now, and every market quoted now, with the hidden truth
    beside each."""
    with sim.exchange.synced() as ex:
        now = ex.clock.now()
        markets = open_markets(ex)  # inactive markets included: the screen drops them
        quoted: dict[str, Decision] = {}
        for market in markets if every_market else ():
            if market.is_open and not market.is_combo:
                quote = _quote(ex, market, memory, run, cycle)
                if quote is not None:
                    quoted[market.ticker] = quote
        polys = {p.id: p for p in polymarket_markets(ex)}
        truth = true_links(ex)  # for scoring only: which twin asks the same
        quotes = memory.opinions(settings, memory.link(settings, markets, polys), truth)
        last = memory.last_analyzed
        chosen = screen(
            markets, now, screen_settings(settings), frozenset(), last, frozenset(quotes)
        ).selected

        def seen_by_the_bot(market: Market) -> Decision | None:
            """The market quoted, with the Polymarket price and the bot's view of it now."""
            quote = (
                quoted.get(market.ticker)
                if every_market
                else _quote(ex, market, memory, run, cycle)
            )
            if quote is None:
                return None
            link = quotes.get(market.ticker)
            poly = polys[link.polymarket_id].yes_price if link else None
            candidate = Candidate(
                market=market,
                book=quote.book,
                fees=quote.fees,
                polymarket_price=poly,
                polymarket_id=link.polymarket_id if link else None,
                link_confidence=link.confidence if link else None,
            )
            forecast = forecaster.forecast(candidate, now)
            view = (
                None
                if forecast is None
                else _weighed(market.ticker, forecast, quote.book, settings)
            )
            return quote.replace(
                polymarket=poly,
                bot=view.view if isinstance(view, Weighed) else None,
                bot_refused=isinstance(view, NoTrade),
                link_confidence=link.confidence if link else None,
                mislinked=None if link is None else truth.get(link.polymarket_id) != market.ticker,
            )

        decisions = []
        for market in chosen:
            last[market.ticker] = now
            decision = seen_by_the_bot(market)
            if decision is not None:
                memory.marks.setdefault(market.ticker, {})
                decisions.append(decision)
        # The markets the bot would hold, seen again with its view now (its exit rule).
        decided = {d.ticker for d in decisions}
        sightings = [d for d in decisions if d.ticker in memory.watched]
        listed = {m.ticker: m for m in markets if m.is_open}
        for ticker in sorted(memory.watched - decided):
            if ticker in listed:
                sighting = seen_by_the_bot(listed[ticker])
                if sighting is not None:
                    sightings.append(sighting)
        memory.watched |= {d.ticker for d in decisions if _would_buy(d, settings)}
    _mark(ex, memory, cycle)
    return Cycle(decisions, list(quoted.values()), sightings)


def _would_buy(decision: Decision, settings: Settings) -> bool:
    """The bot's view of `decision` sizes into an order, taker or maker (caps across markets
    aside)."""
    view = decision.bot
    if view is None:
        return False
    return any(
        not isinstance(
            size_order(
                decision.ticker,
                view,
                decision.book,
                settings.initial_bankroll,
                execution_limits(settings, mode),
                fees=decision.fees,
                ticks=decision.ticks,
            ),
            NoTrade,
        )
        for mode in (TAKER, MAKER)
    )


def _mark(ex: Exchange, memory: _Memory, cycle: int) -> None:
    """Each decided market's Kalshi mid now, while it trades (the later market its decisions
    are marked to: domain.markout)."""
    for ticker, marks in memory.marks.items():
        state = ex.markets_by_ticker[ticker]
        if state.status is not Status.ACTIVE:
            continue
        yes_bid, no_bid = ex.top_prices(state)
        if yes_bid is not None and no_bid is not None:
            marks[cycle] = (Decimal(yes_bid) + 100 - Decimal(no_bid)) / 200


def later_mid(marks: dict[int, Decimal], cycle: int, horizon: int) -> Decimal | None:
    """The mid `horizon` cycles after `cycle`, or the last one before the market stopped
    trading; None if it never traded after `cycle`."""
    later = [c for c in marks if cycle < c <= cycle + horizon]
    return marks[max(later)] if later else None


def _weighed(
    ticker: str, forecast: Forecast, book: OrderBook, settings: Settings
) -> Weighed | NoTrade:
    """The bot's view, as the Analyst weighs it against the market (domain.evidence); evaluate
    keeps no scorecard, so the bound is the configured one."""
    weighed = weigh(
        ticker,
        forecast.probability,
        forecast.confidence,
        book.best_yes_bid,
        book.best_yes_ask,
        bound_for(settings.risk.max_disagreement),
    )
    if isinstance(weighed, NoTrade):
        logger.debug("{} {}: {}", ticker, weighed.reason, weighed.detail)
    return weighed


@dataclass
class SeedRun:
    """One simulated world: every cycle's decisions and quotes, the passive maker's fills, and
    how the markets resolved ((seed, ticker) -> YES won)."""

    decisions: list[Decision] = field(default_factory=list)
    quotes: list[Decision] = field(default_factory=list)
    sightings: list[Decision] = field(default_factory=list)  # held markets seen again (exits)
    maker: list[Trade] = field(default_factory=list)
    results: dict[tuple[int, str], bool] = field(default_factory=dict)
    bot_maker: BotMaker | None = None  # the bot's maker orders and fills (plan.execution)
    links: list[LinkCheck] = field(default_factory=list)  # every link, against the truth


def run_seed(
    settings: Settings,
    plan: EvaluationPlan,
    seed: int,
    progress: Progress | None = None,
    forecaster: Forecaster | None = None,
) -> SeedRun:
    """One simulated world, from its first cycle until every market it decided on settled."""
    config = SimConfig(
        seed=seed,
        markets=plan.markets,
        time_scale=0.0,
        start_time=plan.start_time,
        **{**settings.sim.price_options(), "scenario": plan.scenario},
    )
    sim = SimExchange(config)  # never started: evaluation reads it in-process
    run = SeedRun()
    memory = _Memory({}, {}, set())
    maker = PassiveMaker(seed)
    if plan.execution:
        run.bot_maker = BotMaker(
            execution_limits(settings, MAKER),
            settings.initial_bankroll,
            MAKER_BALANCE,
            settings.execution.order_ttl,
        )
    cycle_seconds = timedelta(minutes=plan.cycle_minutes).total_seconds()
    for cycle in range(1, plan.cycles + 1):
        seen = _cycle(
            sim, settings, seed, cycle, memory, forecaster or OfflineForecaster(), plan.adversaries
        )
        run.decisions += seen.decisions
        run.quotes += seen.quotes
        run.sightings += seen.sightings
        if plan.adversaries:
            with sim.exchange.synced() as ex:
                maker.cycle(ex, seen.quotes, cycle_seconds)
        if run.bot_maker is not None:
            with sim.exchange.synced() as ex:
                run.bot_maker.cycle(ex, seen.decisions)
        sim.advance(cycle_seconds)
        if progress is not None:
            progress(seed, cycle)
    if plan.adversaries:
        with sim.exchange.synced() as ex:
            maker.cycle(ex, (), cycle_seconds)  # the last cycle's fills
        run.maker = maker.trades
    if run.bot_maker is not None:
        with sim.exchange.synced() as ex:
            run.bot_maker.cycle(ex, ())  # the last cycle's fills
    horizon = math.ceil(HORIZON.total_seconds() / cycle_seconds)
    for extra in range(1, horizon + 1):  # the last decisions' later market
        with sim.exchange.synced() as ex:
            _mark(ex, memory, plan.cycles + extra)
        sim.advance(cycle_seconds)
    run.decisions = [
        d.replace(later_mid=later_mid(memory.marks[d.ticker], d.cycle, horizon))
        for d in run.decisions
    ]
    run.links = list(memory.checked.values())
    wanted = {d.ticker for d in run.decisions} | {d.ticker for d in run.quotes}
    for _ in range(SETTLE_DAYS):
        with sim.exchange.synced() as ex:
            for ticker in wanted:
                market = ex.markets_by_ticker[ticker]
                # Only a finalized result is final: a determined one may be disputed and amended.
                if market.status is Status.FINALIZED and market.result in {"yes", "no"}:
                    run.results[(seed, ticker)] = market.result == "yes"
        if len(run.results) == len(wanted):
            break
        sim.advance(SETTLE_STEP)
    return run


def evaluate(
    settings: Settings,
    plan: EvaluationPlan,
    progress: Progress | None = None,
    forecaster: Forecaster | None = None,
) -> list[StrategyResult]:
    """Every strategy on the same decisions of every seed; `bot` forecasts with `forecaster`
    (default: the offline one); the adversaries (domain.adversaries) trade every quoted market."""
    return evaluate_report(settings, plan, progress, forecaster).strategies


@dataclass(frozen=True)
class EvaluationReport:
    strategies: list[StrategyResult]
    execution: list[ExecutionResult]  # the bot's execution modes (plan.execution), else []
    links: LinkQuality | None = None  # the linker against the simulator's truth


def evaluate_report(
    settings: Settings,
    plan: EvaluationPlan,
    progress: Progress | None = None,
    forecaster: Forecaster | None = None,
) -> EvaluationReport:
    """`evaluate`, with the bot's execution modes compared when the plan asks for it."""
    runs = [
        run_seed(settings, plan, seed, progress, forecaster)
        for seed in range(plan.first_seed, plan.first_seed + plan.seeds)
    ]
    decisions = [d for r in runs for d in r.decisions]
    results = {key: won for r in runs for key, won in r.results.items()}
    refused = sum(d.bot_refused for d in decisions)
    if refused:
        logger.warning(
            "{} of the bot's forecasts refused as FORECAST_IMPLAUSIBLE: more than {} from the"
            " mid (risk.max_disagreement)",
            refused,
            settings.risk.max_disagreement,
        )
    sightings = [m for r in runs for m in r.sightings]
    scored = score_strategies(
        settings, plan.scenario, decisions, results, plan.power_group, sightings
    )
    scored += score_adversaries(plan.scenario, runs, results) if plan.adversaries else []
    modes = score_execution_modes(settings, plan.scenario, runs) if plan.execution else []
    links = LinkQuality.of([c for r in runs for c in r.links])
    return EvaluationReport(strategies=scored, execution=modes, links=links)


def execution_limits(settings: Settings, mode: str) -> SizingLimits:
    """The bot's sizing under one execution mode (a maker's taker fallback as configured)."""
    policy = ExecutionPolicy(mode=mode, taker_edge=settings.execution.taker_edge)
    return sizing_limits(settings).replace(execution=policy)


def score_execution_modes(
    settings: Settings, scenario: str, runs: list[SeedRun]
) -> list[ExecutionResult]:
    """The bot's views as taker orders (filled at the ask, as `bot` above) and as maker orders
    (rested on the simulator's matching), on the same worlds."""
    decisions = [d for r in runs for d in r.decisions]
    taker = trades_for(
        "bot",
        decisions,
        probabilities("bot", decisions),
        execution_limits(settings, TAKER),
        settings.initial_bankroll,
    )
    asked = [ExecutionOrder(cluster=t.decision.cluster, count=t.count) for t in taker]
    makers = [r.bot_maker for r in runs if r.bot_maker is not None]
    maker = [t for m in makers for t in m.trades]
    placed = [o for m in makers for o in m.orders]
    # Each mode again with its positions sold by the exit rule (domain.evaluation_exits).
    sightings = [s for r in runs for s in r.sightings]
    policy = settings.exits.policy()
    return [
        score_execution(TAKER, scenario, taker, asked),
        score_execution(MAKER, scenario, maker, placed),
        score_execution(
            f"{TAKER}+exits",
            scenario,
            taker + exit_sales(taker, sightings, policy, f"{TAKER}+exits"),
            asked,
        ),
        score_execution(
            f"{MAKER}+exits",
            scenario,
            maker + exit_sales(maker, sightings, policy, f"{MAKER}+exits"),
            placed,
        ),
    ]


def score_strategies(
    settings: Settings,
    scenario: str,
    decisions: list[Decision],
    results: dict[tuple[int, str], bool],
    group: int = 1,
    sightings: Sequence[Decision] | None = None,
) -> list[StrategyResult]:
    """Every strategy with a view (the bot and the baselines) on the same decisions, sized
    alike; `bot+exits` is the bot's trades sold by its exit rule at the `sightings` (the held
    markets seen again: none given, as in a replay, leaves that row out)."""
    limits = execution_limits(settings, TAKER)  # the strategies are compared as takers
    evidence = Evidence(policy=scorecard_policy(settings), group=group)
    evaluated = []
    for strategy in VIEW_STRATEGIES:
        if strategy == BOT_WITH_EXITS and sightings is None:
            continue
        views = probabilities(strategy, decisions)
        trades = trades_for(
            strategy,
            decisions,
            views,
            limits,
            settings.initial_bankroll,
        )
        if strategy == BOT_WITH_EXITS and sightings is not None:
            trades += exit_sales(trades, sightings, settings.exits.policy(), strategy)
        evaluated.append(
            evaluate_strategy(strategy, scenario, decisions, views, trades, results, evidence)
        )
    return evaluated


def score_adversaries(
    scenario: str, runs: list[SeedRun], results: dict[tuple[int, str], bool]
) -> list[StrategyResult]:
    """The strategies with no information (domain.adversaries) on every quoted market."""
    quotes = [q for r in runs for q in r.quotes]
    scored = []
    for strategy in ADVERSARIES:
        if strategy == "passive-maker":
            trades = [t for r in runs for t in r.maker]
        else:
            trades = adversary_trades(strategy, quotes)
        scored.append(evaluate_adversary(strategy, scenario, trades, results, len(runs)))
    return scored
