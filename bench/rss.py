"""Memory over a long run: the bot's resident set, cycle by cycle (issue 21, "RSS flat").

The whole trading system runs in this process on the embedded simulator (the offline
forecaster, the recorder and the retention at their defaults, logging as with --log-file), the
simulator's clock moved a minute between cycles so markets open, trade and settle. After each
cycle the process's RSS is read from /proc; the figure is the growth per cycle over the run's
second half (a least-squares slope, after the caches and SQLite's page cache have filled), with
the RSS at a few cycles.

Run from the repository root: `.venv/bin/python -m bench.rss [--cycles 500] [--markets 400]`.
`--trace` adds tracemalloc's top growth sites between the half and the end (slower).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import tracemalloc
from pathlib import Path
from typing import NamedTuple

from actors.system import TradingSystem
from infra.db.migrate import migrate
from infra.logs import setup_logging
from infra.settings import load_settings
from infra.venue import connect

PAGE = 4096


def rss_mb() -> float:
    """This process's resident set now, in MB (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 1e6


class RssRun(NamedTuple):
    samples: list[float]  # MB after each cycle

    @property
    def slope(self) -> float:
        """MB a cycle over the second half (least squares)."""
        half = self.samples[len(self.samples) // 2 :]
        xs = range(len(half))
        return statistics.linear_regression(xs, half).slope

    def at(self, cycle: int) -> float:
        return self.samples[min(cycle, len(self.samples)) - 1]


def run(cycles: int, markets: int, *, trace: bool = False) -> RssRun:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rss.db"
        setup_logging("INFO", Path(tmp) / "rss.log")  # as a run with --log-file logs
        settings = load_settings(
            venue="sim", db=path, log_level="WARNING", sim={"markets": markets}
        )
        migrate(path)
        venue = connect(settings, scale_clock=lambda: 0.0)  # sim time moves only when told
        sim = venue.sim
        assert sim is not None
        system = TradingSystem(settings, venue, path)
        samples: list[float] = []
        snapshot = None
        try:
            system.start()
            report = system.reconcile(enable_trading=True)
            if not report.ok:
                raise SystemExit(f"start-up reconciliation failed: {report.error}")
            for number in range(1, cycles + 1):
                if system.run_cycle(number, 300) is None:
                    raise SystemExit(f"cycle {number} was given up")
                sim.advance(60)
                gc.collect()
                samples.append(rss_mb())
                if trace and number == cycles // 2:
                    tracemalloc.start(10)
                    snapshot = tracemalloc.take_snapshot()
            if snapshot is not None:
                growth = tracemalloc.take_snapshot().compare_to(snapshot, "traceback")
                for stat in growth[:8]:
                    print(stat)
                    print("   ", "\n    ".join(stat.traceback.format()[-4:]))
        finally:
            system.stop()
            venue.close()
        return RssRun(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--markets", type=int, default=400)
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    result = run(args.cycles, args.markets, trace=args.trace)
    marks = sorted({1, 50, args.cycles // 2, args.cycles})
    print(", ".join(f"cycle {c}: {result.at(c):.1f} MB" for c in marks))
    print(f"growth over the second half: {result.slope * 1e3:+.1f} kB a cycle")


if __name__ == "__main__":
    main()
