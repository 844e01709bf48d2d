"""The simulator speaks the venue's real shapes: its market, event and series objects are diffed
against the real captured answers (tests/corpus/kalshi). The diff covers keys, JSON types,
string formats and price band layouts, and every difference it allows is named, with the
reason, in the tables below.

The fields every record carries are taken from the current era (Source B, Aug 2026: no legacy
cents). The fields a record may carry, and their types and formats, are taken from the whole
corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.corpus_data import GAMMA_FILES, event_records, gamma, market_records, series_records
from tests.infra.sim.helpers import running_sim

Record = dict[str, Any]

# Differences the simulator is allowed, and why. Anything else fails.
SIM_ONLY_MARKET_FIELDS = {
    "settlement_bounds_type": "the official SDK's Market model (3.34) requires it; no capture "
    "has it",
    "cap_strike": "a range market's upper strike (reference A5.3); no captured market is a range",
}
SIM_ONLY_SERIES_FIELDS = {
    "categories": "the official SDK's Series model (3.34) requires it; no capture has it",
}
SIM_ONLY_BAND_LAYOUTS = {
    (
        ("0.0000", "0.1000", "0.0010"),
        ("0.1000", "0.9000", "0.0100"),
        ("0.9000", "1.0000", "0.0010"),
    ): (
        "tapered_deci_cent: public clients quote this three-band layout live (KXBTC15M, Sep "
        "2026), but only in hand-built test data, so the corpus holds no record of it"
    ),
}
# Fields every current-era record carries that some simulated records leave out.
REAL_OPTIONAL_IN_SIM = {
    "strike_type": "an older capture has none (starter KXELONMARS-99, Jan 2026); the "
    "simulator's categorical markets leave it out too",
}


def _format(value: Any, text_formats: tuple[tuple[str, re.Pattern[str]], ...] | None = None) -> str:
    """The JSON type and, for text, the format class of a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    for name, pattern in text_formats or _TEXT_FORMATS:
        if pattern.fullmatch(value):
            return name
    return "text"


_TEXT_FORMATS = (
    ("empty", re.compile("")),
    ("dollars, 4 places", re.compile(r"-?\d+\.\d{4}")),
    ("dollars, 6 places", re.compile(r"-?\d+\.\d{6}")),
    ("count, 2 places", re.compile(r"-?\d+\.\d{2}")),
    # Go's RFC3339Nano, as the venue writes times: no fraction on a whole second, else one
    # without trailing zeros.
    ("RFC 3339", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z")),
)


# Gamma writes decimal text with any number of places ("18626.7189", "858688.4268150157").
_GAMMA_TEXT_FORMATS = (
    ("empty", re.compile("")),
    ("decimal text", re.compile(r"-?\d+(\.\d+)?")),
    ("RFC 3339, whole second", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")),
)


def _shapes(records: Iterable[Record], text_formats: Any = None) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for record in records:
        for key, value in record.items():
            found.setdefault(key, set()).add(_format(value, text_formats))
    return found


def _always(records: list[Record]) -> set[str]:
    return set.intersection(*(set(record) for record in records))


def _differences(
    sim: list[Record],
    real: list[Record],
    current: list[Record],
    allowed: dict[str, str],
    text_formats: Any = None,
) -> list[str]:
    """Every way `sim` differs from the real records, but for the `allowed` extra fields."""
    problems = []
    real_shapes, sim_shapes = _shapes(real, text_formats), _shapes(sim, text_formats)
    for key in sorted(_always(current) - _always(sim)):
        if key not in REAL_OPTIONAL_IN_SIM:
            problems.append(f"{key}: every real record has it; some simulated ones do not")
    for key in sorted(set(sim_shapes) - set(real_shapes) - set(allowed)):
        problems.append(f"{key}: the simulator sends it; no real record has it")
    for key in sorted(set(sim_shapes) & set(real_shapes)):
        if extra := sim_shapes[key] - real_shapes[key]:
            problems.append(f"{key}: simulated {sorted(extra)}, real {sorted(real_shapes[key])}")
    return problems


@pytest.fixture(scope="module")
def simulated() -> dict[str, list[Record]]:
    with running_sim(markets=300) as sim:
        get = lambda path, **params: requests.get(sim.base_url + path, params=params, timeout=30)  # noqa: E731
        markets = get("/markets", limit=1000, status="open").json()["markets"]
        markets += get("/markets", limit=1000, mve_filter="only").json()["markets"]
        markets += get("/markets", limit=1000, status="settled").json()["markets"]
        events = get("/events", limit=200, with_nested_markets="true").json()["events"]
        series = get("/series").json()["series"]
        keyset = requests.get(sim.gamma_url + "/markets/keyset", params={"limit": 100}, timeout=30)
    return {
        "markets": markets,
        "events": events,
        "series": series,
        "gamma": keyset.json()["markets"],
    }


def _current(records: list[tuple[str, Record]]) -> list[Record]:
    return [raw for source, raw in records if source.startswith("cockpit/")]


def test_the_simulated_markets_have_the_real_fields_types_and_formats(
    simulated: dict[str, list[Record]],
) -> None:
    sim = simulated["markets"]
    assert {m["status"] for m in sim} >= {"active", "finalized"}
    assert any(m.get("mve_collection_ticker") for m in sim)  # combos are diffed too
    real = market_records()
    problems = _differences(sim, [r for _, r in real], _current(real), SIM_ONLY_MARKET_FIELDS)
    assert problems == []


def test_the_simulated_events_have_the_real_fields_types_and_formats(
    simulated: dict[str, list[Record]],
) -> None:
    def without_markets(events: Iterable[Record]) -> list[Record]:
        return [{k: v for k, v in e.items() if k != "markets"} for e in events]

    real = event_records()
    sim = without_markets(simulated["events"])
    current = without_markets(_current(real))
    assert _differences(sim, without_markets(r for _, r in real), current, {}) == []


def test_the_simulated_series_have_the_real_fields_types_and_formats(
    simulated: dict[str, list[Record]],
) -> None:
    real = series_records()
    problems = _differences(
        simulated["series"], [r for _, r in real], _current(real), SIM_ONLY_SERIES_FIELDS
    )
    assert problems == []


# The Gamma fields the bot reads (infra.polymarket.wire); the real entries carry ~90 more.
GAMMA_FIELDS = (
    "id",
    "question",
    "conditionId",
    "slug",
    "outcomes",
    "outcomePrices",
    "clobTokenIds",
    "bestBid",
    "bestAsk",
    "volume",
    "volumeNum",
    "liquidity",
    "liquidityNum",
    "endDate",
    "active",
    "closed",
    "events",
)


def test_the_simulated_gamma_entries_have_the_real_types_and_formats(
    simulated: dict[str, list[Record]],
) -> None:
    def read(entries: Iterable[Record]) -> list[Record]:
        return [{k: e[k] for k in GAMMA_FIELDS if k in e} for e in entries]

    real = read(m for name in GAMMA_FILES for m in gamma(name)["markets"])
    sim = read(simulated["gamma"])
    assert _differences(sim, real, real, {}, _GAMMA_TEXT_FORMATS) == []


def _layout(market: Record) -> tuple[tuple[str, str, str], ...]:
    return tuple((b["start"], b["end"], b["step"]) for b in market["price_ranges"])


def test_the_simulated_price_bands_are_layouts_found_in_real_data(
    simulated: dict[str, list[Record]],
) -> None:
    real = {_layout(raw) for _, raw in market_records()}
    sim = {_layout(m) for m in simulated["markets"]}
    assert sim - real == set(SIM_ONLY_BAND_LAYOUTS)
    assert real <= sim  # every real layout (cent and, on combos, deci-cent) is simulated


def test_the_format_classes_tell_real_shapes_apart() -> None:
    """The diff can fail: the sim's former shapes are told apart from the real ones."""
    assert _format("2026-11-18T13:22:05.000Z") == "text"  # milliseconds, zeros kept
    assert _format("2026-08-09T07:17:29.033592Z") == "RFC 3339"
    assert _format("2026-10-15T00:15:00Z") == "RFC 3339"
    assert _format("0.5600") == "dollars, 4 places"
    assert _format("150.00") == "count, 2 places"
    before = [{"strike_period": None, "strike_date": "2026-11-18T21:27:00.000Z"}]
    real = [{"strike_period": ""}]
    assert _differences(before, real, real, {}) == [
        "strike_date: the simulator sends it; no real record has it",
        "strike_period: simulated ['null'], real ['empty']",
    ]
