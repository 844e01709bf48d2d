"""The ceilings a venue's numbers must stay under before the bot believes them.

A venue (or anything between it and us) can send any number. Prices are bounded by their
nature ([0, 1]); amounts and counts have no natural ceiling, so these are configurable
(settings `[bounds]`). The defaults are far above what one account can hold on Kalshi and far
below what would overflow the database's 64-bit integers (micro-dollars, centi-contracts).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class WireBounds:
    max_dollars: Decimal = Decimal(100_000_000)  # any one amount: balance, exposure, cost, fee
    max_contracts: Decimal = Decimal(10_000_000)  # the account's own: positions, orders, fills
    max_market_contracts: Decimal = Decimal(10**12)  # a market's volume, interest, book depth

    def __post_init__(self) -> None:
        for name in ("max_dollars", "max_contracts", "max_market_contracts"):
            value = getattr(self, name)
            # 2**63 micro-dollars is about 9.2e12 dollars; 2**63 centi-contracts 9.2e16.
            if not Decimal(0) < value <= Decimal(10**12):
                raise ValueError(f"{name} {value} is outside (0, 10^12]")
