"""A simulated Kalshi exchange (Trade API v2, late-2026 wire format) plus a Polymarket Gamma
catalogue, served over real HTTP on loopback, with an accelerated clock and fault injection.

    from infra.sim import SimExchange, SimConfig, Faults

The names load on first use (PEP 562), so a module that needs only `infra.sim.pricing` (the
settings do) does not load the whole exchange.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.sim.clock import SimClock
    from infra.sim.config import SimConfig
    from infra.sim.faults import Faults, FaultSettings, TruncateMode
    from infra.sim.simulator import SimExchange
    from infra.sim.stats import SimStats

_HOMES = {
    "FaultSettings": "infra.sim.faults",
    "Faults": "infra.sim.faults",
    "SimClock": "infra.sim.clock",
    "SimConfig": "infra.sim.config",
    "SimExchange": "infra.sim.simulator",
    "SimStats": "infra.sim.stats",
    "TruncateMode": "infra.sim.faults",
}

__all__ = [
    "FaultSettings",
    "Faults",
    "SimClock",
    "SimConfig",
    "SimExchange",
    "SimStats",
    "TruncateMode",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
