"""What the test suite costs: wall and CPU time of the whole run and of its slowest tests.

Runs the suite as `make test` does (pytest-xdist, two workers a core, `--dist loadscope`) and
reports:
- the run's wall time and its CPU time (user + system of pytest, its workers and every process
  they ran, from the resource usage of the children);
- the 20 slowest tests by wall time (setup, call and teardown), each with the CPU time of its
  own process and of the processes it ran (bench/cpu_per_test.py), and the costliest files.

Run from the repository root: `make bench-suite`, or `.venv/bin/python -m bench.suite` with
`--workers N`, `--top N`, and pytest's own arguments after `--` (e.g. `-- -m "not slow"` for the
fast subset, or a folder). Run it on an otherwise idle machine: the wall time is the machine's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.cpu_per_test import FOLDER

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"^=* ?(\d+ \w+.*) in [\d.]+s")


def run_suite(workers: str, pytest_args: list[str], folder: Path) -> tuple[int, str, float, Any]:
    """The suite's exit code, its summary line, wall seconds and the children's usage."""
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-n",
        workers,
        "--dist",
        "loadscope",
        "-p",
        "no:cacheprovider",
        "-p",
        "bench.cpu_per_test",
        "-q",
        *pytest_args,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        cwd=ROOT,
        env={**os.environ, FOLDER: str(folder)},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    usage = {
        "user": after.ru_utime - before.ru_utime,
        "system": after.ru_stime - before.ru_stime,
    }
    lines = done.stdout.splitlines()
    summary = next((m.group(1) for line in lines if (m := SUMMARY.match(line))), "no summary")
    if done.returncode != 0:
        print("\n".join(lines[-30:]), file=sys.stderr)
    return done.returncode, summary, wall, usage


def per_test(folder: Path) -> list[dict[str, Any]]:
    records = []
    for file in folder.glob("*.jsonl"):
        records += [json.loads(line) for line in file.read_text().splitlines()]
    return records


def report(records: list[dict[str, Any]], top: int) -> None:
    print(f"\n{top} slowest tests:  wall s   cpu s  (own + processes it ran)")
    for r in sorted(records, key=lambda r: r["wall"], reverse=True)[:top]:
        cpu = r["cpu"] + r["children_cpu"]
        print(
            f"  {r['wall']:8.2f} {cpu:8.2f} ({r['cpu']:6.2f} + {r['children_cpu']:6.2f})"
            f"  {r['test']}"
        )
    files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for r in records:
        file = files[r["test"].split("::")[0]]
        file[0] += r["wall"]
        file[1] += r["cpu"] + r["children_cpu"]
        file[2] += 1
    print("\ncostliest files by CPU:  cpu s  wall s  tests")
    for name, (wall, cpu, count) in sorted(files.items(), key=lambda f: -f[1][1])[:10]:
        print(f"  {cpu:8.1f} {wall:8.1f} {count:5d}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workers", default=str(2 * (os.cpu_count() or 1)), help="pytest-xdist -n (as make test)"
    )
    parser.add_argument("--top", type=int, default=20, help="how many slowest tests to list")
    parser.add_argument("pytest_args", nargs="*", help="after --: pytest's own arguments")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="pmt-suite-") as tmp:
        code, summary, wall, usage = run_suite(args.workers, args.pytest_args, Path(tmp))
        records = per_test(Path(tmp))
    cpu = usage["user"] + usage["system"]
    print(f"suite: {summary}; {len(records)} tests timed")
    print(
        f"wall {wall:.1f} s, CPU {cpu:.1f} s (user {usage['user']:.1f}, system"
        f" {usage['system']:.1f}) with -n {args.workers} on {os.cpu_count()} cores; load"
        f" average {load:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    report(records, args.top)
    sys.exit(code)


if __name__ == "__main__":
    main()
