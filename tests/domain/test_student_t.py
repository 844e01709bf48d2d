import itertools
from decimal import Decimal

import pytest

from domain.student_t import Z_975, t_975


def test_known_quantiles() -> None:
    assert t_975(1) == Decimal("12.706205")
    assert t_975(4) == Decimal("2.776445")  # 5 events: 2.776, not the normal 1.960
    assert t_975(30) == Decimal("2.042272")
    # Beyond the table, the expansion: scipy.stats.t.ppf(0.975, df) to 6 places.
    assert abs(t_975(31) - Decimal("2.039513")) <= Decimal("0.000001")
    assert abs(t_975(120) - Decimal("1.979930")) <= Decimal("0.000001")
    assert abs(t_975(10**9) - Z_975) <= Decimal("0.000001")


def test_the_quantile_falls_toward_the_normal_as_clusters_grow() -> None:
    values = [t_975(df) for df in range(1, 200)]
    assert all(a > b for a, b in itertools.pairwise(values))
    assert values[-1] > Z_975


def test_no_degrees_of_freedom_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        t_975(0)
