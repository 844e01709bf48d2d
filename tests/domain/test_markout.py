"""A forecast's trade marked to the market an hour later (domain.markout)."""

from __future__ import annotations

from decimal import Decimal

from domain.fees import FeeSchedule, FeeType
from domain.markout import called_for, markout
from domain.models import Side

D = Decimal
FREE = FeeSchedule(fee_type=FeeType.FLAT, multiplier=D(0))


def test_a_view_calls_for_the_side_it_beats_the_ask_of() -> None:
    assert called_for(D("0.60"), D("0.50"), D("0.52"), FREE) == (Side.YES, D("0.52"))
    assert called_for(D("0.40"), D("0.50"), D("0.52"), FREE) == (Side.NO, D("0.50"))
    assert called_for(D("0.51"), D("0.50"), D("0.52"), FREE) is None  # inside the spread


def test_the_fee_is_part_of_the_cost() -> None:
    standard = FeeSchedule()
    side, cost = called_for(D("0.60"), D("0.50"), D("0.52"), standard)  # type: ignore[misc]
    assert side is Side.YES
    assert cost > D("0.52")
    assert called_for(D("0.525"), D("0.50"), D("0.52"), standard) is None


def test_the_markout_is_the_later_mid_of_the_side_less_its_cost() -> None:
    assert markout(D("0.60"), D("0.50"), D("0.52"), D("0.56"), FREE) == D("0.04")
    assert markout(D("0.40"), D("0.50"), D("0.52"), D("0.56"), FREE) == D("-0.06")
    assert markout(D("0.60"), D("0.50"), D("0.52"), None, FREE) is None
    assert markout(D("0.51"), D("0.50"), D("0.52"), D("0.90"), FREE) is None
