"""How fast the program starts: `--version`, `--help` and `status` on a small book.

Each command runs as a user runs it (`main.py ...` in a fresh process), several times; the
report gives the median wall time and the median CPU time (user + system, from the children's
resource usage) against the targets: `--version` and `--help` under 0.3 s of wall time, a
read-only command under 1 s of CPU.

Two bytecode conditions, since they differ by the compile time of every module loaded:
`cached`, the way an installed program runs (bytecode written once, to a cache outside the tree,
before the timed runs), and `compiled` with PYTHONDONTWRITEBYTECODE=1 (each start compiles every
source module it imports; some environments set it).

`--imports` adds, for each command, the modules that took longest to import
(`python -X importtime`, cumulative microseconds), the place to look when a figure grows.

Run from the repository root: `.venv/bin/python -m bench.startup` (options: `--runs N`,
`--imports`).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = str(ROOT / "main.py")
WALL_TARGET = 0.3  # seconds, --version and --help
CPU_TARGET = 1.0  # seconds, a read-only command


def environment(pycache: Path | None) -> dict[str, str]:
    """No setting or credential of the user's; bytecode cached in `pycache`, or never written."""
    prefixes = ("PMT_", "KALSHI_", "ANTHROPIC_", "OPENAI_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["PMT_LLM__PROVIDER"] = "offline"
    env.pop("PYTHONPYCACHEPREFIX", None)
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def timed(argv: list[str], env: Mapping[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv} exited {done.returncode}:\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def small_book(directory: Path, env: Mapping[str, str]) -> Path:
    """A book after one cycle on a small embedded simulator pinned in time."""
    book = directory / "book.db"
    run_env = {**env, "PMT_SIM__MARKETS": "40", "PMT_SIM__START_TIME": "2026-11-24T12:00:00Z"}
    timed([sys.executable, MAIN, "--cycles", "1", "--db", str(book)], run_env)
    return book


def slowest_imports(argv: list[str], env: Mapping[str, str], count: int = 12) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv[1:]],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, module = line.split("|")
            rows.append((int(cumulative), module.strip()))
    return [f"{us / 1e6:7.3f} s  {module}" for us, module in sorted(rows, reverse=True)[:count]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command")
    parser.add_argument("--imports", action="store_true", help="the slowest imports of each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmt-startup-") as tmp:
        pycache = Path(tmp) / "pycache"
        book = small_book(Path(tmp), environment(pycache))
        commands = {
            "--version": ([sys.executable, MAIN, "--version"], "wall", WALL_TARGET),
            "--help": ([sys.executable, MAIN, "--help"], "wall", WALL_TARGET),
            "status": ([sys.executable, MAIN, "status", "--db", str(book)], "cpu", CPU_TARGET),
        }
        print(f"median of {args.runs} runs, seconds    wall     cpu   target")
        for condition, cache in (("cached", pycache), ("compiled", None)):
            env = environment(cache)
            for name, (argv, measure, target) in commands.items():
                timed(argv, env)  # warm-up: bytecode written, files in the page cache
                runs = [timed(argv, env) for _ in range(args.runs)]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                verdict = "ok" if (wall if measure == "wall" else cpu) < target else "OVER"
                print(
                    f"{condition:9} {name:20} {wall:7.3f} {cpu:7.3f}   {measure} < {target:g}"
                    f" {verdict}"
                )
        if args.imports:
            for name, (argv, _, _) in commands.items():
                print(f"\nslowest imports of {name} (cumulative):")
                print("\n".join(slowest_imports(argv, environment(pycache))))
        print(f"\nload average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
