"""The `passive-maker` adversary (domain.adversaries), played on the simulator's own matching.

Every cycle it rests a post-only bid of CONTRACTS at the touch on a coin's side of each quoted
market (YES at the best YES bid, or NO at the best NO bid), good until the next cycle, until the
market has filled it once. Only the simulator's other traders and its maker's re-quotes fill a
resting order (infra.sim.flow, with its informed share), so the fills carry the adverse
selection a real maker meets. Each fill is valued against the hidden fair value at the next
cycle: a martingale, so its expectation is the fill's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain.adversaries import CONTRACTS, coin
from domain.evaluation import Decision, Trade
from domain.models import Side
from infra.sim.engine import Exchange
from infra.sim.models import Fill
from services.sim_orders import fill_trade, rest_post_only

STRATEGY = "passive-maker"
ACCOUNT = "adversary-passive-maker"
BALANCE = Decimal(10) ** 9


class PassiveMaker:
    def __init__(self, run: int) -> None:
        self.run = run
        self.read = 0  # the account's fills already turned into trades
        self.placed: dict[str, Decision] = {}  # ticker -> the quote it last rested on
        self.filled: set[str] = set()
        self.trades: list[Trade] = []

    def cycle(self, ex: Exchange, quotes: Sequence[Decision], expires_in: float) -> None:
        """Book the fills since the last cycle, then rest this cycle's bids."""
        account = ex.open_account(ACCOUNT, BALANCE)
        fresh, self.read = account.fills[self.read :], len(account.fills)
        for fill in fresh:
            self._book(ex, fill)
        expiry = int(ex.now_ts + expires_in)
        for quote in quotes:
            if quote.ticker not in self.filled:
                self._rest(ex, quote, expiry)

    def _book(self, ex: Exchange, fill: Fill) -> None:
        self.filled.add(fill.ticker)
        self.trades.append(fill_trade(ex, STRATEGY, fill, self.placed[fill.ticker]))

    def _rest(self, ex: Exchange, quote: Decision, expiry: int) -> None:
        side = coin(self.run, quote.ticker)
        bid = quote.book.best_yes_bid if side is Side.YES else quote.book.best_no_bid
        if bid is None:
            return
        if rest_post_only(ex, ACCOUNT, quote.ticker, side, bid, CONTRACTS, expiry) is None:
            return  # closed, inactive or crossed since it was quoted: no bid this cycle
        self.placed[quote.ticker] = quote
