"""Series templates the market generator draws from: Kalshi-style tickers, titles and rules.

Placeholders: {date} "Nov 24, 2026", {day} "November 24", {time} "5pm EST", {strike}, {lo},
{hi}, {team}, {home}, {away}, {city}.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    THRESHOLD = "threshold"  # "above X" ladder: nested, not mutually exclusive
    BRACKET = "bracket"  # ranges covering every outcome: exactly one YES
    MATCHUP = "matchup"  # one market per team: exactly one YES
    BINARY = "binary"  # a single yes/no question
    SCALAR = "scalar"  # one market paying a value in [0, 1] per YES contract (A7)


@dataclass(frozen=True)
class Template:
    ticker: str
    series_title: str
    category: str
    frequency: str
    kind: Kind
    event_title: str
    market_title: str
    yes_sub_title: str
    rules: str
    poly_question: str
    source_name: str
    source_url: str
    base: float = 0.0
    sigma: float = 1.0
    step: float = 1.0
    strike_format: str = "{:.0f}"
    intraday: bool = False
    strikes: int = 5


WEATHER_RULES = (
    "If the highest temperature recorded in {city} on {date}, as reported by the National Weather "
    "Service's Climatological Report (Daily), is greater than {strike}, then the market resolves "
    "to Yes."
)


def _high_temp(code: str, city: str, short: str, base: float) -> Template:
    return Template(
        ticker=f"KXHIGH{code}",
        series_title=f"Highest temperature in {city}",
        category="Climate and Weather",
        frequency="daily",
        kind=Kind.THRESHOLD,
        event_title=f"Highest temperature in {city} on {{date}}?",
        market_title=f"Will the high temp in {short} be >{{strike}} on {{date}}?",
        yes_sub_title=">{strike}",
        rules=WEATHER_RULES.replace("{city}", city),
        poly_question=f"{short} high temperature above {{strike}}F on {{day}}?",
        source_name="National Weather Service",
        source_url="https://www.weather.gov/",
        base=base,
        sigma=4.0,
        step=2.0,
        strike_format="{:.0f}°",
    )


NBA_TEAMS = (
    ("LAL", "Los Angeles L"),
    ("BOS", "Boston"),
    ("GSW", "Golden State"),
    ("NYK", "New York K"),
    ("MIA", "Miami"),
    ("DEN", "Denver"),
    ("PHX", "Phoenix"),
    ("MIL", "Milwaukee"),
    ("DAL", "Dallas"),
    ("OKC", "Oklahoma City"),
)
NHL_TEAMS = (
    ("TOR", "Toronto"),
    ("MTL", "Montreal"),
    ("NYR", "New York R"),
    ("EDM", "Edmonton"),
    ("VGK", "Vegas"),
    ("FLA", "Florida"),
    ("COL", "Colorado"),
    ("DAL", "Dallas"),
)

TEMPLATES: tuple[Template, ...] = (
    _high_temp("NY", "Central Park, New York", "NYC", 55.0),
    _high_temp("CHI", "Chicago Midway", "Chicago", 45.0),
    _high_temp("MIA", "Miami International Airport", "Miami", 80.0),
    _high_temp("AUS", "Austin Bergstrom", "Austin", 70.0),
    _high_temp("LAX", "Los Angeles Airport", "LA", 68.0),
    Template(
        ticker="KXBTCD",
        series_title="Bitcoin price today at 5pm",
        category="Crypto",
        frequency="hourly",
        kind=Kind.THRESHOLD,
        event_title="Bitcoin price on {date} at {time}?",
        market_title="Will the Bitcoin price be above {strike} at {time} on {date}?",
        yes_sub_title="{strike} or above",
        rules=(
            "If the simple average of the sixty seconds of CF Benchmarks' Bitcoin Real-Time Index "
            "(BRTI) before {time} on {date} is above {strike}, then the market resolves to Yes."
        ),
        poly_question="Bitcoin above {strike} on {day} at {time}?",
        source_name="CF Benchmarks",
        source_url="https://www.cfbenchmarks.com/",
        base=98000.0,
        sigma=1800.0,
        step=500.0,
        strike_format="${:,.0f}",
        intraday=True,
        strikes=6,
    ),
    Template(
        ticker="KXETHD",
        series_title="Ethereum price today",
        category="Crypto",
        frequency="hourly",
        kind=Kind.THRESHOLD,
        event_title="Ethereum price on {date} at {time}?",
        market_title="Will the Ethereum price be above {strike} at {time} on {date}?",
        yes_sub_title="{strike} or above",
        rules=(
            "If the simple average of the sixty seconds of CF Benchmarks' Ether Real-Time Index "
            "(ETHUSD_RTI) before {time} on {date} is above {strike}, then the market resolves to "
            "Yes."
        ),
        poly_question="Ethereum above {strike} on {day}?",
        source_name="CF Benchmarks",
        source_url="https://www.cfbenchmarks.com/",
        base=3600.0,
        sigma=90.0,
        step=25.0,
        strike_format="${:,.0f}",
        intraday=True,
    ),
    Template(
        ticker="KXINXU",
        series_title="S&P 500 daily close",
        category="Financials",
        frequency="daily",
        kind=Kind.THRESHOLD,
        event_title="S&P 500 close on {date}?",
        market_title="Will the S&P 500 close above {strike} on {date}?",
        yes_sub_title="Above {strike}",
        rules=(
            "If the closing value of the S&P 500 index on {date}, as published by S&P Dow Jones "
            "Indices, is above {strike}, then the market resolves to Yes."
        ),
        poly_question="S&P 500 closes above {strike} on {day}?",
        source_name="S&P Dow Jones Indices",
        source_url="https://www.spglobal.com/spdji/",
        base=6400.0,
        sigma=45.0,
        step=25.0,
        strike_format="{:,.0f}",
    ),
    Template(
        ticker="KXAAAGASD",
        series_title="US average gas price",
        category="Economics",
        frequency="daily",
        kind=Kind.THRESHOLD,
        event_title="US gas prices on {date}?",
        market_title="Will the US average gas price be above {strike} on {date}?",
        yes_sub_title="Above {strike}",
        rules=(
            "If the national average price of regular gasoline reported by AAA for {date} is "
            "above {strike}, then the market resolves to Yes."
        ),
        poly_question="US gas price above {strike} on {day}?",
        source_name="AAA",
        source_url="https://gasprices.aaa.com/",
        base=3.20,
        sigma=0.04,
        step=0.02,
        strike_format="${:.2f}",
        strikes=4,
    ),
    Template(
        ticker="KXTSAW",
        series_title="TSA check-ins",
        category="Transportation",
        frequency="daily",
        kind=Kind.THRESHOLD,
        event_title="TSA check-ins on {date}?",
        market_title="Will TSA screen more than {strike} travelers on {date}?",
        yes_sub_title="Above {strike}",
        rules=(
            "If the number of travelers screened at TSA checkpoints on {date}, as published by "
            "the TSA, is above {strike}, then the market resolves to Yes."
        ),
        poly_question="More than {strike} TSA check-ins on {day}?",
        source_name="TSA",
        source_url="https://www.tsa.gov/travel/passenger-volumes",
        base=2_500_000.0,
        sigma=120_000.0,
        step=100_000.0,
        strike_format="{:,.0f}",
        strikes=4,
    ),
    Template(
        ticker="KXCPIYOY",
        series_title="CPI year-over-year",
        category="Economics",
        frequency="monthly",
        kind=Kind.BRACKET,
        event_title="CPI year-over-year in the report released {date}?",
        market_title="Will CPI inflation be between {lo} and {hi} in the report released {date}?",
        yes_sub_title="{lo} to {hi}",
        rules=(
            "If the year-over-year change in CPI-U reported by the Bureau of Labor Statistics on "
            "{date} is at least {lo} and below {hi}, then the market resolves to Yes."
        ),
        poly_question="CPI year-over-year between {lo} and {hi} in the {day} release?",
        source_name="Bureau of Labor Statistics",
        source_url="https://www.bls.gov/cpi/",
        base=2.9,
        sigma=0.15,
        step=0.1,
        strike_format="{:.1f}%",
        strikes=5,
    ),
    Template(
        ticker="KXBTC",
        series_title="Bitcoin price range",
        category="Crypto",
        frequency="daily",
        kind=Kind.BRACKET,
        event_title="Bitcoin price range on {date}?",
        market_title="Will the Bitcoin price be between {lo} and {hi} on {date} at {time}?",
        yes_sub_title="{lo} to {hi}",
        rules=(
            "If the CF Benchmarks Bitcoin Real-Time Index at {time} on {date} is at least {lo} "
            "and below {hi}, then the market resolves to Yes."
        ),
        poly_question="Bitcoin between {lo} and {hi} on {day}?",
        source_name="CF Benchmarks",
        source_url="https://www.cfbenchmarks.com/",
        base=98000.0,
        sigma=1500.0,
        step=1000.0,
        strike_format="${:,.0f}",
        strikes=5,
    ),
    Template(
        ticker="KXNBAGAME",
        series_title="Professional basketball game",
        category="Sports",
        frequency="custom",
        kind=Kind.MATCHUP,
        event_title="{away} at {home}",
        market_title="{away} at {home} Winner?",
        yes_sub_title="{team}",
        rules=(
            "If {team} wins the {away} at {home} professional basketball game originally "
            "scheduled for {date}, then the market resolves to Yes."
        ),
        poly_question="{away} vs. {home}: will {team} win on {day}?",
        source_name="NBA",
        source_url="https://www.nba.com/",
    ),
    Template(
        ticker="KXNHLGAME",
        series_title="Professional hockey game",
        category="Sports",
        frequency="custom",
        kind=Kind.MATCHUP,
        event_title="{away} at {home}",
        market_title="{away} at {home} Winner?",
        yes_sub_title="{team}",
        rules=(
            "If {team} wins the {away} at {home} professional hockey game originally scheduled "
            "for {date}, including overtime and shootouts, then the market resolves to Yes."
        ),
        poly_question="{away} vs. {home}: will {team} win on {day}?",
        source_name="NHL",
        source_url="https://www.nhl.com/",
    ),
    Template(
        ticker="KXRAINNYC",
        series_title="Rain in NYC",
        category="Climate and Weather",
        frequency="daily",
        kind=Kind.BINARY,
        event_title="Will it rain in NYC on {date}?",
        market_title="Will it rain in NYC on {date}?",
        yes_sub_title="Rain",
        rules=(
            "If Central Park, New York records more than 0.00 inches of precipitation on {date} "
            "according to the National Weather Service, then the market resolves to Yes."
        ),
        poly_question="Will it rain in New York City on {day}?",
        source_name="National Weather Service",
        source_url="https://www.weather.gov/",
    ),
    Template(
        ticker="KXSNOWCHI",
        series_title="Snow in Chicago",
        category="Climate and Weather",
        frequency="daily",
        kind=Kind.BINARY,
        event_title="Will it snow in Chicago on {date}?",
        market_title="Will it snow in Chicago on {date}?",
        yes_sub_title="Snow",
        rules=(
            "If Chicago O'Hare records measurable snowfall on {date} according to the National "
            "Weather Service, then the market resolves to Yes."
        ),
        poly_question="Will it snow in Chicago on {day}?",
        source_name="National Weather Service",
        source_url="https://www.weather.gov/",
    ),
)

TEAMS = {"KXNBAGAME": NBA_TEAMS, "KXNHLGAME": NHL_TEAMS}

# Scalar series (A5.3 market_type "scalar"; A7: settle at settlement_value_dollars per YES
# contract). Drawn from their own random stream (Catalog.new_scalar_event), so adding them did not
# change the binary catalogue of a seed. {lo} and {hi} are the range mapped onto $0..$1.
SCALAR_TEMPLATES: tuple[Template, ...] = (
    Template(
        ticker="KXGASPRICESC",
        series_title="US average gas price (scalar)",
        category="Economics",
        frequency="weekly",
        kind=Kind.SCALAR,
        event_title="US average gas price on {date}?",
        market_title="US average gas price on {date}, paid between {lo} and {hi}",
        yes_sub_title="{lo} to {hi}",
        rules=(
            "Each Yes contract pays (P - {lo}) / ({hi} - {lo}) dollars, clipped to $0 and $1, "
            "where P is the national average price of regular gasoline reported by AAA for "
            "{date}; each No contract pays one dollar minus that."
        ),
        poly_question="US gas price on {day}?",
        source_name="AAA",
        source_url="https://gasprices.aaa.com/",
        base=3.20,
        sigma=0.05,
        step=0.40,
        strike_format="${:.2f}",
    ),
    Template(
        ticker="KXHIGHNYSC",
        series_title="Highest temperature in NYC (scalar)",
        category="Climate and Weather",
        frequency="daily",
        kind=Kind.SCALAR,
        event_title="Highest temperature in Central Park, New York on {date}?",
        market_title="NYC high temperature on {date}, paid between {lo} and {hi}",
        yes_sub_title="{lo} to {hi}",
        rules=(
            "Each Yes contract pays (T - {lo}) / ({hi} - {lo}) dollars, clipped to $0 and $1, "
            "where T is the highest temperature recorded in Central Park, New York on {date} "
            "by the National Weather Service; each No contract pays one dollar minus that."
        ),
        poly_question="NYC high temperature on {day}?",
        source_name="National Weather Service",
        source_url="https://www.weather.gov/",
        base=55.0,
        sigma=4.0,
        step=20.0,
        strike_format="{:.0f}°",
    ),
)
