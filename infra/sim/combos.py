"""Combo (multivariate, "MVE") markets: one YES contract on several legs of other events.

As on Kalshi (`reference/exchange-apis.md` A5.2, A5.3, A5.6, part C gotcha 7): combo tickers
start `KXMVE`, the market names its `mve_collection_ticker` and `mve_selected_legs`,
`GET /markets?mve_filter=exclude` leaves them out and `mve_filter=only` lists only them,
`GET /events` does not list their events (those are under `/events/multivariate`, which the sim
does not serve), their series charges `quadratic_with_combo_maker_fees`, and their order book is
empty (`yes_ask_dollars` "1.0000"): they are quoted on request, and a limit order on one is
refused `invalid_price`. A combo resolves YES iff every leg resolves on its selected side.

Combos are drawn from their own seeded stream and never count towards `SimConfig.markets`, so a
seed's ordinary catalogue is the same with or without them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

from domain.fees import FeeSchedule, FeeType
from infra.sim.models import EventState, MarketState, PinnedBook, SeriesState
from infra.sim.ticks import DECI_CENT

COMBO_SERIES = "KXMVECROSSCATEGORY"
COMBO_COLLECTION = f"{COMBO_SERIES}-R"
COMBO_SHARE = 0.08  # chance that an event listing is followed by a combo


def combo_series() -> SeriesState:
    return SeriesState(
        ticker=COMBO_SERIES,
        title="Cross-category combos",
        category="Combos",
        frequency="custom",
        tags=("Combos",),
        source_name="The settlement sources of each leg",
        source_url="https://kalshi.com",
        fees=FeeSchedule(FeeType.QUADRATIC_WITH_COMBO_MAKER_FEES),
    )


class ComboMaker:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"combo:{seed}")
        self._count = 0

    def pick_legs(
        self,
        fresh: list[MarketState],
        live: list[MarketState],
        usable: Callable[[MarketState], bool],
    ) -> list[MarketState] | None:
        """Now and then (COMBO_SHARE), one leg from the event just listed and one from another
        open market, on distinct events, both `usable`."""
        rng = self._rng
        if not fresh or rng.random() >= COMBO_SHARE:
            return None
        first = rng.choice(fresh)
        for _ in range(8):  # a few tries: most live markets qualify
            other = rng.choice(live)
            if other.event_ticker != first.event_ticker and usable(other) and usable(first):
                return [first, other]
        return None

    def combo(
        self, legs: list[MarketState], event_seq: int, market_seq: int, created_ts: float
    ) -> tuple[EventState, MarketState]:
        self._count += 1
        close_ts = max(leg.close_ts for leg in legs)
        stamp = datetime.fromtimestamp(created_ts, UTC).strftime("%y%m%d%H%M")
        event_ticker = f"{COMBO_COLLECTION}-{stamp}{self._count:04d}"
        ticker = f"{event_ticker}-{self._rng.getrandbits(32):08X}"
        titles = ", ".join(f"yes {leg.yes_sub_title or leg.title}" for leg in legs)
        event = EventState(
            seq=event_seq,
            event_ticker=event_ticker,
            series_ticker=COMBO_SERIES,
            title=f"Combo: {titles}",
            sub_title="Combo",
            category="Combos",
            mutually_exclusive=False,
            strike_ts=close_ts,
            created_ts=created_ts,
            path_seed=self._rng.getrandbits(63),
            market_tickers=[ticker],
            multivariate=True,
        )
        probability = 1.0
        for leg in legs:
            probability *= leg.probability
        market = MarketState(
            seq=market_seq,
            ticker=ticker,
            event_ticker=event_ticker,
            series_ticker=COMBO_SERIES,
            title=event.title,
            subtitle=titles,
            yes_sub_title=titles,
            no_sub_title=titles,
            rules_primary="Resolves Yes if every selected leg resolves on its selected side.",
            rules_secondary="Each leg settles on its own market's rules and sources.",
            poly_question="",
            strike_type="custom",  # as captured combos are (tests/corpus/kalshi)
            floor_strike=None,
            cap_strike=None,
            price_structure=DECI_CENT,  # as captured combos are (tests/corpus/kalshi)
            created_ts=created_ts,
            open_ts=created_ts,
            close_ts=close_ts,
            latest_expiration_ts=max(leg.latest_expiration_ts for leg in legs),
            settlement_timer_seconds=max(leg.settlement_timer_seconds for leg in legs),
            probability=probability,
            result_lo=0.0,
            mm_seed=self._rng.getrandbits(63),
            noise=0.0,
            spread_cents=1,
            levels=1,
            size_scale=1,
            volume_per_hour=0,
            updated_ts=created_ts,
            pinned=PinnedBook({}, {}),  # no resting liquidity: quoted on request
            legs=tuple(leg.ticker for leg in legs),
        )
        return event, market


def eligible(market: MarketState) -> bool:
    """A possible leg: an open binary market that is itself no combo."""
    return market.market_type == "binary" and not market.is_combo and market.status.listed_open
