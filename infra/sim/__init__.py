"""A simulated Kalshi exchange (Trade API v2, late-2026 wire format) plus a Polymarket Gamma
catalogue, served over real HTTP on loopback, with an accelerated clock and fault injection.

    from infra.sim import SimExchange, SimConfig, Faults
"""

from infra.sim.clock import SimClock
from infra.sim.config import SimConfig
from infra.sim.faults import Faults, FaultSettings, TruncateMode
from infra.sim.simulator import SimExchange
from infra.sim.stats import SimStats

__all__ = [
    "FaultSettings",
    "Faults",
    "SimClock",
    "SimConfig",
    "SimExchange",
    "SimStats",
    "TruncateMode",
]
