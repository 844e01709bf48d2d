from decimal import Decimal

import pytest

from domain.exposure import Holding, can_win_together, event_refusal
from domain.models import Side
from domain.risk import DenyReason

D = Decimal


def hold(ticker: str, side: Side, cost: str = "10", event: str = "E") -> Holding:
    return Holding(ticker=ticker, event_ticker=event, side=side, cost=D(cost))


@pytest.mark.parametrize(
    ("one", "other", "exclusive", "legs", "together"),
    [
        (Side.YES, Side.YES, True, 5, False),  # two ladder legs: only one resolves YES
        (Side.NO, Side.NO, True, 2, False),  # a match: one of the two NOs must lose
        (Side.NO, Side.NO, True, 3, True),  # a third leg can win
        (Side.YES, Side.NO, True, 2, True),  # the same bet twice: both win together
        (Side.YES, Side.YES, False, 4, True),  # threshold ladder, same side: both can win
        (Side.YES, Side.NO, False, 4, False),  # strikes unparsed: assume they cannot
        (Side.YES, Side.YES, None, 4, False),  # nothing known: nothing allowed
    ],
)
def test_which_positions_can_win_together(
    one: Side, other: Side, exclusive: bool | None, legs: int, together: bool
) -> None:
    assert can_win_together(hold("A", one), hold("B", other), exclusive, legs) is together


def test_event_cap_and_conflicts() -> None:
    held = [hold("A", Side.YES, "60"), hold("X", Side.YES, "90", event="OTHER")]
    assert event_refusal(hold("B", Side.NO, "30"), held, D(100), True, 3) is None
    too_much = event_refusal(hold("B", Side.NO, "41"), held, D(100), True, 3)
    assert too_much is DenyReason.EVENT_EXPOSURE_CAP
    conflict = event_refusal(hold("B", Side.YES, "1"), held, D(100), True, 3)
    assert conflict is DenyReason.EVENT_CONFLICT
    assert event_refusal(hold("C", Side.YES, "50"), [], D(100), None, 1) is None
