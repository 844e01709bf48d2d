"""The bot in execution mode `maker`, played on the simulator's own matching (evaluate).

Each cycle the bot's views are sized as the Analyst sizes them under `execution.mode = maker`
(domain.sizing): a post-only bid one tick above the touch while the edge after the maker fee
holds, or a taker order at the ask when the edge there reaches `execution.taker_edge`. Each bid
rests, good-till-canceled, for `execution.order_ttl` (the venue's expiry), never re-priced.
Only the simulator's other traders (with their informed share, infra.sim.flow) and its maker's
re-quotes fill it, so its fills carry the adverse selection a real maker meets. Each fill is
valued against the hidden fair value at the next cycle (a martingale: the fill's own worth),
beside the fair value when its order was placed (domain.execution_modes).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain.evaluation import Decision, RunBook, Trade
from domain.execution_modes import Order
from domain.models import TradeSignal
from domain.sizing import SizingLimits
from infra.sim.engine import Exchange
from infra.sim.models import Fill
from services.sim_orders import fill_trade, rest_post_only

STRATEGY = "bot"
ACCOUNT = "evaluation-bot-maker"
_PLACES = Decimal("0.000001")


class BotMaker:
    def __init__(
        self, limits: SizingLimits, bankroll: Decimal, balance: Decimal, ttl_seconds: int
    ) -> None:
        self.book = RunBook(limits, bankroll)
        self.balance = balance
        self.ttl = ttl_seconds
        self.read = 0  # the account's fills already turned into trades
        self.placed: dict[str, Decision] = {}  # order id -> the decision it rested on
        self.orders: list[Order] = []
        self.trades: list[Trade] = []

    def cycle(self, ex: Exchange, decisions: Sequence[Decision]) -> None:
        """Book the fills since the last cycle, then this cycle's orders."""
        account = ex.open_account(ACCOUNT, self.balance)
        fresh, self.read = account.fills[self.read :], len(account.fills)
        for fill in fresh:
            self._book(ex, fill)

        def rest(decision: Decision, signal: TradeSignal) -> bool:
            return self._rest(ex, decision, signal)

        for decision in decisions:
            taken = self.book.consider(STRATEGY, decision, decision.bot, rest)
            if taken is not None:  # the taker fallback: filled at once
                self.orders.append(Order(cluster=decision.cluster, count=taken.count))
                self.trades.append(taken)

    def _book(self, ex: Exchange, fill: Fill) -> None:
        placed = self.placed[fill.order_id]
        self.trades.append(fill_trade(ex, STRATEGY, fill, placed, keep_placed_truth=True))

    def _rest(self, ex: Exchange, decision: Decision, signal: TradeSignal) -> bool:
        expiry = int(ex.now_ts + self.ttl)
        order = rest_post_only(
            ex, ACCOUNT, decision.ticker, signal.side, signal.limit_price, signal.count, expiry
        )
        if order is None:
            return False  # closed, inactive or crossed since it was quoted: not placed
        self.placed[order.order_id] = decision
        self.orders.append(Order(cluster=decision.cluster, count=signal.count))
        return True
