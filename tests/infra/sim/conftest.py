from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from infra.sim import SimExchange
from tests.infra.sim.helpers import KEY_ID, KalshiAuth, running_sim


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture
def sim(rsa_key: rsa.RSAPrivateKey) -> Iterator[SimExchange]:
    with running_sim(rsa_key) as running:
        yield running


@pytest.fixture
def auth(rsa_key: rsa.RSAPrivateKey) -> KalshiAuth:
    return KalshiAuth(KEY_ID, rsa_key)


@pytest.fixture
def http(auth: KalshiAuth) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = auth
        yield session
