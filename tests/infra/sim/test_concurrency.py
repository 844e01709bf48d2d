"""Many clients at once: no server errors, and every cent of every balance is accounted for."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.sim import SimExchange
from tests.infra.sim.helpers import KalshiAuth, order_body, public_pem

ORDERS = "/portfolio/events/orders"


def _trade(sim: SimExchange, key_id: str, key: rsa.RSAPrivateKey, seed: int) -> list[int]:
    rng = random.Random(seed)
    tickers = sim.open_tickers()[:6]
    statuses = []
    with requests.Session() as http:
        http.auth = KalshiAuth(key_id, key)
        for _ in range(25):
            body = order_body(
                rng.choice(tickers),
                side=rng.choice(["bid", "ask"]),
                count=str(rng.randint(1, 30)),
                price=f"0.{rng.randint(5, 95):02d}",
                time_in_force=rng.choice(["immediate_or_cancel", "good_till_canceled"]),
                self_trade_prevention_type=rng.choice(["taker_at_cross", "maker"]),
            )
            statuses.append(http.post(sim.base_url + ORDERS, json=body).status_code)
            statuses.append(http.get(sim.base_url + "/markets", params={"limit": 20}).status_code)
    return statuses


def _expected_balance(sim: SimExchange, key_id: str) -> Decimal:
    """initial - cost - fees + $1 per netted YES/NO pair + settlement revenue."""
    account = sim.exchange.accounts[key_id]
    balance = sim.config.initial_balance
    bought: dict[str, dict[str, Decimal]] = {}
    for fill in account.fills:
        cents = fill.yes_cents if fill.book_side == "bid" else 100 - fill.yes_cents
        balance -= fill.count * Decimal(cents) / 100 + fill.fee
        sides = bought.setdefault(fill.ticker, {"bid": Decimal(0), "ask": Decimal(0)})
        sides[str(fill.book_side)] += fill.count
    for sides in bought.values():
        balance += min(sides["bid"], sides["ask"])
    return balance + sum(Decimal(s.revenue_cents) / 100 for s in account.settlements)


def test_concurrent_clients_keep_exact_books(
    sim: SimExchange, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    keys = {f"trader-{i}": other_rsa_key for i in range(4)}
    for key_id, key in keys.items():
        sim.register_key(key_id, public_pem(key))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda i: _trade(sim, f"trader-{i}", other_rsa_key, i), range(4))
        statuses = [s for batch in results for s in batch]
    assert set(statuses) <= {200, 201, 400}
    sim.advance(12 * 24 * 3600)  # everything traded has closed and settled by now
    for key_id in keys:
        account = sim.exchange.accounts[key_id]
        assert account.fills, key_id
        assert account.balance == _expected_balance(sim, key_id)
        assert all(p.settled for p in account.positions.values())
        assert all(o.status != "resting" for o in account.orders)
