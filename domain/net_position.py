"""A venue's net position in one market, as a value (pure).

Kalshi nets positions (A5.8: `position` is signed, + YES, - NO): buying NO while holding YES
closes YES contracts, and each closed YES+NO pair pays $1 back at once (A5.9: a NO buy is a
YES sale at 1 - price). Exposure is the cost of the contracts held; a partial close releases
its share of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from domain.models import Side
from domain.money import ONE, ZERO

_EXPOSURE_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class NetPosition:
    position: Decimal = ZERO  # + YES contracts, - NO contracts
    exposure: Decimal = ZERO  # cost of the contracts held
    fees: Decimal = ZERO
    traded: Decimal = ZERO
    realized: Decimal = ZERO

    def closes(self, side: Side, count: Decimal) -> Decimal:
        """How many held contracts of the other side a buy of `count` `side` nets out."""
        held = self.position if side is Side.NO else -self.position
        return min(count, max(held, ZERO))

    def revenue(self, side: Side, count: Decimal, price: Decimal) -> Decimal:
        """A7 fee rounding's signed revenue of the buy: -cost, plus $1 per pair netted out."""
        return self.closes(side, count) * ONE - count * price

    def after(self, side: Side, count: Decimal, price: Decimal, fee: Decimal) -> NetPosition:
        netted = self.closes(side, count)
        signed = count if side is Side.YES else -count
        held = abs(self.position)
        if netted == ZERO:
            released = ZERO
        elif netted == held:
            released = self.exposure
        else:
            released = (self.exposure * netted / held).quantize(
                _EXPOSURE_PLACES, rounding=ROUND_HALF_EVEN
            )
        return NetPosition(
            position=self.position + signed,
            exposure=self.exposure - released + (count - netted) * price,
            fees=self.fees + fee,
            traded=self.traded + count * price,
            realized=self.realized + netted * (ONE - price) - released,
        )

    @property
    def side(self) -> Side | None:
        if self.position > 0:
            return Side.YES
        return Side.NO if self.position < 0 else None
