"""A pytest plugin for bench/suite.py: the CPU time each test costs, processes it ran included.

Loaded with `-p bench.cpu_per_test` (pytest-xdist loads it in every worker too). For each test
it records the wall time of setup, call and teardown together, and the CPU time (user + system)
of the test's process (`RUSAGE_SELF`: a worker runs one test at a time) and of the children
reaped meanwhile (`RUSAGE_CHILDREN`: the bot, the simulator...), one JSON line per test in the
folder named by PMT_BENCH_CPU_DIR.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Generator
from pathlib import Path

import pytest

FOLDER = "PMT_BENCH_CPU_DIR"


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    folder = os.environ.get(FOLDER)
    if folder is None:
        yield
        return
    start, (own, children) = time.perf_counter(), _cpu()
    yield
    wall, (own_after, children_after) = time.perf_counter() - start, _cpu()
    record = {
        "test": item.nodeid,
        "wall": wall,
        "cpu": own_after - own,
        "children_cpu": children_after - children,
    }
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with (Path(folder) / f"{worker}.jsonl").open("a") as out:
        out.write(json.dumps(record) + "\n")
