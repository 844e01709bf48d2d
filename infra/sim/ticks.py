"""Tick structures the sim quotes and enforces (A3.1 `price_level_structure`, A5.3
`price_ranges`), as the venue sends them: bands whose ends are bounds touching $0 and $1
(tests/corpus/kalshi). `linear_cent` is one band 0..1 by $0.01, `deci_cent` (combos) one band
0..1 by $0.001, `tapered_deci_cent` three ($0.001 below $0.10 and above $0.90, $0.01 between).
The valid prices are the steps strictly inside ($0, $1). The market maker quotes whole cents,
valid in all three; an order's price must be one of them (else 400 `invalid_price`, A10 item 5).
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import ONE, ZERO

LINEAR_CENT = "linear_cent"
DECI_CENT = "deci_cent"
TAPERED_DECI_CENT = "tapered_deci_cent"
_BANDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    LINEAR_CENT: (("0.0000", "1.0000", "0.0100"),),
    DECI_CENT: (("0.0000", "1.0000", "0.0010"),),
    TAPERED_DECI_CENT: (
        ("0.0000", "0.1000", "0.0010"),
        ("0.1000", "0.9000", "0.0100"),
        ("0.9000", "1.0000", "0.0010"),
    ),
}
# Series quoted on the tapered structure (the real per-series structures are not in the
# reference); every other series is `linear_cent`, and combos `deci_cent`, as captured.
TAPERED_SERIES = frozenset({"KXBTC", "KXBTCD", "KXETHD"})


def structure_of(series_ticker: str) -> str:
    return TAPERED_DECI_CENT if series_ticker in TAPERED_SERIES else LINEAR_CENT


def price_ranges(structure: str) -> list[dict[str, str]]:
    return [{"start": a, "end": b, "step": c} for a, b, c in _BANDS[structure]]


def on_tick(structure: str, price: Decimal) -> bool:
    """Whether `price` (a YES price in dollars) is a valid price of the structure."""
    if not ZERO < price < ONE:
        return False
    for start, end, step in _BANDS[structure]:
        low, high, size = Decimal(start), Decimal(end), Decimal(step)
        if low <= price <= high and (price - low) % size == 0:
            return True
    return False
