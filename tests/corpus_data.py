"""The real captured venue answers in tests/corpus (provenance in its READMEs), as records.

Raw JSON decodes as the client decodes it (`parse_float=Decimal`), so a test reads the same
values the bot's parsers see.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "corpus"
KALSHI = CORPUS / "kalshi"
GAMMA = CORPUS / "gamma"

Raw = dict[str, Any]


@cache
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load(path: Path) -> Any:
    """A fresh copy each call: a test may change it without touching another's."""
    return json.loads(_text(path), parse_float=Decimal)


def kalshi(relative: str) -> Any:
    return load(KALSHI / relative)


def kalshi_files() -> list[str]:
    return sorted(str(p.relative_to(KALSHI)) for p in KALSHI.rglob("*.json"))


# Where the market, event, series and book records sit in each file.
def market_records() -> list[tuple[str, Raw]]:
    """Every market record of the corpus, with the file it came from (a market listed in two
    files appears twice: each copy is a record the venue sent)."""
    found: list[tuple[str, Raw]] = []
    found += [("starter/markets.json", m) for m in kalshi("starter/markets.json")["markets"]]
    found.append(("starter/market-combo.json", kalshi("starter/market-combo.json")["market"]))
    elon = "starter/event-KXELONMARS-99.json"
    found += [(elon, m) for m in kalshi(elon)["markets"]]
    for name in ("cockpit/events-sports-nested.json", "cockpit/events-nfl-preseason.json"):
        found += [(name, m) for event in kalshi(name) for m in event["markets"]]
    single = "cockpit/market-KXNCAAFGAME-26SEP19MSUND-ND.json"
    found.append((single, kalshi(single)["market"]))
    found += [("cockpit/markets-settled.json", m) for m in kalshi("cockpit/markets-settled.json")]
    return found


def event_records() -> list[tuple[str, Raw]]:
    found: list[tuple[str, Raw]] = []
    for name in ("starter/events.json", "starter/events-multivariate.json"):
        found += [(name, e) for e in kalshi(name)["events"]]
    found.append(
        ("starter/event-KXELONMARS-99.json", kalshi("starter/event-KXELONMARS-99.json")["event"])
    )
    for name in ("cockpit/events-sports-nested.json", "cockpit/events-nfl-preseason.json"):
        found += [(name, e) for e in kalshi(name)]
    return found


SERIES_FILES = (
    "starter/series-CO2.json",
    "cockpit/series-KXMLBGAME.json",
    "cockpit/series-KXMLBSPREAD.json",
    "cockpit/series-KXATPDOUBLES.json",
    "cockpit/series-KXWNBAGAME.json",
)


def series_records() -> list[tuple[str, Raw]]:
    found = [(name, kalshi(name)["series"]) for name in SERIES_FILES]
    found += [
        ("starter/series-climate.json", s) for s in kalshi("starter/series-climate.json")["series"]
    ]
    return found


COMBO_BOOK_TICKER = "KXMVENFLSINGLEGAME-S202513E70FA7695-688BECB3826"  # starter/README


def book_records() -> list[tuple[str, str, Raw]]:
    """(file, ticker, the whole orderbook body)."""
    found = [
        ("starter/orderbook-combo.json", COMBO_BOOK_TICKER, kalshi("starter/orderbook-combo.json")),
        (
            "cockpit/orderbook-KXNCAAFGAME-26SEP19MSUND-ND.json",
            "KXNCAAFGAME-26SEP19MSUND-ND",
            kalshi("cockpit/orderbook-KXNCAAFGAME-26SEP19MSUND-ND.json"),
        ),
    ]
    for entry in kalshi("cockpit/combo-orderbooks.json"):
        body = {key: value for key, value in entry.items() if key != "ticker"}
        found.append(("cockpit/combo-orderbooks.json", entry["ticker"], body))
    return found


def gamma(name: str) -> Any:
    return load(GAMMA / name)


GAMMA_FILES = ("markets-keyset-limit-1.json", "resolved-markets-keyset-limit-1.json")
