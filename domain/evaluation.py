"""Evaluating a strategy against baselines on the same decisions (pure: no I/O).

A *decision* is one screened market at one moment: its book, the Kalshi mid, the linked
Polymarket price, the bot's forecast, and the simulator's hidden fair value (known only
because the market is simulated; nothing here trades on it). Each strategy turns decisions into
probabilities; the same sizing and caps turn those into taker trades at the ask. A strategy is
scored three ways, each with a 95% interval clustered by event:
- skill of its probabilities against the Kalshi mid (domain.scoring), one per market;
- realised P&L: what the trades paid when the markets settled, after fees (high variance);
- expected P&L: what the trades were worth against the hidden fair value when they were made
  (far lower variance: it removes the luck of the draw, not the cost of being wrong).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from domain.adversaries import ADVERSARIES, CONTRACTS, RULES, estimator_side, predicted_moves
from domain.base import Frozen
from domain.exposure import Holding, event_refusal
from domain.fees import FeeSchedule, max_cost
from domain.markout import markout
from domain.models import ExitReason, OrderBook, PriceRange, Side, TradeSignal
from domain.money import ONE, ZERO
from domain.scoring import (
    Interval,
    ScorecardPolicy,
    ScoredForecast,
    clustered_total_ci,
    kelly_scale,
    mean_with_ci,
    one_per_market,
    scorecard,
)
from domain.sizing import STANDARD_FEES, NoTrade, SizingLimits, size_order

BOT_WITH_EXITS = "bot+exits"  # the bot's trades, then sold by its exit rule (domain.exits)
VIEW_STRATEGIES = ("bot", BOT_WITH_EXITS, "no-trade", "kalshi-mid", "polymarket", "placebo")
STRATEGIES = VIEW_STRATEGIES + ADVERSARIES  # domain.adversaries: no information at all
PLACEBO_SEED = 11
_LOW, _HIGH = Decimal("0.01"), Decimal("0.99")


class Decision(Frozen):
    run: int  # which seed's simulation
    cycle: int
    ticker: str
    event_ticker: str
    mutually_exclusive: bool | None
    legs: int
    book: OrderBook
    mid: Decimal
    truth: Decimal  # hidden fair value of YES when the decision was made
    polymarket: Decimal | None = None
    bot: Decimal | None = None  # the forecast weighed against the mid (domain.evidence)
    bot_refused: bool = False  # the forecast was too far from the mid: no view, no trade
    fees: FeeSchedule = STANDARD_FEES  # the market's schedule (A5.6, A7)
    ticks: tuple[PriceRange, ...] = ()  # the market's price ranges (domain.ticks)
    history: tuple[Decimal, ...] = ()  # the market's mid at each earlier cycle, oldest first
    hours_to_close: Decimal | None = None
    later_mid: Decimal | None = None  # the Kalshi mid domain.markout's horizon later
    link_confidence: Decimal | None = None  # the Polymarket link's, if linked
    mislinked: bool | None = None  # the link is to another question (the simulator's truth)

    @property
    def cluster(self) -> str:
        return f"{self.run}:{self.event_ticker}"


class Trade(Frozen):
    strategy: str
    decision: Decision
    side: Side
    count: Decimal
    price: Decimal
    fee: Decimal
    # A maker fill: the hidden fair value of YES when its order was placed (`decision.truth`
    # is then the one it is valued at, after the fill: domain.execution_modes).
    placed_truth: Decimal | None = None
    # An exit (domain.evaluation_exits): `count` of `side` sold at `price` (the bid), not
    # bought; its worth is the buy's turned round.
    sale: bool = False
    exit_reason: ExitReason | None = None

    @property
    def expected_pnl(self) -> Decimal:
        """Worth against the hidden fair value: count x (P(side wins) - price) - fee (a sale:
        count x (price - P(side wins)) - fee)."""
        truth = self.decision.truth if self.side is Side.YES else ONE - self.decision.truth
        return self._signed(self.count * (truth - self.price)) - self.fee

    def realised_pnl(self, yes_won: bool) -> Decimal:
        won = yes_won if self.side is Side.YES else not yes_won
        return self._signed(self.count * ((ONE if won else ZERO) - self.price)) - self.fee

    def _signed(self, amount: Decimal) -> Decimal:
        return -amount if self.sale else amount


def _clip(p: Decimal) -> Decimal:
    return min(_HIGH, max(_LOW, p))


def placebo(decisions: Sequence[Decision], seed: int = PLACEBO_SEED) -> list[Decimal | None]:
    """The bot's deviations from the mid, shuffled across the markets it forecast (fixed
    seed): the same boldness with the information removed."""
    forecast = [i for i, d in enumerate(decisions) if d.bot is not None]
    deviations = [decisions[i].bot - decisions[i].mid for i in forecast]  # type: ignore[operator]
    random.Random(seed).shuffle(deviations)
    probabilities: list[Decimal | None] = [None] * len(decisions)
    for index, deviation in zip(forecast, deviations, strict=True):
        probabilities[index] = _clip(decisions[index].mid + deviation)
    return probabilities


def probabilities(strategy: str, decisions: Sequence[Decision]) -> list[Decimal | None]:
    """Each decision's YES probability under `strategy` (None: no view, no trade)."""
    if strategy == "placebo":
        return placebo(decisions)
    pick: dict[str, Callable[[Decision], Decimal | None]] = {
        "bot": lambda d: d.bot,
        BOT_WITH_EXITS: lambda d: d.bot,
        "no-trade": lambda d: d.mid,  # the market's own view: scored, never traded
        "kalshi-mid": lambda d: d.mid,
        "polymarket": lambda d: d.polymarket,
    }
    return [pick[strategy](d) for d in decisions]


def trades_for(
    strategy: str,
    decisions: Sequence[Decision],
    views: Sequence[Decimal | None],
    limits: SizingLimits,
    bankroll: Decimal,
    kelly_scale: Decimal = ONE,
) -> list[Trade]:
    """The bot's sizing and caps on each view, in decision order; taker fills at the ask, no
    more than the displayed size there. A market is traded at most once per run."""
    if strategy == "no-trade":
        return []
    book = RunBook(limits, bankroll, kelly_scale)
    found = (book.consider(strategy, d, view) for d, view in zip(decisions, views, strict=True))
    return [trade for trade in found if trade is not None]


Rest = Callable[[Decision, TradeSignal], bool]


class RunBook:
    """What a strategy holds in each run as it goes through the decisions: one trade a market,
    within the event caps. A maker signal (post-only, domain.sizing) is handed to `rest`, which
    places it (True) or not; its fills come later, from wherever it rested."""

    def __init__(self, limits: SizingLimits, bankroll: Decimal, kelly_scale: Decimal = ONE) -> None:
        self.limits, self.bankroll, self.kelly_scale = limits, bankroll, kelly_scale
        self.held: dict[int, list[Holding]] = defaultdict(list)
        self.traded: set[tuple[int, str]] = set()

    def consider(
        self, strategy: str, decision: Decision, view: Decimal | None, rest: Rest | None = None
    ) -> Trade | None:
        """The taker trade made on this decision, if any (a maker order placed: None)."""
        if view is None or (decision.run, decision.ticker) in self.traded:
            return None
        signal = size_order(
            decision.ticker,
            view,
            decision.book,
            self.bankroll,
            self.limits,
            kelly_scale=self.kelly_scale,
            fees=decision.fees,
            ticks=decision.ticks,
        )
        if isinstance(signal, NoTrade):
            return None
        if signal.post_only:
            count, fee = signal.count, signal.fee
        else:
            count = min(signal.count, _displayed(decision.book, signal.side, signal.limit_price))
            if count <= 0:
                return None
            fee = max_cost(count, signal.limit_price, decision.fees) - count * signal.limit_price
        holding = Holding(
            ticker=decision.ticker,
            event_ticker=decision.event_ticker,
            side=signal.side,
            cost=count * signal.limit_price + fee,
        )
        refusal = event_refusal(
            holding,
            self.held[decision.run],
            self.limits.max_event_exposure,
            decision.mutually_exclusive,
            decision.legs,
        )
        if refusal is not None:
            return None
        if signal.post_only and (rest is None or not rest(decision, signal)):
            return None
        self.held[decision.run].append(holding)
        self.traded.add((decision.run, decision.ticker))
        if signal.post_only:
            return None
        return Trade(
            strategy=strategy,
            decision=decision,
            side=signal.side,
            count=count,
            price=signal.limit_price,
            fee=fee,
        )


def adversary_trades(strategy: str, quotes: Sequence[Decision]) -> list[Trade]:
    """A rule of domain.adversaries on every quoted market, in order: CONTRACTS of the side it
    picks (no more than displayed) at that side's ask, once per market and run."""
    moves = predicted_moves(quotes) if strategy == "quote-error-estimator" else None
    traded: set[tuple[int, str]] = set()
    trades: list[Trade] = []
    for index, decision in enumerate(quotes):
        yes_ask, no_ask = decision.book.best_yes_ask, decision.book.best_no_ask
        if yes_ask is None or no_ask is None or (decision.run, decision.ticker) in traded:
            continue
        if moves is None:
            side = RULES[strategy](decision, yes_ask, no_ask)
        else:
            dear = max(yes_ask, no_ask)  # the fee per contract is largest nearest 50c
            fee = (max_cost(CONTRACTS, dear, decision.fees) - CONTRACTS * dear) / CONTRACTS
            side = estimator_side(moves[index], yes_ask, no_ask, fee)
        if side is None:
            continue
        price = yes_ask if side is Side.YES else no_ask
        count = min(CONTRACTS, _displayed(decision.book, side, price))
        if count <= 0:
            continue
        traded.add((decision.run, decision.ticker))
        trades.append(
            Trade(
                strategy=strategy,
                decision=decision,
                side=side,
                count=count,
                price=price,
                fee=max_cost(count, price, decision.fees) - count * price,
            )
        )
    return trades


def _displayed(book: OrderBook, side: Side, price: Decimal) -> Decimal:
    """Contracts offered at `price` or better on `side` (asks are the other side's bids)."""
    bids = book.no_bids if side is Side.YES else book.yes_bids
    return sum((level.count for level in bids if ONE - level.price <= price), ZERO)


class StrategyResult(Frozen):
    strategy: str
    scenario: str
    runs: int
    markets: int
    events: int
    trades: int
    brier_skill: Decimal | None
    brier_skill_ci: Interval | None
    log_loss_gain: Decimal | None
    log_loss_gain_ci: Interval | None
    realised_pnl: Decimal
    realised_pnl_ci: Interval
    expected_pnl: Decimal
    expected_pnl_ci: Interval
    contracts: Decimal = ZERO  # bought (an exit's sale is not counted again)
    exits: int = 0  # sales made by the exit rule (domain.evaluation_exits), not in `trades`
    # The evidence that sizes Kelly (domain.markout), the scale it earns under the configured
    # policy (domain.scoring.kelly_scale), and its detection power: the share of seed groups
    # whose evidence alone has a lower bound above 0.
    edge_markouts: int = 0
    edge: Decimal | None = None
    edge_ci: Interval | None = None
    kelly_scale: Decimal | None = None
    detection_power: Decimal | None = None
    # Realised less expected P&L, clustered: the luck of the draw, which should straddle 0 when
    # the hidden fair value is what the markets pay.
    luck_ci: Interval = (ZERO, ZERO)

    def per_contract(self, amount: Decimal) -> Decimal | None:
        return None if self.contracts == 0 else amount / self.contracts

    @property
    def agrees(self) -> bool:
        """Realised and expected P&L agree within the interval of their difference."""
        return self.luck_ci[0] <= 0 <= self.luck_ci[1]


def _total_ci(amounts: Iterable[tuple[str, Decimal]]) -> tuple[Decimal, Interval]:
    """Total and its clustered interval; with fewer than two events the interval is the total
    itself (no trades: exactly zero)."""
    pairs = list(amounts)
    total = sum((amount for _, amount in pairs), ZERO)
    interval = clustered_total_ci(pairs)
    return total, interval if interval is not None else (total, total)


# The normal's 97.5% point: the luck's spread under the truth is known, not estimated.
_Z_975 = Decimal("1.959964")


def _luck_ci(settled: Sequence[Trade], results: dict[tuple[int, str], bool]) -> Interval:
    """Realised less expected P&L, with an interval at least as wide as the truth itself
    implies: a settled trade pays `count` x a Bernoulli(truth of its side), whose variance is
    count^2 t (1 - t), summed as if the markets were independent (the clustered interval, taken
    when wider, carries what an event's markets share). The clustered interval alone is too
    narrow on rare outcomes: longshots that all lost (as most do) vary little among themselves,
    yet losing is the luck of the draw."""
    total, clustered = _total_ci(
        (
            t.decision.cluster,
            t.realised_pnl(results[(t.decision.run, t.decision.ticker)]) - t.expected_pnl,
        )
        for t in settled
    )
    variance = sum(
        (t.count * t.count * t.decision.truth * (ONE - t.decision.truth) for t in settled), ZERO
    )
    half = max(total - clustered[0], clustered[1] - total, _Z_975 * variance.sqrt())
    return total - half, total + half


def evaluate_strategy(
    strategy: str,
    scenario: str,
    decisions: Sequence[Decision],
    views: Sequence[Decimal | None],
    trades: Sequence[Trade],
    results: dict[tuple[int, str], bool],
    evidence: Evidence | None = None,
) -> StrategyResult:
    """Score one strategy: `results` maps (run, ticker) to whether YES won (settled markets);
    with `evidence`, its forecasts are marked to the later market (domain.markout)."""
    traded = {(t.decision.run, t.decision.ticker, t.decision.cycle) for t in trades}
    forecasts = [
        ScoredForecast(
            model=strategy,
            prompt_version="",
            probability=view,
            outcome=results[(d.run, d.ticker)],
            ticker=f"{d.run}:{d.ticker}",
            event_ticker=d.cluster,
            market_probability=d.mid,
            traded=(d.run, d.ticker, d.cycle) in traded,  # the forecast traded on
            markouts=() if evidence is None else evidence.markouts(d, view),
        )
        for d, view in zip(decisions, views, strict=True)
        if view is not None and (d.run, d.ticker) in results
    ]
    settled = [t for t in trades if (t.decision.run, t.decision.ticker) in results]
    rows = scorecard(forecasts)
    row = rows[0] if rows else None
    realised, realised_ci = _total_ci(
        (t.decision.cluster, t.realised_pnl(results[(t.decision.run, t.decision.ticker)]))
        for t in settled
    )
    expected, expected_ci = _total_ci((t.decision.cluster, t.expected_pnl) for t in trades)
    luck_ci = _luck_ci(settled, results)
    return StrategyResult(
        strategy=strategy,
        scenario=scenario,
        runs=len({d.run for d in decisions}),
        markets=row.forecasts if row else 0,
        events=row.events if row else 0,
        trades=sum(1 for t in trades if not t.sale),
        exits=sum(1 for t in trades if t.sale),
        brier_skill=row.brier_skill if row else None,
        brier_skill_ci=row.brier_skill_ci if row else None,
        log_loss_gain=row.log_loss_gain if row else None,
        log_loss_gain_ci=row.log_loss_gain_ci if row else None,
        realised_pnl=realised,
        realised_pnl_ci=realised_ci,
        expected_pnl=expected,
        expected_pnl_ci=expected_ci,
        contracts=sum((t.count for t in trades if not t.sale), ZERO),
        luck_ci=luck_ci,
        edge_markouts=row.edge_markouts if row else 0,
        edge=row.edge if row else None,
        edge_ci=row.edge_ci if row else None,
        kelly_scale=None if evidence is None else kelly_scale(row, evidence.policy),
        detection_power=None if evidence is None else evidence.power(forecasts),
    )


class Evidence(Frozen):
    """How evaluate marks a strategy's forecasts (domain.markout) and judges the result."""

    policy: ScorecardPolicy
    group: int = 1  # seeds per group for the detection power

    def markouts(self, decision: Decision, view: Decimal) -> tuple[Decimal, ...]:
        bid, ask = decision.book.best_yes_bid, decision.book.best_yes_ask
        if bid is None or ask is None:
            return ()
        found = markout(view, bid, ask, decision.later_mid, decision.fees)
        return () if found is None else (found,)

    def power(self, forecasts: Sequence[ScoredForecast]) -> Decimal | None:
        """The share of groups of `group` consecutive seeds in which the evidence's lower bound
        is above 0 (None: no group has an interval)."""
        chosen = one_per_market(forecasts)
        runs = sorted({int(f.ticker.split(":", 1)[0]) for f in chosen})
        groups = [runs[i : i + self.group] for i in range(0, len(runs), self.group)]
        found = []
        for group in groups:
            members = {str(run) for run in group}
            _, interval = mean_with_ci(
                [
                    (f.event_ticker, m)
                    for f in chosen
                    if f.ticker.split(":", 1)[0] in members
                    for m in f.markouts
                ]
            )
            if interval is not None:
                found.append(interval[0] > 0)
        return None if not found else (Decimal(sum(found)) / len(found)).quantize(Decimal("0.01"))


def evaluate_adversary(
    strategy: str,
    scenario: str,
    trades: Sequence[Trade],
    results: dict[tuple[int, str], bool],
    runs: int,
) -> StrategyResult:
    """Score a strategy of domain.adversaries: P&L only (it gives no probabilities); its
    markets and events are those it traded."""
    scored = evaluate_strategy(strategy, scenario, [], [], trades, results)
    return scored.replace(
        runs=runs,
        markets=len({(t.decision.run, t.decision.ticker) for t in trades}),
        events=len({t.decision.cluster for t in trades}),
    )
