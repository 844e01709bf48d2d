"""Tick structures the sim quotes and enforces (A3.1 `price_level_structure`, A5.3
`price_ranges`): `linear_cent` ($0.01 from 0.01 to 0.99) and `tapered_deci_cent` ($0.001 below
$0.10 and above $0.90, $0.01 between). The market maker quotes whole cents, valid in both; an
order's price must lie on a step of a band (else 400 `invalid_price`, A10 item 5).
"""

from __future__ import annotations

from decimal import Decimal

LINEAR_CENT = "linear_cent"
TAPERED_DECI_CENT = "tapered_deci_cent"
_BANDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    LINEAR_CENT: (("0.0100", "0.9900", "0.0100"),),
    TAPERED_DECI_CENT: (
        ("0.0010", "0.1000", "0.0010"),
        ("0.1000", "0.9000", "0.0100"),
        ("0.9000", "0.9990", "0.0010"),
    ),
}
# Series quoted on the tapered structure (the real per-series structures are not in the
# reference); every other series is `linear_cent`.
TAPERED_SERIES = frozenset({"KXBTC", "KXBTCD", "KXETHD"})


def structure_of(series_ticker: str) -> str:
    return TAPERED_DECI_CENT if series_ticker in TAPERED_SERIES else LINEAR_CENT


def price_ranges(structure: str) -> list[dict[str, str]]:
    return [{"start": a, "end": b, "step": c} for a, b, c in _BANDS[structure]]


def on_tick(structure: str, price: Decimal) -> bool:
    """Whether `price` (a YES price in dollars) is a valid price of the structure."""
    for start, end, step in _BANDS[structure]:
        low, high, size = Decimal(start), Decimal(end), Decimal(step)
        if low <= price <= high and (price - low) % size == 0:
            return True
    return False
