"""Gamma keyset paging and market linking over real HTTP against the simulated exchange."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from domain.linking import link_markets
from infra.kalshi import KalshiClient, MalformedResponse, RetryPolicy, TokenBucketLimiter
from infra.polymarket import GammaClient
from infra.sim import SimConfig, SimExchange
from tests.infra.sim.helpers import START


@pytest.fixture(scope="module")
def sim() -> Iterator[SimExchange]:
    exchange = SimExchange(SimConfig(seed=11, markets=1000, time_scale=0, start_time=START))
    exchange.start()
    yield exchange
    exchange.stop()


@pytest.fixture
def gamma(sim: SimExchange) -> Iterator[GammaClient]:
    sim.faults.reset()
    client = GammaClient(
        sim.gamma_url,
        retry=RetryPolicy(attempts=3, base_delay=0.0),
        sleeper=lambda _seconds: None,
        rng=random.Random(0),
    )
    yield client
    client.close()


def expected_binary_open_ids(sim: SimExchange) -> set[str]:
    """The sim's own catalogue: open markets with exactly the outcomes Yes and No."""
    ids = set()
    with sim.exchange.synced() as ex:
        for market in ex.gamma.markets:
            kalshi = ex.markets_by_ticker.get(market.linked_ticker or "")
            closed = ex.gamma.is_closed(market, kalshi, ex.now_ts)
            if not closed and sorted(o.lower() for o in market.outcomes) == ["no", "yes"]:
                ids.add(str(market.id))
    return ids


@pytest.mark.parametrize("limit", [100, 7])
def test_keyset_paging_lists_every_binary_market_once(
    sim: SimExchange, gamma: GammaClient, limit: int
):
    markets = gamma.get_all_markets(limit=limit)
    ids = [market.id for market in markets]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected_binary_open_ids(sim)
    assert gamma.skipped == []
    assert all(market.yes_price + market.no_price == 1 for market in markets)
    assert all(not market.closed for market in markets)


def test_looping_keyset_pages_are_refused(sim: SimExchange, gamma: GammaClient):
    sim.faults.truncate_pages = True
    try:
        with pytest.raises(MalformedResponse):
            gamma.get_all_markets(limit=10)
    finally:
        sim.faults.reset()


def test_links_found_over_the_sim_are_precise(sim: SimExchange, gamma: GammaClient):
    kalshi = KalshiClient(sim.base_url, None, TokenBucketLimiter())
    try:
        kalshi_markets = kalshi.get_all_markets()
    finally:
        kalshi.close()
    links = link_markets(kalshi_markets, gamma.get_all_markets())
    with sim.exchange.synced() as ex:
        truth = {str(m.id): m.linked_ticker for m in ex.gamma.markets if m.linked_ticker}
    correct = [link for link in links if truth.get(link.polymarket_id) == link.kalshi_ticker]
    assert len(links) >= 20
    assert len(correct) / len(links) >= 0.9
    assert len({link.polymarket_id for link in links}) == len(links)
