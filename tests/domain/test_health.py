"""The health checks' verdicts (domain.health): where each line falls, and what it says."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.health import (
    linking_problem,
    listing_problem,
    llm_problem,
    quarantine_problem,
    record_field,
)

SHARE = Decimal("0.1")


@pytest.mark.parametrize(
    ("served", "left_out", "unhealthy"),
    [
        (100, 0, False),
        (100, 10, False),  # at the share: tolerated
        (100, 11, True),  # beyond it
        (1, 1, True),  # none kept: always, whatever the share
        (636, 636, True),
    ],
)
def test_quarantine_beyond_the_share_or_of_every_record_is_unhealthy(
    served: int, left_out: int, unhealthy: bool
) -> None:
    fields = [f"markets[{i}].price_ranges[0].step" for i in range(left_out)]
    assert (quarantine_problem(served, fields, SHARE) is not None) is unhealthy
    assert (quarantine_problem(served, fields, Decimal(1)) is not None) is (left_out == served > 0)


def test_the_quarantine_line_names_each_field_and_its_count() -> None:
    fields = ["markets[0].yes_bid_dollars", "markets[1].price_ranges[0].step"] + [
        f"markets[{i}].price_ranges[0].step" for i in range(2, 5)
    ]
    assert quarantine_problem(5, fields, SHARE) == (
        "5 of 5 market records quarantined (field price_ranges[0].step x4, yes_bid_dollars x1)"
    )


def test_a_record_field_drops_its_place_in_the_page() -> None:
    assert record_field("markets[12].price_ranges[0].step") == "price_ranges[0].step"
    assert record_field("markets[3]") == "markets[3]"  # the record itself: kept whole


def test_listing_linking_and_llm_verdicts() -> None:
    assert listing_problem(10, None) is None
    assert listing_problem(0, None) == "the venue listed no open market (markets: 0)"
    assert listing_problem(0, "refused").startswith("the market listing failed: refused")
    assert linking_problem(0, 0, 0, None) is None  # no Kalshi market: nothing to link
    assert linking_problem(5, 9, 1, None) is None
    assert linking_problem(5, 9, 0, None) == "linked 0 of 5 Kalshi markets to 9 Polymarket markets"
    assert str(linking_problem(5, 0, 0, None)).endswith("Polymarket listed no market")
    assert llm_problem({}, 0, "") is None
    assert llm_problem({"LLM_TIMEOUT": 2}, 1, "") is None  # one forecast came back
    assert llm_problem({"LLM_TIMEOUT": 2, "LLM_FAILED": 1}, 0, "") == (
        "every LLM call failed (LLM_FAILED x1, LLM_TIMEOUT x2): 3 calls, no forecast"
    )
    assert llm_problem({}, 0, "LLM_AUTHENTICATION") is not None
