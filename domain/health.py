"""Health: a step that silently does nothing is a failure, said loudly (issues 18 and 21).

A scan that kept no market, a second opinion that linked nothing, a cycle whose every LLM call
failed, a cycle given up: each would otherwise pass for a quiet market. Every cycle, the actor
that ran a part checks it with the functions here, which say in one line what went wrong
(the field and the count); the part's health is kept in the book, `status` shows it, and a
bounded run with an unhealthy cycle exits 1.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime

from domain.base import Frozen

DEFAULT_MAX_QUARANTINED_SHARE = Decimal("0.1")


class Part(StrEnum):
    """What is checked, by whom: Scanner (scanner, linking), Analyst (llm), the cycle loop."""

    SCANNER = "scanner"  # the venue's market pages
    LINKING = "linking"  # Polymarket's second opinion
    LLM = "llm"
    CYCLE = "cycle"


class HealthCheck(Frozen):
    """One part, checked in one cycle: healthy, or why not."""

    part: Part
    cycle: int
    checked_at: AwareDatetime
    problem: str | None = None  # None: healthy
    note: str | None = None  # read past, not a failure (values the venue sent that are new)
    quarantined: int | None = None  # scanner: market records left out (a field it cannot use)

    @property
    def healthy(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        return f"{self.part.value} unhealthy in cycle {self.cycle}: {self.problem}"


class PartHealth(Frozen):
    """A part's health as the book keeps it: the last check, and when it was last healthy."""

    part: Part
    healthy: bool
    problem: str | None
    cycle: int
    checked_at: AwareDatetime
    last_healthy_at: AwareDatetime | None
    note: str | None = None
    quarantined: int | None = None


def check(
    part: Part,
    cycle: int,
    at: datetime,
    problem: str | None,
    note: str | None = None,
    quarantined: int | None = None,
) -> HealthCheck:
    return HealthCheck(
        part=part, cycle=cycle, checked_at=at, problem=problem, note=note, quarantined=quarantined
    )


def record_field(field: str) -> str:
    """The field inside the record: `markets[3].price_ranges[0].step` -> `price_ranges[0].step`."""
    return re.sub(r"^\w+\[\d+\]\.?", "", field) or field


def quarantine_problem(served: int, quarantined: Iterable[str], max_share: Decimal) -> str | None:
    """The market pages served `served` records and left out one per field in `quarantined`:
    unhealthy beyond `max_share` of them, and always when none was kept."""
    fields = Counter(record_field(field) for field in quarantined)
    left_out = fields.total()
    if not left_out or (left_out < served and Decimal(left_out) / served <= max_share):
        return None
    tally = ", ".join(f"{field} x{n}" for field, n in fields.most_common())
    return f"{left_out} of {served} market records quarantined (field {tally})"


def listing_problem(markets: int, error: str | None) -> str | None:
    """The listing itself: it failed, or the venue listed no open market at all."""
    if error is not None:
        return f"the market listing failed: {error}"
    return None if markets else "the venue listed no open market (markets: 0)"


def linking_problem(kalshi: int, polymarket: int, linked: int, error: str | None) -> str | None:
    """Polymarket's second opinion: none while Kalshi lists markets is a failure."""
    if error is not None:
        return f"the Polymarket listing failed: {error}"
    if not kalshi or linked:
        return None
    if not polymarket:
        return f"linked 0 of {kalshi} Kalshi markets: Polymarket listed no market"
    return f"linked 0 of {kalshi} Kalshi markets to {polymarket} Polymarket markets"


def llm_problem(failures: Mapping[str, int], forecasts: int, disabled: str) -> str | None:
    """Every LLM call of the cycle failed (reason -> count), or the LLM is disabled."""
    if disabled:
        return f"LLM calls stopped for this run after {disabled}"
    failed = sum(failures.values())
    if not failed or forecasts:
        return None
    reasons = ", ".join(f"{reason} x{n}" for reason, n in sorted(failures.items()))
    return f"every LLM call failed ({reasons}): {failed} calls, no forecast"


def given_up_problem(why: str) -> str:
    return f"the cycle was given up: {why}"
