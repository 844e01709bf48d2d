"""Soak, `--mode interleavings`: the records the venue writes while the bot reads them.

Each trial is a fresh book and a fresh simulator (in process, its clock moved only by the
trial), and the real actors trading cycle after cycle. Into each cycle's reconciliation one
interleaving is injected at a step of the Reconciler's read chosen at random (its checkpoint
hook runs the injection in the Reconciler's own thread, between two of its reads):

- `sale+settlement`: the user sells part of a position by hand, then its market settles early
  (yes, no or void);
- `hand buys`: the user buys one or two markets by hand;
- `busy venue`: a hand buy before every read of the fills (the reads never agree);
- `cut pages`: the fills listing ends early (half a page, an empty cursor) for the cycle;
- `fee reading`: the venue reports each fill's fee without its rounding part for the cycle.

The trial then lets the venue be quiet, reconciles twice and compares: the book's positions
with the venue's one by one, the bankroll's change with the venue cash's change (within a cent),
and the halts (none is caused on purpose here, so any halt fails the trial). The largest drift
is the largest difference any judged cash check recorded, and at the end of any trial.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from loguru import logger

from actors.system import TradingSystem
from domain.messages import BookSnapshot, GetBook
from domain.models import PositionStatus, Side
from domain.money import CENT, MICROS_PER_DOLLAR, ZERO
from infra.db.migrate import migrate
from infra.settings import load_settings
from infra.venue import Venue, connect

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
STEPS = ("settlements", "fills", "positions", "balance", "fills_again", "settlements_again")
KINDS = ("sale+settlement", "hand buys", "busy venue", "cut pages", "fee reading")
CYCLE_TIMEOUT = 60.0
HOUR = 3600.0


class Hooks:
    """The Reconciler's checkpoint: runs the armed action at its step, in its own thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[str, Callable[[], None]] = {}
        self.every: Callable[[str], object] | None = None  # run at every step while set
        self.failures: list[str] = []

    def arm(self, step: str, action: Callable[[], None]) -> None:
        with self._lock:
            self._armed[step] = action

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self.every = None

    def __call__(self, step: str) -> None:
        with self._lock:
            actions = [self._armed.pop(step, None), self.every and (lambda: self.every(step))]
        for action in actions:
            try:
                if action:
                    action()
            except ValueError as exc:  # not enough cash for a hand trade: that one is skipped
                self.failures.append(f"{step}: {exc}")


@dataclass
class Trial:
    number: int
    injected: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    skipped: int = 0  # injections the venue refused (a hand trade beyond the cash)
    cash_difference: Decimal = ZERO  # bankroll change - venue cash change, at the end
    largest_drift: Decimal = ZERO  # the largest |drift| a judged cash check recorded


@dataclass
class Injector:
    venue: Venue
    rng: random.Random

    @property
    def key(self) -> str:
        signer = self.venue.client.signer
        assert signer is not None
        return signer.key_id

    def held(self) -> dict[str, Decimal]:
        """Signed counts held on markets still open (a hand trade needs an open market)."""
        sim = self.venue.sim
        assert sim is not None
        open_now = set(sim.open_tickers())
        with sim.exchange.synced() as ex:
            account = ex.account(self.key)
            return {
                t: p.position
                for t, p in account.positions.items()
                if p.position and not p.settled and t in open_now
            }

    def open_markets(self) -> list[str]:
        sim = self.venue.sim
        assert sim is not None
        return sim.open_tickers()

    def hand_trade(self, ticker: str, side: Side, count: Decimal) -> None:
        sim = self.venue.sim
        assert sim is not None
        price = Decimal(self.rng.randint(20, 80)) / 100
        sim.place_external_position(self.key, ticker, side.value, count, price)

    def sale_and_settlement(self) -> None:
        held = self.held()
        if not held:
            self.hand_buys()  # nothing to sell yet: at least a trade lands in the window
            return
        ticker = self.rng.choice(sorted(held))
        count = abs(held[ticker])
        sold = max(Decimal(1), (count * Decimal(self.rng.randint(1, 9)) / 10).to_integral_value())
        sold = min(sold, count)
        self.hand_trade(ticker, Side.NO if held[ticker] > 0 else Side.YES, sold)
        sim = self.venue.sim
        assert sim is not None
        sim.settle(ticker, self.rng.choice(["yes", "no", "void"]))

    def hand_buys(self) -> None:
        markets = self.open_markets()
        for ticker in self.rng.sample(markets, k=min(len(markets), self.rng.randint(1, 2))):
            side = self.rng.choice([Side.YES, Side.NO])
            self.hand_trade(ticker, side, Decimal(self.rng.randint(1, 5)))


def _largest_drift(path: Path) -> Decimal:
    with closing(sqlite3.connect(path)) as db:
        row = db.execute(
            "SELECT MAX(ABS(drift)) FROM cash_checks WHERE verdict IN ('ok', 'drift',"
            " 'drift_over_limit')"
        ).fetchone()
    return Decimal(row[0] or 0) / MICROS_PER_DOLLAR


def run_trial(number: int, seed: int, folder: Path, cycles: int) -> Trial:
    rng = random.Random(seed)
    trial = Trial(number)
    path = folder / f"trial-{number}.db"
    settings = load_settings(
        venue="sim",
        db=path,
        sim={"seed": seed, "markets": 40},
        scanner={"max_candidates": 6},
        # The kill switch judges the prices, not the book: off, so that a trial's only halts
        # would be the book's (none is caused on purpose here).
        risk={"min_edge": "0", "max_daily_loss_fraction": "1", "max_drawdown": "1"},
    )
    migrate(path)
    venue = connect(settings, scale_clock=lambda: 0.0, start_time=START, scenario="polymarket-edge")
    sim = venue.sim
    assert sim is not None
    hooks = Hooks()
    system = TradingSystem(settings, venue, path, reconciler_checkpoint=hooks)
    inject = Injector(venue, rng)
    try:
        system.start()
        first = system.reconcile(enable_trading=True)
        if not first.ok:
            trial.problems.append(f"start-up reconciliation failed: {first.error}")
            return trial
        bankroll, cash = system.balance(), sim.balance(inject.key)
        for cycle in range(1, cycles + 1):
            kind, step = rng.choice(KINDS), rng.choice(STEPS)
            trial.injected[kind] += 1
            if kind == "sale+settlement":
                hooks.arm(step, inject.sale_and_settlement)
            elif kind == "hand buys":
                hooks.arm(step, inject.hand_buys)
            elif kind == "busy venue":
                hooks.every = lambda s: inject.hand_buys() if s == "fills" else None
            elif kind == "cut pages":
                sim.faults.update(
                    truncate_pages=True,
                    truncate_mode="early_end",
                    path_prefixes=("/portfolio/fills",),
                )
            else:
                sim.faults.update(fee_cost_without_rounding=True)
            if system.run_cycle(cycle, CYCLE_TIMEOUT) is None:
                trial.problems.append(f"cycle {cycle} did not complete")
            hooks.clear()
            sim.faults.reset()
            sim.advance(rng.uniform(0.5, 6) * HOUR)  # markets close and settle meanwhile
        sim.faults.reset()
        for _ in range(2):  # the venue quiet: the book catches up
            report = system.reconcile(enable_trading=True)
            if not report.ok:
                trial.problems.append(f"final reconciliation failed: {report.error}")
        _compare(trial, system, venue, inject.key, bankroll, cash)
        trial.skipped = len(hooks.failures)
        trial.largest_drift = _largest_drift(path)
    finally:
        system.stop()
        venue.close()
    return trial


def _compare(
    trial: Trial,
    system: TradingSystem,
    venue: Venue,
    key: str,
    bankroll: Decimal,
    cash: Decimal,
) -> None:
    sim = venue.sim
    assert sim is not None
    book: BookSnapshot = system.directory.get("positions").ask(GetBook(), timeout=30)
    local = {
        p.ticker: (p.side, p.count)
        for p in book.positions
        if p.status in (PositionStatus.OPEN, PositionStatus.RECOVERED)
    }
    remote = {r.ticker: (r.side, r.count) for r in venue.client.get_positions() if r.position}
    for ticker in sorted(set(local) | set(remote)):
        if local.get(ticker) != remote.get(ticker):
            trial.problems.append(f"{ticker}: book {local.get(ticker)}, venue {remote.get(ticker)}")
    snapshot = system.bankroll()
    trial.cash_difference = (snapshot.balance - bankroll) - (sim.balance(key) - cash)
    if abs(trial.cash_difference) > CENT:
        trial.problems.append(
            f"cash: the bankroll moved {trial.cash_difference} more than the venue"
        )
    if snapshot.halts:
        trial.problems.append(
            "halted: " + "; ".join(f"{h.code}: {h.detail}" for h in snapshot.halts)
        )


def main(trials: int, cycles: int, seed: int) -> int:
    """Run the trials; print one line each and the verdict. Returns the exit code."""
    logger.remove()
    logger.add(sys.stderr, level="WARNING")  # the actors' warnings; their chatter is not needed
    totals: Counter[str] = Counter()
    failed, largest, largest_end = 0, ZERO, ZERO
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(1, trials + 1):
            trial = run_trial(number, seed * 1000 + number, Path(tmp), cycles)
            totals.update(trial.injected)
            largest = max(largest, trial.largest_drift)
            largest_end = max(largest_end, abs(trial.cash_difference))
            verdict = "ok" if not trial.problems else "FAILED: " + "; ".join(trial.problems)
            failed += bool(trial.problems)
            print(
                f"trial {number}: {dict(trial.injected)} ({trial.skipped} skipped); end difference"
                f" {trial.cash_difference},"
                f" largest drift {trial.largest_drift}: {verdict}",
                flush=True,
            )
    print(
        f"{trials} trials, {sum(totals.values())} interleavings {dict(totals)}; largest drift"
        f" {largest} (any judged check), {largest_end} (end of a trial); {failed} failed"
    )
    return 1 if failed else 0
