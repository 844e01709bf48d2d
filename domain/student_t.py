"""Student's t quantile for 95% intervals on few clusters (pure; scipy is not a dependency).

A clustered standard error over G clusters has G - 1 degrees of freedom: with few events the
normal 1.96 is too narrow (95% nominal, 87% real at 5 events). Up to 30 degrees of freedom the
quantile comes from a table (scipy.stats.t.ppf(0.975, df), 6 places); above, from the
Cornish-Fisher expansion of t around the normal quantile, within 2e-8 of the exact value.
"""

from __future__ import annotations

from decimal import Decimal

Z_975 = Decimal("1.959964")

_T_975 = tuple(
    Decimal(value)
    for value in [
        "12.706205",
        "4.302653",
        "3.182446",
        "2.776445",
        "2.570582",
        "2.446912",
        "2.364624",
        "2.306004",
        "2.262157",
        "2.228139",
        "2.200985",
        "2.178813",
        "2.160369",
        "2.144787",
        "2.131450",
        "2.119905",
        "2.109816",
        "2.100922",
        "2.093024",
        "2.085963",
        "2.079614",
        "2.073873",
        "2.068658",
        "2.063899",
        "2.059539",
        "2.055529",
        "2.051831",
        "2.048407",
        "2.045230",
        "2.042272",
    ]
)

PLACES = Decimal("0.000001")


def t_975(degrees_of_freedom: int) -> Decimal:
    """The 97.5% quantile of Student's t: the half-width factor of a two-sided 95% interval."""
    if degrees_of_freedom < 1:
        raise ValueError(f"degrees of freedom must be at least 1, not {degrees_of_freedom}")
    if degrees_of_freedom <= len(_T_975):
        return _T_975[degrees_of_freedom - 1]
    z, v = Z_975, Decimal(degrees_of_freedom)
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return (z + sum(term / v ** (k + 1) for k, term in enumerate(terms))).quantize(PLACES)
