"""The exchange's state machine: catalogue, lifecycle, accounts, orders and matching.

One re-entrant lock guards everything. Every entry point first calls `sync()`, which replays
the sim clock up to now in time order: resting orders are matched against each market-maker
re-quote they missed, markets close, are determined and finalized (paying out), and replacement
markets are listed so a long run always has open markets. Because all of this is driven by the
sim clock and seeded hashes, a test that only calls `advance()` sees the same run every time.
"""

from __future__ import annotations

import heapq
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal

from domain.fees import FeeSchedule, affordable, max_cost
from domain.money import COUNT_STEP, ZERO
from infra.sim.book import (
    NO,
    YES,
    Maker,
    Plan,
    Step,
    book_levels,
    consume_mm,
    makers_against,
    mm_levels,
    plan_taker,
    side_price,
)
from infra.sim.catalog import DAY, HOUR, Catalog
from infra.sim.clock import SimClock
from infra.sim.combos import COMBO_SERIES, ComboMaker, combo_series, eligible
from infra.sim.config import SimConfig
from infra.sim.flow import flow_at
from infra.sim.gamma import GammaBook
from infra.sim.ledger import Result, apply_trade, position_for, reducible, settle
from infra.sim.models import (
    Account,
    BookSide,
    EventState,
    Fill,
    MarketState,
    Order,
    OrderStatus,
    PinnedBook,
    SelfTradePrevention,
    Status,
    TimeInForce,
    Trade,
)
from infra.sim.orders import OrderRequest
from infra.sim.pricing import LatentPath, decides, interval_of, scalar_value
from infra.sim.quotes import truth
from infra.sim.rng import text_seed, unit
from infra.sim.stats import StatsRecorder
from infra.sim.ticks import on_tick
from infra.sim.wire import ApiError, not_found

# Resting orders are matched at most this many missed re-quotes back after a long jump.
MAX_EPOCHS_PER_SYNC = 5_000
_CLOSE, _DETERMINE, _FINALIZE = "close", "determine", "finalize"
_ACTIVATE, _AMEND = "activate", "amend"
# Status variety (A5.3), drawn by hashing each market's seed (no catalogue draw is consumed, so
# the catalogue of a seed is unchanged): some markets are listed `inactive` and start trading
# later; some determinations are `disputed`, then `amended` before they are finalized and paid.
# A dispute is upheld (the amendment reverses the result) exactly when the resolution source's
# reading disagrees with the first determination (a close call: infra.sim.pricing); a share of
# other determinations are disputed and the amendment confirms them.
INACTIVE_SHARE, UNFOUNDED_DISPUTE_SHARE = 0.04, 0.02
INACTIVE_HOURS = (1.0, 3.0)  # how long an inactive listing waits before trading
_INACTIVE_TAG, _DISPUTE_TAG, _WAIT_TAG = 0x1AC7, 0xD15, 0x3A17


def amendment_flips(market: MarketState) -> bool:
    """Whether the amendment reverses the first determination: the reading that pays is on the
    other side of one of the market's bounds from where the path ended."""
    path = market.path
    if market.market_type != "binary" or path is None or market.truth_override is not None:
        return False
    return decides(market.interval, path.final) != decides(market.interval, path.reading)


def will_dispute(market: MarketState) -> bool:
    """Whether the market's determination will be disputed (binary markets only)."""
    if market.market_type != "binary" or market.is_combo:
        return False
    return amendment_flips(market) or unit(market.mm_seed, _DISPUTE_TAG) < UNFOUNDED_DISPUTE_SHARE


def _new_id() -> str:
    """Order and fill ids are unique across simulator runs, as Kalshi's are."""
    return str(uuid.uuid4())


class Exchange:
    """All mutable sim state. Callers hold `lock` (or use `synced()`) while touching it."""

    def __init__(self, config: SimConfig, clock: SimClock, recorder: StatsRecorder) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.clock = clock
        self.recorder = recorder
        self.catalog = Catalog(config.seed)
        self.series = self.catalog.series
        self.events: list[EventState] = []
        self.events_by_ticker: dict[str, EventState] = {}
        self.markets: list[MarketState] = []  # index = seq - 1
        self.markets_by_ticker: dict[str, MarketState] = {}
        self.accounts: dict[str, Account] = {}
        self.orders_by_id: dict[str, Order] = {}
        self.trades: list[Trade] = []  # the public tape, in time order (A5.15)
        self.prices = config.price_model()
        self.gamma = GammaBook(config.seed, config.gamma_link_fraction, self.prices)
        self.combos = ComboMaker(config.seed)
        self.series[COMBO_SERIES] = combo_series()
        self.active_count = 0
        self.now_ts = clock.timestamp()
        self.started_ts = self.now_ts  # the series' `last_updated_ts` (kalshi_json)
        self._heap: list[tuple[float, int, str, str]] = []
        self._heap_counter = 0
        self._seq = 0
        self._resting_markets: dict[str, MarketState] = {}
        self._populate()

    # -- time --------------------------------------------------------------------------------

    def epoch_of(self, ts: float) -> int:
        return int(ts // self.config.quote_interval_seconds)

    @property
    def epoch(self) -> int:
        return self.epoch_of(self.now_ts)

    @contextmanager
    def synced(self) -> Iterator[Exchange]:
        """Hold the lock with the state brought up to the current sim time."""
        with self.lock:
            self.sync()
            yield self

    def sync(self) -> None:
        """Replay everything due up to the sim clock's now, in time order."""
        with self.lock:
            now = max(self.now_ts, self.clock.timestamp())
            while self._heap and self._heap[0][0] <= now:
                ts, _, kind, ticker = heapq.heappop(self._heap)
                self._run(kind, ticker, ts)
            for market in list(self._resting_markets.values()):
                self._match_resting_until(market, now)
            self.now_ts = now

    def _schedule(self, ts: float, kind: str, ticker: str) -> None:
        self._heap_counter += 1
        heapq.heappush(self._heap, (ts, self._heap_counter, kind, ticker))

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # -- catalogue and lifecycle -------------------------------------------------------------

    def _populate(self) -> None:
        start = self.now_ts
        history_target = max(1, self.config.markets // 20)
        historical = 0
        while historical < history_target:
            created = start - self.catalog.uniform(4 * DAY, 10 * DAY)
            close = created + self.catalog.uniform(HOUR, 2 * DAY)
            markets = self._list_event(created, close)
            for market in markets:
                self._close(market, close, replenish=False)
                self._determine(market, close + self.config.determination_delay_seconds)
                self._finalize(market, close + DAY)
            historical += len(markets)
        self._heap.clear()
        while self.active_count < self.config.markets:
            created = start - self.catalog.uniform(0.0, DAY)
            self._maybe_combo(self._list_event(created, start + self.catalog.duration()), created)
        decoys = max(3, self.config.markets // 25)
        self.gamma.add_decoys(decoys, start, self.catalog.uniform)

    def _list_event(self, created: float, close: float) -> list[MarketState]:
        """List the next event of the catalogue (and maybe a scalar one); returns the markets."""
        listed = [self.catalog.new_event(created, close)]
        scalar = self.catalog.scalar_event(created, close)
        if scalar is not None:
            listed.append(scalar)
        return [market for event, markets in listed for market in self._add_event(event, markets)]

    def _add_event(self, event: EventState, markets: list[MarketState]) -> list[MarketState]:
        self.events.append(event)
        self.events_by_ticker[event.event_ticker] = event
        path = event.path = LatentPath(
            event.path_seed,
            event.created_ts,
            event.strike_ts,
            self.config.quote_interval_seconds,
            self.prices,
        )
        for market in markets:
            market.path = path
            market.interval = interval_of(market.result_lo, market.probability)
            market.noise *= self.prices.kalshi_noise
            market.longshot_bias = self.prices.longshot_bias
            market.refill_per_quote = self.prices.refill_per_quote
            self.markets.append(market)
            self.markets_by_ticker[market.ticker] = market
            if market.market_type == "binary":  # a Polymarket twin is a yes/no question
                self.gamma.maybe_link(market, event)
            self._maybe_inactive(market)
        self.active_count += len(markets)
        self._schedule(event.strike_ts, _CLOSE, event.event_ticker)
        return markets

    def _maybe_inactive(self, market: MarketState) -> None:
        """List a few markets `inactive`: no quotes, no orders until they start trading."""
        if unit(market.mm_seed, _INACTIVE_TAG) >= INACTIVE_SHARE:
            return
        low, high = INACTIVE_HOURS
        wait = HOUR * (low + (high - low) * unit(market.mm_seed, _WAIT_TAG))
        if market.created_ts + wait >= market.close_ts - HOUR:
            return  # too short-lived to spend its life inactive
        market.status = Status.INACTIVE
        self._schedule(market.created_ts + wait, _ACTIVATE, market.ticker)

    def _run(self, kind: str, ticker: str, ts: float) -> None:
        if kind == _CLOSE:
            for market_ticker in self.events_by_ticker[ticker].market_tickers:
                market = self.markets_by_ticker[market_ticker]
                if market.status.listed_open:
                    self._match_resting_until(market, ts)
                    self._close(market, ts)
            self._schedule(ts + self.config.determination_delay_seconds, _DETERMINE, ticker)
        elif kind == _DETERMINE:
            for market_ticker in self.events_by_ticker[ticker].market_tickers:
                market = self.markets_by_ticker[market_ticker]
                if market.status is Status.CLOSED:
                    self._determine(market, ts)
                    self._schedule(ts + market.settlement_timer_seconds, _FINALIZE, market.ticker)
        elif kind == _FINALIZE:
            market = self.markets_by_ticker[ticker]
            if market.status is Status.DETERMINED and will_dispute(market):
                market.status = Status.DISPUTED
                market.touch(ts)
                self._schedule(ts + market.settlement_timer_seconds, _AMEND, market.ticker)
            elif market.status in {Status.DETERMINED, Status.AMENDED}:
                self._finalize(market, ts)
        elif kind == _AMEND:
            self._amend(self.markets_by_ticker[ticker], ts)
        elif kind == _ACTIVATE:
            market = self.markets_by_ticker[ticker]
            if market.status is Status.INACTIVE:
                market.status = Status.ACTIVE
                market.touch(ts)

    def _amend(self, market: MarketState, ts: float) -> None:
        """A disputed determination is amended to what the resolution source read (the
        payout, at finalization, follows the amended result)."""
        if market.status is not Status.DISPUTED:
            return
        if market.result in {Result.YES, Result.NO} and amendment_flips(market):
            market.result = self._outcome(market)
        market.status = Status.AMENDED
        market.touch(ts)
        self._schedule(ts + market.settlement_timer_seconds, _FINALIZE, market.ticker)

    def _close(self, market: MarketState, ts: float, *, replenish: bool = True) -> None:
        for order in list(market.resting):
            self._cancel(order, ts)
        market.status = Status.CLOSED
        market.close_ts = min(market.close_ts, ts)
        market.touch(ts)
        if market.is_combo:
            return  # combos never count towards `config.markets`
        self.active_count -= 1
        if replenish:
            self._replenish(ts)

    def _replenish(self, ts: float) -> None:
        """Keep about `config.markets` markets open by listing new events as old ones close."""
        while self.active_count < self.config.markets:
            self._maybe_combo(self._list_event(ts, ts + self.catalog.duration()), ts)

    def _maybe_combo(self, fresh: list[MarketState], created: float) -> None:
        """Now and then a combo on a market just listed and another open one (combos.py)."""
        # A leg whose result could be amended would make the combo's result ambiguous.
        legs = self.combos.pick_legs(
            fresh, self.markets, lambda m: eligible(m) and not will_dispute(m)
        )
        if legs is None:
            return
        event, market = self.combos.combo(
            legs, self.catalog.next_event_seq, self.catalog.next_market_seq, created
        )
        self.catalog.next_event_seq += 1
        self.catalog.next_market_seq += 1
        self.events.append(event)
        self.events_by_ticker[event.event_ticker] = event
        self.markets.append(market)
        self.markets_by_ticker[market.ticker] = market
        self._schedule(event.strike_ts, _CLOSE, event.event_ticker)

    def _outcome(self, market: MarketState, *, first: bool = False) -> str:
        """What the market pays: the resolution source's reading of the event's latent path
        (infra.sim.pricing); `first`: the first determination, which reads where the path
        ended (an amendment corrects it). A pinned truth is a fixed probability, drawn with the
        event's seed."""
        if market.is_combo:  # YES iff every leg resolves YES (legs are never disputed)
            legs = [self.markets_by_ticker[t] for t in market.legs]
            return "yes" if all(self._outcome(leg) == "yes" for leg in legs) else "no"
        event = self.events_by_ticker[market.event_ticker]
        if market.truth_override is not None:
            return "yes" if unit(event.path_seed, market.seq) < market.truth_override else "no"
        assert event.path is not None
        position = event.path.final if first else event.path.reading
        return "yes" if decides(market.interval, position) else "no"

    def truth(self, market: MarketState) -> float:
        """The hidden probability that the market pays YES now (for evaluation only: amended
        results included); after the close, what it pays per YES contract."""
        if market.is_combo and market.status.listed_open:  # legs on distinct events
            value = 1.0
            for leg in market.legs:
                value *= self.truth(self.markets_by_ticker[leg])
            return value
        if market.status.listed_open:
            return truth(market, self.epoch)
        if market.market_type == "scalar":
            value = market.settlement_value
            return float(value) if value is not None else float(self._scalar_value(market))
        # What is paid: the result once final, else what the resolution source read (what an
        # amendment of a close call applies).
        result = market.result if market.status is Status.FINALIZED else self._outcome(market)
        return 1.0 if result == "yes" else 0.0

    def _determine(
        self,
        market: MarketState,
        ts: float,
        result: str | None = None,
        value: Decimal | None = None,
    ) -> None:
        if result is None and market.market_type == "scalar":
            result, value = Result.SCALAR, self._scalar_value(market)
        market.result = result or self._outcome(market, first=True)
        market.settlement_value = value
        market.status = Status.DETERMINED
        market.determined_ts = ts
        market.touch(ts)

    def _finalize(self, market: MarketState, ts: float) -> None:
        market.status = Status.FINALIZED
        market.settled_ts = ts
        market.touch(ts)
        for account in self.accounts.values():
            position = account.positions.get(market.ticker)
            if position is not None and not position.settled:
                settle(
                    account,
                    position,
                    result=market.result,
                    value=market.settlement_value,
                    seq=self._next_seq(),
                    ts=ts,
                )

    def _scalar_value(self, market: MarketState) -> Decimal:
        """A scalar market's settlement value per YES contract (A7), drawn from the event's
        latent path's end around the market's expected value, on the $0.0001 grid."""
        path = self.events_by_ticker[market.event_ticker].path
        assert path is not None
        raw = scalar_value(market.probability, path.final)
        return Decimal(round(raw * 10_000)) / 10_000

    def fee_schedule(self, market: MarketState) -> FeeSchedule:
        """The event's fee override if it has one, else its series' schedule (A5.6, A7)."""
        override = self.events_by_ticker[market.event_ticker].fee_override
        return override or self.series[market.series_ticker].fees

    # -- accounts ----------------------------------------------------------------------------

    def open_account(self, key_id: str, balance: Decimal) -> Account:
        with self.lock:
            account = self.accounts.get(key_id)
            if account is None:
                user_id = str(uuid.UUID(int=text_seed(key_id) << 64 | 0x4000, version=4))
                account = Account(key_id, user_id, balance, self.now_ts)
                self.accounts[key_id] = account
            return account

    def account(self, key_id: str) -> Account:
        account = self.accounts.get(key_id)
        if account is None:
            raise ApiError(401, "authentication_error", "authentication error", "NOT_FOUND")
        return account

    def market(self, ticker: str) -> MarketState:
        market = self.markets_by_ticker.get(ticker)
        if market is None:
            raise not_found(f"market {ticker} not found", "market_not_found")
        return market

    def top_prices(self, market: MarketState) -> tuple[int | None, int | None]:
        """(best YES bid, best NO bid) in cents, market maker and resting orders together."""
        yes, no = book_levels(market, self.epoch)
        return (max(yes) if yes else None), (max(no) if no else None)

    # -- orders ------------------------------------------------------------------------------

    def place(self, key_id: str, request: OrderRequest) -> tuple[Order, list[Fill]]:
        """Create, match and maybe rest an order. Returns the order and its immediate fills."""
        with self.synced():
            account = self.account(key_id)
            if request.client_order_id:
                self.recorder.order_attempt(request.client_order_id)
            market = self.market(request.ticker)
            if request.client_order_id and request.client_order_id in account.client_order_ids:
                raise ApiError(
                    409,
                    "order_already_exists",
                    "order already exists",
                    f"client_order_id {request.client_order_id} was already used",
                )
            if market.is_combo:  # part C gotcha 7: combos are not traded like other markets
                raise ApiError(
                    400, "invalid_price", "invalid price", "combo markets are quoted on request"
                )
            if market.status is Status.INACTIVE:
                # The reference names no code for an inactive market: the sim's choice.
                raise ApiError(
                    400, "market_inactive", "market inactive", f"{market.ticker} is not trading"
                )
            if market.status is not Status.ACTIVE:
                raise ApiError(400, "market_closed", "market closed", f"{market.ticker} is closed")
            request = replace(request, price_cents=self._on_tick(market, request.price_cents))
            if request.expiration_ts is not None and request.expiration_ts <= self.now_ts:
                raise ApiError(
                    400,
                    "invalid_order",
                    "invalid order",
                    "Expiration timestamp must be in the future",
                )
            count = self._order_count(account, market, request)
            limit_price = side_price(request.side, request.price_cents)
            closing = min(count, reducible(account, market.ticker, request.side is BookSide.BID))
            # A sale needs no cash: each contract it closes pays $1 back at once (A5.9).
            if account.balance + closing < max_cost(count, limit_price, self.fee_schedule(market)):
                raise ApiError(
                    400,
                    "available_balance_too_low",
                    "available balance too low",
                    "insufficient balance for the order's maximum cost",
                )
            epoch = self.epoch
            makers = makers_against(market, epoch, request.side, request.price_cents)
            if request.post_only and makers:
                raise ApiError(400, "invalid_order", "invalid order", "post only cross")
            order = self._new_order(account, request, count)
            return order, self._execute(account, market, order, makers)

    @staticmethod
    def _on_tick(market: MarketState, cents: Decimal | int) -> Decimal | int:
        """The order's YES price in cents if it is on one of the market's ticks (whole cents
        as an int, the book's keys), else 400 invalid_price (A3.1, A10 item 5)."""
        if not on_tick(market.price_structure, Decimal(cents) / 100):
            raise ApiError(
                400,
                "invalid_price",
                "invalid price",
                f"{Decimal(cents) / 100} is not a valid price of {market.price_structure}",
            )
        return int(cents) if cents == int(cents) else Decimal(cents)

    def _order_count(self, account: Account, market: MarketState, request: OrderRequest) -> Decimal:
        """A reduce-only order (accepted only with immediate_or_cancel, exchange-apis.md A5.9
        (b)) is cut to what it can close: it never opens or adds to a position."""
        if not request.reduce_only:
            return request.count
        # A bid (buy YES) reduces a NO position; an ask (buy NO) reduces a YES position.
        return min(request.count, reducible(account, market.ticker, request.side is BookSide.BID))

    def _new_order(self, account: Account, request: OrderRequest, count: Decimal) -> Order:
        order = Order(
            seq=self._next_seq(),
            order_id=_new_id(),
            account=account.key_id,
            user_id=account.user_id,
            client_order_id=request.client_order_id,
            ticker=request.ticker,
            book_side=request.side,
            price_cents=request.price_cents,
            initial=request.count,
            time_in_force=request.time_in_force,
            self_trade_prevention=request.self_trade_prevention,
            post_only=request.post_only,
            reduce_only=request.reduce_only,
            expiration_ts=None if request.expiration_ts is None else float(request.expiration_ts),
            created_ts=self.now_ts,
            updated_ts=self.now_ts,
            remaining=count,
            closes=reducible(account, request.ticker, request.side is BookSide.BID) > 0,
        )
        account.orders.append(order)
        self.orders_by_id[order.order_id] = order
        if request.client_order_id:
            account.client_order_ids.add(request.client_order_id)
            self.recorder.order_created(request.client_order_id)
        return order

    def _execute(
        self, account: Account, market: MarketState, order: Order, makers: list[Maker]
    ) -> list[Fill]:
        schedule = self.fee_schedule(market)
        closing = min(order.remaining, reducible(account, market.ticker, order.book_side.buys_yes))
        plan = plan_taker(
            makers,
            account=account.key_id,
            side=order.book_side,
            quantity=order.remaining,
            stp=order.self_trade_prevention,
            budget=account.balance + closing,
            balance_of=lambda key: self.accounts[key].balance,
            fee_of=lambda qty, yes_cents: schedule.trade_fee(
                qty, Decimal(yes_cents) / 100, is_taker=True
            ),
        )
        now = self.now_ts
        if order.time_in_force is TimeInForce.FILL_OR_KILL and plan.filled < order.remaining:
            self._finish(order, OrderStatus.CANCELED, now)
            return []
        for maker in plan.cancel_makers:
            if maker.status is OrderStatus.RESTING and maker.account == account.key_id:
                self._cancel(maker, now)
        fills = [fill for step in plan.steps for fill in self._trade(market, order, step, now)]
        market.traded += plan.filled
        for maker in plan.cancel_makers:  # unfunded makers of other accounts
            if maker.status is OrderStatus.RESTING:
                self._cancel(maker, now)
        self._after_taking(market, order, plan, now)
        return fills

    def _after_taking(self, market: MarketState, order: Order, plan: Plan, now: float) -> None:
        if order.remaining <= 0:
            filled = order.filled > 0
            self._finish(order, OrderStatus.EXECUTED if filled else OrderStatus.CANCELED, now)
            return
        blocked = plan.self_cross or self._still_crosses(market, order)
        if order.time_in_force is not TimeInForce.GOOD_TILL_CANCELED or blocked:
            self._finish(order, OrderStatus.CANCELED, now)
            return
        yes_levels, no_levels = mm_levels(market, self.epoch)
        order.queue_ahead = (  # the displayed size already at its price is ahead of it
            yes_levels.get(order.price_cents, ZERO)
            if order.book_side is BookSide.BID
            else no_levels.get(100 - order.price_cents, ZERO)
        )
        market.resting.append(order)
        market.checked_epoch = max(market.checked_epoch, self.epoch)
        self._resting_markets[market.ticker] = market
        market.touch()

    def _still_crosses(self, market: MarketState, order: Order) -> bool:
        """True if liquidity still crosses (the taker ran out of money): never rest crossed."""
        return bool(makers_against(market, self.epoch, order.book_side, order.price_cents))

    def _finish(self, order: Order, status: OrderStatus, ts: float) -> None:
        order.status = status
        order.remaining = ZERO
        order.updated_ts = ts

    def _publish(
        self, market: MarketState, yes_cents: int, qty: Decimal, taker_buys_yes: bool, ts: float
    ) -> None:
        """Every match is a public trade, whoever traded (A5.15)."""
        self.trades.append(
            Trade(self._next_seq(), _new_id(), market.ticker, yes_cents, qty, taker_buys_yes, ts)
        )

    def _trade(self, market: MarketState, taker: Order, step: Step, ts: float) -> list[Fill]:
        maker = step.maker
        self._publish(market, maker.yes_cents, step.qty, taker.book_side.buys_yes, ts)
        fills = self._fill(market, taker, maker.yes_cents, step.qty, True, ts)
        if maker.order is not None:
            self._fill(market, maker.order, maker.yes_cents, step.qty, False, ts)
        else:
            consume_mm(market, self.epoch_of(ts), maker.mm_side, maker.mm_price, step.qty)
        return fills

    def _fill(
        self,
        market: MarketState,
        order: Order,
        yes_cents: int,
        qty: Decimal,
        is_taker: bool,
        ts: float,
        *,
        fee_free: bool = False,
    ) -> list[Fill]:
        """A match of `qty` for `order`. One that would close a held position and open the other
        side is recorded as two fills, the sale then the purchase, so that every fill is one or
        the other (A5.13 legacy `action` sell/buy); the reference is silent on how Kalshi
        reports a fill that flips a position."""
        account = self.accounts[order.account]
        closing = reducible(account, market.ticker, order.book_side.buys_yes)
        parts = [closing, qty - closing] if ZERO < closing < qty else [qty]
        return [
            self._one_fill(market, order, yes_cents, part, is_taker, ts, fee_free=fee_free)
            for part in parts
        ]

    def _one_fill(
        self,
        market: MarketState,
        order: Order,
        yes_cents: int,
        qty: Decimal,
        is_taker: bool,
        ts: float,
        *,
        fee_free: bool = False,
    ) -> Fill:
        """One fill of `order`: A7 fees (the series' schedule, rounding, the order's
        accumulator), the balance, the position, and the A5.13 fill record."""
        account = self.accounts[order.account]
        price = side_price(order.book_side, yes_cents)
        trade_fee = (
            ZERO if fee_free else self.fee_schedule(market).trade_fee(qty, price, is_taker=is_taker)
        )
        position = position_for(account, market.ticker, market.event_ticker)
        applied = apply_trade(
            account,
            position,
            order,
            buys_yes=order.book_side.buys_yes,
            count=qty,
            price=price,
            trade_fee=trade_fee,
            ts=ts,
        )
        fee = applied.fee
        order.remaining -= qty
        order.filled += qty
        order.updated_ts = ts
        if is_taker:
            order.taker_cost += qty * price
            order.taker_fees += fee
        else:
            order.maker_cost += qty * price
            order.maker_fees += fee
        fill_id = _new_id()
        fill = Fill(
            seq=self._next_seq(),
            fill_id=fill_id,
            trade_id=fill_id,
            order_id=order.order_id,
            account=account.key_id,
            ticker=market.ticker,
            book_side=order.book_side,
            yes_cents=yes_cents,
            count=qty,
            is_taker=is_taker,
            fee=fee,
            ts=ts,
            trade_fee=trade_fee,
            closed=applied.closed,
            post_position=position.position,
        )
        account.fills.append(fill)
        market.last_trade_cents = yes_cents
        market.touch()  # trading is not a metadata change: updated_time stays
        if not is_taker and order.remaining <= 0:
            self._unrest(order)
            self._finish(order, OrderStatus.EXECUTED, ts)
        return fill

    def _unrest(self, order: Order) -> None:
        market = self.markets_by_ticker[order.ticker]
        if order in market.resting:
            market.resting.remove(order)
            market.touch()
        if not market.resting:
            self._resting_markets.pop(market.ticker, None)

    def _cancel(self, order: Order, ts: float) -> Decimal:
        reduced = order.remaining
        self._unrest(order)
        self._finish(order, OrderStatus.CANCELED, ts)
        return reduced

    def cancel(self, key_id: str, order_id: str) -> tuple[Order, Decimal]:
        with self.synced():
            account = self.account(key_id)
            order = self.orders_by_id.get(order_id)
            if order is None or order.account != account.key_id:
                raise not_found(f"order {order_id} not found")
            if order.status is not OrderStatus.RESTING:
                raise not_found(f"order {order_id} is not resting ({order.status})")
            return order, self._cancel(order, self.now_ts)

    # -- resting orders against the market maker ----------------------------------------------

    def _match_resting_until(self, market: MarketState, ts: float) -> None:
        until = min(ts, market.close_ts)
        target = self.epoch_of(until)
        start = max(market.checked_epoch + 1, target - MAX_EPOCHS_PER_SYNC)
        for epoch in range(start, target + 1):
            if not market.resting:
                break
            self._match_resting_at(market, epoch)
            if market.pinned is not None:
                break  # a pinned book does not re-quote: one pass is enough
        self._expire(market, until)
        market.checked_epoch = max(market.checked_epoch, target)

    def _expire(self, market: MarketState, ts: float) -> None:
        for order in list(market.resting):
            if order.expiration_ts is not None and order.expiration_ts <= ts:
                self._cancel(order, order.expiration_ts)

    def _match_resting_at(self, market: MarketState, epoch: int) -> None:
        """The market maker's re-quote at `epoch` trades with resting orders it moved through."""
        ts = max(epoch * self.config.quote_interval_seconds, market.created_ts)
        self._expire(market, ts)
        yes_levels, no_levels = mm_levels(market, epoch)
        bids = sorted(
            (o for o in market.resting if o.book_side is BookSide.BID),
            key=lambda o: (-o.price_cents, o.seq),
        )
        asks = sorted(
            (o for o in market.resting if o.book_side is BookSide.ASK),
            key=lambda o: (o.price_cents, o.seq),
        )
        for order in bids:  # YES bids meet the maker's YES asks (= 100 - its NO bids)
            for no_cents in sorted(no_levels, reverse=True):
                if 100 - no_cents > order.price_cents or order.status is not OrderStatus.RESTING:
                    break
                self._maker_fill(market, order, epoch, ts, NO, no_cents, no_levels)
        for order in asks:  # NO bids (YES asks) meet the maker's YES bids
            for yes_cents in sorted(yes_levels, reverse=True):
                if yes_cents < order.price_cents or order.status is not OrderStatus.RESTING:
                    break
                self._maker_fill(market, order, epoch, ts, YES, yes_cents, yes_levels)
        if self.prices.flow_scale > 0 and market.pinned is None:
            self._other_traders(market, epoch, ts, bids, asks, yes_levels, no_levels)

    def _other_traders(
        self,
        market: MarketState,
        epoch: int,
        ts: float,
        bids: list[Order],
        asks: list[Order],
        yes_levels: dict[int, Decimal],
        no_levels: dict[int, Decimal],
    ) -> None:
        """This re-quote's taker flow (infra.sim.flow) reaches the resting orders it gets to
        after the better-priced depth and the queue ahead of them, best price first."""
        flow = flow_at(
            market,
            epoch,
            self.config.quote_interval_seconds,
            self.prices.flow_scale,
            self.prices.informed_share,
        )
        fair = truth(market, epoch)
        used = ZERO  # flow taken by resting orders ahead of this one
        for order in bids:  # sellers hit YES bids, highest first
            better = sum((s for p, s in yes_levels.items() if p > order.price_cents), ZERO)
            reach = flow.selling_to(order.price_cents, fair) - better - used
            used += self._flow_fill(market, order, reach, ts)
        used = ZERO
        for order in asks:  # buyers lift YES asks (resting NO bids), lowest first
            better = sum((s for p, s in no_levels.items() if 100 - p < order.price_cents), ZERO)
            reach = flow.buying_from(order.price_cents, fair) - better - used
            used += self._flow_fill(market, order, reach, ts)

    def _flow_fill(self, market: MarketState, order: Order, reach: Decimal, ts: float) -> Decimal:
        """`reach` contracts of flow get to the order's price: the queue ahead goes first."""
        if order.status is not OrderStatus.RESTING or reach <= 0:
            return ZERO
        queued = min(order.queue_ahead, reach)
        order.queue_ahead -= queued
        wanted = min(order.remaining, reach - queued)
        if wanted <= 0:
            return ZERO
        filled = self._fill_resting(market, order, wanted, ts)
        return queued + filled

    def _maker_fill(
        self,
        market: MarketState,
        order: Order,
        epoch: int,
        ts: float,
        mm_side: str,
        mm_price: int,
        levels: dict[int, Decimal],
    ) -> None:
        qty = self._fill_resting(market, order, min(order.remaining, levels[mm_price]), ts)
        if qty > 0:
            consume_mm(market, epoch, mm_side, mm_price, qty)
            levels[mm_price] -= qty
            if levels[mm_price] <= 0:
                del levels[mm_price]

    def _fill_resting(
        self, market: MarketState, order: Order, wanted: Decimal, ts: float
    ) -> Decimal:
        """Fill a resting order as maker for up to `wanted`, as far as its account can pay;
        one it can no longer pay for is cancelled. Returns what filled."""
        price = side_price(order.book_side, order.price_cents)
        account = self.accounts[order.account]
        closing = min(wanted, reducible(account, market.ticker, order.book_side.buys_yes))
        power = affordable(account.balance, price, self.fee_schedule(market), is_taker=False)
        qty = min(wanted, closing + power)
        if qty > 0:
            market.traded += qty
            # Someone else (taker flow, or the maker re-quoting through it) took the order.
            self._publish(market, order.price_cents, qty, not order.book_side.buys_yes, ts)
            self._fill(market, order, order.price_cents, qty, False, ts)
        if qty < wanted and order.status is OrderStatus.RESTING:
            self._cancel(order, ts)  # the account can no longer pay for it
        return qty

    # -- test hooks ----------------------------------------------------------------------------

    def set_probability(self, ticker: str, probability: float) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be in [0, 1]")
        with self.synced():
            market = self.market(ticker)
            market.truth_override = probability
            market.mm_book_epoch, market.mm_book = -1, None
            market.fair_cache.clear()
            market.touch()

    def force_settle(self, ticker: str, result: str, value: Decimal | None = None) -> None:
        """Close, determine and finalize now. Binary markets take yes, no or void; scalar
        markets take scalar with a value in [0, 1] (dollars per YES contract, A7) or void."""
        try:
            outcome = Result(result)
        except ValueError as exc:
            raise ValueError("result must be yes, no, scalar or void") from exc
        with self.synced():
            market = self.market(ticker)
            _check_result(market, outcome, value)
            now = self.now_ts
            if market.status.listed_open:
                self._match_resting_until(market, now)
                self._close(market, now)
            if market.status is Status.CLOSED:
                self._determine(market, now, outcome, value)
            elif market.status.awaiting_payout:
                market.result, market.settlement_value = outcome, value
            if market.status.awaiting_payout:
                self._finalize(market, now)

    def pin_book(
        self,
        ticker: str,
        yes_bids: list[tuple[Decimal, Decimal]] | None,
        no_bids: list[tuple[Decimal, Decimal]] | None,
    ) -> None:
        """Replace the market maker's quotes with fixed levels (None: resume normal quoting)."""
        with self.synced():
            market = self.market(ticker)
            if yes_bids is None and no_bids is None:
                market.pinned = None
            else:
                market.pinned = PinnedBook(
                    yes={_cents(p): Decimal(c) for p, c in yes_bids or () if Decimal(c) > 0},
                    no={_cents(p): Decimal(c) for p, c in no_bids or () if Decimal(c) > 0},
                )
            market.touch()
            if market.resting:
                self._match_resting_at(market, self.epoch)

    def external_position(
        self, key_id: str, ticker: str, side: str, count: Decimal, price: Decimal
    ) -> Order:
        """A fill that did not come through this API (e.g. the web app): order + fill + debit."""
        if side not in {YES, NO}:
            raise ValueError("side must be 'yes' or 'no'")
        with self.synced():
            account = self.accounts.get(key_id)
            if account is None:
                raise ValueError(f"no account for key {key_id}")
            market = self.market(ticker)
            if count <= 0 or count != count.quantize(COUNT_STEP):
                raise ValueError("count must be positive with at most two decimals")
            if account.balance < count * price:
                raise ValueError("insufficient balance for the external position")
            side_cents = _cents(price)
            yes_cents = side_cents if side == YES else 100 - side_cents
            request = OrderRequest(
                ticker=ticker,
                client_order_id="",
                side=BookSide.BID if side == YES else BookSide.ASK,
                count=count,
                price_cents=yes_cents,
                time_in_force=TimeInForce.FILL_OR_KILL,
                self_trade_prevention=SelfTradePrevention.TAKER_AT_CROSS,
                post_only=False,
                reduce_only=False,
                expiration_ts=None,
            )
            order = self._new_order(account, request, count)
            self._fill(market, order, yes_cents, count, True, self.now_ts, fee_free=True)
            market.traded += count
            self._finish(order, OrderStatus.EXECUTED, self.now_ts)
            return order


def _check_result(market: MarketState, result: Result, value: Decimal | None) -> None:
    scalar = market.market_type == "scalar"
    if result is Result.SCALAR:
        if not scalar:
            raise ValueError(f"{market.ticker} is a binary market: settle it yes, no or void")
        if value is None or not 0 <= value <= 1 or value != value.quantize(Decimal("0.0001")):
            raise ValueError("settlement_value must be dollars in [0, 1] with at most 4 decimals")
    elif value is not None:
        raise ValueError("settlement_value is only for result scalar")
    elif scalar and result is not Result.VOID:
        raise ValueError(f"{market.ticker} is a scalar market: settle it scalar or void")


def _cents(price: Decimal | str) -> int:
    cents = Decimal(price) * 100
    if cents != cents.to_integral_value() or not 1 <= cents <= 99:
        raise ValueError(f"price {price} is not a whole cent between 0.01 and 0.99")
    return int(cents)
