"""The paper exchange: simulated orders against a real market, behind the actors' VenueClient.

NautilusTrader's split (`reference/design-anchors.md`): the matching engine and the account are
the same whichever market data feeds them. `PaperExchange(data, store, clock)` reads the market
from a `MarketData` (Kalshi's public endpoints live, or a recording in replay) and keeps the
account in a `PaperStore`. It answers the actors exactly as the venue would: fills, positions,
settlements and the balance, so the bot's book reconciles against it with the live code.

How orders fill (`domain.matching`):
- Immediate-or-cancel (and fill-or-kill) orders walk the order book fetched when the order is
  placed, level by level (A5.5: a YES buy takes NO bids at 1 - their price), paying each
  level's price and the series' taker fee with the current rounding rule (A7, `domain.fees`).
- A good-till-canceled remainder rests at its price behind the size displayed there when it was
  placed. It fills only from public trades (`GET /markets/trades`, A5.15) after it: trades at
  its price first use up the queue ahead, trades below its price went through it; it always
  fills at its own price, as a maker (the series' maker fee, usually none).
- The real market never sees these orders: liquidity a paper order took is still there for
  the next one, and a resting paper order moves no price.
- Positions settle when the market reports its result (yes, no, void or scalar) and it is
  final (`finalized`; legacy `settled`), paying by `domain.payout`, with a settlement record.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from loguru import logger
from sqlalchemy import Connection

from domain.clock import Clock
from domain.fees import FeeSchedule, affordable, charge, max_cost
from domain.fold import sequence_listing
from domain.matching import displayed_at, trade_through, walk_book
from domain.models import (
    Balance,
    FillReport,
    Market,
    MarketResult,
    MarketStatus,
    OrderAck,
    OrderBook,
    OrderReport,
    OrderStatus,
    PositionReport,
    PublicTrade,
    SettlementReport,
    Side,
)
from domain.money import COUNT_STEP, ONE, ZERO
from domain.net_position import NetPosition
from domain.payout import settlement_payout, yes_value_cents
from infra.kalshi.errors import ErrorBody, KalshiError, TransientError, VenueRefused
from infra.kalshi.models import CancelAck, MarketListing, TimeInForce
from infra.paper.market_data import MarketData
from infra.paper.store import PaperFill, PaperOrder, PaperStore, yes_price

ORDERS_PATH = "POST /portfolio/events/orders"
FINAL = {MarketStatus.FINALIZED, MarketStatus.SETTLED}
PAYABLE = {MarketResult.YES, MarketResult.NO, MarketResult.SCALAR, MarketResult.VOID}


def _refused(status: int, code: str, details: str, endpoint: str = ORDERS_PATH) -> VenueRefused:
    """The venue's error shape (A3.3) for a refusal the paper exchange makes itself."""
    return VenueRefused(
        status,
        ErrorBody(code=code, message=code.replace("_", " "), details=details),
        endpoint=endpoint,
    )


class PaperExchange:
    """A `VenueClient` whose orders are simulated against `data` and booked in `store`.

    Thread-safe: every account operation holds one lock, market data reads none.
    """

    def __init__(
        self,
        data: MarketData,
        store: PaperStore,
        clock: Clock,
        *,
        settle_recheck: timedelta = timedelta(seconds=60),
        trade_lookback: timedelta = timedelta(minutes=1),
    ) -> None:
        self.data = data
        self.store = store
        self.clock = clock
        self.settle_recheck = settle_recheck
        # At placement, public trades this far back are marked as already seen: they happened
        # before the order (the data source's clock may differ a little from ours).
        self.trade_lookback = trade_lookback
        self._lock = threading.RLock()
        self._checked: dict[str, datetime] = {}

    @property
    def base_url(self) -> str:
        return self.data.base_url

    def __repr__(self) -> str:
        return f"PaperExchange({self.data.base_url!r}, {str(self.store.path)!r})"

    def close(self) -> None:
        self.data.close()
        self.store.close()

    # Market data: the real market, unchanged ---------------------------------------------

    def list_markets(self, status: str | None = "open", **filters: Any) -> MarketListing:
        return self.data.list_markets(status, **filters)

    def get_market(self, ticker: str) -> Market:
        return self.data.get_market(ticker)

    def get_orderbook(self, ticker: str, depth: int = 0) -> OrderBook:
        return self.data.get_orderbook(ticker, depth)

    def get_fee_schedule(self, event_ticker: str) -> FeeSchedule:
        return self.data.get_fee_schedule(event_ticker)

    # The account ----------------------------------------------------------------------------

    def get_balance(self) -> Balance:
        with self._synced() as conn:
            return Balance(balance=self.store.balance(conn))

    def get_positions(self, **filters: Any) -> tuple[PositionReport, ...]:
        """Unsettled, non-zero positions (A5.8's default), optionally of one `ticker`."""
        ticker = filters.get("ticker")
        with self._synced() as conn:
            held = self._positions(conn)
        return tuple(
            PositionReport(
                ticker=name,
                position=p.position,
                market_exposure=p.exposure,
                realized_pnl=p.realized,
                fees_paid=p.fees,
                total_traded=p.traded,
            )
            for name, (_event, p) in sorted(held.items())
            if p.position != 0 and ticker in (None, name)
        )

    def get_order(self, order_id: str) -> OrderReport:
        with self._synced() as conn:
            found = self.store.orders(conn, order_id=order_id)
        if not found:
            raise _refused(
                404, "not_found", f"order {order_id} not found", f"GET /portfolio/orders/{order_id}"
            )
        return _report(found[0])

    def find_order_by_client_order_id(
        self, client_order_id: str, ticker: str
    ) -> OrderReport | None:
        with self._synced() as conn:
            found = self.store.orders(conn, client_order_id=client_order_id, ticker=ticker)
        return _report(found[0]) if found else None

    def get_fills(
        self, ticker: str | None = None, order_id: str | None = None, **filters: Any
    ) -> tuple[FillReport, ...]:
        """Newest first, as the venue lists them (A5.13), from `min_ts` (Unix s) if given."""
        min_ts = filters.get("min_ts")
        since = None if min_ts is None else datetime.fromtimestamp(int(min_ts), UTC)
        with self._synced() as conn:
            rows = self.store.fills(conn, ticker=ticker, order_id=order_id, since=since)
        return sequence_listing(f.report() for f in reversed(rows))

    def get_settlements(self, **filters: Any) -> tuple[SettlementReport, ...]:
        min_ts = filters.get("min_ts")
        with self._synced() as conn:
            records = self.store.settlements(conn)
        return tuple(
            s for s in reversed(records) if min_ts is None or s.settled_time.timestamp() >= min_ts
        )

    # Orders ---------------------------------------------------------------------------------

    def create_order(
        self,
        ticker: str,
        side: Side,
        price: Decimal,
        count: Decimal,
        client_order_id: str,
        time_in_force: TimeInForce | str = TimeInForce.IMMEDIATE_OR_CANCEL,
        *,
        reduce_only: bool | None = None,
        post_only: bool | None = None,
        expiration_time: int | None = None,
    ) -> OrderAck:
        """Buy `count` `side` at up to `price` (that side's price). The VenueClient contract:
        an ack (the order exists), VenueRefused (it does not), TransientError (it provably was
        not placed: the market data it needs could not be read).

        `reduce_only` (accepted only with immediate_or_cancel, A5.9 (b)) cuts the order to the
        contracts of the other side held, which it closes: it never opens a position.
        `post_only` and `expiration_time` (Unix seconds), with good_till_canceled only: the
        order is refused if it would take at once, and cancelled when it expires."""
        tif = TimeInForce(time_in_force)
        _check_order(price, count)
        if reduce_only and tif is not TimeInForce.IMMEDIATE_OR_CANCEL:
            raise _refused(
                400, "invalid_order", "reduce_only is only accepted with immediate_or_cancel"
            )
        if (post_only or expiration_time is not None) and tif is not TimeInForce.GOOD_TILL_CANCELED:
            raise _refused(
                400, "invalid_order", "post_only and expiration_time need good_till_canceled"
            )
        expires = None if expiration_time is None else datetime.fromtimestamp(expiration_time, UTC)
        if expires is not None and expires <= self.clock.now():
            raise _refused(400, "invalid_order", "Expiration timestamp must be in the future")
        with self._lock:
            with self.store.transaction() as conn:
                taken = (
                    self.store.orders(conn, client_order_id=client_order_id)
                    if client_order_id
                    else []
                )
            if taken:
                return self._duplicate(taken[0], ticker, side, price, count)
            trades: tuple[PublicTrade, ...] = ()
            try:
                market = self.data.get_market(ticker)
                if market.status is not MarketStatus.ACTIVE:
                    raise _refused(400, "market_closed", f"{ticker} is {market.status}")
                schedule = self.data.get_fee_schedule(market.event_ticker)
                if tif is TimeInForce.GOOD_TILL_CANCELED:
                    self._match_ticker(ticker)  # earlier orders see the trades before this one
                    trades = self._recent_trades(ticker)
                book = self.data.get_orderbook(ticker)
            except VenueRefused as refused:
                if refused.status == 404:
                    raise _refused(404, "market_not_found", f"{ticker}: {refused}") from None
                raise
            except KalshiError as exc:
                raise TransientError(
                    f"paper order {client_order_id} on {ticker} was not placed: the market data"
                    f" could not be read ({exc})",
                    endpoint=ORDERS_PATH,
                ) from exc
            ask = book.ask(side)
            if post_only and ask is not None and price >= ask:
                raise _refused(400, "invalid_order", "post only cross")
            with self.store.transaction() as conn:
                order = self._place(
                    conn,
                    market,
                    schedule,
                    book,
                    side,
                    price,
                    count,
                    tif,
                    client_order_id,
                    reduce_only=bool(reduce_only),
                )
                if order.status is OrderStatus.RESTING and expires is not None:
                    self.store.set_expiry(conn, order.order_id, expires)
                if order.status is OrderStatus.RESTING:  # trades before it never reach it
                    seen = self.store.seen(conn, ticker)
                    before = {t.trade_id: t.created_time for t in trades if t.trade_id not in seen}
                    self.store.mark_seen(conn, ticker, before)
        logger.info(
            "paper order {} {} {} {} @ {}: {} filled, {}",
            order.order_id,
            ticker,
            count,
            side,
            price,
            order.filled,
            order.status,
        )
        return _ack(order)

    def cancel_order(self, order_id: str) -> CancelAck:
        """Cancel a resting order (A5.11): 404 if it is not resting."""
        endpoint = f"DELETE /portfolio/events/orders/{order_id}"
        with self._synced() as conn:
            found = self.store.orders(conn, order_id=order_id, status=OrderStatus.RESTING)
            if not found:
                raise _refused(404, "not_found", f"order {order_id} is not resting", endpoint)
            order = found[0]
            self.store.save_order(conn, _canceled(order, self.clock.now()))
        return CancelAck(
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            reduced_by=order.remaining,
        )

    def _duplicate(
        self, existing: PaperOrder, ticker: str, side: Side, price: Decimal, count: Decimal
    ) -> OrderAck:
        """A5.12: a taken client_order_id. The live client looks the order up and returns its
        ack when it is the one sent (a resend); so does this."""
        same = (existing.ticker, existing.side, existing.price, existing.initial) == (
            ticker,
            side,
            price,
            count,
        )
        if not same:
            raise _refused(
                409,
                "order_already_exists",
                f"client_order_id {existing.client_order_id} was already used",
            )
        return _ack(existing)

    def _place(
        self,
        conn: Connection,
        market: Market,
        schedule: FeeSchedule,
        book: OrderBook,
        side: Side,
        price: Decimal,
        count: Decimal,
        tif: TimeInForce,
        client_order_id: str,
        *,
        reduce_only: bool = False,
    ) -> PaperOrder:
        now = self.clock.now()
        position = self._positions(conn).get(market.ticker, (market.event_ticker, NetPosition()))[1]
        closing = position.closes(side, count)
        if reduce_only:
            count = closing
        if self.store.balance(conn) + closing < max_cost(count, price, schedule):
            raise _refused(
                400,
                "available_balance_too_low",
                "insufficient balance for the order's maximum cost",
            )
        order = PaperOrder(
            order_id=str(uuid.uuid4()),
            client_order_id=client_order_id,
            ticker=market.ticker,
            event_ticker=market.event_ticker,
            side=side,
            price=price,
            initial=count,
            filled=ZERO,
            remaining=count,
            status=OrderStatus.RESTING,
            queue_ahead=ZERO,
            fee_accumulator=ZERO,
            fill_cost=ZERO,
            fees=ZERO,
            created_at=now,
            updated_at=now,
        )
        takes = walk_book(book, side, price, count)
        taken = sum((t.count for t in takes), ZERO)
        if tif is TimeInForce.FILL_OR_KILL and taken < count:
            takes = ()
        self.store.add_order(conn, order)
        for take in takes:
            order, position = self._fill(
                conn, order, position, take.price, take.count, schedule, is_taker=True, at=now
            )
        if order.remaining <= 0:  # all filled, or a reduce-only order with nothing to close
            status = OrderStatus.EXECUTED if order.filled > 0 else OrderStatus.CANCELED
            order = _finished(order, status, now)
        elif tif is TimeInForce.GOOD_TILL_CANCELED:
            # Price-time priority: the size displayed at its price is ahead of it (A5.9).
            order = replace(order, queue_ahead=displayed_at(book, side, price))
        else:
            status = OrderStatus.EXECUTED if order.filled > 0 else OrderStatus.CANCELED
            order = _finished(order, status, now)
        self.store.save_order(conn, order)
        return order

    def _fill(
        self,
        conn: Connection,
        order: PaperOrder,
        position: NetPosition,
        price: Decimal,
        count: Decimal,
        schedule: FeeSchedule,
        *,
        is_taker: bool,
        at: datetime,
    ) -> tuple[PaperOrder, NetPosition]:
        """One fill: the A7 trade fee and rounding (with the order's accumulator), the net
        position, and an append-only row with the balance change."""
        trade_fee = schedule.trade_fee(count, price, is_taker=is_taker)
        charged = charge(
            position.revenue(order.side, count, price), trade_fee, order.fee_accumulator
        )
        closed = position.closes(order.side, count)
        self.store.add_fill(
            conn,
            PaperFill(
                fill_id=str(uuid.uuid4()),
                order_id=order.order_id,
                ticker=order.ticker,
                event_ticker=order.event_ticker,
                side=order.side,
                price=price,
                count=count,
                fee=charged.net_fee,
                is_taker=is_taker,
                closed=closed,
                balance_change=charged.balance_change,
                created_at=at,
            ),
        )
        updated = order.filled_by(count, count * price, charged.net_fee, charged.accumulator, at)
        return updated, position.after(order.side, count, price, charged.net_fee)

    # Catching up with the market --------------------------------------------------------------

    @contextmanager
    def _synced(self) -> Iterator[Connection]:
        """One transaction on the account brought up to the market (`sync`) first, both under
        the account lock: what a read or a cancel sees is what the venue would show now."""
        with self._lock:
            self.sync()
            with self.store.transaction() as conn:
                yield conn

    def sync(self) -> None:
        """Bring the account up to the market: resting orders against the public trades since
        they rested, then positions whose market has a final result. A market data failure
        leaves that market for the next time (nothing is booked from a partial read)."""
        with self._lock:
            with self.store.transaction() as conn:
                resting = {o.ticker for o in self.store.orders(conn, status=OrderStatus.RESTING)}
            for ticker in sorted(resting):
                self._match_ticker(ticker)
            self._settle_due()

    def _recent_trades(self, ticker: str) -> tuple[PublicTrade, ...]:
        since = self.clock.now() - self.trade_lookback
        return self.data.get_trades(ticker, min_ts=int(since.timestamp()))

    def _match_ticker(self, ticker: str) -> None:
        """The ticker's resting orders against the public trades not seen yet, oldest first."""
        with self.store.transaction() as conn:
            resting = self.store.orders(conn, status=OrderStatus.RESTING, ticker=ticker)
            high_water = self.store.seen_high_water(conn, ticker)
        if not resting:
            return
        since = min(o.created_at for o in resting)
        if high_water is not None:  # only what may be new: a window, not weeks of trades
            since = max(since, high_water)
        try:
            trades = self.data.get_trades(
                ticker, min_ts=int((since - self.trade_lookback).timestamp())
            )
            market = self.data.get_market(ticker)
            schedule = self.data.get_fee_schedule(market.event_ticker)
        except KalshiError as exc:
            logger.debug("paper: {} not matched this time: {}", ticker, exc)
            return
        now = self.clock.now()
        with self.store.transaction() as conn:
            expiring = self.store.expiries(conn, (o.order_id for o in resting))
            seen = self.store.seen(conn, ticker)
            # The venue lists newest first; equal times keep the venue's order.
            new = sorted(
                (t for t in reversed(trades) if t.trade_id not in seen),
                key=lambda t: t.created_time,
            )
            # Better price first, then time (A5.9 price-time priority).
            queue = sorted(resting, key=lambda o: (-o.price, o.created_at))
            for trade in new:
                queue = _expire(queue, expiring, trade.created_time)
                queue = self._meet(conn, trade, queue, schedule, now)
            queue = _expire(queue, expiring, now)
            if not market.is_open:  # Kalshi cancels resting orders when trading ends
                queue = [_canceled(o, now) if o.status is OrderStatus.RESTING else o for o in queue]
            for order in queue:
                self.store.save_order(conn, order)
            self.store.mark_seen(conn, ticker, {t.trade_id: t.created_time for t in new})
            still = any(o.status is OrderStatus.RESTING for o in queue)
            latest = self.store.seen_high_water(conn, ticker)
            # A trade older than the next fetch's window can never be listed again.
            cutoff = latest - 2 * self.trade_lookback if still and latest is not None else None
            self.store.forget_seen(conn, ticker, before=cutoff)

    def _meet(
        self,
        conn: Connection,
        trade: PublicTrade,
        queue: list[PaperOrder],
        schedule: FeeSchedule,
        now: datetime,
    ) -> list[PaperOrder]:
        """One public trade reaches the resting orders in priority until its size is used up.
        A fill the account can no longer pay for cancels the rest of its order, as the venue
        does (the cash was never held for a resting order)."""
        available = trade.count
        met: list[PaperOrder] = []
        for before in queue:
            if before.status is not OrderStatus.RESTING:
                met.append(before)
                continue
            step = trade_through(
                trade, before.side, before.price, before.queue_ahead, before.remaining, available
            )
            available -= step.used
            order = replace(before, queue_ahead=step.queue_ahead, updated_at=now)
            if step.filled > 0:
                position = self._positions(conn).get(order.ticker, ("", NetPosition()))[1]
                payable = position.closes(order.side, step.filled) + affordable(
                    self.store.balance(conn), order.price, schedule, is_taker=False
                )
                filled = min(step.filled, payable)
                if filled > 0:
                    order, _ = self._fill(
                        conn,
                        order,
                        position,
                        order.price,
                        filled,
                        schedule,
                        is_taker=False,
                        at=now,
                    )
                if filled < step.filled and order.status is OrderStatus.RESTING:
                    logger.warning(
                        "paper: {} order {} cancelled: cash ran out", order.ticker, order.order_id
                    )
                    order = _canceled(order, now)
            met.append(order)
        return met

    def _settle_due(self) -> None:
        now = self.clock.now()
        with self.store.transaction() as conn:
            held = self._positions(conn)
        for ticker, (event_ticker, position) in sorted(held.items()):
            last = self._checked.get(ticker)
            if last is not None and now - last < self.settle_recheck:
                continue
            self._checked[ticker] = now
            try:
                market = self.data.get_market(ticker)
            except KalshiError as exc:
                logger.debug("paper: cannot read {} for its result yet: {}", ticker, exc)
                continue
            if market.status not in FINAL:
                continue
            # A5.3's Market.result has no `void` (yes, no, scalar, ""): a market final
            # without a result was voided, its positions returned at cost (A5.14 legacy void).
            result = market.result if market.result in PAYABLE else MarketResult.VOID
            self._settle(ticker, event_ticker, position, market.replace(result=result), now)

    def _settle(
        self,
        ticker: str,
        event_ticker: str,
        position: NetPosition,
        market: Market,
        now: datetime,
    ) -> None:
        yes_count = max(position.position, ZERO)
        no_count = max(-position.position, ZERO)
        try:
            paid = settlement_payout(
                market.result, yes_count, no_count, position.exposure, market.settlement_value
            )
        except ValueError as exc:
            logger.warning("paper: {} cannot settle yet: {}", ticker, exc)
            return
        cents = yes_value_cents(market.result, market.settlement_value)
        record = SettlementReport(
            ticker=ticker,
            event_ticker=event_ticker,
            market_result=market.result,
            yes_count=yes_count,
            no_count=no_count,
            yes_total_cost=position.exposure if yes_count > 0 else ZERO,
            no_total_cost=position.exposure if no_count > 0 else ZERO,
            revenue=paid,
            fee_cost=position.fees,
            value=None if cents is None else Decimal(cents) / 100,
            settled_time=now,
        )
        with self.store.transaction() as conn:
            for order in self.store.orders(conn, status=OrderStatus.RESTING, ticker=ticker):
                self.store.save_order(conn, _canceled(order, now))
            self.store.add_settlement(conn, record)
        logger.info("paper: {} settled {}: paid {}", ticker, market.result, paid)

    def _positions(self, conn: Connection) -> dict[str, tuple[str, NetPosition]]:
        """Every traded, unsettled market's net position, folded from its fills."""
        held: dict[str, tuple[str, NetPosition]] = {}
        for fill in self.store.fills(conn, unsettled=True):
            event, position = held.get(fill.ticker, (fill.event_ticker, NetPosition()))
            held[fill.ticker] = (event, position.after(fill.side, fill.count, fill.price, fill.fee))
        return held


def _check_order(price: Decimal, count: Decimal) -> None:
    """A5.9 / A10: a price strictly inside (0, 1) and a positive count on the 0.01 step."""
    if not ZERO < price < ONE:
        raise _refused(400, "invalid_price", f"price {price} is not between $0 and $1")
    if count <= 0 or count != count.quantize(COUNT_STEP):
        raise _refused(400, "invalid_order_size", f"count {count} is not positive on 0.01")


def _finished(order: PaperOrder, status: OrderStatus, at: datetime) -> PaperOrder:
    return replace(order, status=status, remaining=ZERO, queue_ahead=ZERO, updated_at=at)


def _expire(
    queue: list[PaperOrder], expiring: dict[str, datetime], moment: datetime
) -> list[PaperOrder]:
    """The queue with every resting order that expired by `moment` cancelled at its expiry."""
    expired = {order_id for order_id, at in expiring.items() if at <= moment}
    return [
        _canceled(o, expiring[o.order_id])
        if o.status is OrderStatus.RESTING and o.order_id in expired
        else o
        for o in queue
    ]


def _canceled(order: PaperOrder, at: datetime) -> PaperOrder:
    return _finished(order, OrderStatus.CANCELED, at)


def _report(order: PaperOrder) -> OrderReport:
    return OrderReport(
        order_id=order.order_id,
        client_order_id=order.client_order_id,
        ticker=order.ticker,
        side=order.side,
        status=order.status,
        yes_price=yes_price(order.side, order.price),
        fill_count=order.filled,
        remaining_count=order.remaining,
        initial_count=order.initial,
        fill_cost=order.fill_cost,
        fees=order.fees,
        created_time=order.created_at,
    )


def _ack(order: PaperOrder) -> OrderAck:
    """The V2 create answer (A5.9b): average prices are YES-side, only when something filled."""
    filled = order.filled > 0
    average = order.fill_cost / order.filled if filled else None
    return OrderAck(
        order_id=order.order_id,
        client_order_id=order.client_order_id,
        fill_count=order.filled,
        remaining_count=order.remaining,
        average_fill_price=None if average is None else yes_price(order.side, average),
        average_fee_paid=order.fees / order.filled if filled else None,
        ts_ms=int(order.updated_at.timestamp() * 1000),
    )
