"""The market generator: series -> events -> markets with Kalshi-style tickers and text.

Everything comes from one seeded `random.Random`, consumed in a fixed order, so the same seed
and start time always produce the same catalogue (and the same hidden probabilities and draws).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from statistics import NormalDist

from domain.fees import FeeSchedule, FeeType
from infra.sim.models import EventState, MarketState, SeriesState, Status
from infra.sim.templates import SCALAR_TEMPLATES, TEAMS, TEMPLATES, Kind, Template
from infra.sim.ticks import structure_of

HOUR = 3600.0
DAY = 24 * HOUR
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# (share, shortest, longest) of time-to-close on the sim clock: minutes to days.
_DURATIONS = ((0.15, 600.0, HOUR), (0.35, HOUR, 12 * HOUR), (0.35, 12 * HOUR, 3 * DAY))
_LONGEST = 10 * DAY
_EXPIRATION_AFTER_CLOSE = 7 * DAY
# Share of event listings followed by a scalar event (its own random stream: see templates).
SCALAR_SHARE = 0.06
# Series that do not charge the standard schedule (A7: per-series `fee_type` and
# `fee_multiplier`; the real per-series values are unknown, part D): a reduced multiplier, maker
# fees, and a flat fee. Every other series is `quadratic` x 1.
SERIES_FEES = {
    "KXINXU": FeeSchedule(FeeType.QUADRATIC, Decimal("0.5")),
    "KXBTCD": FeeSchedule(FeeType.QUADRATIC_WITH_MAKER_FEES),
    "KXNBAGAME": FeeSchedule(FeeType.QUADRATIC_WITH_MAKER_FEES, Decimal("1.5")),
    "KXTSAW": FeeSchedule(FeeType.FLAT),
}


def strike_code(value: float) -> str:
    """How a strike appears in a ticker: 60 -> "60", 3.25 -> "3.25", 58.5 -> "58.5"."""
    rounded = round(value, 2)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.2f}".rstrip("0").rstrip(".")


def date_code(moment: datetime) -> str:
    return f"{moment.year % 100:02d}{_MONTHS[moment.month - 1]}{moment.day:02d}"


def _clip(p: float, low: float = 0.01, high: float = 0.99) -> float:
    return min(high, max(low, p))


@dataclass(frozen=True)
class _Leg:
    """One market of an event before it becomes a MarketState."""

    suffix: str
    probability: float
    result_lo: float
    fields: dict[str, str]
    strike_type: str | None = None
    floor_strike: float | None = None
    cap_strike: float | None = None


class Catalog:
    """Creates events and their markets; remembers tickers so none is ever reused."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._event_tickers: set[str] = set()
        self.next_event_seq = 1
        self.next_market_seq = 1
        self.series: dict[str, SeriesState] = {
            t.ticker: SeriesState(
                ticker=t.ticker,
                title=t.series_title,
                category=t.category,
                frequency=t.frequency,
                tags=(t.category,),
                source_name=t.source_name,
                source_url=t.source_url,
                fees=SERIES_FEES.get(t.ticker, FeeSchedule()),
            )
            for t in (*TEMPLATES, *SCALAR_TEMPLATES)
        }
        self._variety = random.Random(f"variety:{seed}")

    def duration(self) -> float:
        """A time-to-close drawn from the minutes-to-days mix."""
        roll = self._rng.random()
        for share, low, high in _DURATIONS:
            if roll < share:
                return self._rng.uniform(low, high)
            roll -= share
        return self._rng.uniform(3 * DAY, _LONGEST)

    def scalar_event(
        self, created_ts: float, close_ts: float
    ) -> tuple[EventState, list[MarketState]] | None:
        """Now and then (SCALAR_SHARE), one scalar market (A5.3 market_type "scalar") whose
        YES contract pays (X - lo) / (hi - lo) clipped to [0, 1]; `probability` is its expected
        value. Drawn only from the variety stream, so the binary catalogue is unchanged."""
        rng = self._variety
        if rng.random() >= SCALAR_SHARE:
            return None
        template = rng.choice(SCALAR_TEMPLATES)
        close_ts = float(int(close_ts // 60) * 60)
        close = datetime.fromtimestamp(close_ts, UTC)
        fields = self._time_fields(close)
        mean = template.base + rng.gauss(0.0, template.sigma)
        center = round(mean / template.step * 4) * template.step / 4
        lo, hi = round(center - template.step / 2, 6), round(center + template.step / 2, 6)
        fields.update(lo=self._fmt(template, lo), hi=self._fmt(template, hi))
        leg = _Leg(
            suffix="S",
            probability=_clip(0.5 + (mean - center) / template.step),
            result_lo=0.0,
            fields=fields,
            strike_type="functional",
            floor_strike=lo,
            cap_strike=hi,
        )
        event = self._event(template, close, fields, "", created_ts, rng.getrandbits(63))
        market = self._market(template, event, leg, created_ts, close_ts, rng)
        market.market_type = "scalar"
        event.market_tickers.append(market.ticker)
        return event, [market]

    def uniform(self, low: float, high: float) -> float:
        return self._rng.uniform(low, high)

    def new_event(self, created_ts: float, close_ts: float) -> tuple[EventState, list[MarketState]]:
        template = self._rng.choice(TEMPLATES)
        close_ts = float(int(close_ts // 60) * 60)  # whole minutes, like real close times
        close = datetime.fromtimestamp(close_ts, UTC)
        base_fields = self._time_fields(close)
        legs, extra_fields, ticker_tail = self._legs(template, base_fields)
        fields = {**base_fields, **extra_fields}
        event = self._event(template, close, fields, ticker_tail, created_ts, None)
        markets = [self._market(template, event, leg, created_ts, close_ts) for leg in legs]
        event.market_tickers.extend(m.ticker for m in markets)
        return event, markets

    def _event(
        self,
        template: Template,
        close: datetime,
        fields: dict[str, str],
        ticker_tail: str,
        created_ts: float,
        path_seed: int | None,
    ) -> EventState:
        event = EventState(
            seq=self.next_event_seq,
            event_ticker=self._unique_event_ticker(template, close, ticker_tail),
            series_ticker=template.ticker,
            title=template.event_title.format(**fields),
            sub_title=f"On {fields['date']}",
            category=template.category,
            mutually_exclusive=template.kind in {Kind.BRACKET, Kind.MATCHUP},
            strike_ts=close.timestamp(),
            created_ts=created_ts,
            path_seed=self._rng.getrandbits(63) if path_seed is None else path_seed,
        )
        self.next_event_seq += 1
        return event

    # -- pieces -----------------------------------------------------------------------------

    @staticmethod
    def _time_fields(close: datetime) -> dict[str, str]:
        eastern = close - timedelta(hours=5)
        hour = eastern.hour % 12 or 12
        suffix = "am" if eastern.hour < 12 else "pm"
        return {
            "date": f"{close.strftime('%b')} {close.day}, {close.year}",
            "day": f"{close.strftime('%B')} {close.day}",
            "time": f"{hour}{suffix} EST",
            "strike": "",
            "lo": "",
            "hi": "",
            "team": "",
            "home": "",
            "away": "",
        }

    def _legs(
        self, template: Template, fields: dict[str, str]
    ) -> tuple[list[_Leg], dict[str, str], str]:
        if template.kind is Kind.THRESHOLD:
            return self._threshold_legs(template, fields), {}, ""
        if template.kind is Kind.BRACKET:
            return self._bracket_legs(template, fields), {}, ""
        if template.kind is Kind.MATCHUP:
            return self._matchup_legs(template, fields)
        probability = self._rng.uniform(0.08, 0.92)
        return [_Leg("T0", probability, 0.0, fields)], {}, ""

    def _fmt(self, template: Template, value: float) -> str:
        return template.strike_format.format(value)

    def _threshold_legs(self, template: Template, fields: dict[str, str]) -> list[_Leg]:
        mean = template.base + self._rng.gauss(0.0, template.sigma)
        dist = NormalDist(mean, template.sigma)
        center = round(mean / template.step) * template.step
        legs = []
        for i in range(template.strikes):
            strike = round(center + (i - template.strikes // 2) * template.step, 6)
            probability = _clip(1.0 - dist.cdf(strike))
            text = self._fmt(template, strike)
            legs.append(
                _Leg(
                    suffix=f"T{strike_code(strike)}",
                    probability=probability,
                    result_lo=0.0,
                    fields={**fields, "strike": text},
                    strike_type="greater",
                    floor_strike=strike,
                )
            )
        return legs

    def _bracket_legs(self, template: Template, fields: dict[str, str]) -> list[_Leg]:
        mean = template.base + self._rng.gauss(0.0, template.sigma)
        dist = NormalDist(mean, template.sigma)
        low_edge = round(mean / template.step - template.strikes / 2) * template.step
        edges = [round(low_edge + i * template.step, 6) for i in range(template.strikes + 1)]
        cdf = [dist.cdf(e) for e in edges]
        first, last = self._fmt(template, edges[0]), self._fmt(template, edges[-1])
        legs = [
            _Leg(
                suffix=f"T{strike_code(edges[0])}",
                probability=cdf[0],
                result_lo=0.0,
                fields={**fields, "lo": "0", "hi": first},
                strike_type="less",
                cap_strike=edges[0],
            )
        ]
        for i in range(template.strikes):
            lo, hi = edges[i], edges[i + 1]
            legs.append(
                _Leg(
                    suffix=f"B{strike_code((lo + hi) / 2)}",
                    probability=cdf[i + 1] - cdf[i],
                    result_lo=cdf[i],
                    fields={**fields, "lo": self._fmt(template, lo), "hi": self._fmt(template, hi)},
                    strike_type="between",
                    floor_strike=lo,
                    cap_strike=hi,
                )
            )
        legs.append(
            _Leg(
                suffix=f"T{strike_code(edges[-1])}",
                probability=1.0 - cdf[-1],
                result_lo=cdf[-1],
                fields={**fields, "lo": last, "hi": "infinity"},
                strike_type="greater",
                floor_strike=edges[-1],
            )
        )
        return legs

    def _matchup_legs(
        self, template: Template, fields: dict[str, str]
    ) -> tuple[list[_Leg], dict[str, str], str]:
        (away_code, away), (home_code, home) = self._rng.sample(TEAMS[template.ticker], 2)
        p_home = self._rng.uniform(0.25, 0.75)
        teams = {"away": away, "home": home}
        legs = [
            _Leg(away_code, 1.0 - p_home, 0.0, {**fields, **teams, "team": away}),
            _Leg(home_code, p_home, 1.0 - p_home, {**fields, **teams, "team": home}),
        ]
        return legs, teams, f"{away_code}{home_code}"

    def _unique_event_ticker(self, template: Template, close: datetime, tail: str) -> str:
        stem = f"{template.ticker}-{date_code(close)}"
        hour, minute = f"{close.hour:02d}", f"{close.minute:02d}"
        candidates = [stem + hour + tail] if template.intraday else [stem + tail]
        candidates += [stem + hour + tail, stem + hour + minute + tail]
        for candidate in candidates:
            if candidate not in self._event_tickers:
                self._event_tickers.add(candidate)
                return candidate
        number = 2
        while f"{candidates[-1]}{number}" in self._event_tickers:
            number += 1
        ticker = f"{candidates[-1]}{number}"
        self._event_tickers.add(ticker)
        return ticker

    def _market(
        self,
        template: Template,
        event: EventState,
        leg: _Leg,
        created_ts: float,
        close_ts: float,
        rng: random.Random | None = None,
    ) -> MarketState:
        fields = leg.fields
        yes_sub = template.yes_sub_title.format(**fields)
        rng = rng or self._rng
        market = MarketState(
            seq=self.next_market_seq,
            ticker=f"{event.event_ticker}-{leg.suffix}",
            event_ticker=event.event_ticker,
            series_ticker=template.ticker,
            title=template.market_title.format(**fields),
            subtitle=yes_sub,
            yes_sub_title=yes_sub,
            no_sub_title=yes_sub,
            rules_primary=template.rules.format(**fields),
            rules_secondary=(
                f"The market settles on data from {template.source_name}. If the data is not "
                "published in time, settlement may be delayed up to the latest expiration time."
            ),
            poly_question=template.poly_question.format(**fields),
            strike_type=leg.strike_type,
            floor_strike=leg.floor_strike,
            cap_strike=leg.cap_strike,
            created_ts=created_ts,
            open_ts=created_ts,
            close_ts=close_ts,
            latest_expiration_ts=close_ts + _EXPIRATION_AFTER_CLOSE,
            settlement_timer_seconds=rng.choice((60, 300, 600, 1800, 3600)),
            probability=leg.probability,
            result_lo=leg.result_lo,
            mm_seed=rng.getrandbits(63),
            noise=rng.uniform(0.5, 1.5),  # times the scenario's kalshi_noise
            spread_cents=rng.choice((1, 2, 2, 3, 3, 4, 5, 6)),
            levels=rng.randint(3, 5),
            size_scale=rng.choice((5, 10, 20, 50, 100)),
            volume_per_hour=int(rng.lognormvariate(3.0, 1.2)),
            status=Status.ACTIVE,
            updated_ts=created_ts,
            price_structure=structure_of(template.ticker),
        )
        self.next_market_seq += 1
        return market
