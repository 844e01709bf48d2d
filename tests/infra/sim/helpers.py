"""Test helpers: a minimal Kalshi request signer (independent of infra/kalshi) and sim setup."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from infra.sim import SimConfig, SimExchange

ORDERS = "/portfolio/events/orders"
START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY_ID = "test-key-1"
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def public_pem(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign(key: PrivateKey, message: bytes, salt_length: int | None = None) -> bytes:
    """RSA-PSS/SHA-256/MGF1(SHA-256), salt = digest length (unless overridden); or Ed25519."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    salt = padding.PSS.DIGEST_LENGTH if salt_length is None else salt_length
    return key.sign(
        message, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt), hashes.SHA256()
    )


@dataclass
class KalshiAuth(requests.auth.AuthBase):
    """Signs `<ts_ms><METHOD><path>` exactly as Kalshi specifies; knobs to get it wrong."""

    key_id: str
    key: PrivateKey
    sign_query: bool = False
    skew_ms: int = 0
    salt_length: int | None = None
    strip_prefix: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(request.url or "")
        path = url.path
        if self.sign_query and url.query:
            path += "?" + url.query
        if self.strip_prefix:
            path = path.replace("/trade-api/v2", "", 1)
        stamp = str(int(time.time() * 1000) + self.skew_ms)
        message = f"{stamp}{request.method}{path}".encode()
        signature = sign(self.key, message, self.salt_length)
        request.headers["KALSHI-ACCESS-KEY"] = self.key_id
        request.headers["KALSHI-ACCESS-TIMESTAMP"] = stamp
        request.headers["KALSHI-ACCESS-SIGNATURE"] = base64.b64encode(signature).decode()
        request.headers.update(self.extra)
        return request


def test_config(**overrides: Any) -> SimConfig:
    """Small, fast, frozen in time, and effectively unlimited rate limits unless overridden."""
    settings: dict[str, Any] = {
        "seed": 7,
        "markets": 40,
        "time_scale": 0.0,
        "start_time": START,
        "read_rate": 1e9,
        "read_burst": 1e9,
        "write_rate": 1e9,
        "write_burst": 1e9,
    }
    settings.update(overrides)
    return SimConfig(**settings)


@contextmanager
def running_sim(key: PrivateKey | None = None, **overrides: Any) -> Iterator[SimExchange]:
    sim = SimExchange(test_config(**overrides))
    if key is not None:
        sim.register_key(KEY_ID, public_pem(key))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def order_body(ticker: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ticker": ticker,
        "client_order_id": fields.pop("client_order_id", f"coid-{time.perf_counter_ns()}"),
        "side": "bid",
        "count": "10",
        "price": "0.5000",
        "time_in_force": "fill_or_kill",
        "self_trade_prevention_type": "taker_at_cross",
    }
    body.update(fields)
    return body


class Api:
    """A tiny signed client for the tests."""

    def __init__(self, sim: SimExchange, http: requests.Session) -> None:
        self.sim = sim
        self.http = http

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(self.sim.base_url + path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def order(self, ticker: str, **fields: Any) -> requests.Response:
        return self.http.post(self.sim.base_url + ORDERS, json=order_body(ticker, **fields))

    def balance(self) -> Decimal:
        return Decimal(self.get("/portfolio/balance")["balance_dollars"])

    def position(self, ticker: str) -> dict[str, str]:
        positions = self.get("/portfolio/positions", ticker=ticker)["market_positions"]
        assert len(positions) == 1
        return positions[0]
