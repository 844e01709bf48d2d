"""Linking benchmark: CPU seconds of the first cycle, of the next one with nothing changed,
and of one with 1% changed.

Markets are the simulator's (built in-process, read through the wire parsers as the Scanner
reads them), half of them with a Polymarket twin; precision and recall are against the
simulator's truth. The next cycles re-read every market (new objects); in the last, 1% of the
Kalshi and 1% of the Polymarket markets are reworded or moved by hours. The old linker (difflib,
run afresh every cycle) is loaded from the commit before the indexed one, for comparison at the
small sizes only. "pairs scored" is the pairs of texts the indexed linker scored in the last
cycle (the difflib one scores every pair of markets).

Run from the repository root: `.venv/bin/python -m bench.linking [--sizes 400 1000 10000]`.

At 10,000 markets and more the simulator lists ladders of markets with the same normalised
title (the same city, strike and day in events a few hours apart): the linker keeps each ladder
as one group and bisects it by close time, so its cost follows the distinct texts and the
markets, never the pairs within a ladder; most such markets have a twin of a rival closing
within hours and are left unlinked as ambiguous, which is why recall falls with size.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from types import ModuleType

from domain.linking import Linker, MarketLink, PolymarketMarket
from domain.models import Market
from infra.logs import setup_logging
from infra.sim import SimConfig, SimExchange
from services.evaluation import DEFAULT_START, open_markets, polymarket_markets, true_links

OLD_LINKER_COMMIT = "2184922"  # the last commit with the difflib linker
OLD_LINKER_SIZES = (400, 1000)
LINK_FRACTION = 0.5  # 100k Kalshi markets give ~50k Polymarket ones
CHANGED = 0.01

Link = Callable[[Iterable[Market], Iterable[PolymarketMarket]], tuple[MarketLink, ...]]


def old_linker() -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{OLD_LINKER_COMMIT}:domain/linking.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "old_linking.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("old_linking", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["old_linking"] = module
        spec.loader.exec_module(module)
    return module


def world(markets: int) -> tuple[list[Market], list[PolymarketMarket], dict[str, str]]:
    config = SimConfig(
        seed=1,
        markets=markets,
        time_scale=0,
        start_time=DEFAULT_START,
        gamma_link_fraction=LINK_FRACTION,
    )
    with SimExchange(config).exchange.synced() as ex:
        return open_markets(ex), polymarket_markets(ex), true_links(ex)


def next_cycle(
    markets: list[Market], polys: list[PolymarketMarket], rng: random.Random
) -> tuple[list[Market], list[PolymarketMarket]]:
    """Every market read again; 1% of each side reworded or moved by hours."""
    changed_markets = set(rng.sample(range(len(markets)), max(1, int(len(markets) * CHANGED))))
    changed_polys = set(rng.sample(range(len(polys)), max(1, int(len(polys) * CHANGED))))
    hours = timedelta(hours=rng.randint(1, 30))
    return (
        [
            m.model_copy(
                update={"title": f"{m.title} (amended)"}
                if i % 2
                else {"close_time": m.close_time + hours}
            )
            if i in changed_markets
            else m.model_copy()
            for i, m in enumerate(markets)
        ],
        [
            p.model_copy(update={"question": f"{p.question} (updated)"})
            if i in changed_polys
            else p.model_copy()
            for i, p in enumerate(polys)
        ],
    )


def timed(link: Link, markets: list[Market], polys: list[PolymarketMarket]) -> tuple[float, set]:
    start = time.process_time()
    links = link(markets, polys)
    return time.process_time() - start, {(x.kalshi_ticker, x.polymarket_id) for x in links}


def quality(
    found: set[tuple[str, str]],
    truth: dict[str, str],
    markets: list[Market],
    polys: list[PolymarketMarket],
) -> tuple[float, float]:
    """(precision, recall) against the true pairs whose two markets are both listed."""
    listed, ids = {m.ticker for m in markets}, {p.id for p in polys}
    pairs = {(ticker, pid) for pid, ticker in truth.items() if ticker in listed and pid in ids}
    right = len(found & pairs)
    return right / max(1, len(found)), right / max(1, len(pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[400, 1000, 10_000])
    args = parser.parse_args()
    setup_logging("WARNING")
    old = old_linker()
    print(
        "| linker | Kalshi | Polymarket | first cycle CPU s | next, unchanged, CPU s "
        "| next, 1% changed, CPU s | pairs scored | links | precision | recall |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        markets, polys, truth = world(size)
        later_markets, later_polys = next_cycle(markets, polys, random.Random(size))
        linker = Linker()
        linkers: list[tuple[str, Link, Callable[[], str]]] = []
        if size in OLD_LINKER_SIZES:
            linkers.append(("difflib, full", old.link_markets, lambda: "all"))
        linkers.append(("indexed", linker.link, lambda bound=linker: str(bound.pairs_scored)))
        for name, link, scored in linkers:
            first_cpu, _ = timed(link, markets, polys)
            same = [m.model_copy() for m in markets], [p.model_copy() for p in polys]
            same_cpu, _ = timed(link, *same)
            next_cpu, found = timed(link, later_markets, later_polys)
            precision, recall = quality(found, truth, later_markets, later_polys)
            print(
                f"| {name} | {len(markets):,} | {len(polys):,} | {first_cpu:.2f} | {same_cpu:.2f}"
                f" | {next_cpu:.2f} | {scored()} | {len(found):,} | {precision:.3f}"
                f" | {recall:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
