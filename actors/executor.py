"""Executor: pre-trade checks and the safe order flow; owns the orders it has in flight.

For each signal: claim the market (Positions) -> reserve the cost and record the order intent
with its client order id in one transaction (Bankroll) -> send -> book the outcome in one
transaction. A refusal releases what was taken. An ambiguous outcome stays in flight, keeps
its claim and reservation, and is resolved by the Reconciler by client order id; it is never
re-sent. Trading starts HALTED and opens only after a successful reconciliation.

A maker order (a signal marked post-only) takes the same flow, sent post-only and
good-till-canceled with an expiry; once it rests, actors.resting manages it (re-priced,
cancelled on halts, close/flatten, shutdown and at its age limit).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pykka

from actors.base import BaseActor, ask, handles
from actors.directory import ActorUnavailable, Directory
from actors.outcomes import book_refusal
from actors.resting import Resting, RestingOrders, reprice
from actors.trading_guard import auth_halt
from domain.clock import Clock
from domain.closing import sale_at, sale_order
from domain.errors import ExecutionAlreadyFinal
from domain.execution import OrderOutcome, describe_trade, resolve_order
from domain.exits import ExitDecision, exits_stopped_by
from domain.messages import (
    BalanceChanged,
    BankrollSnapshot,
    BookOrder,
    CancelResting,
    ClaimMarket,
    ClaimRefused,
    CommitWork,
    EndOfCycle,
    ExecuteSignal,
    ExitPosition,
    FundsRefused,
    GetBankroll,
    GetBook,
    GetExecutions,
    HoldingsSold,
    InsertExecution,
    Message,
    OrderBooked,
    OrderResting,
    ReleaseClaim,
    ReserveFunds,
    SellHoldings,
    SetTradingState,
    UpdateExecution,
)
from domain.models import Execution, ExecutionStatus, OrderStatus
from domain.money import MICRO, ZERO
from domain.risk import DenyReason
from infra.kalshi.errors import AuthenticationError, KalshiError, TransientError, VenueRefused
from infra.kalshi.models import TimeInForce
from infra.settings import ExecutionSettings, RiskSettings
from infra.venue_client import VenueClient

ORDER_ID_NAMESPACE = uuid.UUID("5b0e7f62-3f7e-4d39-9a53-2f3b7c1a9e10")
UNAVAILABLE = (ActorUnavailable, pykka.ActorDeadError, pykka.Timeout)


def client_order_id(signal_message: ExecuteSignal) -> str:
    """Deterministic per signal message: a re-processed signal reuses its id (and gets a 409)."""
    key = f"{signal_message.message_id}:{signal_message.signal.ticker}"
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, key))


def exit_order_id(message: ExitPosition) -> str:
    """Deterministic per exit message: a re-processed exit cannot sell twice."""
    return str(
        uuid.uuid5(ORDER_ID_NAMESPACE, f"exit:{message.message_id}:{message.decision.ticker}")
    )


def sale_order_id(request_id: int, ticker: str) -> str:
    """Deterministic per operator request and market: a request applied twice cannot sell twice
    (the second finds the first's intent in flight, or the venue answers 409)."""
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, f"close:{request_id}:{ticker}"))


class Executor(BaseActor):
    name = "executor"

    def __init__(
        self,
        directory: Directory,
        client: VenueClient,
        risk: RiskSettings,
        clock: Clock,
        shutting_down: threading.Event,
        book: str = "",
        execution: ExecutionSettings | None = None,
        reentry_cooldown: timedelta = timedelta(0),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.execution = execution or ExecutionSettings()
        self.resting = RestingOrders(client, self.execution, self.log, self._book)
        self.signals: dict[str, ExecuteSignal] = {}  # a maker order's signal, until it rests
        self.reentry_cooldown = reentry_cooldown  # no entry this soon after an exit
        self.exited: dict[str, datetime] = {}  # ticker -> when the bot last sold it by an exit
        self.book = book  # the flag naming this bot's book, for the AUTH_FAILED hint
        self.directory = directory
        self.client = client
        self.risk = risk
        self.clock = clock
        self.shutting_down = shutting_down
        self.active = False
        self.cycle = -1
        self.cycle_orders = 0
        self.cycle_notional = ZERO
        self.counts: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.exits: Counter[str] = Counter()  # exit orders sent this cycle, by reason

    def started(self) -> None:
        """Resting orders recorded in the book (this actor restarted, or the bot did and the
        Reconciler has not cancelled them yet) are aged and cancelled, never re-priced."""
        for order in self._recorded_resting() or ():
            if order.post_only and order.venue_order_id is not None:
                self.resting.add(Resting(execution=order, signal=None))

    def _recorded_resting(self) -> tuple[Execution, ...] | None:
        """The orders the book holds as resting (None: Storage did not answer)."""
        try:
            recorded: tuple[Execution, ...] = ask(
                self.directory.get("storage"), GetExecutions(statuses=(ExecutionStatus.RESTING,))
            )
        except UNAVAILABLE as exc:
            self.log.warning("resting orders not read ({!r}): the Reconciler finds them", exc)
            return None
        return recorded

    def _forget_booked(self) -> None:
        """Forget the orders the Reconciler booked meanwhile (filled, expired, or cancelled at
        start-up): only what the book still holds as resting is managed."""
        recorded = self._recorded_resting() if len(self.resting) else None
        if recorded is not None:
            self.resting.keep_only({e.client_order_id for e in recorded})

    def _cancel_all_resting(self, why: str) -> int:
        """Cancel every order still resting; returns how many are left resting."""
        self._forget_booked()
        return self.resting.cancel_all(why) if len(self.resting) else 0

    def on_stop(self) -> None:
        """Shutting down: no order is left resting at the venue (each is booked as it ends)."""
        left = self._cancel_all_resting("shutting down")
        if left:
            self.log.error("{} resting orders could not be cancelled at shutdown", left)

    @handles(SetTradingState)
    def _on_trading_state(self, command: SetTradingState) -> None:
        self.active = command.active
        self.log.info(
            "trading {}{}",
            "ACTIVE" if command.active else "HALTED",
            f": {command.reason}" if command.reason else "",
        )
        if not command.active:
            self._cancel_all_resting(f"trading halted: {command.reason}")

    @handles(CancelResting)
    def _on_cancel_resting(self, command: CancelResting) -> int:
        """A halt is in force (pause, the kill switch, a guard): no order may stay resting.
        Returns how many are left resting (their cancel failed: tried again next time)."""
        return self._cancel_all_resting(command.reason)

    def _halt_on_auth_failure(self, denied: AuthenticationError) -> None:
        """AUTH_FAILED in the halts (durable: Bankroll refuses every reservation, after a
        restart too); if even that cannot be recorded, this Executor stops on its own."""
        try:
            ask(self.directory.get("bankroll"), auth_halt(denied, self.book))
        except (ActorUnavailable, pykka.ActorDeadError, pykka.Timeout) as exc:
            self.active = False
            self.log.error("AUTH_FAILED not recorded ({!r}): this executor stops itself", exc)

    def _refuse(self, ticker: str, reason: DenyReason | str, detail: str = "") -> None:
        self.refused[str(reason)] += 1
        self.log.info("{} refused: {} {}", ticker, reason, detail)

    @handles(ExecuteSignal)
    def _on_signal(self, message: ExecuteSignal) -> None:
        signal = message.signal
        if message.cycle != self.cycle:
            self.cycle, self.cycle_orders, self.cycle_notional = message.cycle, 0, ZERO
        if self.shutting_down.is_set():
            return self._refuse(signal.ticker, DenyReason.SHUTTING_DOWN)
        if not self.active:
            return self._refuse(signal.ticker, DenyReason.TRADING_HALTED)
        exited = self.exited.get(signal.ticker)
        if exited is not None and self.clock.now() - exited < self.reentry_cooldown:
            return self._refuse(signal.ticker, DenyReason.EXIT_COOLDOWN, f"sold {exited:%H:%M}Z")
        if self.cycle_orders >= self.risk.max_orders_per_cycle:
            return self._refuse(signal.ticker, DenyReason.CYCLE_ORDER_CAP)
        if self.cycle_notional + signal.cost > self.risk.max_notional_per_cycle:
            return self._refuse(signal.ticker, DenyReason.CYCLE_NOTIONAL_CAP)
        if signal.post_only and len(self.resting) >= self.execution.max_resting:
            return self._refuse(signal.ticker, DenyReason.RESTING_CAP)
        coid = client_order_id(message)
        try:
            claim = ask(
                self.directory.get("positions"),
                ClaimMarket(
                    ticker=signal.ticker,
                    client_order_id=coid,
                    cost=signal.cost,
                    max_total_exposure=self.risk.max_total_exposure,
                ).caused(message),
            )
        except (ActorUnavailable, pykka.ActorDeadError, pykka.Timeout) as exc:
            return self._refuse(signal.ticker, DenyReason.POSITIONS_UNAVAILABLE, str(exc))
        if isinstance(claim, ClaimRefused):
            return self._refuse(signal.ticker, claim.reason, claim.detail)
        now = self.clock.now()
        intent = Execution(
            client_order_id=coid,
            correlation_id=message.correlation_id,
            ticker=signal.ticker,
            side=signal.side,
            limit_price=signal.limit_price,
            count=signal.count,
            reserved=signal.cost,
            status=ExecutionStatus.INTENT,
            created_at=now,
            updated_at=now,
            forecast_id=message.forecast.id,
            edge=signal.edge.quantize(MICRO),
            full_kelly=signal.full_kelly.quantize(MICRO),
            kelly_fraction=signal.kelly_fraction.quantize(MICRO),
            caps=", ".join(signal.caps) or None,
            post_only=signal.post_only,
            expires_at=now + timedelta(seconds=self.execution.order_ttl)
            if signal.post_only
            else None,
        )
        if signal.post_only:
            self.signals[coid] = message
        if not self._reserve(message, intent):
            return None
        self.cycle_orders += 1
        self.cycle_notional += signal.cost
        story = (
            f"; forecast P(yes) {message.forecast.probability} (weighed against the mid:"
            f" {signal.probability}), {'resting bid' if signal.post_only else 'ask'}"
            f" {signal.limit_price},"
            f" edge {intent.edge}, Kelly {intent.kelly_fraction}"
        )
        self._send_holding_money(intent, story)
        self.signals.pop(coid, None)
        return None

    def _send_holding_money(self, intent: Execution, story: str = "") -> str:
        """Send and book, never dying while the reservation is held: anything unexpected (a
        ValueError from resolve_order, a MoneyFormatError from an odd price, a failed booking)
        keeps the order in flight with its claim and reservation, for the Reconciler.

        Returns what came of it, in a few words (an operator's sale reports it)."""
        try:
            return self._send(intent, story)
        except Exception as exc:  # noqa: BLE001 - this actor holds money; fail closed
            self.log.opt(exception=exc).error(
                "{} order {}: unexpected error after recording it",
                intent.ticker,
                intent.client_order_id,
            )
            why = f"unexpected {type(exc).__name__}: {exc}"
            try:
                self._keep_in_flight(intent, why)
            except ExecutionAlreadyFinal:
                self.log.info(
                    "{} order {} was booked already", intent.ticker, intent.client_order_id
                )
            except Exception as again:  # noqa: BLE001 - still recorded as in flight (intent)
                self.log.error("{} order stays in flight as recorded: {!r}", intent.ticker, again)
            return f"{intent.ticker}: order {intent.client_order_id} in flight ({why})"

    def _reserve(self, message: ExecuteSignal, intent: Execution) -> bool:
        """Reserve the cost and record the intent in one transaction; False if refused."""
        release = ReleaseClaim(ticker=intent.ticker, client_order_id=intent.client_order_id)
        try:
            reply = ask(
                self.directory.get("bankroll"),
                ReserveFunds(
                    amount=intent.reserved,
                    ref_type="execution",
                    ref_id=intent.client_order_id,
                    writes=(InsertExecution(execution=intent),),
                ).caused(message),
            )
        except (ActorUnavailable, pykka.ActorDeadError) as exc:
            self.directory.get("positions").tell(release)
            self._refuse(intent.ticker, DenyReason.BANKROLL_UNAVAILABLE, str(exc))
            return False
        except pykka.Timeout:
            # The reservation may have committed: if its intent is in the book, the claim stays
            # with it for reconciliation; if not, the market is released.
            self._refuse(intent.ticker, DenyReason.BANKROLL_UNAVAILABLE, "reserve timed out")
            if not self._intent_recorded(intent):
                self.directory.get("positions").tell(release)
            return False
        if isinstance(reply, FundsRefused):
            self.directory.get("positions").tell(release)
            self._refuse(intent.ticker, reply.reason, f"balance {reply.balance}")
            return False
        assert isinstance(reply, BalanceChanged)
        return True

    def _intent_recorded(self, intent: Execution) -> bool:
        pending = (ExecutionStatus.INTENT,)
        try:
            recorded = ask(self.directory.get("storage"), GetExecutions(statuses=pending))
        except (ActorUnavailable, pykka.ActorDeadError, pykka.Timeout):
            return True  # cannot tell: keep the claim (fail closed)
        return any(e.client_order_id == intent.client_order_id for e in recorded)

    def _send(self, intent: Execution, story: str) -> str:
        """Place the recorded order (immediate-or-cancel; reduce-only for a sale) and book it."""
        self.counts["orders_placed"] += 1
        # A maker order: post-only, good-till-canceled, expiring (only then are the two sent).
        resting: dict[str, Any] = {}
        if intent.post_only and intent.expires_at is not None:
            resting = {"post_only": True, "expiration_time": int(intent.expires_at.timestamp())}
        try:
            ack = self.client.create_order(
                intent.ticker,
                intent.side,
                intent.limit_price,
                intent.count,
                intent.client_order_id,
                TimeInForce.GOOD_TILL_CANCELED if resting else TimeInForce.IMMEDIATE_OR_CANCEL,
                reduce_only=True if intent.reduce_only else None,
                **resting,
            )
        except VenueRefused as refused:
            self.counts["orders_unfilled"] += 1
            code = refused.code or str(refused.status)
            self._refuse(intent.ticker, f"VENUE_{code}", str(refused))
            book_refusal(self.directory, intent, code, str(refused), self.clock.now())
            return f"{intent.ticker}: refused by the venue: {refused}"
        except AuthenticationError as denied:
            # 401/403: the venue did not process the order. Stop trading: a person must look.
            self.counts["orders_unfilled"] += 1
            book_refusal(self.directory, intent, "authentication", str(denied), self.clock.now())
            self._halt_on_auth_failure(denied)
            self._refuse(intent.ticker, "VENUE_AUTHENTICATION", str(denied))
            self.log.error("trading HALTED (AUTH_FAILED): {}", denied)
            return f"{intent.ticker}: refused by the venue: {denied}"
        except TransientError as not_sent:
            # From create_order this means the request provably never became an order.
            self.counts["orders_unfilled"] += 1
            self._refuse(intent.ticker, "VENUE_UNAVAILABLE", str(not_sent))
            book_refusal(self.directory, intent, "not_sent", str(not_sent), self.clock.now())
            return f"{intent.ticker}: not sent, the venue is unavailable: {not_sent}"
        except KalshiError as unclear:  # AmbiguousOutcome and anything we cannot read
            return self._keep_in_flight(intent, str(unclear))
        try:
            report = self.client.get_order(ack.order_id)
            fills = self.client.get_fills(order_id=ack.order_id)
            outcome = resolve_order(intent, report, fills)
        except KalshiError as unclear:  # the order exists; its fills are not known yet
            why = f"placed as {ack.order_id}, fills unknown: {unclear}"
            return self._keep_in_flight(intent, why)
        if outcome is None and intent.post_only and report.status is OrderStatus.RESTING:
            return self._rest(intent, report.order_id, story)
        if outcome is None:
            resting = report.status is OrderStatus.RESTING
            why = "order still resting" if resting else "its fills are not all visible yet"
            still = ExecutionStatus.RESTING if resting else ExecutionStatus.AMBIGUOUS
            return self._keep_in_flight(intent, why, still)
        if not self._book(intent, outcome, report.order_id):
            return f"{intent.ticker}: order {ack.order_id} sent, booked at reconciliation"
        key = {
            ExecutionStatus.FILLED: "orders_filled",
            ExecutionStatus.PARTIAL: "orders_partial",
        }.get(outcome.status, "orders_unfilled")
        self.counts[key] += 1
        line = describe_trade(intent, outcome)
        self.log.info("{}{}", line, story)
        return line

    def _rest(self, intent: Execution, order_id: str, story: str) -> str:
        """The maker order rests: Positions books its fills as they come from now on."""
        resting = intent.replace(status=ExecutionStatus.RESTING, venue_order_id=order_id)
        try:
            known = ask(
                self.directory.get("positions"),
                OrderResting(
                    ticker=intent.ticker,
                    client_order_id=intent.client_order_id,
                    venue_order_id=order_id,
                ),
            )
        except UNAVAILABLE as exc:
            return self._keep_in_flight(
                intent, f"resting as {order_id}: {exc!r}", ExecutionStatus.RESTING
            )
        if not known:
            return f"{intent.ticker}: order {order_id} was booked already"
        self.resting.add(
            Resting(
                execution=resting,
                signal=self.signals.get(intent.client_order_id),
                min_edge=self.risk.min_edge,
            )
        )
        line = (
            f"{intent.ticker} buy {intent.count} {intent.side} @ {intent.limit_price}: resting"
            f" post-only as {order_id} until {intent.expires_at:%H:%M:%S}Z"
        )
        self.log.info("{}{}", line, story)
        return line

    def _manage_resting(self) -> None:
        """Once a cycle: orders past their age limit are cancelled, and orders whose price the
        touch has moved away from are cancelled and replaced (actors.resting)."""
        self._forget_booked()
        now = self.clock.now()
        for ticker in self.resting.due(now):
            self.resting.cancel(ticker, "age limit")
        for ticker, entry in list(self.resting.orders.items()):
            try:
                book = self.client.get_orderbook(ticker)
            except KalshiError as exc:
                self.log.debug("{}: book not read for re-pricing: {}", ticker, exc)
                continue
            target = reprice(entry, book, self.execution.reprice_tolerance)
            if target is None:
                continue
            if target <= ZERO:
                self.resting.cancel(ticker, "the touch is past the price that keeps the edge")
                continue
            self.resting.cancel(ticker, f"re-priced from {entry.execution.limit_price} to {target}")
            if ticker in self.resting.orders or entry.signal is None:
                continue  # not cancelled: not replaced
            self._replace(entry.signal, target)

    def _replace(self, message: ExecuteSignal, price: Decimal) -> None:
        """The order again at `price`, through the whole flow (claim, reserve, send)."""
        signal = message.signal
        fee_per_contract = signal.fee / signal.count
        cost = (signal.count * (price + fee_per_contract)).quantize(MICRO)
        again = ExecuteSignal(
            cycle=message.cycle,
            signal=signal.replace(limit_price=price, cost=cost),
            forecast=message.forecast,
            correlation_id=message.correlation_id,
        )
        self._on_signal(again)

    def _book(self, intent: Execution, outcome: OrderOutcome, order_id: str) -> bool:
        """Hand the final outcome to Positions, the single owner of the venue's evidence.

        If that fails the execution is left in flight as it is (Positions may or may not
        have booked it): reconciliation finds the order by client order id and books it once.
        """
        if outcome.disagreement:
            self.log.warning("{}: {}", intent.ticker, outcome.disagreement)
        command = BookOrder(execution=intent, outcome=outcome, venue_order_id=order_id)
        try:
            reply = ask(self.directory.get("positions"), command)
        except (ActorUnavailable, pykka.ActorDeadError, pykka.Timeout) as exc:
            self.counts["orders_ambiguous"] += 1
            self.log.warning("{} order {} not booked yet: {}", intent.ticker, order_id, exc)
            return False
        assert isinstance(reply, OrderBooked)
        return reply.booked

    def _keep_in_flight(
        self,
        intent: Execution,
        why: str,
        status: ExecutionStatus = ExecutionStatus.AMBIGUOUS,
    ) -> str:
        """Not known to be final: keep the claim and the reservation; never re-send."""
        self.counts["orders_ambiguous"] += 1
        self.log.warning("{} order {} in flight: {}", intent.ticker, intent.client_order_id, why)
        update = UpdateExecution(
            client_order_id=intent.client_order_id,
            updated_at=self.clock.now(),
            only_if_in_flight=True,  # never un-book an outcome already booked
            status=status,
            error_message=why[:500],
        )
        ask(self.directory.get("storage"), CommitWork(writes=(update,)))
        return f"{intent.ticker}: order {intent.client_order_id} in flight ({why})"

    # An operator's sales (close, flatten) -------------------------------------------------

    @handles(SellHoldings)
    def _on_sell(self, command: SellHoldings) -> HoldingsSold:
        """Sell what is held through the order flow a buy takes: claim, intent, send, book.

        Not gated by the trading halts (a halt stops new entries; selling is how an operator
        gets out, e.g. after the kill switch), only by shutting down.
        """
        if self.shutting_down.is_set():
            return HoldingsSold(outcome="nothing sent: the bot is shutting down").caused(command)
        tickers = command.tickers
        if not tickers:  # flatten: no entry stays resting either
            self._cancel_all_resting("flatten")
            try:
                book = ask(self.directory.get("positions"), GetBook())
            except UNAVAILABLE as exc:
                outcome = f"nothing sent: the book is unavailable ({exc!r})"
                return HoldingsSold(outcome=outcome).caused(command)
            tickers = tuple(sorted(p.ticker for p in book.positions))
            if not tickers:
                return HoldingsSold(outcome="nothing held, nothing sent").caused(command)
        outcomes = [self._sell(command, ticker) for ticker in tickers]
        return HoldingsSold(outcome="; ".join(outcomes)).caused(command)

    def _sell(self, command: SellHoldings, ticker: str) -> str:
        cancelled = self.resting.cancel(ticker, "close")
        if ticker in self.resting.orders:
            return cancelled  # still resting: nothing sold, the claim is its
        return self._sell_position(
            ticker,
            sale_order_id(command.request_id, ticker),
            f"operator-request-{command.request_id}",
            command,
        )

    @handles(ExitPosition)
    def _on_exit(self, message: ExitPosition) -> None:
        """Sell a position an exit calls for (domain.exits) through the flow `close` takes.

        Exits go on under a pause and the kill switch (each stops new risk; a sale only takes
        risk off), not under a halt that says the book may be wrong, nor before the first
        reconciliation of a start or restart (domain.exits.EXITS_CONTINUE_UNDER)."""
        decision = message.decision
        if self.shutting_down.is_set():
            return self._refuse(decision.ticker, DenyReason.SHUTTING_DOWN, "exit not sent")
        stopped = self._exits_stopped()
        if stopped:
            return self._refuse(decision.ticker, DenyReason.TRADING_HALTED, f"exit: {stopped}")
        self.log.info(
            "{} exit {}: {}; selling {} {} at the bid {} or better",
            decision.ticker,
            decision.reason,
            decision.detail,
            f"{decision.count:f}",
            decision.side,
            decision.bid,
        )
        self.exited[decision.ticker] = self.clock.now()
        self.exits[str(decision.reason)] += 1
        outcome = self._sell_position(
            decision.ticker,
            exit_order_id(message),
            message.correlation_id,
            message,
            decision,
            forecast_id=message.forecast_id,
        )
        self.log.info("{} exit {}: {}", decision.ticker, decision.reason, outcome)
        return None

    def _exits_stopped(self) -> str:
        """Why exits cannot be sent now ("" if they can). Bankroll owns the halts."""
        if not self.active:
            return "trading is not open (no reconciliation has passed since the start)"
        try:
            snapshot: BankrollSnapshot = ask(self.directory.get("bankroll"), GetBankroll())
        except UNAVAILABLE as exc:
            return f"the halts cannot be read ({exc!r})"
        stopped = exits_stopped_by(h.code for h in snapshot.halts)
        return f"halted by {', '.join(stopped)}" if stopped else ""

    def _sell_position(
        self,
        ticker: str,
        coid: str,
        correlation_id: str,
        cause: Message,
        decision: ExitDecision | None = None,
        forecast_id: int | None = None,
    ) -> str:
        """Claim the market for a sale, record the order, send it, book it from its fills.

        The count is what the book holds when the claim is granted, never more. An operator's
        sale (no `decision`) goes at the best bid of the moment; an exit at the bid it was
        decided on or better, so a bid that fell meanwhile sells nothing below it."""
        positions = self.directory.get("positions")
        try:
            claim = ask(
                positions,
                ClaimMarket(ticker=ticker, client_order_id=coid, cost=ZERO, closing=True).caused(
                    cause
                ),
            )
        except UNAVAILABLE as exc:
            return f"{ticker}: nothing sent, the book is unavailable ({exc!r})"
        if isinstance(claim, ClaimRefused):
            if claim.reason is DenyReason.NOT_HELD:
                return f"{ticker}: the book holds no position there, nothing sent"
            return f"{ticker}: nothing sent: {claim.reason} {claim.detail}".rstrip()
        held = claim.held
        assert held is not None
        release = ReleaseClaim(ticker=ticker, client_order_id=coid)
        if decision is not None and decision.side is not held.side:
            positions.tell(release)
            return f"{ticker}: the book now holds {held.side}, not {decision.side}: nothing sent"
        try:
            order = (
                sale_order(held, self.client.get_orderbook(ticker))
                if decision is None
                else sale_at(held, decision.bid)
            )
        except KalshiError as exc:
            positions.tell(release)
            return f"{ticker}: the order book could not be read ({exc}), nothing sent"
        if order is None:
            positions.tell(release)
            return f"{ticker}: no bid for {held.side}, nothing sent (a sale cannot fill)"
        now = self.clock.now()
        intent = Execution(
            client_order_id=coid,
            correlation_id=correlation_id,
            ticker=ticker,
            side=order.buy_side,
            limit_price=order.limit_price,
            count=order.count,
            reserved=ZERO,  # a sale needs no cash: each contract it closes pays $1 back (A5.9)
            status=ExecutionStatus.INTENT,
            created_at=now,
            updated_at=now,
            reduce_only=True,
            exit_reason=None if decision is None else decision.reason,
            forecast_id=forecast_id,
        )
        try:
            record = CommitWork(writes=(InsertExecution(execution=intent),))
            ask(self.directory.get("storage"), record)
        except UNAVAILABLE as exc:
            if not self._intent_recorded(intent):
                positions.tell(release)
                return f"{ticker}: nothing sent, the order could not be recorded ({exc!r})"
            return f"{ticker}: order {coid} recorded, not sent ({exc!r}): reconciliation ends it"
        return self._send_holding_money(intent)

    @handles(EndOfCycle)
    def _on_end(self, marker: EndOfCycle) -> None:
        if len(self.resting):
            self._manage_resting()
        stats = marker.stats.plus(
            refused=dict(self.refused),
            exits=dict(self.exits),
            **{
                name: self.counts[name]
                for name in (
                    "orders_placed",
                    "orders_filled",
                    "orders_partial",
                    "orders_unfilled",
                    "orders_ambiguous",
                )
            },
        )
        self.counts.clear()
        self.refused.clear()
        self.exits.clear()
        self.directory.get("reconciler").tell(EndOfCycle(stats=stats).caused(marker))
